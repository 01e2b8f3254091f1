//! A village's own roster (花名册) imported as it is, on both databases: a real
//! xlsx with a title row, three households under their heads, blank rows and a
//! 合计 row, month-only birth dates in three spellings, an Excel date cell, people
//! without ID numbers and an ID number that disagrees with the stated birth date;
//! the same roster as a GBK CSV; next month's roster with one person changed, one
//! added and one missing; and a village outside the importer's area refused.

use renkou_domain::account::{Role, Scope};
use renkou_domain::person::Field;
use renkou_domain::{Date, IdNumber, PersonRecord, Relation, Residence, Sex};
use renkou_register::roster::{import_roster, plan_roster, RosterOptions, RosterReport};
use renkou_register::AppError;
use renkou_store::audit::AuditQuery;
use renkou_store::{Actor, Store, StoreError};
use renkou_testkit::*;
use std::path::{Path, PathBuf};

const HEADERS: [&str; 13] = [
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
    "备注",
];

fn id(birth: Date, seq: u16) -> String {
    IdNumber::compose(349901, birth, seq).to_string()
}

/// A roster cell: text, or an Excel date.
#[derive(Clone)]
enum C {
    T(String),
    Day(Date),
}

fn t(s: &str) -> C {
    C::T(s.to_string())
}

/// The rows of the roster under its header (None: a blank row), first month.
fn rows(next_month: bool) -> Vec<Option<Vec<C>>> {
    let wang = id(d(1970, 5, 12), 11);
    let li = id(d(1972, 8, 3), 22);
    // Says 1980-02-15, while the roster says 1980-02-14.
    let zhao = id(d(1980, 2, 15), 31);
    let zhao7 = id(d(2010, 6, 1), 41);
    let mut v = vec![
        Some(vec![
            t("1"),
            t("王测一"),
            t("王测一"),
            t("户主"),
            t("男"),
            t("1970.05"),
            t(&wang),
            t("汉族"),
            t("初中"),
            t("已婚"),
            t("常住"),
            t("13900000001"),
            t(""),
        ]),
        Some(vec![
            t("2"),
            t(""),
            t("李测二"),
            t("妻"),
            t("女"),
            t("1972年8月"),
            t(&li),
            t("汉族"),
            t("小学"),
            t("已婚"),
            t(if next_month { "外出务工" } else { "常住" }),
            t(""),
            t(""),
        ]),
        Some(vec![
            t("3"),
            t(""),
            t("王测三"),
            t("长子"),
            t("男"),
            t("199503"),
            t(""),
            t("汉族"),
            t("高中"),
            t("未婚"),
            t("常住"),
            t(""),
            t(""),
        ]),
        Some(vec![
            t("4"),
            t(""),
            t("王测四"),
            t("女"),
            t("女"),
            t("2001.7"),
            t(""),
            t("汉族"),
            t("大学"),
            t("未婚"),
            t("常住"),
            t(""),
            t("在外读书"),
        ]),
        None,
        Some(vec![
            t("5"),
            t("赵测五"),
            t("赵测五"),
            t("户主"),
            t("男"),
            C::Day(d(1980, 2, 14)),
            t(&zhao),
            t("汉族"),
            t("初中"),
            t("已婚"),
            t("常住"),
            t(""),
            t(""),
        ]),
        Some(vec![
            t("6"),
            t("赵测五"),
            t("孙测六"),
            t("配偶"),
            t("女"),
            t("1983.11"),
            t(""),
            t("回族"),
            t("初中"),
            t("已婚"),
            t("常住"),
            t(""),
            t(""),
        ]),
        Some(vec![
            t("7"),
            t("赵测五"),
            t("赵测七"),
            t("子"),
            t(""),
            t(""),
            t(&zhao7),
            t("汉族"),
            t("小学"),
            t("未婚"),
            t("常住"),
            t(""),
            t(""),
        ]),
        None,
        None,
        Some(vec![
            t("8"),
            t("钱测八"),
            t("钱测八"),
            t("户主"),
            t("女"),
            t("1960年1月"),
            t(""),
            t("汉族"),
            t("小学"),
            t("丧偶"),
            t("常住"),
            t(""),
            t(""),
        ]),
    ];
    if !next_month {
        v.push(Some(vec![
            t("9"),
            t("钱测八"),
            t("周测九"),
            t("孙子"),
            t("男"),
            t("2015.10"),
            t(""),
            t("汉族"),
            t(""),
            t("未婚"),
            t("常住"),
            t(""),
            t(""),
        ]));
    }
    if next_month {
        // A newborn in the first household, listed under it.
        v.insert(
            4,
            Some(vec![
                t("5"),
                t(""),
                t("王测十"),
                t("孙子"),
                t("男"),
                t("2025年1月"),
                t(""),
                t("汉族"),
                t(""),
                t("未婚"),
                t("常住"),
                t(""),
                t("新生"),
            ]),
        );
    }
    v.push(Some(vec![t("合计"), t(""), t("9人")]));
    v
}

