//! The archive: every report kept with its register version, author, time, hash
//! and file; regenerated "as of" its version after a later correction it gives
//! the same figures and the same file.

use crate::common::{docx_text, table_line, EngineSource};
use renkou_domain::person::Field;
use renkou_domain::EventKind;
use renkou_reports::archive::{self, sha256_hex};
use renkou_reports::tables::ReportTables;
use renkou_reports::{Format, Kind, Request, MIGRATIONS};
use renkou_stats::Period;
use renkou_store::Actor;
use renkou_testkit::*;

fn request(kind: Kind, region: &str, format: Format, as_of: Option<i64>) -> Request {
    Request {
        kind,
        region: code(region),
        period: Period::year(2024),
        format,
        as_of,
    }
}

/// 一村's line of the statistical form: 年中人口, 出生合计, 男, 女, 一孩, 二孩, 三孩+, …
fn village_births(docx: &[u8]) -> (String, String) {
    let text = docx_text(docx);
    let line = table_line(&text, "一村");
    (line[0].to_string(), line[1].to_string())
}

#[test]
fn a_report_regenerated_as_of_its_version_ignores_a_later_correction() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let source = EngineSource {
            store: &store,
            targets: Vec::new(),
            activities: Vec::new(),
        };
        let op = Actor::operator("tester");
        let first = archive::generate(
            &store,
            &op,
            &source,
            &request(Kind::Statistical, COUNTY, Format::Docx, None),
            None,
        )
        .unwrap();
        assert_eq!(
            first.register_version,
            store.last_event_seq().unwrap(),
            "{}",
            db.label
        );
        assert_eq!(first.sha256, sha256_hex(&first.bytes));
        // 一村 in 2024: P = 6 (O1 of the merged village counts here), one birth (C2).
        assert_eq!(
            village_births(&first.bytes),
            ("5".into(), "1".into()),
            "{}",
            db.label
        );

        // A correction after the report: C2 was born in 2023, not 2024.
        store
            .write(&op, |tx| {
                tx.record_event(
                    "C2",
                    EventKind::Correction {
                        field: Field::BirthDate,
                        old: "2024-02-10".into(),
                        new: "2023-02-10".into(),
                        reason: "出生日期错报".into(),
                    },
                    "test",
                )
            })
            .unwrap();

        let now = archive::generate(
            &store,
            &op,
            &source,
            &request(Kind::Statistical, COUNTY, Format::Docx, None),
            None,
        )
        .unwrap();
        assert!(now.register_version > first.register_version);
        assert_eq!(
            village_births(&now.bytes).1,
            "0",
            "{}: the correction counts now",
            db.label
        );
        assert_ne!(now.sha256, first.sha256);

        let again = archive::regenerate(&store, &op, &source, first.id, None).unwrap();
        assert_eq!(again.register_version, first.register_version);
        assert_eq!(
            village_births(&again.bytes),
            village_births(&first.bytes),
            "{}",
            db.label
        );
        assert_eq!(
            again.sha256, first.sha256,
            "{}: the same file, byte for byte",
            db.label
        );

        // The same with --as-of given by hand, as xlsx.
        let x1 = archive::generate(
            &store,
            &op,
            &source,
            &request(
                Kind::Statistical,
                COUNTY,
                Format::Xlsx,
                Some(first.register_version),
            ),
            None,
        )
        .unwrap();
        let x2 = archive::generate(
            &store,
            &op,
            &source,
            &request(
                Kind::Statistical,
                COUNTY,
                Format::Xlsx,
                Some(first.register_version),
            ),
            None,
        )
        .unwrap();
        assert_eq!(
            x1.sha256, x2.sha256,
            "{}: xlsx is deterministic too",
            db.label
        );

        // The archive keeps all four, newest first, with their files.
        let list = archive::list(&store, &op).unwrap();
        assert_eq!(list.len(), 5, "{}", db.label);
        assert_eq!(list[0].id, x2.id);
        let kept = list.iter().find(|r| r.id == first.id).unwrap();
        assert_eq!(kept.register_version, first.register_version);
        assert_eq!(kept.generated_by, "tester");
        assert_eq!(kept.kind, "statistical");
        assert_eq!(kept.period, "2024");
        assert_eq!(kept.status, "drafted");
        let (_, bytes) = archive::file(&store, &op, first.id).unwrap().unwrap();
        assert_eq!(sha256_hex(&bytes), kept.sha256);
        assert_eq!(bytes.len() as i64, kept.size);
    }
}

