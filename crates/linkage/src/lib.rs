//! renkou-linkage: probabilistic record linkage (Fellegi–Sunter) of births and persons
//! as Chinese civil sources record them, and deduplication of one source.
//!
//! Pipeline: records ([`record`]) → features once per record → blocking rules whose
//! candidate pairs are unioned ([`blocking`]) → a comparison vector per pair
//! ([`compare`]) → m/u by EM, u also from random pairs ([`model`]) → weights and
//! posterior probabilities → one-to-one assignment for two sources ([`assign`]) or
//! clusters with an anti-chaining guard for one ([`cluster`]). Any pair can be
//! explained field by field ([`mod@explain`]). [`generate`] makes realistic synthetic
//! sources with the truth kept aside, and [`eval`] scores results against it.
//!
//! Entry points for the CLI: [`read_records`], [`link`], [`dedupe`], [`write_links`],
//! [`explain::explain`], [`Model::save`] / [`Model::load`].
//!
//! Architecture invariant: no personal data in errors or logs beyond record ids and
//! file positions.

pub mod assign;
pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod eval;
pub mod explain;
pub mod generate;
pub mod io;
pub mod model;
pub mod names;
pub mod record;

pub use blocking::{BlockingReport, BlockingRule};
pub use explain::{explain, explain_by_id, Explanation};
pub use io::{read_records, read_records_sheet, write_links, write_records};
pub use model::{Model, Thresholds, TrainOptions};
pub use record::{EntityKind, Features, LinkRecord};
pub use renkou_interchange::FileError;

use assign::Scored;
use blocking::{pack, unpack};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum LinkError {
    #[error("{path}: 无法读写文件 / cannot read or write the file: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The file cannot be read as an interchange table (not found, empty, binary,
    /// unknown encoding, unreadable xlsx, no header, missing columns): the same
    /// messages as the importers give.
    #[error(transparent)]
    File(#[from] renkou_interchange::FileError),
    #[error("{path}: 不是出生或人员交换文件：缺少 记录编号/record_id 或 人员编号/person_id 列 / not a births or persons file: it has no record_id (记录编号) or person_id (人员编号) column")]
    NotInterchange { path: String },
    #[error("{path}:{row}:{}: {why_zh} / {why_en}", .column)]
    Row {
        path: String,
        row: u64,
        column: String,
        why_zh: String,
        why_en: String,
    },
    #[error("找不到编号为“{id}”的记录 / no record with id \"{id}\"")]
    UnknownId { id: String },
    #[error("{path}: 模型文件无效：{why} / invalid model file: {why}")]
    Model { path: String, why: String },
}

/// The status column of links.csv.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Auto,
    Review,
    Confirmed,
    Rejected,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Auto => "auto",
            LinkStatus::Review => "review",
            LinkStatus::Confirmed => "confirmed",
            LinkStatus::Rejected => "rejected",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            LinkStatus::Auto => "自动匹配",
            LinkStatus::Review => "待复核",
            LinkStatus::Confirmed => "已确认",
            LinkStatus::Rejected => "已否决",
        }
    }
}

/// One row of links.csv. Indices point into the slices given to [`link`]/[`dedupe`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub left_id: String,
    pub right_id: String,
    pub left_index: usize,
    pub right_index: usize,
    pub match_probability: f64,
    pub match_weight: f64,
    pub status: LinkStatus,
}

