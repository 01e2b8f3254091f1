//! Person search (issue 3): the in-memory index over a small synthetic register, on
//! SQLite and PostgreSQL.

use renkou_domain::event::{EventKind, PersonEvent};
use renkou_domain::person::Field;
use renkou_domain::{
    Date, IdNumber, MaritalStatus, PersonRecord, Region, RegionCode, Residence, Sex,
};
use renkou_register::search::{search_fresh, MatchKind, PersonIndex, SearchHit};
use renkou_store::testing::databases;
use renkou_store::{ImportMeta, Store};
use std::sync::RwLock;

const COUNTY: &str = "349901000000";
const VILLAGE_1: &str = "349901101201";
const VILLAGE_2: &str = "349901101202";
const VILLAGE_3: &str = "349901102201";

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
        region(COUNTY, "演示县"),
        region("349901101000", "甲镇"),
        region(VILLAGE_1, "一村"),
        region(VILLAGE_2, "二村"),
        region("349901102000", "乙乡"),
        region(VILLAGE_3, "三村"),
    ]
}

fn person(
    no: &str,
    name: &str,
    birth: Date,
    seq: u16,
    household: &str,
    village: &str,
) -> PersonRecord {
    PersonRecord {
        person_no: no.into(),
        name: name.into(),
        sex: if seq % 2 == 1 { Sex::Male } else { Sex::Female },
        birth_date: birth,
        id_number: Some(IdNumber::compose(349901, birth, seq)),
        household_no: household.into(),
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

/// Synthetic names only.
fn register() -> Vec<PersonRecord> {
    vec![
        person("P001", "张伟", d(1980, 3, 1), 11, "H1-001", VILLAGE_1),
        person("P002", "李芳", d(1982, 7, 9), 22, "H1-001", VILLAGE_1),
        person("P003", "张小雨", d(2010, 5, 5), 31, "H1-001", VILLAGE_1),
        person("P004", "章伟", d(1975, 1, 20), 41, "H1-002", VILLAGE_2),
        person("P005", "欧阳娜娜", d(1990, 12, 12), 52, "H1-003", VILLAGE_2),
        person("P006", "单田丽", d(1968, 8, 8), 62, "H1-004", VILLAGE_1),
        person("P007", "王单", d(1999, 9, 9), 71, "H1-004", VILLAGE_1),
        person("P008", "张伟", d(1985, 4, 4), 81, "H2-001", VILLAGE_3),
        person("P009", "赵文", d(2001, 2, 2), 91, "H2-002", VILLAGE_3),
    ]
}

fn load(store: &Store) {
    store.upsert_regions(&tree()).unwrap();
    let mut s = store
        .begin_person_import(ImportMeta {
            kind: "persons",
            file_name: "persons.csv".into(),
            source: None,
            actor: renkou_store::Actor::operator("test"),
        })
        .unwrap();
    for p in register() {
        s.push(&p, None).unwrap();
    }
    s.commit(&[], &[], |_, _| Ok(())).unwrap();
}

fn nos(hits: &[SearchHit]) -> Vec<&str> {
    hits.iter().map(|h| h.person_no.as_str()).collect()
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort();
    v
}

#[test]
fn search_finds_by_name_pinyin_id_and_household_within_scope() {
    for db in databases() {
        let store = db.store();
        load(&store);
        let ix = PersonIndex::build(&store).unwrap();
        assert_eq!(ix.len(), 9, "{}", db.label);
        let county = code(COUNTY);
        let s = |q: &str| ix.search(q, &county, 20);

        // Full pinyin finds the homophones; so does a pinyin prefix and the initials.
        assert_eq!(
            sorted(nos(&s("zhangwei"))),
            vec!["P001", "P004", "P008"],
            "{}",
            db.label
        );
        assert_eq!(sorted(nos(&s("ZhangW"))), vec!["P001", "P004", "P008"]);
        // Initials are only initials: 赵文 is zw too.
        assert_eq!(sorted(nos(&s("zw"))), vec!["P001", "P004", "P008", "P009"]);
        assert!(s("zw")
            .iter()
            .all(|h| h.matched == MatchKind::Initials && h.exact));
        assert_eq!(nos(&s("zhangx")), vec!["P003"]);
        // Characters: a name prefix, exact names first; 章 is not 张.
        let zhang = s("张");
        assert_eq!(sorted(nos(&zhang)), vec!["P001", "P003", "P008"]);
        assert!(zhang.iter().all(|h| h.name.starts_with('张')));
        let exact = s("张伟");
        assert_eq!(sorted(nos(&exact)), vec!["P001", "P008"]);
        assert!(exact
            .iter()
            .all(|h| h.exact && h.matched == MatchKind::Name));
        // Compound surname and a surname with its own reading.
        assert_eq!(nos(&s("ouyang")), vec!["P005"]);
        assert_eq!(nos(&s("oynn")), vec!["P005"]);
        assert_eq!(nos(&s("shan")), vec!["P006"]);
        assert!(s("dantian").is_empty());
        // 单 as a given-name character keeps its common reading.
        assert_eq!(nos(&s("wangdan")), vec!["P007"]);

        // The last 4 of an ID number; the whole number; never the whole number out.
        let p4 = &register()[3];
        let id = p4.id_number.as_ref().unwrap().as_str().to_string();
        let by_tail = s(&id[14..]);
        assert_eq!(nos(&by_tail), vec!["P004"], "{}", db.label);
        assert_eq!(by_tail[0].id_tail.as_deref(), Some(&id[14..]));
        assert_eq!(by_tail[0].matched, MatchKind::IdNumber);
        let full = s(&id);
        assert_eq!(nos(&full), vec!["P004"]);
        assert!(full[0].exact);
        let json = serde_json::to_string(&full).unwrap();
        assert!(
            !json.contains(&id),
            "a result list must not carry the ID number"
        );
        assert!(!json.contains(&id[..10]));

        // A household number finds its members; a person number finds the person.
        assert_eq!(sorted(nos(&s("H1-001"))), vec!["P001", "P002", "P003"]);
        assert!(s("H1-001")
            .iter()
            .all(|h| h.exact && h.matched == MatchKind::Household));
        assert_eq!(nos(&s("p009")), vec!["P009"]);
        assert_eq!(sorted(nos(&s("H1-00"))).len(), 7);

        // Scope: a village sees only its own people.
        let v1 = code(VILLAGE_1);
        assert_eq!(nos(&ix.search("zhangwei", &v1, 20)), vec!["P001"]);
        assert!(ix.search("ouyang", &v1, 20).is_empty());
        assert!(ix.search(&id[14..], &v1, 20).is_empty());
        let town = code("349901101000");
        assert_eq!(
            sorted(nos(&ix.search("zw", &town, 20))),
            vec!["P001", "P004"]
        );
        // The limit holds.
        assert_eq!(ix.search("z", &county, 2).len(), 2);
        assert!(ix.search("", &county, 20).is_empty());
    }
}

#[test]
fn refresh_follows_corrections_moves_and_new_persons() {
    for db in databases() {
        let store = db.store();
        load(&store);
        let shared = RwLock::new(PersonIndex::build(&store).unwrap());
        let county = code(COUNTY);
        let seq0 = shared.read().unwrap().last_seq();
        assert_eq!(seq0, store.last_event_seq().unwrap());
        assert!(!shared.read().unwrap().needs_refresh(seq0));

        let ev = |no: &str, kind: EventKind| PersonEvent {
            person_no: no.into(),
            kind,
            recorded_by: "clerk".into(),
            recorded_at: String::new(),
            source: "form".into(),
        };
        // The name of P009 was wrong.
        renkou_testkit::record(
            &store,
            &ev(
                "P009",
                EventKind::Correction {
                    field: Field::Name,
                    old: "赵文".into(),
                    new: "钱文".into(),
                    reason: "户口簿核对".into(),
                },
            ),
        )
        .unwrap();
        {
            let ix = shared.read().unwrap();
            assert!(
                ix.needs_refresh(store.last_event_seq().unwrap()),
                "{}",
                db.label
            );
        }
        let hits = search_fresh(&shared, &store, "qianwen", &county, 20).unwrap();
        assert_eq!(nos(&hits), vec!["P009"], "{}", db.label);
        assert_eq!(hits[0].name, "钱文");
        assert!(search_fresh(&shared, &store, "zhaowen", &county, 20)
            .unwrap()
            .is_empty());
        assert!(search_fresh(&shared, &store, "赵", &county, 20)
            .unwrap()
            .is_empty());
        assert_eq!(
            nos(&search_fresh(&shared, &store, "钱", &county, 20).unwrap()),
            vec!["P009"]
        );
        // Still found once by its household and ID.
        assert_eq!(
            nos(&search_fresh(&shared, &store, "H2-002", &county, 20).unwrap()),
            vec!["P009"]
        );

        // A death shows; a move to another village changes who may see the person.
        renkou_testkit::record(
            &store,
            &ev(
                "P001",
                EventKind::Death {
                    date: d(2024, 6, 1),
                },
            ),
        )
        .unwrap();
        renkou_testkit::record(
            &store,
            &ev(
                "P008",
                EventKind::HouseholdChange {
                    date: d(2024, 7, 1),
                    household_no: "H1-009".into(),
                    region_code: Some(code(VILLAGE_1)),
                },
            ),
        )
        .unwrap();
        let n = shared.write().unwrap().refresh(&store).unwrap();
        assert_eq!(n, 2, "{}", db.label);
        let ix = shared.read().unwrap();
        assert_eq!(ix.len(), 9);
        let v1 = code(VILLAGE_1);
        let hits = ix.search("zhangwei", &v1, 20);
        assert_eq!(sorted(nos(&hits)), vec!["P001", "P008"], "{}", db.label);
        assert!(!hits.iter().find(|h| h.person_no == "P001").unwrap().alive);
        assert!(ix.search("zhangwei", &code(VILLAGE_3), 20).is_empty());
        assert_eq!(nos(&ix.search("H1-009", &county, 20)), vec!["P008"]);
        assert!(ix.search("H2-001", &county, 20).is_empty());
        drop(ix);

        // A birth: a new person is found after the refresh.
        let baby = PersonRecord {
            mother_no: Some("P005".into()),
            ..person("P010", "欧阳小雨", d(2024, 8, 8), 102, "H1-003", VILLAGE_2)
        };
        renkou_testkit::record(&store, &ev("P010", EventKind::Birth { person: baby })).unwrap();
        let hits = search_fresh(&shared, &store, "ouyang", &county, 20).unwrap();
        assert_eq!(sorted(nos(&hits)), vec!["P005", "P010"], "{}", db.label);
        // A refresh with nothing new does nothing.
        assert_eq!(shared.write().unwrap().refresh(&store).unwrap(), 0);
    }
}

#[test]
fn many_updates_are_merged_and_stay_correct() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        // 3000 persons, then renames of every one in two rounds: the delta is merged
        // into the sorted arrays and then compacted, and every search stays right.
        let people: Vec<PersonRecord> = (0..3000u32)
            .map(|i| {
                person(
                    &format!("Q{i:05}"),
                    if i % 2 == 0 { "孙甲" } else { "周乙" },
                    d(1950 + (i % 50) as i32, 1 + i % 12, 1 + i % 28),
                    (i % 1000) as u16,
                    &format!("HQ-{:04}", i / 4),
                    if i % 3 == 0 { VILLAGE_1 } else { VILLAGE_3 },
                )
            })
            .collect();
        let mut s = store
            .begin_person_import(ImportMeta {
                kind: "persons",
                file_name: "a.csv".into(),
                source: None,
                actor: renkou_store::Actor::operator("test"),
            })
            .unwrap();
        for p in &people {
            s.push(p, None).unwrap();
        }
        s.commit(&[], &[], |_, _| Ok(())).unwrap();
        let mut ix = PersonIndex::build(&store).unwrap();
        let county = code(COUNTY);
        assert_eq!(
            ix.search("sunjia", &county, 5000).len(),
            1500,
            "{}",
            db.label
        );

        for (round, new_name) in [(0, "吴丙"), (1, "郑丁")] {
            let mut renamed = people.clone();
            for p in renamed.iter_mut() {
                p.name = new_name.into();
            }
            let mut s = store
                .begin_person_import(ImportMeta {
                    kind: "persons",
                    file_name: format!("round{round}.csv"),
                    source: None,
                    actor: renkou_store::Actor::operator("test"),
                })
                .unwrap();
            for p in &renamed {
                s.push(p, None).unwrap();
            }
            s.commit(&[], &[], |_, _| Ok(())).unwrap();
            assert_eq!(ix.refresh(&store).unwrap(), 3000, "{}", db.label);
            assert_eq!(ix.len(), 3000);
            let st = ix.stats();
            assert_eq!(st.delta, 0, "{st:?}");
            let (py, _) = renkou_register::search::name_keys(new_name);
            assert_eq!(ix.search(&py, &county, 5000).len(), 3000, "{}", db.label);
            assert!(ix.search("sunjia", &county, 5000).is_empty());
            assert!(ix.search("zhouyi", &county, 5000).is_empty());
            assert_eq!(ix.search(new_name, &code(VILLAGE_1), 5000).len(), 1000);
            assert_eq!(nos(&ix.search("Q01234", &county, 10)), vec!["Q01234"]);
        }
        // A few single updates after the merge land in the delta and are found.
        for no in ["Q00001", "Q00002"] {
            let p = store.person(no).unwrap().unwrap();
            renkou_testkit::record(
                &store,
                &PersonEvent {
                    person_no: no.into(),
                    kind: EventKind::Correction {
                        field: Field::Name,
                        old: p.name.clone(),
                        new: "冯戊".into(),
                        reason: "核对".into(),
                    },
                    recorded_by: "clerk".into(),
                    recorded_at: String::new(),
                    source: "form".into(),
                },
            )
            .unwrap();
        }
        assert_eq!(ix.refresh(&store).unwrap(), 2);
        assert_eq!(
            sorted(nos(&ix.search("fengwu", &county, 10))),
            vec!["Q00001", "Q00002"]
        );
        assert_eq!(ix.search("郑丁", &county, 5000).len(), 2998);
    }
}

