//! Measurement of the engine against a known truth, on two independent generators
//! (this crate's [`crate::generate`], which the engine was tuned on, and
//! `renkou-sourcegen`, written apart with its own error model), several seeds and
//! three sizes: a township's year (~1,000 births), a county's (~16,000) and a
//! prefecture's (~100,000). The report is a table that `linkage-bench table` prints
//! and that the binary can expose as `renkou bench linkage`.
//!
//! What is measured, per case: the village ledger deduplicated with the hospital as
//! second source and linked to it many-to-one ([`crate::reconcile`], the
//! reconciliation's path), and the ledger deduplicated alone ([`crate::dedupe`],
//! `renkou dedupe`'s path).
//! - link precision / recall / F1 of `auto` links, duplicates counted many-to-one:
//!   every ledger row of a birth the hospital has should link to it;
//! - dedupe precision / recall / F1 of `auto` duplicate pairs (every pair inside a
//!   group);
//! - twin pairs merged: two children of one delivery inside one duplicate group;
//! - automatic duplicates between rows of different mothers;
//! - wall time of each call, and whether a fit failed its checks.

use crate::eval::Metrics;
use crate::record::{EntityKind, LinkRecord};
use crate::{generate, LinkOptions, LinkStatus};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Generator {
    /// `renkou_linkage::generate`, the data the engine was tuned on.
    Engine,
    /// `renkou_sourcegen`, written apart with its own error model and rates.
    Independent,
    /// `renkou_sourcegen` with twice its error rates, twice the twins and a quarter
    /// of twins written with one birth order: whether what holds on the rates the
    /// engine was measured on holds on a sloppier county.
    Harsh,
}

