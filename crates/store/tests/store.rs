//! The store's test story: every test runs on SQLite and on PostgreSQL.

use renkou_domain::birth::{SourceFlag, SourceRaw};
use renkou_domain::event::{fold, EventKind, PersonEvent};
use renkou_domain::person::Field;
use renkou_domain::quality::{QualityIssue, QualityKind};
use renkou_domain::{
    Date, IdNumber, MaritalStatus, PersonRecord, Region, RegionCode, Residence, Sex, SourceBirth,
};
use renkou_store::testing::databases;
use renkou_store::{Actor, AuditAction, AuditNote, ImportMeta, RecordKind, Store};

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

fn tree() -> Vec<Region> {
    vec![
        region("349901000000", "演示县"),
        region("349901101000", "甲镇"),
        region("349901101201", "一村"),
        region("349901101202", "二村"),
        region("349901102000", "乙乡"),
        region("349901102201", "三村"),
    ]
}

fn person(no: &str, sex: Sex, birth: Date, village: &str) -> PersonRecord {
    PersonRecord {
        person_no: no.into(),
        name: format!("测试{no}"),
        sex,
        birth_date: birth,
        id_number: Some(IdNumber::compose(
            349901,
            birth,
            if sex == Sex::Male { 11 } else { 12 },
        )),
        household_no: format!("H-{village}-1"),
        region_code: code(village),
        marital_status: MaritalStatus::NotStated,
        mother_no: None,
        father_no: None,
        residence: Residence::Resident,
        phone: None,
        death_date: None,
        relation: None,
    }
}

fn meta(file: &str) -> ImportMeta {
    ImportMeta {
        kind: "persons",
        file_name: file.into(),
        source: None,
        actor: Actor::operator("test"),
    }
}

/// Records an event as the server's operator would (the event's own number).
fn record(store: &Store, e: &PersonEvent) -> renkou_store::Result<i64> {
    store.write(&Actor::operator(e.recorded_by.clone()), |tx| tx.record(e))
}

fn family() -> Vec<PersonRecord> {
    let mut mother = person("M1", Sex::Female, d(1990, 2, 28), "349901101201");
    mother.marital_status = MaritalStatus::FirstMarriage;
    let mut a = person("C2", Sex::Male, d(2015, 6, 1), "349901101201");
    a.mother_no = Some("M1".into());
    let mut b = person("C1", Sex::Female, d(2018, 3, 3), "349901101201");
    b.mother_no = Some("M1".into());
    // Twins: same day, ordered by person number.
    let mut t1 = person("C4", Sex::Male, d(2020, 1, 1), "349901101201");
    t1.mother_no = Some("M1".into());
    t1.id_number = None;
    let mut t2 = person("C3", Sex::Female, d(2020, 1, 1), "349901101201");
    t2.mother_no = Some("M1".into());
    let other = person("X1", Sex::Male, d(1970, 1, 1), "349901102201");
    vec![mother, a, b, t1, t2, other]
}

fn load(store: &Store, persons: &[PersonRecord], file: &str) -> renkou_store::ImportCounts {
    let mut s = store.begin_person_import(meta(file)).unwrap();
    for p in persons {
        s.push(p, None).unwrap();
    }
    s.commit(&[], &[], |_, _| Ok(())).unwrap()
}

/// An event recorded by a clerk through a form.
fn ev(no: &str, kind: EventKind) -> PersonEvent {
    PersonEvent {
        person_no: no.into(),
        kind,
        recorded_by: "clerk".into(),
        recorded_at: String::new(),
        source: "form".into(),
    }
}

/// The architecture invariant: current state == fold of each person's events.
fn assert_invariant(store: &Store) {
    let mut by_person: std::collections::BTreeMap<String, Vec<EventKind>> = Default::default();
    store
        .for_each_event(&mut |e| {
            by_person
                .entry(e.event.person_no.clone())
                .or_default()
                .push(e.event.kind);
            Ok(())
        })
        .unwrap();
    assert_eq!(by_person.len() as i64, store.counts().unwrap().persons);
    for (no, events) in by_person {
        let folded = fold(&events).unwrap().unwrap();
        assert_eq!(Some(folded), store.person(&no).unwrap(), "person {no}");
    }
}

