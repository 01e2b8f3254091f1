//! The Fellegi–Sunter model: per field and level the probability `m` of seeing that
//! level when two records describe one event, and `u` when they do not; the match
//! weight of a pair is `log2(λ/(1-λ)) + Σ log2(m/u)` over its non-missing fields, and
//! its posterior probability follows from the weight.
//!
//! One extension, and why: among the candidate pairs of civil data the non-matches
//! are of kinds that look opposite. Siblings share the mother, father and village
//! but differ in the birth date; strangers born the same day in the same township
//! share the date but not the family; twins share both and differ in name, sex and
//! birth order. A single `u` must describe them all, and EM then prefers to split
//! "same family" from "not" (that split satisfies the independence assumption better
//! than the true one). So the non-match side is a mixture of latent classes —
//! "related" (same family, another birth), "twin" (same family, same day) and
//! "unrelated" — each with its own `u`, all learned by EM on the candidate pairs
//! together with `m` and the class priors. With one non-match class this is classic
//! Fellegi–Sunter ([`TrainOptions::non_match_classes`] = 1). Measured on 20,000
//! generated births (linkage F1 / ledger dedupe F1): 1 class 0.9980 / 0.51, 2 classes
//! 0.9995 / 0.885, 3 classes 0.9996 / 0.983.
//!
//! `u` from random pairs is estimated too and kept in the model file (`u_random`), as
//! the reference a reader expects from Fellegi–Sunter; it is not used for scoring
//! (a posterior among candidate pairs needs `u` among candidate non-matches) nor to
//! start EM (random-pair `u` makes every agreement look certain in the first E step,
//! the posteriors saturate at 0 or 1 and EM stays where it started: measured). EM
//! starts instead from the candidates' own level frequencies and class-shaped
//! guesses ([`TrainOptions`]). It runs on distinct comparison patterns with counts,
//! so its cost does not grow with the number of pairs (2.4 M pairs → 300 patterns).
//!
//! Weights: a pair's total weight is the exact log2 posterior odds. Its per-field
//! weights are `log2(m/u)` against the non-match class most likely for that pair (so
//! for a sibling pair, against "related"), and whatever the other classes add is one
//! explicit "mixture" term, so that the explanation always sums to the score.

use crate::compare::{level_of, Field, FieldKind, Pattern, FIELDS, MISSING, N_FIELDS};
use crate::fit::Task;
use crate::LinkError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

pub const MODEL_FORMAT: &str = "renkou-linkage-model/2";

/// Probability thresholds: at or above `accept` a link is written as `auto`, at or
/// above `review` as `review`, below it not at all.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub accept: f64,
    pub review: f64,
}

impl Default for Thresholds {
    /// Chosen from measured results on generated data (`linkage-bench births`):
    /// linking is flat between 0.5 and 0.9 (one-to-one assignment removes the twins
    /// and siblings that the middle band holds), while deduplication, which has no
    /// such competition, loses recall above 0.5 (F1 0.983 at 0.5, 0.979 at 0.8,
    /// 0.972 at 0.9). `review` sends the 0.2–0.5 band to a clerk.
    fn default() -> Self {
        Thresholds {
            accept: 0.5,
            review: 0.2,
        }
    }
}

/// One latent class: its prior among candidate pairs and, per field, the
/// probability of each level.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LatentClass {
    /// `match`, `related`, `twin` or `unrelated`.
    pub name: String,
    pub prior: f64,
    /// Indexed like [`FIELDS`]; each inner vector like the field's levels.
    pub levels: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainingInfo {
    pub candidate_pairs: u64,
    pub random_pairs: u64,
    pub distinct_patterns: u64,
    pub iterations: u32,
    pub converged: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub format: String,
    /// What the model was fitted for (births or persons, linking or deduplicating);
    /// absent in files written before it was recorded.
    #[serde(default)]
    pub task: Option<Task>,
    /// The fields in pattern order (checked on load).
    pub fields: Vec<Field>,
    /// `classes[0]` is the match class (its levels are `m`); the rest are non-match
    /// classes (their levels are `u`s).
    pub classes: Vec<LatentClass>,
    /// `u` among random pairs, for reference.
    pub u_random: Vec<Vec<f64>>,
    pub thresholds: Thresholds,
    pub training: TrainingInfo,
}