impl Generator {
    pub fn name(self) -> &'static str {
        match self {
            Generator::Engine => "engine",
            Generator::Independent => "independent",
            Generator::Harsh => "harsh",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Size {
    /// A township's year, about 1,000 births.
    Township,
    /// A county's year, about 16,000 births.
    County,
    /// A prefecture's year, about 100,000 births.
    Prefecture,
}

impl Size {
    pub fn name(self) -> &'static str {
        match self {
            Size::Township => "township",
            Size::County => "county",
            Size::Prefecture => "prefecture",
        }
    }
    pub fn births(self) -> usize {
        match self {
            Size::Township => 1_000,
            Size::County => 16_000,
            Size::Prefecture => 100_000,
        }
    }
    pub fn parse(s: &str) -> Option<Size> {
        match s {
            "township" => Some(Size::Township),
            "county" => Some(Size::County),
            "prefecture" => Some(Size::Prefecture),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Case {
    pub generator: Generator,
    pub size: Size,
    pub seed: u64,
}

/// What one row of a generated source really describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowTruth {
    pub child: u32,
    /// Children of one delivery (twins, triplets) share it.
    pub delivery: u64,
    pub mother: u32,
}

/// Generated sources with their truth.
#[derive(Debug, Clone)]
pub struct Sample {
    pub ledger: Vec<LinkRecord>,
    pub hospital: Vec<LinkRecord>,
    pub ledger_truth: Vec<RowTruth>,
    pub hospital_truth: Vec<RowTruth>,
    /// Every child generated in the area, those neither source has included: the
    /// number a dual-system estimate is after. Children are numbered
    /// `0..true_births`; a row with a higher number is a child of another area
    /// (`renkou-sourcegen`'s hospital outsiders).
    pub true_births: usize,
}

/// A row of `renkou-sourcegen` as the engine reads a births.csv row.
pub fn from_sourcegen(r: &renkou_sourcegen::Row) -> LinkRecord {
    LinkRecord {
        kind: EntityKind::Birth,
        record_id: r.record_id.clone(),
        name: r.child_name.clone(),
        sex: r.child_sex.clone(),
        birth_date: r.birth_date.clone(),
        id_number: String::new(),
        birth_order: r.birth_order.clone(),
        mother_name: r.mother_name.clone(),
        mother_id_number: r.mother_id_number.clone(),
        mother_birth_date: r.mother_birth_date.clone(),
        father_name: r.father_name.clone(),
        father_id_number: r.father_id_number.clone(),
        region_code: r.region_code.clone(),
        place: r.place.clone(),
        source: r.source.clone(),
    }
}

/// The sources of one case.
pub fn sample(case: &Case) -> Sample {
    match case.generator {
        Generator::Independent | Generator::Harsh => {
            let mut cfg = match case.size {
                Size::Township => renkou_sourcegen::Config::township(case.seed),
                Size::County => renkou_sourcegen::Config::county(case.seed),
                Size::Prefecture => renkou_sourcegen::Config::prefecture(case.seed),
            };
            if case.generator == Generator::Harsh {
                cfg.rates = harsh_rates();
            }
            let s = renkou_sourcegen::generate(&cfg);
            let t = |v: &[renkou_sourcegen::Truth]| {
                v.iter()
                    .map(|t| RowTruth {
                        child: t.child,
                        delivery: t.delivery as u64,
                        mother: t.mother,
                    })
                    .collect()
            };
            Sample {
                ledger: s.ledger.iter().map(from_sourcegen).collect(),
                hospital: s.hospital.iter().map(from_sourcegen).collect(),
                ledger_truth: t(&s.ledger_truth),
                hospital_truth: t(&s.hospital_truth),
                true_births: s.births,
            }
        }
        Generator::Engine => {
            let births = case.size.births();
            let cfg = generate::BirthsConfig {
                seed: case.seed,
                births,
                years: 1,
                townships: (births / 900).max(1) as u32,
                villages_per_township: 15,
                ..Default::default()
            };
            let g = generate::births(&cfg);
            let truth = |ent: &[u32], mot: &[u32], del: &[u32]| {
                ent.iter()
                    .zip(mot)
                    .zip(del)
                    .map(|((&e, &m), &d)| RowTruth {
                        child: e,
                        delivery: d as u64,
                        mother: m,
                    })
                    .collect()
            };
            Sample {
                ledger_truth: truth(&g.ledger_entity, &g.ledger_mother, &g.ledger_delivery),
                hospital_truth: truth(&g.hospital_entity, &g.hospital_mother, &g.hospital_delivery),
                true_births: g.births,
                ledger: g.ledger,
                hospital: g.hospital,
            }
        }
    }
}

/// The independent generator's rates made sloppier: every error twice as often,
/// twice the twins (and five times the triplets), names later, and the hospital
/// losing more certificates and whole deliveries.
pub fn harsh_rates() -> renkou_sourcegen::Rates {
    let d = renkou_sourcegen::Rates::default();
    renkou_sourcegen::Rates {
        twins: 2.0 * d.twins,
        triplets: 5.0 * d.triplets,
        twin_next_day: 2.0 * d.twin_next_day,
        ledger_copied: 2.0 * d.ledger_copied,
        ledger_name_late: 0.3,
        ledger_name_late_multiple: 0.7,
        ledger_baby_name: 2.0 * d.ledger_baby_name,
        ledger_name_sound: 2.0 * d.ledger_name_sound,
        ledger_name_look: 2.0 * d.ledger_name_look,
        ledger_name_short: 2.0 * d.ledger_name_short,
        ledger_day_off: 2.0 * d.ledger_day_off,
        ledger_impossible_date: 2.0 * d.ledger_impossible_date,
        ledger_order_off: 2.0 * d.ledger_order_off,
        ledger_order_missing: 2.0 * d.ledger_order_missing,
        ledger_twins_same_order: 0.25,
        ledger_sex_missing: 2.0 * d.ledger_sex_missing,
        ledger_sex_wrong: 2.0 * d.ledger_sex_wrong,
        ledger_mother_sound: 2.0 * d.ledger_mother_sound,
        ledger_mother_id_missing: 2.0 * d.ledger_mother_id_missing,
        ledger_mother_id_digit: 2.0 * d.ledger_mother_id_digit,
        ledger_mother_id_swap: 2.0 * d.ledger_mother_id_swap,
        ledger_mother_id_check: 2.0 * d.ledger_mother_id_check,
        ledger_mother_id_date: 2.0 * d.ledger_mother_id_date,
        ledger_mother_id_dropped: 2.0 * d.ledger_mother_id_dropped,
        ledger_village_wrong: 2.0 * d.ledger_village_wrong,
        ledger_village_unknown: 2.0 * d.ledger_village_unknown,
        ledger_township_only: 3.0 * d.ledger_township_only,
        hospital_missing: 2.0 * d.hospital_missing,
        hospital_child_missing: 4.0 * d.hospital_child_missing,
        hospital_day_off: 2.0 * d.hospital_day_off,
        hospital_order_off: 2.0 * d.hospital_order_off,
        hospital_mother_sound: 2.0 * d.hospital_mother_sound,
        hospital_mother_id_missing: 2.0 * d.hospital_mother_id_missing,
        hospital_mother_id_digit: 2.0 * d.hospital_mother_id_digit,
        hospital_mother_id_check: 2.0 * d.hospital_mother_id_check,
        hospital_village_wrong: 2.0 * d.hospital_village_wrong,
        ..d
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    pub generator: Generator,
    pub size: Size,
    pub seed: u64,
    pub ledger_rows: usize,
    pub hospital_rows: usize,
    pub true_duplicate_pairs: u64,
    /// Pairs of ledger rows that are two children of one delivery.
    pub twin_pairs: u64,
    /// Ledger × hospital, auto links, duplicates many-to-one.
    pub link: Metrics,
    pub review_links: usize,
    /// Ledger duplicates with the hospital as second source (auto pairs).
    pub dedupe: Metrics,
    pub review_duplicates: usize,
    pub twins_merged: u64,
    pub cross_mother_auto: u64,
    /// The ledger deduplicated alone (`renkou dedupe`).
    pub dedupe_alone: Metrics,
    pub twins_merged_alone: u64,
    pub cross_mother_auto_alone: u64,
    /// Whether a fit failed its checks and the shipped defaults were used (link fit,
    /// dedupe fit, dedupe-alone fit).
    pub fell_back: [bool; 3],
    /// Whether EM from the defaults failed its checks and a second start passed.
    pub restarted: [bool; 3],
    /// Wall time of the reconciliation path (link + dedupe with second source) and
    /// of the dedupe alone, seconds.
    pub seconds: f64,
    pub seconds_alone: f64,
}

/// The report: one row per case, and the build it was measured in.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub build: &'static str,
    pub rows: Vec<BenchRow>,
}

fn metrics(tp: u64, predicted: u64, truth: u64) -> Metrics {
    let precision = if predicted == 0 {
        1.0
    } else {
        tp as f64 / predicted as f64
    };
    let recall = if truth == 0 {
        1.0
    } else {
        tp as f64 / truth as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Metrics {
        true_positives: tp,
        false_positives: predicted - tp,
        false_negatives: truth - tp,
        precision,
        recall,
        f1,
    }
}

/// Links scored many-to-one: right when both rows are one child; the truth is every
/// (ledger row, hospital row) pair of one child.
pub fn link_metrics(links: &[(usize, usize)], lt: &[RowTruth], rt: &[RowTruth]) -> Metrics {
    let mut right: HashMap<u32, u64> = HashMap::new();
    for t in rt {
        *right.entry(t.child).or_default() += 1;
    }
    let truth: u64 = lt
        .iter()
        .map(|t| right.get(&t.child).copied().unwrap_or(0))
        .sum();
    let pred: HashSet<(usize, usize)> = links.iter().copied().collect();
    let tp = pred
        .iter()
        .filter(|(l, r)| lt[*l].child == rt[*r].child)
        .count() as u64;
    metrics(tp, pred.len() as u64, truth)
}

/// Duplicate pairs scored pairwise, with the twins merged and the pairs across
/// mothers.
pub fn dedupe_metrics(pairs: &[(usize, usize)], t: &[RowTruth]) -> (Metrics, u64, u64) {
    let mut per: HashMap<u32, u64> = HashMap::new();
    for x in t {
        *per.entry(x.child).or_default() += 1;
    }
    let truth: u64 = per.values().map(|&n| n * n.saturating_sub(1) / 2).sum();
    let pred: HashSet<(usize, usize)> = pairs.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    let tp = pred
        .iter()
        .filter(|(a, b)| t[*a].child == t[*b].child)
        .count() as u64;
    let twins: HashSet<(u32, u32)> = pred
        .iter()
        .filter(|(a, b)| t[*a].delivery == t[*b].delivery && t[*a].child != t[*b].child)
        .map(|(a, b)| (t[*a].child.min(t[*b].child), t[*a].child.max(t[*b].child)))
        .collect();
    let cross = pred
        .iter()
        .filter(|(a, b)| t[*a].mother != t[*b].mother)
        .count() as u64;
    (
        metrics(tp, pred.len() as u64, truth),
        twins.len() as u64,
        cross,
    )
}

/// Pairs of rows that are two children of one delivery.
fn twin_pairs(t: &[RowTruth]) -> u64 {
    let mut by: HashMap<u64, Vec<u32>> = HashMap::new();
    for x in t {
        by.entry(x.delivery).or_default().push(x.child);
    }
    by.values()
        .map(|v| {
            let mut n = 0;
            for (i, a) in v.iter().enumerate() {
                n += v[i + 1..].iter().filter(|b| *b != a).count() as u64;
            }
            n
        })
        .sum()
}

fn auto_pairs(links: &[crate::Link]) -> Vec<(usize, usize)> {
    links
        .iter()
        .filter(|l| l.status == LinkStatus::Auto)
        .map(|l| (l.left_index, l.right_index))
        .collect()
}

/// Measures one case.
pub fn measure(case: &Case, opts: &LinkOptions) -> BenchRow {
    let s = sample(case);
    let t = Instant::now();
    let r = crate::reconcile(&s.ledger, &s.hospital, opts);
    let seconds = t.elapsed().as_secs_f64();
    let link = link_metrics(&auto_pairs(&r.links), &s.ledger_truth, &s.hospital_truth);
    let (dedupe, twins_merged, cross_mother_auto) =
        dedupe_metrics(&auto_pairs(&r.duplicates), &s.ledger_truth);
    let t = Instant::now();
    let alone = crate::dedupe(&s.ledger, opts);
    let seconds_alone = t.elapsed().as_secs_f64();
    let (dedupe_alone, twins_merged_alone, cross_mother_auto_alone) =
        dedupe_metrics(&auto_pairs(&alone.links), &s.ledger_truth);
    BenchRow {
        generator: case.generator,
        size: case.size,
        seed: case.seed,
        ledger_rows: s.ledger.len(),
        hospital_rows: s.hospital.len(),
        true_duplicate_pairs: dedupe.true_positives + dedupe.false_negatives,
        twin_pairs: twin_pairs(&s.ledger_truth),
        review_links: r
            .links
            .iter()
            .filter(|l| l.status == LinkStatus::Review)
            .count(),
        link,
        review_duplicates: r
            .duplicates
            .iter()
            .filter(|l| l.status == LinkStatus::Review)
            .count(),
        dedupe,
        twins_merged,
        cross_mother_auto,
        dedupe_alone,
        twins_merged_alone,
        cross_mother_auto_alone,
        fell_back: [
            r.link_fit.fell_back(),
            r.dedupe_fit.fell_back(),
            alone.fit.fell_back(),
        ],
        restarted: [
            r.link_fit.restarted,
            r.dedupe_fit.restarted,
            alone.fit.restarted,
        ],
        seconds,
        seconds_alone,
    }
}

/// Measures every case.
pub fn run(cases: &[Case], opts: &LinkOptions) -> BenchReport {
    BenchReport {
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        rows: cases.iter().map(|c| measure(c, opts)).collect(),
    }
}

/// Both generators × the given sizes × seeds.
pub fn cases(sizes: &[Size], seeds: &[u64]) -> Vec<Case> {
    let mut out = Vec::new();
    for generator in [Generator::Engine, Generator::Independent, Generator::Harsh] {
        for &size in sizes {
            for &seed in seeds {
                out.push(Case {
                    generator,
                    size,
                    seed,
                });
            }
        }
    }
    out
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "linkage bench ({} build): link = ledger × hospital auto links, duplicates many-to-one; dedupe = ledger with the hospital as second source; alone = ledger only",
            self.build
        )?;
        writeln!(
            f,
            "{:<11} {:<10} {:>4} {:>7} {:>7} {:>5} {:>5} | {:>7} {:>7} {:>7} {:>5} | {:>6} {:>6} {:>6} {:>4} {:>5} {:>5} | {:>6} {:>6} {:>6} {:>5} {:>5} | {:>5} {:>6} {:>6}",
            "generator", "size", "seed", "ledger", "hosp", "dups", "twins",
            "link P", "link R", "link F1", "rev",
            "dup P", "dup R", "dup F1", "rev", "twinM", "xMoth",
            "alneP", "alneR", "alneF1", "twinM", "xMoth",
            "fallb", "sec", "alone s"
        )?;
        for r in &self.rows {
            // Per fit (link, dedupe, dedupe alone): F fell back to the defaults,
            // R restarted, . fitted at once.
            let fb: String = r
                .fell_back
                .iter()
                .zip(&r.restarted)
                .map(|(&f, &s)| match (f, s) {
                    (true, _) => 'F',
                    (_, true) => 'R',
                    _ => '.',
                })
                .collect();
            writeln!(
                f,
                "{:<11} {:<10} {:>4} {:>7} {:>7} {:>5} {:>5} | {:>7.4} {:>7.4} {:>7.4} {:>5} | {:>6.4} {:>6.4} {:>6.4} {:>4} {:>5} {:>5} | {:>6.4} {:>6.4} {:>6.4} {:>5} {:>5} | {:>5} {:>6.2} {:>6.2}",
                r.generator.name(),
                r.size.name(),
                r.seed,
                r.ledger_rows,
                r.hospital_rows,
                r.true_duplicate_pairs,
                r.twin_pairs,
                r.link.precision,
                r.link.recall,
                r.link.f1,
                r.review_links,
                r.dedupe.precision,
                r.dedupe.recall,
                r.dedupe.f1,
                r.review_duplicates,
                r.twins_merged,
                r.cross_mother_auto,
                r.dedupe_alone.precision,
                r.dedupe_alone.recall,
                r.dedupe_alone.f1,
                r.twins_merged_alone,
                r.cross_mother_auto_alone,
                fb,
                r.seconds,
                r.seconds_alone,
            )?;
        }
        Ok(())
    }
}
