//! renkou-linkage: probabilistic record linkage (Fellegi–Sunter) of births and persons
//! as Chinese civil sources record them, and deduplication of one source.
//!
//! Pipeline: records ([`record`], raw strings as the source wrote them) → features
//! once per record → blocking rules whose candidate pairs are unioned ([`blocking`])
//! → a comparison vector per pair ([`compare`]) → m/u by EM started from the shipped
//! defaults ([`defaults`]), checked, and replaced by the defaults when a check fails
//! ([`fit`]) → weights and posterior probabilities → one-to-one assignment for two
//! sources ([`assign`]; the rows of a multiple delivery of the other source are
//! assigned to its births jointly, [`deliveries`]) or clusters with an anti-chaining
//! guard, the twin rule and a second source's verdict for one ([`cluster`], [`twins`]). [`reconcile`] does both
//! for a source against another and links a source's duplicate rows, all of them, to
//! the one birth they describe. Any pair can be explained field by field
//! ([`mod@explain`]). [`generate`] makes the synthetic sources the engine was tuned
//! on, [`bench`] measures it on those and on the independent `renkou-sourcegen`.
//!
//! Entry points for the CLI and the application: [`read_records`], [`link`],
//! [`dedupe`], [`dedupe_with`], [`reconcile`], [`write_links`],
//! [`explain::explain`], [`Model::save`] / [`Model::load`], [`SavedModels`].
//!
//! Architecture invariant: no personal data in errors or logs beyond record ids and
//! file positions.

pub mod assign;
pub mod bench;
pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod defaults;
pub mod deliveries;
pub mod eval;
pub mod explain;
pub mod fit;
pub mod generate;
pub mod io;
pub mod model;
pub mod names;
pub mod record;
pub mod twins;

pub use blocking::{BlockingReport, BlockingRule};
pub use explain::{explain, explain_by_id, Explanation};
pub use fit::{FitCheck, FitReport, ModelOrigin, Task};
pub use io::{read_records, read_records_sheet, write_links, write_records};
pub use model::{Model, SavedModels, Thresholds, TrainOptions};
pub use record::{EntityKind, Features, LinkRecord};
pub use renkou_interchange::FileError;
pub use twins::TwinReason;

use assign::Scored;
use blocking::{pack, unpack};
use compare::Pattern;
use fit::{FitOptions, Keyed, Sides};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
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
    /// A trained model to use instead of training on these files (no EM). In
    /// [`reconcile`], the model for linking the two sources.
    pub model: Option<Model>,
    /// [`reconcile`]: the model for deduplicating the first source (no EM).
    pub dedupe_model: Option<Model>,
    /// Where EM starts; `None` = the shipped default for the task.
    pub train_start: Option<Model>,
    /// Replace a fit that fails its checks by the shipped defaults (default on).
    pub fallback: bool,
    /// Blocking rules; `None` = the defaults for the kinds of records given.
    pub blocking: Option<Vec<BlockingRule>>,
    /// A block producing more pairs than this is skipped (and reported).
    pub max_block_pairs: u64,
    /// Random pairs drawn to estimate `u` among random pairs (kept in the model for
    /// reference, not used for scoring). 50,000 estimate every level's share to
    /// well under a point; 200,000 cost four times as much and were 60 % of a
    /// county's reconciliation.
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
            dedupe_model: None,
            train_start: None,
            fallback: true,
            blocking: None,
            max_block_pairs: 10_000,
            random_pairs: 50_000,
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
    /// Where the model came from and its checks.
    pub fit: FitReport,
    pub blocking: BlockingReport,
    /// Records with more than one candidate at or above review (left, right); for
    /// dedupe the second number is 0.
    pub conflicts: (usize, usize),
    /// Dedupe: pairs the model scored at review level or above but that were kept
    /// apart as two children (twin rule or second source). Empty for linking.
    pub twins: Vec<TwinPair>,
    /// Wall time of each stage in seconds.
    pub timings: Vec<(&'static str, f64)>,
}

