//! Files for people, read back as Excel users and our importers read them, on
//! both databases: the village roster (花名册) in the offices' columns with
//! households as blocks, typed cells (ID numbers as strings, dates as date
//! cells, 序号 as numbers), and re-imported through the roster import with
//! nothing added, changed or missing — as xlsx, as CSV (ID numbers as `="…"`)
//! and for a township (所属村); the persons file for people, in words, read
//! back by the persons importer unchanged.

use calamine::{open_workbook, Data, Reader, Xlsx};
use renkou_domain::account::{Role, Scope};
use renkou_interchange::sheet::SheetSpec;
use renkou_interchange::write::OutFormat;
use renkou_register::export::{
    export_roster, household_columns, household_rows, person_columns, person_row, write_sheet,
};
use renkou_register::import::import_persons;
use renkou_register::roster::{import_roster, plan_roster};
use renkou_store::{Actor, ImportOptions};
use renkou_testkit::*;

use crate::roster::{opts, worker, write_xlsx};

fn sheet(path: &std::path::Path, name: &str) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    assert_eq!(wb.sheet_names(), vec![name.to_string()]);
    wb.worksheet_range(name).unwrap()
}

fn text(c: &Data) -> String {
    match c {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("expected a string cell, got {other:?}"),
    }
}

#[test]
fn a_roster_exported_for_people_imports_again_with_nothing_to_change() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let first = write_xlsx(dir.path(), "一村花名册.xlsx", false);
        import_roster(&store, &first, &opts(worker(V1), false)).unwrap();

        let out = dir.path().join("导出花名册.xlsx");
        let today = d(2026, 12, 1);
        let n = export_roster(&store, &code(V1), None, &out, OutFormat::Xlsx, today).unwrap();
        assert_eq!(n, 9, "{}", db.label);
        let r = sheet(&out, "花名册");
        // The title row, then the offices' header.
        assert_eq!(text(&r[(0, 0)]), "一村户籍人口花名册（2026年12月1日导出）");
        let header: Vec<String> = (0..13).map(|c| text(&r[(1, c)])).collect();
        assert_eq!(
            header,
            [
                "序号",
                "户主姓名",
                "姓名",
                "与户主关系",
                "性别",
                "出生年月",
                "身份证号码",
                "民族",
                "文化程度",
                "婚姻状况",
                "居住状态",
                "联系电话",
                "备注"
            ]
        );
        assert_eq!(r.width(), 13, "no 所属村 for a village");
        // Households as blocks, head first: 王测一's household is four rows.
        let names: Vec<String> = (2..r.height()).map(|i| text(&r[(i, 2)])).collect();
        let wang = names.iter().position(|n| n == "王测一").unwrap();
        assert_eq!(
            &names[wang..wang + 4],
            ["王测一", "李测二", "王测三", "王测四"],
            "{names:?}"
        );
        let row = wang + 2;
        assert_eq!(
            r[(row, 0)],
            Data::Float((wang + 1) as f64),
            "序号 is a number"
        );
        assert_eq!(text(&r[(row, 1)]), "王测一");
        assert_eq!(text(&r[(row + 3, 1)]), "王测一", "户主姓名 on every row");
        assert_eq!(text(&r[(row, 3)]), "户主");
        assert_eq!(text(&r[(row + 1, 3)]), "妻");
        assert_eq!(text(&r[(row, 4)]), "男");
        // A real date cell; the ID number a string cell, all 18 characters.
        match &r[(row, 5)] {
            Data::DateTime(dt) => {
                assert_eq!(
                    dt.as_datetime().unwrap().date(),
                    renkou_domain::IdNumber::parse(&text(&r[(row, 6)]))
                        .unwrap()
                        .birth_date()
                )
            }
            other => panic!("出生年月 should be a date cell: {other:?}"),
        }
        assert_eq!(
            text(&r[(row, 6)]),
            renkou_domain::IdNumber::compose(349901, d(1970, 5, 12), 11).to_string()
        );
        assert_eq!(text(&r[(row, 7)]), "汉族", "民族 kept from the roster");
        assert_eq!(text(&r[(row, 8)]), "初中");
        assert_eq!(text(&r[(row, 9)]), "已婚");
        assert_eq!(text(&r[(row, 10)]), "常住");
        assert_eq!(text(&r[(row, 11)]), "13900000001");
        assert_eq!(text(&r[(row + 3, 12)]), "在外读书", "备注 kept");

        // Re-imported as it is: the same nine persons, nothing to do.
        let again = plan_roster(&store, &out, &opts(worker(V1), true)).unwrap();
        assert!(again.errors.is_empty(), "{}: {:?}", db.label, again.errors);
        assert_eq!(
            (again.added.len(), again.changed.len(), again.missing.len()),
            (0, 0, 0),
            "{}: {:?} {:?} {:?}",
            db.label,
            again.added,
            again.changed,
            again.missing
        );
        assert_eq!(again.unchanged, 9, "{}", db.label);

        // The same as CSV: ID numbers written ="…" so Excel keeps them as text,
        // and read back by the roster import as the digits.
        let csv_path = dir.path().join("导出花名册.csv");
        export_roster(&store, &code(V1), None, &csv_path, OutFormat::Csv, today).unwrap();
        let bytes = std::fs::read(&csv_path).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let csv_text = String::from_utf8(bytes).unwrap();
        let wang_id = renkou_domain::IdNumber::compose(349901, d(1970, 5, 12), 11).to_string();
        assert!(
            csv_text.contains(&format!("\"=\"\"{wang_id}\"\"\"")),
            "{csv_text}"
        );
        let mut rd = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
        let first_row = rd.records().next().unwrap().unwrap();
        assert_eq!(&first_row[0], "1");
        assert!(first_row[5].len() == 10 && first_row[5].as_bytes()[4] == b'-');
        let again = plan_roster(&store, &csv_path, &opts(worker(V1), true)).unwrap();
        assert!(again.errors.is_empty(), "{}: {:?}", db.label, again.errors);
        assert_eq!(
            (
                again.added.len(),
                again.changed.len(),
                again.missing.len(),
                again.unchanged
            ),
            (0, 0, 0, 9),
            "{}: {:?}",
            db.label,
            again.changed
        );

        // One household: its card.
        let wang_no = {
            let mut no = String::new();
            store
                .for_each_live_person_in(&code(V1), &mut |p| {
                    if p.name == "王测一" {
                        no = p.household_no.clone();
                    }
                    Ok(())
                })
                .unwrap();
            no
        };
        let card = dir.path().join("户卡.xlsx");
        let n = export_roster(
            &store,
            &code(V1),
            Some(&wang_no),
            &card,
            OutFormat::Xlsx,
            today,
        )
        .unwrap();
        assert_eq!(n, 4);
        let r = sheet(&card, "户卡");
        assert!(text(&r[(0, 0)]).contains(&wang_no) && text(&r[(0, 0)]).contains("户主 王测一"));
        assert_eq!(r.height(), 6);

        // A township's roster names each row's village (所属村) and also comes back.
        let out = dir.path().join("镇花名册.xlsx");
        export_roster(&store, &code(TOWN_A), None, &out, OutFormat::Xlsx, today).unwrap();
        let r = sheet(&out, "花名册");
        assert_eq!(text(&r[(1, 13)]), "所属村");
        assert_eq!(text(&r[(2, 13)]), "一村");
        let staff = Actor::account(
            "zhen",
            "127.0.0.1",
            Scope {
                role: Role::TownshipStaff,
                region: code(TOWN_A),
            },
        );
        let mut o = opts(staff, true);
        o.village = None;
        let again = plan_roster(&store, &out, &o).unwrap();
        assert!(again.errors.is_empty(), "{}: {:?}", db.label, again.errors);
        assert_eq!(
            (again.added.len(), again.changed.len(), again.unchanged),
            (0, 0, 9),
            "{}",
            db.label
        );
    }
}

