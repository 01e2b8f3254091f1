//! The roster of a saved run on both databases: 二村's village worker proposes,
//! 甲镇 checks and puts it on notice, an objection is recorded and resolved with a
//! reason, the county approves once the notice has ended; the wrong roles are
//! refused and every step is audited.

use renkou_benefits::roster::{self, RosterState};
use renkou_benefits::rules::{Parameters, Program};
use renkou_benefits::runs::{self, Request};
use renkou_benefits::Error;
use renkou_domain::account::{Role, Scope};
use renkou_domain::Sex;
use renkou_store::audit::AuditQuery;
use renkou_store::Actor;
use renkou_testkit::{code, d, load, person, stores, COUNTY, TOWN_A, V1, V2};

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

#[test]
fn village_proposes_township_checks_notice_objection_county_approves() {
    for (db, store) in stores(&[&renkou_benefits::MIGRATIONS]) {
        let l = db.label;
        // Three small children: two in 二村, one in 一村.
        load(
            &store,
            &[
                person("K1", Sex::Female, d(2024, 5, 10), V2),
                person("K2", Sex::Male, d(2023, 8, 1), V2),
                person("K3", Sex::Male, d(2024, 1, 1), V1),
            ],
        );
        let admin = account(Role::CountyAdmin, COUNTY);
        let (id, _) = runs::run_and_save(
            &store,
            &admin,
            &Request {
                program: Program::Childcare,
                area: code(COUNTY),
                year: 2025,
            },
            &Parameters::national(),
        )
        .unwrap();
        let run = runs::run_in_scope(&store, &admin, id).unwrap().unwrap();
        let village = account(Role::VillageWorker, V2);
        let town = account(Role::TownshipStaff, TOWN_A);

        // The village proposes its two; proposing again adds nothing.
        assert_eq!(
            roster::propose(&store, &village, &run, &code(V2)).unwrap(),
            2,
            "{l}"
        );
        assert_eq!(
            roster::propose(&store, &village, &run, &code(V2)).unwrap(),
            0
        );
        assert!(matches!(
            roster::propose(&store, &village, &run, &code(V1)),
            Err(Error::OutsideArea(_))
        ));
        // A village worker does not check; the township does.
        assert!(roster::check(&store, &village, &run, &code(V2)).is_err());
        assert_eq!(
            roster::check(&store, &town, &run, &code(TOWN_A)).unwrap(),
            2,
            "{l}"
        );
        // Notice from 2025-03-01 for 7 days.
        assert_eq!(
            roster::start_notice(&store, &town, &run, &code(TOWN_A), d(2025, 3, 1), 7).unwrap(),
            2
        );
        let notice = roster::notice(&store, &town, &run, &code(TOWN_A)).unwrap();
        assert_eq!(notice.len(), 2, "{l}");
        assert_eq!(
            (
                notice[0].name.as_str(),
                notice[0].village.as_str(),
                notice[0].program
            ),
            ("测试K1", "二村", "育儿补贴")
        );
        // An objection against K2, during the notice.
        roster::object(&store, &village, &run, "K2", "该儿童已随父母迁往外省").unwrap();
        // The county cannot approve before the notice has ended (2025-03-08).
        let early = roster::approve(&store, &admin, &run, &code(TOWN_A), d(2025, 3, 7));
        assert!(
            matches!(early, Err(Error::Invalid(ref m)) if m.contains("2025-03-08")),
            "{l}: {early:?}"
        );
        assert!(roster::approve(&store, &town, &run, &code(TOWN_A), d(2025, 3, 9)).is_err());
        // With K2's objection open, only K1 is approved.
        assert_eq!(
            roster::approve(&store, &admin, &run, &code(TOWN_A), d(2025, 3, 8)).unwrap(),
            1,
            "{l}"
        );
        // The objection is resolved with a reason, and upheld: K2 is withdrawn.
        assert!(roster::resolve(&store, &town, &run, "K2", " ", true).is_err());
        roster::resolve(&store, &town, &run, "K2", "经核实已迁出，撤回", true).unwrap();
        let rows = roster::roster(&store, &admin, &run, &code(COUNTY)).unwrap();
        let states: Vec<(&str, RosterState)> = rows
            .iter()
            .map(|r| (r.person_no.as_str(), r.state))
            .collect();
        assert_eq!(
            states,
            vec![
                ("K1", RosterState::Approved),
                ("K2", RosterState::Withdrawn)
            ],
            "{l}"
        );
        assert_eq!(rows[1].objection.as_deref(), Some("该儿童已随父母迁往外省"));
        assert_eq!(rows[1].resolution.as_deref(), Some("经核实已迁出，撤回"));
        // No objection on an approved row.
        assert!(roster::object(&store, &village, &run, "K1", "x").is_err());
        // Every step is in the audit log: propose ×2, review, notice, object, approve, resolve.
        let steps = store
            .audit_entries(&AuditQuery {
                record_type: Some("benefit_run".into()),
                record_id: Some(id.to_string()),
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        // The run's own creation, then the seven steps.
        assert_eq!(steps.len(), 8, "{l}");
    }
}
