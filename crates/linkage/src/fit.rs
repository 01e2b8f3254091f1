//! Fitting a model to one run's candidate pairs, and knowing whether to trust it.
//!
//! EM finds a local optimum of the likelihood, and a mixture has more than one: on a
//! county's ledger, where duplicated rows are about 1 % of the candidates, it can
//! settle on "same day, same township" as the match class, and then every pair of
//! strangers born the same day in one township is a duplicate (seen in the field:
//! 317 automatic duplicates between children of different mothers). Nothing in the
//! likelihood says that is wrong; what must hold of a true match says it. So after
//! EM the fit is checked ([`check`]) against facts that hold whatever the data:
//!
//! - a match agrees on the strongest identifier (the mother's ID number for births,
//!   the person's own for persons) far more often than a non-match does;
//! - a match agrees on the child's (person's) birth date, give or take a day;
//! - the expected number of matches is possible: no more than the smaller source has
//!   records when linking, a small share of the rows when deduplicating one source;
//! - EM converged.
//!
//! When a check fails, the model is replaced by the shipped default for the task
//! ([`crate::defaults`]), whose level frequencies were estimated from generated
//! counties with the truth known; only its class priors are re-estimated on these
//! candidates (a concave problem with one optimum). The [`FitReport`] says what
//! happened, check by check, for the CLI and the reconciliation report. A model the
//! caller supplies (a county's reviewed model) is used as given: its checks are
//! reported, nothing replaces it.

use crate::compare::{level_of, Field, Pattern, MISSING};
use crate::model::{prob, Model, TrainOptions, TrainingInfo};
use crate::record::{EntityKind, LinkRecord};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// What a model is for: its level frequencies differ by kind of record and by
/// whether two sources or one are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    BirthsLink,
    BirthsDedupe,
    PersonsLink,
    PersonsDedupe,
}

impl Task {
    /// The task of linking `left` with `right` (`dedupe`: `left` alone). Births when
    /// any record is a birth: the parents' fields then carry the evidence.
    pub fn of(left: &[LinkRecord], right: &[LinkRecord], dedupe: bool) -> Task {
        let births = left
            .iter()
            .chain(right)
            .any(|r| r.kind == EntityKind::Birth);
        match (births || left.is_empty() && right.is_empty(), dedupe) {
            (true, false) => Task::BirthsLink,
            (true, true) => Task::BirthsDedupe,
            (false, false) => Task::PersonsLink,
            (false, true) => Task::PersonsDedupe,
        }
    }
    pub fn is_dedupe(self) -> bool {
        matches!(self, Task::BirthsDedupe | Task::PersonsDedupe)
    }
    pub fn is_births(self) -> bool {
        matches!(self, Task::BirthsLink | Task::BirthsDedupe)
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Task::BirthsLink => "出生记录匹配",
            Task::BirthsDedupe => "出生记录查重",
            Task::PersonsLink => "人员记录匹配",
            Task::PersonsDedupe => "人员记录查重",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Task::BirthsLink => "births linkage",
            Task::BirthsDedupe => "births deduplication",
            Task::PersonsLink => "persons linkage",
            Task::PersonsDedupe => "persons deduplication",
        }
    }
}

/// Where the model that scored the pairs came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelOrigin {
    /// Fitted by EM on these candidates, and it passed its checks.
    Trained,
    /// The shipped default for the task (priors re-estimated), because the fit on
    /// these candidates failed a check.
    Default,
    /// Given by the caller (a saved model); not fitted here.
    Supplied,
}

/// One check of a fit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FitCheck {
    /// `identifier_agreement`, `identifier_weight`, `birth_date_agreement`,
    /// `match_count`, `converged`.
    pub name: String,
    pub passed: bool,
    /// The measured value and the limit it is held to (`value ≥ limit`, except for
    /// `match_count`: `value ≤ limit`).
    pub value: f64,
    pub limit: f64,
    pub zh: String,
    pub en: String,
}

/// What a run's fit was and how far to trust it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FitReport {
    pub task: Task,
    pub origin: ModelOrigin,
    /// The checks of the fit on these candidates (of the supplied model when one was
    /// given). A failed one is why the defaults were used.
    pub checks: Vec<FitCheck>,
    /// When the defaults replaced the fit: the checks of the model actually used.
    pub checks_used: Vec<FitCheck>,
    /// EM started from the defaults failed its checks and a second start (the
    /// engine's class-shaped guesses) passed them: `checks` are the second fit's.
    #[serde(default)]
    pub restarted: bool,
    pub training: TrainingInfo,
    /// Expected matches among the candidates under the model used (Σ posterior).
    pub expected_matches: f64,
    pub candidate_pairs: u64,
}

