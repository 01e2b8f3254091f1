//! The readers against real files, written the ways Excel, WPS and other systems
//! write them: UTF-8 with and without BOM, GBK, UTF-16 "Unicode text", xlsx.

use renkou_domain::{Date, MaritalStatus, Residence, Sex};
use renkou_interchange::write::{person_cells, OutFormat, TableWriter};
use renkou_interchange::{births, persons, regions, FileError, FileKind, Row, TableReader};
use std::path::{Path, PathBuf};

const ID_A: &str = "349901199002280024"; // synthetic: county 349901 does not exist
fn id_a() -> String {
    renkou_domain::IdNumber::compose(349901, Date::from_ymd_opt(1990, 2, 28).unwrap(), 2)
        .to_string()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read_persons(
    path: &Path,
) -> Result<Vec<Result<renkou_domain::PersonRecord, Vec<renkou_interchange::RowError>>>, FileError>
{
    let mut r = TableReader::open(path, FileKind::Persons, None)?;
    let mut row = Row::default();
    let mut out = Vec::new();
    while r.next_row(&mut row)? {
        out.push(persons::parse(&r, &row));
    }
    Ok(out)
}

fn english_csv() -> String {
    let id = id_a();
    format!(
        "person_id,name,sex,birth_date,id_number,household_id,region_code,marital_status,mother_id,father_id,residence,phone,death_date\n\
         P1,测试甲,2,1990-02-28,{id},H1,349901101201,21,,,resident,,\n\
         P2,测试乙,1,2015/6/1,,H1,349901101201,10,P1,,outflow,19900000001,\n\
         P3,测试丙,男,20200101,,H1,349901101201,,P1,,,,2021年3月5日\n"
    )
}

#[test]
fn utf8_with_and_without_bom_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let plain = write(dir.path(), "plain.csv", english_csv().as_bytes());
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(english_csv().as_bytes());
    let bom = write(dir.path(), "bom.csv", &bom);
    let a = read_persons(&plain).unwrap();
    let b = read_persons(&bom).unwrap();
    assert_eq!(a.len(), 3);
    assert_eq!(
        a.iter().map(|r| r.clone().unwrap()).collect::<Vec<_>>(),
        b.iter().map(|r| r.clone().unwrap()).collect::<Vec<_>>()
    );
    let p = a[2].clone().unwrap();
    assert_eq!(p.sex, Sex::Male);
    assert_eq!(p.birth_date, Date::from_ymd_opt(2020, 1, 1).unwrap());
    assert_eq!(p.death_date, Date::from_ymd_opt(2021, 3, 5));
    assert_eq!(p.marital_status, MaritalStatus::NotStated);
    assert_eq!(p.residence, Residence::Resident);
    let p1 = a[0].clone().unwrap();
    assert_eq!(p1.id_number.unwrap().to_string(), id_a());
    assert_ne!(ID_A, "");
}

#[test]
fn gbk_with_chinese_headers_title_row_and_unknown_columns() {
    let dir = tempfile::tempdir().unwrap();
    let id = id_a();
    let text = format!(
        "一村人员台帐（2024年）,,,,,,\r\n\
         姓名,人员编号,性别,出生日期,户编号,区划代码,公民身份号码,备注\r\n\
         测试甲,P1,女,1990年2月28日,H1,349901101201,{id},已核\r\n\
         测试乙,P2,男,2015-06-01,H1,349901101201,,\r\n"
    );
    let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    let path = write(dir.path(), "ledger.csv", &gbk);
    let mut r = TableReader::open(&path, FileKind::Persons, None).unwrap();
    assert_eq!(r.extra_columns(), vec![(7, "备注".to_string())]);
    let mut row = Row::default();
    assert!(r.next_row(&mut row).unwrap());
    assert_eq!(
        row.line, 3,
        "rows are numbered as the spreadsheet shows them"
    );
    let p = persons::parse(&r, &row).unwrap();
    assert_eq!(p.name, "测试甲");
    assert_eq!(p.sex, Sex::Female);
    assert_eq!(
        persons::extras(&r, &r.extra_columns(), &row).as_deref(),
        Some(r#"{"备注":"已核"}"#)
    );
    assert!(r.next_row(&mut row).unwrap());
    assert!(persons::parse(&r, &row).is_ok());
    assert!(!r.next_row(&mut row).unwrap());
}

#[test]
fn utf16_tab_separated_unicode_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = english_csv().replace(',', "\t");
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let path = write(dir.path(), "unicode.txt", &bytes);
    let rows = read_persons(&path).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.is_ok()));
}

