//! The township's daily register: the same birth saved twice is warned about,
//! then voided (注销) and the void undone, with every count and birth order
//! following; a wrong event revoked (撤销); a marriage on both records; a person
//! moving in (a bride marrying in); the head changed, a household split and
//! merged. On both databases, against hand-computed figures of the testkit county.

use renkou_domain::account::{Role, Scope};
use renkou_domain::event::EventKind;
use renkou_domain::{MaritalStatus, Relation, Sex};
use renkou_register::events::{self, BirthInput, EventInput, MoveInInput, Saved};
use renkou_register::households::{self, HouseholdInput};
use renkou_register::void;
use renkou_store::{Actor, Store};
use renkou_testkit::*;
use std::collections::HashMap;

fn worker() -> Actor {
    Actor::account(
        "cun1",
        "127.0.0.1",
        Scope {
            role: Role::VillageWorker,
            region: code(V1),
        },
    )
}

/// Births of `year` the indicators' input holds, and the birth order of `no`.
fn births_in(store: &Store, year: i32) -> usize {
    use chrono::Datelike;
    store
        .stat_rows(None)
        .unwrap()
        .rows
        .iter()
        .filter(|r| r.birth_date.year() == year)
        .count()
}

fn order_of(store: &Store, mother: &str, no: &str) -> Option<u32> {
    store
        .children_of(mother)
        .unwrap()
        .into_iter()
        .find(|c| c.person_no == no)
        .map(|c| c.birth_order)
}