impl FitReport {
    pub fn fell_back(&self) -> bool {
        self.origin == ModelOrigin::Default
    }
    /// Whether every check of the model actually used passed.
    pub fn passed(&self) -> bool {
        let used = if self.fell_back() {
            &self.checks_used
        } else {
            &self.checks
        };
        used.iter().all(|c| c.passed)
    }
    pub fn failed(&self) -> impl Iterator<Item = &FitCheck> {
        self.checks.iter().filter(|c| !c.passed)
    }
}

impl fmt::Display for FitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = match self.origin {
            ModelOrigin::Trained if self.restarted => "模型在本次数据上训练：从默认参数出发的拟合未通过检查，改从引擎的初始猜测重新拟合，检查全部通过 / model fitted on these records: EM started from the defaults failed its checks, a second start from the engine's guesses passed them".to_string(),
            ModelOrigin::Trained => "模型在本次数据上训练，检查全部通过 / model fitted on these records, every check passed".to_string(),
            ModelOrigin::Supplied => "使用给定的模型，未重新训练 / the given model was used, not refitted".to_string(),
            ModelOrigin::Default => {
                let failed: Vec<&str> = self.failed().map(|c| c.name.as_str()).collect();
                format!(
                    "在本次数据上训练的模型未通过检查（{}），已改用内置默认参数 / the model fitted on these records failed its checks ({}): the shipped default parameters were used instead",
                    failed.join(", "),
                    failed.join(", ")
                )
            }
        };
        writeln!(
            f,
            "模型检查 / model checks ({} / {}): {origin}",
            self.task.name_zh(),
            self.task.name_en()
        )?;
        let show = |f: &mut fmt::Formatter<'_>, title: &str, checks: &[FitCheck]| {
            writeln!(f, "  {title}")?;
            for c in checks {
                writeln!(
                    f,
                    "    [{}] {}: {:.3} ({} {:.3}) — {} / {}",
                    if c.passed {
                        "通过 ok"
                    } else {
                        "未通过 FAILED"
                    },
                    c.name,
                    c.value,
                    if c.name == "match_count" {
                        "≤"
                    } else {
                        "≥"
                    },
                    c.limit,
                    c.zh,
                    c.en
                )?;
            }
            Ok(())
        };
        let title = match self.origin {
            ModelOrigin::Supplied => "给定模型 / given model:",
            _ => "本次训练 / fitted here:",
        };
        show(f, title, &self.checks)?;
        if self.fell_back() {
            show(f, "默认参数 / defaults used:", &self.checks_used)?;
        }
        write!(
            f,
            "  EM {} 次迭代 iterations, {}; 候选对 candidate pairs {}, 预计匹配 expected matches {:.1}",
            self.training.iterations,
            if self.training.converged {
                "已收敛 converged"
            } else {
                "未收敛 not converged"
            },
            self.candidate_pairs,
            self.expected_matches
        )
    }
}

/// A candidate pair as the checks see it: its pattern in the low 32 bits, and in
/// bits 32–33 whether the strongest identifier agrees (exactly or but for one
/// character): 0 agrees, 1 disagrees, 2 missing on a side.
pub type Keyed = u64;

pub fn key(pattern: Pattern, identifier: Option<u8>) -> Keyed {
    let flag = match identifier {
        Some(0 | 1) => 0u64,
        Some(_) => 1,
        None => 2,
    };
    pattern | (flag << 32)
}

fn pattern_of(k: Keyed) -> Pattern {
    k & 0xFFFF_FFFF
}

/// Distinct keyed pairs with counts.
pub fn count(keyed: &[Keyed]) -> Vec<(Keyed, f64)> {
    let mut h: HashMap<Keyed, u64> = HashMap::new();
    for &k in keyed {
        *h.entry(k).or_default() += 1;
    }
    let mut v: Vec<(Keyed, f64)> = h.into_iter().map(|(k, c)| (k, c as f64)).collect();
    v.sort_unstable_by_key(|x| x.0);
    v
}

/// The sizes a plausible number of matches is judged against.
#[derive(Debug, Clone, Copy)]
pub struct Sides {
    pub left: usize,
    /// For deduplication, the same as `left`.
    pub right: usize,
}