#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    pub max_iterations: u32,
    pub tolerance: f64,
    /// 3 (default): "related" (same family, another event), "twin" (same family,
    /// same day) and "unrelated"; 2: without "twin"; 1: classic Fellegi–Sunter.
    pub non_match_classes: usize,
    /// Expected share of candidate pairs that are matches, to start EM.
    pub initial_lambda: f64,
    /// When EM starts from a model (the shipped defaults), how many pairs' worth of
    /// that model's level frequencies are added to each class's counts in every M
    /// step (a Dirichlet prior). It keeps a class that few pairs support (the
    /// duplicates of a ledger, ~1 % of its rows) from drifting to whatever else is
    /// frequent, and vanishes against thousands of pairs.
    pub prior_strength: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            max_iterations: 300,
            tolerance: 1e-6,
            non_match_classes: 3,
            initial_lambda: 0.3,
            prior_strength: 20.0,
        }
    }
}

const FLOOR: f64 = 1e-6;
/// Relative change of the log-likelihood below which EM has converged.
const LL_TOLERANCE: f64 = 1e-9;

/// Counts of distinct patterns.
pub fn count_patterns(patterns: &[Pattern]) -> Vec<(Pattern, f64)> {
    let mut h: HashMap<Pattern, u64> = HashMap::new();
    for &p in patterns {
        *h.entry(p).or_insert(0) += 1;
    }
    let mut v: Vec<(Pattern, f64)> = h.into_iter().map(|(p, c)| (p, c as f64)).collect();
    v.sort_unstable_by_key(|x| x.0);
    v
}

/// Level frequencies of counted patterns, smoothed (half a count per level) so that a
/// level never seen (an exact ID match among random pairs) still has a finite weight.
fn frequencies(counted: &[(Pattern, f64)]) -> Vec<Vec<f64>> {
    FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut c = vec![0.5f64; f.n_levels()];
            for &(p, n) in counted {
                let lv = level_of(p, i) as usize;
                if lv < c.len() {
                    c[lv] += n;
                }
            }
            normalise(c)
        })
        .collect()
}

/// `u` among random pairs.
pub fn u_from_random(random: &[Pattern]) -> Vec<Vec<f64>> {
    frequencies(&count_patterns(random))
}

fn normalise(mut v: Vec<f64>) -> Vec<f64> {
    let s: f64 = v.iter().sum();
    for x in &mut v {
        *x = (*x / s).max(FLOOR);
    }
    v
}

