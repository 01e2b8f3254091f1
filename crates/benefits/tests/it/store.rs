//! The benefits tables and use cases on both databases, over hand-made families in
//! the testkit county (演示县 349901: 甲镇 with 一村 V1 and 二村 V2, 乙乡 with 三村 V3).
//! Every amount is worked out by hand in the comments: 育儿补贴 is 3600 a year, 300
//! a month; 奖励扶助 960 a year, 80 a month; 特别扶助 urban death 340 a month.

use renkou_benefits::rules::{Layer, LedgerError, MissingFact, Month, Parameters, Program, Yuan};
use renkou_benefits::runs::{self, Request};
use renkou_benefits::tables::{self, FactKind, NewFact};
use renkou_benefits::{attest, slots, Error, MIGRATIONS};
use renkou_domain::account::{Role, Scope};
use renkou_domain::{EventKind, PersonRecord, Sex};
use renkou_store::audit::AuditQuery;
use renkou_store::{Actor, Store, StoreError};
use renkou_testkit::{
    child, code, d, household_of, load, person, stores, COUNTY, TOWN_A, TOWN_B, V1, V2, V3,
};

fn y(s: &str) -> Yuan {
    Yuan::parse(s).unwrap()
}

fn op() -> Actor {
    Actor::operator("benefits-test")
}

fn account(role: Role, area: &str) -> Actor {
    Actor::account(
        format!("{}-{area}", role.as_str()),
        "127.0.0.1",
        Scope {
            role,
            region: code(area),
        },
    )
}

fn dead(mut p: PersonRecord, on: renkou_domain::Date) -> PersonRecord {
    p.death_date = Some(on);
    p
}

fn with_father(mut p: PersonRecord, father: &str) -> PersonRecord {
    p.father_no = Some(father.into());
    p
}

/// The families of this module.
fn families() -> Vec<PersonRecord> {
    vec![
        // 一村: a mother and her children for 育儿补贴 2025.
        person("M1", Sex::Female, d(1994, 3, 10), V1),
        // Twins born 2024-05-10: every month of 2025, 12 × 300 = 3600 each.
        child("CT1", Sex::Female, d(2024, 5, 10), V1, "M1"),
        child("CT2", Sex::Male, d(2024, 5, 10), V1, "M1"),
        // Born 2022-03-15: January and February 2025 (3rd birthday in March, which
        // does not count): 2 × 300 = 600.
        person("CB1", Sex::Male, d(2022, 3, 15), V1),
        // Born 2022-01-01: the 3rd birthday falls in January 2025, which does not
        // count: considered, nothing due.
        person("CB2", Sex::Female, d(2022, 1, 1), V1),
        // Born 2021-12-31: 3 before the program began; not considered at all.
        person("CB3", Sex::Female, d(2021, 12, 31), V1),
        // Born 2025-12-01: the birth month counts: 1 × 300 = 300.
        person("CN", Sex::Male, d(2025, 12, 1), V1),
        // Born 2024-06-01; dies 2025-04-10 (an event, below): January to April,
        // 4 × 300 = 1200.
        person("CD", Sex::Female, d(2024, 6, 1), V1),
        // Born 2024-02-01 in 一村; the household moves to 三村 on 2025-06-15 (an
        // event, below): 甲镇 January-June 1800, 乙乡 July-December 1800.
        person("CM", Sex::Male, d(2024, 2, 1), V1),
        // 二村: a rural couple for 奖励扶助, one living daughter. He turns 62 and she
        // 61 in 2025: every month, 12 × 80 = 960 each, once their facts are attested.
        person("RH", Sex::Male, d(1963, 3, 10), V2),
        person("RW", Sex::Female, d(1964, 7, 1), V2),
        with_father(child("RC", Sex::Female, d(1990, 5, 5), V2, "RW"), "RH"),
        // 三村: an urban couple whose only son died in 2019, the mother 53 in 2025:
        // 特别扶助 at the urban death standard, 12 × 340 = 4080 each.
        person("SH", Sex::Male, d(1968, 2, 2), V3),
        person("SW", Sex::Female, d(1972, 5, 5), V3),
        dead(
            with_father(child("SC", Sex::Male, d(1996, 1, 1), V3, "SW"), "SH"),
            d(2019, 3, 3),
        ),
    ]
}