#[test]
fn the_persons_file_for_people_is_in_words_and_reads_back_unchanged() {
    for db in databases() {
        let store = db.store();
        load(&store, &register());
        let dir = tempfile::tempdir().unwrap();
        let mut persons = Vec::new();
        store
            .for_each_live_person_in(&code(V1), &mut |p| {
                persons.push(p);
                Ok(())
            })
            .unwrap();
        assert!(!persons.is_empty());
        let path = dir.path().join("人员.xlsx");
        let spec = SheetSpec {
            title: "一村人员名单".into(),
            sheet: "人员名单".into(),
            columns: person_columns(),
            landscape: false,
        };
        let n = write_sheet(
            &path,
            OutFormat::Xlsx,
            &spec,
            persons.iter().map(person_row),
        )
        .unwrap();
        assert_eq!(n as usize, persons.len());
        let r = sheet(&path, "人员名单");
        assert_eq!(text(&r[(0, 0)]), "一村人员名单");
        assert_eq!(text(&r[(1, 2)]), "性别");
        let p = &persons[0];
        assert_eq!(text(&r[(2, 0)]), p.person_no);
        assert_eq!(text(&r[(2, 2)]), p.sex.name_zh());
        assert!(matches!(r[(2, 3)], Data::DateTime(_)), "{:?}", r[(2, 3)]);
        assert_eq!(text(&r[(2, 7)]), p.marital_status.name_zh());
        assert_eq!(text(&r[(2, 10)]), p.residence.name_zh());
        if let Some(id) = &p.id_number {
            assert_eq!(text(&r[(2, 4)]), id.to_string());
        }
        // The persons importer reads it back: every row unchanged.
        let o = ImportOptions::by(Actor::operator("clerk"));
        let report =
            import_persons(&store, &path, &o, &renkou_domain::progress::NoProgress).unwrap();
        assert_eq!(
            (
                report.counts.read,
                report.counts.unchanged,
                report.counts.new,
                report.counts.corrected
            ),
            (persons.len() as u64, persons.len() as u64, 0, 0),
            "{}",
            db.label
        );
        let mut after = Vec::new();
        store
            .for_each_live_person_in(&code(V1), &mut |p| {
                after.push(p);
                Ok(())
            })
            .unwrap();
        assert_eq!(after, persons, "{}", db.label);

        // Households: numbers as numbers, the head by name.
        let rows = household_rows(&store, &code(V1)).unwrap();
        let path = dir.path().join("户.xlsx");
        let spec = SheetSpec {
            title: "一村户名单".into(),
            sheet: "户名单".into(),
            columns: household_columns(),
            landscape: false,
        };
        write_sheet(&path, OutFormat::Xlsx, &spec, rows.clone()).unwrap();
        let r = sheet(&path, "户名单");
        assert_eq!(r.height(), rows.len() + 2);
        assert!(
            matches!(r[(2, 4)], Data::Float(x) if x >= 1.0),
            "{:?}",
            r[(2, 4)]
        );
        assert_eq!(text(&r[(2, 2)]), "一村");
    }
}