#[test]
fn migrations_are_idempotent() {
    for db in databases() {
        let store = Store::open(&db.url).unwrap();
        assert!(!store.is_initialised().unwrap(), "{}", db.label);
        assert!(store.require_initialised().is_err());
        let applied = store.migrate(&[]).unwrap();
        assert_eq!(applied[0], "0001_register");
        assert!(applied.contains(&"0002_accounts".to_string()));
        assert!(store.migrate(&[]).unwrap().is_empty(), "{}", db.label);
        assert!(store.is_initialised().unwrap());
    }
}

#[test]
fn regions_upsert_and_resolve_merges() {
    for db in databases() {
        let store = db.store();
        let mut regions = tree();
        let c = store.upsert_regions(&regions).unwrap();
        assert_eq!((c.new, c.changed, c.unchanged), (6, 0, 0), "{}", db.label);
        // The merge of 二村 into 一村 from 2021 on.
        regions[3].valid_to = Some(d(2021, 1, 1));
        regions[3].successor = Some(code("349901101201"));
        let c = store.upsert_regions(&regions).unwrap();
        assert_eq!((c.new, c.changed, c.unchanged), (0, 1, 5), "{}", db.label);
        let all = store.regions().unwrap();
        assert_eq!(all, regions);
        let town = code("349901101000");
        assert_eq!(store.child_regions(&town, None).unwrap().len(), 2);
        assert_eq!(
            store
                .child_regions(&town, Some(d(2022, 1, 1)))
                .unwrap()
                .len(),
            1
        );
        let merged = code("349901101202");
        assert_eq!(
            renkou_store::regions::resolve_on(&all, &merged, d(2020, 12, 31)),
            Some(merged.clone())
        );
        assert_eq!(
            renkou_store::regions::resolve_on(&all, &merged, d(2021, 1, 1)),
            Some(code("349901101201"))
        );
    }
}

#[test]
fn import_is_idempotent_and_changes_become_corrections() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let people = family();
        let c = load(&store, &people, "first.csv");
        assert_eq!(
            (c.read, c.new, c.unchanged, c.corrected),
            (6, 6, 0, 0),
            "{}",
            db.label
        );
        let before = store.counts().unwrap();
        assert_eq!(before.households, 2);

        // Same file again: nothing changes.
        let c = load(&store, &people, "first.csv");
        assert_eq!(
            (c.new, c.unchanged, c.corrected, c.events),
            (0, 6, 0, 0),
            "{}",
            db.label
        );
        let after = store.counts().unwrap();
        assert_eq!(
            (before.persons, before.events, before.households),
            (after.persons, after.events, after.households)
        );

        // A changed row: a correction per field, not a second person.
        let mut changed = people.clone();
        changed[1].name = "测试更名".into();
        changed[1].household_no = "H-new".into();
        let c = load(&store, &changed, "second.csv");
        assert_eq!(
            (c.new, c.unchanged, c.corrected, c.events),
            (0, 5, 1, 2),
            "{}",
            db.label
        );
        assert_eq!(store.counts().unwrap().persons, 6);
        let events = store.person_events("C2").unwrap();
        assert_eq!(events.len(), 3);
        assert!(matches!(events[0].event.kind, EventKind::Registered { .. }));
        let fields: Vec<Field> = events[1..]
            .iter()
            .map(|e| match &e.event.kind {
                EventKind::Correction { field, reason, .. } => {
                    assert!(reason.contains("second.csv"));
                    *field
                }
                k => panic!("unexpected {k:?}"),
            })
            .collect();
        assert_eq!(fields, vec![Field::Name, Field::HouseholdId]);
        assert_eq!(events[1].event.source, "second.csv");
        assert_eq!(store.person("C2").unwrap().unwrap(), changed[1]);
        assert_eq!(store.household_members("H-new").unwrap().len(), 1);
        assert_invariant(&store);
    }
}

#[test]
fn an_import_dropped_without_commit_writes_nothing() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        {
            let mut s = store.begin_person_import(meta("x.csv")).unwrap();
            for p in family() {
                s.push(&p, None).unwrap();
            }
            // dropped here: the use case found an invalid row
        }
        let c = store.counts().unwrap();
        assert_eq!(
            (c.persons, c.events, c.households),
            (0, 0, 0),
            "{}",
            db.label
        );
        // The connection is usable again afterwards.
        load(&store, &family(), "y.csv");
        assert_eq!(store.counts().unwrap().persons, 6);
    }
}