/// Starting values, by what each class is: a match agrees on everything; a related
/// non-match shares the family and the place but not the event; an unrelated one
/// shares only what blocking made it share (taken from the candidates' frequencies)
/// and not the family.
fn initial_levels(class: &str, f: Field, marginal: &[f64]) -> Vec<f64> {
    let v: Vec<f64> = match (class, f.kind()) {
        ("match", _) => {
            let l = f.n_levels();
            let rest: f64 = (1..l).map(|i| 1.0 / i as f64).sum();
            (0..l)
                .map(|i| if i == 0 { 0.85 } else { 0.15 / i as f64 / rest })
                .collect()
        }
        ("related", FieldKind::Name) => vec![0.05, 0.05, 0.2, 0.5, 0.2],
        ("related", FieldKind::Sex) => vec![0.5, 0.5],
        ("related", FieldKind::Date) => vec![0.1, 0.02, 0.02, 0.86],
        ("related", FieldKind::Order) => vec![0.1, 0.5, 0.4],
        ("related", FieldKind::Id) => vec![0.02, 0.03, 0.05, 0.9],
        ("related", FieldKind::Parents) => vec![0.6, 0.2, 0.1, 0.05, 0.05],
        ("related", FieldKind::Region) => vec![0.8, 0.05, 0.1, 0.04, 0.01],
        ("twin", FieldKind::Name) => vec![0.02, 0.05, 0.4, 0.4, 0.13],
        ("twin", FieldKind::Sex) => vec![0.5, 0.5],
        ("twin", FieldKind::Date) => vec![0.95, 0.02, 0.01, 0.02],
        ("twin", FieldKind::Order) => vec![0.1, 0.85, 0.05],
        ("twin", FieldKind::Id) => vec![0.02, 0.03, 0.05, 0.9],
        ("twin", FieldKind::Parents) => vec![0.6, 0.2, 0.1, 0.05, 0.05],
        ("twin", FieldKind::Region) => vec![0.8, 0.05, 0.1, 0.04, 0.01],
        (_, FieldKind::Name) => vec![0.01, 0.02, 0.03, 0.14, 0.8],
        (_, FieldKind::Parents) => vec![0.01, 0.01, 0.03, 0.05, 0.9],
        (_, FieldKind::Id) => vec![0.001, 0.004, 0.02, 0.975],
        _ => marginal.to_vec(),
    };
    normalise(v)
}

/// Fields whose levels stay at their starting values in a class, because they are
/// what the class *is*: "related" means sharing the family and the village. Without
/// this anchor EM is free to turn the class into any other frequent kind of pair (in
/// a ledger, where a mother's two births outnumber duplicated rows, it then pulled
/// the siblings into the match class: dedupe precision 0.34). (Anchoring the match
/// class's parents' levels at the shipped defaults was tried and is worse: the
/// defaults' parents' frequencies are those of one generator, and on the other the
/// duplicates' recall fell from 0.98 to 0.86.)
fn is_anchored(class: &str, f: Field) -> bool {
    match class {
        "related" => matches!(f, Field::Parents | Field::Region),
        "twin" => matches!(f, Field::Parents | Field::Region | Field::BirthDate),
        _ => false,
    }
}

impl Model {
    /// Trains by EM on the candidate pairs' patterns; `random` are random pairs'
    /// patterns (for `u_random`). EM starts from hand-made guesses.
    pub fn train(candidates: &[Pattern], random: &[Pattern], opts: &TrainOptions) -> Model {
        Self::train_from(candidates, random, opts, None)
    }

