//! 育儿补贴 on hand-made families. Every expected amount is written out by hand:
//! the national baseline is 3600 a year, so one month is 3600 / 12 = 300.

use crate::common::*;
use renkou_benefits::rules::{childcare, compare, Change, Finding, Layer, Parameters};
use renkou_domain::{IdNumber, Sex};

fn run(town: &Town, area: &str, year: i32, p: &Parameters) -> renkou_benefits::rules::Run {
    childcare::run(&town.reg, &rc(area), year, p).unwrap()
}

#[test]
fn twins_each_get_the_full_year() {
    // Twins born 2024-05-10: under 3 (3rd birthday 2027-05-10) in every month of
    // 2025, and any birth order counts: 12 × 300 = 3600 each, 7200 together.
    let mut t = Town::new();
    t.child("T1", Sex::Female, d(2024, 5, 10), None, VILLAGE_A);
    t.child("T2", Sex::Male, d(2024, 5, 10), None, VILLAGE_A);
    let r = run(&t, COUNTY, 2025, &Parameters::national());
    assert_eq!(r.determinations.len(), 2);
    for d in &r.determinations {
        assert_eq!(due(d), months(2025, 1, 12, "300"));
        assert_eq!(d.amount, y("3600"));
        assert_eq!(d.ending, None);
    }
    assert_eq!(r.total(), y("7200"));
}

#[test]
fn children_born_2022_to_2024_get_their_months_still_under_3() {
    let mut t = Town::new();
    // Born 2022-03-15: 3rd birthday 2025-03-15; that month does not count, so
    // January and February 2025: 2 × 300 = 600, ending because the child turned 3.
    t.child("C1", Sex::Male, d(2022, 3, 15), None, VILLAGE_A);
    // Born 2022-01-01: 3rd birthday 2025-01-01, the first month of the program,
    // which does not count: nothing, but considered (it is why the child stops).
    t.child("C2", Sex::Female, d(2022, 1, 1), None, VILLAGE_A);
    // Born 2021-12-31: 3 before the program began; not considered at all.
    t.child("C3", Sex::Female, d(2021, 12, 31), None, VILLAGE_A);
    let r = run(&t, COUNTY, 2025, &Parameters::national());
    let c1 = r.find("C1").unwrap();
    assert_eq!(due(c1), months(2025, 1, 2, "300"));
    assert_eq!(c1.amount, y("600"));
    let e = c1.ending.as_ref().unwrap();
    assert_eq!(e.last_month, m(2025, 2));
    assert_eq!(
        e.why,
        Finding::AgeLimitReached {
            birthday: d(2025, 3, 15)
        }
    );
    let c2 = r.find("C2").unwrap();
    assert!(!c2.eligible());
    assert_eq!(c2.amount, y("0"));
    assert!(
        c2.reason().contains("已于2025-01-01满龄"),
        "{}",
        c2.reason()
    );
    assert!(r.find("C3").is_none());
}