pub(crate) fn write_xlsx(dir: &Path, name: &str, next_month: bool) -> PathBuf {
    use chrono::Datelike;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let path = dir.join(name);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .merge_range(0, 0, 0, 12, "一村户籍人口花名册", &Format::new())
        .unwrap();
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    for (r, row) in rows(next_month).iter().enumerate() {
        let Some(row) = row else { continue };
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 2, c as u16);
            match cell {
                // 出生年月 typed as a plain number in Excel.
                C::T(s) if s == "199503" => {
                    sheet.write_number(r, c, 199503.0).unwrap();
                }
                C::T(s) if s.is_empty() => {}
                C::T(s) => {
                    sheet.write_string(r, c, s).unwrap();
                }
                C::Day(day) => {
                    sheet
                        .write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::from_ymd(
                                day.year() as u16,
                                day.month() as u8,
                                day.day() as u8,
                            )
                            .unwrap(),
                            &date_fmt,
                        )
                        .unwrap();
                }
            }
        }
    }
    book.save(&path).unwrap();
    path
}

/// The same roster as Excel on Chinese Windows saves it as CSV: GBK, the
/// date cell as Excel shows it.
fn write_gbk_csv(dir: &Path, name: &str, next_month: bool) -> PathBuf {
    let mut text = String::from("一村户籍人口花名册,,,,,,,,,,,,\r\n");
    text.push_str(&HEADERS.join(","));
    text.push_str("\r\n");
    for row in rows(next_month) {
        let cells: Vec<String> = match row {
            None => vec![String::new(); 13],
            Some(r) => r
                .into_iter()
                .map(|c| match c {
                    C::T(s) => s,
                    C::Day(day) => day.format("%Y/%-m/%-d").to_string(),
                })
                .collect(),
        };
        text.push_str(&cells.join(","));
        text.push_str("\r\n");
    }
    let (bytes, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    path
}

pub(crate) fn worker(village: &str) -> Actor {
    Actor::account(
        "cun1",
        "127.0.0.1",
        Scope {
            role: Role::VillageWorker,
            region: code(village),
        },
    )
}

pub(crate) fn opts(actor: Actor, dry_run: bool) -> RosterOptions {
    RosterOptions {
        village: Some(code(V1)),
        sheet: None,
        mapping: None,
        dry_run,
        actor,
    }
}

fn imports(store: &Store) -> Vec<String> {
    store
        .audit_entries(&AuditQuery {
            action: Some("import".into()),
            limit: 100,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| e.fields)
        .collect()
}

fn by_name(store: &Store) -> std::collections::HashMap<String, PersonRecord> {
    let mut out = std::collections::HashMap::new();
    store
        .for_each_live_person_in(&code(V1), &mut |p| {
            out.insert(p.name.clone(), p);
            Ok(())
        })
        .unwrap();
    out
}

fn quality(store: &Store, person_no: &str) -> Vec<String> {
    let mut v: Vec<String> = store
        .quality_issues(&code(V1))
        .unwrap()
        .into_iter()
        .filter(|q| q.issue.person_no == person_no)
        .map(|q| q.issue.kind.as_str().to_string())
        .collect();
    v.sort();
    v
}

/// What the first month's roster must have made of the register.
fn check_first_import(store: &Store, r: &RosterReport, label: &str) {
    assert!(r.committed, "{label}");
    assert_eq!(r.added.len(), 9, "{label}: {:?}", r.added);
    assert_eq!(r.households_new, 3, "{label}");
    assert!(r.errors.is_empty(), "{label}: {:?}", r.errors);
    // The total row and the blank rows are notes, not errors.
    let notes = r.notes.join("\n");
    assert!(notes.contains("合计"), "{label}: {notes}");
    assert!(notes.contains("第7行为空行"), "{label}: {notes}");
    assert!(notes.contains("第11–12行为空行"), "{label}: {notes}");
    let p = by_name(store);
    assert_eq!(p.len(), 9, "{label}");
    let (wang, li, san, si) = (&p["王测一"], &p["李测二"], &p["王测三"], &p["王测四"]);
    let (zhao, sun, zhao7) = (&p["赵测五"], &p["孙测六"], &p["赵测七"]);
    let (qian, zhou) = (&p["钱测八"], &p["周测九"]);
    // Households: blocks under their heads, numbered by the register.
    for m in [li, san, si] {
        assert_eq!(m.household_no, wang.household_no, "{label}");
    }
    for m in [sun, zhao7] {
        assert_eq!(m.household_no, zhao.household_no, "{label}");
    }
    assert_eq!(zhou.household_no, qian.household_no, "{label}");
    assert_ne!(wang.household_no, zhao.household_no);
    assert_ne!(zhao.household_no, qian.household_no);
    assert!(wang.person_no.starts_with('W') && wang.household_no.starts_with('H'));
    assert_eq!(wang.relation, Some(Relation::HEAD));
    assert_eq!(li.relation.map(|r| r.code()), Some("12".to_string()));
    assert_eq!(san.relation.map(|r| r.code()), Some("22".to_string()));
    assert_eq!(zhou.relation.map(|r| r.name_zh()), Some("孙子"));
    // Month-only dates with an ID number: the ID number's day.
    assert_eq!(wang.birth_date, d(1970, 5, 12), "{label}");
    assert_eq!(li.birth_date, d(1972, 8, 3), "{label}");
    // Without one: the 1st of the month, flagged as known to the month only.
    assert_eq!(san.birth_date, d(1995, 3, 1), "{label}");
    assert_eq!(si.birth_date, d(2001, 7, 1), "{label}");
    assert_eq!(sun.birth_date, d(1983, 11, 1), "{label}");
    assert_eq!(qian.birth_date, d(1960, 1, 1), "{label}");
    assert_eq!(zhou.birth_date, d(2015, 10, 1), "{label}");
    for m in [san, si, sun, qian, zhou] {
        assert_eq!(
            quality(store, &m.person_no),
            vec!["birth_date_month_only"],
            "{label}: {}",
            m.name
        );
    }
    assert!(quality(store, &wang.person_no).is_empty(), "{label}");
    // The Excel date disagrees with the ID number: kept as written, and listed.
    assert_eq!(zhao.birth_date, d(1980, 2, 14), "{label}");
    assert_eq!(
        quality(store, &zhao.person_no),
        vec!["id_birth_date_mismatch"],
        "{label}"
    );
    // Sex and birth date from the ID number where the columns are empty.
    assert_eq!(
        (zhao7.sex, zhao7.birth_date),
        (Sex::Male, d(2010, 6, 1)),
        "{label}"
    );
    assert_eq!(
        zhao7.id_number.as_ref().map(|i| i.to_string()),
        Some(id(d(2010, 6, 1), 41))
    );
    assert_eq!(qian.marital_status.name_zh(), "丧偶");
    assert_eq!(si.id_number, None);
    // One audit entry for the roster, in its transaction.
    let audits = imports(store);
    assert_eq!(audits.len(), 1, "{label}: {audits:?}");
    assert!(
        audits[0].contains("roster") && audits[0].contains("new=9"),
        "{label}: {audits:?}"
    );
    // The register's invariant: the current state is the fold of the events.
    renkou_store::verify::verify_register(store).unwrap();
}

#[test]
fn a_village_roster_in_xlsx_imports_as_it_is() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write_xlsx(dir.path(), "一村花名册.xlsx", false);
        // The preview: the mapping and what would be added, nothing written.
        let preview = plan_roster(&store, &path, &opts(worker(V1), true)).unwrap();
        assert!(!preview.committed);
        assert_eq!(preview.added.len(), 9, "{}", db.label);
        let mapped: Vec<(String, Option<&str>)> = preview
            .mapping
            .iter()
            .map(|m| (m.header.clone(), m.field))
            .collect();
        assert!(
            mapped.contains(&("出生年月".into(), Some("birth_date"))),
            "{mapped:?}"
        );
        assert!(
            mapped.contains(&("身份证号码".into(), Some("id_number"))),
            "{mapped:?}"
        );
        assert!(
            mapped.contains(&("与户主关系".into(), Some("relation"))),
            "{mapped:?}"
        );
        assert!(
            mapped.contains(&("户主姓名".into(), Some("head_name"))),
            "{mapped:?}"
        );
        assert_eq!(
            preview.quality.len(),
            6,
            "{}: {:?}",
            db.label,
            preview.quality
        );
        assert!(
            by_name(&store).is_empty(),
            "{}: a preview writes nothing",
            db.label
        );
        assert!(imports(&store).is_empty());

        let r = import_roster(&store, &path, &opts(worker(V1), false)).unwrap();
        check_first_import(&store, &r, db.label);
        // 民族 and the other columns the register has no field for are kept.
        assert!(r.added.iter().all(|a| a.person_no.is_some()));
    }
}

