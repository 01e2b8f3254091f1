//! The shipped default models: per task, level frequencies and class priors
//! estimated from several generated counties with the truth known (not by EM), and
//! how they were estimated ([`estimate`], run by `linkage-bench fit-defaults`).
//!
//! They serve twice: EM starts from them (a start near the right optimum), and they
//! replace a fit that fails its checks ([`crate::fit`]). They come from this crate's
//! own generator ([`crate::generate`]) only, so that measuring on the independent
//! generator (`renkou-sourcegen`) stays a test of data they were not made from.
//!
//! Supervised estimation: every candidate pair (default blocking) is labelled from
//! the generator's truth — `match` (one birth or person), `twin` (two children of
//! one mother on one day), `related` (two children of one mother on other days),
//! `unrelated` — and each class's level frequencies are its pairs' frequencies with
//! half a pair of smoothing per level. Persons have no family in their records, so
//! their models have `match` and `unrelated` only; a persons file has no duplicates
//! to learn from in the generator, so persons deduplication uses the persons link
//! model with a small match prior.

use crate::blocking::{candidates, unpack, BlockingRule};
use crate::compare::{compare, level_of, Pattern, FIELDS, MISSING};
use crate::fit::Task;
use crate::generate::{self, BirthsConfig, PersonsConfig};
use crate::model::{LatentClass, Model, Thresholds, TrainingInfo, MODEL_FORMAT};
use crate::record::{prepare, Features};
use std::sync::OnceLock;

const BIRTHS_LINK: &str = include_str!("../models/births-link.json");
const BIRTHS_DEDUPE: &str = include_str!("../models/births-dedupe.json");
const PERSONS_LINK: &str = include_str!("../models/persons-link.json");

/// The shipped default model of a task.
pub fn shipped(task: Task) -> Model {
    static MODELS: OnceLock<[Model; 3]> = OnceLock::new();
    let m = MODELS.get_or_init(|| {
        // The files are part of the crate and checked by a test; a broken one is a
        // build defect, not user input.
        let parse = |s: &str| Model::from_json(s).expect("shipped model file is valid");
        [
            parse(BIRTHS_LINK),
            parse(BIRTHS_DEDUPE),
            parse(PERSONS_LINK),
        ]
    });
    let mut model = match task {
        Task::BirthsLink => m[0].clone(),
        Task::BirthsDedupe => m[1].clone(),
        Task::PersonsLink | Task::PersonsDedupe => m[2].clone(),
    };
    if task == Task::PersonsDedupe {
        // Duplicated persons are rare among a file's own candidates.
        let lambda = 0.01;
        let others: f64 = model.classes[1..].iter().map(|c| c.prior).sum();
        model.classes[0].prior = lambda;
        for c in &mut model.classes[1..] {
            c.prior *= (1.0 - lambda) / others;
        }
    }
    model.task = Some(task);
    model
}

/// The least probability of any level among matches in a shipped model.
const M_FLOOR: f64 = 0.003;

/// The class of a candidate pair, from the truth: 0 match, then the non-match
/// classes in model order.
type Label = usize;

struct Counts {
    names: Vec<&'static str>,
    /// [class][field][level]
    levels: Vec<Vec<Vec<f64>>>,
    pairs: Vec<f64>,
}

impl Counts {
    fn new(names: Vec<&'static str>) -> Counts {
        let levels = names
            .iter()
            .map(|_| FIELDS.iter().map(|f| vec![0.0; f.n_levels()]).collect())
            .collect();
        Counts {
            pairs: vec![0.0; names.len()],
            names,
            levels,
        }
    }
    fn add(&mut self, p: Pattern, class: Label) {
        self.pairs[class] += 1.0;
        for (i, v) in self.levels[class].iter_mut().enumerate() {
            let l = level_of(p, i);
            if l != MISSING && (l as usize) < v.len() {
                v[l as usize] += 1.0;
            }
        }
    }
    fn model(&self, task: Task, random: &[Pattern], candidates: u64) -> Model {
        let total: f64 = self.pairs.iter().sum();
        let classes = self
            .names
            .iter()
            .enumerate()
            .map(|(c, &name)| LatentClass {
                name: name.to_string(),
                prior: (self.pairs[c] / total).max(1e-6),
                levels: self.levels[c]
                    .iter()
                    .map(|v| {
                        // No field is written without slips: the generator may never
                        // flip a sex or lose a date among matches, real clerks do. A
                        // floor on every level of the match class keeps one slip from
                        // vetoing a match (log2 of it bounds the penalty, ≈ −8 bits).
                        let floor = if c == 0 { M_FLOOR } else { 1e-6 };
                        let s: f64 = v.iter().map(|x| x + 0.5).sum();
                        let raw: Vec<f64> = v.iter().map(|x| ((x + 0.5) / s).max(floor)).collect();
                        let t: f64 = raw.iter().sum();
                        raw.iter().map(|x| x / t).collect()
                    })
                    .collect(),
            })
            .collect();
        Model {
            format: MODEL_FORMAT.to_string(),
            task: Some(task),
            fields: FIELDS.to_vec(),
            classes,
            u_random: crate::model::u_from_random(random),
            thresholds: Thresholds::default(),
            training: TrainingInfo {
                candidate_pairs: candidates,
                random_pairs: random.len() as u64,
                distinct_patterns: 0,
                iterations: 0,
                converged: true,
            },
        }
    }
}