fn setup(store: &Store) {
    load(store, &families());
    let event = |no: &str, kind: EventKind| {
        store
            .write(&op(), |tx| tx.record_event(no, kind, "test"))
            .unwrap();
    };
    event(
        "CD",
        EventKind::Death {
            date: d(2025, 4, 10),
        },
    );
    event(
        "CM",
        EventKind::HouseholdChange {
            date: d(2025, 6, 15),
            household_no: household_of(V3),
            region_code: Some(code(V3)),
        },
    );
}

fn req(program: Program, area: &str) -> Request {
    Request {
        program,
        area: code(area),
        year: 2025,
    }
}

fn amounts(c: &runs::Computed) -> Vec<(String, u32, String)> {
    c.run
        .determinations
        .iter()
        .map(|d| (d.person_id.clone(), d.months(), d.amount.to_string()))
        .collect()
}

fn row(id: &str, months: u32, amount: &str) -> (String, u32, String) {
    (id.to_string(), months, amount.to_string())
}

fn audit_count(store: &Store) -> usize {
    store
        .audit_entries(&AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .unwrap()
        .len()
}

#[test]
fn childcare_for_the_county_and_each_township() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        setup(&store);
        let p = Parameters::national();
        let county = runs::compute(&store, &op(), &req(Program::Childcare, COUNTY), &p).unwrap();
        // In 人员编号 order; CB3 (3 before 2025) is not considered.
        assert_eq!(
            amounts(&county),
            vec![
                row("CB1", 2, "600.00"),
                row("CB2", 0, "0.00"),
                row("CD", 4, "1200.00"),
                row("CM", 12, "3600.00"),
                row("CN", 1, "300.00"),
                row("CT1", 12, "3600.00"),
                row("CT2", 12, "3600.00"),
            ],
            "{}",
            db.label
        );
        // 600 + 0 + 1200 + 3600 + 300 + 3600 + 3600 = 12900.
        assert_eq!(county.run.total(), y("12900"), "{}", db.label);
        let cb2 = county.run.find("CB2").unwrap();
        assert!(!cb2.eligible());
        assert!(cb2.reason().contains("满龄"), "{}", cb2.reason());
        // The move takes effect from the month after its day.
        let a = runs::compute(&store, &op(), &req(Program::Childcare, TOWN_A), &p).unwrap();
        let b = runs::compute(&store, &op(), &req(Program::Childcare, TOWN_B), &p).unwrap();
        let cm_a = a.run.find("CM").unwrap();
        let cm_b = b.run.find("CM").unwrap();
        assert_eq!((cm_a.months(), cm_a.amount), (6, y("1800")), "{}", db.label);
        assert_eq!(cm_a.due.last().unwrap().month, Month::new(2025, 6));
        assert_eq!((cm_b.months(), cm_b.amount), (6, y("1800")), "{}", db.label);
        assert_eq!(cm_b.due[0].month, Month::new(2025, 7));
        // 乙乡 has no other small child.
        assert_eq!(b.run.determinations.len(), 1, "{}", db.label);
    }
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
fn the_ledger_pays_a_slot_once_and_settles_a_rule_change_and_a_late_death() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &families());
        let v1 = Parameters::national();
        // Saved before the death of CD is known: CD is due all year (3600).
        let (first, c1) =
            runs::run_and_save(&store, &op(), &req(Program::Childcare, COUNTY), &v1).unwrap();
        assert_eq!(c1.run.find("CD").unwrap().amount, y("3600"), "{}", db.label);
        let info = store.with(|c| tables::run_info(c, first)).unwrap().unwrap();
        assert_eq!(
            (info.considered, info.eligible, info.total.to_string()),
            // CB1 600, CB2 0, CD 3600, CM 3600, CN 300, CT1 3600, CT2 3600.
            (7, 6, "15300.00".to_string()),
            "{}",
            db.label
        );
        // Pay January-June for CD and January-March for CT1.
        for mm in 1..=6 {
            let paid = slots::pay(
                &store,
                &op(),
                "CD",
                Program::Childcare,
                Month::new(2025, mm),
                "2025-H1",
            )
            .unwrap();
            assert_eq!(paid, y("300"));
        }
        for mm in 1..=3 {
            slots::pay(
                &store,
                &op(),
                "CT1",
                Program::Childcare,
                Month::new(2025, mm),
                "2025-Q1",
            )
            .unwrap();
        }
        // A slot is paid once, whoever applies.
        let again = slots::pay(
            &store,
            &account(Role::VillageWorker, V1),
            "CT1",
            Program::Childcare,
            Month::new(2025, 1),
            "again",
        );
        assert!(
            matches!(again, Err(Error::Ledger(LedgerError::AlreadyPaid(_)))),
            "{}: {again:?}",
            db.label
        );
        // CB1 turned 3 in March: March is not due.
        let not_due = slots::pay(
            &store,
            &op(),
            "CB1",
            Program::Childcare,
            Month::new(2025, 3),
            "x",
        );
        assert!(
            matches!(not_due, Err(Error::Ledger(LedgerError::NotDue(_)))),
            "{}",
            db.label
        );

        // The death is recorded, and the county raises the amount from July.
        store
            .write(&op(), |tx| {
                tx.record_event(
                    "CD",
                    EventKind::Death {
                        date: d(2025, 4, 10),
                    },
                    "test",
                )
            })
            .unwrap();
        let v2 = v1
            .clone()
            .with(Layer::from_toml(TOP_UP_FROM_JULY, Some(&v1)).unwrap())
            .unwrap();
        let (second, c2) =
            runs::run_and_save(&store, &op(), &req(Program::Childcare, COUNTY), &v2).unwrap();
        assert!(second > first);
        // CT1: 6 × 300 + 6 × (3600 + 1200) / 12 = 1800 + 2400 = 4200.
        assert_eq!(
            c2.run.find("CT1").unwrap().amount,
            y("4200"),
            "{}",
            db.label
        );
        assert_eq!(c2.run.parameters_version, 2);
        let ct1 = store.with(|c| tables::slots_of(c, "CT1")).unwrap();
        assert_eq!(ct1.len(), 12, "{}", db.label);
        assert_eq!(ct1[0].paid_amount, Some(y("300")));
        assert_eq!(ct1[6].due_amount, Some(y("400")), "{}", db.label);
        // Back-pay: 4200 due through December, 900 paid: 3300.
        let b = slots::balance(&ct1, Program::Childcare, Month::new(2025, 12));
        assert_eq!(
            (b.due, b.paid, b.balance),
            (y("4200"), y("900"), y("3300")),
            "{}",
            db.label
        );
        // CD: January-April due (1200); May and June were paid (600) and are no
        // longer due: 1200 − 1800 = −600 to recover.
        let cd = store.with(|c| tables::slots_of(c, "CD")).unwrap();
        let b = slots::balance(&cd, Program::Childcare, Month::new(2025, 12));
        assert_eq!(
            (b.due_months, b.due, b.paid, b.balance),
            (4, y("1200"), y("1800"), y("-600")),
            "{}",
            db.label
        );
        assert_eq!(cd[4].due_amount, None);
        assert_eq!(cd[4].paid_amount, Some(y("300")));
        // A slot no longer due cannot be paid.
        let closed = slots::pay(
            &store,
            &op(),
            "CD",
            Program::Childcare,
            Month::new(2025, 8),
            "x",
        );
        assert!(
            matches!(closed, Err(Error::Ledger(LedgerError::NotDue(_)))),
            "{}",
            db.label
        );
    }
}