/// Two records of one source kept apart as two children.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwinPair {
    pub left_index: usize,
    pub right_index: usize,
    pub left_id: String,
    pub right_id: String,
    pub reason: TwinReason,
    /// What the match model alone made of the pair.
    pub match_probability: f64,
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

/// What decides a pair beyond its pattern, for the fit's checks: the strongest
/// identifier of the task (the mother's ID number for births, the own for persons).
fn identifier_level(task: Task, a: &Features, b: &Features) -> Option<u8> {
    if task.is_births() {
        compare::compare_ids(&a.mother_id, &b.mother_id)
    } else {
        compare::compare_ids(&a.id, &b.id)
    }
}

/// Scores candidate pairs; fits a model (with its checks and fallback) unless one
/// is given.
#[allow(clippy::too_many_arguments)]
fn score(
    task: Task,
    fl: &[Features],
    fr: &[Features],
    pairs: &[u64],
    given: Option<&Model>,
    opts: &LinkOptions,
    expected_matches: usize,
    timer: &mut Timer,
) -> (Model, FitReport, Vec<Scored>) {
    let keyed: Vec<Keyed> = pairs
        .par_iter()
        .map(|&p| {
            let (l, r) = unpack(p);
            let (a, b) = (&fl[l as usize], &fr[r as usize]);
            fit::key(compare::compare(a, b), identifier_level(task, a, b))
        })
        .collect();
    timer.lap("compare");
    let dedupe = task.is_dedupe();
    let sides = Sides {
        left: fl.len(),
        right: fr.len(),
    };
    let (mut model, report) = match given {
        Some(m) => (m.clone(), fit::supplied(m, task, &keyed, sides)),
        None => {
            let random = random_patterns(fl, fr, dedupe, opts.random_pairs, opts.seed);
            let mut t = opts.train;
            if !pairs.is_empty() {
                t.initial_lambda = (expected_matches as f64 / pairs.len() as f64).clamp(0.001, 0.9);
            }
            let out = fit::fit(
                task,
                &keyed,
                &random,
                sides,
                &FitOptions {
                    train: t,
                    start: opts.train_start.as_ref(),
                    fallback: opts.fallback,
                },
            );
            timer.lap("train");
            out
        }
    };
    if let Some(t) = opts.thresholds {
        model.thresholds = t;
    }
    let scorer = model.scorer();
    let scored: Vec<Scored> = pairs
        .par_iter()
        .zip(&keyed)
        .map(|(&pair, &k)| {
            let w = scorer.weight(k & 0xFFFF_FFFF);
            Scored {
                pair,
                weight: w,
                probability: model::prob(w),
            }
        })
        .collect();
    timer.lap("score");
    (model, report, scored)
}

