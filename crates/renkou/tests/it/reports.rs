//! `renkou report` through the real binary on SQLite and PostgreSQL: the figures
//! read back out of the .docx (word/document.xml) and the .xlsx (calamine) are
//! those of `renkou indicators` for the same area and period; the archive lists
//! every report; a report regenerated as of its version is the same file.

use crate::common::{fails, ok};
use calamine::{Data, Reader, Xlsx};
use renkou_store::testing::databases;
use std::collections::HashMap;
use std::io::Read;

/// The paragraphs (and table cells) of a .docx, one per line.
fn docx_lines(path: &std::path::Path) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml.split("</w:p>")
        .map(|p| {
            let mut text = String::new();
            for piece in p.split("<w:t").skip(1) {
                if let Some(start) = piece.find('>') {
                    if piece[..start].ends_with('/') {
                        continue;
                    }
                    let body = &piece[start + 1..];
                    if let Some(end) = body.find("</w:t>") {
                        text.push_str(&body[..end].replace("&amp;", "&"));
                    }
                }
            }
            text
        })
        .collect()
}

const COLUMNS: [&str; 16] = [
    "population_midyear",
    "births",
    "srb:n",
    "srb:d",
    "share_order1:n",
    "share_order2:n",
    "share_order3p:n",
    "deaths",
    "moved_in",
    "moved_out",
    "cbr",
    "cdr",
    "natural_increase_rate",
    "gfr",
    "tfr",
    "srb",
];

/// What the statistical form shows for `spec` from the indicators' JSON: a
/// count, a numerator (`:n`), a denominator (`:d`), or a value with two decimals.
fn expected(json: &[serde_json::Value], region: &str, spec: &str) -> Option<String> {
    let (ind, part) = spec.split_once(':').unwrap_or((spec, ""));
    let row = json
        .iter()
        .find(|r| r["region_code"] == region && r["indicator"] == ind)?;
    Some(match part {
        "n" => row["numerator"].as_i64().unwrap().to_string(),
        "d" => row["denominator"].as_i64().unwrap().to_string(),
        _ if row["denominator"].is_null() && ind != "tfr" => {
            row["numerator"].as_i64().unwrap().to_string()
        }
        _ => match row["value"].as_f64() {
            Some(v) => format!("{v:.2}"),
            None => "—".to_string(),
        },
    })
}

