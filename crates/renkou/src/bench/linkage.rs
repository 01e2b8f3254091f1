//! `renkou bench linkage`: the linkage engine's measurement table on both
//! generators (`renkou_linkage::bench`: the engine's own and the independent
//! `renkou-sourcegen`), and a year's reconciliation through the whole workflow per
//! generator, size and seed, scored against the truth ([`super::workflow`]: the
//! class table with precision and recall, Chapman's N̂ against the true number of
//! births), timed.

use super::workflow::{self, Label, WorkflowScore};
use anyhow::{Context, Result};
use renkou_linkage::bench::{self, Case, Generator, Size};
use renkou_linkage::LinkOptions;
use serde::Serialize;
use std::path::Path;

/// What `--json` writes: the measurement table (its fields as they were) and the
/// workflow cases.
#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(flatten)]
    table: &'a bench::BenchReport,
    workflow: &'a [WorkflowScore],
}

fn sizes_of(flag: &str, sizes: &str) -> Result<Vec<Size>> {
    if sizes.trim() == "none" {
        return Ok(Vec::new());
    }
    sizes
        .split(',')
        .map(|s| {
            Size::parse(s.trim()).with_context(|| {
                format!(
                    "{flag} {s}: township、county、prefecture 或 none / township, county, prefecture or none"
                )
            })
        })
        .collect()
}

fn seeds_of(flag: &str, seeds: &str) -> Result<Vec<u64>> {
    seeds
        .split(',')
        .map(|s| s.trim().parse().with_context(|| format!("{flag} {s}")))
        .collect()
}

/// What to run: the measurement table's sizes and seeds, and the workflow's.
pub struct Args<'a> {
    pub sizes: &'a str,
    pub seeds: &'a str,
    pub generator: Option<&'a str>,
    pub json: Option<&'a Path>,
    pub workflow_sizes: &'a str,
    pub workflow_seeds: &'a str,
}

/// The engine's own generator, the independent one, and the independent one at
/// twice its error rates (a stress case, not a goal).
const GENERATORS: [Generator; 3] = [Generator::Engine, Generator::Independent, Generator::Harsh];

pub fn run(a: Args<'_>) -> Result<()> {
    let sizes = sizes_of("--sizes", a.sizes)?;
    let seeds = seeds_of("--seeds", a.seeds)?;
    let workflow_sizes = sizes_of("--workflow-sizes", a.workflow_sizes)?;
    let workflow_seeds = seeds_of("--workflow-seeds", a.workflow_seeds)?;
    let generators: Vec<Generator> = match a.generator {
        None => GENERATORS.to_vec(),
        Some(g) => vec![GENERATORS
            .into_iter()
            .find(|x| x.name() == g)
            .with_context(|| {
                format!(
                    "--generator {g}: engine、independent 或 harsh / engine, independent or harsh"
                )
            })?],
    };
    let mut cases = bench::cases(&sizes, &seeds);
    cases.retain(|c| generators.contains(&c.generator));
    let opts = LinkOptions::default();
    let mut rows = Vec::new();
    for c in &cases {
        let row = bench::measure(c, &opts);
        let one = bench::BenchReport {
            build: build(),
            rows: vec![row.clone()],
        };
        // As measured: a prefecture takes a while.
        println!("{}", one.to_string().lines().last().unwrap_or_default());
        rows.push(row);
    }
    let report = bench::BenchReport {
        build: build(),
        rows,
    };
    if !report.rows.is_empty() {
        println!();
        println!("{report}");
        println!("{}", goals(&report));
    }
    let mut scores = Vec::new();
    for &generator in &generators {
        for &size in &workflow_sizes {
            for &seed in &workflow_seeds {
                let case = Case {
                    generator,
                    size,
                    seed,
                };
                let label = Label {
                    generator: generator.name().into(),
                    size: size.name().into(),
                    seed,
                };
                let score = workflow::run_case(label, &bench::sample(&case))?;
                println!();
                print!("{score}");
                scores.push(score);
            }
        }
    }
    if let Some(p) = a.json {
        let out = JsonReport {
            table: &report,
            workflow: &scores,
        };
        std::fs::write(p, serde_json::to_string_pretty(&out)?)
            .with_context(|| p.display().to_string())?;
    }
    Ok(())
}

fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The goals of issue 12 read against the table.
/// The goals of issue 12 read against the table, one line per generator.
fn goals(r: &bench::BenchReport) -> String {
    let mut out = Vec::new();
    for g in GENERATORS {
        let rows: Vec<&bench::BenchRow> = r.rows.iter().filter(|x| x.generator == g).collect();
        if rows.is_empty() {
            continue;
        }
        let min = |f: &dyn Fn(&bench::BenchRow) -> f64| {
            rows.iter().map(|x| f(x)).fold(f64::INFINITY, f64::min)
        };
        let sum = |f: &dyn Fn(&bench::BenchRow) -> u64| rows.iter().map(|x| f(x)).sum::<u64>();
        out.push(format!(
            "目标 / goals ({}): link F1 ≥ 0.999 — min {:.5} ({} of {} cases); dedupe F1 ≥ 0.98 — min {:.4} ({} of {}); twins merged 0 — {}; automatic duplicates between mothers 0 — {}",
            g.name(),
            min(&|x| x.link.f1),
            rows.iter().filter(|x| x.link.f1 >= 0.999).count(),
            rows.len(),
            min(&|x| x.dedupe.f1),
            rows.iter().filter(|x| x.dedupe.f1 >= 0.98).count(),
            rows.len(),
            sum(&|x| x.twins_merged),
            sum(&|x| x.cross_mother_auto),
        ));
    }
    out.join("\n")
}
