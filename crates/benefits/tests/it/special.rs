//! 特别扶助 on hand-made families. The 2014 national baseline per person per month:
//! urban death 340, urban disability 270, rural death 170, rural disability 150.

use crate::common::*;
use renkou_benefits::rules::{
    special, Child, ChildOrigin, Family, Finding, Layer, LegalAdoption, MissingFact, Parameters,
    Run,
};
use renkou_domain::Sex;

fn run(t: &Town, families: &[Family], year: i32, p: &Parameters) -> Run {
    special::run(&t.reg, families, &rc(COUNTY), year, p).unwrap()
}

/// Husband born 1968-02-02, wife born `mother_born`, both with the given
/// registration, and the given children.
fn couple(
    t: &mut Town,
    tag: &str,
    mother_born: renkou_benefits::rules::Date,
    reg: Option<renkou_benefits::rules::Attested<renkou_benefits::rules::HouseholdRegistration>>,
    children: Vec<Child>,
) -> Family {
    let h = t.child(
        &format!("{tag}-H"),
        Sex::Male,
        d(1968, 2, 2),
        None,
        VILLAGE_A,
    );
    let w = t.child(
        &format!("{tag}-W"),
        Sex::Female,
        mother_born,
        None,
        VILLAGE_A,
    );
    Family {
        parents: vec![parent(h, reg.clone()), parent(w, reg)],
        children,
        no_out_of_policy_birth: None,
    }
}

#[test]
fn urban_parents_of_a_deceased_only_child() {
    // Only child died 2020; mother born 1970 (55 in 2025): 12 × 340 = 4080 each
    // parent, 8160 for the couple.
    let mut t = Town::new();
    let c = t.child(
        "U1",
        Sex::Male,
        d(1995, 5, 5),
        Some(d(2020, 3, 3)),
        VILLAGE_A,
    );
    let f = couple(&mut t, "S1", d(1970, 1, 1), urban(), vec![born_child(c)]);
    let r = run(&t, &[f], 2025, &Parameters::national());
    for id in ["S1-H", "S1-W"] {
        let x = r.find(id).unwrap();
        assert_eq!(due(x), months(2025, 1, 12, "340"), "{id}");
        assert_eq!(x.amount, y("4080"));
    }
    assert_eq!(r.total(), y("8160"));
}

#[test]
fn rural_disabled_grade_2_and_a_lighter_grade() {
    // Grade 2 since 2018, rural: 12 × 150 = 1800. Grade 4: lighter than 3, nothing.
    let mut t = Town::new();
    let c = t.child("R1", Sex::Female, d(1998, 1, 1), None, VILLAGE_A);
    let f = couple(
        &mut t,
        "S2",
        d(1972, 6, 6),
        rural(),
        vec![disabled_child(c, 2, d(2018, 4, 1))],
    );
    let c4 = t.child("R2", Sex::Female, d(1998, 1, 1), None, VILLAGE_A);
    let g = couple(
        &mut t,
        "S3",
        d(1972, 6, 6),
        rural(),
        vec![disabled_child(c4, 4, d(2018, 4, 1))],
    );
    let r = run(&t, &[f, g], 2025, &Parameters::national());
    assert_eq!(r.find("S2-W").unwrap().amount, y("1800"));
    assert_eq!(
        r.find("S3-W").unwrap().findings,
        vec![Finding::DisabilityTooLight {
            grade: 4,
            max_grade: 3
        }]
    );
}

#[test]
fn a_disabled_child_who_dies_mid_year_moves_the_family_to_the_death_standard() {
    // Rural, grade 1, died 2025-06-10: January-June disability 150 (June is decided
    // at its start, the child alive), July-December death 170:
    // 6 × 150 + 6 × 170 = 900 + 1020 = 1920.
    let mut t = Town::new();
    let c = t.child(
        "X1",
        Sex::Male,
        d(2000, 1, 1),
        Some(d(2025, 6, 10)),
        VILLAGE_A,
    );
    let f = couple(
        &mut t,
        "S4",
        d(1974, 3, 3),
        rural(),
        vec![disabled_child(c, 1, d(2010, 1, 1))],
    );
    let r = run(&t, &[f], 2025, &Parameters::national());
    let w = r.find("S4-W").unwrap();
    let mut expected = months(2025, 1, 6, "150");
    expected.extend(months(2025, 7, 12, "170"));
    assert_eq!(due(w), expected);
    assert_eq!(w.amount, y("1920"));
    assert!(w.findings.contains(&Finding::SpecialCategory {
        rural: true,
        death: false,
        from: m(2025, 1)
    }));
    assert!(w.findings.contains(&Finding::SpecialCategory {
        rural: true,
        death: true,
        from: m(2025, 7)
    }));
}

