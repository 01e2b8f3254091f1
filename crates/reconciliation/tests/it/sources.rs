//! Sources as they really arrive, on SQLite and PostgreSQL: a hospital file with
//! miswritten mothers' ID numbers (wrong check digit, 15 digits, month 13 inside,
//! full-width digits, two digits swapped) and a village the region tree does not
//! know imports as written (GBK CSV and xlsx) and reconciles; twins with one name
//! missing stay two births; a ledger row copied with a typo links to the one birth
//! and counts once, as 重报; a fit that fails its checks falls back to the shipped
//! defaults and the stored report says so; a county's saved model is used.

use crate::workflow::{code, mother_id, mothers, opts, setup, spec, TOWN, V1, V2};
use renkou_domain::account::{Role, Scope};
use renkou_domain::birth::SourceFlag;
use renkou_domain::progress::NoProgress;
use renkou_linkage::{LinkOptions, ModelOrigin};
use renkou_reconciliation::rules::ItemClass;
use renkou_reconciliation::tables::{Item, ItemFilter, ReconciliationTables};
use renkou_reconciliation::trust::ModelSource;
use renkou_reconciliation::workflow::{self as reconcile, ReconcileOptions, ReconcileReport};
use renkou_store::testing::databases;
use renkou_store::{Actor, Store};
use std::path::{Path, PathBuf};

const HEADER: [&str; 9] = [
    "记录编号",
    "婴儿姓名",
    "婴儿性别",
    "出生日期",
    "孩次",
    "母亲姓名",
    "母亲身份号码",
    "母亲出生日期",
    "区划代码",
];

fn id_of(no: &str) -> String {
    let m = mothers().into_iter().find(|m| m.no == no).unwrap();
    mother_id(m.seq, m.birth).to_string()
}

fn mother(no: &str) -> (String, String, String) {
    let m = mothers().into_iter().find(|m| m.no == no).unwrap();
    (m.name.to_string(), id_of(no), m.birth.to_string())
}