/// A match must agree on the identifier at least this often…
const IDENTIFIER_AGREEMENT: f64 = 0.5;
/// …and that agreement must weigh at least this many bits (8×) for a match.
const IDENTIFIER_BITS: f64 = 3.0;
/// A match agrees on the birth date (or is one day off) at least this often.
const BIRTH_DATE_AGREEMENT: f64 = 0.7;
/// Linking: expected matches at most this share of the smaller source (plus a few):
/// one-to-one allows no more, duplicated rows add a little.
const LINK_SHARE: f64 = 1.1;
/// Deduplicating: duplicated rows at most this share of the rows. Measured ledgers
/// hold 1–2 %; a fit that finds more has found something else.
const DEDUPE_SHARE: f64 = 0.05;

/// Checks a model against the candidates it scores.
pub fn check(model: &Model, counted: &[(Keyed, f64)], task: Task, sides: Sides) -> Vec<FitCheck> {
    let scorer = model.scorer();
    let (mut e, mut id_m, mut id_m_all, mut id_u, mut id_u_all) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut date_m, mut date_m_all) = (0.0, 0.0);
    let date = Field::BirthDate.index();
    for &(k, c) in counted {
        let p = prob(scorer.weight(pattern_of(k)));
        e += c * p;
        let flag = k >> 32;
        if flag < 2 {
            id_m_all += c * p;
            id_u_all += c * (1.0 - p);
            if flag == 0 {
                id_m += c * p;
                id_u += c * (1.0 - p);
            }
        }
        let d = level_of(pattern_of(k), date);
        if d != MISSING {
            date_m_all += c * p;
            if d <= 1 {
                date_m += c * p;
            }
        }
    }
    let share = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let m_id = share(id_m, id_m_all);
    // Half a pair of smoothing: a source without a single non-match agreeing on the
    // identifier must not divide by zero.
    let bits = ((m_id + 1e-9) / ((id_u + 0.5) / (id_u_all + 1.0))).log2();
    let what = if task.is_births() {
        ("母亲身份号码", "the mother's ID number")
    } else {
        ("身份号码", "the ID number")
    };
    let limit = if task.is_dedupe() {
        DEDUPE_SHARE * sides.left as f64 + 5.0
    } else {
        LINK_SHARE * sides.left.min(sides.right) as f64 + 5.0
    };
    let mut out = vec![
        FitCheck {
            name: "identifier_agreement".into(),
            passed: m_id >= IDENTIFIER_AGREEMENT,
            value: m_id,
            limit: IDENTIFIER_AGREEMENT,
            zh: format!("匹配对中{}相符的比例", what.0),
            en: format!("share of matches that agree on {}", what.1),
        },
        FitCheck {
            name: "identifier_weight".into(),
            passed: bits >= IDENTIFIER_BITS,
            value: bits,
            limit: IDENTIFIER_BITS,
            zh: format!("{}相符对匹配的证据（比特，匹配相对于非匹配）", what.0),
            en: format!(
                "evidence of agreeing on {} (bits, match against non-match)",
                what.1
            ),
        },
        FitCheck {
            name: "birth_date_agreement".into(),
            passed: share(date_m, date_m_all) >= BIRTH_DATE_AGREEMENT,
            value: share(date_m, date_m_all),
            limit: BIRTH_DATE_AGREEMENT,
            zh: "匹配对中出生日期相同或相差一天的比例".into(),
            en: "share of matches whose birth dates agree or are a day apart".into(),
        },
        FitCheck {
            name: "match_count".into(),
            passed: e <= limit,
            value: e,
            limit,
            zh: if task.is_dedupe() {
                "预计重复对数（同一来源内重复应属少数）".into()
            } else {
                "预计匹配数（不超过较小来源的记录数）".into()
            },
            en: if task.is_dedupe() {
                "expected duplicate pairs (duplicates within one source are rare)".into()
            } else {
                "expected matches (no more than the smaller source has records)".into()
            },
        },
    ];
    if model.training.iterations > 0 {
        out.push(FitCheck {
            name: "converged".into(),
            passed: model.training.converged,
            value: f64::from(u8::from(model.training.converged)),
            limit: 1.0,
            zh: format!("EM 在 {} 次迭代内收敛", model.training.iterations),
            en: format!("EM converged ({} iterations)", model.training.iterations),
        });
    }
    out
}