/// PostgreSQL hands out sequence numbers at insert and a transaction may commit
/// after a later one: the index must notice the hole and fill it when the slower
/// transaction commits (SQLite has one writer at a time, so its numbers commit in
/// order). The slow transaction here writes its correction by hand, holding its
/// number open while another event commits.
#[test]
fn a_late_commit_on_postgresql_is_found_in_its_gap() {
    use renkou_store::Value;
    for db in databases() {
        let store = std::sync::Arc::new(db.store());
        if store.backend() != renkou_store::Backend::Postgres {
            continue;
        }
        load(&store);
        let shared = RwLock::new(PersonIndex::build(&store).unwrap());
        let county = code(COUNTY);
        let (drawn_tx, drawn_rx) = std::sync::mpsc::channel::<i64>();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let slow_store = store.clone();
        let slow = std::thread::spawn(move || {
            slow_store
                .write(&renkou_store::Actor::operator("clerk"), |tx| {
                    let c = tx.conn();
                    let seq = c
                        .query_one("SELECT nextval(pg_get_serial_sequence('events', 'seq'))", &[])?
                        .and_then(|r| r[0].int())
                        .unwrap();
                    drawn_tx.send(seq).unwrap();
                    go_rx.recv().unwrap();
                    let kind = EventKind::Correction {
                        field: Field::Name,
                        old: "李芳".into(),
                        new: "孙立芳".into(),
                        reason: "户口簿核对".into(),
                    };
                    c.exec(
                        "INSERT INTO events (seq, person_no, kind, payload, recorded_by, recorded_at, source) \
                         VALUES ($1, 'P002', 'correction', $2, 'clerk', $3, 'form')",
                        &[
                            Value::Int(seq),
                            serde_json::to_string(&kind).unwrap().into(),
                            Value::Time(chrono::Utc::now()),
                        ],
                    )?;
                    c.exec("UPDATE persons SET name = '孙立芳' WHERE person_no = 'P002'", &[])?;
                    Ok::<_, renkou_store::StoreError>(())
                })
                .unwrap();
        });
        let hole = drawn_rx.recv().unwrap();
        // A later event commits first: the index moves past the hole.
        renkou_testkit::record(
            &store,
            &PersonEvent {
                person_no: "P001".into(),
                kind: EventKind::Correction {
                    field: Field::Name,
                    old: "张伟".into(),
                    new: "周伟".into(),
                    reason: "户口簿核对".into(),
                },
                recorded_by: "clerk".into(),
                recorded_at: String::new(),
                source: "form".into(),
            },
        )
        .unwrap();
        let hits = search_fresh(&shared, &store, "zhouwei", &county, 20).unwrap();
        assert_eq!(nos(&hits), vec!["P001"]);
        assert!(shared.read().unwrap().last_seq() > hole);
        assert!(search_fresh(&shared, &store, "孙立芳", &county, 20)
            .unwrap()
            .is_empty());
        // The slow transaction commits its lower number; after the re-check
        // interval the next search finds it.
        go_tx.send(()).unwrap();
        slow.join().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let hits = search_fresh(&shared, &store, "孙立芳", &county, 20).unwrap();
        assert_eq!(nos(&hits), vec!["P002"], "the late commit is found");
    }
}