#[allow(clippy::too_many_arguments)]
fn row(
    rid: &str,
    child: &str,
    sex: &str,
    birth: &str,
    order: &str,
    mo: &str,
    id: &str,
    v: &str,
) -> Vec<String> {
    let (name, _, born) = mother(mo);
    [rid, child, sex, birth, order, &name, id, &born, v]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The hospital's year as its clerks wrote it: one slip per row, each child of the
/// register (K1–K7) once.
fn hospital_rows() -> Vec<Vec<String>> {
    let wrong_check = {
        let id = id_of("M1");
        let last = if id.ends_with('0') { '1' } else { '0' };
        format!("{}{last}", &id[..17])
    };
    let legacy = {
        let id = id_of("M2");
        format!("{}{}", &id[..6], &id[8..17])
    };
    let month_13 = {
        let id = id_of("M3");
        format!("{}13{}", &id[..10], &id[12..])
    };
    let full_width: String = id_of("M4")
        .chars()
        .map(|c| {
            char::from_u32(c as u32 - '0' as u32 + '０' as u32)
                .filter(|_| c.is_ascii_digit())
                .unwrap_or(c)
        })
        .collect();
    let swapped = {
        // Two different digits of the sequence swapped: the check digit no longer fits.
        let id: Vec<char> = id_of("M6").chars().collect();
        let mut s = id.clone();
        let k = (14..16).find(|&k| s[k] != s[k + 1]).unwrap_or(6);
        s.swap(k, k + 1);
        s.into_iter().collect::<String>()
    };
    vec![
        row(
            "H1",
            "王小明",
            "1",
            "2024-03-01",
            "2",
            "M1",
            &wrong_check,
            V1,
        ),
        row("H2", "李子涵", "2", "2024-05-10", "1", "M2", &legacy, V1),
        row("H3", "张一诺", "1", "2024-06-15", "1", "M3", &month_13, V2),
        row(
            "H4",
            "刘子轩",
            "1",
            "2024-08-20",
            "1",
            "M4",
            &full_width,
            V2,
        ),
        row(
            "H5",
            "刘子涵",
            "2",
            "2024-08-20",
            "2",
            "M4",
            &id_of("M4"),
            V2,
        ),
        row("H6", "杨梓萱", "2", "2024-10-05", "1", "M6", &swapped, V2),
        // A village number the region tree does not have.
        row(
            "H7",
            "周一",
            "1",
            "2024-11-11",
            "1",
            "M7",
            &id_of("M7"),
            "349901101299",
        ),
    ]
}

fn csv_text(rows: &[Vec<String>]) -> String {
    let mut s = HEADER.join(",");
    s.push('\n');
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

/// As Excel on Chinese Windows saves it.
fn write_gbk(dir: &Path, name: &str, rows: &[Vec<String>]) -> PathBuf {
    let text = csv_text(rows);
    let (bytes, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    let p = dir.join(name);
    std::fs::write(&p, &bytes).unwrap();
    p
}

fn write_xlsx(dir: &Path, name: &str, rows: &[Vec<String>]) -> PathBuf {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    let p = dir.join(name);
    wb.save(&p).unwrap();
    p
}

fn items(store: &Store, r: &ReconcileReport) -> Vec<Item> {
    store
        .reconciliation_items(
            r.reconciliation_id,
            &ItemFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .unwrap()
        .0
}

fn pair_of<'a>(items: &'a [Item], record: &str) -> Option<&'a Item> {
    items
        .iter()
        .find(|i| i.source_record_id.as_deref() == Some(record))
}

fn import(store: &Store, path: &Path, name: &str) -> i64 {
    let mut s = spec();
    s.name = name.into();
    reconcile::import_source(store, path, &s, &opts(), &NoProgress)
        .unwrap()
        .source_id
        .unwrap()
}

#[test]
fn a_hospital_file_with_miswritten_id_numbers_imports_and_reconciles() {
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&[&renkou_reconciliation::MIGRATIONS]);
        setup(&store);
        let dir = tempfile::tempdir().unwrap();
        let rows = hospital_rows();
        for (n, path) in [
            ("医院GBK", write_gbk(dir.path(), "hospital.csv", &rows)),
            ("医院xlsx", write_xlsx(dir.path(), "hospital.xlsx", &rows)),
        ] {
            let mut s = spec();
            s.name = n.into();
            let i = reconcile::import_source(&store, &path, &s, &opts(), &NoProgress).unwrap();
            assert_eq!(i.report.counts.new, 7, "{l} {n}");
            assert_eq!(i.report.rejected_rows, 0, "{l} {n}");
            let count = |f: SourceFlag| {
                i.flagged
                    .iter()
                    .find(|(g, _)| *g == f)
                    .map(|x| x.1)
                    .unwrap_or(0)
            };
            assert_eq!(
                count(SourceFlag::MotherIdCheckDigit),
                2,
                "{l} {n} {:?}",
                i.flagged
            );
            assert_eq!(count(SourceFlag::MotherIdLegacy), 1, "{l} {n}");
            assert_eq!(count(SourceFlag::MotherIdBirthDate), 1, "{l} {n}");
            assert_eq!(count(SourceFlag::MotherIdMalformed), 1, "{l} {n}");
            assert_eq!(count(SourceFlag::RegionUnknown), 1, "{l} {n}");
            assert_eq!(i.flagged_total, 6, "{l} {n}");
            // Kept exactly as written.
            let kept = store.source_births(n).unwrap();
            let h3 = kept.iter().find(|b| b.record_id == "H3").unwrap();
            assert_eq!(h3.mother_id_number, None);
            assert_eq!(h3.mother_id_text(), rows[2][6], "{l} {n}");
            let h2 = kept.iter().find(|b| b.record_id == "H2").unwrap();
            assert_eq!(
                h2.mother_id_number.as_ref().map(|x| x.to_string()),
                Some(id_of("M2"))
            );
            assert_eq!(h2.mother_id_text(), rows[1][6]);

            let r = reconcile::reconcile(
                &store,
                i.source_id.unwrap(),
                None,
                None,
                &Actor::operator("tongji"),
            )
            .unwrap();
            let its = items(&store, &r);
            for (rid, person) in [
                ("H1", "K1"),
                ("H2", "K2"),
                ("H3", "K3"),
                ("H4", "K4"),
                ("H5", "K5"),
                ("H6", "K6"),
                ("H7", "K7"),
            ] {
                let it = pair_of(&its, rid).unwrap();
                assert_eq!(
                    (it.person_no.as_deref(), it.class),
                    (Some(person), ItemClass::Agree),
                    "{l} {n} {rid}"
                );
            }
            assert_eq!(r.tally.source, 7, "{l} {n}");
            assert_eq!(r.tally.matched, 7, "{l} {n}");
            assert_eq!(r.trust.flagged_records, 6, "{l} {n}");
            assert_eq!(r.trust.auto_pairs, 7, "{l} {n}");
            assert_eq!(r.trust.review_pairs, 0, "{l} {n}");
        }
    }
}

