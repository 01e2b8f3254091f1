//! `renkou bench indicators`: the full catalogue of indicators.md for every
//! village, township and the county for one year, on an existing database (make
//! one with `renkou --database big.db demo --persons 2000000 --seed 7`).
//!
//! Prints the median of 5 warm runs of each step:
//! - load: the store's one streaming query over every person (`Store::stat_rows`);
//! - compute: region table, mapping persons to it, counting and the catalogue;
//! - total: load + compute, what one `renkou indicators` run costs once the
//!   database is warm;
//! - cached: the web server's path, the persons kept in a `StatCache` and only the
//!   last event's sequence number checked before computing;
//! - process: the real binary `renkou indicators --level all` as a child process,
//!   JSON written to a temporary file (start-up, load, compute and output).
//!
//! Run it once per backend (`--database file.db`, `--database postgres://…`).

use anyhow::{bail, Context, Result};
use renkou_domain::RegionLevel;
use renkou_indicators::figures::{self as ind, Level, StatCache};
use renkou_stats::Period;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64()
}

fn ms(s: f64) -> String {
    format!("{:.0} ms", s * 1000.0)
}

/// Times the catalogue for every region of the register's county in `year`.
pub fn run(db: &str, year: i32) -> Result<()> {
    let store = crate::db::open(db)?;
    let regions = store.regions()?;
    let county = crate::bench::first_region(&regions, RegionLevel::County, None)?;
    let period = Period::try_year(year)?;
    let persons = store.counts()?.persons;
    println!(
        "指标基准 / indicators benchmark: {} ({}), {persons} persons, county {county}, year {year}, level all",
        store.location,
        store.backend().name()
    );

    // Warm-up: the database's pages into the cache, the allocator's arenas.
    let rows = store.stat_rows(Some(period.first_day()))?;
    let out = ind::compute(&regions, &rows, &county, period, Level::All)?;
    drop(rows);
    let n_rows = out.len();

    let (mut load, mut compute, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        let rows = store.stat_rows(Some(period.first_day()))?;
        let loaded = t.elapsed();
        let t2 = Instant::now();
        let out = ind::compute(&store.regions()?, &rows, &county, period, Level::All)?;
        compute.push(t2.elapsed());
        load.push(loaded);
        total.push(t.elapsed());
        if out.len() != n_rows {
            bail!("runs disagree: {} rows, then {}", n_rows, out.len());
        }
    }

    let cache = StatCache::new();
    cache.rows(&store, Some(period.first_day()))?;
    let mut cached = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let out = ind::indicators(&store, &cache, &county, period, Level::All)?;
        cached.push(t.elapsed());
        if out.len() != n_rows {
            bail!("cached run disagrees: {} rows", out.len());
        }
    }

    let exe = std::env::current_exe().context("current_exe")?;
    let tmp = std::env::temp_dir().join(format!(
        "renkou-bench-indicators-{}.json",
        std::process::id()
    ));
    let mut process = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let status = Command::new(&exe)
            .args(["--database", db, "indicators", "--region", county.as_str()])
            .args(["--year", &year.to_string(), "--level", "all", "--out"])
            .arg(&tmp)
            .env("RENKOU_LOG", "warn")
            .stderr(std::process::Stdio::null())
            .status()
            .context("spawn renkou indicators")?;
        process.push(t.elapsed());
        if !status.success() {
            bail!("renkou indicators failed: {status}");
        }
    }
    let _ = std::fs::remove_file(&tmp);

    let regions_out = n_rows / renkou_stats::catalogue::Indicator::ALL.len();
    println!(
        "  {regions_out} regions × 22 indicators = {n_rows} rows; median of {RUNS} warm runs:"
    );
    println!(
        "  load (one query, {persons} persons) {:>10}",
        ms(median(load))
    );
    println!(
        "  compute (map, count, catalogue)    {:>10}",
        ms(median(compute))
    );
    println!(
        "  total (load + compute)             {:>10}",
        ms(median(total))
    );
    println!(
        "  cached (StatCache, no new event)   {:>10}",
        ms(median(cached))
    );
    println!(
        "  process (renkou indicators → JSON) {:>10}",
        ms(median(process))
    );
    Ok(())
}
