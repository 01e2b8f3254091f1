//! Property tests: every township's counts sum to the county's, the one-pass
//! counts agree with a naive reading of indicators.md region by region, and
//! suppression never leaves a recoverable cell.

use proptest::prelude::*;
use renkou_domain::date::completed_years;
use renkou_domain::{Date, RegionCode, RegionLevel, Residence, Sex};
use renkou_stats::counts::Counts;
use renkou_stats::{count, suppress, Period, RegionTable, StatPerson, SuppressionOptions};

fn table(townships: usize, villages: usize) -> RegionTable {
    let mut v = vec![(RegionCode::parse("349901000000").unwrap(), "县".to_string())];
    for t in 1..=townships {
        v.push((
            RegionCode::parse(&format!("349901{:03}000", 100 + t)).unwrap(),
            format!("镇{t}"),
        ));
        for k in 1..=villages {
            v.push((
                RegionCode::parse(&format!("349901{:03}{:03}", 100 + t, 200 + k)).unwrap(),
                format!("村{t}-{k}"),
            ));
        }
    }
    RegionTable::build(v).unwrap()
}

fn day(n: u32) -> Date {
    // 1960-01-01 plus n days: covers grandmothers to 2026 births, leap days included.
    Date::from_ymd_opt(1960, 1, 1).unwrap() + chrono::Duration::days(n as i64)
}

prop_compose! {
    fn arb_person(regions: u32)(
        region in 1..regions,
        sex in prop_oneof![Just(Sex::Male), Just(Sex::Female), Just(Sex::Unknown)],
        residence in prop_oneof![Just(Residence::Resident), Just(Residence::Outflow), Just(Residence::Inflow)],
        born in 0u32..24_000,
        lives in prop::option::of(0u32..30_000),
        mother_age_days in prop::option::of(4_000u32..20_000),
        order in prop::option::of(1u32..6),
    ) -> StatPerson {
        let birth_date = day(born);
        StatPerson {
            region,
            sex,
            residence,
            birth_date,
            death_date: lives.map(|l| birth_date + chrono::Duration::days(l as i64)),
            mother_birth_date: mother_age_days.map(|a| birth_date - chrono::Duration::days(a as i64)),
            birth_order: mother_age_days.and(order),
        }
    }
}

fn arb_period() -> impl Strategy<Value = Period> {
    prop_oneof![
        (2018i32..2026).prop_map(Period::year),
        (2018i32..2026, 1u32..5).prop_map(|(y, q)| Period::quarter(y, q).unwrap()),
        (2018i32..2026, 1u32..13).prop_map(|(y, m)| Period::month(y, m).unwrap()),
        (20_000u32..24_000, 0u32..400)
            .prop_map(|(a, n)| Period::range(day(a), day(a + n)).unwrap()),
    ]
}

/// indicators.md read literally, one region at a time.
fn naive(persons: &[StatPerson], t: &RegionTable, region: u32, period: Period) -> Counts {
    let mut c = Counts::default();
    let refd = period.reference_day();
    for p in persons.iter().filter(|p| t.contains(region, p.region)) {
        let alive = p.birth_date <= refd && p.death_date.is_none_or(|d| d > refd);
        if alive && p.residence != Residence::Outflow {
            c.population += 1;
            let age = completed_years(p.birth_date, refd);
            if p.sex == Sex::Female && (15..50).contains(&age) {
                c.women[(age as usize - 15) / 5] += 1;
            }
        }
        if period.contains(p.birth_date) {
            c.births += 1;
            c.births_male += (p.sex == Sex::Male) as u32;
            c.births_female += (p.sex == Sex::Female) as u32;
            if let Some(m) = p.mother_birth_date {
                let a = completed_years(m, p.birth_date);
                if (15..50).contains(&a) {
                    c.births_by_mother_age[(a as usize - 15) / 5] += 1;
                }
            }
            if let Some(o) = p.birth_order {
                let k = o.min(3) as usize - 1;
                c.births_by_order[k] += 1;
                c.births_by_order_male[k] += (p.sex == Sex::Male) as u32;
                c.births_by_order_female[k] += (p.sex == Sex::Female) as u32;
            }
        }
        if p.death_date.is_some_and(|d| period.contains(d)) {
            c.deaths += 1;
        }
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn townships_sum_to_the_county_and_match_the_naive_count(
        persons in prop::collection::vec(arb_person(13), 0..300),
        period in arb_period(),
    ) {
        // 3 townships × 3 villages; persons attach to villages or townships.
        let t = table(3, 3);
        let counts = count(&persons, &t, period);
        let mut sum = Counts::default();
        for tw in t.at_level(RegionLevel::Township) {
            sum += counts.get(tw);
        }
        prop_assert_eq!(&sum, counts.get(0));
        for r in 0..t.len() as u32 {
            prop_assert_eq!(counts.get(r), &naive(&persons, &t, r, period), "region {}", r);
        }
        // Every indicator value is finite or null, never infinite.
        for v in renkou_stats::catalogue::compute_all(&counts) {
            prop_assert!(v.value.is_none_or(f64::is_finite), "{:?}", v);
            if let (Some(i), Some(x)) = (v.interval, v.value) {
                prop_assert!(i.low <= x + 1e-9 && x <= i.high + 1e-9, "{:?}", v);
            }
        }
    }

    #[test]
    fn suppression_leaves_nothing_recoverable(
        cells in (1usize..7, 1usize..5).prop_flat_map(|(r, c)| {
            prop::collection::vec(prop::collection::vec(0u64..60, c), r)
        }),
        threshold in 1u64..15,
        zeros_are_safe in any::<bool>(),
    ) {
        let opts = SuppressionOptions { threshold, zeros_are_safe };
        let t = suppress(&cells, &opts).unwrap();
        prop_assert!(t.recoverable_cells().is_empty(), "{:?}", t.status);
        for (i, row) in t.values.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let small = v < threshold && !(v == 0 && zeros_are_safe);
                prop_assert_eq!(small, t.status[i][j] == renkou_stats::CellStatus::Primary);
            }
        }
        // Two per line, rows and columns (totals included).
        for i in 0..=t.rows {
            let n = (0..=t.cols).filter(|&j| t.status[i][j].is_suppressed()).count();
            prop_assert!(n != 1, "row {} {:?}", i, t.status);
        }
        for j in 0..=t.cols {
            let n = (0..=t.rows).filter(|&i| t.status[i][j].is_suppressed()).count();
            prop_assert!(n != 1, "column {} {:?}", j, t.status);
        }
    }
}