#[test]
fn twins_with_one_name_missing_stay_two_births() {
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&[&renkou_reconciliation::MIGRATIONS]);
        setup(&store);
        let dir = tempfile::tempdir().unwrap();
        let id = id_of("M4");
        let rows = vec![
            row("L1", "刘子轩", "1", "2024-08-20", "1", "M4", &id, V2),
            // The sister: not named yet.
            row("L2", "", "2", "2024-08-20", "2", "M4", &id, V2),
            row(
                "L3",
                "杨梓萱",
                "2",
                "2024-10-05",
                "1",
                "M6",
                &id_of("M6"),
                V2,
            ),
        ];
        let sid = import(
            &store,
            &write_gbk(dir.path(), "ledger.csv", &rows),
            "二村台帐",
        );
        let r = reconcile::reconcile(
            &store,
            sid,
            Some(code(V2)),
            None,
            &Actor::operator("tongji"),
        )
        .unwrap();
        let its = items(&store, &r);
        assert!(
            its.iter().all(|i| i.class != ItemClass::Duplicate),
            "{l}: {its:?}"
        );
        assert_eq!(
            pair_of(&its, "L1").unwrap().person_no.as_deref(),
            Some("K4"),
            "{l}"
        );
        assert_eq!(
            pair_of(&its, "L2").unwrap().person_no.as_deref(),
            Some("K5"),
            "{l}"
        );
        assert_eq!(r.tally.source, 3, "{l}: two children and one more");
        assert_eq!(r.trust.duplicates, 0, "{l}");
    }
}

#[test]
fn a_row_copied_with_a_typo_links_to_the_one_birth_and_counts_once() {
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&[&renkou_reconciliation::MIGRATIONS]);
        setup(&store);
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![
            row(
                "L1",
                "王小明",
                "1",
                "2024-03-01",
                "2",
                "M1",
                &id_of("M1"),
                V1,
            ),
            // The same row entered again, the child's name mistyped.
            row(
                "L2",
                "王晓明",
                "1",
                "2024-03-01",
                "2",
                "M1",
                &id_of("M1"),
                V1,
            ),
            row(
                "L3",
                "李子涵",
                "2",
                "2024-05-10",
                "1",
                "M2",
                &id_of("M2"),
                V1,
            ),
            row("L4", "周一", "1", "2024-11-11", "1", "M7", &id_of("M7"), V1),
        ];
        let sid = import(
            &store,
            &write_xlsx(dir.path(), "ledger.xlsx", &rows),
            "一村台帐",
        );
        let r = reconcile::reconcile(
            &store,
            sid,
            Some(code(V1)),
            None,
            &Actor::operator("tongji"),
        )
        .unwrap();
        let its = items(&store, &r);
        let l1 = pair_of(&its, "L1").unwrap();
        let l2 = pair_of(&its, "L2").unwrap();
        assert_eq!(
            (l1.class, l1.person_no.as_deref()),
            (ItemClass::Agree, Some("K1")),
            "{l}"
        );
        assert_eq!(
            (
                l2.class,
                l2.person_no.as_deref(),
                l2.duplicate_of.as_deref()
            ),
            (ItemClass::Duplicate, Some("K1"), Some("L1")),
            "{l}: the copy links to the same birth"
        );
        // K1, K2, K7 of 一村; three distinct source births, all matched.
        assert_eq!(
            (r.tally.register, r.tally.source, r.tally.matched),
            (3, 3, 3),
            "{l}: the birth is counted once"
        );
        assert_eq!(r.classes[&ItemClass::Duplicate], 1, "{l}");
        assert_eq!(
            (r.trust.duplicates, r.trust.duplicates_linked),
            (1, 1),
            "{l}"
        );
        // Nothing of the register is left over: K1 is not "register only".
        assert!(
            its.iter()
                .all(|i| !(i.class == ItemClass::RegisterOnly
                    && i.person_no.as_deref() == Some("K1")))
        );
    }
}