#[test]
fn birth_order_is_derived_from_the_mothers_children() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        load(&store, &family(), "f.csv");
        let kids = store.children_of("M1").unwrap();
        let orders: Vec<(&str, u32)> = kids
            .iter()
            .map(|k| (k.person_no.as_str(), k.birth_order))
            .collect();
        assert_eq!(
            orders,
            vec![("C2", 1), ("C1", 2), ("C3", 3), ("C4", 4)],
            "{}",
            db.label
        );
        // The SQL computation agrees with the domain rule.
        let mut sql = store.birth_orders().unwrap();
        sql.sort();
        let mut domain: Vec<(String, u32)> =
            orders.iter().map(|(n, o)| (n.to_string(), *o)).collect();
        domain.sort();
        assert_eq!(sql, domain, "{}", db.label);
    }
}

#[test]
fn recorded_events_fold_into_the_current_state() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        load(&store, &family(), "f.csv");
        // A birth: the child enters the register with a linked mother.
        let mut baby = person("C5", Sex::Female, d(2024, 5, 5), "349901101201");
        baby.mother_no = Some("M1".into());
        baby.id_number = None;
        record(&store, &ev("C5", EventKind::Birth { person: baby })).unwrap();
        assert_eq!(
            store.children_of("M1").unwrap().last().unwrap().birth_order,
            5
        );
        record(
            &store,
            &ev(
                "X1",
                EventKind::Marriage {
                    date: d(2000, 1, 1),
                    status: MaritalStatus::FirstMarriage,
                    spouse_no: None,
                },
            ),
        )
        .unwrap();
        record(
            &store,
            &ev(
                "X1",
                EventKind::Divorce {
                    date: d(2010, 1, 1),
                },
            ),
        )
        .unwrap();
        record(
            &store,
            &ev(
                "X1",
                EventKind::MoveOut {
                    date: d(2011, 1, 1),
                    destination: Some("外省".into()),
                },
            ),
        )
        .unwrap();
        record(
            &store,
            &ev(
                "X1",
                EventKind::MoveIn {
                    date: d(2012, 1, 1),
                    residence: Residence::Resident,
                    origin: None,
                    region_code: Some(code("349901101202")),
                    household_no: Some("H-moved".into()),
                },
            ),
        )
        .unwrap();
        record(
            &store,
            &ev(
                "X1",
                EventKind::HouseholdChange {
                    date: d(2013, 1, 1),
                    household_no: "H-again".into(),
                    region_code: None,
                },
            ),
        )
        .unwrap();
        record(
            &store,
            &ev(
                "C1",
                EventKind::Correction {
                    field: Field::BirthDate,
                    old: "2018-03-03".into(),
                    new: "2014-03-03".into(),
                    reason: "孩次错报".into(),
                },
            ),
        )
        .unwrap();
        record(
            &store,
            &ev(
                "X1",
                EventKind::Death {
                    date: d(2024, 2, 29),
                },
            ),
        )
        .unwrap();
        let x = store.person("X1").unwrap().unwrap();
        assert_eq!(x.marital_status, MaritalStatus::Divorced);
        assert_eq!(x.household_no, "H-again");
        assert_eq!(x.region_code, code("349901101202"));
        assert_eq!(x.death_date, Some(d(2024, 2, 29)));
        // The correction moved C1 before C2: the derived orders follow.
        let kids: Vec<String> = store
            .children_of("M1")
            .unwrap()
            .into_iter()
            .map(|k| k.person_no)
            .collect();
        assert_eq!(kids, vec!["C1", "C2", "C3", "C4", "C5"], "{}", db.label);

        // Refused events change nothing.
        let before = store.counts().unwrap().events;
        assert!(record(
            &store,
            &ev(
                "X1",
                EventKind::Death {
                    date: d(2025, 1, 1)
                }
            )
        )
        .is_err());
        assert!(record(
            &store,
            &ev(
                "C2",
                EventKind::Correction {
                    field: Field::Name,
                    old: "wrong".into(),
                    new: "x".into(),
                    reason: "r".into()
                }
            )
        )
        .is_err());
        let mut orphan = person("C9", Sex::Male, d(2024, 1, 1), "349901101201");
        orphan.mother_no = Some("NOBODY".into());
        assert!(record(&store, &ev("C9", EventKind::Birth { person: orphan })).is_err());
        assert_eq!(store.counts().unwrap().events, before, "{}", db.label);
        assert_invariant(&store);
        let history = store.person_events("X1").unwrap();
        assert_eq!(history.len(), 7);
        assert!(history
            .iter()
            .skip(1)
            .all(|e| e.event.recorded_by == "clerk"));
    }
}

