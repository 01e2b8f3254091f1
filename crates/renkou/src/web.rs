//! The web server: `renkou serve`. For now a home page with the register's figures
//! per township and a JSON summary; it shuts down cleanly on SIGTERM/Ctrl-C,
//! finishing the requests in flight.

use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use axum::Router;
use renkou_store::Store;
use std::sync::Arc;

type AppState = Arc<Store>;

pub fn router(store: Store) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/summary", get(summary))
        .with_state(Arc::new(store))
}

pub fn serve(store: Store, listen: &str) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("无法监听 / cannot listen on {listen}"))?;
        println!("renkou 已启动 / serving on http://{listen}/  (Ctrl-C 退出 / to stop)");
        axum::serve(listener, router(store))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("web server")?;
        println!("已停止 / stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

struct WebError(anyhow::Error);

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self.0, "request failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务器内部错误 / internal error",
        )
            .into_response()
    }
}

#[derive(serde::Serialize)]
struct TownshipRow {
    code: String,
    name: String,
    persons: i64,
    households: i64,
}

#[derive(serde::Serialize)]
struct Summary {
    county: Option<String>,
    persons: i64,
    households: i64,
    events: i64,
    quality_issues: i64,
    townships: Vec<TownshipRow>,
}

fn load_summary(store: &Store) -> Result<Summary> {
    let counts = store.counts()?;
    let regions = store.regions()?;
    let county = regions
        .iter()
        .find(|r| r.level() == renkou_domain::RegionLevel::County);
    let per = store.persons_per_township()?;
    let townships = regions
        .iter()
        .filter(|r| r.level() == renkou_domain::RegionLevel::Township)
        .map(|r| {
            let (p, h) = per.get(r.code.as_str()).copied().unwrap_or((0, 0));
            TownshipRow {
                code: r.code.to_string(),
                name: r.name.clone(),
                persons: p,
                households: h,
            }
        })
        .collect();
    Ok(Summary {
        county: county.map(|c| c.name.clone()),
        persons: counts.persons,
        households: counts.households,
        events: counts.events,
        quality_issues: counts.quality_issues,
        townships,
    })
}

async fn summary(State(store): State<AppState>) -> Result<Json<Summary>, WebError> {
    let s = tokio::task::spawn_blocking(move || load_summary(&store))
        .await
        .map_err(|e| WebError(e.into()))?
        .map_err(WebError)?;
    Ok(Json(s))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn home(State(store): State<AppState>) -> Result<Html<String>, WebError> {
    let s = tokio::task::spawn_blocking(move || load_summary(&store))
        .await
        .map_err(|e| WebError(e.into()))?
        .map_err(WebError)?;
    let rows: String = s
        .townships
        .iter()
        .map(|t| {
            format!(
                "<tr><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                esc(&t.code),
                esc(&t.name),
                t.persons,
                t.households
            )
        })
        .collect();
    Ok(Html(format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>人口与家庭服务信息系统 renkou</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:1.5rem;max-width:60rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}}
.n{{text-align:right}}.cards{{display:flex;gap:1rem;flex-wrap:wrap}}.card{{border:1px solid #ccc;border-radius:6px;padding:.8rem 1.2rem}}
.card b{{display:block;font-size:1.6rem}}small{{color:#666}}</style></head><body>
<h1>人口与家庭服务信息系统 <small>renkou</small></h1>
<p>{county}</p>
<div class=cards>
<div class=card>人口 <small>persons</small><b id=persons>{persons}</b></div>
<div class=card>户 <small>households</small><b id=households>{households}</b></div>
<div class=card>事件 <small>events</small><b>{events}</b></div>
<div class=card>待核数据质量问题 <small>data-quality issues</small><b>{quality}</b></div>
</div>
<h2>各乡镇 <small>townships</small></h2>
<table><thead><tr><th>区划代码 <small>code</small></th><th>名称 <small>name</small></th><th class=n>人口 <small>persons</small></th><th class=n>户 <small>households</small></th></tr></thead>
<tbody>{rows}</tbody></table>
</body></html>"#,
        county = esc(s
            .county
            .as_deref()
            .unwrap_or("尚未导入区划 / no regions yet")),
        persons = s.persons,
        households = s.households,
        events = s.events,
        quality = s.quality_issues,
    )))
}
