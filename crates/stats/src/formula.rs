//! User-defined indicators (自定义指标): a county statistician writes a numerator
//! and an optional denominator as sums of counts with filters, saved as text, and
//! the engine validates and computes them like the built-in ones.
//!
//! ```text
//! expr    := term (("+" | "-") term)*
//! term    := count "(" [filter ("," filter)*] ")"
//! count   := population | births | deaths          (also 人口 | 出生 | 死亡)
//! filter  := key op value
//! key     := sex | age | residence | order | mother_age
//!            (also 性别 | 年龄 | 居住 | 孩次 | 母亲年龄)
//! op      := "=" | "!=" | ">=" | "<=" | ">" | "<"
//! value   := word ("|" word)*        sex / residence: male|female|unknown, resident|outflow|inflow (or 男 女 常住 流出 流入 …)
//!          | int | int ".." int | int "+"    ages and orders; "20..29" includes 29, "3+" is 3 and above
//! ```
//!
//! Meaning, per region and period (the same terms as indicators.md):
//! - `population(…)`: persons alive on the reference day; `age` is completed years
//!   on that day; residence defaults to resident|inflow, so `population()` is P
//!   and `population(residence=outflow)` counts the people who moved away.
//! - `births(…)`: persons born in the period; `order` is the birth order (births
//!   of unknown order never match an order filter), `mother_age` the mother's age
//!   at the birth (births with no linked mother never match it).
//! - `deaths(…)`: persons who died in the period; `age` is the age at death.
//!
//! Several filters on one key must all hold (`age>=15, age<=49`). The value is
//! `scale · numerator / denominator` (null when the denominator is 0), or
//! `scale · numerator` without a denominator. A formula whose numerator contains
//! births or deaths and whose denominator is only population is a rate: it is
//! annualised like cbr and gets a Poisson interval. A numerator that is a subset
//! of its denominator (same count, narrower filters) is a share and gets a Wilson
//! interval.
//!
//! The parser is hand-written: the language has a dozen tokens, and the errors
//! must name the position in both Chinese and English, which a parser generator
//! would make harder and heavier than the few hundred lines below.

use crate::catalogue::{Indicator, IndicatorValue};
use crate::counts::roll_up;
use crate::input::StatPerson;
use crate::interval;
use crate::period::Period;
use crate::region_table::RegionTable;
use renkou_domain::date::completed_years;
use renkou_domain::{Residence, Sex};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::ops::AddAssign;
use thiserror::Error;

/// Which part of a definition an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Numerator,
    Denominator,
}

impl Part {
    fn zh(self) -> &'static str {
        match self {
            Part::Numerator => "分子",
            Part::Denominator => "分母",
        }
    }
    fn en(self) -> &'static str {
        match self {
            Part::Numerator => "numerator",
            Part::Denominator => "denominator",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.en())
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum FormulaError {
    /// `column` counts characters from 1.
    #[error("{}第{column}个字符处：{zh} / {}, column {column}: {en}", .part.zh(), .part.en())]
    Syntax {
        part: Part,
        column: usize,
        zh: String,
        en: String,
    },
    #[error("指标代码“{0}”无效（应以小写字母开头，仅含小写字母、数字和下划线） / indicator code \"{0}\" is invalid (a lowercase letter, then lowercase letters, digits and _)")]
    BadCode(String),
    #[error("指标代码“{0}”已是标准指标 / indicator code \"{0}\" is already a catalogue indicator")]
    ReservedCode(String),
    #[error("指标名称不能为空 / the indicator needs a Chinese name")]
    EmptyName,
    #[error("系数应为正数，实为{0} / scale must be a positive number, found {0}")]
    BadScale(f64),
}

/// A user-defined indicator as saved (serde) and edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserIndicatorDef {
    pub code: String,
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub unit: String,
    pub numerator: String,
    #[serde(default)]
    pub denominator: Option<String>,
    #[serde(default = "one")]
    pub scale: f64,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountKind {
    Population,
    Births,
    Deaths,
}

