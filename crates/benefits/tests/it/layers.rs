//! County parameter layers in the database, on both databases: the county raises
//! 育儿补贴 from July (one layer, audited, a new version); a run of the year after it
//! computes January-June exactly as the run before it did and July-December at the
//! new rate, and the run saved before keeps its figures. Township staff cannot add
//! a layer, and a layer cannot reach back before the day it takes effect.
//!
//! By hand: C2 (一村, born 2024-02-10) is under 3 all of 2025. Before: 12 × 300 =
//! 3600.00. After a raise to 4800 a year (400 a month) from 2025-07-01: 6 × 300 +
//! 6 × 400 = 4200.00.

use renkou_benefits::layers;
use renkou_benefits::rules::{Month, Program, Yuan};
use renkou_benefits::runs::{self, Request};
use renkou_benefits::{tables, Error, MIGRATIONS};
use renkou_domain::account::{Role, Scope};
use renkou_store::audit::AuditQuery;
use renkou_store::{Actor, StoreError};
use renkou_testkit::{code, d, load, register, stores, COUNTY, TOWN_A, V1};

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

fn y(s: &str) -> Yuan {
    Yuan::parse(s).unwrap()
}

#[test]
fn a_raise_from_july_leaves_the_first_half_computed_as_it_was() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        let l = db.label;
        load(&store, &register());
        let county = account(Role::CountyAdmin, COUNTY);
        let req = Request {
            program: Program::Childcare,
            area: code(V1),
            year: 2025,
        };
        let before = layers::effective(&store).unwrap();
        assert_eq!(before.version(), 1);
        let (first_id, first) = runs::run_and_save(&store, &county, &req, &before).unwrap();
        assert_eq!(first.run.total(), y("3600.00"), "{l}");

        // Township staff may not change the county's parameters.
        let r = layers::change_value(
            &store,
            &account(Role::TownshipStaff, TOWN_A),
            "childcare.amount",
            d(2025, 7, 1),
            "4800",
            "县卫健〔2025〕12号",
            true,
        );
        assert!(
            matches!(r, Err(Error::Store(StoreError::Forbidden))),
            "{r:?}"
        );
        // A value needs a reference.
        assert!(layers::change_value(
            &store,
            &county,
            "childcare.amount",
            d(2025, 7, 1),
            "4800",
            " ",
            true
        )
        .is_err());
        let version = layers::change_value(
            &store,
            &county,
            "childcare.amount",
            d(2025, 7, 1),
            "4800",
            "县卫健〔2025〕12号",
            true,
        )
        .unwrap();
        assert_eq!(version, 2, "{l}");

        // A layer that reaches back before its own effective day is refused, and so
        // is one that does not say from when it takes effect.
        let back = r#"
[layer]
name = "county-back"
title = "reaches back"
recorded_by = "x"
recorded_at = "2025-08-01"
effective_from = "2025-07-01"
[[parameter]]
key = "childcare.amount"
[[parameter.values]]
valid_from = "2025-01-01"
value = "6000"
reference = "x"
confirmed_by_county = true
"#;
        assert!(layers::add_layer(&store, &county, back).is_err());
        let undated = back
            .replace("effective_from = \"2025-07-01\"\n", "")
            .replace("county-back", "county-undated");
        assert!(layers::add_layer(&store, &county, &undated).is_err());

        let after = layers::effective(&store).unwrap();
        assert_eq!(after.version(), 2);
        let (second_id, second) = runs::run_and_save(&store, &county, &req, &after).unwrap();
        assert_eq!(second.run.total(), y("4200.00"), "{l}");
        let months = |c: &runs::Computed| -> Vec<(Month, Yuan)> {
            c.run.determinations[0]
                .due
                .iter()
                .map(|m| (m.month, m.amount))
                .collect()
        };
        let (a, b) = (months(&first), months(&second));
        assert_eq!(a[..6], b[..6], "{l}: January-June as computed before");
        assert!(
            b[6..].iter().all(|(_, amount)| *amount == y("400.00")),
            "{b:?}"
        );
        assert!(a[6..].iter().all(|(_, amount)| *amount == y("300.00")));
        // The run saved before keeps its version and figures; version 1 still
        // reproduces it.
        let saved = store
            .with(|c| tables::run_info(c, first_id))
            .unwrap()
            .unwrap();
        assert_eq!(
            (saved.parameters_version, saved.total),
            (1, y("3600.00")),
            "{l}"
        );
        let again = store
            .with(|c| tables::run_info(c, second_id))
            .unwrap()
            .unwrap();
        assert_eq!(again.parameters_version, 2);
        let v1 = after.at_version(1).unwrap();
        let (_, replay) = runs::run_and_save(&store, &county, &req, &v1).unwrap();
        assert_eq!(replay.run.total(), y("3600.00"));
        // Listed and audited.
        let listed = layers::list(&store).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].version, listed[0].effective_from),
            (2, Some(d(2025, 7, 1)))
        );
        let audited = store
            .audit_entries(&AuditQuery {
                record_type: Some("benefit_parameter_layer".into()),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(audited.len(), 1, "{l}");
        assert!(audited[0].fields.contains("keys=childcare.amount"));
    }
}
