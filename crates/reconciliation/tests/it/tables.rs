//! The reconciliation tables on both databases: a source with its description, the
//! register's births with derived birth order, items, the queue's filters and paging,
//! decisions in bulk, a fix writing its correction event atomically, assignment.

use renkou_domain::event::EventKind;
use renkou_domain::person::Field;
use renkou_domain::{
    Date, IdNumber, MaritalStatus, PersonRecord, Region, RegionCode, Residence, Sex, SourceBirth,
};
use renkou_reconciliation::rules::{DiffField, ItemClass, ReviewStatus};
use renkou_reconciliation::tables::{
    self, ItemFilter, NewItem, NewReconciliation, ReconciliationTables, ReviewUpdate, SourceMeta,
};
use renkou_store::audit::AuditQuery;
use renkou_store::testing::databases;
use renkou_store::{Actor, ImportMeta, Store};

fn all_audit(store: &Store) -> usize {
    store
        .audit_entries(&AuditQuery {
            limit: 10_000,
            ..Default::default()
        })
        .unwrap()
        .len()
}

fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd_opt(y, m, dd).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn region(c: &str, name: &str) -> Region {
    Region {
        code: code(c),
        name: name.into(),
        valid_from: None,
        valid_to: None,
        successor: None,
    }
}

fn person(no: &str, sex: Sex, birth: Date, village: &str, mother: Option<&str>) -> PersonRecord {
    PersonRecord {
        person_no: no.into(),
        name: format!("测试{no}"),
        sex,
        birth_date: birth,
        id_number: Some(IdNumber::compose(349901, birth, 20)),
        household_no: format!("H-{village}"),
        region_code: code(village),
        marital_status: MaritalStatus::NotStated,
        mother_no: mother.map(str::to_string),
        father_no: None,
        residence: Residence::Resident,
        phone: None,
        death_date: None,
        relation: None,
    }
}

fn setup(store: &Store) {
    store
        .upsert_regions(&[
            region("349901000000", "演示县"),
            region("349901101000", "甲镇"),
            region("349901101201", "一村"),
            region("349901101202", "二村"),
        ])
        .unwrap();
    let v1 = "349901101201";
    let mut s = store
        .begin_person_import(ImportMeta {
            kind: "persons",
            file_name: "p.csv".into(),
            source: None,
            actor: Actor::operator("test"),
        })
        .unwrap();
    for p in [
        person("M1", Sex::Female, d(1990, 1, 1), v1, None),
        person("C1", Sex::Male, d(2020, 5, 1), v1, Some("M1")),
        person("C2", Sex::Female, d(2024, 3, 1), v1, Some("M1")),
        person("C3", Sex::Male, d(2024, 7, 1), "349901101202", None),
        person("C9", Sex::Male, d(2023, 7, 1), v1, None),
    ] {
        s.push(&p, None).unwrap();
    }
    s.commit(&[], &[], |_, _| Ok(())).unwrap();
}

fn birth(id: &str, date: Date) -> SourceBirth {
    SourceBirth {
        record_id: id.into(),
        child_name: None,
        child_sex: Sex::Female,
        birth_date: Some(date),
        reported_birth_order: Some(2),
        mother_name: Some("测试M1".into()),
        mother_id_number: None,
        mother_birth_date: Some(d(1990, 1, 1)),
        father_name: None,
        father_id_number: None,
        region_code: Some(code("349901101201")),
        place: None,
        raw: Default::default(),
        flags: Vec::new(),
    }
}

