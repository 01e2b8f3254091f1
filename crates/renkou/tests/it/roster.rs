//! `renkou import persons ROSTER.xlsx --village CODE [--dry-run]` with the real
//! binary on both databases: a village's own roster (title row, Chinese headers,
//! no numbers) is previewed with its column mapping, imported, and re-imported
//! next month with what changed; a roster without a village is refused clearly.

use renkou_domain::{Date, IdNumber};
use renkou_store::testing::databases;
use renkou_store::Store;
use std::path::Path;

use crate::common::{fails, ok};

const REGIONS: &str = "region_code,name
349901000000,演示县
349901101000,甲镇
349901101201,一村
";

fn write_roster(path: &Path, next_month: bool) {
    use rust_xlsxwriter::{Format, Workbook};
    let id = IdNumber::compose(349901, Date::from_ymd_opt(1975, 9, 30).unwrap(), 15).to_string();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .merge_range(0, 0, 0, 7, "一村户籍人口花名册", &Format::new())
        .unwrap();
    let rows: Vec<Vec<&str>> = vec![
        vec![
            "序号",
            "户主姓名",
            "姓名",
            "与户主关系",
            "性别",
            "出生年月",
            "身份证号码",
            "婚姻状况",
        ],
        vec![
            "1",
            "褚测一",
            "褚测一",
            "户主",
            "男",
            "1975.09",
            &id,
            "已婚",
        ],
        vec![
            "2",
            "",
            "卫测二",
            "妻",
            "女",
            "1977年6月",
            "",
            if next_month { "离婚" } else { "已婚" },
        ],
        vec!["3", "", "褚测三", "长女", "女", "200010", "", "未婚"],
        vec!["合计", "", "3人"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

#[test]
fn a_village_roster_from_the_command_line() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        ok(&db.url, &["init"]);
        let regions = dir.path().join("regions.csv");
        std::fs::write(&regions, REGIONS).unwrap();
        ok(&db.url, &["regions", "import", regions.to_str().unwrap()]);
        let roster = dir.path().join("一村花名册.xlsx");
        write_roster(&roster, false);
        let file = roster.to_str().unwrap();

        // Without a village the roster cannot be placed.
        let err = fails(&db.url, &["import", "persons", file]);
        assert!(err.contains("--village"), "{}: {err}", db.label);

        let out = ok(
            &db.url,
            &[
                "import",
                "persons",
                file,
                "--village",
                "349901101201",
                "--dry-run",
            ],
        );
        assert!(out.contains("出生年月 → 出生年月"), "{}: {out}", db.label);
        assert!(out.contains("身份证号码 → 身份证号码"), "{out}");
        assert!(out.contains("与户主关系 → 与户主关系"), "{out}");
        assert!(out.contains("新增 3 人（新户 1 户）"), "{out}");
        assert!(out.contains("合计行，已跳过"), "{out}");
        assert!(out.contains("仅检查，未写入"), "{out}");
        let store = Store::open(&db.url).unwrap();
        assert_eq!(store.counts().unwrap().persons, 0, "{}: dry run", db.label);

        let out = ok(
            &db.url,
            &["import", "persons", file, "--village", "349901101201"],
        );
        assert!(out.contains("已导入"), "{out}");
        let c = store.counts().unwrap();
        assert_eq!((c.persons, c.households), (3, 1), "{}", db.label);

        // Next month: 卫测二 divorced; the preview says so field by field.
        write_roster(&roster, true);
        let out = ok(
            &db.url,
            &[
                "import",
                "persons",
                file,
                "--village",
                "349901101201",
                "--dry-run",
            ],
        );
        assert!(out.contains("变更 1 人"), "{}: {out}", db.label);
        assert!(out.contains("婚姻状况：已婚 → 离婚"), "{out}");
        assert!(out.contains("无变化 2 人"), "{out}");
        let out = ok(
            &db.url,
            &["import", "persons", file, "--village", "349901101201"],
        );
        assert!(out.contains("变更 1 人"), "{out}");
        let c = store.counts().unwrap();
        assert_eq!(
            (c.persons, c.events),
            (3, 4),
            "{}: one correction event",
            db.label
        );
        ok(&db.url, &["verify"]);
    }
}