#[test]
fn every_bad_field_is_reported_with_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad_id = {
        let mut s = id_a();
        let last = s.pop().unwrap();
        s.push(if last == '0' { '1' } else { '0' });
        s
    };
    let text = format!(
        "person_id,name,sex,birth_date,id_number,household_id,region_code\n\
         P1,,3,1990-02-30,{bad_id},H1,34990110120\n"
    );
    let path = write(dir.path(), "bad.csv", text.as_bytes());
    let rows = read_persons(&path).unwrap();
    let errs = rows[0].clone().unwrap_err();
    let cols: Vec<&str> = errs.iter().map(|e| e.column.as_str()).collect();
    assert_eq!(
        cols,
        vec!["name", "sex", "birth_date", "id_number", "region_code"]
    );
    for e in &errs {
        assert_eq!(e.row, 2);
        assert!(e.to_string().starts_with(&format!("{}:2:", path.display())));
    }
    assert!(errs[3].message.contains("校验位"), "{}", errs[3].message);
    assert!(errs[3].message.contains("check digit"));
}

#[test]
fn unreadable_files_get_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (write(dir.path(), "empty.csv", b""), "为空"),
        (write(dir.path(), "blank.csv", b"\r\n  \r\n"), "为空"),
        (
            write(
                dir.path(),
                "photo.csv",
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            ),
            "二进制",
        ),
        (
            write(
                dir.path(),
                "mixed.csv",
                &[b'a', b',', 0xFF, 0xFE, 0xFD, b'\n', 0x81, 0x20],
            ),
            "编码",
        ),
        (write(dir.path(), "other.csv", b"a,b,c\n1,2,3\n"), "表头"),
        (
            write(
                dir.path(),
                "partial.csv",
                "人员编号,姓名,性别\nP1,测试,1\n".as_bytes(),
            ),
            "缺少必需的列",
        ),
        (
            write(
                dir.path(),
                "twice.csv",
                "人员编号,person_id,姓名,性别,出生日期,户编号,区划代码\n".as_bytes(),
            ),
            "重复",
        ),
        (
            write(dir.path(), "broken.xlsx", b"PK\x03\x04 this is not a zip"),
            "xlsx",
        ),
    ];
    for (path, expect) in cases {
        let err = match TableReader::open(&path, FileKind::Persons, None) {
            Ok(_) => panic!("{} should be refused", path.display()),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(expect), "{}: {err}", path.display());
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }
}

#[test]
fn xlsx_with_dates_numbers_and_a_long_number_cell() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("人员").unwrap();
    sheet.write_string(0, 0, "一村人员台帐").unwrap();
    let headers = [
        "人员编号",
        "姓名",
        "性别",
        "出生日期",
        "公民身份号码",
        "户编号",
        "区划代码",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    // Row 3: a proper row; the region code typed as a number, the date as an Excel date.
    sheet.write_string(2, 0, "P1").unwrap();
    sheet.write_string(2, 1, "测试甲").unwrap();
    sheet.write_number(2, 2, 2).unwrap();
    sheet
        .write_datetime_with_format(
            2,
            3,
            ExcelDateTime::from_ymd(1990, 2, 28).unwrap(),
            &date_fmt,
        )
        .unwrap();
    sheet.write_string(2, 4, id_a()).unwrap();
    sheet.write_string(2, 5, "H1").unwrap();
    sheet.write_number(2, 6, 349901101201.0).unwrap();
    // Row 4: the ID number typed into a number cell: Excel keeps 15 digits.
    sheet.write_string(3, 0, "P2").unwrap();
    sheet.write_string(3, 1, "测试乙").unwrap();
    sheet.write_string(3, 2, "1").unwrap();
    sheet.write_string(3, 3, "2015/6/1").unwrap();
    sheet.write_number(3, 4, 349901201506010011.0).unwrap();
    sheet.write_string(3, 5, "H1").unwrap();
    sheet.write_string(3, 6, "349901101201").unwrap();
    book.save(&path).unwrap();

    let rows = read_persons(&path).unwrap();
    let p = rows[0].clone().unwrap();
    assert_eq!(p.birth_date, Date::from_ymd_opt(1990, 2, 28).unwrap());
    assert_eq!(p.region_code.as_str(), "349901101201");
    let errs = rows[1].clone().unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].row, 4);
    assert_eq!(errs[0].column, "公民身份号码");
    assert!(errs[0].message.contains("文本"), "{}", errs[0].message);

    // A named sheet, and a sheet that does not exist.
    assert!(TableReader::open(&path, FileKind::Persons, Some("人员")).is_ok());
    let e = TableReader::open(&path, FileKind::Persons, Some("Sheet9"))
        .err()
        .unwrap();
    assert!(e.to_string().contains("Sheet9"));
}

