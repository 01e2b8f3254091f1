//! The reports page (生成报告 and 报告档案) and its forms.

use crate::error::WebError;
use crate::extract::{Area, Caller, CsrfForm, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_domain::RegionCode;
use renkou_reports::archive;
use renkou_reports::tables::ArchivedReport;
use renkou_reports::{Format, Kind, Request};

/// The URL's `{id}`: an archived report whose region lies in the caller's area
/// (404 otherwise, as for an id nobody has).
pub struct ReportOf<U: Caller> {
    pub user: U,
    pub report: ArchivedReport,
}

impl<U: Caller> FromRequestParts<AppState> for ReportOf<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let id: i64 = crate::extract::path_param(parts, state, "id")
            .await
            .and_then(|s| s.parse().ok())
            .ok_or(WebError::NotFound)?;
        let store = state.store.clone();
        let actor = user.actor();
        let report = blocking(move || Ok(archive::archived(&store, &actor, id)?))
            .await?
            .ok_or(WebError::NotFound)?;
        Ok(ReportOf { user, report })
    }
}

pub struct Line {
    pub r: ArchivedReport,
    /// The hash's first 12 digits.
    pub short: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub next: &'static str,
}

#[derive(Template)]
#[template(path = "reports/reports.html")]
struct ReportsPage {
    l: L,
    me: Current,
    code: String,
    name: String,
    kinds: Vec<(&'static str, &'static str)>,
    lines: Vec<Line>,
    period: String,
    pdf: bool,
    error: String,
    notice: String,
    names: crate::benefits::pages::RegionNames,
}

impl ReportsPage {
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::i18n::minute(t)
    }
    fn region_name(&self, code: &str) -> String {
        self.names.name(code)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PageQuery {
    notice: Option<String>,
}

fn render(
    state: &AppState,
    me: Current,
    code: &RegionCode,
    period: String,
    error: String,
    notice: String,
) -> Result<String, WebError> {
    let name = state
        .store
        .regions()?
        .into_iter()
        .find(|r| &r.code == code)
        .map(|r| r.name)
        .unwrap_or_default();
    let lines = renkou_reports::tables::ReportTables::archived_reports(&*state.store, Some(code))?
        .into_iter()
        .map(|r| Line {
            short: r.sha256.chars().take(12).collect(),
            kind: Kind::parse(&r.kind).map(Kind::name_zh).unwrap_or("?"),
            status: status_static(&r.status),
            next: match r.status.as_str() {
                "drafted" => "submitted",
                "submitted" if me.scope.region.level() < renkou_domain::RegionLevel::Township => {
                    "received"
                }
                _ => "",
            },
            r,
        })
        .collect();
    let page = ReportsPage {
        names: crate::benefits::pages::RegionNames::load(state)?,
        l: me.l,
        code: code.to_string(),
        name,
        kinds: Kind::ALL.iter().map(|k| (k.code(), k.name_zh())).collect(),
        lines,
        period,
        pdf: state.pdf.is_some(),
        error,
        notice,
        me,
    };
    Ok(page.render()?)
}

/// Percent-encodes a query value or a file name (RFC 3986 unreserved kept).
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn status_static(s: &str) -> &'static str {
    match s {
        "drafted" => "草稿",
        "submitted" => "已报送",
        "received" => "县已接收",
        _ => "?",
    }
}

/// The default period: the last full year (a report of the running year would
/// count only part of it).
fn last_full_year() -> String {
    use chrono::Datelike;
    (chrono::Local::now().year() - 1).to_string()
}

pub async fn page(
    State(state): State<AppState>,
    Area { user, code }: Area<Current>,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, WebError> {
    let notice = q.notice.unwrap_or_default();
    Ok(Html(
        blocking(move || render(&state, user, &code, last_full_year(), String::new(), notice))
            .await?,
    ))
}

#[derive(Debug, serde::Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    format: String,
}

pub async fn generate(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    CsrfForm { me, form }: CsrfForm<GenerateForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome = (|| -> Result<archive::Generated, renkou_reports::Error> {
            let request = Request {
                kind: Kind::parse(&form.kind)?,
                region: code.clone(),
                period: form
                    .period
                    .parse()
                    .map_err(|e: renkou_stats::PeriodError| {
                        renkou_reports::Error::Invalid(e.to_string())
                    })?,
                format: Format::parse(&form.format)?,
                as_of: None,
            };
            let source = super::RegisterFigures {
                store: &state.store,
                cache: &state.stats,
            };
            archive::generate(
                &state.store,
                &me.actor(),
                &source,
                &request,
                state.pdf.as_deref(),
            )
        })();
        match outcome {
            Ok(g) => Ok(Redirect::to(&format!(
                "/reports/{code}?notice={}",
                url_encode(&format!("已生成并存档 #{}：{}", g.id, g.file_name))
            ))
            .into_response()),
            Err(e) => Ok(Html(render(
                &state,
                me,
                &code,
                form.period,
                e.to_string(),
                String::new(),
            )?)
            .into_response()),
        }
    })
    .await
}

/// The archived file, as it was made.
pub async fn download(
    State(state): State<AppState>,
    ReportOf { user, report }: ReportOf<Current>,
) -> Result<Response, WebError> {
    let id = report.id;
    let actor = user.actor();
    let store = state.store.clone();
    let (r, bytes) = blocking(move || Ok(archive::file(&store, &actor, id)?))
        .await?
        .ok_or(WebError::NotFound)?;
    let mime = Format::parse(&r.format)
        .map(Format::mime)
        .unwrap_or("application/octet-stream");
    let ascii = format!("report-{}.{}", r.id, r.format);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    url_encode(&r.file_name)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    to: String,
}

/// Sends a report up, or marks it received.
pub async fn status(
    State(state): State<AppState>,
    ReportOf { report, .. }: ReportOf<Current>,
    CsrfForm { me, form }: CsrfForm<StatusForm>,
) -> Result<Response, WebError> {
    let back = me.scope.region.to_string();
    blocking(move || {
        let notice = match archive::advance(&state.store, &me.actor(), report.id, &form.to) {
            Ok(r) => format!("报告 #{} {}", r.id, archive::status_zh(&r.status)),
            Err(e) => e.to_string(),
        };
        Ok(
            Redirect::to(&format!("/reports/{back}?notice={}", url_encode(&notice)))
                .into_response(),
        )
    })
    .await
}