#[test]
fn export_order_and_region_prefix() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        load(&store, &family(), "f.csv");
        let mut got = Vec::new();
        store
            .for_each_live_person_in(&code("349901101000"), &mut |p| {
                got.push(p.person_no);
                Ok(())
            })
            .unwrap();
        assert_eq!(got, vec!["C1", "C2", "C3", "C4", "M1"], "{}", db.label);
        let mut all = 0;
        store
            .for_each_live_person_in(&code("349901000000"), &mut |_| {
                all += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(all, 6);
        let per = store.persons_per_township().unwrap();
        assert_eq!(per.get("349901101000"), Some(&(5, 1)));
        assert_eq!(per.get("349901102000"), Some(&(1, 1)));
    }
}

#[test]
fn quality_issues_are_kept_once() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let q = QualityIssue {
            person_no: "C2".into(),
            kind: QualityKind::MotherTooYoung,
            message: "母亲生育时年龄为13岁".into(),
        };
        for _ in 0..2 {
            let mut s = store.begin_person_import(meta("f.csv")).unwrap();
            for p in family() {
                s.push(&p, None).unwrap();
            }
            s.commit(std::slice::from_ref(&q), &[], |_, _| Ok(()))
                .unwrap();
        }
        let issues = store.quality_issues(&code("349901101201")).unwrap();
        assert_eq!(issues.len(), 1, "{}", db.label);
        assert_eq!(issues[0].issue, q);
        assert!(store
            .quality_issues(&code("349901102000"))
            .unwrap()
            .is_empty());
    }
}

#[test]
fn source_births_keep_what_the_source_said_with_revisions() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let birth = SourceBirth {
            record_id: "B1".into(),
            child_name: None,
            child_sex: Sex::Male,
            birth_date: Some(d(2024, 3, 1)),
            reported_birth_order: Some(2),
            mother_name: Some("测试母".into()),
            mother_id_number: Some(IdNumber::compose(349901, d(1990, 1, 1), 2)),
            mother_birth_date: Some(d(1990, 1, 1)),
            father_name: None,
            father_id_number: None,
            region_code: Some(code("349901101201")),
            place: Some("home".into()),
            raw: SourceRaw::default(),
            flags: Vec::new(),
        };
        let m = ImportMeta {
            kind: "births",
            file_name: "hospital.csv".into(),
            source: Some("医院".into()),
            actor: Actor::operator("test"),
        };
        let mut s = store.begin_birth_import(m.clone()).unwrap();
        s.push(&birth, Some(r#"{"床号":"12"}"#)).unwrap();
        assert_eq!(s.commit(&["床号".into()], |_, _| Ok(())).unwrap().new, 1);
        let mut s = store.begin_birth_import(m.clone()).unwrap();
        s.push(&birth, None).unwrap();
        assert_eq!(
            s.commit(&[], |_, _| Ok(())).unwrap().unchanged,
            1,
            "{}",
            db.label
        );
        let mut fixed = birth.clone();
        fixed.reported_birth_order = Some(1);
        fixed.child_name = Some("测试婴".into());
        let mut s = store.begin_birth_import(m.clone()).unwrap();
        s.push(&fixed, None).unwrap();
        assert_eq!(s.commit(&[], |_, _| Ok(())).unwrap().corrected, 1);
        assert_eq!(
            store.source_births("医院").unwrap(),
            vec![fixed],
            "{}",
            db.label
        );
        assert!(store.source_births("台帐").unwrap().is_empty());
        assert_eq!(store.counts().unwrap().source_births, 1);
    }
}