/// One count with its filters, compiled to masks and inclusive ranges so that
/// testing a person is a handful of comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CountSpec {
    pub kind: CountKind,
    /// Bits: 1 male, 2 female, 4 unknown.
    pub sexes: u8,
    /// Bits: 1 resident, 2 outflow, 4 inflow.
    pub residences: u8,
    pub age: Option<(i32, i32)>,
    pub mother_age: Option<(i32, i32)>,
    pub order: Option<(i32, i32)>,
}

fn sex_bit(s: Sex) -> u8 {
    match s {
        Sex::Male => 1,
        Sex::Female => 2,
        Sex::Unknown => 4,
    }
}

fn residence_bit(r: Residence) -> u8 {
    match r {
        Residence::Resident => 1,
        Residence::Outflow => 2,
        Residence::Inflow => 4,
    }
}

impl CountSpec {
    fn new(kind: CountKind) -> Self {
        CountSpec {
            kind,
            sexes: 7,
            residences: 7,
            age: None,
            mother_age: None,
            order: None,
        }
    }

    #[inline]
    fn matches(&self, p: &StatPerson, period: &Period, reference: chrono::NaiveDate) -> bool {
        if self.sexes & sex_bit(p.sex) == 0 || self.residences & residence_bit(p.residence) == 0 {
            return false;
        }
        let within = |r: Option<(i32, i32)>, x: i32| r.is_none_or(|(lo, hi)| lo <= x && x <= hi);
        match self.kind {
            CountKind::Population => {
                p.alive_on(reference)
                    && (self.age.is_none()
                        || within(self.age, completed_years(p.birth_date, reference)))
            }
            CountKind::Births => {
                period.contains(p.birth_date)
                    && (self.order.is_none()
                        || p.birth_order.is_some_and(|o| within(self.order, o as i32)))
                    && (self.mother_age.is_none()
                        || p.mother_birth_date.is_some_and(|m| {
                            within(self.mother_age, completed_years(m, p.birth_date))
                        }))
            }
            CountKind::Deaths => p.death_date.is_some_and(|d| {
                period.contains(d)
                    && (self.age.is_none() || within(self.age, completed_years(p.birth_date, d)))
            }),
        }
    }

    /// Whether every person this spec counts is also counted by `other`.
    fn is_subset_of(&self, other: &CountSpec) -> bool {
        let range_in = |a: Option<(i32, i32)>, b: Option<(i32, i32)>| match (a, b) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some((l, h)), Some((lo, hi))) => lo <= l && h <= hi,
        };
        self.kind == other.kind
            && self.sexes & !other.sexes == 0
            && self.residences & !other.residences == 0
            && range_in(self.age, other.age)
            && range_in(self.mother_age, other.mother_age)
            && range_in(self.order, other.order)
    }
}

/// A signed sum of counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expr {
    pub terms: Vec<(i64, CountSpec)>,
}

/// A validated user indicator, ready to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct UserIndicator {
    pub def: UserIndicatorDef,
    pub numerator: Expr,
    pub denominator: Option<Expr>,
    /// A flow over a stock: annualised, Poisson interval.
    pub is_rate: bool,
}

impl UserIndicatorDef {
    /// Validates the definition: code, name, scale, both formulas.
    pub fn compile(&self) -> Result<UserIndicator, FormulaError> {
        let code_ok = self
            .code
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return Err(FormulaError::BadCode(self.code.clone()));
        }
        if Indicator::parse(&self.code).is_some() {
            return Err(FormulaError::ReservedCode(self.code.clone()));
        }
        if self.name_zh.trim().is_empty() {
            return Err(FormulaError::EmptyName);
        }
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err(FormulaError::BadScale(self.scale));
        }
        let numerator = parse_expr(&self.numerator, Part::Numerator)?;
        let denominator = match self.denominator.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(parse_expr(d, Part::Denominator)?),
        };
        let is_rate = denominator.as_ref().is_some_and(|d| {
            d.terms.iter().all(|(_, s)| s.kind == CountKind::Population)
                && numerator
                    .terms
                    .iter()
                    .any(|(_, s)| s.kind != CountKind::Population)
        });
        Ok(UserIndicator {
            def: self.clone(),
            numerator,
            denominator,
            is_rate,
        })
    }
}