    /// As [`Model::train`], starting from `start`'s level frequencies for the classes
    /// it has (by name), and anchoring the anchored fields there; the match class's
    /// prior still starts from `opts.initial_lambda`.
    pub fn train_from(
        candidates: &[Pattern],
        random: &[Pattern],
        opts: &TrainOptions,
        start: Option<&Model>,
    ) -> Model {
        let counted = count_patterns(candidates);
        let u_random = u_from_random(random);
        let marginal = frequencies(&counted);
        let names: Vec<&str> = match opts.non_match_classes {
            0 | 1 => vec!["match", "unrelated"],
            2 => vec!["match", "related", "unrelated"],
            _ => vec!["match", "related", "twin", "unrelated"],
        };
        let lambda = opts.initial_lambda.clamp(1e-4, 0.95);
        let k = names.len();
        let mut classes: Vec<LatentClass> = names
            .iter()
            .enumerate()
            .map(|(ci, &name)| LatentClass {
                name: name.to_string(),
                prior: if ci == 0 {
                    lambda
                } else {
                    (1.0 - lambda) / (k - 1) as f64
                },
                levels: match start.and_then(|m| m.classes.iter().find(|c| c.name == name)) {
                    Some(c) => c.levels.clone(),
                    None => FIELDS
                        .iter()
                        .enumerate()
                        .map(|(i, &f)| initial_levels(name, f, &marginal[i]))
                        .collect(),
                },
            })
            .collect();
        // The Dirichlet prior: pseudo-counts in the shape of the starting model.
        let pseudo: Vec<Option<Vec<Vec<f64>>>> = classes
            .iter()
            .map(|c| {
                let from = start.and_then(|m| m.classes.iter().find(|x| x.name == c.name))?;
                (opts.prior_strength > 0.0).then(|| {
                    from.levels
                        .iter()
                        .map(|v| v.iter().map(|x| x * opts.prior_strength).collect())
                        .collect()
                })
            })
            .collect();
        let mut iterations = 0;
        let mut converged = counted.is_empty();
        let mut last_ll = f64::NEG_INFINITY;
        while !converged && iterations < opts.max_iterations {
            iterations += 1;
            let logs: Vec<Vec<Vec<f64>>> = classes
                .iter()
                .map(|c| {
                    c.levels
                        .iter()
                        .map(|v| v.iter().map(|x| x.ln()).collect())
                        .collect()
                })
                .collect();
            let mut acc: Vec<Vec<Vec<f64>>> = classes
                .iter()
                .map(|_| FIELDS.iter().map(|f| vec![0.0; f.n_levels()]).collect())
                .collect();
            let mut mass = vec![0.0; k];
            let mut resp = vec![0.0; k];
            let mut ll = 0.0;
            for &(p, c) in &counted {
                for ci in 0..k {
                    let mut l = classes[ci].prior.ln();
                    for (i, lv) in logs[ci].iter().enumerate() {
                        let x = level_of(p, i);
                        if x != MISSING {
                            l += lv[x as usize];
                        }
                    }
                    resp[ci] = l;
                }
                let max = resp.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = resp.iter().map(|l| (l - max).exp()).sum();
                ll += c * (max + sum.ln());
                for ci in 0..k {
                    let r = c * (resp[ci] - max).exp() / sum;
                    mass[ci] += r;
                    for (i, a) in acc[ci].iter_mut().enumerate() {
                        let x = level_of(p, i);
                        if x != MISSING {
                            a[x as usize] += r;
                        }
                    }
                }
            }
            let total: f64 = mass.iter().sum();
            let mut delta: f64 = 0.0;
            for ci in 0..k {
                let prior = (mass[ci] / total).clamp(1e-6, 1.0 - 1e-6);
                delta = delta.max((prior - classes[ci].prior).abs());
                classes[ci].prior = prior;
                for i in 0..N_FIELDS {
                    if is_anchored(&classes[ci].name, FIELDS[i]) {
                        continue;
                    }
                    // A small pseudo-count keeps a level never seen in a class from a
                    // weight of ±∞.
                    let nv = normalise(
                        acc[ci][i]
                            .iter()
                            .enumerate()
                            .map(|(l, x)| x + 1e-3 + pseudo[ci].as_ref().map_or(0.0, |p| p[i][l]))
                            .collect(),
                    );
                    for (a, b) in classes[ci].levels[i].iter().zip(&nv) {
                        delta = delta.max((a - b).abs());
                    }
                    classes[ci].levels[i] = nv;
                }
            }
            // Converged when the parameters stop moving, or when the likelihood does:
            // a class that few pairs support (the twins) can drift by more than the
            // tolerance for hundreds of iterations while changing nothing that
            // matters (measured: 300 iterations without the first criterion met,
            // every weight stable to 0.01 bit after 40).
            let gain = (ll - last_ll) / ll.abs().max(1.0);
            converged = delta < opts.tolerance || (iterations > 5 && gain.abs() < LL_TOLERANCE);
            last_ll = ll;
        }
        Model {
            format: MODEL_FORMAT.to_string(),
            task: start.and_then(|m| m.task),
            fields: FIELDS.to_vec(),
            classes,
            u_random,
            thresholds: Thresholds::default(),
            training: TrainingInfo {
                candidate_pairs: candidates.len() as u64,
                random_pairs: random.len() as u64,
                distinct_patterns: counted.len() as u64,
                iterations,
                converged,
            },
        }
    }