#[test]
fn as_of_the_last_event_reads_what_the_current_state_holds() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let last = store.last_event_seq().unwrap();
        let from = Some(d(2024, 1, 1));
        let now = store.stat_rows(from).unwrap();
        let then = store.stat_rows_as_of(last, from).unwrap();
        let key = |rows: &renkou_store::stats::StatRows| {
            let mut v: Vec<_> = rows
                .rows
                .iter()
                .map(|r| {
                    (
                        rows.region_codes[r.region as usize].clone(),
                        r.birth_date,
                        r.death_date,
                        r.mother_birth_date,
                        r.birth_order,
                        format!("{:?}{:?}", r.sex, r.residence),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(key(&now), key(&then), "{}", db.label);
        // Before the import's last event, fewer persons existed.
        let earlier = store.stat_rows_as_of(last - 3, from).unwrap();
        assert_eq!(earlier.rows.len(), now.rows.len() - 3, "{}", db.label);
        assert!(store.stat_rows_as_of(0, from).unwrap().rows.is_empty());
    }
}

#[test]
fn the_archive_is_scoped_and_a_report_goes_up() {
    use renkou_domain::account::{Role, Scope};
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let source = EngineSource {
            store: &store,
            targets: Vec::new(),
            activities: Vec::new(),
        };
        let town = Actor::account(
            "town",
            "127.0.0.1",
            Scope {
                role: Role::TownshipStaff,
                region: code(TOWN_A),
            },
        );
        let county = Actor::account(
            "county",
            "127.0.0.1",
            Scope {
                role: Role::CountyAdmin,
                region: code(COUNTY),
            },
        );
        // Township staff cannot make the county's or the other township's report.
        for region in [COUNTY, TOWN_B] {
            let e = archive::generate(
                &store,
                &town,
                &source,
                &request(Kind::Statistical, region, Format::Docx, None),
                None,
            )
            .unwrap_err();
            assert!(
                matches!(e, renkou_reports::Error::OutOfArea(_)),
                "{}: {e}",
                db.label
            );
        }
        let mine = archive::generate(
            &store,
            &town,
            &source,
            &request(Kind::Statistical, TOWN_A, Format::Docx, None),
            None,
        )
        .unwrap();
        let theirs = archive::generate(
            &store,
            &county,
            &source,
            &request(Kind::Statistical, TOWN_B, Format::Xlsx, None),
            None,
        )
        .unwrap();
        let seen: Vec<i64> = archive::list(&store, &town)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(seen, vec![mine.id], "{}", db.label);
        assert!(archive::file(&store, &town, theirs.id).unwrap().is_none());
        assert_eq!(archive::list(&store, &county).unwrap().len(), 2);

        // drafted → submitted (the township) → received (the county), each once.
        assert!(archive::advance(&store, &town, mine.id, "received").is_err());
        let r = archive::advance(&store, &town, mine.id, "submitted").unwrap();
        assert_eq!(
            (r.status.as_str(), r.status_by.as_deref()),
            ("submitted", Some("town"))
        );
        assert!(archive::advance(&store, &town, mine.id, "submitted").is_err());
        let r = archive::advance(&store, &county, mine.id, "received").unwrap();
        assert_eq!(
            (r.status.as_str(), r.status_by.as_deref()),
            ("received", Some("county"))
        );
        assert_eq!(
            store.archived_report(mine.id).unwrap().unwrap().status,
            "received"
        );
    }
}