/// Comparison patterns of random pairs, for `u`.
fn random_patterns(
    fl: &[Features],
    fr: &[Features],
    dedupe: bool,
    n: usize,
    seed: u64,
) -> Vec<Pattern> {
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
/// above the review threshold are returned, `auto` at or above accept. A source's
/// duplicated rows compete for one partner here; [`reconcile`] links them all.
pub fn link(left: &[LinkRecord], right: &[LinkRecord], opts: &LinkOptions) -> LinkOutput {
    let mut timer = Timer::new();
    let (fl, fr) = rayon::join(|| record::prepare(left), || record::prepare(right));
    timer.lap("features");
    link_features(left, right, &fl, &fr, opts, opts.model.as_ref(), timer).0
}

/// A kept pair whose swap with another kept pair is within a Bayes factor of 2
/// (`1 / (1 + 2^-1)`) goes to review.
const SWAP_CONFIDENCE: f64 = 2.0 / 3.0;

fn link_features(
    left: &[LinkRecord],
    right: &[LinkRecord],
    fl: &[Features],
    fr: &[Features],
    opts: &LinkOptions,
    given: Option<&Model>,
    mut timer: Timer,
) -> (LinkOutput, Vec<Scored>, deliveries::DeliveryAssignment) {
    let rules = opts
        .blocking
        .clone()
        .unwrap_or_else(|| default_rules(left, right));
    let (pairs, report) = blocking::candidates(fl, Some(fr), &rules, opts.max_block_pairs);
    timer.lap("blocking");
    let expected = left.len().min(right.len());
    let task = Task::of(left, right, false);
    let (model, fit, scored) = score(task, fl, fr, &pairs, given, opts, expected, &mut timer);
    let t = model.thresholds;
    let conflicts = assign::conflicts(&scored, left.len(), right.len(), t.review);
    let mut kept = assign::one_to_one_best(&scored, left.len(), right.len(), t.review);
    let sole = assign::sole_candidates(&scored, left.len(), right.len(), t.review);
    // Births: the rows of a multiple delivery of the right side are assigned to its
    // births together (a copy of one twin must not take the other twin's birth).
    timer.lap("one_to_one");
    let joint = if task.is_births() {
        deliveries::assign(
            fl,
            fr,
            &scored,
            &kept,
            &model.scorer(),
            model::weight_of(t.review),
        )
    } else {
        deliveries::DeliveryAssignment::default()
    };
    timer.lap("deliveries");
    let mut joint_links: HashMap<u64, bool> = HashMap::new();
    if !joint.births.is_empty() {
        kept.retain(|s| {
            let (l, r) = unpack(s.pair);
            !joint.solved(l) && !joint.births.contains(&r)
        });
        let weight: HashMap<u64, &Scored> = scored.iter().map(|s| (s.pair, s)).collect();
        // Per birth, the row that stands for it: a sure one first, then the best.
        let mut standing: HashMap<u32, (bool, f64, u32)> = HashMap::new();
        for (&l, &r) in &joint.birth_of {
            let Some(s) = weight.get(&pack(l, r)) else {
                continue;
            };
            let key = (!joint.unsure_rows.contains(&l), s.weight, u32::MAX - l);
            let e = standing.entry(r).or_insert(key);
            if key > *e {
                *e = key;
            }
        }
        for (&r, &(sure, _, l)) in &standing {
            let l = u32::MAX - l;
            if let Some(&&s) = weight.get(&pack(l, r)) {
                kept.push(s);
                joint_links.insert(s.pair, sure);
            }
        }
        kept.sort_by_key(|s| s.pair);
    }
    // Births: a mother's one delivery in both sources is one child, however its
    // fields differ (a slipped birth order and a swapped name look like a twin to
    // the model, but there is no twin on either side).
    let deliveries: HashSet<u64> = if task.is_births() {
        twins::sole_deliveries(fl, fr, pairs.iter().map(|&p| unpack(p)))
            .into_iter()
            .map(|(l, r)| pack(l, r))
            .collect()
    } else {
        HashSet::new()
    };
    if !deliveries.is_empty() {
        let (mut lt, mut rt) = (vec![false; left.len()], vec![false; right.len()]);
        for s in &kept {
            let (l, r) = unpack(s.pair);
            lt[l as usize] = true;
            rt[r as usize] = true;
        }
        for s in &scored {
            let (l, r) = unpack(s.pair);
            if deliveries.contains(&s.pair) && !lt[l as usize] && !rt[r as usize] {
                kept.push(*s);
            }
        }
        kept.sort_by_key(|s| s.pair);
    }
    let swap = assign::swap_confidence(&kept, &scored);
    let links = kept
        .iter()
        .zip(&swap)
        .map(|(s, &c)| {
            let mut l = to_link(s, left, right, t.accept);
            // Between the thresholds, a pair whose records have no other candidate
            // at review level is accepted: the doubt it carries is "could this be a
            // twin or sibling of the true partner?", and there is no such other
            // record on either side. Measured: recall +0.3 points at equal precision.
            if l.status == LinkStatus::Review && sole.contains(&s.pair) {
                l.status = LinkStatus::Auto;
            }
            // Two twins each linked to one of two births that their records cannot
            // tell apart (the swapped assignment within a Bayes factor of 2, as the
            // reconciliation's contested rule): which is which is for a reviewer.
            if l.status == LinkStatus::Auto && c < SWAP_CONFIDENCE {
                l.status = LinkStatus::Review;
            }
            if deliveries.contains(&s.pair) {
                l.status = LinkStatus::Auto;
            }
            // A multiple delivery solved jointly: its own certainty decides.
            if let Some(&sure) = joint_links.get(&s.pair) {
                l.status = if sure {
                    LinkStatus::Auto
                } else {
                    LinkStatus::Review
                };
            }
            l
        })
        .collect();
    timer.lap("assign");
    let out = LinkOutput {
        links,
        model,
        fit,
        blocking: report,
        conflicts,
        twins: Vec::new(),
        timings: timer.out,
    };
    (out, scored, joint)
}

/// Finds duplicates within one source. Returns every pair inside a cluster as
/// `auto`, plus candidate pairs at review level or above that the clustering kept
/// apart (not twins), as `review`. Two records of one
/// mother's delivery are never put in one cluster by the twin rule
/// ([`twins::twin_rule`]); they are listed in [`LinkOutput::twins`].
pub fn dedupe(records: &[LinkRecord], opts: &LinkOptions) -> LinkOutput {
    let mut timer = Timer::new();
    let f = record::prepare(records);
    timer.lap("features");
    dedupe_features(records, &f, None, opts, opts.model.as_ref(), timer)
}

/// As [`dedupe`], with a second source that reports the same births (the hospital
/// for a village ledger): two records linked to two different births of `other`
/// are two children, whatever else they share. `other` is linked one-to-one first
/// (its own fit, reported in the result's [`Reconciliation`] by [`reconcile`]).
pub fn dedupe_with(records: &[LinkRecord], other: &[LinkRecord], opts: &LinkOptions) -> LinkOutput {
    let r = reconcile(records, other, opts);
    LinkOutput {
        links: r.duplicates,
        model: r.dedupe_model,
        fit: r.dedupe_fit,
        blocking: r.dedupe_blocking,
        conflicts: (0, 0),
        twins: r.twins,
        timings: r.timings,
    }
}

fn dedupe_features(
    records: &[LinkRecord],
    f: &[Features],
    second: Option<&twins::SecondSource>,
    opts: &LinkOptions,
    given: Option<&Model>,
    mut timer: Timer,
) -> LinkOutput {
    let rules = opts
        .blocking
        .clone()
        .unwrap_or_else(|| default_rules(records, &[]));
    let (pairs, report) = blocking::candidates(f, None, &rules, opts.max_block_pairs);
    timer.lap("blocking");
    // Duplicates are a few percent of rows: start EM from that.
    let expected = records.len() / 50 + 1;
    let task = Task::of(records, &[], true);
    let (model, fit, scored) = score(task, f, f, &pairs, given, opts, expected, &mut timer);
    let t = model.thresholds;
    let scorer = model.scorer();
    let births = task.is_births();
    // Why two records may not be one: the twin rule, or the second source.
    let apart = |a: usize, b: usize| -> Option<TwinReason> {
        if second.is_some_and(|s| s.apart(a, b)) {
            return Some(TwinReason::SecondSource);
        }
        // The other source's delivery leaves it open: for a reviewer, not a rule.
        if !births || second.is_some_and(|s| s.unsure(a, b)) {
            return None;
        }
        match twins::twin_rule(&f[a], &f[b]) {
            Some(TwinReason::BirthOrders | TwinReason::Sexes)
                if second.is_some_and(|s| s.one_child(a, b)) =>
            {
                None
            }
            other => other,
        }
    };
    // An automatic duplicate of births must name one mother: within one source the
    // two rows of a birth list the same parents, and "same day, same township" is
    // no duplicate however the model weighs it.
    let family = |a: usize, b: usize| !births || twins::same_family(&f[a], &f[b]);
    // An edge that makes a duplicate needs more: two agreeing pieces of the
    // family's evidence, or the mother's name itself (one look-alike given name
    // between two women of one township is not a family).
    let strong = |a: usize, b: usize| !births || twins::strong_family(&f[a], &f[b]);
    // Two sexes and no name to say one of them is a slip: even when the other
    // source has one birth that day fitting both (it may have missed a twin), the
    // pair is a reviewer's, never an automatic duplicate.
    let doubt = |a: usize, b: usize| {
        births && twins::sexes_differ(&f[a], &f[b]) && !twins::names_agree(&f[a], &f[b])
    };
    let joinable = |a: usize, b: usize| family(a, b) && apart(a, b).is_none() && !doubt(a, b);
    // Same mother, same day, no names to tell one child from two: the model cannot
    // know, so an automatic duplicate needs corroboration — the second source's one
    // birth that day linked to one of them, or without one, equal birth orders and
    // sexes on both rows. Uncorroborated pairs go to review.
    let corroborated = |a: usize, b: usize| {
        !births
            || !twins::same_day_unnamed(&f[a], &f[b])
            || match second {
                // Neither row linked: the other source does not have this birth
                // (born at home, or missed) and cannot say more than the rows do.
                // Equal birth orders and sexes corroborate a copy made once the
                // child had a name; with no name on either row they are just as
                // much twins written alike (measured on the sloppier generator:
                // a quarter of such merges were twins), so a reviewer decides.
                Some(s) if s.unlinked(a) && s.unlinked(b) => {
                    twins::alone_corroborates(&f[a], &f[b])
                        && (twins::named(&f[a]) || twins::named(&f[b]))
                }
                Some(s) => s.one_birth(a, b),
                // A source alone cannot tell a copied row from twins written with
                // one birth order and no names yet: a reviewer decides, or the
                // second source (`dedupe --with`).
                None => false,
            }
    };
    // Edges that may join clusters: accepted and corroborated pairs, and, between
    // the thresholds, pairs the second source says are one child (its one birth
    // that day is linked to one of them and fits both: the doubt between the
    // thresholds is "twin or slip?", and the second source answered it).
    let edges: Vec<Scored> = scored
        .iter()
        .filter_map(|s| {
            let (a, b) = unpack(s.pair);
            let (a, b) = (a as usize, b as usize);
            if !strong(a, b) || doubt(a, b) || second.is_some_and(|x| x.unsure(a, b)) {
                None
            } else if s.probability >= t.accept {
                corroborated(a, b).then_some(*s)
            } else if s.probability >= t.review
                && births
                && second.is_some_and(|x| x.one_child(a, b))
            {
                // Promoted: clusters take edges at or above accept.
                Some(Scored {
                    probability: t.accept.max(s.probability),
                    ..*s
                })
            } else {
                None
            }
        })
        .collect();
    let of = cluster::clusters_with(
        f,
        &edges,
        &scorer,
        &cluster::ClusterOptions {
            accept: t.accept,
            review: t.review,
            max_cluster_size: opts.max_cluster_size,
        },
        &joinable,
    );
    let mut size = vec![0u32; of.len()];
    for &c in &of {
        size[c as usize] += 1;
    }
    let mut groups: BTreeMap<u32, Vec<u32>> = Default::default();
    for (i, &c) in of.iter().enumerate() {
        if size[c as usize] > 1 {
            groups.entry(c).or_default().push(i as u32);
        }
    }
    let mut links = Vec::new();
    let mut in_cluster = HashSet::new();
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
                // The cluster is decided (its edges reached accept, or review with the
                // second source's word, and every cross pair reached review): all its
                // pairs are automatic; the probability shown is the pair's own.
                let mut l = to_link(&s, records, records, t.accept);
                l.status = LinkStatus::Auto;
                links.push(l);
            }
        }
    }
    let mut twin_pairs = Vec::new();
    for s in &scored {
        if s.probability < t.review || in_cluster.contains(&s.pair) {
            continue;
        }
        let (a, b) = unpack(s.pair);
        let (a, b) = (a as usize, b as usize);
        if let Some(reason) = apart(a, b) {
            twin_pairs.push(TwinPair {
                left_index: a,
                right_index: b,
                left_id: records[a].record_id.clone(),
                right_id: records[b].record_id.clone(),
                reason,
                match_probability: s.probability,
            });
            continue;
        }
        let mut l = to_link(s, records, records, t.accept);
        l.status = LinkStatus::Review;
        links.push(l);
    }
    links.sort_by_key(|l| (l.left_index, l.right_index));
    twin_pairs.sort_by_key(|p| (p.left_index, p.right_index));
    timer.lap("cluster");
    LinkOutput {
        links,
        model,
        fit,
        blocking: report,
        conflicts: (0, 0),
        twins: twin_pairs,
        timings: timer.out,
    }
}

