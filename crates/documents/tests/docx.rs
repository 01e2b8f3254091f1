//! The .docx writer as Word, WPS and LibreOffice see it: every part is well-formed
//! XML, every run names its East-Asian font, and LibreOffice (headless) lays the
//! sample work summary out on the expected pages with Chinese text and a CJK font
//! embedded in its PDF, tables and footer page numbers included.
//!
//! The LibreOffice test is skipped with a loud message when soffice or poppler's
//! tools are missing, except under CI=true (.ci/run installs them).

mod common;

use std::io::Read;

use renkou_documents::sample::{county_summary, work_summary};
use renkou_documents::*;

fn parts(docx: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            out.push((name, text));
        }
    }
    out
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

#[test]
fn every_part_is_well_formed_and_every_run_names_its_fonts() {
    let doc = work_summary(common::chart_png(320, 1));
    let docx = write_docx(&doc).unwrap();
    let parts = parts(&docx);
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[0], "[Content_Types].xml");
    for needed in [
        "word/document.xml",
        "word/styles.xml",
        "word/footer1.xml",
        "docProps/core.xml",
    ] {
        assert!(names.contains(&needed), "{needed} missing: {names:?}");
    }
    let mut runs = 0;
    for (name, xml) in &parts {
        let tree = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        for run in tree.descendants().filter(|n| n.has_tag_name((W, "r"))) {
            runs += 1;
            let fonts = run
                .children()
                .find(|n| n.has_tag_name((W, "rPr")))
                .and_then(|p| p.children().find(|n| n.has_tag_name((W, "rFonts"))))
                .unwrap_or_else(|| panic!("{name}: a run without w:rFonts"));
            let attr = |a: &str| fonts.attribute((W, a)).unwrap_or("");
            assert!(
                ["宋体", "黑体"].contains(&attr("eastAsia")),
                "{name}: eastAsia={}",
                attr("eastAsia")
            );
            assert_eq!(attr("ascii"), "Times New Roman");
            assert_eq!(attr("hAnsi"), "Times New Roman");
        }
    }
    assert!(runs > 50, "only {runs} runs");
    let document = &parts
        .iter()
        .find(|(n, _)| n == "word/document.xml")
        .unwrap()
        .1;
    // headings in 黑体, the body in 宋体, a repeated header row, shading, no TOC
    assert!(document.contains(r#"w:eastAsia="黑体""#));
    assert!(document.contains("<w:tblHeader/>"));
    assert!(document.contains(r#"w:fill="E2EFDA""#) || document.contains(r#"w:fill="FBE0DC""#));
    assert!(!document.contains("TOC"));
    let footer = &parts
        .iter()
        .find(|(n, _)| n == "word/footer1.xml")
        .unwrap()
        .1;
    assert!(footer.contains(" PAGE ") && footer.contains(" NUMPAGES "));
}

#[test]
fn configured_fonts_are_the_ones_written() {
    let mut doc = Document::new("t");
    doc.style.body_font = "仿宋_GB2312".into();
    doc.style.heading_font = "方正小标宋简体".into();
    doc.style.latin_font = None;
    doc.push(Block::Title("标题".into()));
    doc.push(Paragraph::body("正文").into());
    let docx = write_docx(&doc).unwrap();
    let document = parts(&docx)
        .into_iter()
        .find(|(n, _)| n == "word/document.xml")
        .unwrap()
        .1;
    assert!(document
        .contains(r#"w:ascii="仿宋_GB2312" w:hAnsi="仿宋_GB2312" w:eastAsia="仿宋_GB2312""#));
    assert!(document.contains(r#"w:eastAsia="方正小标宋简体""#));
    assert!(!document.contains("宋体\""));
}

#[test]
fn text_is_escaped_and_the_same_document_gives_the_same_bytes() {
    let mut doc = Document::new("<标题> & \"引号\"");
    doc.push(Paragraph::body("a < b && c > d \u{1}\u{b} ]]> <w:p>").into());
    let first = write_docx(&doc).unwrap();
    assert_eq!(first, write_docx(&doc).unwrap());
    let document = parts(&first)
        .into_iter()
        .find(|(n, _)| n == "word/document.xml")
        .unwrap()
        .1;
    let tree = roxmltree::Document::parse(&document).unwrap();
    let text: String = tree
        .descendants()
        .filter(|n| n.has_tag_name((W, "t")))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(text, "a < b && c > d  ]]> <w:p>");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let mut doc = Document::new("t");
    doc.push(Image::new(b"not a png".to_vec(), 100.0).into());
    assert!(matches!(
        write_docx(&doc),
        Err(DocumentError::InvalidImage { block: 1, .. })
    ));

    let mut doc = Document::new("t");
    doc.push(Paragraph::body("x").into());
    doc.push(
        Table::new(vec![Column::text("a", 1.0), Column::text("b", 1.0)])
            .row(vec![Cell::text("1")])
            .into(),
    );
    let err = write_docx(&doc).unwrap_err();
    assert!(
        matches!(
            err,
            DocumentError::RaggedTable {
                block: 2,
                row: 1,
                cells: 1,
                columns: 2
            }
        ),
        "{err}"
    );

    let mut doc = Document::new("t");
    doc.push(Table::new(vec![Column::text("a", 0.0)]).into());
    assert!(matches!(
        write_docx(&doc),
        Err(DocumentError::BadDimension { .. })
    ));

    // an empty document is still a valid file
    assert!(write_docx(&Document::new("空")).is_ok());
}

#[test]
fn the_work_summary_converts_with_libreoffice() {
    if !common::require(&["soffice"], "libreoffice-writer-nogui")
        || !common::require(
            &["pdftotext", "pdffonts", "pdfinfo", "pdftoppm"],
            "poppler-utils",
        )
    {
        return;
    }
    let dir = common::artifacts();
    let docx_path = dir.join("work-summary-libreoffice.docx");
    std::fs::write(
        &docx_path,
        write_docx(&work_summary(common::chart_png(640, 1))).unwrap(),
    )
    .unwrap();
    let pdf = common::libreoffice_to_pdf(&docx_path);
    common::render_pages(&pdf);

    let pages = common::pdf_pages(&pdf);
    assert!((3..=5).contains(&pages), "{pages} pages");
    let text = common::pdf_text(&pdf);
    for expected in [
        "青山镇2025年1-9月人口和家庭工作总结",
        "一、人口出生情况",
        "截至9月30日，全镇共出生729人",
        "表1各村出生情况",
        "东坑村",
        "白沙村", // the 12th village
        "合计",
        "图1青山镇2016-2025年出生人数",
        "统计准确率为99.2%",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF text: {text}"
        );
    }
    // The footer's fields were computed: "第 1 页 共 N 页" on page 1, and the last
    // page knows it is the last.
    assert!(common::pdf_page_text(&pdf, 1).contains(&format!("第1页共{pages}页")));
    assert!(common::pdf_page_text(&pdf, pages).contains(&format!("第{pages}页共{pages}页")));
    let cjk = common::embedded_cjk_fonts(&pdf);
    assert!(
        !cjk.is_empty(),
        "no embedded CJK font:\n{}",
        common::pdf_fonts(&pdf)
    );
}

#[test]
fn a_landscape_section_converts_with_libreoffice() {
    if !common::require(&["soffice"], "libreoffice-writer-nogui")
        || !common::require(
            &["pdftotext", "pdffonts", "pdfinfo", "pdftoppm"],
            "poppler-utils",
        )
    {
        return;
    }
    let dir = common::artifacts();
    let charts: Vec<Vec<u8>> = (0..5).map(|i| common::chart_png(640, i)).collect();
    let docx_path = dir.join("county-summary-libreoffice.docx");
    std::fs::write(&docx_path, write_docx(&county_summary(&charts)).unwrap()).unwrap();
    let pdf = common::libreoffice_to_pdf(&docx_path);
    common::render_pages(&pdf);
    let pages = common::pdf_pages(&pdf);
    assert!(pages >= 10, "{pages} pages");
    let text = common::pdf_text(&pdf);
    assert!(text.contains("表21各乡镇主要指标"));
    assert!(text.contains("丰田乡"));
}

#[test]
fn tables_are_never_adjacent_and_the_body_ends_with_a_paragraph() {
    let table = || Table::new(vec![Column::text("a", 1.0)]).row(vec![Cell::text("1")]);
    let mut doc = Document::new("t");
    doc.push(table().into());
    doc.push(table().into());
    doc.push(Block::PageBreak);
    doc.push(table().into());
    let docx = write_docx(&doc).unwrap();
    let document = parts(&docx)
        .into_iter()
        .find(|(n, _)| n == "word/document.xml")
        .unwrap()
        .1;
    let tree = roxmltree::Document::parse(&document).unwrap();
    let body = tree
        .descendants()
        .find(|n| n.has_tag_name((W, "body")))
        .unwrap();
    let kinds: Vec<&str> = body
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert!(!kinds.windows(2).any(|w| w == ["tbl", "tbl"]), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"sectPr"));
    assert_eq!(kinds[kinds.len() - 2], "p", "{kinds:?}");
    assert!(document.contains(r#"<w:br w:type="page"/>"#));

    let empty = write_docx(&Document::new("空")).unwrap();
    let document = parts(&empty)
        .into_iter()
        .find(|(n, _)| n == "word/document.xml")
        .unwrap()
        .1;
    assert!(document.contains("<w:body><w:p>"));
}
