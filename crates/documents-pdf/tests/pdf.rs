//! The typst PDF engine as a reader sees its output: page count, Chinese text and
//! numbers extractable (so not tofu), a CJK font embedded, page numbers in the
//! footer, register text printed rather than run as typst code. Page images go
//! to target/test-artifacts/documents for a person to look at.
//!
//! Needs a CJK font folder (fonts-noto-cjk or fonts-wqy-microhei) and poppler's
//! tools; skipped with a loud message without them, except under CI=true.

#[path = "../../documents/tests/common/mod.rs"]
mod common;

use std::sync::OnceLock;

use renkou_documents::sample::{county_summary, work_summary};
use renkou_documents::*;
use renkou_documents_pdf::{PdfConfig, PdfEngine, PdfError};

/// One engine for all tests, as the server keeps one: the fonts load once.
fn engine() -> Option<&'static PdfEngine> {
    static ENGINE: OnceLock<Option<PdfEngine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| match PdfEngine::new(&PdfConfig::default()) {
            Ok(engine) => Some(engine),
            Err(e) => {
                let msg = format!(
                    "no CJK fonts for the PDF engine ({e}); apt-get install fonts-noto-cjk"
                );
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("CI=true but {msg}");
                }
                eprintln!("SKIPPED: {msg}");
                None
            }
        })
        .as_ref()
}

fn tools() -> bool {
    common::require(
        &["pdftotext", "pdffonts", "pdfinfo", "pdftoppm"],
        "poppler-utils",
    )
}

fn write(name: &str, pdf: &[u8]) -> std::path::PathBuf {
    let path = common::artifacts().join(name);
    std::fs::write(&path, pdf).unwrap();
    path
}

#[test]
fn the_work_summary_as_pdf() {
    let (Some(engine), true) = (engine(), tools()) else {
        return;
    };
    let pdf = engine
        .write_pdf(&work_summary(common::chart_png(640, 1)))
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let path = write("work-summary-typst.pdf", &pdf);
    common::render_pages(&path);

    let pages = common::pdf_pages(&path);
    assert!((3..=5).contains(&pages), "{pages} pages");
    let text = common::pdf_text(&path);
    for expected in [
        "青山镇2025年1-9月人口和家庭工作总结",
        "一、人口出生情况",
        "截至9月30日，全镇共出生729人",
        "10.42‰",
        "表1各村出生情况",
        "349901101001",
        "东坑村",
        "白沙村",
        "合计",
        "图1青山镇2016-2025年出生人数",
        "统计准确率为99.2%",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF text: {text}"
        );
    }
    assert!(common::pdf_page_text(&path, 1).contains(&format!("第1页共{pages}页")));
    assert!(common::pdf_page_text(&path, pages).contains(&format!("第{pages}页共{pages}页")));
    // the header row is repeated where the table continues on the next page
    let header = "区划代码村（居）户籍人口";
    let on_pages = (1..=pages)
        .filter(|&p| common::pdf_page_text(&path, p).contains(header))
        .count();
    assert!(on_pages >= 1, "header row missing");
    let cjk = common::embedded_cjk_fonts(&path);
    assert!(
        !cjk.is_empty(),
        "no embedded CJK font:\n{}",
        common::pdf_fonts(&path)
    );
}

#[test]
fn a_long_table_repeats_its_header_row_and_a_landscape_section_turns_the_page() {
    let (Some(engine), true) = (engine(), tools()) else {
        return;
    };
    let charts: Vec<Vec<u8>> = (0..5).map(|i| common::chart_png(640, i)).collect();
    let pdf = engine.write_pdf(&county_summary(&charts)).unwrap();
    let path = write("county-summary-typst.pdf", &pdf);
    common::render_pages(&path);
    let pages = common::pdf_pages(&path);
    assert!(pages >= 10, "{pages} pages");
    let header = "区划代码村（居）户籍人口";
    // Every page with village rows (codes 349901…) starts them under the header
    // row, including the pages where a table continues.
    let mut table_pages = 0;
    for page in 1..=pages {
        let text = common::pdf_page_text(&path, page);
        if text.contains("349901") {
            table_pages += 1;
            assert!(
                text.contains(header),
                "page {page} has rows but no header row: {text}"
            );
        }
    }
    assert!(
        table_pages >= 15,
        "village rows on only {table_pages} pages"
    );
    let last = common::pdf_page_text(&path, pages);
    assert!(
        last.contains("丰田乡") && last.contains(&format!("第{pages}页共{pages}页")),
        "{last}"
    );
    let info = std::process::Command::new("pdfinfo")
        .args(["-f", &pages.to_string(), "-l", &pages.to_string()])
        .arg(&path)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains("841.89 x 595.28") || info.contains("841.89 x 595.276"),
        "{info}"
    );
}

#[test]
fn register_text_is_printed_never_evaluated() {
    let (Some(engine), true) = (engine(), tools()) else {
        return;
    };
    let nasty = [
        "#panic(\"boom\")",
        "\")#panic(\"x\")#(\"",
        "*粗体* _斜体_ $x^2$",
        "[方括号] ]] <标签> @引用",
        "// 注释 /* 块 */",
        "反斜杠 \\ \\\" 结束",
    ];
    let mut doc = Document::new(nasty[0]);
    doc.push(Block::Title(nasty[1].into()));
    doc.push(Heading::new(HeadingLevel::One, nasty[2]).into());
    doc.push(Paragraph::runs(vec![Run::new(nasty[3]), Run::bold(nasty[4])]).into());
    doc.push(
        Table::new(vec![Column::text(nasty[5], 1.0), Column::number("数", 1.0)])
            .caption(nasty[0])
            .row(vec![Cell::text(nasty[1]), Cell::text("1\n2")])
            .into(),
    );
    let pdf = engine.write_pdf(&doc).unwrap();
    let path = write("escaping-typst.pdf", &pdf);
    let text = common::pdf_text(&path);
    for n in nasty {
        let n: String = n.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(&n), "{n:?} not printed as is: {text}");
    }
}

#[test]
fn the_same_document_gives_the_same_bytes_and_bad_input_is_an_error() {
    let Some(engine) = engine() else { return };
    let doc = work_summary(common::chart_png(320, 2));
    assert_eq!(
        engine.write_pdf(&doc).unwrap(),
        engine.write_pdf(&doc).unwrap()
    );

    let mut bad = Document::new("t");
    bad.push(Image::new(vec![1, 2, 3], 50.0).into());
    assert!(matches!(
        engine.write_pdf(&bad),
        Err(PdfError::Document(DocumentError::InvalidImage { .. }))
    ));
}

#[test]
fn missing_fonts_are_a_clear_error() {
    let dir = common::artifacts().join("no-fonts-here");
    std::fs::create_dir_all(&dir).unwrap();
    let config = PdfConfig {
        font_dirs: vec![dir],
        ..PdfConfig::default()
    };
    assert!(matches!(
        PdfEngine::new(&config),
        Err(PdfError::NoFonts { .. })
    ));
    if let Some(engine) = engine() {
        let (body, heading) = engine.role_fonts();
        assert!(!body.is_empty() && !heading.is_empty());
        let wrong = PdfConfig {
            body_fonts: vec!["No Such Font".into()],
            ..PdfConfig::default()
        };
        assert!(matches!(
            PdfEngine::new(&wrong),
            Err(PdfError::MissingFamily { role: "body", .. })
        ));
    }
}