/// A record the typed columns cannot hold is kept as written: no birth date but an
/// impossible one, a mother's ID number with a wrong check digit, a father's in 15
/// digits, a village the tree does not know; flags say why; a re-import that fixes
/// the ID number is a revision.
#[test]
fn source_births_keep_raw_cells_and_flags() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let id = IdNumber::compose(349901, d(1990, 1, 1), 2).to_string();
        let typo = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' });
        let birth = SourceBirth {
            record_id: "L7".into(),
            child_name: None,
            child_sex: Sex::Unknown,
            birth_date: None,
            reported_birth_order: None,
            mother_name: Some("测试母".into()),
            mother_id_number: None,
            mother_birth_date: None,
            father_name: None,
            father_id_number: Some(IdNumber::parse("349901850101123").unwrap()),
            region_code: None,
            place: None,
            raw: SourceRaw {
                child_sex: Some("M?".into()),
                birth_date: Some("2024-02-30".into()),
                birth_order: Some("二".into()),
                mother_id_number: Some(typo.clone()),
                mother_birth_date: Some("1990/13/1".into()),
                father_id_number: Some("349901850101123".into()),
                region_code: Some("349901101299".into()),
            },
            flags: vec![
                SourceFlag::BirthDateInvalid,
                SourceFlag::SexInvalid,
                SourceFlag::MotherIdCheckDigit,
                SourceFlag::FatherIdLegacy,
                SourceFlag::RegionUnknown,
            ],
        };
        let m = ImportMeta {
            kind: "births",
            file_name: "ledger.csv".into(),
            source: Some("台帐".into()),
            actor: Actor::operator("test"),
        };
        let mut s = store.begin_birth_import(m.clone()).unwrap();
        s.push(&birth, None).unwrap();
        assert_eq!(s.commit(&[], |_, _| Ok(())).unwrap().new, 1);
        let back = store.source_births("台帐").unwrap();
        assert_eq!(back, vec![birth.clone()], "{}", db.label);
        assert_eq!(back[0].mother_id_text(), typo);
        assert_eq!(back[0].birth_date_text(), "2024-02-30");
        let mut fixed = birth.clone();
        fixed.raw.mother_id_number = None;
        fixed.mother_id_number = Some(IdNumber::parse(&id).unwrap());
        fixed.flags.retain(|f| *f != SourceFlag::MotherIdCheckDigit);
        let mut s = store.begin_birth_import(m).unwrap();
        s.push(&fixed, None).unwrap();
        assert_eq!(s.commit(&[], |_, _| Ok(())).unwrap().corrected, 1);
        assert_eq!(
            store.source_births("台帐").unwrap(),
            vec![fixed],
            "{}",
            db.label
        );
    }
}

/// What a bulk load removes for speed (indexes; foreign keys on PostgreSQL) is all
/// back after commit, and gone from nowhere after a rollback.
#[test]
fn a_bulk_load_restores_indexes_and_keys() {
    fn schema(store: &Store) -> Vec<String> {
        store
            .with(|c| {
                let sql = match c.backend() {
                    renkou_store::Backend::Sqlite => {
                        "SELECT name || ' ' || COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' ORDER BY name"
                    }
                    renkou_store::Backend::Postgres => {
                        "SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                         UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
                         WHERE connamespace = to_regnamespace(current_schema()) ORDER BY 1"
                    }
                };
                Ok(c.query(sql, &[])?.into_iter().filter_map(|r| r[0].text()).collect())
            })
            .unwrap()
    }
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let before = schema(&store);
        assert!(
            before.iter().any(|s| s.starts_with("persons_id_number")),
            "{}",
            db.label
        );
        {
            let mut s = store.begin_person_import(meta("x.csv")).unwrap();
            for p in family() {
                s.push(&p, None).unwrap();
            }
        }
        assert_eq!(schema(&store), before, "{}: after a rollback", db.label);
        load(&store, &family(), "f.csv");
        assert_eq!(schema(&store), before, "{}: after a bulk load", db.label);
        // Event numbers continue after the ones a bulk load assigned itself.
        let seqs: Vec<i64> = store
            .person_events("M1")
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        let ev = PersonEvent {
            person_no: "M1".into(),
            kind: EventKind::Death {
                date: d(2025, 1, 1),
            },
            recorded_by: "t".into(),
            recorded_at: String::new(),
            source: "form".into(),
        };
        let next = record(&store, &ev).unwrap();
        assert!(next > seqs[0], "{}", db.label);
        assert_invariant(&store);
    }
}

