//! The speed figure: the full catalogue for every village, township and the
//! county of a synthetic 2,000,000-person county, one year, in memory.
//!
//! `CARGO_TARGET_DIR=/work/target-stats cargo run --release -p renkou-stats --example stats_speed`

use renkou_domain::{Date, RegionCode, Residence, Sex};
use renkou_stats::{catalogue, count, count_periods, Period, RegionTable, StatPerson};
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
    // 25 townships × 30 villages.
    let mut regions = vec![(RegionCode::parse("349901000000").unwrap(), "县".to_string())];
    for t in 1..=25 {
        regions.push((
            RegionCode::parse(&format!("349901{:03}000", 100 + t)).unwrap(),
            format!("镇{t}"),
        ));
        for v in 1..=30 {
            regions.push((
                RegionCode::parse(&format!("349901{:03}{:03}", 100 + t, 200 + v)).unwrap(),
                format!("村{t}-{v}"),
            ));
        }
    }
    let table = RegionTable::build(regions).unwrap();
    let villages: Vec<u32> = table
        .at_level(renkou_domain::RegionLevel::Village)
        .collect();

    let t0 = Instant::now();
    let epoch = Date::from_ymd_opt(1920, 1, 1).unwrap();
    let mut rng = Rng(20240701);
    let persons: Vec<StatPerson> = (0..n)
        .map(|_| {
            let birth_date = epoch + chrono::Duration::days(rng.below(38_000) as i64);
            let death_date = (rng.below(10) == 0)
                .then(|| birth_date + chrono::Duration::days(rng.below(36_000) as i64));
            let linked = rng.below(20) != 0;
            StatPerson {
                region: villages[rng.below(villages.len() as u64) as usize],
                sex: if rng.below(2) == 0 {
                    Sex::Male
                } else {
                    Sex::Female
                },
                residence: match rng.below(10) {
                    0 => Residence::Outflow,
                    1 => Residence::Inflow,
                    _ => Residence::Resident,
                },
                birth_date,
                death_date,
                mother_birth_date: linked
                    .then(|| birth_date - chrono::Duration::days(5_000 + rng.below(12_000) as i64)),
                birth_order: linked.then(|| 1 + rng.below(4) as u32),
            }
        })
        .collect();
    println!(
        "built {} persons ({} bytes each) in {:?}",
        persons.len(),
        std::mem::size_of::<StatPerson>(),
        t0.elapsed()
    );

    let period = Period::year(2024);
    let mut best = f64::MAX;
    for round in 0..5 {
        let t = Instant::now();
        let counts = count(&persons, &table, period);
        let t_count = t.elapsed();
        let values = catalogue::compute_all(&counts);
        let total = t.elapsed();
        best = best.min(total.as_secs_f64());
        if round == 0 {
            let rows = catalogue::rows(&table, period, &values);
            println!(
                "{} regions, {} values; county P = {}, B = {}, D = {}",
                table.len(),
                rows.len(),
                counts.get(0).population,
                counts.get(0).births,
                counts.get(0).deaths
            );
        }
        println!("round {round}: count {t_count:?}, count + catalogue {total:?}");
    }
    println!(
        "best: {:.1} ms for the full catalogue, {} regions, one year",
        best * 1e3,
        table.len()
    );

    let t = Instant::now();
    let years = Period::last_years(2024, 10);
    let all = count_periods(&persons, &table, &years);
    let trend: usize = all.iter().map(|c| catalogue::compute_all(c).len()).sum();
    println!("ten-year trend ({trend} values) in {:?}", t.elapsed());
}
