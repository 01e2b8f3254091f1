//! Peak memory of reading the hostile files of tests/hostile (and of two real-sized
//! files, to show that the limits leave them alone). One file per process, so
//! that each peak is its own:
//!
//! ```text
//! cargo build --release -p renkou-interchange --example hostile_memory
//! target/release/examples/hostile_memory gen /tmp/hostile
//! for f in /tmp/hostile/*; do
//!     /usr/bin/time -v target/release/examples/hostile_memory read "$f" 2>&1 |
//!         grep -E 'file|rows|refused|Maximum resident'
//! done
//! ```
//!
//! `read` prints the outcome and the process's own peak (VmHWM); /usr/bin/time
//! reports the same peak as "Maximum resident set size".

#[path = "../tests/hostile/mod.rs"]
mod hostile;

use renkou_domain::{Date, IdNumber};
use renkou_interchange::write::{OutFormat, TableWriter};
use renkou_interchange::{persons, FileKind, Row, TableReader};
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("gen") => generate(Path::new(args.get(2).expect("a directory"))),
        Some("read") => read(Path::new(args.get(2).expect("a file"))),
        _ => eprintln!("usage: hostile_memory gen DIR | read FILE"),
    }
}

fn generate(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    hostile::bomb(dir);
    hostile::lying_bomb(dir);
    hostile::huge_cell(dir, 50);
    hostile::wide_xlsx(dir, 10_000);
    hostile::nul_xlsx(dir);
    hostile::many_shared_strings(dir, renkou_interchange::limits::MAX_SHARED_STRINGS + 1);
    hostile::many_styles(dir, renkou_interchange::limits::MAX_RECORDS + 1);
    hostile::gbk_endless_line(dir, 500);
    hostile::csv_long_cell(dir, 50 << 20);
    hostile::csv_wide(dir, 10_000);
    hostile::csv_nul(dir, 6_000);
    // Just under the shared-strings limits: 2,000,000 strings, 124 MiB of XML.
    hostile::shared_strings_of(&dir.join("at-limit-shared-strings.xlsx"), 2_000_000, 42);
    roster_xlsx(&dir.join("roster-100k-x-40-shared.xlsx"), false);
    roster_xlsx(&dir.join("roster-100k-x-40-inline.xlsx"), true);
    county_csv(&dir.join("county-2m.csv"), 2_000_000);
}

fn read(path: &Path) {
    println!("file {}", path.display());
    let started = std::time::Instant::now();
    let outcome = (|| {
        let mut r = TableReader::open(path, FileKind::Persons, None)?;
        let mut row = Row::default();
        let (mut rows, mut bad) = (0u64, 0u64);
        while r.next_row(&mut row)? {
            rows += 1;
            bad += u64::from(persons::parse(&r, &row).is_err());
        }
        Ok::<_, renkou_interchange::FileError>((rows, bad))
    })();
    match outcome {
        Ok((rows, bad)) => println!("rows {rows} read, {bad} with row errors"),
        Err(e) => println!("refused: {e}"),
    }
    println!("seconds {:.1}", started.elapsed().as_secs_f64());
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status.lines().filter(|l| l.starts_with("VmHWM")) {
        println!("{line}");
    }
}

/// Synthetic person `i`: a name from syllables, a birth date, an ID number on
/// the address code 349901 (no real county has it).
fn person(i: u64) -> [String; 13] {
    const SURNAMES: [&str; 8] = ["测", "试", "样", "例", "演", "示", "虚", "拟"];
    const GIVEN: [&str; 10] = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];
    let name = format!(
        "{}{}{}",
        SURNAMES[(i % 8) as usize],
        GIVEN[(i / 8 % 10) as usize],
        GIVEN[(i / 80 % 10) as usize]
    );
    let born = Date::from_ymd_opt(
        1940 + (i % 80) as i32,
        1 + (i / 80 % 12) as u32,
        1 + (i / 960 % 28) as u32,
    )
    .unwrap();
    let id = IdNumber::compose(349901, born, (i % 999 + 1) as u16).to_string();
    [
        format!("P{i}"),
        name,
        ((i % 2) + 1).to_string(),
        born.to_string(),
        id,
        format!("H{}", i / 3),
        format!("349901{:03}{:03}", 100 + i % 12, 200 + i % 30),
        "20".into(),
        String::new(),
        String::new(),
        "resident".into(),
        format!("139{:08}", i),
        String::new(),
    ]
}

/// A township roster of 100,000 persons × 40 columns (the 13 person columns
/// and 27 more of addresses and notes), as Excel-like shared strings or as the
/// inline strings of a streaming writer.
fn roster_xlsx(path: &Path, inline: bool) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = if inline {
        book.add_worksheet_with_constant_memory()
    } else {
        book.add_worksheet_with_low_memory()
    }
    .unwrap();
    let headers: Vec<String> = FileKind::Persons
        .columns()
        .iter()
        .map(|c| c.zh.to_string())
        .chain((1..=27).map(|k| format!("附加{k}")))
        .collect();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for i in 0..100_000u64 {
        let r = i as u32 + 1;
        for (c, v) in person(i).iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r, c as u16, v).unwrap();
            }
        }
        for k in 0..27u16 {
            let v = match k % 3 {
                0 => format!("测试镇{}村{}组{}号", i % 12, i % 30, i % 97),
                1 => format!("备注{}", (i * (k as u64 + 1)) % 5000),
                _ => format!("{}", i % 7),
            };
            sheet.write_string(r, 13 + k, v).unwrap();
        }
    }
    book.save(path).unwrap();
}

/// A county file of `n` persons as CSV, written by our own writer.
fn county_csv(path: &Path, n: u64) {
    let mut w = TableWriter::for_kind(path, OutFormat::Csv, FileKind::Persons, true).unwrap();
    for i in 0..n {
        w.write_row(&person(i)).unwrap();
    }
    w.finish().unwrap();
}
