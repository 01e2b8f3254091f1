//! Times the engines on a county summary: 20 townships' tables of 15-30 rows,
//! five chart images, a landscape overview (about 20 pages).
//!
//! cargo run --release -p renkou-documents-pdf --example county_summary [OUT_DIR]
//!
//! Prints the time to write the .docx, to load the fonts (once per process), and
//! to typeset the PDF, and writes both files to OUT_DIR (default: the system's
//! temporary folder).

#[path = "../../documents/tests/common/mod.rs"]
mod common;

use std::time::Instant;

use renkou_documents::{sample::county_summary, write_docx};
use renkou_documents_pdf::{PdfConfig, PdfEngine};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let charts: Vec<Vec<u8>> = (0..5).map(|i| common::chart_png(1280, i)).collect();

    let start = Instant::now();
    let doc = county_summary(&charts);
    let rows: usize = doc
        .blocks()
        .map(|b| match b {
            renkou_documents::Block::Table(t) => t.rows.len(),
            _ => 0,
        })
        .sum();
    let built = start.elapsed();

    let start = Instant::now();
    let docx = write_docx(&doc)?;
    let docx_time = start.elapsed();

    let start = Instant::now();
    let engine = PdfEngine::new(&PdfConfig::default())?;
    let fonts_time = start.elapsed();

    let start = Instant::now();
    let pdf = engine.write_pdf(&doc)?;
    let pdf_time = start.elapsed();

    // A second document with the same engine and other charts. typst memoizes
    // layout across compilations, so the tables it has seen cost less again.
    let other_charts: Vec<Vec<u8>> = (5..10).map(|i| common::chart_png(1280, i)).collect();
    let mut other = county_summary(&other_charts);
    other.metadata.title.push_str("（修订）");
    let start = Instant::now();
    engine.write_pdf(&other)?;
    let again_time = start.elapsed();

    std::fs::write(out.join("county-summary.docx"), &docx)?;
    std::fs::write(out.join("county-summary.pdf"), &pdf)?;
    println!("model: {} table rows, built in {built:?}", rows);
    println!("docx: {:>8} bytes in {docx_time:?}", docx.len());
    println!(
        "fonts: {} families loaded in {fonts_time:?}",
        engine.families().len()
    );
    println!(
        "pdf:  {:>8} bytes in {pdf_time:?} (a second one with other charts: {again_time:?})",
        pdf.len()
    );
    println!("pdf including font loading: {:?}", fonts_time + pdf_time);
    println!("written to {}", out.display());
    Ok(())
}
