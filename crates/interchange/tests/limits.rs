//! Hostile files, generated for real in each test, against the bounds of
//! `renkou_interchange::limits`: each is refused with the bound it broke, the
//! place where it applies, and a message that names the file; and reading
//! stops there (the hostile part is never read into memory). Peak memory is
//! measured by examples/hostile_memory.rs, not asserted here.

mod hostile;

use renkou_interchange::limits::*;
use renkou_interchange::{persons, FileError, FileKind, Limit, Row, TableReader};
use std::path::Path;

/// Reads every row of a persons file; the number of rows, or the file error.
fn read_all(path: &Path) -> Result<u64, FileError> {
    let mut r = TableReader::open(path, FileKind::Persons, None)?;
    let mut row = Row::default();
    let mut n = 0;
    while r.next_row(&mut row)? {
        let _ = persons::parse(&r, &row);
        n += 1;
    }
    Ok(n)
}

/// The error a hostile file must give: a bound, with its place; the message
/// names the file, is one line, and starts with the place.
fn refused(path: &Path) -> (Limit, Option<Place>, String) {
    let e = match read_all(path) {
        Ok(n) => panic!("{} was read ({n} rows)", path.display()),
        Err(e) => e,
    };
    let msg = e.to_string();
    assert!(msg.starts_with(&path.display().to_string()), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    assert!(msg.chars().count() < 400, "short: {msg}");
    match e {
        FileError::Limit { limit, at, .. } => (limit, at, msg),
        other => panic!("{}: expected a limit, got {other}", path.display()),
    }
}

fn place(row: u64, column: &str) -> Option<Place> {
    Some(Place {
        row,
        column: Some(column.to_string()),
    })
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = hostile::bomb(dir.path());
    let size = std::fs::metadata(&bomb).unwrap().len();
    assert!(size < 3 << 20, "the bomb is small on disk: {size} bytes");
    let (limit, at, msg) = refused(&bomb);
    assert!(
        matches!(limit, Limit::Ratio { max: MAX_RATIO, .. }),
        "{msg}"
    );
    assert_eq!(at, None);
    assert!(
        msg.contains("压缩炸弹") && msg.contains("zip bomb"),
        "{msg}"
    );

    // The same sheet at an honest size reads, so the refusal is the size's.
    let small = dir.path().join("small.xlsx");
    hostile::write_xlsx(
        &small,
        hostile::person_sheet(2, 16 << 10, None),
        None,
        vec![],
    );
    assert!(read_all(&small).unwrap() > 100);
}

#[test]
fn a_zip_bomb_that_lies_about_its_size_stops_at_the_lie() {
    let dir = tempfile::tempdir().unwrap();
    let (limit, _, msg) = refused(&hostile::lying_bomb(dir.path()));
    assert!(
        matches!(&limit, Limit::Misdeclared { entry } if entry == "xl/worksheets/sheet1.xml"),
        "{msg}"
    );
}

#[test]
fn a_50_mb_cell_is_refused_with_its_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let (limit, at, msg) = refused(&hostile::huge_cell(dir.path(), 50));
    assert_eq!(
        limit,
        Limit::Cell {
            max: MAX_CELL_CHARS
        },
        "{msg}"
    );
    assert_eq!(at, place(2, "B"), "{msg}");
    assert!(msg.contains(":2:B: 单元格过长"), "{msg}");
}