fn expected(model: &Model, counted: &[(Keyed, f64)]) -> f64 {
    let s = model.scorer();
    counted
        .iter()
        .map(|&(k, c)| c * prob(s.weight(pattern_of(k))))
        .sum()
}

/// How to fit.
#[derive(Debug, Clone)]
pub struct FitOptions<'a> {
    pub train: TrainOptions,
    /// Where EM starts; `None` = the shipped default for the task, and a second
    /// start from the engine's guesses when that fit fails its checks.
    pub start: Option<&'a Model>,
    /// Replace a fit that fails its checks by the defaults (on unless testing EM).
    pub fallback: bool,
}

/// Fits a model for `task` to the keyed candidate pairs and checks it; falls back to
/// the shipped defaults when a check fails. `random` are random pairs' patterns (for
/// the model's `u_random`).
pub fn fit(
    task: Task,
    keyed: &[Keyed],
    random: &[Pattern],
    sides: Sides,
    opts: &FitOptions<'_>,
) -> (Model, FitReport) {
    let counted = count(keyed);
    let patterns: Vec<Pattern> = keyed.iter().map(|&k| pattern_of(k)).collect();
    let default = crate::defaults::shipped(task);
    let start = opts.start.unwrap_or(&default);
    // Too few pairs to estimate the model's parameters (a village's handful of
    // births): no EM at all; the shipped defaults are used, and the report says
    // why. A county's saved model, when there is one, is given before this.
    let enough = min_fit_pairs(&default);
    if opts.fallback && opts.start.is_none() && !keyed.is_empty() && keyed.len() < enough {
        let mut model = default.clone();
        model.task = Some(task);
        model.training.distinct_patterns = counted.len() as u64;
        let checks = vec![FitCheck {
            name: "enough_pairs".into(),
            passed: false,
            value: keyed.len() as f64,
            limit: enough as f64,
            zh: format!(
                "候选对数量足以拟合（至少为模型参数个数的 {PAIRS_PER_PARAMETER} 倍），否则不拟合"
            ),
            en: format!(
                "candidate pairs enough to fit ({PAIRS_PER_PARAMETER} × the model's parameters), else no fit"
            ),
        }];
        return defaults_used(
            model,
            default,
            checks,
            &patterns,
            &counted,
            task,
            sides,
            keyed.len(),
        );
    }
    let mut model = Model::train_from(&patterns, random, &opts.train, Some(start));
    model.task = Some(task);
    let mut checks = check(&model, &counted, task, sides);
    let mut restarted = false;
    let passed = |c: &[FitCheck]| c.iter().all(|c| c.passed);
    if !passed(&checks) && opts.fallback && opts.start.is_none() && !keyed.is_empty() {
        // A second start before giving up on the fit: EM from the engine's own
        // class-shaped guesses. The defaults are one generator's frequencies; a start
        // far from the data can let two classes trade places (the twin class taking
        // the duplicates), and another start often does not. A start the caller
        // chose is not second-guessed.
        let mut again = Model::train_from(&patterns, random, &opts.train, None);
        again.task = Some(task);
        let c = check(&again, &counted, task, sides);
        if passed(&c) {
            model = again;
            checks = c;
            restarted = true;
        }
    }
    if passed(&checks) || !opts.fallback || keyed.is_empty() {
        let report = FitReport {
            task,
            origin: ModelOrigin::Trained,
            checks,
            checks_used: Vec::new(),
            restarted,
            training: model.training.clone(),
            expected_matches: expected(&model, &counted),
            candidate_pairs: keyed.len() as u64,
        };
        return (model, report);
    }
    model.training.random_pairs = random.len() as u64;
    defaults_used(
        model,
        default,
        checks,
        &patterns,
        &counted,
        task,
        sides,
        keyed.len(),
    )
}

/// How many candidate pairs per free parameter of the model EM needs at least.
pub const PAIRS_PER_PARAMETER: usize = 5;

/// The fewest candidate pairs a model like `m` is fitted on: [`PAIRS_PER_PARAMETER`]
/// per free parameter (each class's level shares per field, and the priors).
pub fn min_fit_pairs(m: &Model) -> usize {
    let per_class: usize = m
        .classes
        .first()
        .map(|c| c.levels.iter().map(|l| l.len().saturating_sub(1)).sum())
        .unwrap_or(0);
    PAIRS_PER_PARAMETER * (m.classes.len() * per_class + m.classes.len().saturating_sub(1))
}