#[test]
fn a_second_slot_for_the_same_person_program_and_month_is_refused_by_the_database() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &families());
        let insert = |amount: &str| {
            store.write(&op(), |tx| {
                tx.exec(
                    "INSERT INTO benefit_slots (person_no, program, month, region_code, due_amount) VALUES ($1, 'childcare', '2025-03', $2, $3)",
                    &["CT1".into(), V1.into(), amount.into()],
                )
            })
        };
        insert("300.00").unwrap();
        let second = insert("300.00");
        assert!(second.is_err(), "{}: a second slot was accepted", db.label);
        // Also when another program or month: those are other slots.
        store
            .write(&op(), |tx| {
                tx.exec(
                    "INSERT INTO benefit_slots (person_no, program, month, region_code, due_amount) VALUES ('CT1', 'childcare', '2025-04', $1, '300.00')",
                    &[V1.into()],
                )
            })
            .unwrap();
        assert_eq!(
            store.with(|c| tables::slots_of(c, "CT1")).unwrap().len(),
            2,
            "{}",
            db.label
        );
    }
}

#[test]
fn two_runs_over_one_person_make_one_slot_per_month() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        setup(&store);
        let p = Parameters::national();
        // 甲镇 proposes CM for January-June, 乙乡 for July-December, then the county
        // for all twelve: twelve slots, each once; the township runs do not undo
        // each other's months.
        runs::run_and_save(&store, &op(), &req(Program::Childcare, TOWN_A), &p).unwrap();
        runs::run_and_save(&store, &op(), &req(Program::Childcare, TOWN_B), &p).unwrap();
        let cm = store.with(|c| tables::slots_of(c, "CM")).unwrap();
        assert_eq!(cm.len(), 12, "{}", db.label);
        assert!(
            cm.iter().all(|s| s.due_amount == Some(y("300"))),
            "{}",
            db.label
        );
        assert_eq!(cm[5].region_code, V1);
        assert_eq!(cm[6].region_code, V3);
        runs::run_and_save(&store, &op(), &req(Program::Childcare, COUNTY), &p).unwrap();
        let cm = store.with(|c| tables::slots_of(c, "CM")).unwrap();
        assert_eq!(cm.len(), 12, "{}", db.label);
        let b = slots::balance(&cm, Program::Childcare, Month::new(2025, 12));
        assert_eq!(b.due, y("3600"), "{}", db.label);
    }
}