#[test]
fn ten_thousand_columns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (limit, at, msg) = refused(&hostile::wide_xlsx(dir.path(), 10_000));
    assert_eq!(limit, Limit::Columns { max: MAX_COLUMNS }, "{msg}");
    assert_eq!(at.map(|p| p.row), Some(1));

    let (limit, at, _) = refused(&hostile::csv_wide(dir.path(), 10_000));
    assert_eq!(limit, Limit::Columns { max: MAX_COLUMNS });
    assert_eq!(at.map(|p| p.row), Some(1));

    // A wide but real ledger still reads, and so do Excel's trailing commas.
    assert_eq!(read_all(&hostile::wide_xlsx(dir.path(), 200)).unwrap(), 0);
    assert_eq!(read_all(&hostile::csv_wide(dir.path(), 200)).unwrap(), 1);
    let commas = dir.path().join("commas.csv");
    let pad = ",".repeat(MAX_CSV_FIELDS - 10);
    std::fs::write(
        &commas,
        format!("人员编号,姓名,性别,出生日期,户编号,区划代码{pad}\nP1,测试甲,2,1990-02-28,H1,349901101201{pad}\n"),
    )
    .unwrap();
    assert_eq!(read_all(&commas).unwrap(), 1);
    // More fields than Excel has columns, even empty ones, are not.
    let pad = ",".repeat(MAX_CSV_FIELDS + 10);
    std::fs::write(
        &commas,
        format!("人员编号,姓名,性别,出生日期,户编号,区划代码{pad}\n"),
    )
    .unwrap();
    let (limit, _, _) = refused(&commas);
    assert_eq!(
        limit,
        Limit::Fields {
            max: MAX_CSV_FIELDS
        }
    );
}

#[test]
fn too_many_shared_strings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (limit, _, msg) = refused(&hostile::many_shared_strings(
        dir.path(),
        MAX_SHARED_STRINGS + 1,
    ));
    assert_eq!(
        limit,
        Limit::SharedStrings {
            max: MAX_SHARED_STRINGS
        },
        "{msg}"
    );
}

#[test]
fn a_style_bloat_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (limit, _, msg) = refused(&hostile::many_styles(dir.path(), MAX_RECORDS + 1));
    assert!(
        matches!(&limit, Limit::Records { what, .. } if what == "xf"),
        "{msg}"
    );
    // Excel's own maximum of cell formats is fine.
    assert_eq!(
        read_all(&hostile::many_styles(dir.path(), 65_490)).unwrap(),
        0
    );
}

#[test]
fn nul_bytes_are_refused_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let e = read_all(&hostile::nul_xlsx(dir.path())).unwrap_err();
    assert!(
        matches!(&e, FileError::Nul { at, .. } if at.row == 2 && at.column.as_deref() == Some("name")),
        "{e}"
    );
    assert!(e.to_string().contains("NUL"), "{e}");

    let path = hostile::csv_nul(dir.path(), 6_000);
    let e = read_all(&path).unwrap_err();
    assert!(
        matches!(&e, FileError::Nul { at, .. } if at.row == 6_000 && at.column.as_deref() == Some("姓名")),
        "{e}"
    );
    assert!(!e.to_string().contains("测试"), "no cell text: {e}");
}

#[test]
fn a_500_mb_gbk_line_without_a_break_stops_at_the_row_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = hostile::gbk_endless_line(dir.path(), 500);
    let (limit, at, msg) = refused(&path);
    assert_eq!(limit, Limit::Row { max: MAX_ROW_BYTES }, "{msg}");
    assert_eq!(at.map(|p| p.row), Some(2));
    // Reading stopped at the limit: the reader is still usable to ask.
    let mut r = TableReader::open(&path, FileKind::Persons, None).unwrap();
    let mut row = Row::default();
    assert!(r.next_row(&mut row).is_err());
    let (done, total) = r.progress();
    assert!(
        done < 2 * MAX_ROW_BYTES as u64,
        "read {done} of {total} bytes"
    );
}

#[test]
fn a_csv_cell_over_the_cell_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (limit, at, msg) = refused(&hostile::csv_long_cell(dir.path(), MAX_CELL_CHARS + 1));
    assert_eq!(
        limit,
        Limit::Cell {
            max: MAX_CELL_CHARS
        },
        "{msg}"
    );
    assert_eq!(at, place(2, "姓名"));
    assert!(!msg.contains("测测"), "the cell is not echoed: {msg}");
}

#[test]
fn legacy_xls_workbooks_are_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("old.xls");
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    std::fs::write(&p, ole).unwrap();
    let e = read_all(&p).unwrap_err();
    assert!(matches!(e, FileError::LegacyXls { .. }), "{e}");
    assert!(e.to_string().contains("另存为 .xlsx"), "{e}");
}