/// Counts of every distinct [`CountSpec`] of a set of user indicators, per region.
#[derive(Debug, Clone)]
pub struct UserCounts {
    pub period: Period,
    specs: Vec<CountSpec>,
    /// `counts[region][spec]`.
    counts: Vec<SpecCounts>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct SpecCounts(Vec<u32>);

impl AddAssign<&SpecCounts> for SpecCounts {
    fn add_assign(&mut self, o: &SpecCounts) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a += b;
        }
    }
}

impl UserCounts {
    fn get(&self, region: u32, spec: &CountSpec) -> i64 {
        let k = self
            .specs
            .iter()
            .position(|s| s == spec)
            .expect("counted spec");
        self.counts[region as usize].0[k] as i64
    }

    fn eval(&self, region: u32, e: &Expr) -> i64 {
        e.terms
            .iter()
            .map(|(sign, s)| sign * self.get(region, s))
            .sum()
    }
}

/// One pass over the persons counting every spec the indicators use.
pub fn count_user(
    persons: &[StatPerson],
    regions: &RegionTable,
    period: Period,
    indicators: &[UserIndicator],
) -> UserCounts {
    let mut specs: Vec<CountSpec> = Vec::new();
    for ind in indicators {
        let dens = ind.denominator.iter().flat_map(|d| d.terms.iter());
        for (_, s) in ind.numerator.terms.iter().chain(dens) {
            if !specs.contains(s) {
                specs.push(*s);
            }
        }
    }
    let reference = period.reference_day();
    let mut counts = vec![SpecCounts(vec![0; specs.len()]); regions.len()];
    for p in persons {
        let c = &mut counts[p.region as usize].0;
        for (k, s) in specs.iter().enumerate() {
            if s.matches(p, &period, reference) {
                c[k] += 1;
            }
        }
    }
    roll_up(&mut counts, regions);
    UserCounts {
        period,
        specs,
        counts,
    }
}

impl UserIndicator {
    pub fn code(&self) -> &str {
        &self.def.code
    }

    /// The value for one region, shaped like a built-in's.
    pub fn compute(&self, counts: &UserCounts, region: u32) -> IndicatorValue {
        let num = counts.eval(region, &self.numerator);
        let den = self.denominator.as_ref().map(|d| counts.eval(region, d));
        let k = self.def.scale
            * if self.is_rate {
                counts.period.annualisation()
            } else {
                1.0
            };
        let value = match den {
            None => Some(self.def.scale * num as f64),
            Some(0) => None,
            Some(d) => Some(k * num as f64 / d as f64),
        };
        let single = |e: &Expr| match e.terms.as_slice() {
            [(1, s)] => Some(*s),
            _ => None,
        };
        let interval = match (den, self.denominator.as_ref().and_then(single)) {
            (Some(d), Some(ds)) if d > 0 && num >= 0 => match single(&self.numerator) {
                Some(_) if self.is_rate => Some(interval::poisson(num as u64).scaled(k / d as f64)),
                Some(ns) if ns.is_subset_of(&ds) => {
                    interval::wilson(num as u64, d as u64).map(|w| w.scaled(k))
                }
                _ => None,
            },
            _ => None,
        };
        IndicatorValue {
            region,
            code: Cow::Owned(self.def.code.clone()),
            unit: Cow::Owned(self.def.unit.clone()),
            value,
            numerator: num,
            denominator: den,
            interval,
        }
    }
}

// ---------------------------------------------------------------- the parser

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Int(i64),
    LParen,
    RParen,
    Comma,
    Pipe,
    Plus,
    Minus,
    DotDot,
    Op(&'static str),
}