#[test]
fn report_figures_equal_those_of_renkou_indicators() {
    for db in databases() {
        let dir = tempfile::tempdir().unwrap();
        let url = &db.url;
        let l = db.label;
        ok(url, &["init"]);
        ok(url, &["demo", "--persons", "3000", "--seed", "7"]);
        let json: Vec<serde_json::Value> = serde_json::from_str(&ok(
            url,
            &["indicators", "--region", "349901", "--year", "2024"],
        ))
        .unwrap();
        let townships: Vec<(String, String)> = json
            .iter()
            .filter(|r| r["level"] == "township" && r["indicator"] == "births")
            .map(|r| {
                (
                    r["region_code"].as_str().unwrap().to_string(),
                    r["region_name"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert!(!townships.is_empty(), "{l}: the demo county has townships");
        let births: i64 = json
            .iter()
            .find(|r| r["region_code"] == "349901000000" && r["indicator"] == "births")
            .unwrap()["numerator"]
            .as_i64()
            .unwrap();
        assert!(births > 0, "{l}: the demo county has births in 2024");

        // .docx: the county's table of townships, every figure as indicators say.
        let docx = dir.path().join("s.docx");
        let out = ok(
            url,
            &[
                "report",
                "statistical",
                "--region",
                "349901",
                "--period",
                "2024",
                "--format",
                "docx",
                "--out",
                docx.to_str().unwrap(),
            ],
        );
        assert!(out.contains("存档 #1"), "{l}: {out}");
        let lines = docx_lines(&docx);
        for (code, name) in &townships {
            let at = lines
                .iter()
                .position(|x| x == name)
                .unwrap_or_else(|| panic!("{l}: no line for {name}"));
            for (k, spec) in COLUMNS.iter().enumerate() {
                if spec.starts_with("moved") {
                    continue;
                }
                assert_eq!(
                    Some(lines[at + 1 + k].clone()),
                    expected(&json, code, spec),
                    "{l}: {name} {spec}"
                );
            }
        }
        let total = lines.iter().position(|x| x.starts_with("合计（")).unwrap();
        assert_eq!(
            lines[total + 2],
            births.to_string(),
            "{l}: the county's births"
        );

        // xlsx: the same figures as numbers, exactly the JSON's values.
        let xlsx = dir.path().join("s.xlsx");
        ok(
            url,
            &[
                "report",
                "statistical",
                "--region",
                "349901",
                "--period",
                "2024",
                "--format",
                "xlsx",
                "--out",
                xlsx.to_str().unwrap(),
            ],
        );
        let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
        let first = book.sheet_names()[0].clone();
        assert_eq!(first, "报表-演示县");
        let range = book.worksheet_range(&first).unwrap();
        let rows: Vec<_> = range.rows().collect();
        let header: HashMap<String, usize> = rows[0]
            .iter()
            .enumerate()
            .map(|(i, c)| (c.to_string(), i))
            .collect();
        let json_of = |code: &str, ind: &str| {
            json.iter()
                .find(|r| r["region_code"] == code && r["indicator"] == ind)
                .unwrap()
                .clone()
        };
        let mut seen = 0;
        for row in &rows[1..] {
            let code = row[0].to_string();
            let num = |h: &str| match &row[header[h]] {
                Data::Float(f) => Some(*f),
                Data::Int(i) => Some(*i as f64),
                Data::Empty => None,
                other => panic!("{l}: {h} of {code} is not a number: {other:?}"),
            };
            assert_eq!(
                num("出生合计"),
                json_of(&code, "births")["numerator"].as_f64()
            );
            assert_eq!(
                num("出生率（‰）"),
                json_of(&code, "cbr")["value"].as_f64(),
                "{l} {code}"
            );
            assert_eq!(
                num("总和生育率"),
                json_of(&code, "tfr")["value"].as_f64(),
                "{l} {code}"
            );
            assert_eq!(num("女"), json_of(&code, "srb")["denominator"].as_f64());
            seen += 1;
        }
        assert_eq!(seen, townships.len() + 1, "{l}");

        // The summary, the gap table and the data-quality report all generate.
        for kind in ["summary", "gaps", "quality"] {
            let f = dir.path().join(format!("{kind}.docx"));
            ok(
                url,
                &[
                    "report",
                    kind,
                    "--region",
                    "349901",
                    "--period",
                    "2024Q3",
                    "--out",
                    f.to_str().unwrap(),
                ],
            );
            assert!(std::fs::metadata(&f).unwrap().len() > 1000);
        }

        // The archive: five reports, newest first, with their versions and hashes.
        let archive: Vec<serde_json::Value> =
            serde_json::from_str(&ok(url, &["report", "archive", "--json"])).unwrap();
        assert_eq!(archive.len(), 5, "{l}");
        assert_eq!(archive[4]["kind"], "statistical");
        assert_eq!(archive[4]["format"], "docx");
        let version = archive[4]["register_version"].as_i64().unwrap();
        assert!(version > 0);
        let text = ok(url, &["report", "archive"]);
        assert!(text.contains("草稿"), "{text}");

        // Regenerated as of its version, the same file.
        let again = ok(url, &["report", "regenerate", "1"]);
        assert!(again.contains("相同 / same"), "{l}: {again}");
        let got = dir.path().join("got.docx");
        ok(url, &["report", "get", "1", "--out", got.to_str().unwrap()]);
        assert_eq!(std::fs::read(&got).unwrap(), std::fs::read(&docx).unwrap());

        // Errors in one line, Chinese first.
        let e = fails(
            url,
            &[
                "report",
                "statistical",
                "--region",
                "349901",
                "--period",
                "2024",
                "--out",
                "x.docx",
                "--as-of",
                "999999999",
            ],
        );
        assert!(e.contains("登记版本 999999999 不存在"), "{e}");
        let e = fails(
            url,
            &[
                "report", "summary", "--region", "349901", "--period", "2024", "--format", "odt",
                "--out", "x",
            ],
        );
        assert!(e.contains("--format"), "{e}");
    }
}

/// `renkou report schedule …` and `renkou report run-due --today`, the real
/// binary on both databases: made on its day, once, caught up after a gap, and
/// gone from the list once removed.
#[test]
fn scheduled_reports_from_the_command_line() {
    for db in databases() {
        let url = &db.url;
        let l = db.label;
        ok(url, &["init"]);
        ok(url, &["demo", "--persons", "500", "--seed", "3"]);
        ok(
            url,
            &[
                "user",
                "add",
                "tongji2",
                "--role",
                "county_statistician",
                "--region",
                "349901",
                "--password",
                "Pass-word-2026",
            ],
        );
        let e = fails(
            url,
            &[
                "report",
                "schedule",
                "add",
                "gaps",
                "--region",
                "349901",
                "--every",
                "weekly",
                "--to",
                "user:tongji2",
            ],
        );
        assert!(e.contains("期间种类“weekly”无法识别"), "{l}: {e}");
        let out = ok(
            url,
            &[
                "report",
                "schedule",
                "add",
                "gaps",
                "--region",
                "349901",
                "--every",
                "quarterly",
                "--day",
                "10",
                "--format",
                "xlsx",
                "--to",
                "user:tongji2",
                "--starts",
                "2026-01-01",
            ],
        );
        assert!(out.contains("已设置定时报告 #1"), "{l}: {out}");
        let list = ok(url, &["report", "schedule", "list"]);
        assert!(
            list.contains("gaps\t349901000000\tquarterly\t10\txlsx\t2026-01-01\tuser:tongji2"),
            "{l}: {list}"
        );

        let out = ok(url, &["report", "run-due", "--today", "2026-01-09"]);
        assert!(out.contains("没有到期的定时报告"), "{l}: {out}");
        // 10 January: 2025Q4; on 10 July, after a gap, 2026Q1 and 2026Q2.
        let out = ok(url, &["report", "run-due", "--today", "2026-01-10"]);
        assert!(
            out.contains("定时 #1 2025Q4：已生成报告 #1，通知 1 人"),
            "{l}: {out}"
        );
        let out = ok(url, &["report", "run-due", "--today", "2026-07-10"]);
        assert!(out.contains("2026Q1：已生成报告 #2"), "{l}: {out}");
        assert!(out.contains("2026Q2：已生成报告 #3"), "{l}: {out}");
        let out = ok(url, &["report", "run-due", "--today", "2026-07-10"]);
        assert!(out.contains("没有到期的定时报告"), "{l}: made once");
        let archive = ok(url, &["report", "archive"]);
        assert_eq!(archive.matches("schedule-1").count(), 3, "{l}: {archive}");

        ok(url, &["report", "schedule", "remove", "1"]);
        assert!(
            !ok(url, &["report", "schedule", "list"]).contains("gaps"),
            "{l}"
        );
        assert!(ok(url, &["report", "run-due", "--today", "2027-01-10"]).contains("没有到期"));
    }
}

/// The running server makes what is due: `renkou serve` with a schedule started
/// three monthly periods ago (its first round runs at start) archives each of
/// them once. Waits by polling the archive, bounded, without timing anything.
#[test]
fn the_server_makes_the_scheduled_reports_that_are_due() {
    use chrono::Datelike;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db").display().to_string();
    ok(&db, &["init"]);
    ok(&db, &["demo", "--persons", "300", "--seed", "2"]);
    // Monthly on the 1st, counted from the 1st of the month two months ago: the
    // three months before this one are due (the first on that very day).
    let today = chrono::Local::now().date_naive();
    let first = |d: chrono::NaiveDate| d.with_day(1).unwrap();
    let back = |d: chrono::NaiveDate| first(first(d) - chrono::Duration::days(1));
    let starts = back(back(first(today)));
    ok(
        &db,
        &[
            "report",
            "schedule",
            "add",
            "statistical",
            "--region",
            "349901",
            "--every",
            "monthly",
            "--day",
            "1",
            "--to",
            "user:tongji",
            "--starts",
            &starts.to_string(),
        ],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_renkou"))
        .args([
            "--database",
            &db,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RENKOU_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut made = 0;
    for _ in 0..300 {
        let archive = ok(&db, &["report", "archive"]);
        made = archive.matches("schedule-1").count();
        if made >= 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(made, 3, "the server made the three months due");
    // And nothing more when run again for today.
    assert!(ok(&db, &["report", "run-due"]).contains("没有到期"));
}
