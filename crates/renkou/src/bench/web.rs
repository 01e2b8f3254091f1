//! `renkou bench web`: the web application under load, over loopback, from a
//! bounded client of our own: N concurrent sessions (each logged in as its own
//! account) repeatedly search by name or pinyin, open a person's page, and a
//! share of them register births. Prints p50/p95/p99 and throughput per kind.

use anyhow::{Context, Result};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use renkou_domain::account::Role;
use renkou_domain::{RegionLevel, Sex};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<bytes::Bytes>>;

pub fn run(db: &str, sessions: usize, seconds: u64, birth_share: f64) -> Result<()> {
    let store = crate::db::open(db)?;
    // The busiest realistic scope: a township worker (their township holds about
    // a twentieth of the county).
    let regions = store.regions()?;
    let town = crate::bench::first_region(&regions, RegionLevel::Township, None)?;
    let mut samples: Vec<(String, String, String)> = Vec::new(); // (person_no, name, village)
    let mut mothers: Vec<(String, String)> = Vec::new();
    let today = chrono::Local::now().date_naive();
    store.for_each_live_person_in(&town, &mut |p| {
        if samples.len() < 20_000 {
            samples.push((
                p.person_no.clone(),
                p.name.clone(),
                p.region_code.to_string(),
            ));
        }
        let age = renkou_domain::date::completed_years(p.birth_date, today);
        if p.sex == Sex::Female
            && (20..40).contains(&age)
            && p.death_date.is_none()
            && mothers.len() < 5000
        {
            mothers.push((p.person_no.clone(), p.region_code.to_string()));
        }
        Ok(())
    })?;
    anyhow::ensure!(
        !samples.is_empty() && !mothers.is_empty(),
        "the township has no persons"
    );
    let password = "Bench-pass-1";
    let hash = renkou_register::accounts::hash_password(password)?;
    for i in 0..sessions {
        let name = format!("bench{i}");
        let a = match store.account_by_name(&name)? {
            Some(a) => a,
            None => store.create_account(&name, &name, Role::TownshipStaff, &town, &hash)?,
        };
        store.set_password(a.id, &hash, false)?;
    }
    let state = renkou_web::AppState::new(store).with_login_limit(sessions * 2 + 10);
    let t = Instant::now();
    anyhow::ensure!(
        state.wait_for_search_index(Duration::from_secs(600)),
        "search index not built"
    );
    println!("search index built in {:.1} s", t.elapsed().as_secs_f64());
    // The last handle on the store is dropped after the runtime: PostgreSQL's
    // synchronous client must not be closed from inside it.
    let keep_state = state.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let samples = Arc::new(samples);
    let mothers = Arc::new(mothers);
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = renkou_web::router(state);
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client: Http = Client::builder(TokioExecutor::new()).build_http();
        let base = format!("http://{addr}");
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for i in 0..sessions {
            let (client, base, samples, mothers) = (
                client.clone(),
                base.clone(),
                samples.clone(),
                mothers.clone(),
            );
            tasks.push(tokio::spawn(async move {
                session(
                    client,
                    base,
                    i,
                    password,
                    samples,
                    mothers,
                    deadline,
                    birth_share,
                )
                .await
            }));
        }
        let mut all: [Vec<f64>; 3] = Default::default();
        let mut errors = 0usize;
        for t in tasks {
            let (lat, e) = t.await??;
            for k in 0..3 {
                all[k].extend_from_slice(&lat[k]);
            }
            errors += e;
        }
        println!(
            "{sessions} concurrent sessions, {seconds} s, township scope {town}, errors {errors}"
        );
        for (k, name) in ["search", "person page", "birth (POST)"].iter().enumerate() {
            let v = &mut all[k];
            v.sort_by(|a, b| a.total_cmp(b));
            if v.is_empty() {
                continue;
            }
            let q = |p: f64| v[((v.len() as f64 - 1.0) * p) as usize];
            println!(
                "{name:<14} n={:>7}  {:>7.0}/s  p50 {:>6.1} ms  p95 {:>6.1} ms  p99 {:>6.1} ms",
                v.len(),
                v.len() as f64 / seconds as f64,
                q(0.5),
                q(0.95),
                q(0.99)
            );
        }
        Ok::<(), anyhow::Error>(())
    })?;
    drop(rt);
    drop(keep_state);
    Ok(())
}

async fn send(
    client: &Http,
    req: hyper::Request<Full<bytes::Bytes>>,
) -> Result<(u16, String, Option<String>)> {
    let resp = client.request(req).await?;
    let status = resp.status().as_u16();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned(), cookie))
}

#[allow(clippy::too_many_arguments)]
async fn session(
    client: Http,
    base: String,
    i: usize,
    password: &'static str,
    samples: Arc<Vec<(String, String, String)>>,
    mothers: Arc<Vec<(String, String)>>,
    deadline: Instant,
    birth_share: f64,
) -> Result<([Vec<f64>; 3], usize)> {
    let form = |uri: String, body: String, cookie: &str| {
        hyper::Request::post(uri)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .body(Full::new(bytes::Bytes::from(body)))
    };
    let (_, _, cookie) = send(
        &client,
        form(
            format!("{base}/login"),
            format!("username=bench{i}&password={password}"),
            "",
        )?,
    )
    .await?;
    let cookie = cookie.context("login failed")?;
    let get = |uri: String| {
        hyper::Request::get(uri)
            .header("cookie", &cookie)
            .body(Full::new(bytes::Bytes::new()))
    };
    let (_, page, _) = send(&client, get(format!("{base}/password"))?).await?;
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string();
    let mut lat: [Vec<f64>; 3] = Default::default();
    let mut errors = 0;
    let mut n: usize = i * 7919;
    while Instant::now() < deadline {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let pick = n >> 33;
        let (kind, req) = if ((pick % 1000) as f64) < birth_share * 1000.0 {
            let (mother, village) = &mothers[pick % mothers.len()];
            (
                2,
                form(
                    format!("{base}/regions/{village}/births/new"),
                    format!(
                        "csrf={csrf}&mother_no={mother}&sex={}&birth_date=2026-01-{:02}",
                        1 + pick % 2,
                        1 + pick % 28
                    ),
                    &cookie,
                )?,
            )
        } else if pick.is_multiple_of(2) {
            let (_, name, _) = &samples[pick % samples.len()];
            // Half by the name, half by its pinyin.
            let q = if pick.is_multiple_of(4) {
                renkou_register::search::name_keys(name).0
            } else {
                name.clone()
            };
            let q: String = q.bytes().map(|b| format!("%{b:02X}")).collect();
            (0, get(format!("{base}/search?q={q}"))?)
        } else {
            let (no, _, _) = &samples[pick % samples.len()];
            (1, get(format!("{base}/persons/{no}"))?)
        };
        let t = Instant::now();
        let (status, _, _) = send(&client, req).await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if status >= 400 {
            errors += 1;
        } else {
            lat[kind].push(ms);
        }
    }
    Ok((lat, errors))
}