#[test]
fn voided_records_are_in_no_file_print_or_household_card() {
    use renkou_interchange::sheet::Cell;
    use renkou_register::export::{export_persons, roster_households};
    for db in databases() {
        let store = db.store();
        let l = db.label;
        // Z1 was entered as the head of 一村's household, Z2 as the head of a
        // household of her own: both by mistake, and voided.
        let mut z1 = person("Z1", renkou_domain::Sex::Female, d(1970, 1, 1), V1);
        z1.relation = Some(renkou_domain::Relation::HEAD);
        let mut z2 = person("Z2", renkou_domain::Sex::Female, d(1971, 1, 1), V1);
        z2.household_no = "HZ2".into();
        z2.relation = Some(renkou_domain::Relation::HEAD);
        let mut persons = register();
        persons.extend([z1, z2]);
        load(&store, &persons);
        for no in ["Z1", "Z2"] {
            renkou_register::void::void_record(&store, &worker(V1), no, "登记错误").unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        // The persons export: 一村's seven (D1, dead, included), not the voided.
        let path = dir.path().join("persons.csv");
        let n = export_persons(
            &store,
            &code(V1),
            &path,
            OutFormat::Csv,
            false,
            &renkou_domain::progress::NoProgress,
        )
        .unwrap();
        let file = std::fs::read_to_string(&path).unwrap();
        assert_eq!(n, 7, "{l}");
        assert!(!file.contains("测试Z1") && !file.contains("测试Z2"), "{l}");
        // The households file: one household of six living, with no head named.
        let rows = household_rows(&store, &code(V1)).unwrap();
        assert_eq!(rows.len(), 1, "{l}: {rows:?}");
        assert_eq!(rows[0][0], Cell::code(household_of(V1)), "{l}");
        assert_eq!(
            (&rows[0][1], &rows[0][4]),
            (&Cell::text(""), &Cell::Int(6)),
            "{l}"
        );
        // The roster to print and download, and the household card.
        let households = roster_households(&store, &code(V1), None).unwrap();
        let listed: Vec<(&str, usize)> = households
            .iter()
            .map(|h| (h.household_no.as_str(), h.members.len()))
            .collect();
        assert_eq!(listed, [(household_of(V1).as_str(), 6)], "{l}");
        assert!(households[0]
            .members
            .iter()
            .all(|(p, _)| p.person_no != "Z1"));
        assert!(
            roster_households(&store, &code(V1), Some("HZ2"))
                .unwrap()
                .is_empty(),
            "{l}"
        );
        let out = dir.path().join("花名册.xlsx");
        let n = export_roster(
            &store,
            &code(V1),
            None,
            &out,
            OutFormat::Xlsx,
            d(2026, 12, 1),
        )
        .unwrap();
        assert_eq!(n, 6, "{l}");
    }
}