impl Tok {
    fn show(&self) -> String {
        match self {
            Tok::Word(w) => w.clone(),
            Tok::Int(i) => i.to_string(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Comma => ",".into(),
            Tok::Pipe => "|".into(),
            Tok::Plus => "+".into(),
            Tok::Minus => "-".into(),
            Tok::DotDot => "..".into(),
            Tok::Op(o) => (*o).into(),
        }
    }
}

struct Parser {
    part: Part,
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end_column: usize,
    /// Whether the current term has a residence filter (which replaces the
    /// population default resident|inflow instead of narrowing it).
    residence_given: bool,
}

type PResult<T> = Result<T, FormulaError>;

fn err(part: Part, column: usize, zh: impl Into<String>, en: impl Into<String>) -> FormulaError {
    FormulaError::Syntax {
        part,
        column,
        zh: zh.into(),
        en: en.into(),
    }
}

fn lex(src: &str, part: Part) -> PResult<Vec<(Tok, usize)>> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        let next = chars.get(i + 1).copied();
        let (tok, len) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            // Full-width forms, as typed with a Chinese input method.
            '(' | '（' => (Tok::LParen, 1),
            ')' | '）' => (Tok::RParen, 1),
            ',' | '，' => (Tok::Comma, 1),
            '|' | '｜' => (Tok::Pipe, 1),
            '+' => (Tok::Plus, 1),
            '-' => (Tok::Minus, 1),
            '.' if next == Some('.') => (Tok::DotDot, 2),
            '>' if next == Some('=') => (Tok::Op(">="), 2),
            '<' if next == Some('=') => (Tok::Op("<="), 2),
            '!' if next == Some('=') => (Tok::Op("!="), 2),
            '=' if next == Some('=') => (Tok::Op("="), 2),
            '=' | '＝' => (Tok::Op("="), 1),
            '>' => (Tok::Op(">"), 1),
            '<' => (Tok::Op("<"), 1),
            c if c.is_ascii_digit() => {
                let mut j = i;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                let s: String = chars[i..j].iter().collect();
                let n = s.parse().map_err(|_| {
                    err(
                        part,
                        col,
                        format!("数字“{s}”过大"),
                        format!("number \"{s}\" is too large"),
                    )
                })?;
                (Tok::Int(n), j - i)
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut j = i;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                (Tok::Word(chars[i..j].iter().collect()), j - i)
            }
            c => {
                return Err(err(
                    part,
                    col,
                    format!("无法识别的字符“{c}”"),
                    format!("unexpected character '{c}'"),
                ))
            }
        };
        out.push((tok, col));
        i += len;
    }
    Ok(out)
}

fn parse_expr(src: &str, part: Part) -> PResult<Expr> {
    let toks = lex(src, part)?;
    let mut p = Parser {
        part,
        toks,
        pos: 0,
        end_column: src.chars().count() + 1,
        residence_given: false,
    };
    if p.toks.is_empty() {
        return Err(err(
            part,
            1,
            "公式为空（例：births(sex=male)）",
            "the formula is empty (e.g. births(sex=male))",
        ));
    }
    let mut terms = vec![(1, p.term()?)];
    while let Some((tok, col)) = p.peek() {
        let sign = match tok {
            Tok::Plus => 1,
            Tok::Minus => -1,
            _ => {
                return Err(p.unexpected(
                    col,
                    tok,
                    "“+”、“-”或公式结束",
                    "'+', '-' or the end of the formula",
                ))
            }
        };
        p.pos += 1;
        terms.push((sign, p.term()?));
    }
    Ok(Expr { terms })
}

impl Parser {
    fn peek(&self) -> Option<(Tok, usize)> {
        self.toks.get(self.pos).cloned()
    }

    fn next(&mut self, want_zh: &str, want_en: &str) -> PResult<(Tok, usize)> {
        let t = self.peek().ok_or_else(|| {
            err(
                self.part,
                self.end_column,
                format!("公式不完整，缺少{want_zh}"),
                format!("the formula ends early; expected {want_en}"),
            )
        })?;
        self.pos += 1;
        Ok(t)
    }

    fn unexpected(&self, col: usize, tok: Tok, want_zh: &str, want_en: &str) -> FormulaError {
        let s = tok.show();
        err(
            self.part,
            col,
            format!("此处应为{want_zh}，实为“{s}”"),
            format!("expected {want_en}, found \"{s}\""),
        )
    }

    fn expect(&mut self, want: Tok, zh: &str, en: &str) -> PResult<()> {
        let (t, col) = self.next(zh, en)?;
        if t == want {
            Ok(())
        } else {
            Err(self.unexpected(col, t, zh, en))
        }
    }

