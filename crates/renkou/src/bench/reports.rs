//! `renkou bench reports`: the county's work summary (every township's table of
//! villages, the gap table, five charts) from an existing register, as .docx and
//! as PDF (make one with `renkou --database big.db demo --persons 2000000`).
//!
//! Prints, as medians of 3 runs:
//! - process: the real binary `renkou report summary … --format docx|pdf` as a
//!   child process (start-up, figures from the register, document, file, archive):
//!   what a user waits for;
//! - and in this process, the steps: figures (the register read and the
//!   catalogue for every region), build (template, tables, five charts rendered to
//!   PNG), .docx writing, PDF typesetting (fonts loaded once, before timing).

use anyhow::Result;
use renkou_domain::RegionLevel;
use renkou_indicators::figures::StatCache;
use renkou_reports::figures::FigureSource;
use renkou_reports::{build, output, templates, Format, Kind, Request};
use renkou_stats::Period;
use renkou_web::reports::RegisterFigures;
use std::time::{Duration, Instant};

const RUNS: usize = 3;

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64()
}

pub fn run(db: &str, year: i32) -> Result<()> {
    let store = crate::db::open(db)?;
    let regions = store.regions()?;
    let county = crate::bench::first_region(&regions, RegionLevel::County, None)?;
    let persons = store.counts()?.persons;
    let townships = regions
        .iter()
        .filter(|r| {
            r.level() == RegionLevel::Township && county.contains(&r.code) && r.valid_to.is_none()
        })
        .count();
    let villages = regions
        .iter()
        .filter(|r| {
            r.level() == RegionLevel::Village && county.contains(&r.code) && r.valid_to.is_none()
        })
        .count();
    println!(
        "报告基准 / reports benchmark: {} ({}), {persons} persons, county {county} ({townships} townships, {villages} villages), summary of {year}",
        store.location,
        store.backend().name()
    );
    let dir = tempfile_dir()?;
    let county_s = county.to_string();
    let year_s = year.to_string();
    for format in ["docx", "pdf"] {
        let out = dir.join(format!("summary.{format}"));
        let out_s = out.to_string_lossy().into_owned();
        let mut times = Vec::new();
        let mut peak = 0.0f64;
        for _ in 0..RUNS {
            let m = crate::bench::run_child(&[
                "--database",
                db,
                "report",
                "summary",
                "--region",
                &county_s,
                "--period",
                &year_s,
                "--format",
                format,
                "--out",
                &out_s,
            ])?;
            times.push(Duration::from_secs_f64(m.seconds));
            peak = peak.max(m.peak_rss_mb);
        }
        let size = std::fs::metadata(&out)?.len() as f64 / 1e6;
        println!(
            "process {format:>4}: {:>6.2} s median of {RUNS} ({size:.2} MB file, peak RSS {peak:.0} MB)",
            median(times)
        );
    }

    // The steps, in this process.
    let cache = StatCache::new();
    let source = RegisterFigures {
        store: &store,
        cache: &cache,
    };
    let request = Request {
        kind: Kind::Summary,
        region: county.clone(),
        period: Period::try_year(year)?,
        format: Format::Docx,
        as_of: None,
    };
    let template = templates::current(&store, Kind::Summary)?;
    let pdf = crate::pdf::lazy();
    let (mut fig, mut bld, mut docx, mut pdf_t) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut pages_note = String::new();
    for i in 0..RUNS {
        let t = Instant::now();
        let figures = source.figures(&county, request.period, None, Kind::Summary.needs())?;
        fig.push(t.elapsed());
        let t = Instant::now();
        let built = build::build(&request, &figures, &template, true)?;
        bld.push(t.elapsed());
        let t = Instant::now();
        let bytes = output::write(&built, Format::Docx, None)?;
        docx.push(t.elapsed());
        if let Some(w) = pdf.as_deref() {
            if i == 0 {
                // Fonts are read on the first PDF: not part of a report's cost.
                let t = Instant::now();
                w.write_pdf(&renkou_documents::Document::new("warm-up"))
                    .map_err(anyhow::Error::msg)?;
                println!("PDF fonts loaded once: {:.2} s", t.elapsed().as_secs_f64());
            }
            let t = Instant::now();
            let p = output::write(&built, Format::Pdf, Some(w))?;
            pdf_t.push(t.elapsed());
            if i == 0 {
                pages_note = format!(
                    "{} tables, {} rows, docx {:.2} MB, pdf {:.2} MB",
                    built.sheets.len(),
                    built.sheets.iter().map(|s| s.rows.len()).sum::<usize>(),
                    bytes.len() as f64 / 1e6,
                    p.len() as f64 / 1e6
                );
            }
        }
    }
    println!(
        "figures (register read + catalogue, every region): {:.2} s",
        median(fig)
    );
    println!(
        "build (template, tables, five charts as PNG):       {:.2} s",
        median(bld)
    );
    println!(
        "write .docx:                                        {:.2} s",
        median(docx)
    );
    if !pdf_t.is_empty() {
        println!(
            "typeset PDF:                                        {:.2} s",
            median(pdf_t)
        );
    }
    println!("{pages_note}");
    Ok(())
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("renkou-bench-reports-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
