//! `renkou indicators` from the register, end to end on SQLite and PostgreSQL: a
//! hand-made register with figures computed by hand, and a generated demo county
//! checked against plain SQL written here (a formulation independent of the
//! store's loader query).

use renkou_domain::{Date, RegionLevel, Sex};
use renkou_indicators::figures::{indicators, Level, StatCache};
use renkou_stats::{IndicatorRow, Period};
use renkou_store::{Store, Value};
use std::collections::HashMap;

use renkou_testkit::*;

type Table = HashMap<(String, String), IndicatorRow>;

fn by_key(rows: Vec<IndicatorRow>) -> Table {
    rows.into_iter()
        .map(|r| ((r.region_code.clone(), r.indicator.clone()), r))
        .collect()
}

#[track_caller]
fn value(t: &Table, region: &str, ind: &str) -> Option<f64> {
    t.get(&(region.to_string(), ind.to_string()))
        .unwrap_or_else(|| panic!("no row {region} {ind}"))
        .value
}

#[track_caller]
fn close(got: Option<f64>, want: f64) {
    let g = got.expect("a value, not null");
    assert!((g - want).abs() < 1e-9, "got {g}, want {want}");
}

#[test]
fn hand_computed_register_on_both_databases() {
    for db in databases() {
        let store = db.store_with(&[&renkou_indicators::MIGRATIONS]);
        load(&store, &register());
        let cache = StatCache::new();
        let rows = indicators(
            &store,
            &cache,
            &code(COUNTY),
            Period::year(2024),
            Level::All,
        )
        .unwrap();
        // County, 2 townships, 3 villages (the merged one does not exist in 2024).
        assert_eq!(rows.len(), 6 * 22, "{}", db.label);
        assert_eq!(rows[0].region_code, COUNTY);
        assert_eq!(rows[0].level, "county");
        assert_eq!(rows[0].period, "2024");
        assert!(!rows.iter().any(|r| r.region_code == V_OLD));
        let t = by_key(rows);
        let l = db.label;

        // P: 一村 5 + O1 (merged village → 一村) = 6, 二村 1, 三村 2.
        close(value(&t, V1, "population_midyear"), 6.0);
        close(value(&t, V2, "population_midyear"), 1.0);
        close(value(&t, TOWN_A, "population_midyear"), 7.0);
        close(value(&t, TOWN_B, "population_midyear"), 2.0);
        close(value(&t, COUNTY, "population_midyear"), 9.0);
        // B = C2, T1, T2, N1 (male 1, female 3); D = D1.
        close(value(&t, COUNTY, "births"), 4.0);
        close(value(&t, TOWN_B, "births"), 0.0);
        close(value(&t, COUNTY, "deaths"), 1.0);
        close(value(&t, COUNTY, "cbr"), 1000.0 * 4.0 / 9.0);
        close(value(&t, COUNTY, "cdr"), 1000.0 / 9.0);
        close(
            value(&t, COUNTY, "natural_increase_rate"),
            1000.0 * 3.0 / 9.0,
        );
        close(value(&t, COUNTY, "srb"), 100.0 / 3.0);
        // W = M1, W2, W3, M2 = 4.
        close(value(&t, COUNTY, "gfr"), 1000.0);
        // Mothers 34 (twins) over W(30-34) = M1, M2.
        close(value(&t, COUNTY, "asfr_30_34"), 1000.0);
        // Mother 29 (C2) but no woman 25-29: zero denominator → null, and so the TFR.
        let asfr25 = &t[&(COUNTY.to_string(), "asfr_25_29".to_string())];
        assert_eq!(
            (asfr25.numerator, asfr25.denominator, asfr25.value),
            (1, Some(0), None)
        );
        assert_eq!(value(&t, COUNTY, "tfr"), None);
        // Orders: C2 2 (f), T1 2 (f), T2 3 (m); N1 unknown.
        close(value(&t, COUNTY, "share_order1"), 0.0);
        close(value(&t, COUNTY, "share_order2"), 200.0 / 3.0);
        close(value(&t, COUNTY, "share_order3p"), 100.0 / 3.0);
        close(value(&t, COUNTY, "srb_order2"), 0.0);
        assert_eq!(value(&t, COUNTY, "srb_order1"), None);
        assert_eq!(value(&t, COUNTY, "srb_order3p"), None);
        assert_eq!(
            value(&t, TOWN_B, "gfr"),
            None,
            "{l}: no woman 15-49 in 乙乡"
        );
        close(value(&t, TOWN_B, "cbr"), 0.0);
    }
}