    /// Re-estimates the class priors by EM with every level frequency held fixed:
    /// what is left to learn when a model fitted elsewhere is applied to new
    /// candidates (their mix of matches, siblings and strangers is their own). With
    /// fixed components the likelihood is concave in the priors, so this cannot go
    /// astray the way a full fit can.
    pub fn reestimate_priors(&mut self, candidates: &[Pattern]) -> u32 {
        let counted = count_patterns(candidates);
        if counted.is_empty() {
            return 0;
        }
        let k = self.classes.len();
        let mut iterations = 0;
        for _ in 0..500 {
            iterations += 1;
            let scorer = self.scorer();
            let mut mass = vec![0.0; k];
            for &(p, c) in &counted {
                let ll = scorer.class_log2(p);
                let max = ll.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = ll.iter().map(|l| (l - max).exp2()).sum();
                for (ci, l) in ll.iter().enumerate() {
                    mass[ci] += c * (l - max).exp2() / sum;
                }
            }
            let total: f64 = mass.iter().sum();
            let mut delta: f64 = 0.0;
            for (c, m) in self.classes.iter_mut().zip(&mass) {
                let prior = (m / total).clamp(1e-6, 1.0 - 1e-6);
                delta = delta.max((prior - c.prior).abs());
                c.prior = prior;
            }
            if delta < 1e-7 {
                break;
            }
        }
        iterations
    }

    /// Prior probability that a candidate pair is a match.
    pub fn lambda(&self) -> f64 {
        self.classes[0].prior
    }

    /// `m` of a field (probabilities of its levels among matches).
    pub fn m(&self, field: Field) -> &[f64] {
        &self.classes[0].levels[field.index()]
    }

    /// `u` of a field in non-match class `class` (1-based: 1 = first non-match class).
    pub fn u(&self, class: usize, field: Field) -> &[f64] {
        &self.classes[class].levels[field.index()]
    }

    /// log2(m/u) of one field at one level against non-match class `class`.
    pub fn field_weight(&self, class: usize, field: Field, level: u8) -> f64 {
        let l = level as usize;
        (self.m(field)[l].max(FLOOR) / self.u(class, field)[l].max(FLOOR)).log2()
    }

    /// The non-match class most likely for a pattern (1-based).
    pub fn closest_non_match(&self, p: Pattern) -> usize {
        let scorer = self.scorer();
        let ll = scorer.class_log2(p);
        (1..ll.len())
            .max_by(|&a, &b| ll[a].total_cmp(&ll[b]))
            .unwrap_or(1)
    }