#[test]
fn sources_register_births_items_and_review() {
    for db in databases() {
        let store = db.store_with(&[&renkou_reconciliation::MIGRATIONS]);
        setup(&store);
        let l = &db.label;

        // A source with its description, in the import's transaction.
        let mut imp = store
            .begin_birth_import(ImportMeta {
                kind: "births",
                file_name: "h.csv".into(),
                source: Some("县医院".into()),
                actor: Actor::operator("test"),
            })
            .unwrap();
        imp.push(&birth("H1", d(2024, 3, 1)), None).unwrap();
        imp.push(&birth("H2", d(2024, 9, 9)), None).unwrap();
        imp.push(&birth("H3", d(2023, 1, 1)), None).unwrap();
        let meta = SourceMeta {
            name: "县医院".into(),
            kind: "hospital".into(),
            region: code("349901101000"),
            from: d(2024, 1, 1),
            to: d(2024, 12, 31),
            file_name: "h.csv".into(),
            imported_by: "test".into(),
        };
        let mut sid = 0;
        let counts = imp
            .commit(&[], |tx, c| {
                sid = tables::describe_source(tx, &meta, c.import_id)?;
                Ok(())
            })
            .unwrap();
        assert_eq!(counts.new, 3, "{l}");
        let src = store.source(sid).unwrap().unwrap();
        assert_eq!((src.rows, src.kind.as_str()), (3, "hospital"), "{l}");
        assert_eq!(src.period_to, d(2024, 12, 31));
        // Importing again updates the description, not a second source.
        let imp = store
            .begin_birth_import(ImportMeta {
                kind: "births",
                file_name: "h2.csv".into(),
                source: Some("县医院".into()),
                actor: Actor::operator("test"),
            })
            .unwrap();
        let mut sid2 = 0;
        imp.commit(&[], |tx, c| {
            sid2 = tables::describe_source(tx, &meta, c.import_id)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(sid, sid2, "{l}");
        assert_eq!(store.sources().unwrap().len(), 1);

        let township = code("349901101000");
        let sb = store
            .source_births_in("县医院", &township, d(2024, 1, 1), d(2024, 12, 31))
            .unwrap();
        assert_eq!(
            sb.iter().map(|b| b.record_id.as_str()).collect::<Vec<_>>(),
            ["H1", "H2"],
            "{l}"
        );

        // Register births of the period, birth order derived from all of M1's
        // children (C1 born 2020 is outside the period but still counts).
        let rb = store
            .register_births(&township, d(2024, 1, 1), d(2024, 12, 31))
            .unwrap();
        assert_eq!(rb.len(), 2, "{l}");
        assert_eq!(rb[0].person_no, "C2");
        assert_eq!(rb[0].birth_order, Some(2), "{l}");
        assert_eq!(rb[0].mother_name.as_deref(), Some("测试M1"));
        assert_eq!(rb[1].birth_order, None);
        assert_eq!(
            store.register_birth("C1").unwrap().unwrap().birth_order,
            Some(1)
        );

        let item = |class, s: Option<&str>, p: Option<&str>, village: &str| NewItem {
            class,
            source_record_id: s.map(str::to_string),
            person_no: p.map(str::to_string),
            duplicate_of: None,
            match_probability: s.and(p).map(|_| 0.75),
            match_weight: None,
            diffs: if class == ItemClass::Disagree {
                vec![DiffField::Sex, DiffField::BirthDate]
            } else {
                vec![]
            },
            village_code: village.into(),
        };
        let items = vec![
            item(ItemClass::Disagree, Some("H1"), Some("C2"), "349901101201"),
            item(ItemClass::SourceOnly, Some("H2"), None, "349901101201"),
            item(ItemClass::RegisterOnly, None, Some("C3"), "349901101202"),
        ];
        let rid = store
            .write(&Actor::operator("test"), |tx| {
                tables::save_reconciliation(
                    tx,
                    &NewReconciliation {
                        source_id: sid,
                        region: township.clone(),
                        from: d(2024, 1, 1),
                        to: d(2024, 12, 31),
                        register_births: 2,
                        source_births: 2,
                        model_json: "{}".into(),
                        models_json: String::new(),
                        trust_json: String::new(),
                        created_by: "test".into(),
                    },
                    &items,
                )
            })
            .unwrap();
        let rec = store.reconciliation(rid).unwrap().unwrap();
        assert_eq!(rec.source_name, "县医院", "{l}");
        // A village worker of 二村 sees the township's reconciliation.
        assert_eq!(
            store
                .reconciliations(Some(&code("349901101202")))
                .unwrap()
                .len(),
            1
        );

        // Queue: filters and paging.
        let all = ItemFilter {
            limit: 50,
            ..Default::default()
        };
        let (page, total) = store.reconciliation_items(rid, &all).unwrap();
        assert_eq!((page.len(), total), (3, 3), "{l}");
        assert_eq!(page[0].diffs, vec![DiffField::Sex, DiffField::BirthDate]);
        assert_eq!(page[0].match_probability, Some(0.75), "{l}");
        let (page, total) = store
            .reconciliation_items(
                rid,
                &ItemFilter {
                    area: Some(code("349901101201")),
                    limit: 1,
                    offset: 1,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!((page.len(), total), (1, 2), "{l}");
        assert_eq!(page[0].class, ItemClass::SourceOnly);
        let (_, n) = store
            .reconciliation_items(
                rid,
                &ItemFilter {
                    class: Some(ItemClass::RegisterOnly),
                    limit: 10,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(n, 1);

        // Assign, then bulk confirm.
        let ids: Vec<i64> = store
            .reconciliation_items(rid, &all)
            .unwrap()
            .0
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(
            store
                .write(&Actor::operator("admin"), |tx| tables::assign_items(
                    tx,
                    &ids[1..],
                    Some("cun")
                ))
                .unwrap(),
            2
        );
        let (_, n) = store
            .reconciliation_items(
                rid,
                &ItemFilter {
                    assigned_to: Some("cun".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(n, 2, "{l}");
        let upd = ReviewUpdate {
            status: ReviewStatus::Confirmed,
            note: Some("已核实"),
        };
        let cun = Actor::operator("cun");
        let review = |ids: &[i64], u: &ReviewUpdate| {
            store.write(&cun, |tx| tables::review_items(tx, ids, u))
        };
        assert_eq!(review(&ids[1..], &upd).unwrap(), 2);
        let it = store.reconciliation_item(ids[2]).unwrap().unwrap();
        assert_eq!(it.status, ReviewStatus::Confirmed, "{l}");
        assert_eq!(it.reviewed_by.as_deref(), Some("cun"));
        assert!(it.reviewed_at.is_some());

        // A fix with a stale old value changes nothing at all.
        let correction = |old: &str| EventKind::Correction {
            field: Field::Sex,
            old: old.into(),
            new: "1".into(),
            reason: "核对：医院出生医学证明为男 / hospital certificate says male".into(),
        };
        let fix_item = |id: i64, k: EventKind, u: &ReviewUpdate| {
            store.write(&cun, |tx| tables::fix_item(tx, id, "C2", k, "核对 1", u))
        };
        let fix = ReviewUpdate {
            status: ReviewStatus::Fixed,
            ..upd.clone()
        };
        let audit_before = all_audit(&store);
        assert!(fix_item(ids[0], correction("1"), &fix).is_err());
        assert_eq!(
            store.reconciliation_item(ids[0]).unwrap().unwrap().status,
            ReviewStatus::Open,
            "{l}"
        );
        assert_eq!(all_audit(&store), audit_before);
        let seq = fix_item(ids[0], correction("2"), &fix).unwrap();
        let it = store.reconciliation_item(ids[0]).unwrap().unwrap();
        assert_eq!(
            (it.status, it.event_seq),
            (ReviewStatus::Fixed, Some(seq)),
            "{l}"
        );
        assert_eq!(store.person("C2").unwrap().unwrap().sex, Sex::Male);
        assert!(store
            .person_events("C2")
            .unwrap()
            .iter()
            .any(|e| matches!(e.event.kind, EventKind::Correction { .. })));
        // Fixing through review_items is refused: a fix needs its event.
        assert!(review(&ids[..1], &fix).is_err());
        // A fixed item stays fixed.
        assert_eq!(review(&ids[..1], &upd).unwrap(), 0, "{l}");
        assert_eq!(
            store.reconciliation_item(ids[0]).unwrap().unwrap().status,
            ReviewStatus::Fixed
        );
        assert_eq!(
            store
                .source_birth("县医院", "H2")
                .unwrap()
                .unwrap()
                .birth_date,
            Some(d(2024, 9, 9))
        );
        assert!(store.source_birth("县医院", "H9").unwrap().is_none());

        let counts = store.reconciliation_counts(rid, None).unwrap();
        assert_eq!(counts.len(), 3);
        let village2 = store
            .reconciliation_counts(rid, Some(&code("349901101202")))
            .unwrap();
        assert_eq!(village2.len(), 1, "{l}");
        assert_eq!(village2[0].class, ItemClass::RegisterOnly);
        store.verify_audit().unwrap().unwrap();
    }
}