#[test]
fn levels_and_prefixes_select_the_right_regions() {
    for db in databases() {
        let store = db.store_with(&[&renkou_indicators::MIGRATIONS]);
        load(&store, &register());
        let cache = StatCache::new();
        let y = Period::year(2024);
        let regions_of = |region: &str, level: Level| -> Vec<String> {
            let rows = indicators(
                &store,
                &cache,
                &renkou_indicators::figures::parse_region(region).unwrap(),
                y,
                level,
            )
            .unwrap();
            let mut v: Vec<String> = rows.into_iter().map(|r| r.region_code).collect();
            v.dedup();
            v
        };
        assert_eq!(
            regions_of("349901", Level::Children),
            [COUNTY, TOWN_A, TOWN_B]
        );
        assert_eq!(
            regions_of("349901", Level::Only(RegionLevel::Village)),
            [COUNTY, V1, V2, V3]
        );
        assert_eq!(regions_of("349901101", Level::Children), [TOWN_A, V1, V2]);
        assert_eq!(regions_of(V3, Level::Children), [V3]);
        // A level above the region, and an unknown region, are refused.
        assert!(indicators(
            &store,
            &cache,
            &code(TOWN_A),
            y,
            Level::Only(RegionLevel::County)
        )
        .is_err());
        let e = indicators(&store, &cache, &code("349901109000"), y, Level::Children)
            .unwrap_err()
            .to_string();
        assert!(e.contains("349901109000"), "{e}");
        // The merged village existed in 2019: it gets its own figures then.
        let old = regions_of("349901101", Level::Children);
        assert!(!old.contains(&V_OLD.to_string()));
        let old = indicators(
            &store,
            &cache,
            &code(TOWN_A),
            Period::year(2019),
            Level::Children,
        )
        .unwrap();
        assert!(old.iter().any(|r| r.region_code == V_OLD), "{}", db.label);
    }
}

#[test]
fn the_cache_follows_new_events() {
    for db in databases() {
        let store = db.store_with(&[&renkou_indicators::MIGRATIONS]);
        load(&store, &register());
        let cache = StatCache::new();
        let births = |cache: &StatCache| {
            let t = by_key(
                indicators(
                    &store,
                    cache,
                    &code(COUNTY),
                    Period::year(2024),
                    Level::Children,
                )
                .unwrap(),
            );
            value(&t, COUNTY, "births").unwrap()
        };
        assert_eq!(births(&cache), 4.0);
        let from = Some(d(2024, 1, 1));
        let first = cache.rows(&store, from).unwrap();
        assert!(std::sync::Arc::ptr_eq(
            &first,
            &cache.rows(&store, from).unwrap()
        ));
        // A later period is served by the same rows, an earlier one is not.
        assert!(std::sync::Arc::ptr_eq(
            &first,
            &cache.rows(&store, Some(d(2025, 1, 1))).unwrap()
        ));
        assert!(!std::sync::Arc::ptr_eq(
            &first,
            &cache.rows(&store, Some(d(2023, 1, 1))).unwrap()
        ));
        record(
            &store,
            &renkou_domain::PersonEvent {
                person_no: "B9".into(),
                kind: renkou_domain::EventKind::Birth {
                    person: child("B9", Sex::Male, d(2024, 10, 1), V3, "M1"),
                },
                recorded_by: "test".into(),
                recorded_at: String::new(),
                source: "form".into(),
            },
        )
        .unwrap();
        assert_eq!(
            births(&cache),
            5.0,
            "{}: a new event invalidates the cache",
            db.label
        );
    }
}

// --- the independent check on a generated county ------------------------------

/// Per township (9-digit prefix): (births, deaths, mid-year population, male
/// births, female births) in `year`, by plain SQL over the persons table.
fn sql_counts(store: &Store, year: i32) -> HashMap<String, [i64; 5]> {
    let first = Value::Date(d(year, 1, 1));
    let last = Value::Date(d(year, 12, 31));
    let mid = Value::Date(d(year, 7, 1));
    let mut out: HashMap<String, [i64; 5]> = HashMap::new();
    let mut add = |sql: &str, params: &[Value], k: usize| {
        store
            .with(|c| {
                for r in c.query(sql, params)? {
                    let t = format!("{}000", r[0].text().unwrap());
                    out.entry(t).or_default()[k] = r[1].int().unwrap();
                }
                Ok(())
            })
            .unwrap();
    };
    add(
        "SELECT SUBSTR(region_code, 1, 9), COUNT(*) FROM persons \
         WHERE birth_date >= $1 AND birth_date <= $2 GROUP BY SUBSTR(region_code, 1, 9)",
        &[first.clone(), last.clone()],
        0,
    );
    add(
        "SELECT SUBSTR(region_code, 1, 9), COUNT(*) FROM persons \
         WHERE death_date IS NOT NULL AND death_date >= $1 AND death_date <= $2 \
         GROUP BY SUBSTR(region_code, 1, 9)",
        &[first.clone(), last.clone()],
        1,
    );
    add(
        "SELECT SUBSTR(region_code, 1, 9), COUNT(*) FROM persons \
         WHERE birth_date <= $1 AND (death_date IS NULL OR death_date > $1) \
         AND residence IN ('resident', 'inflow') GROUP BY SUBSTR(region_code, 1, 9)",
        std::slice::from_ref(&mid),
        2,
    );
    for (sex, k) in [(1, 3), (2, 4)] {
        add(
            "SELECT SUBSTR(region_code, 1, 9), COUNT(*) FROM persons \
             WHERE birth_date >= $1 AND birth_date <= $2 AND sex = $3 \
             GROUP BY SUBSTR(region_code, 1, 9)",
            &[first.clone(), last.clone(), Value::Int(sex)],
            k,
        );
    }
    out
}