/// Counts that say how much of a reconciliation was decided automatically.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Left records linked automatically / for review (duplicates included).
    pub auto_links: usize,
    pub review_links: usize,
    /// Left records linked only as duplicates of a linked record.
    pub duplicate_links: usize,
    /// Duplicate pairs decided automatically / sent to review.
    pub auto_duplicates: usize,
    pub review_duplicates: usize,
    /// Groups of duplicated left records, and the rows they hold beyond one per birth.
    pub duplicate_groups: usize,
    pub duplicate_rows: usize,
    /// Pairs kept apart as two children (twins, triplets).
    pub twins_kept_apart: usize,
    /// Whether a fit failed its checks and the shipped defaults were used.
    pub link_fell_back: bool,
    pub dedupe_fell_back: bool,
}

/// A source reconciled against another: its duplicates found with the other as
/// second source, and every record linked, duplicates many-to-one.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    /// Left → right. Each left record at most once; a right record once per left
    /// record of its duplicate group (the standing record first), never for two
    /// distinct left births.
    pub links: Vec<Link>,
    /// Duplicate pairs of `left` (both indices into it), as [`dedupe`] writes them.
    pub duplicates: Vec<Link>,
    /// Groups of `left` records that are one birth (connected by `auto` duplicate
    /// pairs), each with its standing record first: the linked one, else the first.
    pub groups: Vec<Vec<usize>>,
    /// For each left record in a group other than its first, that first record.
    pub duplicate_of: Vec<Option<usize>>,
    pub twins: Vec<TwinPair>,
    pub link_model: Model,
    pub dedupe_model: Model,
    pub link_fit: FitReport,
    pub dedupe_fit: FitReport,
    pub link_blocking: BlockingReport,
    pub dedupe_blocking: BlockingReport,
    pub summary: Summary,
    pub timings: Vec<(&'static str, f64)>,
}