#[test]
fn a_saved_run_keeps_a_row_and_a_receipt_per_person_considered() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        setup(&store);
        let before = audit_count(&store);
        let (id, _) = runs::run_and_save(
            &store,
            &op(),
            &req(Program::Childcare, COUNTY),
            &Parameters::national(),
        )
        .unwrap();
        assert_eq!(audit_count(&store), before + 1, "{}", db.label);
        let run = runs::run_in_scope(&store, &op(), id).unwrap().unwrap();
        let page = runs::run_page(&store, &op(), run, false, 100, 0).unwrap();
        assert_eq!(
            (page.considered, page.eligible, page.total),
            (7, 6, y("12900")),
            "{}",
            db.label
        );
        let cd = page.rows.iter().find(|r| r.person_no == "CD").unwrap();
        assert_eq!((cd.months, cd.amount), (4, y("1200")));
        assert!(cd.reason.contains("死亡"), "{}", cd.reason);
        let receipt = runs::receipt(&store, id, cd).unwrap();
        assert_eq!(receipt["rule"], "childcare/1");
        assert_eq!(receipt["parameters_version"], 1);
        assert_eq!(receipt["due"].as_array().unwrap().len(), 4);
        assert_eq!(receipt["due"][3]["month"], "2025-04");
        assert_eq!(receipt["ending"]["why"]["finding"], "died");
        assert!(receipt["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["fact"] == "death_date"));
        let values = receipt["parameter_values"].as_array().unwrap();
        assert!(values.iter().any(
            |v| v["key"] == "childcare.amount" && !v["reference"].as_str().unwrap().is_empty()
        ));
        // A village worker of 三村 sees the run, and only 三村's row of it (CM from July).
        let v3 = account(Role::VillageWorker, V3);
        let run = runs::run_in_scope(&store, &v3, id).unwrap().unwrap();
        let page = runs::run_page(&store, &v3, run, false, 100, 0).unwrap();
        let ids: Vec<&str> = page.rows.iter().map(|r| r.person_no.as_str()).collect();
        assert_eq!(ids, vec!["CM"], "{}", db.label);
        assert_eq!(page.total, y("3600"));
        // A run of 甲镇 is not 三村's to see.
        let (town_a, _) = runs::run_and_save(
            &store,
            &op(),
            &req(Program::Childcare, TOWN_A),
            &Parameters::national(),
        )
        .unwrap();
        assert!(runs::run_in_scope(&store, &v3, town_a).unwrap().is_none());
    }
}

#[test]
fn scope_a_run_inside_the_actors_area_and_saving_by_those_who_may_change_records() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        setup(&store);
        let p = Parameters::national();
        let v2 = account(Role::VillageWorker, V2);
        let r = runs::compute(&store, &v2, &req(Program::Childcare, TOWN_A), &p);
        assert!(matches!(r, Err(Error::OutsideArea(_))), "{}", db.label);
        assert!(runs::compute(&store, &v2, &req(Program::Childcare, V2), &p).is_ok());
        let stat = account(Role::CountyStatistician, COUNTY);
        assert!(runs::compute(&store, &stat, &req(Program::Childcare, COUNTY), &p).is_ok());
        let saved = runs::run_and_save(&store, &stat, &req(Program::Childcare, COUNTY), &p);
        assert!(
            matches!(saved, Err(Error::Store(StoreError::Forbidden))),
            "{}",
            db.label
        );
        let town = account(Role::TownshipStaff, TOWN_A);
        assert!(runs::run_and_save(&store, &town, &req(Program::Childcare, TOWN_A), &p).is_ok());
        // Unknown region: refused by name.
        let r = runs::compute(&store, &op(), &req(Program::Childcare, "349901109000"), &p);
        assert!(matches!(r, Err(Error::UnknownRegion(_))), "{}", db.label);
        // A village worker cannot pay or read another village's ledger.
        assert!(slots::ledger_of(&store, &v2, "CT1").unwrap().is_none());
        assert!(
            slots::ledger_of(&store, &account(Role::VillageWorker, V1), "CT1")
                .unwrap()
                .is_some()
        );
    }
}