#[test]
fn the_same_roster_as_a_gbk_csv() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write_gbk_csv(dir.path(), "huamingce.csv", false);
        let r = import_roster(&store, &path, &opts(Actor::operator("clerk"), false)).unwrap();
        check_first_import(&store, &r, db.label);
    }
}

#[test]
fn next_months_roster_finds_the_same_people() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let first = write_xlsx(dir.path(), "2025-11.xlsx", false);
        import_roster(&store, &first, &opts(worker(V1), false)).unwrap();
        let before = by_name(&store);
        // A phone number changed on the web after the first roster: the next
        // roster (still the old number) does not undo it.
        let wang_no = before["王测一"].person_no.clone();
        renkou_register::events::record_event(
            &store,
            &worker(V1),
            &wang_no,
            renkou_domain::EventKind::Correction {
                field: Field::Phone,
                old: "13900000001".into(),
                new: "13900000002".into(),
                reason: "电话号码变更".into(),
            },
            "web",
        )
        .unwrap();
        let before = by_name(&store);
        let next = write_xlsx(dir.path(), "2025-12.xlsx", true);
        let preview = plan_roster(&store, &next, &opts(worker(V1), true)).unwrap();
        assert!(
            preview.errors.is_empty(),
            "{}: {:?}",
            db.label,
            preview.errors
        );
        // Added: the newborn, into the first household.
        assert_eq!(preview.added.len(), 1, "{}: {:?}", db.label, preview.added);
        assert_eq!(preview.added[0].name, "王测十");
        assert_eq!(
            preview.added[0].household_no.as_deref(),
            Some(before["王测一"].household_no.as_str())
        );
        assert_eq!(preview.households_new, 0);
        // Changed, field by field: 李测二 now works away.
        assert_eq!(
            preview.changed.len(),
            1,
            "{}: {:?}",
            db.label,
            preview.changed
        );
        let c = &preview.changed[0];
        assert_eq!(c.person_no, before["李测二"].person_no);
        assert_eq!(
            c.fields,
            vec![(Field::Residence, "resident".into(), "outflow".into())]
        );
        assert_eq!(preview.unchanged, 7, "{}", db.label);
        assert_eq!(preview.kept.len(), 1, "{}: {:?}", db.label, preview.kept);
        let k = &preview.kept[0];
        assert_eq!(
            (
                k.person_no.as_str(),
                k.field,
                k.register.as_str(),
                k.file.as_str()
            ),
            (wang_no.as_str(), Field::Phone, "13900000002", "13900000001")
        );
        // Missing from the new file: listed, not deleted.
        assert_eq!(
            preview.missing.len(),
            1,
            "{}: {:?}",
            db.label,
            preview.missing
        );
        assert_eq!(preview.missing[0].person_no, before["周测九"].person_no);
        assert_eq!(
            by_name(&store),
            before,
            "{}: a preview writes nothing",
            db.label
        );

        let r = import_roster(&store, &next, &opts(worker(V1), false)).unwrap();
        assert!(r.committed);
        let after = by_name(&store);
        assert_eq!(after.len(), 10, "{}", db.label);
        assert_eq!(after["李测二"].residence, Residence::Outflow);
        assert_eq!(after["王测十"].household_no, before["王测一"].household_no);
        assert_eq!(after["王测十"].birth_date, d(2025, 1, 1));
        assert!(after.contains_key("周测九"), "never deleted");
        assert_eq!(after["王测一"].phone.as_deref(), Some("13900000002"));
        // The change is a correction event.
        let events = store.person_events(&before["李测二"].person_no).unwrap();
        assert!(
            matches!(
                &events.last().unwrap().event.kind,
                renkou_domain::EventKind::Correction { field: Field::Residence, new, .. } if new == "outflow"
            ),
            "{}: {events:?}",
            db.label
        );
        // The others are unchanged: only one more event than persons + 1.
        for (name, p) in &before {
            if name != "李测二" {
                assert_eq!(&after[name], p, "{}: {name}", db.label);
            }
        }
        assert_eq!(imports(&store).len(), 2);
        // A third time: nothing changes, nothing is added.
        let again = plan_roster(&store, &next, &opts(worker(V1), true)).unwrap();
        assert_eq!(
            (again.added.len(), again.changed.len(), again.unchanged),
            (0, 0, 9)
        );
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

