//! 奖励扶助 on hand-made families. The national amount is 960 a year from 2012
//! (960 / 12 = 80 a month) and 600 before (600 / 12 = 50 a month).

use crate::common::*;
use renkou_benefits::rules::{
    reward, Child, ChildOrigin, Family, Finding, Layer, LegalAdoption, MissingFact, Parameters, Run,
};
use renkou_domain::Sex;

fn run(t: &Town, families: &[Family], year: i32, p: &Parameters) -> Run {
    reward::run(&t.reg, families, &rc(COUNTY), year, p).unwrap()
}

/// A rural couple in village A, husband born 1965-03-10, wife 1966-07-01, with the
/// given children; both attested rural and without out-of-policy birth.
fn couple(t: &mut Town, tag: &str, children: Vec<Child>) -> Family {
    let h = t.child(
        &format!("{tag}-H"),
        Sex::Male,
        d(1965, 3, 10),
        None,
        VILLAGE_A,
    );
    let w = t.child(
        &format!("{tag}-W"),
        Sex::Female,
        d(1966, 7, 1),
        None,
        VILLAGE_A,
    );
    Family {
        parents: vec![parent(h, rural()), parent(w, rural())],
        children,
        no_out_of_policy_birth: no_out_of_policy(),
    }
}

#[test]
fn from_the_year_they_turn_60_per_person() {
    // One son. The husband turns 60 on 2025-03-10: under the default age rule the
    // whole year 2025 counts, 12 × 80 = 960. The wife turns 60 in 2026: nothing in
    // 2025, all of 2026.
    let mut t = Town::new();
    let son = t.child("K1", Sex::Male, d(1990, 1, 1), None, VILLAGE_A);
    let f = couple(&mut t, "F1", vec![born_child(son)]);
    let p = Parameters::national();
    let r = run(&t, std::slice::from_ref(&f), 2025, &p);
    let h = r.find("F1-H").unwrap();
    assert_eq!(due(h), months(2025, 1, 12, "80"));
    assert_eq!(h.amount, y("960"));
    let w = r.find("F1-W").unwrap();
    assert!(!w.eligible());
    assert_eq!(
        w.findings,
        vec![Finding::TooYoung {
            age: 60,
            birthday: d(2026, 7, 1)
        }]
    );
    assert_eq!(
        run(&t, &[f], 2026, &p).find("F1-W").unwrap().amount,
        y("960")
    );
}

#[test]
fn twin_daughters_qualify_a_son_and_a_daughter_do_not() {
    let mut t = Town::new();
    let g1 = t.child("G1", Sex::Female, d(1992, 4, 4), None, VILLAGE_A);
    let g2 = t.child("G2", Sex::Female, d(1992, 4, 4), None, VILLAGE_A);
    let daughters = couple(&mut t, "F2", vec![born_child(g1), born_child(g2)]);
    let b = t.child("G3", Sex::Male, d(1993, 5, 5), None, VILLAGE_A);
    let g = t.child("G4", Sex::Female, d(1993, 5, 5), None, VILLAGE_A);
    let mixed = couple(&mut t, "F3", vec![born_child(b), born_child(g)]);
    let r = run(&t, &[daughters, mixed], 2025, &Parameters::national());
    assert_eq!(r.find("F2-H").unwrap().amount, y("960"));
    let m = r.find("F3-H").unwrap();
    assert!(!m.eligible());
    assert!(m.findings.contains(&Finding::ChildrenDoNotQualify {
        living: 2,
        daughters: 1
    }));
}

#[test]
fn parents_whose_children_all_died_qualify_a_childless_couple_does_not() {
    let mut t = Town::new();
    let c = t.child(
        "H1",
        Sex::Male,
        d(1991, 2, 2),
        Some(d(2010, 8, 8)),
        VILLAGE_A,
    );
    let bereaved = couple(&mut t, "F4", vec![born_child(c)]);
    let childless = couple(&mut t, "F5", vec![]);
    let r = run(&t, &[bereaved, childless], 2025, &Parameters::national());
    assert_eq!(r.find("F4-H").unwrap().amount, y("960"));
    assert_eq!(r.find("F5-H").unwrap().findings, vec![Finding::NoChild]);
}

#[test]
fn a_legally_adopted_only_child_counts_as_the_one_child() {
    let mut t = Town::new();
    let a = t.child("A1", Sex::Male, d(1995, 1, 1), None, VILLAGE_A);
    let f = couple(
        &mut t,
        "F6",
        vec![Child {
            person: a,
            origin: ChildOrigin::Adopted(Some(attested(LegalAdoption {
                registered_on: d(1996, 3, 1),
                certificate_no: "收养登记（测试）001".into(),
            }))),
            disability: None,
        }],
    );
    let r = run(&t, &[f], 2025, &Parameters::national());
    assert_eq!(r.find("F6-H").unwrap().amount, y("960"));
}

