//! 生育登记: numbers from a gap-free book per office and year, taken inside the
//! write so that two registrations at once never share or skip one; a county
//! starting a book where its paper one stopped; no refusal for the number of
//! children; scope.

use crate::account;
use renkou_domain::account::Role;
use renkou_registrations::births::{self, NewRegistration};
use renkou_registrations::rules::{Applicant, Marriage};
use renkou_registrations::{tables, Error, MIGRATIONS};
use renkou_store::{Actor, StoreError};
use renkou_testkit::*;
use std::sync::{mpsc, Arc};

fn couple(registered: renkou_domain::Date) -> NewRegistration {
    NewRegistration {
        applicant: Applicant::Couple,
        mother_no: Some("M1".into()),
        father_no: Some("F1".into()),
        marriage: Marriage::Married,
        residence: code(V1),
        address: "一村3组".into(),
        expected_on: Some(d(2025, 10, 1)),
        born_on: None,
        child_no: None,
        registered_on: registered,
    }
}

fn single_mother(no: &str, village: &str) -> NewRegistration {
    NewRegistration {
        applicant: Applicant::SingleMother,
        mother_no: Some(no.into()),
        father_no: None,
        marriage: Marriage::Unmarried,
        residence: code(village),
        address: String::new(),
        expected_on: Some(d(2025, 12, 1)),
        born_on: None,
        child_no: None,
        registered_on: d(2025, 6, 2),
    }
}

#[test]
fn numbers_run_per_office_and_year_and_no_one_is_refused_for_their_children() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let town = account("zhen", Role::TownshipStaff, TOWN_A);
        let op = Actor::operator("admin");
        let (id, n1) = births::register(&store, &town, &couple(d(2025, 3, 1))).unwrap();
        assert_eq!(n1, "349901101-2025-00001", "{}", db.label);
        // M2 has three children in the register (T1, T2 and K1): registered all
        // the same, and they are listed.
        let (id2, n2) = births::register(&store, &town, &single_mother("M2", V2)).unwrap();
        assert_eq!(n2, "349901101-2025-00002");
        // Another office's book, and another year's.
        let mut b = single_mother("E1", V3);
        b.born_on = Some(d(2025, 5, 1));
        b.expected_on = None;
        let (_, n3) = births::register(&store, &op, &b).unwrap();
        assert_eq!(n3, "349901102-2025-00001");
        let (_, n4) = births::register(&store, &town, &couple(d(2026, 1, 5))).unwrap();
        assert_eq!(n4, "349901101-2026-00001");

        let r = births::registration(&store, &town, id).unwrap().unwrap();
        let kids: Vec<_> = r
            .children_known
            .iter()
            .map(|c| c.person_no.as_str())
            .collect();
        assert_eq!(kids, ["C1", "C2"], "{}", db.label);
        assert_eq!(r.mother_name.as_deref(), Some("测试M1"));
        assert_eq!(r.father_no.as_deref(), Some("F1"));
        assert_eq!(r.marriage, Marriage::Married);
        let r2 = births::registration(&store, &town, id2).unwrap().unwrap();
        let kids: Vec<_> = r2
            .children_known
            .iter()
            .map(|c| c.person_no.as_str())
            .collect();
        assert_eq!(kids, ["K1", "T1", "T2"], "{}", db.label);

        // The township sees its two office books' registrations; 乙乡's is not its.
        let list = births::registrations(&store, &town, &code(TOWN_A), 100).unwrap();
        assert_eq!(list.len(), 3);
        let books = births::books(&store, &op, &code(COUNTY)).unwrap();
        assert_eq!(books.len(), 3);
        // Every registration is audited under its number.
        let audited = store
            .audit_entries(&renkou_store::audit::AuditQuery {
                record_type: Some("birth_registration".into()),
                limit: 100,
                ..Default::default()
            })
            .unwrap()
            .len();
        assert_eq!(audited, 4, "{}", db.label);
    }
}

#[test]
fn a_county_starts_a_book_where_its_paper_book_stopped() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let county = account("admin", Role::CountyAdmin, COUNTY);
        let town = account("zhen", Role::TownshipStaff, TOWN_A);
        // Only a county account may set where a book starts.
        assert!(matches!(
            births::start_book(&store, &town, &code(TOWN_A), 2025, 418),
            Err(Error::CountyOnly)
        ));
        // A village code names its township's book.
        births::start_book(&store, &county, &code(V1), 2025, 418).unwrap();
        let (_, n) = births::register(&store, &town, &couple(d(2025, 3, 1))).unwrap();
        assert_eq!(n, "349901101-2025-00418", "{}", db.label);
        let (_, n) = births::register(&store, &town, &single_mother("M2", V2)).unwrap();
        assert_eq!(n, "349901101-2025-00419");
        // Once a number is given, the start cannot move (it could give it again).
        assert!(matches!(
            births::start_book(&store, &county, &code(TOWN_A), 2025, 1),
            Err(Error::SequenceInUse { .. })
        ));
        let book = births::books(&store, &county, &code(TOWN_A)).unwrap();
        assert_eq!((book[0].first_seq, book[0].next_seq), (418, 420));
    }
}