/// A model whose match class is the strangers' (and the strangers' class the
/// matches'): EM started there stays there, the checks fail, and the defaults are
/// used instead, which still reconcile right.
fn broken_start() -> renkou_linkage::Model {
    let mut m = renkou_linkage::defaults::shipped(renkou_linkage::Task::BirthsLink);
    let last = m.classes.len() - 1;
    let (a, b) = (m.classes[0].levels.clone(), m.classes[last].levels.clone());
    m.classes[0].levels = b;
    m.classes[last].levels = a;
    m
}

/// `n` more mothers with a child each in 2024 (synthetic names and numbers), in the
/// register, and their hospital rows (every tenth mother's number with a wrong
/// check digit): enough candidate pairs for a fit to be judged.
fn more_births(store: &Store, n: usize) -> Vec<Vec<String>> {
    use renkou_domain::{Date, IdNumber, MaritalStatus, PersonRecord, Residence, Sex};
    let surnames = [
        "赵", "钱", "孙", "吴", "郑", "冯", "褚", "卫", "蒋", "沈", "韩", "朱",
    ];
    let given = [
        "雅", "静", "婷", "雪", "琳", "慧", "颖", "洁", "倩", "琴", "云", "霞", "燕",
    ];
    let boys = ["浩", "宇", "轩", "睿", "博", "泽", "航", "晨", "阳", "锐"];
    let mut people = Vec::new();
    let mut rows = Vec::new();
    for i in 0..n {
        let born = Date::from_ymd_opt(
            1985 + (i % 12) as i32,
            1 + (i % 12) as u32,
            1 + (i % 27) as u32,
        )
        .unwrap();
        let id = IdNumber::compose(349901, born, 100 + 2 * i as u16);
        let name = format!(
            "{}{}{}",
            surnames[i % 12],
            given[(i / 12) % 13],
            given[(i / 3) % 13]
        );
        let village = if i % 2 == 0 { V1 } else { V2 };
        let child_birth =
            Date::from_ymd_opt(2024, 1 + (i % 12) as u32, 1 + (i * 7 % 28) as u32).unwrap();
        let male = i % 3 != 0;
        let child = format!(
            "{}{}{}",
            surnames[i % 12],
            boys[i % 10],
            given[(i * 5) % 13]
        );
        let person =
            |no: String, name: String, sex, birth, mother: Option<String>, id| PersonRecord {
                person_no: no,
                name,
                sex,
                birth_date: birth,
                id_number: id,
                household_no: format!("HX{i}"),
                region_code: code(village),
                marital_status: MaritalStatus::NotStated,
                mother_no: mother,
                father_no: None,
                residence: Residence::Resident,
                phone: None,
                death_date: None,
                relation: None,
            };
        people.push(person(
            format!("XM{i}"),
            name.clone(),
            Sex::Female,
            born,
            None,
            Some(id.clone()),
        ));
        people.push(person(
            format!("XK{i}"),
            child.clone(),
            if male { Sex::Male } else { Sex::Female },
            child_birth,
            Some(format!("XM{i}")),
            None,
        ));
        let mut written = id.to_string();
        if i % 10 == 0 {
            let last = if written.ends_with('0') { '1' } else { '0' };
            written = format!("{}{last}", &written[..17]);
        }
        rows.push(
            [
                format!("X{i}"),
                child,
                if male { "1" } else { "2" }.to_string(),
                child_birth.to_string(),
                "1".to_string(),
                name,
                written,
                born.to_string(),
                village.to_string(),
            ]
            .to_vec(),
        );
    }
    let mut imp = store
        .begin_person_import(renkou_store::ImportMeta {
            kind: "persons",
            file_name: "more.csv".into(),
            source: None,
            actor: Actor::operator("test"),
        })
        .unwrap();
    for p in &people {
        imp.push(p, None).unwrap();
    }
    imp.commit(&[], &[], |_, _| Ok(())).unwrap();
    rows
}

