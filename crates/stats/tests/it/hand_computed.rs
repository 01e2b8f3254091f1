//! Hand-computed indicators on a tiny register (tests/common.rs), year 2024.
//!
//! 甲村 V11 — P = 7 on 1 July: M1 (29), twins born 5 March (orders 2 and 3), M1's
//! first child (2020), M2 (15 exactly on 1 July), M2's daughter born on 1 July
//! (counted: born on or before the day), the man who dies on 2 July. Not in P:
//! the boy born 20 Nov with no linked mother, the outflow woman and her outflow
//! daughter, the deaths of 1 March and 1 July (dead *on* the day is not alive),
//! the 2023 death, the 2025 birth. W = 2 (M1 in 25-29, M2 in 15-19).
//! B = 5 (twins, M2's daughter, the unlinked boy, the outflow daughter: births
//! count whatever the residence), 2 male, 3 female. Mother's age: twins 28, M2's
//! daughter 15, outflow daughter 33, unlinked boy none. Orders: 1: two girls;
//! 2: one boy; 3+: one girl; unknown: the unlinked boy. D = 3.
//!
//! 乙村 V12 — P = 6. M3 turns 50 on 1 July (not in W) and gives birth that day
//! (age 50: not in any ASFR; order 4); M4 is 49 on 1 July (W 45-49) and gives
//! birth that day (age 49: ASFR 45-49); the leap-day woman born 29 Feb 2004 is 20
//! (W 20-24). B = 2, D = 0.
//!
//! 丙村 V21 — P = 4, W: 30-34 (inflow), 35-39, 40-44. 二镇 T2 itself — one woman
//! (24, W 20-24) whose son is born 31 Dec (mother 24, order 1; not in P).

use crate::common::*;
use renkou_stats::catalogue::{compute_region, rows};
use renkou_stats::{count, Indicator, IndicatorValue, Period};

fn get(values: &[IndicatorValue], ind: Indicator) -> &IndicatorValue {
    values.iter().find(|v| v.code == ind.code()).unwrap()
}

