//! `renkou bench pages`: how long the indicators pages take to render on a large
//! register, served by the real router over loopback to one logged-in county
//! statistician (make the database with `renkou --database big.db demo --persons
//! 2000000 --seed 7`).
//!
//! Prints, per page, the median and the slowest of several requests once the
//! indicators' input is cached, then the first page after each of several new
//! births (the cache brought up to date event by event, not reloaded): the
//! figure that shows whether a busy office still gets its pages at once.
//! The births are written to the database: run it on a benchmark copy.

use anyhow::{Context, Result};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use renkou_domain::account::Role;
use renkou_domain::{MaritalStatus, PersonRecord, RegionLevel, Residence, Sex};
use std::time::{Duration, Instant};

type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<bytes::Bytes>>;

const ROUNDS: usize = 7;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(v: &mut [f64]) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    format!(
        "median {:>6.1} ms  max {:>6.1} ms  (n={})",
        v[v.len() / 2],
        v[v.len() - 1],
        v.len()
    )
}

pub fn run(db: &str, year: i32) -> Result<()> {
    let store = crate::db::open(db)?;
    let regions = store.regions()?;
    let county = crate::bench::first_region(&regions, RegionLevel::County, None)?;
    let town = crate::bench::first_region(&regions, RegionLevel::Township, None)?;
    let village = crate::bench::first_region(&regions, RegionLevel::Village, Some(&town))?;
    let mut mother: Option<PersonRecord> = None;
    store.for_each_live_person_in(&village, &mut |p| {
        if mother.is_none() && p.sex == Sex::Female && p.death_date.is_none() {
            let age = renkou_domain::date::completed_years(
                p.birth_date,
                chrono::NaiveDate::from_ymd_opt(year, 7, 1).unwrap_or_default(),
            );
            if (20..40).contains(&age) {
                mother = Some(p);
            }
        }
        Ok(())
    })?;
    let mother = mother.context("no mother aged 20-39 in the village")?;
    let persons = store.counts()?.persons;
    let password = "Bench-pass-1";
    let hash = renkou_register::accounts::hash_password(password)?;
    let account = match store.account_by_name("bench-stat")? {
        Some(a) => a,
        None => store.create_account(
            "bench-stat",
            "bench-stat",
            Role::CountyStatistician,
            &county,
            &hash,
        )?,
    };
    store.set_password(account.id, &hash, false)?;
    println!(
        "指标页面基准 / indicator pages benchmark: {} ({}), {persons} persons, year {year}",
        store.location,
        store.backend().name()
    );
    let writer = std::sync::Arc::new(crate::db::open(db)?);
    let state = renkou_web::AppState::new(store);
    // The last handles on the stores are dropped after the runtime: PostgreSQL's
    // synchronous client must not be closed from inside it.
    let (keep_state, keep_writer) = (state.clone(), writer.clone());
    // The search index is built on the other core at start: let it finish, so
    // the figures are the pages' own.
    anyhow::ensure!(
        state.wait_for_search_index(Duration::from_secs(600)),
        "search index not built"
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, renkou_web::router(state)).await });
        let client: Http = Client::builder(TokioExecutor::new()).build_http();
        let login = hyper::Request::post(format!("{base}/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(bytes::Bytes::from(format!(
                "username=bench-stat&password={password}"
            ))))?;
        let resp = client.request(login).await?;
        let cookie = resp
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
            .context("login failed")?;
        let get = |uri: String| {
            let (client, cookie) = (client.clone(), cookie.clone());
            async move {
                let req = hyper::Request::get(uri.as_str())
                    .header("cookie", cookie)
                    .body(Full::new(bytes::Bytes::new()))?;
                let t = Instant::now();
                let resp = client.request(req).await?;
                let status = resp.status();
                let body = resp.into_body().collect().await?.to_bytes();
                let took = t.elapsed();
                anyhow::ensure!(status.is_success(), "{uri}: {status}");
                Ok::<(Duration, usize), anyhow::Error>((took, body.len()))
            }
        };
        let p = format!("period={year}");
        let pages: Vec<(&str, String)> = vec![
            ("county overview", format!("{base}/indicators/{county}?{p}")),
            ("township overview", format!("{base}/indicators/{town}?{p}")),
            (
                "village overview",
                format!("{base}/indicators/{village}?{p}"),
            ),
            (
                "county, every village",
                format!("{base}/indicators/{county}?{p}&level=village"),
            ),
            (
                "county CBR + trend",
                format!("{base}/indicators/{county}/cbr?{p}"),
            ),
            (
                "township TFR + trend",
                format!("{base}/indicators/{town}/tfr?{p}"),
            ),
            (
                "quarter overview",
                format!("{base}/indicators/{county}?period={year}Q2"),
            ),
            (
                "targets, every village",
                format!("{base}/targets/{county}?year={year}&level=village"),
            ),
            (
                "pyramid.svg",
                format!("{base}/indicators/{county}/pyramid.svg?{p}"),
            ),
        ];
        let (first, _) = get(pages[0].1.clone()).await?;
        println!(
            "{:<24} {:>8.1} ms  (reads every person once)",
            "first page, cold cache",
            ms(first)
        );
        for (name, uri) in &pages {
            let mut v = Vec::new();
            let mut size = 0;
            for _ in 0..ROUNDS {
                let (d, n) = get(uri.clone()).await?;
                v.push(ms(d));
                size = n;
            }
            println!("{name:<24} {}  {:>4} KB", summary(&mut v), size / 1024);
        }
        // New births, each followed by the county page: the figures must include
        // it, and the cache follows by reading only the touched persons.
        let mut v = Vec::new();
        for i in 0..ROUNDS {
            let born = chrono::NaiveDate::from_ymd_opt(year, 6, 1 + i as u32).unwrap_or_default();
            let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
            // No ID number yet, as for most newborns: the bench can run again on
            // the same database without its babies' numbers being taken.
            let child = PersonRecord {
                person_no: String::new(),
                name: format!("基准婴{i}"),
                sex,
                birth_date: born,
                id_number: None,
                household_no: mother.household_no.clone(),
                region_code: mother.region_code.clone(),
                marital_status: MaritalStatus::NotStated,
                mother_no: Some(mother.person_no.clone()),
                father_no: None,
                residence: Residence::Resident,
                phone: None,
                death_date: None,
                relation: None,
            };
            let w = writer.clone();
            tokio::task::spawn_blocking(move || {
                w.write(&renkou_store::Actor::operator("bench"), |tx| {
                    tx.record_birth(child, "bench")
                })
            })
            .await??;
            let (d, _) = get(pages[0].1.clone()).await?;
            v.push(ms(d));
        }
        println!("{:<24} {}", "county page after a birth", summary(&mut v));
        Ok::<(), anyhow::Error>(())
    })?;
    drop(rt);
    drop((keep_state, keep_writer));
    Ok(())
}
