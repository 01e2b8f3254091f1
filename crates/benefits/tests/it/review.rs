//! Two runs compared, candidates from the register's events, and a person's file,
//! on both databases, over hand-made families (育儿补贴 300 a month).

use renkou_benefits::review::{self, Change};
use renkou_benefits::rules::{Parameters, Program, Yuan};
use renkou_benefits::runs::{self, Request};
use renkou_domain::{EventKind, Sex};
use renkou_store::Actor;
use renkou_testkit::{child, code, d, load, person, stores, COUNTY, V1, V2};

fn y(s: &str) -> Yuan {
    Yuan::parse(s).unwrap()
}

#[test]
fn runs_compare_candidates_come_from_events_and_a_file_holds_every_decision() {
    for (db, store) in stores(&[&renkou_benefits::MIGRATIONS]) {
        let l = db.label;
        let op = Actor::operator("review-test");
        load(
            &store,
            &[
                // K1 (born 2024-05-10): 12 × 300 = 3600.00 in the first run; dies
                // 2025-04-10 before the second: January-April 1200.00 (amount changes).
                person("K1", Sex::Female, d(2024, 5, 10), V1),
                // K2 (born 2024-02-01): 3600.00 in both runs (no change).
                person("K2", Sex::Male, d(2024, 2, 1), V1),
                // An only child's parents in 二村: the son dies 2026-10-01.
                person("PM", Sex::Female, d(1970, 2, 2), V2),
                person("PF", Sex::Male, d(1966, 3, 3), V2),
                // PF turns 60 on 2026-03-03 (within the year before 2026-12-01).
                {
                    let mut c = child("PC", Sex::Male, d(1995, 1, 1), V2, "PM");
                    c.father_no = Some("PF".into());
                    c
                },
            ],
        );
        let req = Request {
            program: Program::Childcare,
            area: code(COUNTY),
            year: 2025,
        };
        let (a, _) = runs::run_and_save(&store, &op, &req, &Parameters::national()).unwrap();
        // A newborn registered after the first run: KN born 2025-11-20, November and
        // December, 600.00 (newly qualifies).
        load(&store, &[person("KN", Sex::Male, d(2025, 11, 20), V1)]);
        store
            .write(&op, |tx| {
                tx.record_event(
                    "K1",
                    EventKind::Death {
                        date: d(2025, 4, 10),
                    },
                    "test",
                )
            })
            .unwrap();
        let (b, _) = runs::run_and_save(&store, &op, &req, &Parameters::national()).unwrap();
        let (ra, rb) = (
            runs::run_in_scope(&store, &op, a).unwrap().unwrap(),
            runs::run_in_scope(&store, &op, b).unwrap().unwrap(),
        );
        let diff = review::compare(&store, &op, &ra, &rb).unwrap();
        let got: Vec<(&str, Change, Yuan, Yuan)> = diff
            .iter()
            .map(|x| (x.person_no.as_str(), x.change, x.before, x.after))
            .collect();
        assert_eq!(
            got,
            vec![
                ("KN", Change::Qualifies, y("0.00"), y("600.00")),
                ("K1", Change::AmountChanges, y("3600.00"), y("1200.00")),
            ],
            "{l}"
        );

        // Candidates as of 2026-12-01, one year back: the son's death makes both
        // parents special-assistance candidates; PF's 60th birthday a reward check;
        // no birth in the year (KN was born 2025-11-20, already eligible anyway).
        store
            .write(&op, |tx| {
                tx.record_event(
                    "PC",
                    EventKind::Death {
                        date: d(2026, 10, 1),
                    },
                    "test",
                )
            })
            .unwrap();
        let c = review::candidates(&store, &op, &code(COUNTY), d(2026, 12, 1), 365).unwrap();
        let got: Vec<(Program, &str)> = c
            .iter()
            .map(|x| (x.program, x.person_no.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Program::Reward, "PF"),
                (Program::Special, "PF"),
                (Program::Special, "PM"),
            ],
            "{l}"
        );
        // A birth within the window is a childcare candidate until a run finds it
        // eligible.
        load(&store, &[person("KB", Sex::Female, d(2026, 11, 2), V1)]);
        let c = review::candidates(&store, &op, &code(V1), d(2026, 12, 1), 365).unwrap();
        assert_eq!(
            c.iter()
                .map(|x| (x.program, x.person_no.as_str(), x.year))
                .collect::<Vec<_>>(),
            vec![(Program::Childcare, "KB", 2026)],
            "{l}"
        );
        let (c26, _) = runs::run_and_save(
            &store,
            &op,
            &Request {
                program: Program::Childcare,
                area: code(V1),
                year: 2026,
            },
            &Parameters::national(),
        )
        .unwrap();
        assert!(
            review::candidates(&store, &op, &code(V1), d(2026, 12, 1), 365)
                .unwrap()
                .is_empty()
        );

        // K1's file: every decision with its receipt, in run order (the 2026 run
        // considered her too: died in 2025, nothing due).
        let f = review::dossier(&store, &op, "K1").unwrap().unwrap();
        assert_eq!(
            f.decisions
                .iter()
                .map(|x| (x.run.id, x.amount))
                .collect::<Vec<_>>(),
            vec![(a, y("3600.00")), (b, y("1200.00")), (c26, y("0.00"))],
            "{l}"
        );
        assert!(f.decisions.iter().all(|x| !x.receipt.is_empty()));
        let doc = review::dossier_document(&f, "一村");
        assert!(!doc.sections.is_empty());
    }
}