/// The shipped defaults in place of `fitted` (whose `checks` failed), priors
/// re-estimated on these pairs when that gives a possible number of matches.
#[allow(clippy::too_many_arguments)]
fn defaults_used(
    model: Model,
    default: Model,
    checks: Vec<FitCheck>,
    patterns: &[Pattern],
    counted: &[(Keyed, f64)],
    task: Task,
    sides: Sides,
    pairs: usize,
) -> (Model, FitReport) {
    let mut used = default.clone();
    used.reestimate_priors(patterns);
    used.u_random = model.u_random.clone();
    used.training = TrainingInfo {
        candidate_pairs: pairs as u64,
        random_pairs: model.training.random_pairs,
        distinct_patterns: model.training.distinct_patterns,
        iterations: 0,
        converged: true,
    };
    let mut checks_used = check(&used, counted, task, sides);
    // Re-estimated priors that imply an impossible number of matches are worse than
    // the defaults' own (measured on generated counties).
    if checks_used
        .iter()
        .any(|c| c.name == "match_count" && !c.passed)
    {
        used.classes = default.classes.clone();
        checks_used = check(&used, counted, task, sides);
    }
    let report = FitReport {
        task,
        origin: ModelOrigin::Default,
        checks,
        checks_used,
        restarted: false,
        training: model.training.clone(),
        expected_matches: expected(&used, counted),
        candidate_pairs: pairs as u64,
    };
    (used, report)
}

/// The report for a model the caller supplied: its checks on these candidates.
pub fn supplied(model: &Model, task: Task, keyed: &[Keyed], sides: Sides) -> FitReport {
    let counted = count(keyed);
    FitReport {
        task,
        origin: ModelOrigin::Supplied,
        checks: check(model, &counted, task, sides),
        checks_used: Vec::new(),
        restarted: false,
        training: model.training.clone(),
        expected_matches: expected(model, &counted),
        candidate_pairs: keyed.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{FIELDS, N_FIELDS};

    /// A pattern with every field at `level` (clamped to the field's levels).
    fn all(level: u8) -> Pattern {
        let mut p = 0;
        for (i, f) in FIELDS.iter().enumerate().take(N_FIELDS) {
            let l = level.min(f.n_levels() as u8 - 1);
            p |= (l as u64) << (4 * i);
        }
        p
    }

    fn counted() -> Vec<(Keyed, f64)> {
        // 200 pairs that agree on everything (the identifier too), 5,000 that
        // differ on everything.
        count(
            &std::iter::repeat_n(key(all(0), Some(0)), 200)
                .chain(std::iter::repeat_n(key(all(9), Some(3)), 5000))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn shipped_defaults_are_sound_models_for_their_tasks() {
        for task in [
            Task::BirthsLink,
            Task::BirthsDedupe,
            Task::PersonsLink,
            Task::PersonsDedupe,
        ] {
            let m = crate::defaults::shipped(task);
            assert_eq!(m.task, Some(task));
            let c = check(
                &m,
                &counted(),
                task,
                Sides {
                    left: 10_000,
                    right: 10_000,
                },
            );
            assert!(c.iter().all(|c| c.passed), "{task:?}: {c:?}");
            let priors: f64 = m.classes.iter().map(|c| c.prior).sum();
            assert!((priors - 1.0).abs() < 1e-6);
        }
        assert!(crate::defaults::shipped(Task::PersonsDedupe).lambda() < 0.05);
    }

    #[test]
    fn a_model_whose_matches_are_strangers_fails_its_checks() {
        let mut m = crate::defaults::shipped(Task::BirthsLink);
        let last = m.classes.len() - 1;
        let levels = m.classes[0].levels.clone();
        m.classes[0].levels = m.classes[last].levels.clone();
        m.classes[last].levels = levels;
        let c = check(
            &m,
            &counted(),
            Task::BirthsLink,
            Sides {
                left: 1000,
                right: 1000,
            },
        );
        let failed: Vec<&str> = c
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.name.as_str())
            .collect();
        assert!(failed.contains(&"identifier_agreement"), "{c:?}");
        assert!(failed.contains(&"birth_date_agreement"), "{c:?}");
        // Too many matches for the sources is a failure of its own.
        let m = crate::defaults::shipped(Task::BirthsDedupe);
        let c = check(
            &m,
            &counted(),
            Task::BirthsDedupe,
            Sides {
                left: 100,
                right: 100,
            },
        );
        assert!(
            c.iter().any(|c| c.name == "match_count" && !c.passed),
            "{c:?}"
        );
    }
}