#[test]
fn accounts_sessions_and_tokens() {
    use renkou_domain::account::Role;
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let a = store
            .create_account(
                "cun1",
                "测试专干",
                Role::VillageWorker,
                &code("349901101201"),
                "HASH",
            )
            .unwrap();
        assert!(a.must_change_password && !a.disabled);
        assert!(store
            .create_account("cun1", "x", Role::VillageWorker, &code("349901101201"), "H")
            .is_err());
        assert!(
            store
                .create_account("cun9", "x", Role::VillageWorker, &code("349901101299"), "H")
                .is_err(),
            "unknown region"
        );
        let until = chrono::Utc::now() + chrono::Duration::minutes(15);
        assert_eq!(store.record_failed_login(a.id, 3, until).unwrap(), 1);
        assert_eq!(store.record_failed_login(a.id, 3, until).unwrap(), 2);
        store.record_failed_login(a.id, 3, until).unwrap();
        assert!(
            store.account(a.id).unwrap().unwrap().locked_until.is_some(),
            "{}",
            db.label
        );

        let expires = chrono::Utc::now() + chrono::Duration::hours(8);
        store
            .create_session("tok-1", a.id, "csrf-1", expires)
            .unwrap();
        let (acc, csrf) = store.session("tok-1").unwrap().unwrap();
        assert_eq!((acc.username.as_str(), csrf.as_str()), ("cun1", "csrf-1"));
        assert!(store.session("tok-2").unwrap().is_none());
        store
            .create_session(
                "tok-old",
                a.id,
                "c",
                chrono::Utc::now() - chrono::Duration::seconds(1),
            )
            .unwrap();
        assert!(store.session("tok-old").unwrap().is_none(), "expired");
        // A new password ends the sessions.
        store.set_password(a.id, "HASH2", false).unwrap();
        assert!(store.session("tok-1").unwrap().is_none());
        let a = store.account(a.id).unwrap().unwrap();
        assert!(!a.must_change_password && a.locked_until.is_none());

        store
            .create_api_token(
                a.id,
                "script",
                "api-secret",
                chrono::Utc::now() + chrono::Duration::days(1),
            )
            .unwrap();
        assert_eq!(
            store.api_token_account("api-secret").unwrap().unwrap().id,
            a.id
        );
        // Expired, revoked one by one, or of an account that still has to change
        // its first password: refused.
        store
            .create_api_token(
                a.id,
                "old",
                "api-old",
                chrono::Utc::now() - chrono::Duration::seconds(1),
            )
            .unwrap();
        assert!(
            store.api_token_account("api-old").unwrap().is_none(),
            "{}",
            db.label
        );
        let second = store
            .create_api_token(
                a.id,
                "second",
                "api-2",
                chrono::Utc::now() + chrono::Duration::days(1),
            )
            .unwrap();
        store
            .write(&Actor::operator("admin"), |tx| {
                tx.revoke_api_token(a.id, second)
            })
            .unwrap();
        assert!(store.api_token_account("api-2").unwrap().is_none());
        assert!(
            store.api_token_account("api-secret").unwrap().is_some(),
            "only that one"
        );
        let listed = store.api_tokens(a.id).unwrap();
        assert_eq!(listed.len(), 3);
        assert!(listed.iter().any(|t| t.id == second && t.revoked));
        store.set_password(a.id, "HASH3", true).unwrap();
        assert!(
            store.api_token_account("api-secret").unwrap().is_none(),
            "{}",
            db.label
        );
        store.set_password(a.id, "HASH4", false).unwrap();
        assert!(store.api_token_account("api-secret").unwrap().is_some());
        // A village worker's Tx may not touch accounts at all.
        let worker = Actor::account(
            "cun1",
            "",
            renkou_domain::account::Scope {
                role: Role::VillageWorker,
                region: code("349901101201"),
            },
        );
        assert!(store
            .write(&worker, |tx| tx.set_disabled(a.id, true))
            .is_err());
        store.set_disabled(a.id, true).unwrap();
        assert!(
            store.api_token_account("api-secret").unwrap().is_none(),
            "{}",
            db.label
        );
    }
}