impl Reconciliation {
    /// Both models, for saving once reviewed.
    pub fn models(&self) -> SavedModels {
        SavedModels::new(self.link_model.clone(), self.dedupe_model.clone())
    }
}

fn groups_of(n: usize, pairs: impl Iterator<Item = (usize, usize)>) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for (a, b) in pairs {
        let (x, y) = (root(&mut parent, a), root(&mut parent, b));
        if x != y {
            parent[x.max(y)] = x.min(y);
        }
    }
    let mut by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        by.entry(r).or_default().push(i);
    }
    by.into_values().filter(|g| g.len() > 1).collect()
}

/// Reconciles `left` (a village ledger) against `right` (the hospital's register, or
/// the population register): links them one-to-one, deduplicates `left` with `right`
/// as second source (two left records linked to two right births are two children),
/// then links every duplicate of a linked left record to the same right record.
/// `opts.model` / `opts.dedupe_model` skip EM for either step.
pub fn reconcile(left: &[LinkRecord], right: &[LinkRecord], opts: &LinkOptions) -> Reconciliation {
    let mut timer = Timer::new();
    let (fl, fr) = rayon::join(|| record::prepare(left), || record::prepare(right));
    timer.lap("features");
    let (link_out, scored, joint) =
        link_features(left, right, &fl, &fr, opts, opts.model.as_ref(), timer);
    let mut timings = link_out.timings.clone();
    let t0 = Instant::now();
    let mut partner = vec![None; left.len()];
    for l in &link_out.links {
        partner[l.left_index] = Some(l.right_index as u32);
    }
    // In a multiple delivery solved jointly, copies of one child have its birth too.
    for (&l, &r) in &joint.birth_of {
        partner[l as usize] = Some(r);
    }
    // The other source's births per mother and day, from its own family pairs.
    let (pairs, _) = blocking::candidates(
        &fr,
        None,
        &[
            BlockingRule::MotherId,
            BlockingRule::MotherPinyinBirthYear,
            BlockingRule::MotherPinyinBirthDate,
        ],
        opts.max_block_pairs,
    );
    let second = twins::SecondSource {
        partner,
        others_free: {
            let mut linked = vec![false; right.len()];
            for l in &link_out.links {
                linked[l.right_index] = true;
            }
            twins::SecondSource::free_births(&fr, &pairs, &linked)
        },
        compatible: scored
            .iter()
            .filter(|s| s.probability >= link_out.model.thresholds.review)
            .map(|s| unpack(s.pair))
            .collect(),
        unsure: joint.unsure_pairs.clone(),
        joint: joint.rows.clone(),
    };
    timings.push(("second_source", t0.elapsed().as_secs_f64()));
    let dd = dedupe_features(
        left,
        &fl,
        Some(&second),
        opts,
        opts.dedupe_model.as_ref(),
        Timer::new(),
    );
    timings.extend(dd.timings.iter().map(|(n, t)| (*n, *t)));
    let t0 = Instant::now();
    let mut links: Vec<Link> = link_out.links.clone();
    let by_left: HashMap<usize, usize> = links
        .iter()
        .enumerate()
        .map(|(k, l)| (l.left_index, k))
        .collect();
    let mut groups = groups_of(
        left.len(),
        dd.links
            .iter()
            .filter(|l| l.status == LinkStatus::Auto)
            .map(|l| (l.left_index, l.right_index)),
    );
    let scorer = link_out.model.scorer();
    let review = link_out.model.thresholds.review;
    let mut duplicate_of = vec![None; left.len()];
    let mut duplicate_links = 0;
    for g in &mut groups {
        // The standing record: the linked one (the constraint allows at most one
        // distinct right partner per group), else the first.
        if let Some(pos) = g.iter().position(|i| by_left.contains_key(i)) {
            g.swap(0, pos);
        }
        let standing = g[0];
        for &i in &g[1..] {
            duplicate_of[i] = Some(standing);
        }
        let Some(&k) = by_left.get(&standing) else {
            continue;
        };
        let (r, status) = (links[k].right_index, links[k].status);
        for &i in &g[1..] {
            if by_left.contains_key(&i) {
                continue;
            }
            let w = scorer.weight(compare::compare(&fl[i], &fr[r]));
            let p = model::prob(w);
            // The duplicate is the linked birth; its own score is shown, and a
            // duplicate that on its own would not even reach review goes to a
            // reviewer rather than in silently.
            let status = if p >= review {
                status
            } else {
                LinkStatus::Review
            };
            links.push(Link {
                left_id: left[i].record_id.clone(),
                right_id: right[r].record_id.clone(),
                left_index: i,
                right_index: r,
                match_probability: p,
                match_weight: w,
                status,
            });
            duplicate_links += 1;
        }
    }
    links.sort_by_key(|l| (l.left_index, l.right_index));
    timings.push(("many_to_one", t0.elapsed().as_secs_f64()));
    let count = |v: &[Link], s: LinkStatus| v.iter().filter(|l| l.status == s).count();
    let summary = Summary {
        auto_links: count(&links, LinkStatus::Auto),
        review_links: count(&links, LinkStatus::Review),
        duplicate_links,
        auto_duplicates: count(&dd.links, LinkStatus::Auto),
        review_duplicates: count(&dd.links, LinkStatus::Review),
        duplicate_groups: groups.len(),
        duplicate_rows: groups.iter().map(|g| g.len() - 1).sum(),
        twins_kept_apart: dd.twins.len(),
        link_fell_back: link_out.fit.fell_back(),
        dedupe_fell_back: dd.fit.fell_back(),
    };
    Reconciliation {
        links,
        duplicates: dd.links,
        groups,
        duplicate_of,
        twins: dd.twins,
        link_model: link_out.model,
        dedupe_model: dd.model,
        link_fit: link_out.fit,
        dedupe_fit: dd.fit,
        link_blocking: link_out.blocking,
        dedupe_blocking: dd.blocking,
        summary,
        timings,
    }
}