#[test]
fn birthdays_on_period_boundaries() {
    let mut t = Town::new();
    // Born on the last day of 2025: the birth month counts, so December: 300.
    t.child("B1", Sex::Male, d(2025, 12, 31), None, VILLAGE_A);
    // Born 2024-12-31: all of 2025 (3rd birthday 2027-12-31): 3600.
    t.child("B2", Sex::Female, d(2024, 12, 31), None, VILLAGE_A);
    // Born 2026-01-01: after the period, not considered.
    t.child("B3", Sex::Female, d(2026, 1, 1), None, VILLAGE_A);
    // Born 29 Feb 2024: 3rd birthday 1 March 2027; all of 2025.
    t.child("B4", Sex::Female, d(2024, 2, 29), None, VILLAGE_A);
    let r = run(&t, COUNTY, 2025, &Parameters::national());
    assert_eq!(due(r.find("B1").unwrap()), months(2025, 12, 12, "300"));
    assert_eq!(r.find("B2").unwrap().amount, y("3600"));
    assert!(r.find("B3").is_none());
    assert_eq!(r.find("B4").unwrap().amount, y("3600"));
    // B2's 36 months under 3 are December 2024 (its birth month) to November 2027
    // (the month of the 3rd birthday, December 2027, does not count). December 2024
    // was before the program, so 12 (2025) + 12 (2026) + 11 (2027) = 35 are paid.
    let p = Parameters::national();
    let total: u32 = [2025, 2026, 2027, 2028]
        .into_iter()
        .map(|yr| run(&t, COUNTY, yr, &p).find("B2").map_or(0, |d| d.months()))
        .sum();
    assert_eq!(total, 35);

    // The other reading of the month rule, as a county layer from 2025-01-01: the
    // birth month does not count, the month of the 3rd birthday does.
    let county = r#"
[layer]
name = "county-month-rule"
title = "本省细则：出生当月不计，满3周岁当月计"
recorded_by = "county-admin"
recorded_at = "2025-02-01"
effective_from = "2025-01-01"

[[parameter]]
key = "childcare.birth_month_counts"
  [[parameter.values]]
  valid_from = "2025-01-01"
  value = false
  reference = "省卫健委育儿补贴实施细则（测试用）"
  confirmed_by_county = true

[[parameter]]
key = "childcare.limit_month_counts"
  [[parameter.values]]
  valid_from = "2025-01-01"
  value = true
  reference = "省卫健委育儿补贴实施细则（测试用）"
  confirmed_by_county = true
"#;
    let p2 = p
        .clone()
        .with(Layer::from_toml(county, Some(&p)).unwrap())
        .unwrap();
    // Born 2022-01-01: now January 2025, the month of the 3rd birthday, counts: 300.
    t.child("B5", Sex::Male, d(2022, 1, 1), None, VILLAGE_A);
    let r2 = run(&t, COUNTY, 2025, &p2);
    assert_eq!(due(r2.find("B5").unwrap()), months(2025, 1, 1, "300"));
    // Born 2025-12-31: its birth month no longer counts: nothing in 2025.
    let b1 = r2.find("B1").unwrap();
    assert!(!b1.eligible());
    assert_eq!(
        b1.findings,
        vec![Finding::BirthMonthNotCounted { month: m(2025, 12) }]
    );
}

#[test]
fn the_death_of_a_child_closes_the_months_after_it() {
    // Born 2024-08-01, died 2025-04-20: January to April (the month of death still
    // counts), 4 × 300 = 1200.
    let mut t = Town::new();
    t.child(
        "D1",
        Sex::Male,
        d(2024, 8, 1),
        Some(d(2025, 4, 20)),
        VILLAGE_A,
    );
    let r = run(&t, COUNTY, 2025, &Parameters::national());
    let c = r.find("D1").unwrap();
    assert_eq!(due(c), months(2025, 1, 4, "300"));
    assert_eq!(c.amount, y("1200"));
    assert_eq!(
        c.ending.as_ref().unwrap().why,
        Finding::Died {
            date: d(2025, 4, 20)
        }
    );
}

#[test]
fn a_move_mid_year() {
    let mut t = Town::new();
    // Registered in village A, moves out of the county on 2025-06-15: June is
    // decided at its start (still in A), so January to June: 6 × 300 = 1800.
    t.person(
        "M1",
        Sex::Female,
        d(2023, 9, 9),
        None,
        VILLAGE_A,
        &[(d(2025, 6, 15), None)],
    );
    // Moves from village A (township 1) to village C (township 2) on 2025-06-15.
    t.person(
        "M2",
        Sex::Male,
        d(2023, 9, 9),
        None,
        VILLAGE_A,
        &[(d(2025, 6, 15), Some(VILLAGE_C))],
    );
    // Moves in from another county on 2025-03-01: at the start of 1 March the
    // move has not happened, so April to December: 9 × 300 = 2700.
    t.person(
        "M3",
        Sex::Male,
        d(2024, 1, 20),
        None,
        ELSEWHERE,
        &[(d(2025, 3, 1), Some(VILLAGE_B))],
    );
    let p = Parameters::national();
    let county = run(&t, COUNTY, 2025, &p);
    let m1 = county.find("M1").unwrap();
    assert_eq!(due(m1), months(2025, 1, 6, "300"));
    assert_eq!(
        m1.ending.as_ref().unwrap().why,
        Finding::MovedAway {
            date: d(2025, 6, 15)
        }
    );
    // Within the county the child is due all year; each slot names the village
    // responsible for it.
    let m2 = county.find("M2").unwrap();
    assert_eq!(m2.amount, y("3600"));
    assert_eq!(county.region_code(m2.due[5].region), &rc(VILLAGE_A));
    assert_eq!(county.region_code(m2.due[6].region), &rc(VILLAGE_C));
    // Each township pays its own months: township 1 January-June.
    let t1 = run(&t, TOWNSHIP_1, 2025, &p);
    assert_eq!(due(t1.find("M2").unwrap()), months(2025, 1, 6, "300"));
    // Township 2 July-December, and it says why the earlier months are not its own.
    let t2 = run(&t, "349901102000", 2025, &p);
    let m2b = t2.find("M2").unwrap();
    assert_eq!(due(m2b), months(2025, 7, 12, "300"));
    assert!(m2b.findings.contains(&Finding::MovedIn {
        date: d(2025, 6, 15)
    }));
    let m3 = county.find("M3").unwrap();
    assert_eq!(due(m3), months(2025, 4, 12, "300"));
    assert_eq!(m3.amount, y("2700"));
}