#[test]
fn a_village_outside_the_area_is_refused() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write_xlsx(dir.path(), "roster.xlsx", false);
        let mut o = opts(worker(V1), false);
        // 三村 is another township's; 二村 the same township's but not ours.
        for village in [V3, V2] {
            o.village = Some(code(village));
            for dry_run in [true, false] {
                o.dry_run = dry_run;
                match plan_roster(&store, &path, &o) {
                    Err(AppError::Store(StoreError::OutsideArea(m))) => {
                        assert!(m.contains(village), "{m}")
                    }
                    other => panic!("{}: expected a refusal, got {other:?}", db.label),
                }
            }
        }
        // A read-only account cannot import at all.
        let stat = Actor::account(
            "stat",
            "127.0.0.1",
            Scope {
                role: Role::CountyStatistician,
                region: code(COUNTY),
            },
        );
        assert!(plan_roster(&store, &path, &opts(stat, false)).is_err());
        assert_eq!(store.counts().unwrap().persons, 0, "{}", db.label);
        assert!(imports(&store).is_empty());
    }
}

#[test]
fn a_chosen_mapping_is_used_and_remembered_for_the_office() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write_xlsx(dir.path(), "roster.xlsx", false);
        let first = plan_roster(&store, &path, &opts(worker(V1), true)).unwrap();
        // The office does not want phones in the register: 联系电话 read as nothing.
        let mut names: Vec<String> = first
            .mapping
            .iter()
            .map(|m| m.field.unwrap_or("").to_string())
            .collect();
        let phone = first
            .mapping
            .iter()
            .position(|m| m.header == "联系电话")
            .unwrap();
        names[phone] = String::new();
        let mut o = opts(worker(V1), false);
        o.mapping = Some(names.clone());
        import_roster(&store, &path, &o).unwrap();
        assert_eq!(by_name(&store)["王测一"].phone, None, "{}", db.label);
        // The next file with the same headers maps the same way, for this office.
        let again = plan_roster(&store, &path, &opts(worker(V1), true)).unwrap();
        assert!(again.mapping_remembered, "{}", db.label);
        assert_eq!(again.mapping[phone].field, None);
        let other_office = plan_roster(&store, &path, &opts(Actor::operator("x"), true)).unwrap();
        assert!(!other_office.mapping_remembered);
        // Without a name column nothing can be read.
        let mut bad = names.clone();
        let name = first
            .mapping
            .iter()
            .position(|m| m.header == "姓名")
            .unwrap();
        bad[name] = String::new();
        o.mapping = Some(bad);
        assert!(matches!(
            plan_roster(&store, &path, &o),
            Err(AppError::File(_))
        ));
    }
}