fn fact(person: &str, kind: FactKind, value: &str) -> NewFact {
    NewFact {
        person_no: person.into(),
        kind,
        value: value.into(),
        as_of: d(2004, 1, 1),
        document: "户口簿（测试）第0001号".into(),
    }
}

#[test]
fn reward_assistance_once_the_facts_are_attested_with_their_audit_entries() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        setup(&store);
        let p = Parameters::national();
        let c = runs::compute(&store, &op(), &req(Program::Reward, V2), &p).unwrap();
        let rh = c.run.find("RH").unwrap();
        assert!(!rh.eligible(), "{}", db.label);
        assert_eq!(
            rh.would_qualify_with,
            vec![
                MissingFact::RuralRegistration,
                MissingFact::NoOutOfPolicyBirth
            ]
        );
        assert!(rh.reason().contains("后可重新认定"), "{}", rh.reason());
        // The village worker of 二村 records the facts; each is audited.
        let worker = account(Role::VillageWorker, V2);
        let before = audit_count(&store);
        for f in [
            fact("RH", FactKind::HouseholdRegistration, "农业"),
            fact("RW", FactKind::HouseholdRegistration, "agricultural"),
            fact("RH", FactKind::NoOutOfPolicyBirth, "yes"),
        ] {
            attest::record_fact(&store, &worker, &f).unwrap();
        }
        assert_eq!(audit_count(&store), before + 3, "{}", db.label);
        let recorded = attest::facts_of(&store, &worker, "RH").unwrap().unwrap();
        assert_eq!(recorded.len(), 2);
        assert_eq!(recorded[0].value, "agricultural");
        assert_eq!(recorded[0].recorded_by, worker.username);
        assert_eq!(recorded[0].region_code, V2);
        // Outside the worker's village: no such person; a bad value: refused by name.
        let other = attest::record_fact(
            &store,
            &worker,
            &fact("SW", FactKind::HouseholdRegistration, "农业"),
        );
        assert!(
            matches!(other, Err(Error::Store(StoreError::NoPerson(_)))),
            "{}",
            db.label
        );
        let bad = attest::record_fact(&store, &worker, &fact("RW", FactKind::Disability, "七"));
        assert!(matches!(bad, Err(Error::Invalid(_))));
        assert!(attest::facts_of(&store, &worker, "SW").unwrap().is_none());

        let c = runs::compute(&store, &op(), &req(Program::Reward, V2), &p).unwrap();
        for who in ["RH", "RW"] {
            let d = c.run.find(who).unwrap();
            assert_eq!(
                (d.months(), d.amount),
                (12, y("960")),
                "{}: {who}",
                db.label
            );
        }
        // The receipt names the attested facts and who recorded them.
        let rh = c.run.find("RH").unwrap();
        let json = serde_json::to_string(&rh.receipt).unwrap();
        assert!(
            json.contains("户口簿（测试）第0001号") && json.contains(&worker.username),
            "{json}"
        );
    }
}

#[test]
fn special_assistance_for_the_parents_of_an_only_child_who_died() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        setup(&store);
        let p = Parameters::national();
        attest::record_fact(
            &store,
            &op(),
            &fact("SW", FactKind::HouseholdRegistration, "非农业"),
        )
        .unwrap();
        let c = runs::compute(&store, &op(), &req(Program::Special, TOWN_B), &p).unwrap();
        let sw = c.run.find("SW").unwrap();
        assert_eq!((sw.months(), sw.amount), (12, y("4080")), "{}", db.label);
        // The father's registration type is not attested yet: that is what is missing.
        let sh = c.run.find("SH").unwrap();
        assert!(!sh.eligible());
        assert_eq!(
            sh.would_qualify_with,
            vec![MissingFact::RegistrationKind],
            "{}",
            db.label
        );
        attest::record_fact(
            &store,
            &op(),
            &fact("SH", FactKind::HouseholdRegistration, "non_agricultural"),
        )
        .unwrap();
        let c = runs::compute(&store, &op(), &req(Program::Special, TOWN_B), &p).unwrap();
        assert_eq!(c.run.find("SH").unwrap().amount, y("4080"), "{}", db.label);
        assert_eq!(c.run.total(), y("8160"));
        // 甲镇's families are not 乙乡's.
        assert!(c.run.find("M1").is_none());
    }
}
