//! Imports of persons files by accounts with an area, on both databases: a file may
//! not name (and so pull in, or learn about) a person of another area, nor link to
//! parents there; an older file does not silently undo an edit made after the
//! last import; and the import's audit entry is in the import's transaction.

use renkou_domain::account::{Role, Scope};
use renkou_domain::event::EventKind;
use renkou_domain::PersonRecord;
use renkou_register::import::import_persons;
use renkou_register::AppError;
use renkou_store::audit::AuditQuery;
use renkou_store::{Actor, ImportOptions, Store};
use renkou_testkit::*;
use std::path::{Path, PathBuf};

const HEADER: &str = "person_id,name,sex,birth_date,id_number,household_id,region_code,marital_status,mother_id,father_id,residence,phone,death_date,relation";

fn write_file(dir: &Path, name: &str, persons: &[PersonRecord]) -> PathBuf {
    let mut text = format!("{HEADER}\n");
    for p in persons {
        text.push_str(&p.to_cells().join(","));
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

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

fn import_audits(store: &Store) -> usize {
    store
        .audit_entries(&AuditQuery {
            action: Some("import".into()),
            limit: 1000,
            ..Default::default()
        })
        .unwrap()
        .len()
}

#[test]
fn a_file_cannot_pull_in_a_person_of_another_area() {
    for db in databases() {
        let store = db.store();
        load(&store, &register());
        let dir = tempfile::tempdir().unwrap();
        // K1 lives in 三村 (another township); the row puts them in our village.
        let mut k1 = store.person("K1").unwrap().unwrap();
        let before = k1.clone();
        k1.name = "某某".into();
        k1.region_code = code(V1);
        k1.household_no = household_of(V1);
        let mut ours = person("NEW1", renkou_domain::Sex::Female, d(1999, 9, 9), V1);
        // A parent of another area is "not found", like a number nobody has.
        ours.mother_no = Some("M2".into());
        let path = write_file(dir.path(), "harvest.csv", &[k1, ours]);
        for dry_run in [true, false] {
            let mut opts = ImportOptions::by(worker());
            opts.dry_run = dry_run;
            match import_persons(&store, &path, &opts, &renkou_domain::progress::NoProgress) {
                Err(AppError::InvalidRows { errors, .. }) => {
                    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    assert!(
                        text.iter().any(|e| e.contains("harvest.csv:2:person_id") && e.contains("outside")),
                        "{}: {text:?}",
                        db.label
                    );
                    assert!(
                        text.iter().any(|e| e.contains("harvest.csv:3:mother_id") && e.contains("neither")),
                        "{}: {text:?}",
                        db.label
                    );
                    // Nothing about K1 beyond "not yours" is said.
                    assert!(!text.iter().any(|e| e.contains("测试K1")), "{text:?}");
                }
                other => panic!("{}: expected row errors, got {other:?}", db.label),
            }
        }
        assert_eq!(store.person("K1").unwrap().unwrap(), before, "{}", db.label);
        assert!(store.person("NEW1").unwrap().is_none());
        assert_eq!(import_audits(&store), 0);
    }
}

#[test]
fn an_older_file_does_not_undo_a_newer_death() {
    for db in databases() {
        let store = db.store();
        let persons = register();
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "ledger-2024-10.csv", &persons);
        let opts = ImportOptions::by(Actor::operator("clerk"));
        let np = &renkou_domain::progress::NoProgress;
        store.upsert_regions(&tree()).unwrap();
        import_persons(&store, &path, &opts, np).unwrap();
        assert_eq!(
            import_audits(&store),
            1,
            "{}: audited with the import",
            db.label
        );
        // A death recorded on the web after the import.
        renkou_register::events::record_event(
            &store,
            &worker(),
            "W3",
            EventKind::Death {
                date: d(2025, 2, 1),
            },
            "web",
        )
        .unwrap();
        // Last month's file again: the preview lists the field, the import keeps
        // the death.
        let mut preview = opts.clone();
        preview.dry_run = true;
        let r = import_persons(&store, &path, &preview, np).unwrap();
        assert_eq!(r.conflicts.len(), 1, "{}: {:?}", db.label, r.conflicts);
        let c = &r.conflicts[0];
        assert_eq!(
            (
                c.person_no.as_str(),
                c.field.as_str(),
                c.register.as_str(),
                c.file.as_str()
            ),
            ("W3", "death_date", "2025-02-01", "")
        );
        assert_eq!(c.edited_by, "cun1");
        assert_eq!(c.row, 7);
        let r = import_persons(&store, &path, &opts, np).unwrap();
        assert_eq!(r.counts.corrected, 0, "{}", db.label);
        assert!(!r.conflicts[0].overwritten);
        assert_eq!(
            store.person("W3").unwrap().unwrap().death_date,
            Some(d(2025, 2, 1))
        );
        // Only when the importer chooses the file's values is the death undone.
        let mut take = opts.clone();
        take.overwrite_newer = true;
        let r = import_persons(&store, &path, &take, np).unwrap();
        assert_eq!(r.counts.corrected, 1, "{}", db.label);
        assert_eq!(store.person("W3").unwrap().unwrap().death_date, None);
        renkou_store::verify::verify_register(&store).unwrap();
    }
}