    fn term(&mut self) -> PResult<CountSpec> {
        let (t, col) = self.next("计数函数", "a count function")?;
        let kind = match &t {
            Tok::Word(w) => match w.as_str() {
                "population" | "人口" => CountKind::Population,
                "births" | "出生" => CountKind::Births,
                "deaths" | "死亡" => CountKind::Deaths,
                _ => {
                    return Err(err(
                        self.part,
                        col,
                        format!(
                        "未知的计数函数“{w}”（可用：population 人口、births 出生、deaths 死亡）"
                    ),
                        format!(
                        "unknown count function \"{w}\" (expected population, births or deaths)"
                    ),
                    ))
                }
            },
            _ => {
                return Err(self.unexpected(
                    col,
                    t,
                    "计数函数（population、births、deaths）",
                    "a count function (population, births, deaths)",
                ))
            }
        };
        let mut spec = CountSpec::new(kind);
        self.residence_given = false;
        self.expect(Tok::LParen, "“(”", "'('")?;
        if matches!(self.peek(), Some((Tok::RParen, _))) {
            self.pos += 1;
        } else {
            loop {
                self.filter(&mut spec)?;
                let (t, col) = self.next("“,”或“)”", "',' or ')'")?;
                match t {
                    Tok::Comma => continue,
                    Tok::RParen => break,
                    t => return Err(self.unexpected(col, t, "“,”或“)”", "',' or ')'")),
                }
            }
        }
        if kind == CountKind::Population && !self.residence_given {
            spec.residences = residence_bit(Residence::Resident) | residence_bit(Residence::Inflow);
        }
        Ok(spec)
    }

    fn filter(&mut self, spec: &mut CountSpec) -> PResult<()> {
        let (t, col) = self.next("筛选条件", "a filter")?;
        let Tok::Word(key) = t else {
            return Err(self.unexpected(col, t, "筛选条件名", "a filter name"));
        };
        let canonical = match key.as_str() {
            "sex" | "性别" => "sex",
            "age" | "年龄" => "age",
            "residence" | "居住" | "居住状态" => "residence",
            "order" | "孩次" => "order",
            "mother_age" | "母亲年龄" => "mother_age",
            _ => {
                return Err(err(
                    self.part,
                    col,
                    format!(
                        "未知的筛选条件“{key}”（可用：sex、age、residence、order、mother_age）"
                    ),
                    format!(
                    "unknown filter \"{key}\" (expected sex, age, residence, order or mother_age)"
                ),
                ))
            }
        };
        let allowed = match spec.kind {
            CountKind::Population => ["sex", "age", "residence"].as_slice(),
            CountKind::Births => ["sex", "residence", "order", "mother_age"].as_slice(),
            CountKind::Deaths => ["sex", "age", "residence"].as_slice(),
        };
        if !allowed.contains(&canonical) {
            let f = match spec.kind {
                CountKind::Population => "population",
                CountKind::Births => "births",
                CountKind::Deaths => "deaths",
            };
            return Err(err(
                self.part,
                col,
                format!("{f} 不能按“{key}”筛选（可用：{}）", allowed.join("、")),
                format!(
                    "{f} cannot be filtered by \"{key}\" (allowed: {})",
                    allowed.join(", ")
                ),
            ));
        }
        let (op_tok, op_col) = self.next(
            "比较符（=、!=、>=、<=、>、<）",
            "an operator (=, !=, >=, <=, >, <)",
        )?;
        let Tok::Op(op) = op_tok else {
            return Err(self.unexpected(
                op_col,
                op_tok,
                "比较符（=、!=、>=、<=、>、<）",
                "an operator (=, !=, >=, <=, >, <)",
            ));
        };
        match canonical {
            "sex" | "residence" => {
                let mask = self.word_set(canonical, op, op_col)?;
                let field = if canonical == "sex" {
                    &mut spec.sexes
                } else {
                    self.residence_given = true;
                    &mut spec.residences
                };
                *field &= mask;
                if *field == 0 {
                    return Err(self.never(col, &key));
                }
            }
            _ => {
                let range = self.int_range(op, op_col)?;
                let slot = match canonical {
                    "age" => &mut spec.age,
                    "order" => &mut spec.order,
                    _ => &mut spec.mother_age,
                };
                let (lo, hi) = slot.unwrap_or((i32::MIN, i32::MAX));
                let merged = (lo.max(range.0), hi.min(range.1));
                if merged.0 > merged.1 {
                    return Err(self.never(col, &key));
                }
                *slot = Some(merged);
            }
        }
        Ok(())
    }