const TOP_UP_FROM_JULY: &str = r#"
[layer]
name = "county-top-up-2025-07"
title = "县级育儿补贴加发（自2025年7月起）"
recorded_by = "county-admin"
recorded_at = "2025-06-20"
effective_from = "2025-07-01"

[[parameter]]
key = "childcare.top_up.county"
label = "县级育儿补贴加发（每孩每年）"
unit = "yuan_per_year"
adds_to = "childcare.amount"
  [[parameter.values]]
  valid_from = "2025-07-01"
  value = "1200"
  reference = "某县人民政府办公室文件（测试用）"
  confirmed_by_county = true
"#;

#[test]
fn a_rule_change_mid_year_leaves_the_earlier_months_as_they_were() {
    // A county top-up of 1200 a year from 2025-07-01: January-June at 3600 / 12 =
    // 300, July-December at (3600 + 1200) / 12 = 400: 6 × 300 + 6 × 400 = 4200.
    let mut t = Town::new();
    t.child("R1", Sex::Female, d(2024, 1, 10), None, VILLAGE_A);
    let v1 = Parameters::national();
    let v2 = v1
        .clone()
        .with(Layer::from_toml(TOP_UP_FROM_JULY, Some(&v1)).unwrap())
        .unwrap();
    let before = run(&t, COUNTY, 2025, &v1);
    let after = run(&t, COUNTY, 2025, &v2);
    let (b, a) = (before.find("R1").unwrap(), after.find("R1").unwrap());
    let mut expected = months(2025, 1, 6, "300");
    expected.extend(months(2025, 7, 12, "400"));
    assert_eq!(due(a), expected);
    assert_eq!(a.amount, y("4200"));
    assert_eq!(b.amount, y("3600"));
    // The months before the change are identical, slot for slot.
    assert_eq!(due(a)[..6], due(b)[..6]);
    assert_eq!(a.receipt.parameters_version, 2);
    assert!(a
        .receipt
        .values
        .iter()
        .any(|v| v.key == "childcare.top_up.county" && v.layer == "county-top-up-2025-07"));
    // The old version recomputes the old run exactly.
    let again = run(&t, COUNTY, 2025, &v2.at_version(1).unwrap());
    assert_eq!(again, before);

    // And a change from 2026 on cannot touch 2025 at all.
    let v3 = v2
        .clone()
        .with(Layer::change_from(
            "county-2026",
            "county-admin",
            "2025-11-01",
            "childcare.top_up.county",
            d(2026, 1, 1),
            renkou_benefits::rules::Value::Amount(y("2400")),
            "某县人民政府办公室文件（测试用）",
            true,
        ))
        .unwrap();
    let r2025 = run(&t, COUNTY, 2025, &v3);
    assert_eq!(due(r2025.find("R1").unwrap()), due(a));
    // 2026: (3600 + 2400) / 12 = 500 for January (3rd birthday 2027-01-10, so all
    // of 2026): 12 × 500 = 6000.
    assert_eq!(
        run(&t, COUNTY, 2026, &v3).find("R1").unwrap().amount,
        y("6000")
    );
}

#[test]
fn a_person_proposed_twice_by_two_villages_is_paid_once() {
    // The same child (one ID number) entered twice, once in village A and once in
    // village C: the first by 人员编号 is paid, the other is not, and both go to
    // review.
    let mut t = Town::new();
    let born = d(2024, 9, 1);
    let id = IdNumber::compose(349901, born, 2);
    t.person_with_id(
        "V-A-001",
        Some(id.clone()),
        Sex::Female,
        born,
        None,
        VILLAGE_A,
        &[],
    );
    t.person_with_id("V-C-001", Some(id), Sex::Female, born, None, VILLAGE_C, &[]);
    let r = run(&t, COUNTY, 2025, &Parameters::national());
    let a = r.find("V-A-001").unwrap();
    let c = r.find("V-C-001").unwrap();
    assert_eq!(a.amount, y("3600"));
    assert!(!c.eligible());
    assert_eq!(
        c.findings[0],
        Finding::DuplicateOf {
            person_id: "V-A-001".into()
        }
    );
    assert!(a.needs_review && c.needs_review);
    assert_eq!(r.total(), y("3600"));
}