#[test]
fn a_fit_that_fails_its_checks_falls_back_and_the_report_says_so() {
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&[&renkou_reconciliation::MIGRATIONS]);
        setup(&store);
        let mut rows = hospital_rows();
        rows.extend(more_births(&store, 240));
        let dir = tempfile::tempdir().unwrap();
        let sid = import(&store, &write_gbk(dir.path(), "h.csv", &rows), "医院");
        let opts = ReconcileOptions {
            linkage: LinkOptions {
                train_start: Some(broken_start()),
                ..Default::default()
            },
            ..Default::default()
        };
        let r =
            reconcile::reconcile_with(&store, sid, None, None, &opts, &Actor::operator("tongji"))
                .unwrap();
        assert_eq!(
            r.trust.link_fit.origin,
            ModelOrigin::Default,
            "{l}: {}",
            r.trust.link_fit
        );
        assert!(r.trust.fell_back(), "{l}");
        // Its matches are strangers: they do not agree on the mother's ID number.
        let failed: Vec<&str> = r.trust.link_fit.failed().map(|c| c.name.as_str()).collect();
        assert!(failed.contains(&"identifier_agreement"), "{l}: {failed:?}");
        let text = r.trust.to_string();
        assert!(text.contains("已改用内置默认参数"), "{l}: {text}");
        // The defaults still put every record where it belongs.
        assert_eq!(r.tally.matched, 247, "{l}");
        assert_eq!(r.classes.get(&ItemClass::Agree).copied(), Some(247), "{l}");
        // The stored report is the run's.
        let stored = store.reconciliation(r.reconciliation_id).unwrap().unwrap();
        let t = stored.trust.unwrap();
        assert!(t.link_fit.fell_back(), "{l}");
        assert_eq!(t.auto_pairs, r.trust.auto_pairs);

        // Fitted from the shipped defaults, the same records keep their fit.
        let ok = reconcile::reconcile(&store, sid, None, None, &Actor::operator("tongji")).unwrap();
        assert_eq!(
            ok.trust.link_fit.origin,
            ModelOrigin::Trained,
            "{l}: {}",
            ok.trust.link_fit
        );
        assert!(ok.trust.link_fit.passed(), "{l}: {}", ok.trust.link_fit);
        assert_eq!(ok.tally.matched, 247, "{l}");
    }
}