#[test]
fn relations_survive_persons_files_with_and_without_their_column() {
    use renkou_interchange::write::OutFormat;
    use renkou_register::import::import_persons;
    use renkou_store::ImportOptions;
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write_xlsx(dir.path(), "roster.xlsx", false);
        import_roster(&store, &path, &opts(worker(V1), false)).unwrap();
        let before = by_name(&store);
        // The persons file written by an export carries 与户主关系 and reads back
        // as the same register.
        let out = dir.path().join("persons.csv");
        renkou_register::export::export_persons(
            &store,
            &code(V1),
            &out,
            OutFormat::Csv,
            true,
            &renkou_domain::progress::NoProgress,
        )
        .unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            text.lines().next().unwrap().contains("与户主关系"),
            "{text}"
        );
        let np = &renkou_domain::progress::NoProgress;
        let r = import_persons(&store, &out, &ImportOptions::by(worker(V1)), np).unwrap();
        assert_eq!(
            (r.counts.unchanged, r.counts.corrected),
            (9, 0),
            "{}",
            db.label
        );
        // A file of the 13 older columns says nothing about relations: they stay.
        let old: String = text
            .lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
            .collect();
        let old_path = dir.path().join("persons-13.csv");
        std::fs::write(&old_path, old).unwrap();
        let r = import_persons(&store, &old_path, &ImportOptions::by(worker(V1)), np).unwrap();
        assert_eq!(
            (r.counts.unchanged, r.counts.corrected),
            (9, 0),
            "{}",
            db.label
        );
        assert_eq!(by_name(&store), before, "{}", db.label);
        assert_eq!(before["李测二"].relation.map(|r| r.name_zh()), Some("妻"));
        renkou_store::verify::verify_register(&store).unwrap();
    }
}

