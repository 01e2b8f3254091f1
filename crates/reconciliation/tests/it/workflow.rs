//! Reconciliation end to end on a small hand-made register and hospital file, on
//! SQLite and PostgreSQL: import the source, reconcile, every class appears with
//! hand-checked counts, review (confirm, reject, bulk, fix with its correction event
//! in the person's history, assign) and the accuracy table.

use renkou_domain::account::{Role, Scope};
use renkou_domain::event::EventKind;
use renkou_domain::progress::NoProgress;
use renkou_domain::{
    Date, IdNumber, MaritalStatus, PersonRecord, Region, RegionCode, Residence, Sex,
};
use renkou_reconciliation::rules::{Decision, DiffField, ItemClass, ReviewStatus, SourceKind};
use renkou_reconciliation::tables::ItemFilter;
use renkou_reconciliation::tables::ReconciliationTables;
use renkou_reconciliation::workflow::{self as reconcile, Fix, SourceSpec};
use renkou_reconciliation::Error as AppError;
use renkou_store::testing::databases;
use renkou_store::{Actor, ImportOptions};
use renkou_store::{ImportMeta, Store};
use std::path::Path;

pub(crate) const TOWN: &str = "349901101000";
pub(crate) const V1: &str = "349901101201";
pub(crate) const V2: &str = "349901101202";

pub(crate) fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd_opt(y, m, dd).unwrap()
}

