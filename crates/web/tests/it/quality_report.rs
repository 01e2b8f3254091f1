//! The data-quality report against a real reconciliation, on both databases: a
//! hospital source is imported and reconciled through the reconciliation use
//! cases, the report is made from the register's figures (the source the pages
//! and the CLI use), and its table is read back out of the .docx and compared
//! with figures worked out by hand; after a review the report made again follows.
//!
//! The register and source are those of the reconciliation crate's own workflow
//! test (its comments explain each record): 甲镇 has 7 births of 2024 (一村 K1 K2
//! K7, 二村 K3 K4 K5 K6); the hospital reported H1–H7, H5 repeating H1.

use renkou_domain::progress::NoProgress;
use renkou_domain::{
    Date, IdNumber, MaritalStatus, PersonRecord, Region, RegionCode, Residence, Sex,
};
use renkou_reconciliation::rules::{Decision, SourceKind};
use renkou_reconciliation::tables::{ItemFilter, ReconciliationTables};
use renkou_reconciliation::workflow::{self as reconcile, SourceSpec};
use renkou_reports::{archive, Format, Kind, Request};
use renkou_store::testing::databases;
use renkou_store::{Actor, ImportMeta, ImportOptions, Store};
use std::io::Read;

const TOWN: &str = "349901101000";
const V1: &str = "349901101201";
const V2: &str = "349901101202";

fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd_opt(y, m, dd).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// A mother: number, name, birth (y, m, d), ID sequence, village.
type Mother = (
    &'static str,
    &'static str,
    (i32, u32, u32),
    u16,
    &'static str,
);

const MOTHERS: [Mother; 7] = [
    ("M1", "王芳", (1990, 1, 11), 2, V1),
    ("M2", "李娜", (1992, 2, 12), 4, V1),
    ("M3", "张敏", (1988, 3, 13), 6, V2),
    ("M4", "刘洋", (1991, 4, 14), 8, V2),
    ("M5", "陈静", (1993, 5, 15), 10, V1),
    ("M6", "杨丽", (1994, 6, 16), 12, V2),
    ("M7", "周红", (1995, 7, 17), 14, V1),
];

fn mother(no: &str) -> (&'static str, Date, IdNumber, &'static str) {
    let (_, name, (y, m, dd), seq, v) = *MOTHERS.iter().find(|m| m.0 == no).unwrap();
    (
        name,
        d(y, m, dd),
        IdNumber::compose(349901, d(y, m, dd), seq),
        v,
    )
}

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

