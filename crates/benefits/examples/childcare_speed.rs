//! The speed figure: a childcare-subsidy run for one year over a synthetic county of
//! 2,000,000 persons held in memory (ages spread over 0-89, 750 villages, one child
//! in 200 moving once in the year, a few deaths). The store's read is not measured.
//!
//! `cargo run --release -p renkou-benefits --example childcare_speed [persons]`

use chrono::Datelike;
use renkou_benefits::rules::{childcare, Date, Move, Parameters, PersonFacts, Register};
use renkou_domain::{IdNumber, RegionCode, Sex};
use std::time::Instant;

/// splitmix64: enough randomness for a benchmark, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let t0 = Instant::now();
    let mut reg = Register::with_capacity(n);
    let mut villages = Vec::new();
    for t in 1..=25 {
        for v in 1..=30 {
            let code = RegionCode::parse(&format!("349901{:03}{:03}", 100 + t, 200 + v)).unwrap();
            villages.push(reg.region(&code));
        }
    }
    let mut rng = Rng(2025);
    let base = Date::from_ymd_opt(1936, 1, 1).unwrap();
    for i in 0..n {
        let born = base + chrono::Duration::days(rng.below(90 * 365) as i64);
        let region = villages[rng.below(villages.len() as u64) as usize];
        let sex = if rng.below(2) == 0 {
            Sex::Male
        } else {
            Sex::Female
        };
        let death_date = (rng.below(500) == 0)
            .then(|| {
                Date::from_ymd_opt(2025, 1, 1).unwrap()
                    + chrono::Duration::days(rng.below(365) as i64)
            })
            .filter(|d| *d >= born);
        let moves = if born.year() >= 2022 && rng.below(200) == 0 {
            let to = villages[rng.below(villages.len() as u64) as usize];
            let date = Date::from_ymd_opt(2025, 1, 1).unwrap()
                + chrono::Duration::days(rng.below(365) as i64);
            if date >= born {
                vec![Move { date, to: Some(to) }]
            } else {
                vec![]
            }
        } else {
            vec![]
        };
        let id = IdNumber::compose(349901, born, (i % 1000) as u16);
        reg.add(
            &format!("P{i:08}"),
            Some(id),
            PersonFacts {
                sex,
                birth_date: born,
                death_date,
                region,
            },
            &moves,
        )
        .unwrap();
    }
    println!(
        "built {} persons in memory in {:.2?}",
        reg.len(),
        t0.elapsed()
    );

    let params = Parameters::national();
    let county = RegionCode::parse("349901000000").unwrap();
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    for round in 0..rounds {
        let (t, c) = (Instant::now(), cpu_seconds());
        let run = childcare::run(&reg, &county, 2025, &params).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds().map(|after| after - c.unwrap_or(after));
        best = best.min(secs);
        best_cpu = best_cpu.min(cpu.unwrap_or(f64::MAX));
        if round == 0 {
            println!(
                "considered {} children, {} eligible, {} yuan",
                run.determinations.len(),
                run.eligible().count(),
                run.total()
            );
        }
        println!(
            "childcare run 2025, county: {:.1} ms wall, {:.1} ms on the CPU",
            secs * 1000.0,
            cpu.unwrap_or(f64::NAN) * 1000.0
        );
    }
    println!(
        "best of {rounds}: {:.1} ms wall, {:.1} ms on the CPU",
        best * 1000.0,
        best_cpu * 1000.0
    );
}

/// This thread's time on the CPU (Linux `/proc/thread-self/schedstat`), so a figure
/// taken on a shared machine is not the other tenants' load.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}