pub(crate) fn code(s: &str) -> RegionCode {
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

pub(crate) fn mother_id(seq: u16, birth: Date) -> IdNumber {
    IdNumber::compose(349901, birth, seq)
}

#[allow(clippy::too_many_arguments)]
fn person(
    no: &str,
    name: &str,
    sex: Sex,
    birth: Date,
    village: &str,
    mother: Option<&str>,
    id: Option<IdNumber>,
) -> PersonRecord {
    PersonRecord {
        person_no: no.into(),
        name: name.into(),
        sex,
        birth_date: birth,
        id_number: id,
        household_no: format!("H-{}", mother.unwrap_or(no)),
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

/// Synthetic names and numbers only (address code 349901 exists nowhere).
pub(crate) struct Mother {
    pub(crate) no: &'static str,
    pub(crate) name: &'static str,
    pub(crate) birth: Date,
    pub(crate) seq: u16,
    pub(crate) village: &'static str,
}

pub(crate) fn mothers() -> Vec<Mother> {
    vec![
        Mother {
            no: "M1",
            name: "王芳",
            birth: d(1990, 1, 11),
            seq: 2,
            village: V1,
        },
        Mother {
            no: "M2",
            name: "李娜",
            birth: d(1992, 2, 12),
            seq: 4,
            village: V1,
        },
        Mother {
            no: "M3",
            name: "张敏",
            birth: d(1988, 3, 13),
            seq: 6,
            village: V2,
        },
        Mother {
            no: "M4",
            name: "刘洋",
            birth: d(1991, 4, 14),
            seq: 8,
            village: V2,
        },
        Mother {
            no: "M5",
            name: "陈静",
            birth: d(1993, 5, 15),
            seq: 10,
            village: V1,
        },
        Mother {
            no: "M6",
            name: "杨丽",
            birth: d(1994, 6, 16),
            seq: 12,
            village: V2,
        },
        Mother {
            no: "M7",
            name: "周红",
            birth: d(1995, 7, 17),
            seq: 14,
            village: V1,
        },
    ]
}

pub(crate) fn setup(store: &Store) {
    store
        .upsert_regions(&[
            region("349901000000", "演示县"),
            region(TOWN, "甲镇"),
            region(V1, "一村"),
            region(V2, "二村"),
        ])
        .unwrap();
    let mut people = Vec::new();
    for m in mothers() {
        people.push(person(
            m.no,
            m.name,
            Sex::Female,
            m.birth,
            m.village,
            None,
            Some(mother_id(m.seq, m.birth)),
        ));
    }
    let v = |m: &str| {
        if ["M3", "M4", "M6"].contains(&m) {
            V2
        } else {
            V1
        }
    };
    for (no, name, sex, birth, m) in [
        // M1's first child, before the period: makes K1 her second.
        ("K0", "王一", Sex::Male, d(2020, 2, 2), "M1"),
        ("K1", "王小明", Sex::Male, d(2024, 3, 1), "M1"),
        ("K2", "李子涵", Sex::Female, d(2024, 5, 10), "M2"),
        ("K3", "张一诺", Sex::Male, d(2024, 6, 15), "M3"),
        ("K4", "刘子轩", Sex::Male, d(2024, 8, 20), "M4"),
        // K4's twin sister.
        ("K5", "刘子涵", Sex::Female, d(2024, 8, 20), "M4"),
        ("K6", "杨梓萱", Sex::Female, d(2024, 10, 5), "M6"),
        ("K7", "周一", Sex::Male, d(2024, 11, 11), "M7"),
    ] {
        people.push(person(no, name, sex, birth, v(m), Some(m), None));
    }
    let mut s = store
        .begin_person_import(ImportMeta {
            kind: "persons",
            file_name: "register.csv".into(),
            source: None,
            actor: Actor::operator("test"),
        })
        .unwrap();
    for p in &people {
        s.push(p, None).unwrap();
    }
    s.commit(&[], &[], |_, _| Ok(())).unwrap();
}

fn write_source(dir: &Path) -> std::path::PathBuf {
    let ms = mothers();
    let m = |no: &str| ms.iter().find(|m| m.no == no).unwrap();
    let id = |no: &str| mother_id(m(no).seq, m(no).birth).to_string();
    let mut csv = String::from(
        "record_id,child_name,child_sex,birth_date,birth_order,mother_name,mother_id_number,mother_birth_date,region_code,place\n",
    );
    let row = |csv: &mut String,
               rid: &str,
               child: &str,
               sex: u8,
               birth: &str,
               order: u32,
               mo: &str,
               v: &str| {
        csv.push_str(&format!(
            "{rid},{child},{sex},{birth},{order},{},{},{},{v},县医院\n",
            m(mo).name,
            id(mo),
            m(mo).birth
        ));
    };
    row(&mut csv, "H1", "王小明", 1, "2024-03-01", 2, "M1", V1); // agree with K1
    row(&mut csv, "H2", "李子涵", 1, "2024-05-10", 1, "M2", V1); // sex differs from K2
    row(&mut csv, "H3", "张一诺", 1, "2024-06-15", 2, "M3", V2); // order differs from K3
    row(&mut csv, "H4", "", 2, "2024-09-09", 1, "M5", V1); // M5 has no child in the register
    row(&mut csv, "H5", "", 1, "2024-03-01", 2, "M1", V1); // H1 entered twice
    row(&mut csv, "H6", "杨梓萱", 2, "2024-10-05", 1, "M6", V2); // agree with K6
                                                                 // K4's birth, as a hospital clerk might have garbled it: a reviewer decides.
                                                                 // One of M4's twins, sex and name left blank: which one, a reviewer decides.
    csv.push_str(&format!(
        "H7,,0,2024-08-20,,{},{},{},{V2},县医院\n",
        m("M4").name,
        id("M4"),
        m("M4").birth
    ));
    // K7 is in the register only.
    let path = dir.join("hospital.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

pub(crate) fn spec() -> SourceSpec {
    SourceSpec {
        kind: SourceKind::Hospital,
        name: "县医院2024".into(),
        region: code(TOWN),
        from: d(2024, 1, 1),
        to: d(2024, 12, 31),
    }
}

pub(crate) fn opts() -> ImportOptions {
    ImportOptions::by(Actor::operator("tongji"))
}

#[test]
fn reconcile_a_hospital_source() {
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&[&renkou_reconciliation::MIGRATIONS]);
        setup(&store);
        let dir = tempfile::tempdir().unwrap();
        let path = write_source(dir.path());
        let imported =
            reconcile::import_source(&store, &path, &spec(), &opts(), &NoProgress).unwrap();
        let (report, sid) = (imported.report, imported.source_id);
        assert_eq!(report.counts.new, 7, "{l}");
        let sid = sid.unwrap();

        let r = reconcile::reconcile(&store, sid, None, None, &Actor::operator("tongji")).unwrap();
        let (items, _) = store
            .reconciliation_items(
                r.reconciliation_id,
                &ItemFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .unwrap();
        let class_of = |s: Option<&str>, p: Option<&str>| {
            items
                .iter()
                .find(|i| i.source_record_id.as_deref() == s && i.person_no.as_deref() == p)
                .map(|i| i.class)
        };
        assert_eq!(
            class_of(Some("H1"), Some("K1")),
            Some(ItemClass::Agree),
            "{l}"
        );
        assert_eq!(
            class_of(Some("H6"), Some("K6")),
            Some(ItemClass::Agree),
            "{l}"
        );
        assert_eq!(
            class_of(Some("H2"), Some("K2")),
            Some(ItemClass::Disagree),
            "{l}"
        );
        assert_eq!(
            class_of(Some("H3"), Some("K3")),
            Some(ItemClass::Disagree),
            "{l}"
        );
        assert_eq!(
            class_of(Some("H4"), None),
            Some(ItemClass::SourceOnly),
            "{l}"
        );
        // H5 repeats H1: linked to H1's birth too (many-to-one), counted once.
        assert_eq!(
            class_of(Some("H5"), Some("K1")),
            Some(ItemClass::Duplicate),
            "{l}"
        );
        assert_eq!(
            class_of(None, Some("K7")),
            Some(ItemClass::RegisterOnly),
            "{l}"
        );
        assert_eq!(
            class_of(Some("H7"), Some("K4")),
            Some(ItemClass::Uncertain),
            "{l}: K4 has a twin of the same day"
        );
        assert_eq!(
            class_of(None, Some("K5")),
            Some(ItemClass::RegisterOnly),
            "{l}"
        );
        assert_eq!(
            items.len(),
            9,
            "{l}: 7 register births + 7 records − 5 pairs"
        );
        // Hand-checked: 7 register births of 2024 (K0 is of 2020), 6 distinct source
        // births (H5 repeats H1), 4 pairs accepted (H7–K4 is pending), 2 agreeing.
        assert_eq!(
            (
                r.tally.register,
                r.tally.source,
                r.tally.matched,
                r.tally.agreeing,
                r.tally.pending
            ),
            (7, 6, 4, 2, 1),
            "{l}"
        );
        assert_eq!(r.classes[&ItemClass::RegisterOnly], 2);
        assert_eq!(r.accuracy, Some(2.0 / 6.0));
        let c = r.chapman.unwrap();
        assert!((c.estimate - (8.0 * 7.0 / 5.0 - 1.0)).abs() < 1e-9, "{l}");

        let id_of = |s: &str| {
            items
                .iter()
                .find(|i| i.source_record_id.as_deref() == Some(s))
                .unwrap()
                .id
        };
        let reg_only = |p: &str| {
            items
                .iter()
                .find(|i| i.person_no.as_deref() == Some(p) && i.source_record_id.is_none())
                .unwrap()
                .id
        };
        let county = Actor {
            username: "tongji".into(),
            address: "127.0.0.1".into(),
            scope: None,
        };
        let village1 = Actor::account(
            "cun1",
            "127.0.0.1",
            Scope {
                role: Role::VillageWorker,
                region: code(V1),
            },
        );

        // Assignment only to an account whose area holds the item's village.
        store
            .create_account(
                "cun1",
                "村专干",
                renkou_domain::account::Role::VillageWorker,
                &code(V1),
                "x",
            )
            .unwrap();
        assert!(reconcile::assign(&store, &[id_of("H7")], Some("cun1"), &county).is_err());
        assert_eq!(
            reconcile::assign(&store, &[id_of("H2"), id_of("H4")], Some("cun1"), &county).unwrap(),
            2
        );

        // A village worker cannot see or decide another village's item.
        assert!(reconcile::item_in_scope(&store, id_of("H7"), &village1)
            .unwrap()
            .is_none());
        assert!(reconcile::review(
            &store,
            id_of("H7"),
            Decision::Confirm,
            None,
            None,
            &village1
        )
        .is_err());
        // The county confirms the twin pair: it is K4.
        reconcile::review(
            &store,
            id_of("H7"),
            Decision::Confirm,
            None,
            Some("产妇出院记录为男孩"),
            &county,
        )
        .unwrap();

        // Fixes: a reason is required; birth order is derived and cannot be typed in;
        // a source-only record has no register person.
        let sex = Fix {
            field: DiffField::Sex,
            value: "男".into(),
        };
        assert!(reconcile::review(
            &store,
            id_of("H2"),
            Decision::Fix,
            Some(&sex),
            None,
            &village1
        )
        .is_err());
        let order = Fix {
            field: DiffField::BirthOrder,
            value: "2".into(),
        };
        assert!(reconcile::review(
            &store,
            id_of("H3"),
            Decision::Fix,
            Some(&order),
            Some("孩次错报"),
            &county
        )
        .is_err());
        assert!(reconcile::review(
            &store,
            id_of("H4"),
            Decision::Fix,
            Some(&sex),
            Some("x"),
            &village1
        )
        .is_err());
        let status = reconcile::review(
            &store,
            id_of("H2"),
            Decision::Fix,
            Some(&sex),
            Some("性别错报：出生医学证明为男 / sex misreported: the certificate says male"),
            &village1,
        )
        .unwrap();
        assert_eq!(status, ReviewStatus::Fixed);
        assert_eq!(store.person("K2").unwrap().unwrap().sex, Sex::Male, "{l}");
        let history = store.person_events("K2").unwrap();
        let last = history.last().unwrap();
        match &last.event.kind {
            EventKind::Correction {
                field,
                old,
                new,
                reason,
            } => {
                assert_eq!(
                    (field.as_str(), old.as_str(), new.as_str()),
                    ("sex", "2", "1")
                );
                assert!(reason.starts_with("性别错报"));
            }
            other => panic!("{l}: expected a correction, got {other:?}"),
        }
        assert_eq!(last.event.recorded_by, "cun1");
        let fixed = store.reconciliation_item(id_of("H2")).unwrap().unwrap();
        assert_eq!(fixed.event_seq, Some(last.seq), "{l}");
        assert!(
            reconcile::review(&store, id_of("H2"), Decision::Reject, None, None, &village1)
                .is_err(),
            "{l}: a fixed item stays fixed"
        );

        // Bulk: the village worker confirms what is in their village; one item of
        // another village in the batch refuses the whole batch.
        assert!(reconcile::review_bulk(
            &store,
            &[id_of("H4"), reg_only("K5")],
            Decision::Confirm,
            None,
            &village1
        )
        .is_err());
        assert_eq!(
            store
                .reconciliation_item(id_of("H4"))
                .unwrap()
                .unwrap()
                .status,
            ReviewStatus::Open
        );
        assert_eq!(
            reconcile::review_bulk(
                &store,
                &[id_of("H4"), reg_only("K7")],
                Decision::Confirm,
                None,
                &village1
            )
            .unwrap(),
            2
        );

        // Accuracy after review. Total: H7–K4 now matched and agreeing; the fixed
        // H2–K2 still counts as misreported (the register was wrong when checked).
        let acc = reconcile::accuracy(&store, r.reconciliation_id, None).unwrap();
        let t = &acc.total.tally;
        assert_eq!(
            (t.register, t.source, t.matched, t.agreeing, t.pending),
            (7, 6, 5, 3, 0),
            "{l}"
        );
        assert_eq!(acc.total.accuracy, Some(0.5));
        let c = acc.total.chapman.unwrap();
        assert!((c.estimate - (8.0 * 7.0 / 6.0 - 1.0)).abs() < 1e-9);
        assert_eq!(c.observed, 8);
        // 一村: K1 K2 K7 / H1 H2 H4 (H5 repeats H1), pairs H1–K1 and H2–K2, one agrees.
        let v1 = acc.villages.iter().find(|v| v.region_code == V1).unwrap();
        assert_eq!(v1.name, "一村");
        assert_eq!(
            (
                v1.tally.register,
                v1.tally.source,
                v1.tally.matched,
                v1.tally.agreeing
            ),
            (3, 3, 2, 1),
            "{l}"
        );
        // Progress: 一村 needs review on H2, H4, H5, K7 and three are decided.
        assert_eq!((v1.open, v1.decided), (1, 3), "{l}");
        // 二村: K3 K4 K5 K6 / H3 H6 H7, three pairs, H6 and H7 agree.
        let v2 = acc.villages.iter().find(|v| v.region_code == V2).unwrap();
        assert_eq!(
            (
                v2.tally.register,
                v2.tally.source,
                v2.tally.matched,
                v2.tally.agreeing
            ),
            (4, 3, 3, 2),
            "{l}"
        );
        assert_eq!(v2.accuracy, Some(2.0 / 3.0));
        assert_eq!(acc.townships.len(), 1);
        assert_eq!(acc.townships[0].tally, *t);
        // The village worker's view counts only their village.
        let mine = reconcile::accuracy(&store, r.reconciliation_id, Some(&code(V1))).unwrap();
        assert_eq!(mine.total.tally, v1.tally);
        let _: Option<AppError> = None;
        store.verify_audit().unwrap().unwrap();
        // The register still equals the fold of its events after the fix.
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

#[test]
fn source_import_errors_name_file_row_and_column() {
    let db = renkou_store::testing::TestDb::sqlite();
    let store = db.store_with(&[&renkou_reconciliation::MIGRATIONS]);
    setup(&store);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    // Row 2: an impossible date and row 3: an unknown village are kept (flagged);
    // row 4 has neither a birth date nor a mother, row 5 is a total row: refused.
    std::fs::write(
        &path,
        "记录编号,婴儿性别,出生日期,母亲姓名,区划代码\nA1,1,2024-02-30,王芳,349901101201\nA2,1,2024-03-01,李娜,349901101299\nA3,1,,,349901101201\n合计,,,,\n",
    )
    .unwrap();
    match reconcile::import_source(&store, &path, &spec(), &opts(), &NoProgress) {
        Err(AppError::InvalidRows { errors, .. }) => {
            let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            assert_eq!(text.len(), 2, "{text:?}");
            assert!(
                text.iter().any(|e| e.contains("bad.csv:4:出生日期")),
                "{text:?}"
            );
            assert!(text.iter().any(|e| e.contains("bad.csv:5:")), "{text:?}");
        }
        other => panic!("expected row errors, got {other:?}"),
    }
    assert!(store.sources().unwrap().is_empty());
    // A period that ends before it starts, or an area outside the account's.
    let mut s = spec();
    s.to = d(2023, 1, 1);
    assert!(
        reconcile::import_source(&store, &write_source(dir.path()), &s, &opts(), &NoProgress)
            .is_err()
    );
    let o = ImportOptions::by(Actor::account(
        "cun1",
        "",
        Scope {
            role: Role::VillageWorker,
            region: code(V1),
        },
    ));
    assert!(
        reconcile::import_source(&store, &write_source(dir.path()), &spec(), &o, &NoProgress)
            .is_err()
    );
    // Choosing to load the rest: the two usable rows are kept as written, the two
    // others written beside the file.
    let skip = ImportOptions {
        skip_invalid: true,
        ..opts()
    };
    let i = reconcile::import_source(&store, &path, &spec(), &skip, &NoProgress).unwrap();
    assert_eq!(i.report.counts.new, 2);
    assert_eq!(i.report.rejected_rows, 2);
    assert_eq!(i.refused.len(), 2);
    let rejected = std::fs::read_to_string(i.report.rejected_file.unwrap()).unwrap();
    assert!(rejected.contains("合计"), "{rejected}");
    assert_eq!(i.flagged_total, 2);
    use renkou_domain::birth::SourceFlag;
    assert!(
        i.flagged.contains(&(SourceFlag::BirthDateInvalid, 1)),
        "{:?}",
        i.flagged
    );
    assert!(
        i.flagged.contains(&(SourceFlag::RegionUnknown, 1)),
        "{:?}",
        i.flagged
    );
    let kept = store.source_births("县医院2024").unwrap();
    assert_eq!(kept[0].birth_date, None);
    assert_eq!(kept[0].birth_date_text(), "2024-02-30");
    assert_eq!(kept[1].region_code, None);
    assert_eq!(kept[1].region_text(), "349901101299");
}
