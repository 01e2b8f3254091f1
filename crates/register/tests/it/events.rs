//! Every way an account writes an event by hand (the forms' use cases and the
//! API's), walked with values from another village of the same township and from
//! another township: each is refused and changes nothing, on both databases. And a
//! birth form that fails after its new mother was entered leaves the register and
//! the audit log exactly as they were.

use renkou_domain::account::{Role, Scope};
use renkou_domain::event::EventKind;
use renkou_domain::person::Field;
use renkou_domain::{MaritalStatus, RegionCode, Residence, Sex};
use renkou_register::events::{self, BirthInput};
use renkou_store::audit::AuditQuery;
use renkou_store::{Actor, Store};
use renkou_testkit::*;

fn account(name: &str, role: Role, area: &str) -> Actor {
    Actor::account(
        name,
        "127.0.0.1",
        Scope {
            role,
            region: code(area),
        },
    )
}

/// Everything a write could change: the events, every person, the audit log.
pub(crate) fn snapshot(store: &Store) -> (i64, Vec<String>, usize) {
    let events = store.counts().unwrap().events;
    let mut persons = Vec::new();
    store
        .for_each_person_in_including_voided(&code(COUNTY), &mut |p| {
            persons.push(format!("{p:?}"));
            Ok(())
        })
        .unwrap();
    let audit = store
        .audit_entries(&AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .unwrap()
        .len();
    (events, persons, audit)
}

fn correction(p: &renkou_domain::PersonRecord, field: Field, new: &str) -> EventKind {
    EventKind::Correction {
        field,
        old: p.get(field),
        new: new.into(),
        reason: "测试".into(),
    }
}

/// The hand-made county plus a man of 三村 (other township) and one of 二村.
fn setup(store: &Store) {
    let mut persons = register();
    persons.push(person("MAN2", Sex::Male, d(1988, 1, 1), V2));
    persons.push(person("MAN3", Sex::Male, d(1985, 1, 1), V3));
    load(store, &persons);
}

#[test]
fn writes_with_values_of_another_area_are_refused_and_change_nothing() {
    for db in databases() {
        let store = db.store();
        setup(&store);
        // A village worker of 一村 (the other village of the township is 二村) and
        // township staff of 甲镇 (the other township is 乙乡 with 三村).
        let cases: Vec<(Actor, &str, &str, &str)> = vec![
            (account("cun1", Role::VillageWorker, V1), V2, "M2", "MAN2"),
            (
                account("xz1", Role::TownshipStaff, TOWN_A),
                V3,
                "K1",
                "MAN3",
            ),
        ];
        for (who, other_village, other_woman, other_man) in cases {
            let l = format!("{} {}", db.label, who.username);
            let m1 = store.person("M1").unwrap().unwrap();
            let c1 = store.person("C1").unwrap().unwrap();
            let other_household = household_of(other_village);
            let refused: Vec<(&str, String, EventKind)> = vec![
                (
                    "region",
                    "M1".into(),
                    correction(&m1, Field::RegionCode, other_village),
                ),
                (
                    "household",
                    "M1".into(),
                    correction(&m1, Field::HouseholdId, &other_household),
                ),
                (
                    "household that does not exist",
                    "M1".into(),
                    correction(&m1, Field::HouseholdId, "H-NOBODY"),
                ),
                (
                    "mother",
                    "C1".into(),
                    correction(&c1, Field::MotherId, other_woman),
                ),
                (
                    "father",
                    "C1".into(),
                    correction(&c1, Field::FatherId, other_man),
                ),
                (
                    "own mother",
                    "C1".into(),
                    correction(&c1, Field::MotherId, "C1"),
                ),
                (
                    "region not in the tree",
                    "M1".into(),
                    correction(&m1, Field::RegionCode, "349901101299"),
                ),
                (
                    "move in to another area",
                    "M1".into(),
                    EventKind::MoveIn {
                        date: d(2025, 1, 1),
                        residence: Residence::Resident,
                        origin: None,
                        region_code: Some(code(other_village)),
                        household_no: Some(other_household.clone()),
                    },
                ),
                (
                    "household change to another area",
                    "M1".into(),
                    EventKind::HouseholdChange {
                        date: d(2025, 1, 1),
                        household_no: other_household.clone(),
                        region_code: Some(code(other_village)),
                    },
                ),
                (
                    "spouse of another area",
                    "M1".into(),
                    EventKind::Marriage {
                        date: d(2025, 1, 1),
                        status: MaritalStatus::FirstMarriage,
                        spouse_no: Some(other_man.into()),
                    },
                ),
                (
                    "a person of another area",
                    other_woman.into(),
                    EventKind::Death {
                        date: d(2025, 1, 1),
                    },
                ),
            ];
            for (what, no, kind) in refused {
                let before = snapshot(&store);
                let r = events::record_event(&store, &who, &no, kind, "web");
                assert!(r.is_err(), "{l}: {what} was accepted");
                assert_eq!(snapshot(&store), before, "{l}: {what} changed something");
            }

            // An API birth into another area's household, under a number the
            // client chose, is refused too.
            let mut child = child("P005000", Sex::Female, d(2025, 3, 1), other_village, "M1");
            child.household_no = other_household.clone();
            let before = snapshot(&store);
            assert!(
                events::record_birth_api(&store, &who, "M1", child).is_err(),
                "{l}"
            );
            assert_eq!(snapshot(&store), before, "{l}");

            // The birth form's father: another area's man is "not found", the same
            // words as a number nobody has.
            let form = |father: &str| BirthInput {
                mother_no: "M1".into(),
                father_no: father.into(),
                sex: "2".into(),
                birth_date: "2025-03-01".into(),
                ..Default::default()
            };
            let outside = events::record_birth_form(&store, &who, &code(V1), &form(other_man))
                .unwrap_err()
                .to_string();
            let nobody = events::record_birth_form(&store, &who, &code(V1), &form("NOBODY"))
                .unwrap_err()
                .to_string();
            assert_eq!(outside, nobody, "{l}");
            let woman = events::record_birth_form(&store, &who, &code(V1), &form("W2"))
                .unwrap_err()
                .to_string();
            assert_eq!(woman, nobody, "{l}: a woman's number tells nothing either");
            assert_eq!(snapshot(&store), before, "{l}");
        }

        // A statistician reads everything and writes nothing.
        let stat = account("tongji", Role::CountyStatistician, COUNTY);
        let before = snapshot(&store);
        assert!(events::record_event(
            &store,
            &stat,
            "M1",
            EventKind::Death {
                date: d(2025, 1, 1)
            },
            "web"
        )
        .is_err());
        assert_eq!(snapshot(&store), before);

        // And the same writes inside the area are accepted.
        let cun = account("cun1", Role::VillageWorker, V1);
        let c1 = store.person("C1").unwrap().unwrap();
        events::record_event(
            &store,
            &cun,
            "C1",
            correction(&c1, Field::MotherId, "W3"),
            "web",
        )
        .unwrap();
        assert_eq!(
            store.person("C1").unwrap().unwrap().mother_no.as_deref(),
            Some("W3")
        );
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

#[test]
fn a_birth_form_is_one_transaction() {
    for db in databases() {
        let store = db.store();
        setup(&store);
        let cun = account("cun1", Role::VillageWorker, V1);
        let new_mother = |father_no: &str| BirthInput {
            mother_name: "新母亲".into(),
            mother_birth_date: "1995-05-05".into(),
            father_no: father_no.into(),
            name: "测试婴".into(),
            sex: "1".into(),
            birth_date: "2025-06-01".into(),
            ..Default::default()
        };
        // The father is not found after the new mother was entered: nothing stays.
        let before = snapshot(&store);
        let err = events::record_birth_form(&store, &cun, &code(V1), &new_mother("NOBODY"));
        assert!(err.is_err(), "{}", db.label);
        assert_eq!(
            snapshot(&store),
            before,
            "{}: the new mother stayed",
            db.label
        );
        // Submitted again with a father entered new, all three arrive, audited.
        let mut f = new_mother("");
        f.father_name = "新父亲".into();
        f.father_birth_date = "1993-03-03".into();
        let child_no = events::record_birth_form(&store, &cun, &code(V1), &f).unwrap();
        let child = store.person(&child_no).unwrap().unwrap();
        let mother = store
            .person(child.mother_no.as_deref().unwrap())
            .unwrap()
            .unwrap();
        let father = store
            .person(child.father_no.as_deref().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!((mother.sex, father.sex), (Sex::Female, Sex::Male));
        assert_eq!(father.household_no, mother.household_no);
        assert_eq!(child.region_code, RegionCode::parse(V1).unwrap());
        let after = snapshot(&store);
        assert_eq!(after.0, before.0 + 3, "{}", db.label);
        assert_eq!(after.2, before.2 + 3, "{}: one audit entry each", db.label);
        // A birth date in the future is refused before anything is written.
        let mut late = new_mother("");
        late.birth_date = "2999-01-01".into();
        let before = snapshot(&store);
        assert!(events::record_birth_form(&store, &cun, &code(V1), &late).is_err());
        assert_eq!(snapshot(&store), before);
    }
}

#[test]
fn the_register_numbers_every_birth_entered_by_hand() {
    for db in databases() {
        let store = db.store();
        setup(&store);
        let cun = account("cun1", Role::VillageWorker, V1);
        let child = child("P005000", Sex::Female, d(2025, 3, 1), V1, "M1");
        let no = events::record_birth_api(&store, &cun, "M1", child).unwrap();
        assert!(no.starts_with('W'), "{}: {no}", db.label);
        assert!(store.person("P005000").unwrap().is_none());
        // A 2025 baby with a 1990 ID number is a typing error.
        let mut baby = renkou_testkit::child("X", Sex::Female, d(2025, 4, 1), V1, "M1");
        baby.id_number = Some(renkou_domain::IdNumber::compose(349901, d(1990, 1, 1), 22));
        assert!(events::record_birth_api(&store, &cun, "M1", baby).is_err());
        // Two persons may not share an ID number typed in a form.
        let w2 = with_id(store.person("W2").unwrap().unwrap(), 20);
        let w3 = store.person("W3").unwrap().unwrap();
        let id = w2.id_number.as_ref().unwrap().to_string();
        events::record_event(
            &store,
            &cun,
            "W2",
            correction(&store.person("W2").unwrap().unwrap(), Field::IdNumber, &id),
            "web",
        )
        .unwrap();
        let r = events::record_event(
            &store,
            &cun,
            "W3",
            correction(&w3, Field::IdNumber, &id),
            "web",
        );
        assert!(r.is_err(), "{}", db.label);
    }
}