#[test]
fn adoption_needs_its_legal_registration() {
    let mut t = Town::new();
    let a = t.child(
        "A1",
        Sex::Female,
        d(1996, 1, 1),
        Some(d(2019, 1, 1)),
        VILLAGE_A,
    );
    let unattested = couple(
        &mut t,
        "S5",
        d(1970, 1, 1),
        urban(),
        vec![Child {
            person: a,
            origin: ChildOrigin::Adopted(None),
            disability: None,
        }],
    );
    let mut attested_f = unattested.clone();
    attested_f.children[0].origin = ChildOrigin::Adopted(Some(attested(LegalAdoption {
        registered_on: d(1997, 5, 1),
        certificate_no: "收养登记（测试）002".into(),
    })));
    let p = Parameters::national();
    let r = run(&t, &[unattested], 2025, &p);
    let w = r.find("S5-W").unwrap();
    assert!(!w.eligible());
    assert_eq!(w.would_qualify_with, vec![MissingFact::LegalAdoption]);
    // With the adoption attested: urban death, 12 × 340 = 4080.
    assert_eq!(
        run(&t, &[attested_f], 2025, &p)
            .find("S5-W")
            .unwrap()
            .amount,
        y("4080")
    );
}

#[test]
fn twins_are_not_an_only_child() {
    let mut t = Town::new();
    let a = t.child(
        "W1",
        Sex::Male,
        d(1999, 9, 9),
        Some(d(2015, 1, 1)),
        VILLAGE_A,
    );
    let b = t.child("W2", Sex::Male, d(1999, 9, 9), None, VILLAGE_A);
    let f = couple(
        &mut t,
        "S6",
        d(1970, 1, 1),
        urban(),
        vec![born_child(a), born_child(b)],
    );
    let r = run(&t, &[f], 2025, &Parameters::national());
    assert_eq!(
        r.find("S6-W").unwrap().findings,
        vec![Finding::MoreThanOneChild { children: 2 }]
    );
}

#[test]
fn the_mothers_49th_birthday_on_the_last_day_of_the_year() {
    // Mother born 1976-12-31 turns 49 on 2025-12-31. Under the default age rule
    // (the year it is reached) all of 2025 counts: 12 × 340 = 4080 for the father
    // too, since it is the mother's age that counts. Under "from the month of the
    // birthday", only December: 340.
    let mut t = Town::new();
    let c = t.child(
        "B1",
        Sex::Female,
        d(2000, 1, 1),
        Some(d(2022, 2, 2)),
        VILLAGE_A,
    );
    let f = couple(&mut t, "S7", d(1976, 12, 31), urban(), vec![born_child(c)]);
    let p = Parameters::national();
    let r = run(&t, std::slice::from_ref(&f), 2025, &p);
    assert_eq!(r.find("S7-H").unwrap().amount, y("4080"));
    let monthly = p
        .clone()
        .with(Layer::change_from(
            "county-age-rule",
            "county-admin",
            "2025-01-02",
            "special.age_rule",
            d(2025, 1, 1),
            renkou_benefits::rules::Value::Choice("month_reached".into()),
            "县卫健委确认（测试用）",
            true,
        ))
        .unwrap();
    let r = run(&t, &[f], 2025, &monthly);
    assert_eq!(due(r.find("S7-W").unwrap()), months(2025, 12, 12, "340"));
}

#[test]
fn an_unknown_registration_type_is_a_missing_fact_and_unconfirmed_amounts_are_marked() {
    let mut t = Town::new();
    let c = t.child(
        "K1",
        Sex::Male,
        d(1990, 1, 1),
        Some(d(2021, 1, 1)),
        VILLAGE_A,
    );
    let f = couple(&mut t, "S8", d(1965, 1, 1), None, vec![born_child(c)]);
    let p = Parameters::national();
    let r = run(&t, std::slice::from_ref(&f), 2025, &p);
    assert_eq!(
        r.find("S8-W").unwrap().would_qualify_with,
        vec![MissingFact::RegistrationKind]
    );
    // The county's own raise of the urban death standard to 500 from 2025, entered
    // but not yet confirmed: paid at 500 (12 × 500 = 6000) and marked.
    let raise = Layer::change_from(
        "county-table-2025",
        "county-admin",
        "2025-01-03",
        "special.amount.urban.death",
        d(2025, 1, 1),
        renkou_benefits::rules::Value::Amount(y("500")),
        "县特别扶助标准表（待确认）",
        false,
    );
    let p2 = p.with(raise).unwrap();
    let mut g = f;
    for par in &mut g.parents {
        par.registration = urban();
    }
    let r = run(&t, &[g], 2025, &p2);
    let w = r.find("S8-W").unwrap();
    assert_eq!(w.amount, y("6000"));
    assert!(w.findings.contains(&Finding::UnconfirmedValues));
    assert!(w
        .receipt
        .values
        .iter()
        .any(|v| v.key == "special.amount.urban.death" && !v.confirmed_by_county));
}

#[test]
fn a_single_father_counts_his_own_age() {
    // One-parent family: the father's own age (born 1968, 57) counts; urban death
    // 12 × 340 = 4080.
    let mut t = Town::new();
    let c = t.child(
        "L1",
        Sex::Male,
        d(1994, 1, 1),
        Some(d(2018, 1, 1)),
        VILLAGE_A,
    );
    let h = t.child("S9-H", Sex::Male, d(1968, 2, 2), None, VILLAGE_A);
    let f = Family {
        parents: vec![parent(h, urban())],
        children: vec![born_child(c)],
        no_out_of_policy_birth: None,
    };
    assert_eq!(
        run(&t, &[f], 2025, &Parameters::national())
            .find("S9-H")
            .unwrap()
            .amount,
        y("4080")
    );
}
