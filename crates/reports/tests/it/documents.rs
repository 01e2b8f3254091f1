//! What the reports say: the figures in the .docx and the xlsx are the engine's,
//! the summary writes them in sentences, the gap table shows target, actual and
//! gap, a county's edited template is used, and LibreOffice opens the .docx.

use crate::common::{docx_text, table_line, EngineSource};
use calamine::{Data, Reader, Xlsx};
use renkou_reports::archive;
use renkou_reports::templates;
use renkou_reports::{Format, Kind, Request, MIGRATIONS};
use renkou_stats::{Direction, Period, Target};
use renkou_store::Actor;
use renkou_testkit::*;
use std::process::Command;

fn request(kind: Kind, region: &str, format: Format) -> Request {
    Request {
        kind,
        region: code(region),
        period: Period::year(2024),
        format,
        as_of: None,
    }
}

fn targets() -> Vec<Target> {
    vec![
        Target {
            indicator: "cbr".into(),
            region: code(COUNTY),
            year: 2024,
            direction: Direction::HigherIsBetter,
            value: 500.0,
        },
        Target {
            indicator: "srb".into(),
            region: code(TOWN_A),
            year: 2024,
            direction: Direction::Band {
                low: 103.0,
                high: 107.0,
            },
            value: 105.0,
        },
    ]
}

#[test]
fn the_summary_writes_the_figures_in_sentences_and_tables() {
    let (_db, store) = stores(&[&MIGRATIONS]).into_iter().next().unwrap();
    load(&store, &register());
    let source = EngineSource {
        store: &store,
        targets: targets(),
        activities: Vec::new(),
    };
    let op = Actor::operator("tester");
    let g = archive::generate(
        &store,
        &op,
        &source,
        &request(Kind::Summary, COUNTY, Format::Docx),
        None,
    )
    .unwrap();
    assert_eq!(g.file_name, "2024年演示县工作总结.docx");
    let text = docx_text(&g.bytes);
    // 2024: births C2, T1, T2, N1 = 4 (2 boys? T2 only: 1 male, 3 female).
    assert!(
        text.contains("截至12月31日，全县共出生4人，其中男孩1人、女孩3人"),
        "{text}"
    );
    // The county's table of townships, then one per township with its villages.
    assert!(text.contains("表2 演示县人口统计报表"), "{text}");
    assert!(text.contains("甲镇人口统计报表"));
    assert!(text.contains("乙乡人口统计报表"));
    // 二村: T1, T2, N1 born in 2024; M2's twins are orders 2 and 3.
    let v2 = table_line(&text, "二村");
    assert_eq!(&v2[1..7], &["3", "1", "2", "0", "1", "1"], "{text}");
    // The gap table: CBR of the county against 500‰ (bad), 甲镇's SRB band.
    assert!(text.contains("共设目标2项"), "{text}");
    assert!(text.contains("目标值·实际值·差距"));
    assert!(text.contains("未达标"));
    // Five charts as images.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&g.bytes)).unwrap();
    let images = (0..zip.len())
        .filter(|&i| zip.by_index(i).unwrap().name().unwrap().ends_with(".png"))
        .count();
    assert_eq!(images, 5);
}

fn cell_f64(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

#[test]
fn the_xlsx_has_chinese_headers_and_numbers_as_numbers() {
    for (db, store) in stores(&[&MIGRATIONS]) {
        load(&store, &register());
        let source = EngineSource {
            store: &store,
            targets: targets(),
            activities: Vec::new(),
        };
        let op = Actor::operator("tester");
        let req = request(Kind::Statistical, TOWN_A, Format::Xlsx);
        let g = archive::generate(&store, &op, &source, &req, None).unwrap();
        let figures = renkou_reports::FigureSource::figures(
            &source,
            &req.region,
            req.period,
            None,
            Default::default(),
        )
        .unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(g.bytes)).unwrap();
        let names = book.sheet_names().to_vec();
        assert_eq!(names, vec!["报表-甲镇".to_string()], "{}", db.label);
        let range = book.worksheet_range(&names[0]).unwrap();
        let rows: Vec<_> = range.rows().collect();
        let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
        assert_eq!(
            &header[..4],
            &["区划代码", "区划名称", "年中人口", "出生合计"]
        );
        let col = |h: &str| header.iter().position(|x| x == h).unwrap();
        for row in &rows[1..] {
            let code = row[0].to_string();
            let want = |ind: &str| {
                figures
                    .rows
                    .iter()
                    .find(|r| r.region_code == code && r.indicator == ind)
                    .unwrap()
                    .clone()
            };
            assert_eq!(
                cell_f64(&row[col("出生合计")]),
                Some(want("births").numerator as f64)
            );
            assert_eq!(
                cell_f64(&row[col("年中人口")]),
                Some(want("population_midyear").numerator as f64)
            );
            assert_eq!(
                cell_f64(&row[col("出生率（‰）")]),
                want("cbr").value,
                "{} {code}",
                db.label
            );
            assert_eq!(
                cell_f64(&row[col("男")]),
                Some(want("srb").numerator as f64)
            );
        }
        // 一村, 二村, then the total.
        assert_eq!(rows.len(), 4, "{}", db.label);
        assert_eq!(rows[3][1].to_string(), "合计（甲镇）");
    }
}