#[test]
fn written_files_read_back_identically() {
    let dir = tempfile::tempdir().unwrap();
    let src = write(dir.path(), "src.csv", english_csv().as_bytes());
    let people: Vec<_> = read_persons(&src)
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    for (format, name) in [(OutFormat::Csv, "out.csv"), (OutFormat::Xlsx, "out.xlsx")] {
        for zh in [false, true] {
            let path = dir.path().join(format!("{zh}-{name}"));
            let mut w = TableWriter::for_kind(&path, format, FileKind::Persons, zh).unwrap();
            for p in &people {
                w.write_row(&person_cells(p)).unwrap();
            }
            w.finish().unwrap();
            let back: Vec<_> = read_persons(&path)
                .unwrap()
                .into_iter()
                .map(|r| r.unwrap())
                .collect();
            assert_eq!(back, people, "{name} zh={zh}");
        }
    }
    let bytes = std::fs::read(dir.path().join("false-out.csv")).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "CSV is written with a BOM for Excel"
    );
}

#[test]
fn regions_and_births_rows() {
    let dir = tempfile::tempdir().unwrap();
    let r = write(
        dir.path(),
        "regions.csv",
        "区划代码,名称,启用日期,停用日期,继承区划\n349901000000,演示县,,,\n349901101202,二村,,2021-01-01,349901101201\n349901101203,三村,,,349901101201\n"
            .as_bytes(),
    );
    let mut reader = TableReader::open(&r, FileKind::Regions, None).unwrap();
    let mut row = Row::default();
    let mut got = Vec::new();
    while reader.next_row(&mut row).unwrap() {
        got.push(regions::parse(&reader, &row));
    }
    assert!(got[0].is_ok() && got[1].is_ok());
    let e = got[2].clone().unwrap_err();
    assert_eq!(e[0].column, "继承区划");

    let b = write(
        dir.path(),
        "births.csv",
        format!(
            "record_id,child_sex,birth_date,birth_order,mother_id_number,region_code,source\n\
             B1,1,2024-01-02,第2孩,{},349901101201,医院\nB2,2,2024-01-03,0,,,\n",
            id_a()
        )
        .as_bytes(),
    );
    let mut reader = TableReader::open(&b, FileKind::Births, None).unwrap();
    reader.next_row(&mut row).unwrap();
    let first = births::parse(&reader, &row).unwrap();
    assert_eq!(first.reported_birth_order, Some(2));
    reader.next_row(&mut row).unwrap();
    // A source is kept as written: an unreadable birth order is flagged, not refused.
    let second = births::parse(&reader, &row).unwrap();
    assert_eq!(second.reported_birth_order, None);
    assert_eq!(second.raw.birth_order.as_deref(), Some("0"));
    assert!(second.has(renkou_domain::birth::SourceFlag::BirthOrderInvalid));
}

#[test]
fn cells_that_look_like_formulas_are_neutralised_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        "=1+1",
        "+86 138 0000 0000",
        "-2+3",
        "@SUM(A1:A9)",
        "=HYPERLINK(\"http://example.invalid\",\"x\")",
        "\t=1",
        "\r=1",
        "-",
        "'=already",
    ];
    let harmless = [
        "-12.5",
        "-3",
        "+4",
        "1.5E3",
        "-1.5e-3",
        "2025-03-01",
        "测试甲",
        "'quoted",
        "",
    ];
    let all: Vec<&str> = hostile.iter().chain(&harmless).copied().collect();
    // A regions table, so that our own reader can read it back.
    let headers = ["region_code", "name"];
    let csv_path = dir.path().join("out.csv");
    let xlsx_path = dir.path().join("out.xlsx");
    for (path, format) in [(&csv_path, OutFormat::Csv), (&xlsx_path, OutFormat::Xlsx)] {
        let mut w = TableWriter::create(path, format, &headers).unwrap();
        for v in &all {
            w.write_row(&[*v, "x"]).unwrap();
        }
        w.finish().unwrap();
    }

    // CSV: each formula-like cell starts with the apostrophe, numbers and dates do not.
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut r =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let written: Vec<String> = r.records().map(|rec| rec.unwrap()[0].to_string()).collect();
    assert_eq!(written.len(), all.len());
    for (got, v) in written.iter().zip(&all) {
        if hostile.contains(v) {
            assert_eq!(got, &format!("'{v}"), "{v:?} must be neutralised");
        } else {
            assert_eq!(got, v, "{v:?} must stay as it is");
        }
    }

    // xlsx: the text is kept, Excel's quote prefix marks the formula-like cells.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx_path).unwrap()).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");

    // Both read back exactly as written (the CSV reader takes the apostrophe off).
    for path in [&csv_path, &xlsx_path] {
        let mut t = TableReader::open(path, FileKind::Regions, None).unwrap();
        let mut row = Row::default();
        let mut back = Vec::new();
        while t.next_row(&mut row).unwrap() {
            back.push(row.cells().next().unwrap_or("").to_string());
        }
        assert_eq!(back, all, "{}", path.display());
    }
}