#[test]
fn a_township_roster_names_each_row_s_village() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let text = "甲镇花名册\r\n所属村,户主姓名,姓名,与户主关系,性别,出生年月\r\n\
                    一村,蒋测一,蒋测一,户主,男,1966.06\r\n\
                    一村,蒋测一,沈测二,妻,女,1968.01\r\n\
                    二村,韩测三,韩测三,户主,女,1971年12月\r\n\
                    349901101202,韩测三,杨测四,子,男,199908\r\n\
                    三村,朱测五,朱测五,户主,男,1950.01\r\n";
        let path = dir.path().join("town.csv");
        std::fs::write(&path, encoding_rs::GBK.encode(text).0).unwrap();
        let staff = Actor::account(
            "zhen",
            "127.0.0.1",
            Scope {
                role: Role::TownshipStaff,
                region: code(TOWN_A),
            },
        );
        let mut o = opts(staff, false);
        o.village = None;
        // 三村 is another township's: a row error, and nothing is written.
        match import_roster(&store, &path, &o) {
            Err(AppError::InvalidRows { errors, .. }) => {
                assert_eq!(errors.len(), 1, "{}: {errors:?}", db.label);
                assert_eq!(errors[0].row, 7);
                assert_eq!(errors[0].column, "所属村");
            }
            other => panic!("{}: expected a row error, got {other:?}", db.label),
        }
        assert_eq!(store.counts().unwrap().persons, 0);
        let text: String = text.lines().take(6).map(|l| format!("{l}\r\n")).collect();
        std::fs::write(&path, encoding_rs::GBK.encode(&text).0).unwrap();
        let r = import_roster(&store, &path, &o).unwrap();
        assert_eq!((r.added.len(), r.households_new), (4, 2), "{}", db.label);
        let mut v2 = Vec::new();
        store
            .for_each_live_person_in(&code(V2), &mut |p| {
                v2.push(p);
                Ok(())
            })
            .unwrap();
        assert_eq!(v2.len(), 2, "{}", db.label);
        assert_eq!(v2[0].household_no, v2[1].household_no);
        assert_eq!(by_name(&store).len(), 2, "{}: two in 一村", db.label);
    }
}

#[test]
fn an_id_number_held_in_another_village_of_the_area_is_said_before_importing() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write_xlsx(dir.path(), "roster.xlsx", false);
        import_roster(&store, &path, &opts(Actor::operator("clerk"), false)).unwrap();
        let wang = by_name(&store)["王测一"].person_no.clone();
        // The same roster for 二村, previewed by the township's staff.
        let staff = Actor::account(
            "zhen",
            "127.0.0.1",
            Scope {
                role: Role::TownshipStaff,
                region: code(TOWN_A),
            },
        );
        let mut o = opts(staff, true);
        o.village = Some(code(V2));
        let r = plan_roster(&store, &path, &o).unwrap();
        assert_eq!(r.added.len(), 9, "{}", db.label);
        let notes = r.notes.join("\n");
        assert!(
            notes.contains(&wang) && notes.contains(V1),
            "{}: {notes}",
            db.label
        );
        assert!(
            r.quality
                .iter()
                .any(|q| q.1 == renkou_domain::quality::QualityKind::DuplicateIdNumber),
            "{:?}",
            r.quality
        );
        // Another township's worker is told nothing about 一村's persons.
        let other = Actor::account(
            "xiang",
            "127.0.0.1",
            Scope {
                role: Role::VillageWorker,
                region: code(V3),
            },
        );
        let mut o = opts(other, true);
        o.village = Some(code(V3));
        let r = plan_roster(&store, &path, &o).unwrap();
        assert!(!r.notes.join("\n").contains(&wang), "{}", db.label);
    }
}