    /// A lookup table for scoring many pairs.
    pub fn scorer(&self) -> Scorer {
        let tables = self
            .classes
            .iter()
            .map(|c| {
                let mut w = [[0.0f64; 16]; N_FIELDS];
                for (i, v) in c.levels.iter().enumerate().take(N_FIELDS) {
                    for (l, x) in v.iter().enumerate().take(16) {
                        w[i][l] = x.max(FLOOR).log2();
                    }
                }
                (c.prior.max(FLOOR).log2(), w)
            })
            .collect();
        Scorer { tables }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> Result<(), LinkError> {
        std::fs::write(path, self.to_json()).map_err(|e| LinkError::Io {
            path: path.display().to_string(),
            source: e,
        })
    }

    pub fn load(path: &Path) -> Result<Model, LinkError> {
        let text = std::fs::read_to_string(path).map_err(|e| LinkError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        Self::from_json(&text).map_err(|why| LinkError::Model {
            path: path.display().to_string(),
            why,
        })
    }

    pub fn from_json(text: &str) -> Result<Model, String> {
        let m: Model = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if m.format != MODEL_FORMAT {
            return Err(format!("format “{}” ≠ {MODEL_FORMAT}", m.format));
        }
        let shape_ok = m.fields == FIELDS
            && m.classes.len() >= 2
            && m.classes.iter().all(|c| {
                c.levels.len() == N_FIELDS
                    && c.levels
                        .iter()
                        .zip(FIELDS)
                        .all(|(v, f)| v.len() == f.n_levels())
            });
        if !shape_ok {
            return Err("fields, levels or classes do not match this version".into());
        }
        Ok(m)
    }
}

/// The format of a file holding a reconciliation's two models.
pub const MODELS_FORMAT: &str = "renkou-linkage-models/1";

/// The models of a reconciliation (linking two sources, deduplicating the first),
/// saved together once a county has reviewed them; loading them skips EM. A file
/// holding one [`Model`] also loads, into the slot its task names (linking when it
/// names none).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedModels {
    pub format: String,
    pub link: Option<Model>,
    pub dedupe: Option<Model>,
}

impl SavedModels {
    pub fn new(link: Model, dedupe: Model) -> Self {
        SavedModels {
            format: MODELS_FORMAT.to_string(),
            link: Some(link),
            dedupe: Some(dedupe),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<SavedModels, String> {
        #[derive(Deserialize)]
        struct Probe {
            format: String,
        }
        let probe: Probe = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if probe.format == MODEL_FORMAT {
            let m = Model::from_json(text)?;
            let dedupe = m.task.is_some_and(|t| t.is_dedupe());
            return Ok(SavedModels {
                format: MODELS_FORMAT.to_string(),
                link: (!dedupe).then(|| m.clone()),
                dedupe: dedupe.then_some(m),
            });
        }
        if probe.format != MODELS_FORMAT {
            return Err(format!("format “{}” ≠ {MODELS_FORMAT}", probe.format));
        }
        let s: SavedModels = serde_json::from_str(text).map_err(|e| e.to_string())?;
        // Each model is checked like a model file of its own.
        for m in s.link.iter().chain(&s.dedupe) {
            Model::from_json(&serde_json::to_string(m).map_err(|e| e.to_string())?)?;
        }
        Ok(s)
    }

    pub fn save(&self, path: &Path) -> Result<(), LinkError> {
        std::fs::write(path, self.to_json()).map_err(|e| LinkError::Io {
            path: path.display().to_string(),
            source: e,
        })
    }

    pub fn load(path: &Path) -> Result<SavedModels, LinkError> {
        let text = std::fs::read_to_string(path).map_err(|e| LinkError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        Self::from_json(&text).map_err(|why| LinkError::Model {
            path: path.display().to_string(),
            why,
        })
    }
}

pub fn prob(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// The weight (bits) whose probability is `p`: the inverse of [`prob`].
pub fn weight_of(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).log2()
}

/// Per-class log2 tables for scoring many pairs quickly.
#[derive(Debug, Clone)]
pub struct Scorer {
    tables: Vec<(f64, [[f64; 16]; N_FIELDS])>,
}

impl Scorer {
    /// log2 of prior × likelihood of the pattern under each class.
    pub fn class_log2(&self, p: Pattern) -> Vec<f64> {
        self.tables
            .iter()
            .map(|(prior, w)| {
                let mut l = *prior;
                for (i, wi) in w.iter().enumerate() {
                    let x = level_of(p, i);
                    if x != MISSING {
                        l += wi[x as usize];
                    }
                }
                l
            })
            .collect()
    }

    /// The match weight: log2 posterior odds of the match class.
    pub fn weight(&self, p: Pattern) -> f64 {
        let mut m = 0.0;
        let mut max = f64::NEG_INFINITY;
        let mut ls = [0.0f64; 8];
        let n = self.tables.len().min(8);
        for (ci, (prior, w)) in self.tables.iter().take(n).enumerate() {
            let mut l = *prior;
            for (i, wi) in w.iter().enumerate() {
                let x = level_of(p, i);
                if x != MISSING {
                    l += wi[x as usize];
                }
            }
            if ci == 0 {
                m = l;
            } else {
                ls[ci] = l;
                max = max.max(l);
            }
        }
        let sum: f64 = ls[1..n].iter().map(|l| (l - max).exp2()).sum();
        m - (max + sum.log2())
    }
}