#[test]
fn a_registration_names_only_people_and_places_of_the_recorders_area() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let cun = account("cun", Role::VillageWorker, V1);
        let stat = account("tongji", Role::CountyStatistician, COUNTY);
        // 二村 is not 一村's worker's: neither as residence nor as a mother.
        let r = births::register(&store, &cun, &single_mother("M2", V2));
        assert!(
            matches!(r, Err(Error::Store(StoreError::Forbidden))),
            "{r:?}"
        );
        let mut b = single_mother("M2", V1);
        b.residence = code(V1);
        let r = births::register(&store, &cun, &b);
        assert!(
            matches!(r, Err(Error::Store(StoreError::NoPerson(_)))),
            "{r:?}"
        );
        // A statistician records nothing.
        let r = births::register(&store, &stat, &couple(d(2025, 3, 1)));
        assert!(
            matches!(r, Err(Error::Store(StoreError::Forbidden))),
            "{r:?}"
        );
        // A couple needs both; a registration needs a date.
        let mut b = couple(d(2025, 3, 1));
        b.father_no = Some("  ".into());
        assert!(matches!(
            births::register(&store, &cun, &b),
            Err(Error::Field(..))
        ));
        let mut b = couple(d(2025, 3, 1));
        b.expected_on = None;
        assert!(matches!(
            births::register(&store, &cun, &b),
            Err(Error::Field(..))
        ));
        // None of the refusals took a number.
        let (id, n) = births::register(&store, &cun, &couple(d(2025, 3, 1))).unwrap();
        assert_eq!(n, "349901101-2025-00001", "{}", db.label);
        // Another village's worker does not see it.
        let other = account("cun2", Role::VillageWorker, V2);
        assert!(births::registration(&store, &other, id).unwrap().is_none());
        assert!(births::registration(&store, &cun, id).unwrap().is_some());
    }
}

/// Holds a number in an open transaction while another registration starts on a
/// second connection: the second waits, and takes the number back if the first
/// rolls back, the next one if it commits. Then a burst from two threads gives
/// each number once, without a gap.
#[test]
fn two_registrations_at_once_never_share_or_skip_a_number() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let store = Arc::new(store);
        let town = account("zhen", Role::TownshipStaff, TOWN_A);
        let held = |commit: bool| -> (i64, String) {
            let (started_tx, started_rx) = mpsc::channel::<()>();
            let (held_tx, held_rx) = mpsc::channel::<i64>();
            let (s2, t2) = (store.clone(), town.clone());
            let other = std::thread::spawn(move || {
                held_rx.recv().unwrap();
                started_tx.send(()).unwrap();
                births::register(&s2, &t2, &single_mother("M2", V2)).unwrap()
            });
            let r: Result<i64, Error> = store.write(&town, |tx| {
                let n = tables::take_number(tx, &code(TOWN_A), 2025)?;
                held_tx.send(n).unwrap();
                started_rx.recv().unwrap();
                // Give the other registration time to reach the lock (not an
                // assertion: whatever the timing, the numbers below must hold).
                std::thread::sleep(std::time::Duration::from_millis(300));
                if commit {
                    Ok(n)
                } else {
                    Err(Error::Field("测试回滚", "test rollback"))
                }
            });
            let (_, number) = other.join().unwrap();
            (r.unwrap_or(-1), number)
        };
        // Rolled back: its number 1 goes to the waiting registration.
        let (first, number) = held(false);
        assert_eq!(
            (first, number.as_str()),
            (-1, "349901101-2025-00001"),
            "{}",
            db.label
        );
        // Committed: the waiting registration takes the next number, 3 (number 2
        // was taken by the test's bare transaction, which inserted nothing).
        let (first, number) = held(true);
        assert_eq!(
            (first, number.as_str()),
            (2, "349901101-2025-00003"),
            "{}",
            db.label
        );

        // A burst: two threads, 15 registrations each.
        let threads: Vec<_> = (0..2)
            .map(|i| {
                let (s, t) = (store.clone(), town.clone());
                std::thread::spawn(move || {
                    (0..15)
                        .map(|_| {
                            let r = if i == 0 {
                                couple(d(2025, 7, 1))
                            } else {
                                single_mother("M2", V2)
                            };
                            births::register(&s, &t, &r).unwrap().1
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut numbers: Vec<String> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        numbers.sort();
        let expected: Vec<String> = (4..=33).map(|n| format!("349901101-2025-{n:05}")).collect();
        assert_eq!(numbers, expected, "{}", db.label);
    }
}
