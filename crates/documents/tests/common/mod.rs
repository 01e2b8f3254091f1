//! Helpers of the document tests of both crates (`renkou-documents-pdf`'s tests
//! include this file by path): a synthetic chart PNG, and the poppler and
//! LibreOffice command-line tools that check the PDFs the way a reader sees them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the tests leave their files (PDFs, page images) for a person to look at.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts/documents");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A bar chart of ten bars as an RGB PNG, `width` × `width * 9 / 16` pixels:
/// stands in for a chart rendered by renkou-charts.
pub fn chart_png(width: u32, seed: u32) -> Vec<u8> {
    let height = width * 9 / 16;
    let mut pixels = vec![255u8; (width * height * 3) as usize];
    let bars = 10;
    let slot = width / bars;
    for b in 0..bars {
        let value = 30 + (b * 37 + seed * 11) % 60; // percent of the height
        let top = height - height * value / 100;
        for y in top..height - 2 {
            for x in b * slot + slot / 5..(b + 1) * slot - slot / 5 {
                let i = ((y * width + x) * 3) as usize;
                pixels[i..i + 3].copy_from_slice(&[0x2F, 0x6E, 0xBA]);
            }
        }
    }
    // an axis line
    for x in 0..width {
        let i = (((height - 2) * width + x) * 3) as usize;
        pixels[i..i + 3].copy_from_slice(&[0x33, 0x33, 0x33]);
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&pixels).unwrap();
    }
    out
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .or_else(|_| Command::new(program).arg("-v").output())
        .is_ok()
}

/// Whether all the programs are installed. When one is missing the test is
/// skipped with a loud message, except under CI=true, where it fails (.ci/run
/// installs them).
pub fn require(programs: &[&str], package: &str) -> bool {
    let missing: Vec<&str> = programs.iter().copied().filter(|p| !have(p)).collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!("{missing:?} not installed (Debian: apt-get install {package})");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but {msg}");
    }
    eprintln!("SKIPPED: {msg}");
    false
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The page count, from pdfinfo.
pub fn pdf_pages(pdf: &Path) -> usize {
    let info = run(Command::new("pdfinfo").arg(pdf));
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo output: {info}"))
}

/// The text of the pages in reading order with all whitespace removed (line
/// breaks fall anywhere in Chinese text).
pub fn pdf_text(pdf: &Path) -> String {
    run(Command::new("pdftotext").arg(pdf).arg("-"))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The text of one page (from 1), whitespace removed.
pub fn pdf_page_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    run(Command::new("pdftotext")
        .args(["-f", &p, "-l", &p])
        .arg(pdf)
        .arg("-"))
    .chars()
    .filter(|c| !c.is_whitespace())
    .collect()
}

/// pdffonts' table: one line per font with its type, encoding, emb/sub columns.
pub fn pdf_fonts(pdf: &Path) -> String {
    run(Command::new("pdffonts").arg(pdf))
}

/// The fonts pdffonts lists as embedded whose name says they cover Chinese.
pub fn embedded_cjk_fonts(pdf: &Path) -> Vec<String> {
    pdf_fonts(pdf)
        .lines()
        .skip(2)
        .filter(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // name type [type...] encoding emb sub uni object ID: "emb" is the
            // fifth column from the end.
            cols.len() >= 7 && cols[cols.len() - 5] == "yes"
        })
        .filter(|line| {
            let l = line.to_lowercase();
            [
                "cjk",
                "wenquanyi",
                "wqy",
                "simsun",
                "simhei",
                "song",
                "hei",
                "ming",
                "uming",
                "droid",
            ]
            .iter()
            .any(|k| l.contains(k))
        })
        .map(|line| line.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

/// Renders the pages to PNG (60 dpi) next to the PDF, for a person to look at.
pub fn render_pages(pdf: &Path) {
    let prefix = pdf.with_extension("");
    run(Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(pdf)
        .arg(&prefix));
}

/// Converts a .docx to PDF with LibreOffice headless, in a profile of its own
/// (so tests can run while a user's LibreOffice is open, and in parallel).
pub fn libreoffice_to_pdf(docx: &Path) -> PathBuf {
    let dir = docx.parent().unwrap();
    let profile = dir.join(format!(
        "lo-profile-{}",
        docx.file_stem().unwrap().to_string_lossy()
    ));
    run(Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir)
        .arg(docx));
    let pdf = docx.with_extension("pdf");
    assert!(pdf.exists(), "LibreOffice wrote no {}", pdf.display());
    pdf
}