#[test]
fn a_county_saves_its_reviewed_model_and_its_reconciliations_use_it() {
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&[&renkou_reconciliation::MIGRATIONS]);
        setup(&store);
        let dir = tempfile::tempdir().unwrap();
        let sid = import(
            &store,
            &write_gbk(dir.path(), "h.csv", &hospital_rows()),
            "医院",
        );
        let first =
            reconcile::reconcile(&store, sid, None, None, &Actor::operator("tongji")).unwrap();
        assert_eq!(first.trust.model, ModelSource::Fitted);
        // A township's account cannot set the county's model.
        let town = Actor::account(
            "zhen",
            "",
            Scope {
                role: Role::TownshipStaff,
                region: code(TOWN),
            },
        );
        assert!(reconcile::save_county_model(&store, first.reconciliation_id, &town).is_err());
        let county = reconcile::save_county_model(
            &store,
            first.reconciliation_id,
            &Actor::operator("tongji"),
        )
        .unwrap();
        assert_eq!(county.as_str(), "349901000000");
        let second =
            reconcile::reconcile(&store, sid, None, None, &Actor::operator("tongji")).unwrap();
        match &second.trust.model {
            ModelSource::County { from, .. } => {
                assert_eq!(*from, Some(first.reconciliation_id), "{l}")
            }
            other => panic!("{l}: {other:?}"),
        }
        assert_eq!(second.trust.link_fit.origin, ModelOrigin::Supplied, "{l}");
        assert_eq!(second.tally, first.tally, "{l}");
        let refit = ReconcileOptions {
            refit: true,
            ..Default::default()
        };
        let third =
            reconcile::reconcile_with(&store, sid, None, None, &refit, &Actor::operator("tongji"))
                .unwrap();
        assert_eq!(third.trust.model, ModelSource::Fitted, "{l}");
        assert!(
            reconcile::clear_county_model(&store, &county, &Actor::operator("tongji")).unwrap()
        );
        store.verify_audit().unwrap().unwrap();
    }
}

/// Two rows of one mother's birth the register lacks, alike but for a sex left out
/// on one: the model finds them alike, but nothing corroborates one child (no
/// names, no second sex to compare, no register birth). The later row is queued as
/// a possible duplicate with both records; it counts as a birth until a reviewer
/// confirms it repeats the other, and then the birth is counted once.
#[test]
fn an_uncertain_duplicate_is_queued_with_both_records() {
    use renkou_reconciliation::rules::{Decision, ReviewStatus};
    for db in databases() {
        let l = &db.label;
        let store = db.store_with(&[&renkou_reconciliation::MIGRATIONS]);
        setup(&store);
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![
            row(
                "L1",
                "王小明",
                "1",
                "2024-03-01",
                "2",
                "M1",
                &id_of("M1"),
                V1,
            ),
            row("L5", "", "", "2024-08-08", "2", "M2", &id_of("M2"), V1),
            row("L6", "", "2", "2024-08-08", "2", "M2", &id_of("M2"), V1),
        ];
        let sid = import(&store, &write_gbk(dir.path(), "ledger.csv", &rows), "台帐");
        let r = reconcile::reconcile(
            &store,
            sid,
            Some(code(V1)),
            None,
            &Actor::operator("tongji"),
        )
        .unwrap();
        let its = items(&store, &r);
        let l5 = pair_of(&its, "L5").unwrap();
        let l6 = pair_of(&its, "L6").unwrap();
        assert_eq!(l5.class, ItemClass::SourceOnly, "{l}");
        assert_eq!(
            (l6.class, l6.duplicate_of.as_deref()),
            (ItemClass::PossibleDuplicate, Some("L5")),
            "{l}: queued against the row it may repeat"
        );
        assert!(l6.match_probability.is_some(), "{l}");
        assert_eq!(r.trust.review_duplicates, 1, "{l}");
        // The review page has both records and the explanation.
        let d = reconcile::item_detail(&store, l6.clone()).unwrap();
        assert_eq!(
            (
                d.source.map(|s| s.record_id),
                d.original.map(|s| s.record_id)
            ),
            (Some("L6".to_string()), Some("L5".to_string())),
            "{l}"
        );
        assert!(d.explanation.is_some(), "{l}");
        // Open: two births of the source (L1 and K1 matched; L5, L6), one pending.
        let before = reconcile::accuracy(&store, r.reconciliation_id, None)
            .unwrap()
            .total
            .tally;
        assert_eq!((before.source, before.pending), (3, 1), "{l}");
        let status = reconcile::review(
            &store,
            l6.id,
            Decision::Confirm,
            None,
            Some("同一出生录入两次"),
            &Actor::operator("tongji"),
        )
        .unwrap();
        assert_eq!(status, ReviewStatus::Confirmed);
        let after = reconcile::accuracy(&store, r.reconciliation_id, None)
            .unwrap()
            .total
            .tally;
        assert_eq!((after.source, after.pending), (2, 0), "{l}: counted once");
    }
}