#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Thresholds; `None` = those of the model (the defaults when trained here).
    pub thresholds: Option<Thresholds>,
    /// A trained model to use instead of training on these files.
    pub model: Option<Model>,
    /// Blocking rules; `None` = the defaults for the kinds of records given.
    pub blocking: Option<Vec<BlockingRule>>,
    /// A block producing more pairs than this is skipped (and reported).
    pub max_block_pairs: u64,
    /// Random pairs drawn to estimate `u`.
    pub random_pairs: usize,
    pub train: TrainOptions,
    pub seed: u64,
    /// Dedupe: the largest cluster the anti-chaining guard allows.
    pub max_cluster_size: usize,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            thresholds: None,
            model: None,
            blocking: None,
            max_block_pairs: 10_000,
            random_pairs: 200_000,
            train: TrainOptions::default(),
            seed: 20250101,
            max_cluster_size: 10,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LinkOutput {
    pub links: Vec<Link>,
    pub model: Model,
    pub blocking: BlockingReport,
    /// Records with more than one candidate at or above review (left, right); for
    /// dedupe the second number is 0.
    pub conflicts: (usize, usize),
    /// Wall time of each stage in seconds.
    pub timings: Vec<(&'static str, f64)>,
}

fn default_rules(a: &[LinkRecord], b: &[LinkRecord]) -> Vec<BlockingRule> {
    let births = a
        .iter()
        .chain(b)
        .filter(|r| r.kind == EntityKind::Birth)
        .count();
    let persons = a.len() + b.len() - births;
    if persons == 0 {
        BlockingRule::births_default()
    } else if births == 0 {
        BlockingRule::persons_default()
    } else {
        vec![
            BlockingRule::BirthDateTownship,
            BlockingRule::NamePinyinBirthYear,
        ]
    }
}

struct Timer {
    t: Instant,
    out: Vec<(&'static str, f64)>,
}
impl Timer {
    fn new() -> Self {
        Timer {
            t: Instant::now(),
            out: Vec::new(),
        }
    }
    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        self.out.push((name, (now - self.t).as_secs_f64()));
        self.t = now;
    }
}

/// Scores candidate pairs; trains a model unless one is given.
#[allow(clippy::too_many_arguments)]
fn score(
    fl: &[Features],
    fr: &[Features],
    dedupe: bool,
    pairs: &[u64],
    opts: &LinkOptions,
    expected_matches: usize,
    timer: &mut Timer,
) -> (Model, Vec<Scored>) {
    let patterns: Vec<u64> = pairs
        .par_iter()
        .map(|&p| {
            let (l, r) = unpack(p);
            compare::compare(&fl[l as usize], &fr[r as usize])
        })
        .collect();
    timer.lap("compare");
    let mut model = match &opts.model {
        Some(m) => m.clone(),
        None => {
            let random = random_patterns(fl, fr, dedupe, opts.random_pairs, opts.seed);
            let mut t = opts.train;
            if !pairs.is_empty() {
                t.initial_lambda = (expected_matches as f64 / pairs.len() as f64).clamp(0.001, 0.9);
            }
            let m = Model::train(&patterns, &random, &t);
            timer.lap("train");
            m
        }
    };
    if let Some(t) = opts.thresholds {
        model.thresholds = t;
    }
    let scorer = model.scorer();
    let scored: Vec<Scored> = pairs
        .par_iter()
        .zip(&patterns)
        .map(|(&pair, &p)| {
            let w = scorer.weight(p);
            Scored {
                pair,
                weight: w,
                probability: model::prob(w),
            }
        })
        .collect();
    timer.lap("score");
    (model, scored)
}

/// Comparison patterns of random pairs, for `u`.
fn random_patterns(
    fl: &[Features],
    fr: &[Features],
    dedupe: bool,
    n: usize,
    seed: u64,
) -> Vec<u64> {
    if fl.is_empty() || fr.is_empty() || (dedupe && fl.len() < 2) {
        return Vec::new();
    }
    let total = fl.len() as u128 * fr.len() as u128;
    let n = (n as u128).min(total) as usize;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let idx: Vec<(u32, u32)> = (0..n)
        .map(|_| loop {
            let a = rng.random_range(0..fl.len()) as u32;
            let b = rng.random_range(0..fr.len()) as u32;
            if !dedupe || a != b {
                break (a, b);
            }
        })
        .collect();
    idx.par_iter()
        .map(|&(a, b)| compare::compare(&fl[a as usize], &fr[b as usize]))
        .collect()
}

fn to_link(s: &Scored, left: &[LinkRecord], right: &[LinkRecord], accept: f64) -> Link {
    let (l, r) = unpack(s.pair);
    Link {
        left_id: left[l as usize].record_id.clone(),
        right_id: right[r as usize].record_id.clone(),
        left_index: l as usize,
        right_index: r as usize,
        match_probability: s.probability,
        match_weight: s.weight,
        status: if s.probability >= accept {
            LinkStatus::Auto
        } else {
            LinkStatus::Review
        },
    }
}

/// Links two sources: each record of `left` to at most one of `right`. Links at or
/// above the review threshold are returned, `auto` at or above accept.
pub fn link(left: &[LinkRecord], right: &[LinkRecord], opts: &LinkOptions) -> LinkOutput {
    let mut timer = Timer::new();
    let (fl, fr) = rayon::join(|| record::prepare(left), || record::prepare(right));
    timer.lap("features");
    let rules = opts
        .blocking
        .clone()
        .unwrap_or_else(|| default_rules(left, right));
    let (pairs, report) = blocking::candidates(&fl, Some(&fr), &rules, opts.max_block_pairs);
    timer.lap("blocking");
    let expected = left.len().min(right.len());
    let (model, scored) = score(&fl, &fr, false, &pairs, opts, expected, &mut timer);
    let t = model.thresholds;
    let conflicts = assign::conflicts(&scored, left.len(), right.len(), t.review);
    let kept = assign::one_to_one(&scored, left.len(), right.len(), t.review);
    let sole = assign::sole_candidates(&scored, left.len(), right.len(), t.review);
    let links = kept
        .iter()
        .map(|s| {
            let mut l = to_link(s, left, right, t.accept);
            // Between the thresholds, a pair whose records have no other candidate
            // at review level is accepted: the doubt it carries is "could this be a
            // twin or sibling of the true partner?", and there is no such other
            // record on either side. Measured: recall +0.3 points at equal precision.
            if l.status == LinkStatus::Review && sole.contains(&s.pair) {
                l.status = LinkStatus::Auto;
            }
            l
        })
        .collect();
    timer.lap("assign");
    LinkOutput {
        links,
        model,
        blocking: report,
        conflicts,
        timings: timer.out,
    }
}

/// Finds duplicates within one source. Returns every pair inside a cluster (`auto`
/// when the pair itself reaches accept, else `review`), plus candidate pairs between
/// review and accept that the clustering kept apart, as `review`.
pub fn dedupe(records: &[LinkRecord], opts: &LinkOptions) -> LinkOutput {
    let mut timer = Timer::new();
    let f = record::prepare(records);
    timer.lap("features");
    let rules = opts
        .blocking
        .clone()
        .unwrap_or_else(|| default_rules(records, &[]));
    let (pairs, report) = blocking::candidates(&f, None, &rules, opts.max_block_pairs);
    timer.lap("blocking");
    // Duplicates are a few percent of rows: start EM from that.
    let expected = records.len() / 20 + 1;
    let (model, scored) = score(&f, &f, true, &pairs, opts, expected, &mut timer);
    let t = model.thresholds;
    let scorer = model.scorer();
    let of = cluster::clusters(
        &f,
        &scored,
        &scorer,
        &cluster::ClusterOptions {
            accept: t.accept,
            review: t.review,
            max_cluster_size: opts.max_cluster_size,
        },
    );
    let mut size = vec![0u32; of.len()];
    for &c in &of {
        size[c as usize] += 1;
    }
    let mut groups: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for (i, &c) in of.iter().enumerate() {
        if size[c as usize] > 1 {
            groups.entry(c).or_default().push(i as u32);
        }
    }
    let mut links = Vec::new();
    let mut in_cluster = std::collections::HashSet::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        for (k, &a) in members.iter().enumerate() {
            for &b in &members[k + 1..] {
                let w = scorer.weight(compare::compare(&f[a as usize], &f[b as usize]));
                let s = Scored {
                    pair: pack(a, b),
                    weight: w,
                    probability: model::prob(w),
                };
                in_cluster.insert(s.pair);
                links.push(to_link(&s, records, records, t.accept));
            }
        }
    }
    for s in &scored {
        if s.probability >= t.review && !in_cluster.contains(&s.pair) {
            let mut l = to_link(s, records, records, t.accept);
            l.status = LinkStatus::Review;
            links.push(l);
        }
    }
    links.sort_by_key(|l| (l.left_index, l.right_index));
    timer.lap("cluster");
    LinkOutput {
        links,
        model,
        blocking: report,
        conflicts: (0, 0),
        timings: timer.out,
    }
}