#[test]
fn missing_attested_facts_are_named() {
    // Everything holds but the attestations: the determination says that supplying
    // them would change it.
    let mut t = Town::new();
    let c = t.child("N1", Sex::Female, d(1990, 9, 9), None, VILLAGE_A);
    let mut f = couple(&mut t, "F7", vec![born_child(c)]);
    f.parents[0].registration = None;
    f.no_out_of_policy_birth = None;
    let urban_too = {
        let mut g = f.clone();
        g.parents[0].registration = urban();
        g
    };
    let r = run(&t, &[f], 2025, &Parameters::national());
    let h = r.find("F7-H").unwrap();
    assert!(!h.eligible());
    assert_eq!(
        h.would_qualify_with,
        vec![
            MissingFact::RuralRegistration,
            MissingFact::NoOutOfPolicyBirth
        ]
    );
    assert!(
        h.reason()
            .contains("补充农业户口证明、1973-2001年无政策外生育的证明后可重新认定"),
        "{}",
        h.reason()
    );
    // Attested non-agricultural: not a missing fact, a reason.
    let r = run(&t, &[urban_too], 2025, &Parameters::national());
    let h = r.find("F7-H").unwrap();
    assert_eq!(h.findings, vec![Finding::NotRural]);
    assert!(h.would_qualify_with.is_empty());
}

#[test]
fn a_parents_death_closes_the_months_after_it() {
    // Died 2025-05-20: January-May, 5 × 80 = 400.
    let mut t = Town::new();
    let c = t.child("P1", Sex::Male, d(1990, 1, 1), None, VILLAGE_A);
    let h = t.child(
        "F8-H",
        Sex::Male,
        d(1950, 1, 1),
        Some(d(2025, 5, 20)),
        VILLAGE_A,
    );
    let f = Family {
        parents: vec![parent(h, rural())],
        children: vec![born_child(c)],
        no_out_of_policy_birth: no_out_of_policy(),
    };
    let r = run(&t, &[f], 2025, &Parameters::national());
    let d1 = r.find("F8-H").unwrap();
    assert_eq!(due(d1), months(2025, 1, 5, "80"));
    assert_eq!(d1.amount, y("400"));
}

#[test]
fn the_2012_raise_and_a_provincial_top_up_from_july() {
    let mut t = Town::new();
    let c = t.child("Q1", Sex::Male, d(1980, 1, 1), None, VILLAGE_A);
    let h = t.child("F9-H", Sex::Male, d(1945, 6, 6), None, VILLAGE_A);
    let f = Family {
        parents: vec![parent(h, rural())],
        children: vec![born_child(c)],
        no_out_of_policy_birth: no_out_of_policy(),
    };
    let p = Parameters::national();
    // 2011: 600 a year (12 × 50); 2012: 960 (12 × 80).
    assert_eq!(
        run(&t, std::slice::from_ref(&f), 2011, &p)
            .find("F9-H")
            .unwrap()
            .amount,
        y("600")
    );
    assert_eq!(
        run(&t, std::slice::from_ref(&f), 2012, &p)
            .find("F9-H")
            .unwrap()
            .amount,
        y("960")
    );
    // A provincial top-up of 240 a year from 2025-07-01: January-June 80,
    // July-December (960 + 240) / 12 = 100: 6 × 80 + 6 × 100 = 1080.
    let layer = r#"
[layer]
name = "province-2025-07"
title = "省级奖励扶助提标"
recorded_by = "county-admin"
recorded_at = "2025-06-01"
effective_from = "2025-07-01"
[[parameter]]
key = "reward.top_up.province"
label = "省级奖励扶助提标（每人每年）"
unit = "yuan_per_year"
adds_to = "reward.amount"
  [[parameter.values]]
  valid_from = "2025-07-01"
  value = "240"
  reference = "省卫健委 省财政厅文件（测试用）"
  confirmed_by_county = true
"#;
    let p2 = p
        .clone()
        .with(Layer::from_toml(layer, Some(&p)).unwrap())
        .unwrap();
    let d2 = run(&t, &[f], 2025, &p2);
    let h2 = d2.find("F9-H").unwrap();
    let mut expected = months(2025, 1, 6, "80");
    expected.extend(months(2025, 7, 12, "100"));
    assert_eq!(due(h2), expected);
    assert_eq!(h2.amount, y("1080"));
}

#[test]
fn born_before_1933_is_outside_the_program() {
    let mut t = Town::new();
    let c = t.child("O1", Sex::Male, d(1960, 1, 1), None, VILLAGE_A);
    let h = t.child("F10-H", Sex::Male, d(1932, 12, 31), None, VILLAGE_A);
    let f = Family {
        parents: vec![parent(h, rural())],
        children: vec![born_child(c)],
        no_out_of_policy_birth: no_out_of_policy(),
    };
    let r = run(&t, &[f], 2025, &Parameters::national());
    assert_eq!(
        r.find("F10-H").unwrap().findings,
        vec![Finding::BornBefore {
            limit: d(1933, 1, 1)
        }]
    );
}

#[test]
fn a_person_proposed_twice_by_two_villages_is_decided_once() {
    // The husband was proposed with his family by village A and again by village
    // C (where the family's record was also entered): one determination, paid once.
    let mut t = Town::new();
    let c = t.child("W1", Sex::Male, d(1990, 1, 1), None, VILLAGE_A);
    let f = couple(&mut t, "F11", vec![born_child(c)]);
    let again = Family {
        parents: vec![f.parents[0].clone()],
        ..f.clone()
    };
    let r = run(&t, &[f, again], 2025, &Parameters::national());
    let hs: Vec<_> = r
        .determinations
        .iter()
        .filter(|x| x.person_id == "F11-H")
        .collect();
    assert_eq!(hs.len(), 1);
    assert_eq!(hs[0].amount, y("960"));
    assert!(hs[0].needs_review);
    assert!(hs[0]
        .findings
        .contains(&Finding::ProposedTwice { families: 2 }));
    assert_eq!(r.total(), y("960"));
}
