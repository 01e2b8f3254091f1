//! The domain's tables on both databases: targets versioned and audited, user-defined indicators saved, replaced and retired.

use renkou_indicators::tables::{self, IndicatorTables, TargetInput};
use renkou_store::Actor;
use renkou_testkit::*;

#[test]
fn targets_are_versioned_and_audited() {
    for (db, store) in stores(&[&renkou_indicators::MIGRATIONS]) {
        store.upsert_regions(&tree()).unwrap();
        let t = |region: &str, value: f64| TargetInput {
            indicator: "cbr".into(),
            region: code(region),
            year: 2025,
            direction: "higher".into(),
            value,
            band_low: None,
            band_high: None,
            note: String::new(),
        };
        store
            .write(&Actor::operator("tongji"), |tx| {
                tables::set_target(tx, &t("349901101201", 10.0))
            })
            .unwrap();
        store
            .write(&Actor::operator("admin"), |tx| {
                tables::set_target(tx, &t("349901101201", 11.5))
            })
            .unwrap();
        store
            .write(&Actor::operator("admin"), |tx| {
                tables::set_target(tx, &t("349901102201", 9.0))
            })
            .unwrap();
        let current = store.targets_in(&code("349901101000"), 2025).unwrap();
        assert_eq!(current.len(), 1, "{}", db.label);
        assert_eq!(current[0].value, 11.5);
        assert_eq!(current[0].set_by, "admin");
        assert_eq!(
            store.targets_in(&code("349901000000"), 2025).unwrap().len(),
            2
        );
        assert!(store
            .targets_in(&code("349901000000"), 2024)
            .unwrap()
            .is_empty());
        let history = store
            .target_history("cbr", &code("349901101201"), 2025)
            .unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].value, 10.0);
        assert_eq!(history[1].set_by, "tongji");
        assert_eq!(history[1].superseded_by.as_deref(), Some("admin"));
        assert!(history[0].superseded_at.is_none());
        // All or nothing: a batch with an unknown region writes nothing.
        let bad = vec![t("349901101202", 1.0), t("349901109999", 1.0)];
        assert!(store
            .write(&Actor::operator("admin"), |tx| {
                for x in &bad {
                    tables::set_target(tx, x)?;
                }
                Ok::<_, renkou_store::StoreError>(())
            })
            .is_err());
        assert!(store
            .targets_in(&code("349901101202"), 2025)
            .unwrap()
            .is_empty());
        assert!(store
            .write(&Actor::operator("admin"), |tx| tables::clear_target(
                tx,
                "cbr",
                &code("349901102201"),
                2025
            ))
            .unwrap());
        assert_eq!(
            store.targets_in(&code("349901000000"), 2025).unwrap().len(),
            1
        );
        let audit = store
            .audit_entries(&renkou_store::audit::AuditQuery {
                record_type: Some("target".into()),
                limit: 100,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(audit.len(), 4, "{}", db.label);
        // User-defined indicators: saved, replaced, retired.
        store
            .write(&Actor::operator("tongji"), |tx| {
                tables::save_user_indicator(tx, "teen_births", "{\"v\":1}")
            })
            .unwrap();
        store
            .write(&Actor::operator("tongji"), |tx| {
                tables::save_user_indicator(tx, "teen_births", "{\"v\":2}")
            })
            .unwrap();
        let defs = store.user_indicators(false).unwrap();
        assert_eq!(defs.len(), 1);
        assert_eq!(defs[0].definition, "{\"v\":2}");
        assert!(store
            .write(&Actor::operator("tongji"), |tx| {
                tables::retire_user_indicator(tx, "teen_births")
            })
            .unwrap());
        assert!(store.user_indicators(false).unwrap().is_empty());
        assert_eq!(store.user_indicators(true).unwrap().len(), 1);
    }
}