/// The loader's birth orders (a count of earlier siblings) and mothers' birth
/// dates equal the register's ROW_NUMBER() formulation (`Store::birth_orders`) and
/// the persons' own records, person by person (compared as sorted multisets of
/// (region, birth date, sex, mother's birth date, order), the loader having no
/// person numbers).
fn loader_agrees_with_row_number(store: &Store, label: &str) {
    type Key = (String, Date, u8, Option<Date>, Option<u32>);
    let persons = store.persons_between("", "~").unwrap();
    let births: HashMap<&str, Date> = persons
        .iter()
        .map(|p| (p.person_no.as_str(), p.birth_date))
        .collect();
    let orders: HashMap<String, u32> = store.birth_orders().unwrap().into_iter().collect();
    let mut want: Vec<Key> = persons
        .iter()
        .map(|p| {
            let mother = p.mother_no.as_deref();
            (
                p.region_code.to_string(),
                p.birth_date,
                p.sex.code(),
                mother.and_then(|m| births.get(m).copied()),
                orders.get(&p.person_no).copied(),
            )
        })
        .collect();
    let rows = store.stat_rows(None).unwrap();
    let mut got: Vec<Key> = rows
        .rows
        .iter()
        .map(|r| {
            (
                rows.region_codes[r.region as usize].clone(),
                r.birth_date,
                r.sex.code(),
                r.mother_birth_date,
                r.birth_order,
            )
        })
        .collect();
    assert!(
        orders.values().any(|&o| o >= 3),
        "{label}: third children exist"
    );
    want.sort();
    got.sort();
    assert_eq!(got.len(), want.len(), "{label}");
    assert!(got == want, "{label}: loader rows differ from the register");
    // Restricted to recent births, older persons carry neither.
    let from = d(2024, 1, 1);
    let recent = store.stat_rows(Some(from)).unwrap();
    assert!(recent.rows.iter().all(
        |r| r.birth_date >= from || (r.birth_order.is_none() && r.mother_birth_date.is_none())
    ));
    assert!(recent.rows.iter().any(|r| r.birth_order.is_some()));
}

#[test]
fn a_generated_county_agrees_with_plain_sql() {
    for db in databases() {
        let store = db.store_with(&[&renkou_indicators::MIGRATIONS]);
        load_demo(&store, 20_000, 11);
        loader_agrees_with_row_number(&store, db.label);
        for year in [2016, 2024] {
            let sql = sql_counts(&store, year);
            let rows = indicators(
                &store,
                &StatCache::new(),
                &code(COUNTY),
                Period::year(year),
                Level::Only(RegionLevel::Township),
            )
            .unwrap();
            let t = by_key(rows);
            let townships: Vec<&String> = t
                .keys()
                .filter(|(r, i)| i == "births" && r != COUNTY)
                .map(|(r, _)| r)
                .collect();
            assert_eq!(
                townships.len(),
                10,
                "{}: 20,000 persons make 10 townships",
                db.label
            );
            let mut total_births = 0;
            for tw in townships {
                let [b, dd, p, m, f] = sql.get(tw).copied().unwrap_or_default();
                let ctx = format!("{} {year} {tw}", db.label);
                let get = |ind: &str| &t[&(tw.clone(), ind.to_string())];
                assert_eq!(get("births").numerator, b, "{ctx} births");
                assert_eq!(get("deaths").numerator, dd, "{ctx} deaths");
                assert_eq!(get("population_midyear").numerator, p, "{ctx} P");
                let srb = get("srb");
                assert_eq!((srb.numerator, srb.denominator), (m, Some(f)), "{ctx} srb");
                match srb.value {
                    Some(v) => assert!((v - 100.0 * m as f64 / f as f64).abs() < 1e-9, "{ctx}"),
                    None => assert_eq!(f, 0, "{ctx}"),
                }
                total_births += b;
            }
            assert!(
                total_births > 50,
                "{}: a year of births in 20,000 persons",
                db.label
            );
            // The county is the sum of its townships.
            let county_births = t[&(COUNTY.to_string(), "births".to_string())].numerator;
            assert_eq!(county_births, total_births, "{}", db.label);
        }
    }
}