#[test]
fn an_edited_template_is_used_and_a_broken_one_refused() {
    let (_db, store) = stores(&[&MIGRATIONS]).into_iter().next().unwrap();
    load(&store, &register());
    let source = EngineSource {
        store: &store,
        targets: Vec::new(),
        activities: Vec::new(),
    };
    let op = Actor::operator("tester");
    let e = templates::save(&store, &op, Kind::Gaps, "# 标题\n{% if %}\n").unwrap_err();
    assert!(e.to_string().contains("第 2 行"), "{e}");
    let town = Actor::account(
        "town",
        "127.0.0.1",
        renkou_domain::account::Scope {
            role: renkou_domain::account::Role::TownshipStaff,
            region: code(TOWN_A),
        },
    );
    assert!(templates::save(&store, &town, Kind::Gaps, "# x\n").is_err());
    let id = templates::save(
        &store,
        &op,
        Kind::Gaps,
        "# {{ area.name }}自定义差距表\n本县{{ period.year }}年出生{{ area.n.births }}人。\n@table gaps\n",
    )
    .unwrap();
    let g = archive::generate(
        &store,
        &op,
        &source,
        &request(Kind::Gaps, COUNTY, Format::Docx),
        None,
    )
    .unwrap();
    let text = docx_text(&g.bytes);
    assert!(text.contains("演示县自定义差距表"), "{text}");
    assert!(text.contains("本县2024年出生4人。"), "{text}");
    assert!(text.contains("（未设目标值）"));
    let kept = renkou_reports::tables::ReportTables::archived_report(&store, g.id)
        .unwrap()
        .unwrap();
    assert_eq!(kept.template_id, Some(id));
}

/// Whether a program is there; skipped loudly when not, except under CI=true.
fn require(program: &str, package: &str) -> bool {
    if Command::new(program).arg("--version").output().is_ok() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{program} is missing (apt-get install {package}); CI must have it");
    }
    eprintln!("\n*** SKIPPED: {program} not installed (apt-get install {package}) ***\n");
    false
}

#[test]
fn libreoffice_converts_the_summary_and_its_pages_read_right() {
    if !require("soffice", "libreoffice-writer-nogui") || !require("pdftotext", "poppler-utils") {
        return;
    }
    let (_db, store) = stores(&[&MIGRATIONS]).into_iter().next().unwrap();
    load(&store, &register());
    let source = EngineSource {
        store: &store,
        targets: targets(),
        activities: Vec::new(),
    };
    let op = Actor::operator("tester");
    let g = archive::generate(
        &store,
        &op,
        &source,
        &request(Kind::Summary, COUNTY, Format::Docx),
        None,
    )
    .unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-artifacts/reports");
    std::fs::create_dir_all(&dir).unwrap();
    let docx = dir.join("county-summary.docx");
    std::fs::write(&docx, &g.bytes).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .arg(&docx)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = dir.join("county-summary.pdf");
    let text = Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    let pages = text.matches('\u{c}').count();
    assert!((3..=12).contains(&pages), "{pages} pages");
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains("全县共出生4人"), "{text}");
    assert!(flat.contains("二村"), "{text}");
    assert!(
        flat.contains("第1页共"),
        "page numbers in the footer: {text}"
    );
}