fn setup(store: &Store) {
    let region = |c: &str, n: &str| Region {
        code: code(c),
        name: n.into(),
        valid_from: None,
        valid_to: None,
        successor: None,
    };
    store
        .upsert_regions(&[
            region("349901000000", "演示县"),
            region(TOWN, "甲镇"),
            region(V1, "一村"),
            region(V2, "二村"),
        ])
        .unwrap();
    let mut people = Vec::new();
    for (no, ..) in MOTHERS {
        let (name, birth, id, v) = mother(no);
        people.push(person(no, name, Sex::Female, birth, v, None, Some(id)));
    }
    for (no, name, sex, birth, m) in [
        ("K0", "王一", Sex::Male, d(2020, 2, 2), "M1"),
        ("K1", "王小明", Sex::Male, d(2024, 3, 1), "M1"),
        ("K2", "李子涵", Sex::Female, d(2024, 5, 10), "M2"),
        ("K3", "张一诺", Sex::Male, d(2024, 6, 15), "M3"),
        ("K4", "刘子轩", Sex::Male, d(2024, 8, 20), "M4"),
        ("K5", "刘子涵", Sex::Female, d(2024, 8, 20), "M4"),
        ("K6", "杨梓萱", Sex::Female, d(2024, 10, 5), "M6"),
        ("K7", "周一", Sex::Male, d(2024, 11, 11), "M7"),
    ] {
        people.push(person(no, name, sex, birth, mother(m).3, Some(m), None));
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

fn hospital_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut csv = String::from(
        "record_id,child_name,child_sex,birth_date,birth_order,mother_name,mother_id_number,mother_birth_date,region_code,place\n",
    );
    for (rid, child, sex, birth, order, mo) in [
        ("H1", "王小明", "1", "2024-03-01", "2", "M1"), // agrees with K1
        ("H2", "李子涵", "1", "2024-05-10", "1", "M2"), // sex differs from K2
        ("H3", "张一诺", "1", "2024-06-15", "2", "M3"), // order differs from K3
        ("H4", "", "2", "2024-09-09", "1", "M5"),       // M5 has no child in the register
        ("H5", "", "1", "2024-03-01", "2", "M1"),       // H1 again
        ("H6", "杨梓萱", "2", "2024-10-05", "1", "M6"), // agrees with K6
        ("H7", "", "0", "2024-08-20", "", "M4"),        // one of M4's twins: a reviewer decides
    ] {
        let (name, birth_m, id, v) = mother(mo);
        csv.push_str(&format!(
            "{rid},{child},{sex},{birth},{order},{name},{id},{birth_m},{v},县医院\n"
        ));
    }
    let path = dir.join("hospital.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

/// The text of a .docx's body, one paragraph or table cell per line.
fn docx_text(docx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut out = String::new();
    let mut rest = xml.as_str();
    loop {
        let t = rest.find("<w:t");
        let p = rest.find("</w:p>");
        match (t, p) {
            (Some(t), p) if p.is_none_or(|p| t < p) => {
                let after = &rest[t..];
                let open_end = after.find('>').unwrap();
                if after[..open_end].ends_with('/')
                    || !(after[4..].starts_with('>') || after[4..].starts_with(' '))
                {
                    rest = &after[open_end + 1..];
                    continue;
                }
                let body = &after[open_end + 1..];
                let close = body.find("</w:t>").unwrap();
                out.push_str(
                    &body[..close]
                        .replace("&amp;", "&")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">"),
                );
                rest = &body[close + 6..];
            }
            (_, Some(p)) => {
                out.push('\n');
                rest = &rest[p + 6..];
            }
            _ => break,
        }
    }
    out
}

/// The nine figures after a row's label in the quality table: 登记出生, 来源出生,
/// 匹配, 一致, 准确率, 漏报, 重报, 错报, 待审核.
fn row<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = text.lines().collect();
    // The table's rows come after its last header cell.
    let header = lines
        .iter()
        .position(|l| *l == "待审核")
        .expect("the table's header");
    let at = header
        + lines[header..]
            .iter()
            .position(|l| *l == label)
            .unwrap_or_else(|| panic!("no row {label} in\n{text}"));
    lines[at + 1..at + 10].to_vec()
}

#[test]
fn the_quality_report_reads_back_the_reconciliation_it_reports() {
    for db in databases() {
        let l = db.label;
        let store = db.store_with(&renkou_web::migrations());
        setup(&store);
        let dir = tempfile::tempdir().unwrap();
        let county = Actor::operator("tongji");
        let spec = SourceSpec {
            kind: SourceKind::Hospital,
            name: "县医院2024".into(),
            region: code(TOWN),
            from: d(2024, 1, 1),
            to: d(2024, 12, 31),
        };
        let sid = reconcile::import_source(
            &store,
            &hospital_file(dir.path()),
            &spec,
            &ImportOptions::by(county.clone()),
            &NoProgress,
        )
        .unwrap()
        .source_id
        .unwrap();
        let r = reconcile::reconcile(&store, sid, None, None, &county).unwrap();

        let cache = renkou_indicators::figures::StatCache::new();
        let source = renkou_web::reports::RegisterFigures {
            store: &store,
            cache: &cache,
        };
        let request = Request {
            kind: Kind::Quality,
            region: code(TOWN),
            period: renkou_stats::Period::year(2024),
            format: Format::Docx,
            as_of: None,
        };
        let text = docx_text(
            &archive::generate(&store, &county, &source, &request, None)
                .unwrap()
                .bytes,
        );
        // By hand, before any review. 甲镇: 7 register births, 6 distinct source
        // births (H5 repeats H1), 4 pairs (H1–K1, H2–K2, H3–K3, H6–K6; H7–K4
        // waits), 2 agree: 2/6 = 33.33 %; missed H4, duplicated H5, misreported H2
        // and H3; open: all 9 items but the 2 agreeing = 7.
        assert_eq!(
            row(&text, "甲镇"),
            ["7", "6", "4", "2", "33.33", "1", "1", "2", "7"],
            "{l}"
        );
        // 一村: K1 K2 K7 / H1 H2 H4: pairs H1–K1, H2–K2, one agrees (1/3); H4
        // missed, H5 duplicated, H2 misreported; open H2 H4 H5 K7.
        assert_eq!(
            row(&text, "一村"),
            ["3", "3", "2", "1", "33.33", "1", "1", "1", "4"],
            "{l}"
        );
        // 二村: K3 K4 K5 K6 / H3 H6 H7: pairs H3–K3, H6–K6, H6 agrees (1/3); H3
        // misreported; open H3, H7–K4, K5.
        assert_eq!(
            row(&text, "二村"),
            ["4", "3", "2", "1", "33.33", "0", "0", "1", "3"],
            "{l}"
        );
        assert!(
            text.contains("统计准确率33.33%"),
            "{l}: the sentence quotes the total"
        );

        // The county confirms H7 as K4: one more pair, agreeing (its blanks do not
        // contradict); 3/6 = 50 % overall, 二村 2/3.
        let (items, _) = store
            .reconciliation_items(
                r.reconciliation_id,
                &ItemFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .unwrap();
        let h7 = items
            .iter()
            .find(|i| i.source_record_id.as_deref() == Some("H7"))
            .unwrap()
            .id;
        reconcile::review(
            &store,
            h7,
            Decision::Confirm,
            None,
            Some("产妇出院记录为男孩"),
            &county,
        )
        .unwrap();
        let text = docx_text(
            &archive::generate(&store, &county, &source, &request, None)
                .unwrap()
                .bytes,
        );
        assert_eq!(
            row(&text, "甲镇"),
            ["7", "6", "5", "3", "50.00", "1", "1", "2", "6"],
            "{l}"
        );
        assert_eq!(
            row(&text, "二村"),
            ["4", "3", "3", "2", "66.67", "0", "0", "1", "2"],
            "{l}"
        );
        assert_eq!(
            row(&text, "一村"),
            ["3", "3", "2", "1", "33.33", "1", "1", "1", "4"],
            "{l}"
        );
    }
}