fn assert_value(values: &[IndicatorValue], ind: Indicator, want: Option<f64>) {
    let got = get(values, ind).value;
    match (got, want) {
        (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{ind}: got {g}, want {w}"),
        _ => assert_eq!(got, want, "{ind}"),
    }
}

#[test]
fn village_v11() {
    use Indicator::*;
    let t = table();
    let persons = register(&t);
    let counts = count(&persons, &t, Period::year(2024));
    let v = compute_region(&counts, t.index_of(&code(V11)).unwrap());
    assert_value(&v, PopulationMidyear, Some(7.0));
    assert_value(&v, Births, Some(5.0));
    assert_value(&v, Deaths, Some(3.0));
    assert_value(&v, Cbr, Some(5000.0 / 7.0));
    assert_value(&v, Gfr, Some(2500.0));
    assert_value(&v, Asfr15, Some(1000.0));
    assert_value(&v, Asfr20, None);
    assert_value(&v, Asfr25, Some(2000.0));
    // The outflow mother is not in W, her daughter is in B: 1 / 0 → null.
    assert_value(&v, Asfr30, None);
    assert_eq!(get(&v, Asfr30).numerator, 1);
    assert_eq!(get(&v, Asfr30).denominator, Some(0));
    assert_value(&v, Tfr, None);
    assert_value(&v, Srb, Some(200.0 / 3.0));
    assert_value(&v, SrbOrder1, Some(0.0));
    assert_value(&v, SrbOrder2, None);
    assert_value(&v, SrbOrder3p, Some(0.0));
    assert_value(&v, ShareOrder1, Some(50.0));
    assert_value(&v, ShareOrder2, Some(25.0));
    assert_value(&v, ShareOrder3p, Some(25.0));
    assert_value(&v, Cdr, Some(3000.0 / 7.0));
    assert_value(&v, NaturalIncreaseRate, Some(2000.0 / 7.0));
    let nir = get(&v, NaturalIncreaseRate).value.unwrap();
    let (cbr, cdr) = (get(&v, Cbr).value.unwrap(), get(&v, Cdr).value.unwrap());
    assert!((nir - (cbr - cdr)).abs() < 1e-9);
}

#[test]
fn village_v12_birthdays_on_the_day() {
    use Indicator::*;
    let t = table();
    let persons = register(&t);
    let counts = count(&persons, &t, Period::year(2024));
    let c = counts.get(t.index_of(&code(V12)).unwrap());
    assert_eq!(c.population, 6);
    // 50th birthday on 1 July: out of W; 49 on 1 July: W 45-49; leap day: 20-24.
    assert_eq!(c.women, [0, 1, 0, 0, 0, 0, 1]);
    // The birth on the mother's 50th birthday is in no ASFR but in B.
    assert_eq!(c.births, 2);
    assert_eq!(c.births_by_mother_age, [0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(c.births_by_order, [1, 0, 1]);
    let v = compute_region(&counts, t.index_of(&code(V12)).unwrap());
    assert_value(&v, Asfr45, Some(1000.0));
    assert_value(&v, Gfr, Some(1000.0));
    assert_value(&v, Deaths, Some(0.0));
    assert_value(&v, Cdr, Some(0.0));
}

#[test]
fn county_and_drill_down() {
    use Indicator::*;
    let t = table();
    let persons = register(&t);
    let counts = count(&persons, &t, Period::year(2024));
    let county = compute_region(&counts, 0);
    assert_value(&county, PopulationMidyear, Some(18.0));
    assert_value(&county, Births, Some(8.0));
    assert_value(&county, Cbr, Some(8000.0 / 18.0));
    assert_value(&county, Gfr, Some(1000.0));
    let asfr = [
        Some(1000.0),
        Some(500.0),
        Some(2000.0),
        Some(1000.0),
        Some(0.0),
        Some(0.0),
        Some(1000.0),
    ];
    for (ind, want) in Indicator::ASFR.iter().zip(asfr) {
        assert_value(&county, *ind, want);
    }
    assert_value(&county, Tfr, Some(27.5));
    assert_eq!(get(&county, Tfr).numerator, 6);
    assert_eq!(get(&county, Tfr).denominator, None);
    assert_value(&county, Srb, Some(100.0));
    assert_value(&county, SrbOrder1, Some(100.0 / 3.0));
    assert_value(&county, SrbOrder2, None);
    assert_value(&county, SrbOrder3p, Some(100.0));
    assert_value(&county, ShareOrder1, Some(400.0 / 7.0));
    assert_value(&county, ShareOrder2, Some(100.0 / 7.0));
    assert_value(&county, ShareOrder3p, Some(200.0 / 7.0));
    assert_value(&county, Deaths, Some(3.0));
    assert_value(&county, Cdr, Some(3000.0 / 18.0));
    assert_value(&county, NaturalIncreaseRate, Some(5000.0 / 18.0));

    // Township 二镇 includes the person attached to it directly.
    let t2 = t.index_of(&code(T2)).unwrap();
    assert_eq!(counts.get(t2).population, 5);
    assert_eq!(counts.get(t2).births, 1);
    assert_eq!(counts.get(t2).births_by_mother_age[1], 1);
    let kids: Vec<&str> = t.children(0).map(|i| t.code(i).as_str()).collect();
    assert_eq!(kids, [T1, T2]);

    // Intervals: present for rates and ratios, bracketing the value.
    for v in &county {
        if let (Some(i), Some(x)) = (v.interval, v.value) {
            assert!(i.low <= x && x <= i.high, "{}: {x} not in {i:?}", v.code);
        }
    }
    assert!(get(&county, Srb).interval.is_some());
    assert!(get(&county, Cbr).interval.is_some());
    assert!(get(&county, Tfr).interval.is_none());
    assert!(get(&county, Births).interval.is_none());
}

#[test]
fn quarter_is_annualised_on_its_middle_day() {
    let t = table();
    let persons = register(&t);
    let q3 = Period::quarter(2024, 3).unwrap();
    assert_eq!(q3.reference_day(), d(2024, 8, 15));
    let counts = count(&persons, &t, q3);
    let c = counts.get(0);
    // The man who died on 2 July has left P by 15 August.
    assert_eq!(c.population, 17);
    assert_eq!(c.births, 3);
    assert_eq!(c.deaths, 2); // 1 July and 2 July
    let v = compute_region(&counts, 0);
    assert_value(&v, Indicator::Cbr, Some(1000.0 * 3.0 / 17.0 * 366.0 / 92.0));
    // Counts and ratios are not annualised.
    assert_value(&v, Indicator::Births, Some(3.0));
    assert_value(&v, Indicator::Srb, Some(50.0));
}

#[test]
fn leap_day_woman_in_a_common_year() {
    let t = table();
    let mut persons = vec![person(&t, V12, renkou_domain::Sex::Female, d(2008, 2, 29))];
    // 15 on 1 July 2023 although she has had no 29 February since 2020.
    let c = count(&persons, &t, Period::year(2023));
    assert_eq!(c.get(0).women[0], 1);
    // 14 on 28 Feb 2023 (a one-day range: its reference day), 15 on 1 March.
    let feb28 = Period::range(d(2023, 2, 28), d(2023, 2, 28)).unwrap();
    assert_eq!(count(&persons, &t, feb28).get(0).women[0], 0);
    let mar1 = Period::range(d(2023, 3, 1), d(2023, 3, 1)).unwrap();
    assert_eq!(count(&persons, &t, mar1).get(0).women[0], 1);
    persons.clear();
    assert_eq!(count(&persons, &t, Period::year(2023)).get(0).population, 0);
}

#[test]
fn json_rows_have_the_documented_shape() {
    let t = table();
    let persons = register(&t);
    let counts = count(&persons, &t, Period::year(2024));
    let values = compute_region(&counts, t.index_of(&code(V11)).unwrap());
    let json = serde_json::to_value(rows(&t, Period::year(2024), &values)).unwrap();
    let arr = json.as_array().unwrap();
    assert_eq!(arr.len(), Indicator::ALL.len());
    let asfr30 = arr.iter().find(|r| r["indicator"] == "asfr_30_34").unwrap();
    assert_eq!(
        asfr30,
        &serde_json::json!({
            "region_code": V11, "region_name": "甲村", "level": "village", "period": "2024",
            "indicator": "asfr_30_34", "value": null, "numerator": 1, "denominator": 0, "unit": "‰"
        })
    );
    let pop = arr
        .iter()
        .find(|r| r["indicator"] == "population_midyear")
        .unwrap();
    assert_eq!(pop["value"], 7.0);
    assert_eq!(pop["denominator"], serde_json::Value::Null);
}

#[test]
fn trends_count_ten_years_in_one_pass() {
    let t = table();
    let persons = register(&t);
    let years = Period::last_years(2024, 10);
    let all = renkou_stats::count_periods(&persons, &t, &years);
    assert_eq!(all.len(), 10);
    for (p, rc) in years.iter().zip(&all) {
        assert_eq!(rc, &count(&persons, &t, *p));
    }
    assert_eq!(all[9].get(0).births, 8);
    assert_eq!(all[5].get(0).births, 1); // 2020: M1's first child
}

#[test]
fn pyramid_sums_to_p() {
    let t = table();
    let persons = register(&t);
    let day = Period::year(2024).reference_day();
    let p = renkou_stats::pyramid(&persons, &t, 0, day);
    assert_eq!(p.total(), 18);
    assert_eq!(p.groups.len(), 18);
    assert_eq!(p.groups[0].label, "0-4");
    assert_eq!(p.groups[17].label, "85+");
    // Under 5: the twins, M1's first child, M2's daughter, M3's son, M4's daughter.
    assert_eq!((p.groups[0].male, p.groups[0].female), (3, 3));
    let v11 = renkou_stats::pyramid(&persons, &t, t.index_of(&code(V11)).unwrap(), day);
    assert_eq!(v11.total(), 7);
}
