//! Speed check of the person search index on an existing register:
//!
//! ```text
//! target/release/renkou --database /tmp/s/1m.db demo --persons 1000000 --seed 7
//! cargo run --release -p renkou-register --example search_speed -- /tmp/s/1m.db [--write]
//! ```
//!
//! Prints the build time, memory (VmRSS before and after), p50/p95 of 10,000 random
//! queries of each kind (single thread, township scope), then p50/p95 of a mixed load
//! from 50 threads through `search_fresh` (which asks the database for `MAX(seq)` on
//! every search). With `--write` it also records one correction and times the refresh
//! (this changes the database). Prints no personal data.

use renkou_domain::event::{EventKind, PersonEvent};
use renkou_domain::person::Field;
use renkou_domain::{PersonRecord, RegionCode, RegionLevel};
use renkou_register::search::{name_keys, search_fresh, PersonIndex};
use std::sync::RwLock;
use std::time::{Duration, Instant};

fn vm_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1000.0
}

/// Sample persons (what a searcher would type about them, and their township).
struct Sample {
    name: String,
    id: Option<String>,
    household: String,
    township: RegionCode,
}

const KINDS: [&str; 8] = [
    "name (exact)",
    "surname (1 char)",
    "full pinyin",
    "pinyin prefix",
    "initials",
    "ID last 4",
    "ID full",
    "household",
];

fn query(kind: usize, s: &Sample) -> String {
    let (py, ini) = name_keys(&s.name);
    match kind {
        0 => s.name.clone(),
        1 => s.name.chars().take(1).collect(),
        2 => py,
        3 => py.chars().take(5).collect(),
        4 => ini,
        5 => s.id.as_deref().map(|i| i[14..].to_string()).unwrap_or(py),
        6 => s.id.clone().unwrap_or(py),
        _ => s.household.clone(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .ok_or("usage: search_speed DATABASE [--write]")?;
    let write = args.iter().any(|a| a == "--write");
    let store = renkou_store::Store::open(url)?;
    store.require_initialised()?;

    let rss0 = vm_rss_mb();
    let t = Instant::now();
    let ix = PersonIndex::build(&store)?;
    let build = t.elapsed();
    let rss1 = vm_rss_mb();
    let st = ix.stats();
    println!(
        "build: {} persons in {:.2} s; VmRSS {:.0} MB -> {:.0} MB (+{:.0} MB); index heap ~{:.0} MB",
        st.persons,
        build.as_secs_f64(),
        rss0,
        rss1,
        rss1 - rss0,
        st.heap_bytes as f64 / 1048576.0
    );

    // 10,000 random persons, by reservoir sampling over the register.
    let n = 10_000;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut sample: Vec<PersonRecord> = Vec::with_capacity(n);
    let mut seen = 0usize;
    let t = Instant::now();
    let mut pinyin_time = Duration::ZERO;
    store.for_each_person_unordered(&mut |p| {
        seen += 1;
        let tp = Instant::now();
        std::hint::black_box(name_keys(&p.name));
        pinyin_time += tp.elapsed();
        if sample.len() < n {
            sample.push(p);
        } else {
            let j = rng.below(seen);
            if j < n {
                sample[j] = p;
            }
        }
        Ok(())
    })?;
    println!(
        "(for comparison: reading the {seen} persons again {:.2} s, of which pinyin {:.2} s)",
        t.elapsed().as_secs_f64(),
        pinyin_time.as_secs_f64()
    );
    let samples: Vec<Sample> = sample
        .into_iter()
        .map(|p| Sample {
            township: p.region_code.at_level(RegionLevel::Township),
            name: p.name,
            id: p.id_number.map(|i| i.as_str().to_string()),
            household: p.household_no,
        })
        .collect();
    let county = store
        .regions()?
        .into_iter()
        .map(|r| r.code)
        .find(|c| c.level() <= RegionLevel::County)
        .ok_or("no county")?;

    println!("single thread, {n} queries per kind, limit 20 (p50 / p95 / max ms, mean hits):");
    for (k, label) in KINDS.iter().enumerate() {
        for (scope_label, township) in [("township", true), ("county", false)] {
            let mut times = Vec::with_capacity(samples.len());
            let mut hits = 0usize;
            for s in &samples {
                let q = query(k, s);
                let scope = if township { &s.township } else { &county };
                let t = Instant::now();
                let r = ix.search(&q, scope, 20);
                times.push(t.elapsed());
                hits += r.len();
            }
            let max = times
                .iter()
                .max()
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
                * 1000.0;
            println!(
                "  {label:<17} {scope_label:<8} p50 {:>7.3}  p95 {:>7.3}  max {:>7.3}  hits {:.1}",
                pct(&mut times, 0.5),
                pct(&mut times, 0.95),
                max,
                hits as f64 / samples.len() as f64
            );
        }
    }

    // 50 concurrent sessions through search_fresh (one MAX(seq) query per search).
    let shared = RwLock::new(ix);
    let sessions = 50;
    let per = 400;
    let t = Instant::now();
    let all: Vec<Duration> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..sessions)
            .map(|w| {
                let (shared, store, samples, county) = (&shared, &store, &samples, &county);
                sc.spawn(move || {
                    let mut rng = Rng(0x1234_5678 + w as u64 * 7919);
                    let mut out = Vec::with_capacity(per);
                    for _ in 0..per {
                        let s = &samples[rng.below(samples.len())];
                        let q = query(rng.below(KINDS.len()), s);
                        let scope = if rng.below(4) == 0 {
                            county
                        } else {
                            &s.township
                        };
                        let t = Instant::now();
                        let _ = search_fresh(shared, store, &q, scope, 20);
                        out.push(t.elapsed());
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let wall = t.elapsed().as_secs_f64();
    let mut all = all;
    println!(
        "{sessions} concurrent sessions x {per} mixed queries via search_fresh: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms; {:.0} queries/s",
        pct(&mut all, 0.5),
        pct(&mut all, 0.95),
        pct(&mut all, 0.99),
        all.len() as f64 / wall
    );

    if write {
        let no = {
            let ix = shared.read().unwrap_or_else(|e| e.into_inner());
            ix.search(&samples[0].household, &county, 1)
                .first()
                .map(|h| (h.person_no.clone(), h.name.clone()))
        };
        if let Some((no, old)) = no {
            let e = PersonEvent {
                person_no: no,
                kind: EventKind::Correction {
                    field: Field::Name,
                    old,
                    new: "测试更名".into(),
                    reason: "search_speed".into(),
                },
                recorded_by: "search_speed".into(),
                recorded_at: String::new(),
                source: "search_speed".into(),
            };
            store.write(&renkou_store::Actor::operator("search_speed"), |tx| {
                tx.record(&e)
            })?;
            let t = Instant::now();
            let changed = shared
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .refresh(&store)?;
            println!(
                "refresh after one correction: {changed} person(s) in {:.2} ms",
                t.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
    println!("VmRSS at the end: {:.0} MB", vm_rss_mb());
    Ok(())
}