#[test]
fn the_audit_chain_detects_edits_and_deletions() {
    use renkou_store::audit::AuditQuery;
    for db in databases() {
        let store = db.store();
        let clerk = Actor {
            username: "cun1".into(),
            address: "127.0.0.1".into(),
            scope: None,
        };
        for i in 0..5 {
            store
                .audit(
                    &clerk,
                    AuditNote {
                        action: AuditAction::VIEW,
                        record: RecordKind::PERSON,
                        record_id: &format!("P{i}"),
                        fields: "",
                    },
                )
                .unwrap();
        }
        let head = store.verify_audit().unwrap().unwrap();
        assert_eq!(head.entries, 5, "{}", db.label);
        assert_eq!(head.unkeyed, 0);
        assert_eq!(head.hash.len(), 64);
        let q = |id: &str| AuditQuery {
            record_type: Some("person".into()),
            record_id: Some(id.into()),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(store.audit_entries(&q("P3")).unwrap().len(), 1);
        let checkpoint = store.audit_checkpoint().unwrap().unwrap();
        assert!(store.verify_audit_against(&checkpoint).unwrap().is_ok());
        // Someone edits an entry behind the application's back.
        store
            .with(|c| {
                c.exec(
                    "UPDATE audit_log SET record_id = 'P9' WHERE record_id = 'P2'",
                    &[],
                )
            })
            .unwrap();
        let broken = store.verify_audit().unwrap().unwrap_err();
        assert!(
            broken.reason.contains("changed"),
            "{}: {broken:?}",
            db.label
        );
        store
            .with(|c| {
                c.exec(
                    "UPDATE audit_log SET record_id = 'P2' WHERE record_id = 'P9'",
                    &[],
                )
            })
            .unwrap();
        assert!(store.verify_audit().unwrap().is_ok());
        // … or rewrites the whole chain with plain SHA-256, as anyone who can
        // write the database could with the old unkeyed chain: without the key the
        // recomputed entries do not verify.
        store
            .with(|c| {
                c.exec(
                    "UPDATE audit_log SET username = 'someone', key_id = NULL",
                    &[],
                )
            })
            .unwrap();
        assert!(store.verify_audit().unwrap().is_err(), "{}", db.label);
        store
            .with(|c| c.exec("UPDATE audit_log SET username = 'cun1'", &[]))
            .unwrap();
        // The key_id went with the rewrite: put it back.
        let key = store.audit_key().unwrap().id.clone();
        store
            .with(|c| c.exec("UPDATE audit_log SET key_id = $1", &[key.as_str().into()]))
            .unwrap();
        assert!(store.verify_audit().unwrap().is_ok());
        // … or deletes the newest entries: the chain alone cannot show it on
        // PostgreSQL, the checkpoint can (and SQLite's sequence does too).
        store
            .with(|c| c.exec("DELETE FROM audit_log WHERE record_id = 'P4'", &[]))
            .unwrap();
        let against = store.verify_audit_against(&checkpoint).unwrap();
        assert!(against.is_err(), "{}: {against:?}", db.label);
        if db.label == "sqlite" {
            let broken = store.verify_audit().unwrap().unwrap_err();
            assert!(broken.reason.contains("deleted"), "{broken:?}");
        }
        // … or all of them.
        store
            .with(|c| c.exec("DELETE FROM audit_log", &[]))
            .unwrap();
        assert!(store.verify_audit_against(&checkpoint).unwrap().is_err());
        // A forged checkpoint does not pass.
        let mut forged = checkpoint.clone();
        forged.entries = 0;
        let r = store.verify_audit_against(&forged).unwrap().unwrap_err();
        assert!(r.reason.contains("signature"), "{r:?}");
    }
}

/// Deleting an entry from the middle breaks the chain.
#[test]
fn a_deleted_audit_entry_breaks_the_chain() {
    for db in databases() {
        let store = db.store();
        let clerk = Actor::operator("cun1");
        for i in 0..3 {
            store
                .audit(
                    &clerk,
                    AuditNote {
                        action: AuditAction::VIEW,
                        record: RecordKind::PERSON,
                        record_id: &format!("P{i}"),
                        fields: "",
                    },
                )
                .unwrap();
        }
        store
            .with(|c| c.exec("DELETE FROM audit_log WHERE record_id = 'P1'", &[]))
            .unwrap();
        let broken = store.verify_audit().unwrap().unwrap_err();
        assert!(
            broken.reason.contains("deleted"),
            "{}: {broken:?}",
            db.label
        );
    }
}

/// Rows as a comparable set: (person key, region code, the row without its index).
fn stat_set(rows: &renkou_store::stats::StatRows) -> Vec<String> {
    let mut v: Vec<String> = rows
        .rows
        .iter()
        .zip(&rows.person_keys)
        .map(|(r, k)| {
            format!(
                "{k} {} {:?} {:?} {} {:?} {:?} {:?}",
                rows.region_codes[r.region as usize],
                r.sex,
                r.residence,
                r.birth_date,
                r.death_date,
                r.mother_birth_date,
                r.birth_order
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn indicator_rows_follow_events_incrementally() {
    use renkou_domain::person::Field;
    use renkou_store::stats::Refresh;
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let mut persons = family();
        let mut other_mother = person("M2", Sex::Female, d(1992, 7, 7), "349901102201");
        other_mother.marital_status = MaritalStatus::FirstMarriage;
        persons.push(other_mother);
        load(&store, &persons, "f.csv");
        let from = Some(d(2000, 1, 1));
        let mut rows = store.stat_rows(from).unwrap();
        assert_eq!(
            store.refresh_stat_rows(&mut rows).unwrap(),
            Refresh::Unchanged
        );

        // A child born before the twins' birthday is impossible now, but a late
        // registration of an older child shifts every sibling's birth order.
        let mut late = person("C0", Sex::Male, d(2012, 1, 1), "349901101201");
        late.mother_no = Some("M1".into());
        late.id_number = None;
        record(&store, &ev("C0", EventKind::Birth { person: late })).unwrap();
        // The mother's birth date corrected: her children's mother ages change.
        record(
            &store,
            &ev(
                "M1",
                EventKind::Correction {
                    field: Field::BirthDate,
                    old: "1990-02-28".into(),
                    new: "1991-02-28".into(),
                    reason: "登记错误".into(),
                },
            ),
        )
        .unwrap();
        record(
            &store,
            &ev(
                "X1",
                EventKind::Death {
                    date: d(2024, 3, 1),
                },
            ),
        )
        .unwrap();
        record(
            &store,
            &ev(
                "C2",
                EventKind::MoveOut {
                    date: d(2024, 4, 1),
                    destination: None,
                },
            ),
        )
        .unwrap();

        let before = stat_set(&rows);
        let how = store.refresh_stat_rows(&mut rows).unwrap();
        assert!(
            matches!(how, Refresh::Incremental(n) if n < persons.len() + 1),
            "{how:?} {}",
            db.label
        );
        let full = store.stat_rows(from).unwrap();
        assert_ne!(
            before,
            stat_set(&full),
            "{}: the events change the rows",
            db.label
        );
        assert_eq!(stat_set(&rows), stat_set(&full), "{}", db.label);
        assert_eq!(rows.version, full.version, "{}", db.label);
        assert_eq!(
            store.refresh_stat_rows(&mut rows).unwrap(),
            Refresh::Unchanged
        );

        // Alone, so nothing else touches M1's family: C1 linked to the other
        // mother moves M1's later children up one.
        // C1 linked to the other mother: M1's later children move up one.
        record(
            &store,
            &ev(
                "C1",
                EventKind::Correction {
                    field: Field::MotherId,
                    old: "M1".into(),
                    new: "M2".into(),
                    reason: "母亲关联错误".into(),
                },
            ),
        )
        .unwrap();
        let before = stat_set(&rows);
        assert!(matches!(
            store.refresh_stat_rows(&mut rows).unwrap(),
            Refresh::Incremental(_)
        ));
        let full = store.stat_rows(from).unwrap();
        assert_ne!(before, stat_set(&full), "{}", db.label);
        assert_eq!(stat_set(&rows), stat_set(&full), "{}", db.label);
        // PostgreSQL's version counts events through a trigger's tally: it must
        // agree with counting them, after a bulk first load and single events.
        if store.backend() == renkou_store::Backend::Postgres {
            let counted = store
                .with(|c| c.query_one("SELECT COUNT(*) FROM events", &[]))
                .unwrap()
                .and_then(|r| r[0].int())
                .unwrap();
            assert_eq!(store.register_version().unwrap().events, counted);
            // A re-import that changes a person (correction events in one statement).
            let mut changed = persons.clone();
            changed[6].phone = Some("13800000000".into());
            load(&store, &changed, "f2.csv");
            let counted = store
                .with(|c| c.query_one("SELECT COUNT(*) FROM events", &[]))
                .unwrap()
                .and_then(|r| r[0].int())
                .unwrap();
            assert_eq!(store.register_version().unwrap().events, counted);
        }
    }
}