#[test]
fn only_children_registered_in_the_area_are_considered() {
    let mut t = Town::new();
    t.child("E1", Sex::Male, d(2024, 3, 3), None, ELSEWHERE);
    t.child("E2", Sex::Male, d(2024, 3, 3), None, VILLAGE_C);
    let r = run(&t, TOWNSHIP_1, 2025, &Parameters::national());
    assert!(r.determinations.is_empty());
    // Before the program: no one.
    assert!(run(&t, COUNTY, 2024, &Parameters::national())
        .determinations
        .is_empty());
}

#[test]
fn who_newly_qualifies_continues_and_stops() {
    let mut t = Town::new();
    // Turns 3 on 2026-03-01: due January-February 2026, then stops.
    t.child("S1", Sex::Female, d(2023, 3, 1), None, VILLAGE_A);
    // Born 2026-02-10: newly qualifies in 2026.
    t.child("S2", Sex::Male, d(2026, 2, 10), None, VILLAGE_A);
    // Under 3 throughout 2026: continues.
    t.child("S3", Sex::Male, d(2025, 1, 15), None, VILLAGE_A);
    let p = Parameters::national();
    let changes = compare(&run(&t, COUNTY, 2025, &p), &run(&t, COUNTY, 2026, &p));
    let of = |id: &str| {
        changes
            .iter()
            .find(|c| c.person_id == id)
            .map(|c| c.change.clone())
    };
    assert_eq!(
        of("S1"),
        Some(Change::Stops {
            last_month: Some(m(2026, 2)),
            why: Some(Finding::AgeLimitReached {
                birthday: d(2026, 3, 1)
            })
        })
    );
    assert_eq!(of("S2"), Some(Change::NewlyQualifies));
    assert_eq!(of("S3"), Some(Change::Continues));
}

#[test]
fn the_row_and_receipt_carry_what_the_cli_prints() {
    let mut t = Town::new();
    t.child("J1", Sex::Female, d(2024, 6, 1), None, VILLAGE_A);
    let r = run(&t, COUNTY, 2025, &Parameters::national());
    let det = r.find("J1").unwrap();
    let json = serde_json::to_value(det.row()).unwrap();
    assert_eq!(json["person_id"], "J1");
    assert_eq!(json["program"], "childcare");
    assert_eq!(json["year"], 2025);
    assert_eq!(json["eligible"], true);
    assert_eq!(json["months"], 12);
    assert_eq!(json["amount"], "3600.00");
    assert!(json["reason"]
        .as_str()
        .unwrap()
        .starts_with("2025-01至2025-12共12个月符合条件"));
    // The default month rule is not confirmed by the county yet, and says so.
    assert!(det.findings.contains(&Finding::UnconfirmedValues));
    assert_eq!(det.receipt.rule, childcare::RULE);
    let amount = det
        .receipt
        .values
        .iter()
        .find(|v| v.key == "childcare.amount")
        .unwrap();
    assert!(amount.reference.contains("育儿补贴制度实施方案"));
    assert!(det.receipt.facts.iter().any(|f| matches!(
        f,
        renkou_benefits::rules::DecidingFact::BirthDate { date, .. } if *date == d(2024, 6, 1)
    )));
}

#[test]
fn the_eligibility_xlsx_is_for_people_typed_and_in_words() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut t = Town::new();
    t.child("T1", Sex::Female, d(2024, 5, 10), None, VILLAGE_A);
    let r = run(&t, COUNTY, 2025, &Parameters::national());
    let rows: Vec<_> = r.rows().collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.xlsx");
    renkou_benefits::export::write_file(&rows, &path, renkou_benefits::export::Format::Xlsx)
        .unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), vec!["资格认定结果".to_string()]);
    let s = wb.worksheet_range("资格认定结果").unwrap();
    assert_eq!(s[(0, 0)], Data::String("2025年育儿补贴资格认定结果".into()));
    assert_eq!(s[(1, 5)], Data::String("金额（元）".into()));
    assert_eq!(s[(2, 0)], Data::String("T1".into()));
    assert_eq!(s[(2, 1)], Data::String("育儿补贴".into()));
    assert_eq!(s[(2, 2)], Data::Float(2025.0));
    assert_eq!(s[(2, 3)], Data::String("是".into()));
    assert_eq!(s[(2, 4)], Data::Float(12.0));
    assert_eq!(s[(2, 5)], Data::Float(3600.0));
}