#[test]
fn over_long_fields_are_row_errors_that_echo_nothing() {
    use renkou_interchange::limits::{MAX_NAME_CHARS, MAX_PHONE_CHARS, MAX_PLACE_CHARS};
    let dir = tempfile::tempdir().unwrap();
    let long_name = "测".repeat(30_000);
    let text = format!(
        "person_id,name,sex,birth_date,household_id,region_code,phone\n\
         P1,{long_name},2,1990-02-28,H1,349901101201,\n\
         P2,{},2,1990-02-28,H1,349901101201,{}\n\
         P3,测试丙,2,测试丙,H1,{},\n\
         P4,测试\u{7}丁,2,1990-02-28,H1,349901101201,\n\
         P5,{},2,1990-02-28,H1,349901101201,\n",
        "测".repeat(MAX_NAME_CHARS + 1),
        "1".repeat(MAX_PHONE_CHARS + 1),
        id_a(),
        "测".repeat(MAX_NAME_CHARS),
    );
    let path = write(dir.path(), "long.csv", text.as_bytes());
    let rows = read_persons(&path).unwrap();
    // Not unwrap_err: on failure it would print the record, 30,000 characters of it.
    let errs = |i: usize| match rows[i].clone() {
        Ok(_) => panic!("row {} must be refused", i + 2),
        Err(e) => e,
    };

    for i in [0, 1] {
        let e = &errs(i)[0];
        assert_eq!(e.column, "name");
        assert_eq!(
            e.message,
            format!("姓名过长（超过 {MAX_NAME_CHARS} 个字符） / name too long (over {MAX_NAME_CHARS} characters)")
        );
        assert_eq!(errs(i).len(), 1 + usize::from(i == 1), "{:?}", errs(i));
    }
    assert_eq!(
        errs(1)[1].message,
        format!("联系电话过长（超过 {MAX_PHONE_CHARS} 个字符） / phone too long (over {MAX_PHONE_CHARS} characters)")
    );
    // A name in the date column, an ID number in the region column: neither is shown.
    for e in errs(2) {
        let shown = e.to_string();
        assert!(
            !shown.contains("测试丙") && !shown.contains(&id_a()),
            "{shown}"
        );
        assert!(shown.chars().count() < 300, "{shown}");
    }
    assert!(
        errs(2)[0].message.contains("字字字"),
        "{}",
        errs(2)[0].message
    );
    let e = &errs(3)[0];
    assert_eq!((e.column.as_str(), e.row), ("name", 5));
    assert!(e.message.contains("U+0007"), "{}", e.message);
    // Exactly the limit is fine.
    assert!(rows[4].is_ok());

    // A births file: the place and the source are bounded too.
    let b = write(
        dir.path(),
        "births.csv",
        format!(
            "record_id,child_sex,birth_date,place,source\nB1,1,2024-01-02,{},{}\n",
            "院".repeat(MAX_PLACE_CHARS + 1),
            "源".repeat(MAX_PLACE_CHARS + 1),
        )
        .as_bytes(),
    );
    let mut reader = TableReader::open(&b, FileKind::Births, None).unwrap();
    let mut row = Row::default();
    reader.next_row(&mut row).unwrap();
    let e = births::parse(&reader, &row).unwrap_err();
    let cols: Vec<&str> = e.iter().map(|e| e.column.as_str()).collect();
    assert_eq!(cols, ["place", "source"]);
    assert!(e[0].message.starts_with("出生地点过长"), "{}", e[0].message);
}