    fn never(&self, col: usize, key: &str) -> FormulaError {
        err(
            self.part,
            col,
            format!("“{key}”的条件互相矛盾，永远不成立"),
            format!("the conditions on \"{key}\" contradict each other and can never hold"),
        )
    }

    /// `male|female`, `resident|inflow`: a bit mask.
    fn word_set(&mut self, key: &str, op: &str, op_col: usize) -> PResult<u8> {
        if op != "=" && op != "!=" {
            return Err(err(
                self.part,
                op_col,
                format!("“{key}”只能用 = 或 !="),
                format!("\"{key}\" takes only = or !="),
            ));
        }
        let mut mask = 0u8;
        loop {
            let (t, col) = self.next("取值", "a value")?;
            let word = match &t {
                Tok::Word(w) => Some(w.clone()),
                Tok::Int(i) => Some(i.to_string()),
                _ => None,
            };
            let bit = word.and_then(|w| {
                if key == "sex" {
                    if w == "unknown" {
                        Some(sex_bit(Sex::Unknown))
                    } else {
                        Sex::parse(&w).ok().map(sex_bit)
                    }
                } else {
                    Residence::parse(&w).ok().map(residence_bit)
                }
            });
            let Some(bit) = bit else {
                let (zh, en) = if key == "sex" {
                    ("male 男、female 女、unknown 未知", "male, female, unknown")
                } else {
                    (
                        "resident 常住、outflow 流出、inflow 流入",
                        "resident, outflow, inflow",
                    )
                };
                let s = t.show();
                return Err(err(
                    self.part,
                    col,
                    format!("“{key}”的取值“{s}”无效（可用：{zh}）"),
                    format!("\"{s}\" is not a value of \"{key}\" (allowed: {en})"),
                ));
            };
            mask |= bit;
            if matches!(self.peek(), Some((Tok::Pipe, _))) {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(if op == "!=" { !mask & 7 } else { mask })
    }

    /// `=3`, `=20..29`, `=3+`, `>=15`, `<50`: an inclusive range.
    fn int_range(&mut self, op: &str, op_col: usize) -> PResult<(i32, i32)> {
        let (t, col) = self.next("整数", "a whole number")?;
        let Tok::Int(a) = t else {
            return Err(self.unexpected(col, t, "整数", "a whole number"));
        };
        let a = a.min(100_000) as i32;
        let range = match op {
            "=" => match self.peek() {
                Some((Tok::DotDot, _)) => {
                    self.pos += 1;
                    let (t, col) = self.next("区间上限", "the end of the range")?;
                    let Tok::Int(b) = t else {
                        return Err(self.unexpected(
                            col,
                            t,
                            "区间上限（整数）",
                            "the end of the range (a whole number)",
                        ));
                    };
                    let b = b.min(100_000) as i32;
                    if b < a {
                        return Err(err(
                            self.part,
                            col,
                            format!("区间{a}..{b}的上限小于下限"),
                            format!("the range {a}..{b} ends before it starts"),
                        ));
                    }
                    (a, b)
                }
                Some((Tok::Plus, _)) => {
                    // "3+": and above. A following term needs a count name, so
                    // inside the parentheses this reading is unambiguous.
                    self.pos += 1;
                    (a, i32::MAX)
                }
                _ => (a, a),
            },
            ">=" => (a, i32::MAX),
            ">" => (a.saturating_add(1), i32::MAX),
            "<=" => (i32::MIN, a),
            "<" => (i32::MIN, a - 1),
            _ => {
                return Err(err(
                    self.part,
                    op_col,
                    "年龄和孩次不能用 !=，请用区间",
                    "ages and orders cannot use !=; use a range",
                ))
            }
        };
        Ok(range)
    }
}