fn random_patterns(a: &[Features], b: &[Features], n: usize, seed: u64) -> Vec<Pattern> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .filter_map(|_| {
            let (i, j) = (rng.random_range(0..a.len()), rng.random_range(0..b.len()));
            (!std::ptr::eq(&a[i], &b[j])).then(|| compare(&a[i], &b[j]))
        })
        .collect()
}

/// Estimates the births models (link, dedupe) and the persons link model from the
/// engine's generator: `seeds` counties of `births` births each (half of them over
/// one year, half over two, so that mothers' other births are represented), and as
/// many persons files of `persons` persons.
pub fn estimate(seeds: &[u64], births: usize, persons: usize) -> [Model; 3] {
    let births_classes = || vec!["match", "related", "twin", "unrelated"];
    let mut link = Counts::new(births_classes());
    let mut dedupe = Counts::new(births_classes());
    let mut plink = Counts::new(vec!["match", "unrelated"]);
    let (mut rl, mut rd, mut rp) = (Vec::new(), Vec::new(), Vec::new());
    let (mut nl, mut nd, mut np) = (0u64, 0u64, 0u64);
    for (k, &seed) in seeds.iter().enumerate() {
        let g = generate::births(&BirthsConfig {
            seed,
            births,
            years: 1 + (k % 2) as u32,
            townships: (births / 900).max(1) as u32,
            villages_per_township: 15,
            ..Default::default()
        });
        let (fl, fh) = (prepare(&g.ledger), prepare(&g.hospital));
        // Two children of one mother are twins when the hospital (or the ledger)
        // dates them within a day of each other: the generator puts twins on one day
        // and a mother's next birth 300 days or more later.
        let day = |f: &Features| {
            use chrono::Datelike;
            f.birth_date.map(|d| d.num_days_from_ce()).unwrap_or(0)
        };
        let label = |e1: u32, m1: u32, f1: &Features, e2: u32, m2: u32, f2: &Features| {
            if e1 == e2 {
                0
            } else if m1 != m2 {
                3
            } else if (day(f1) - day(f2)).abs() <= 3 {
                2
            } else {
                1
            }
        };
        let rules = BlockingRule::births_default();
        let (pairs, _) = candidates(&fl, Some(&fh), &rules, 10_000);
        nl += pairs.len() as u64;
        for &p in &pairs {
            let (a, b) = unpack(p);
            let (a, b) = (a as usize, b as usize);
            let c = label(
                g.ledger_entity[a],
                g.ledger_mother[a],
                &fl[a],
                g.hospital_entity[b],
                g.hospital_mother[b],
                &fh[b],
            );
            link.add(compare(&fl[a], &fh[b]), c);
        }
        rl.extend(random_patterns(&fl, &fh, 50_000, seed));
        let (pairs, _) = candidates(&fl, None, &rules, 10_000);
        nd += pairs.len() as u64;
        for &p in &pairs {
            let (a, b) = unpack(p);
            let (a, b) = (a as usize, b as usize);
            let c = label(
                g.ledger_entity[a],
                g.ledger_mother[a],
                &fl[a],
                g.ledger_entity[b],
                g.ledger_mother[b],
                &fl[b],
            );
            dedupe.add(compare(&fl[a], &fl[b]), c);
        }
        rd.extend(random_patterns(&fl, &fl, 50_000, seed + 1));

        let gp = generate::persons(&PersonsConfig {
            seed,
            persons,
            townships: (persons / 30_000).max(2) as u32,
            villages_per_township: 20,
        });
        let (fr, fv) = (prepare(&gp.registry), prepare(&gp.ledger));
        let (pairs, _) = candidates(&fr, Some(&fv), &BlockingRule::persons_default(), 10_000);
        np += pairs.len() as u64;
        for &p in &pairs {
            let (a, b) = unpack(p);
            let c = usize::from(gp.registry_entity[a as usize] != gp.ledger_entity[b as usize]);
            plink.add(compare(&fr[a as usize], &fv[b as usize]), c);
        }
        rp.extend(random_patterns(&fr, &fv, 50_000, seed + 2));
    }
    [
        link.model(Task::BirthsLink, &rl, nl),
        dedupe.model(Task::BirthsDedupe, &rd, nd),
        plink.model(Task::PersonsLink, &rp, np),
    ]
}