fn sorted_rows(rows: &renkou_store::stats::StatRows) -> Vec<String> {
    let mut v: Vec<String> = rows
        .rows
        .iter()
        .map(|r| {
            format!(
                "{} {:?} {} {:?} {:?}",
                rows.region_codes[r.region as usize],
                r.sex,
                r.birth_date,
                r.birth_order,
                r.death_date
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_same_birth_saved_twice_is_warned_about_then_voided_and_the_void_undone() {
    for db in databases() {
        let store = db.store();
        load(&store, &register());
        let l = db.label;
        let who = worker();
        let form = BirthInput {
            mother_no: "M1".into(),
            sex: "2".into(),
            birth_date: "2025-06-01".into(),
            name: "测试新生".into(),
            ..Default::default()
        };
        // M1 has C1 (2019, order 1) and C2 (2024, order 2); nothing in 2025.
        assert_eq!(births_in(&store, 2025), 0, "{l}");
        let people = store
            .area_summary(&code(V1), d(2025, 12, 31))
            .unwrap()
            .population;
        let first = match events::record_birth_checked(&store, &who, &code(V1), &form).unwrap() {
            Saved::Done(no) => no,
            other => panic!("{l}: {other:?}"),
        };
        assert_eq!(order_of(&store, "M1", &first), Some(3), "{l}");
        // The same birth again: the form stops with the first one, nothing written.
        let events_before = store.counts().unwrap().events;
        match events::record_birth_checked(&store, &who, &code(V1), &form).unwrap() {
            Saved::Check(found) => {
                assert_eq!(found.len(), 1, "{l}");
                assert_eq!(found[0].person_no, first, "{l}");
                assert_eq!(found[0].why, "同一母亲30天内已有出生登记", "{l}");
            }
            other => panic!("{l}: {other:?}"),
        }
        assert_eq!(store.counts().unwrap().events, events_before, "{l}");
        // Confirmed anyway (what the form did silently before): a second child, order 4.
        let confirmed = BirthInput {
            confirm: "1".into(),
            ..form.clone()
        };
        let second =
            match events::record_birth_checked(&store, &who, &code(V1), &confirmed).unwrap() {
                Saved::Done(no) => no,
                other => panic!("{l}: {other:?}"),
            };
        assert_eq!(order_of(&store, "M1", &second), Some(4), "{l}");
        assert_eq!(births_in(&store, 2025), 2, "{l}");
        let mut cached = store.stat_rows(None).unwrap();
        let before_void = store.register_version().unwrap().last_event;

        // The duplicate is voided with a reason: it counts nowhere from now on.
        void::void_record(&store, &who, &second, "重复登记").unwrap();
        assert_eq!(births_in(&store, 2025), 1, "{l}");
        assert_eq!(order_of(&store, "M1", &second), None, "{l}");
        assert_eq!(order_of(&store, "M1", &first), Some(3), "{l}");
        assert_eq!(
            store
                .area_summary(&code(V1), d(2025, 12, 31))
                .unwrap()
                .population,
            people + 1,
            "{l}"
        );
        // The indicators' cache drops the row as a full read would.
        store.refresh_stat_rows(&mut cached).unwrap();
        assert_eq!(
            sorted_rows(&cached),
            sorted_rows(&store.stat_rows(None).unwrap()),
            "{l}"
        );
        // As of before the void, the register still held both.
        assert_eq!(
            store.stat_rows_as_of(before_void, None).unwrap().rows.len(),
            store.stat_rows(None).unwrap().rows.len() + 1,
            "{l}"
        );
        // The history shows the void; no other event is taken on a void record.
        let history = store.person_events(&second).unwrap();
        let void_seq = history.last().unwrap().seq;
        assert!(
            matches!(&history.last().unwrap().event.kind, EventKind::Void { reason } if reason == "重复登记"),
            "{l}"
        );
        assert_eq!(store.voided_by(&second).unwrap(), Some(void_seq), "{l}");
        let death = EventKind::Death {
            date: d(2025, 7, 1),
        };
        assert!(
            events::record_event(&store, &who, &second, death, "web").is_err(),
            "{l}"
        );
        assert!(
            void::void_record(&store, &who, &second, "again").is_err(),
            "{l}"
        );

        // Voiding the first instead: the second child takes order 3.
        void::revoke_event(&store, &who, &second, void_seq, "注销错误").unwrap();
        assert_eq!(store.voided_by(&second).unwrap(), None, "{l}");
        assert_eq!(births_in(&store, 2025), 2, "{l}");
        assert_eq!(order_of(&store, "M1", &second), Some(4), "{l}");
        store.refresh_stat_rows(&mut cached).unwrap();
        assert_eq!(
            sorted_rows(&cached),
            sorted_rows(&store.stat_rows(None).unwrap()),
            "{l}"
        );
        void::void_record(&store, &who, &first, "重复登记").unwrap();
        assert_eq!(order_of(&store, "M1", &second), Some(3), "{l}");
        assert_eq!(births_in(&store, 2025), 1, "{l}");
        // A revocation cannot itself be revoked.
        let undo = store.person_events(&second).unwrap().last().unwrap().seq;
        assert!(
            void::revoke_event(&store, &who, &second, undo, "x").is_err(),
            "{l}"
        );
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

#[test]
fn a_wrong_death_is_revoked_and_counts_again() {
    for db in databases() {
        let store = db.store();
        load(&store, &register());
        let l = db.label;
        let who = worker();
        let today = d(2025, 12, 31);
        let deaths = store.area_summary(&code(V1), today).unwrap();
        let seq = events::record_event(
            &store,
            &who,
            "W3",
            EventKind::Death {
                date: d(2025, 3, 1),
            },
            "web",
        )
        .unwrap();
        let after = store.area_summary(&code(V1), today).unwrap();
        assert_eq!(after.population, deaths.population - 1, "{l}");
        // Without a reason: refused.
        assert!(
            void::revoke_event(&store, &who, "W3", seq, " ").is_err(),
            "{l}"
        );
        void::revoke_event(&store, &who, "W3", seq, "登记错人").unwrap();
        let w3 = store.person("W3").unwrap().unwrap();
        assert_eq!(w3.death_date, None, "{l}");
        assert_eq!(
            store.area_summary(&code(V1), today).unwrap().population,
            deaths.population,
            "{l}"
        );
        assert!(
            void::revoke_event(&store, &who, "W3", seq, "again").is_err(),
            "{l}"
        );
        // Another village's person cannot be voided by this worker.
        assert!(void::void_record(&store, &who, "M2", "x").is_err(), "{l}");
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

#[test]
fn a_marriage_is_recorded_on_both_and_revoked_on_both() {
    for db in databases() {
        let store = db.store();
        let mut persons = register();
        persons.push(person("MAN2", Sex::Male, d(1988, 1, 1), V2));
        load(&store, &persons);
        let l = db.label;
        let who = worker();
        let form = EventInput {
            date: "2025-05-01".into(),
            status: "21".into(),
            spouse_no: "F1".into(),
            ..Default::default()
        };
        let seq = match events::record_marriage(&store, &who, "W2", &form).unwrap() {
            Saved::Done(s) => s,
            other => panic!("{l}: {other:?}"),
        };
        for (a, b) in [("W2", "F1"), ("F1", "W2")] {
            let p = store.person(a).unwrap().unwrap();
            assert_eq!(p.marital_status, MaritalStatus::FirstMarriage, "{l} {a}");
            assert_eq!(spouse(&store, a), Some(b.to_string()), "{l} {a}");
        }
        // A spouse of another village is "not found", and nothing is written.
        let n = store.counts().unwrap().events;
        let other = EventInput {
            spouse_no: "MAN2".into(),
            ..form.clone()
        };
        assert!(
            events::record_marriage(&store, &who, "W3", &other).is_err(),
            "{l}"
        );
        assert_eq!(store.counts().unwrap().events, n, "{l}");
        // Revoked on one side: both are unmarried again.
        void::revoke_event(&store, &who, "W2", seq, "登记错误").unwrap();
        for a in ["W2", "F1"] {
            let p = store.person(a).unwrap().unwrap();
            assert_eq!(p.marital_status, MaritalStatus::NotStated, "{l} {a}");
            assert_eq!(spouse(&store, a), None, "{l} {a}");
        }
        // A spouse entered new joins W3's household, both married.
        let new = EventInput {
            date: "2025-05-01".into(),
            status: "22".into(),
            spouse_name: "测试新配偶".into(),
            spouse_birth_date: "1970-01-01".into(),
            ..Default::default()
        };
        events::record_marriage(&store, &who, "W3", &new).unwrap();
        let s = spouse(&store, "W3").unwrap();
        let sp = store.person(&s).unwrap().unwrap();
        assert_eq!(
            (sp.sex, sp.marital_status),
            (Sex::Male, MaritalStatus::Remarried),
            "{l}"
        );
        assert_eq!(sp.household_no, household_of(V1), "{l}");
        assert_eq!(spouse(&store, &s), Some("W3".into()), "{l}");
        // The same again is a likely duplicate.
        assert!(
            matches!(
                events::record_marriage(&store, &who, "W2", &new).unwrap(),
                Saved::Check(_)
            ),
            "{l}"
        );
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

fn spouse(store: &Store, no: &str) -> Option<String> {
    let ev = store.person_events(no).unwrap();
    let numbered: Vec<(i64, &EventKind)> = ev.iter().map(|e| (e.seq, &e.event.kind)).collect();
    renkou_domain::event::spouse_of(&numbered)
}

#[test]
fn a_bride_moves_in_from_elsewhere_and_marries_into_the_household() {
    for db in databases() {
        let store = db.store();
        let mut persons = register();
        let mut groom = person("G1", Sex::Male, d(1996, 2, 2), V1);
        groom.relation = Relation::parse("20").ok();
        persons.push(groom);
        load(&store, &persons);
        let l = db.label;
        let who = worker();
        let moves = |s: &Store| s.move_events(d(2025, 1, 1), d(2025, 12, 31), None).unwrap();
        assert!(moves(&store).is_empty(), "{l}");
        let id = renkou_domain::IdNumber::compose(349901, d(1998, 8, 8), 122);
        let form = MoveInInput {
            name: "测试新娘".into(),
            id_number: id.to_string(),
            date: "2025-10-01".into(),
            origin: "外县".into(),
            spouse_no: "G1".into(),
            ..Default::default()
        };
        let no = match events::record_move_in(&store, &who, &code(V1), &form).unwrap() {
            Saved::Done(no) => no,
            other => panic!("{l}: {other:?}"),
        };
        let bride = store.person(&no).unwrap().unwrap();
        // Birth date and sex from the ID number; the groom's household; 儿媳 (a son's wife).
        assert_eq!(
            (bride.birth_date, bride.sex),
            (d(1998, 8, 8), Sex::Female),
            "{l}"
        );
        assert_eq!(bride.household_no, household_of(V1), "{l}");
        assert_eq!(bride.relation, Relation::parse("38").ok(), "{l}");
        assert_eq!(bride.marital_status, MaritalStatus::FirstMarriage, "{l}");
        assert_eq!(spouse(&store, "G1"), Some(no.clone()), "{l}");
        assert_eq!(moves(&store), vec![(no.clone(), true)], "{l}");
        // The same person again: the same ID number stops the form.
        match events::record_move_in(&store, &who, &code(V1), &form).unwrap() {
            Saved::Check(found) => assert_eq!(found[0].why, "公民身份号码相同", "{l}"),
            other => panic!("{l}: {other:?}"),
        }
        // A move-in of someone alone founds a household with them as its head.
        let alone = MoveInInput {
            name: "测试独居".into(),
            sex: "1".into(),
            birth_date: "1960-01-01".into(),
            date: "2025-11-01".into(),
            ..Default::default()
        };
        let Saved::Done(a) = events::record_move_in(&store, &who, &code(V1), &alone).unwrap()
        else {
            panic!("{l}")
        };
        let a = store.person(&a).unwrap().unwrap();
        assert_eq!(a.household_no, format!("H{}", a.person_no), "{l}");
        assert_eq!(a.relation, Some(Relation::HEAD), "{l}");
        // Into another village's household: refused.
        let elsewhere = MoveInInput {
            household_no: household_of(V2),
            name: "测试外村".into(),
            ..alone.clone()
        };
        assert!(
            events::record_move_in(&store, &who, &code(V1), &elsewhere).is_err(),
            "{l}"
        );
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

fn form(pairs: &[(&str, &str)]) -> HouseholdInput {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    HouseholdInput::from_form(&m).unwrap()
}

fn relation(store: &Store, no: &str) -> Option<String> {
    store
        .person(no)
        .unwrap()
        .unwrap()
        .relation
        .map(|r| r.name_zh().to_string())
}

#[test]
fn the_head_changes_a_household_splits_and_merges_back() {
    for db in databases() {
        let store = db.store();
        load(&store, &register());
        let l = db.label;
        let who = worker();
        let h = household_of(V1);
        // The relations the register's links imply, with M1 as head: her children.
        let members = store.household_members(&h).unwrap();
        let m1 = members.iter().find(|p| p.person_no == "M1").unwrap();
        let c1 = members.iter().find(|p| p.person_no == "C1").unwrap();
        let sp = households::spouses(&store, &members).unwrap();
        assert_eq!(
            households::suggest_relation(c1, m1, &members, &sp).map(|r| r.code()),
            Some("20".into()),
            "{l}"
        );
        households::change_head(
            &store,
            &who,
            &h,
            &form(&[
                ("date", "2025-01-01"),
                ("head", "M1"),
                ("rel_C1", "20"),
                ("rel_C2", "30"),
            ]),
        )
        .unwrap();
        assert_eq!(relation(&store, "M1").as_deref(), Some("户主"), "{l}");
        assert_eq!(relation(&store, "C1").as_deref(), Some("子"), "{l}");
        // Two heads are refused.
        assert!(
            households::change_head(
                &store,
                &who,
                &h,
                &form(&[("date", "2025-01-01"), ("head", "M1"), ("rel_C1", "02")])
            )
            .is_err(),
            "{l}"
        );
        // The head cannot split off; C1 can, heading a household of his own.
        assert!(
            households::split(
                &store,
                &who,
                &h,
                &form(&[("date", "2025-02-01"), ("head", "M1"), ("move_M1", "1")])
            )
            .is_err(),
            "{l}"
        );
        let new = households::split(
            &store,
            &who,
            &h,
            &form(&[("date", "2025-02-01"), ("head", "C1"), ("move_C1", "1")]),
        )
        .unwrap();
        assert_eq!(new, "HC1", "{l}");
        let c1 = store.person("C1").unwrap().unwrap();
        assert_eq!(
            (c1.household_no.as_str(), c1.relation),
            ("HC1", Some(Relation::HEAD)),
            "{l}"
        );
        let summary = store.area_summary(&code(V1), d(2025, 12, 31)).unwrap();
        // 一村's households: H-V1 and now HC1.
        assert_eq!(summary.households, 2, "{l}");
        // Merged back: C1 is a son of the head again.
        households::merge(
            &store,
            &who,
            "HC1",
            &h,
            &form(&[("date", "2025-03-01"), ("rel_C1", "20")]),
        )
        .unwrap();
        let c1 = store.person("C1").unwrap().unwrap();
        assert_eq!(
            (c1.household_no.as_str(), relation(&store, "C1").as_deref()),
            (h.as_str(), Some("子")),
            "{l}"
        );
        assert_eq!(
            store
                .area_summary(&code(V1), d(2025, 12, 31))
                .unwrap()
                .households,
            1,
            "{l}"
        );
        // Another village's household cannot be merged into.
        assert!(
            households::merge(
                &store,
                &who,
                &h,
                &household_of(V2),
                &form(&[("date", "2025-03-01")])
            )
            .is_err(),
            "{l}"
        );
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

/// The persons of `found` with the kinds found for each, sorted.
fn found_for(found: &[renkou_domain::quality::QualityIssue], nos: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = found
        .iter()
        .filter(|q| nos.contains(&q.person_no.as_str()))
        .map(|q| format!("{} {}", q.person_no, q.kind.as_str()))
        .collect();
    v.sort();
    v
}

#[test]
fn the_quality_scan_leaves_voided_persons_out() {
    use renkou_register::quality;
    for (db, store) in stores(&[]) {
        let l = db.label;
        // Z1's ID number says male; Z2 is their own mother; Z3 and Z4 share an
        // ID number. Each is what the scan finds.
        let mut z1 = with_id(person("Z1", Sex::Female, d(1990, 1, 1), V1), 0);
        z1.id_number = Some(renkou_domain::IdNumber::compose(349901, d(1990, 1, 1), 11));
        let mut z2 = person("Z2", Sex::Female, d(1991, 1, 1), V1);
        z2.mother_no = Some("Z2".into());
        let z3 = with_id(person("Z3", Sex::Female, d(1992, 1, 1), V1), 20);
        let mut z4 = person("Z4", Sex::Female, d(1992, 1, 1), V1);
        z4.id_number = z3.id_number.clone();
        let mut all = register();
        all.extend([z1, z2, z3, z4]);
        load(&store, &all);
        let who = worker();
        let nos = ["Z1", "Z2", "Z3", "Z4"];
        let before = quality::scan(&store, &who, &code(V1)).unwrap();
        assert_eq!(
            found_for(&before.found, &nos),
            [
                "Z1 id_sex_mismatch",
                "Z2 parent_younger",
                "Z2 self_parent",
                "Z3 duplicate_id_number",
                "Z4 duplicate_id_number"
            ],
            "{l}"
        );
        // Z1, Z2 and Z4 were entered by mistake: voided, they are not scanned,
        // and Z4's ID number no longer makes Z3 a duplicate.
        for no in ["Z1", "Z2", "Z4"] {
            void::void_record(&store, &who, no, "登记错误").unwrap();
        }
        let after = quality::scan(&store, &who, &code(V1)).unwrap();
        assert_eq!(found_for(&after.found, &nos), Vec::<String>::new(), "{l}");
        assert_eq!(after.added, 0, "{l}");
        // The rest of the village is scanned as before.
        let others = |s: &quality::Scan| {
            s.found
                .iter()
                .filter(|q| !nos.contains(&q.person_no.as_str()))
                .count()
        };
        assert_eq!(others(&after), others(&before), "{l}");
        // Undoing a void scans the person again.
        let seq = store.voided_by("Z1").unwrap().unwrap();
        void::revoke_event(&store, &who, "Z1", seq, "注销错误").unwrap();
        let again = quality::scan(&store, &who, &code(V1)).unwrap();
        assert_eq!(found_for(&again.found, &nos), ["Z1 id_sex_mismatch"], "{l}");
    }
}

fn worker_of(village: &str) -> Actor {
    Actor::account(
        "cun",
        "127.0.0.1",
        Scope {
            role: Role::VillageWorker,
            region: code(village),
        },
    )
}

/// A person moving in under `id` (the clerk's way of entering someone again).
fn move_in(store: &Store, who: &Actor, village: &str, name: &str, id: &str) -> String {
    let form = MoveInInput {
        name: name.into(),
        id_number: id.into(),
        date: "2025-10-01".into(),
        origin: "外县".into(),
        ..Default::default()
    };
    match events::record_move_in(store, who, &code(village), &form).unwrap() {
        Saved::Done(no) => no,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_voided_record_holds_its_id_number_against_no_one_until_its_void_is_revoked() {
    for db in databases() {
        let store = db.store();
        let l = db.label;
        // Z1 was entered with a wrong name: the clerk voids it and enters her again.
        let id = renkou_domain::IdNumber::compose(349901, d(1988, 4, 4), 220);
        let mut z1 = person("Z1", Sex::Female, d(1988, 4, 4), V1);
        z1.id_number = Some(id.clone());
        let mut persons = register();
        persons.push(z1);
        load(&store, &persons);
        let (who, other) = (worker_of(V1), worker_of(V2));
        void::void_record(&store, &who, "Z1", "姓名登记错误").unwrap();
        let void_seq = store.voided_by("Z1").unwrap().unwrap();
        let again = move_in(&store, &who, V1, "测试改正", &id.to_string());
        assert_eq!(
            store.person(&again).unwrap().unwrap().id_number,
            Some(id.clone()),
            "{l}"
        );
        assert!(
            !store
                .quality_issues(&code(V1))
                .unwrap()
                .iter()
                .any(|q| q.issue.person_no == again),
            "{l}: the voided record makes no duplicate"
        );
        // Revoking the void now would give two live persons one ID number:
        // refused, naming the holder by person number, and nothing changes.
        let before = crate::events::snapshot(&store);
        let e = void::revoke_event(&store, &who, "Z1", void_seq, "注销错误")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("已登记在人员 {again} 名下，不能撤销注销"))
                && e.contains(&format!(
                    "now registered to person {again}, so the void cannot be revoked"
                )),
            "{l}: {e}"
        );
        assert_eq!(crate::events::snapshot(&store), before, "{l}");
        assert_eq!(store.voided_by("Z1").unwrap(), Some(void_seq), "{l}");
        // The same while the holder lives in a village the clerk cannot read,
        // whose person number the message does not give away.
        void::void_record(&store, &who, &again, "重复登记").unwrap();
        let there = move_in(&store, &other, V2, "测试外村", &id.to_string());
        let before = crate::events::snapshot(&store);
        let e = void::revoke_event(&store, &who, "Z1", void_seq, "注销错误")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("另一人名下，不能撤销注销") && !e.contains(&there),
            "{l}: {e}"
        );
        assert_eq!(crate::events::snapshot(&store), before, "{l}");
        // Once no live person holds it, the void is revoked and Z1 counts again.
        void::void_record(&store, &other, &there, "登记错误").unwrap();
        void::revoke_event(&store, &who, "Z1", void_seq, "注销错误").unwrap();
        assert_eq!(store.voided_by("Z1").unwrap(), None, "{l}");
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

#[test]
fn a_voided_parent_is_missing_to_the_quality_scan_and_to_a_birth() {
    use renkou_register::quality;
    for db in databases() {
        let store = db.store();
        let l = db.label;
        // Z5's mother Z6 was entered as a man, Z7's mother Z8 as younger than
        // her child: both mothers wrong records, to be voided.
        let z6 = person("Z6", Sex::Male, d(1960, 1, 1), V1);
        let mut z5 = child("Z5", Sex::Female, d(1990, 1, 1), V1, "Z6");
        z5.father_no = Some("F1".into());
        let z8 = person("Z8", Sex::Female, d(2000, 1, 1), V1);
        let z7 = child("Z7", Sex::Female, d(1995, 1, 1), V1, "Z8");
        let mut all = register();
        all.extend([z5, z6, z7, z8]);
        load(&store, &all);
        let who = worker();
        let nos = ["Z5", "Z7"];
        let before = quality::scan(&store, &who, &code(V1)).unwrap();
        // (F1, born 1992, is younger than Z5 as well.)
        assert_eq!(
            found_for(&before.found, &nos),
            [
                "Z5 parent_wrong_sex",
                "Z5 parent_younger",
                "Z7 parent_younger"
            ],
            "{l}"
        );
        for no in ["Z6", "Z8"] {
            void::void_record(&store, &who, no, "登记错误").unwrap();
        }
        // A voided mother is no mother: the children's links are to fix.
        let after = quality::scan(&store, &who, &code(V1)).unwrap();
        assert_eq!(
            found_for(&after.found, &nos),
            [
                "Z5 parent_missing",
                "Z5 parent_younger",
                "Z7 parent_missing"
            ],
            "{l}"
        );
        // Nor can a birth be entered on her.
        let n = store.counts().unwrap().events;
        let form = BirthInput {
            mother_no: "Z8".into(),
            sex: "2".into(),
            birth_date: "2025-06-01".into(),
            name: "测试新生".into(),
            confirm: "1".into(),
            ..Default::default()
        };
        let e = events::record_birth_checked(&store, &who, &code(V1), &form)
            .unwrap_err()
            .to_string();
        assert!(e.contains("Z8"), "{l}: {e}");
        assert_eq!(store.counts().unwrap().events, n, "{l}");
    }
}