#[test]
fn a_person_listed_under_another_household_is_noted_not_moved() {
    for db in databases() {
        let store = db.store();
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let first =
            "姓名,与户主关系,性别,出生年月\r\n陶测一,户主,男,1960.01\r\n陶测二,子,男,1985.05\r\n\
                     魏测三,户主,女,1962.02\r\n";
        std::fs::write(&path, first).unwrap();
        import_roster(&store, &path, &opts(worker(V1), false)).unwrap();
        let before = by_name(&store);
        // Next month 陶测二 is listed under 魏测三.
        let next = "姓名,与户主关系,性别,出生年月\r\n陶测一,户主,男,1960.01\r\n\
                    魏测三,户主,女,1962.02\r\n陶测二,其他,男,1985.05\r\n";
        std::fs::write(&path, next).unwrap();
        let r = import_roster(&store, &path, &opts(worker(V1), false)).unwrap();
        let notes = r.notes.join("\n");
        assert!(
            notes.contains(&before["陶测二"].person_no) && notes.contains("户未自动变更"),
            "{}: {notes}",
            db.label
        );
        let after = by_name(&store);
        assert_eq!(after["陶测二"].household_no, before["陶测二"].household_no);
        assert_eq!(after["陶测二"].relation.map(|r| r.name_zh()), Some("其他"));
    }
}

#[test]
fn a_roster_row_is_not_matched_to_a_voided_record() {
    for db in databases() {
        let store = db.store();
        let l = db.label;
        store.upsert_regions(&tree()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = write_xlsx(dir.path(), "roster.xlsx", false);
        import_roster(&store, &path, &opts(worker(V1), false)).unwrap();
        let before = by_name(&store);
        // 王测一 (found again by ID number) and 王测三 (by name and birth date)
        // were entered wrongly and voided.
        let (wang, san) = (
            before["王测一"].person_no.clone(),
            before["王测三"].person_no.clone(),
        );
        for no in [&wang, &san] {
            renkou_register::void::void_record(&store, &worker(V1), no, "登记错误").unwrap();
        }
        // The same roster again: their rows are new persons, not the voided ones.
        let r = plan_roster(&store, &path, &opts(worker(V1), true)).unwrap();
        assert!(r.errors.is_empty(), "{l}: {:?}", r.errors);
        let mut added: Vec<&str> = r.added.iter().map(|a| a.name.as_str()).collect();
        added.sort();
        assert_eq!(added, ["王测一", "王测三"], "{l}");
        assert_eq!(
            (r.changed.len(), r.unchanged, r.missing.len()),
            (0, 7, 0),
            "{l}"
        );
        assert!(
            r.quality
                .iter()
                .all(|q| q.1 != renkou_domain::quality::QualityKind::DuplicateIdNumber),
            "{l}: {:?}",
            r.quality
        );
        // Imported: entered again under new numbers, with no duplicate to check
        // (a voided record holds no ID number); the voided records stay as they
        // were.
        assert!(
            import_roster(&store, &path, &opts(worker(V1), false))
                .unwrap()
                .committed,
            "{l}"
        );
        let again = by_name(&store)["王测一"].person_no.clone();
        assert_ne!(again, wang, "{l}");
        assert!(quality(&store, &again).is_empty(), "{l}");
        assert!(store.voided_by(&wang).unwrap().is_some(), "{l}");
        // Another village's roster with the same ID number is told of the live
        // holder only.
        let staff = Actor::account(
            "zhen",
            "127.0.0.1",
            Scope {
                role: Role::TownshipStaff,
                region: code(TOWN_A),
            },
        );
        let mut o = opts(staff, true);
        o.village = Some(code(V2));
        let notes = plan_roster(&store, &path, &o).unwrap().notes.join("\n");
        assert!(
            notes.contains(&again) && !notes.contains(&wang),
            "{l}: {notes}"
        );
        renkou_store::verify::verify_register(&store).unwrap();
    }
}
