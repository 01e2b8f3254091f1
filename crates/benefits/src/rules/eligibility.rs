//! 资格认定: what an eligibility run produces, shared by the three programs — one
//! [`Determination`] per person considered, with its due month slots, the findings
//! that decided it, the missing facts that would change it, and a [`Receipt`]; and
//! the comparison of a run with an earlier one (newly qualifies / continues / stops).
//!
//! How a month counts is the same for every program and is decided here once:
//! **a month is decided by the facts as they stand at the start of its first day**.
//! So a move or a child's death during a month takes effect from the next month,
//! and a person's own death closes the slots *after* the month of death (they were
//! alive at its start). Two things are parameters instead, because sources differ:
//! whether a child's birth month and the month of the age limit count (育儿补贴), and
//! how reaching an age counts (`<program>.age_rule`: the whole year it is reached, the
//! month of the birthday, or the month after).

use crate::rules::facts::{Attestation, PersonIdx, RegionId};
use crate::rules::money::Yuan;
use crate::rules::month::Month;
use crate::rules::parameters::{ParameterError, UsedValue};
use crate::rules::Date;
use renkou_domain::RegionCode;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    #[error(transparent)]
    Parameter(#[from] ParameterError),
    #[error("参数“{key}”的选项“{value}”不认识 / parameter \"{key}\": unknown option \"{value}\"")]
    UnknownOption { key: String, value: String },
}

/// The programs with rules here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Program {
    /// 育儿补贴
    Childcare,
    /// 农村部分计划生育家庭奖励扶助
    Reward,
    /// 计划生育家庭特别扶助
    Special,
}

impl Program {
    pub const ALL: [Program; 3] = [Program::Childcare, Program::Reward, Program::Special];

    /// The CLI's spelling: `childcare`, `reward`, `special`; also the parameter keys'
    /// first segment.
    pub fn code(self) -> &'static str {
        match self {
            Program::Childcare => "childcare",
            Program::Reward => "reward",
            Program::Special => "special",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Program::Childcare => "育儿补贴",
            Program::Reward => "奖励扶助",
            Program::Special => "特别扶助",
        }
    }

    pub fn parse(s: &str) -> Option<Program> {
        Program::ALL
            .into_iter()
            .find(|p| p.code() == s.trim() || p.name_zh() == s.trim())
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The unit of payment: one person, one program, one month. A slot is paid at most
/// once ([`crate::rules::ledger`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct MonthSlot {
    /// 人员编号
    pub person: String,
    pub program: Program,
    pub month: Month,
}

/// A month due to a person: its amount and the region responsible for it (where the
/// person was registered at the month's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueMonth {
    pub month: Month,
    pub amount: Yuan,
    pub region: RegionId,
}

/// An attested fact a rule needed and did not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingFact {
    /// 农业户口（或界定为农村居民）的证明
    RuralRegistration,
    /// 户口性质（农业/非农业）的证明, for the urban or rural standard of 特别扶助
    RegistrationKind,
    /// 1973-2001年间无政策外生育的证明
    NoOutOfPolicyBirth,
    /// 残疾人证（等级）
    DisabilityCertificate,
    /// 收养登记证
    LegalAdoption,
}

impl MissingFact {
    pub fn name_zh(self) -> &'static str {
        match self {
            MissingFact::RuralRegistration => "农业户口证明",
            MissingFact::RegistrationKind => "户口性质（农业/非农业）证明",
            MissingFact::NoOutOfPolicyBirth => "1973-2001年无政策外生育的证明",
            MissingFact::DisabilityCertificate => "独生子女残疾人证",
            MissingFact::LegalAdoption => "收养登记证",
        }
    }
}

/// One thing that decided a determination, in the domain's words.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// The months due in the period.
    Due {
        first: Month,
        last: Month,
        months: u32,
    },
    /// The program has no amount in force in these months.
    NotInForce,
    /// Born in the month and the birth month does not count.
    BirthMonthNotCounted {
        month: Month,
    },
    /// Reached the age limit (育儿补贴: the third birthday).
    AgeLimitReached {
        birthday: Date,
    },
    Died {
        date: Date,
    },
    /// The registration moved out of the area.
    MovedAway {
        date: Date,
    },
    /// Registered elsewhere in these months; here from the move on `date`.
    MovedIn {
        date: Date,
    },
    /// Not registered in the area in any month of the period.
    NotRegisteredHere,
    /// Below the program's age; reaches it on `birthday`.
    TooYoung {
        age: u32,
        birthday: Date,
    },
    /// Born before the program's first birth date.
    BornBefore {
        limit: Date,
    },
    /// Attested as non-agricultural registration.
    NotRural,
    /// 奖励扶助: the children do not make the family eligible.
    ChildrenDoNotQualify {
        living: u32,
        daughters: u32,
    },
    /// Never had a child (奖励扶助 needs one child, two daughters, or children who died).
    NoChild,
    /// 特别扶助: the family had more than one child.
    MoreThanOneChild {
        children: u32,
    },
    /// 特别扶助: the only child is alive and no disability of the grade is attested.
    ChildNotDeceasedOrDisabled,
    /// 特别扶助: the attested grade is lighter than the rule's grade.
    DisabilityTooLight {
        grade: u8,
        max_grade: u32,
    },
    /// 特别扶助: whose age counts is unclear (two parents, neither recorded female).
    MotherUnknown,
    /// 特别扶助 category for these months.
    SpecialCategory {
        rural: bool,
        death: bool,
        from: Month,
    },
    /// An attested fact is missing.
    Missing {
        fact: MissingFact,
    },
    /// Another register person has the same ID number and is paid; this one is not.
    DuplicateOf {
        person_id: String,
    },
    /// Paid here; another register person with the same ID number is not.
    AlsoRegisteredAs {
        person_id: String,
    },
    /// The same person came in more than one family (proposed twice); the first
    /// family decided, once.
    ProposedTwice {
        families: u32,
    },
    /// Some parameter values used in the due months are not confirmed by the county.
    UnconfirmedValues,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::Due {
                first,
                last,
                months,
            } => write!(f, "{first}至{last}共{months}个月符合条件"),
            Finding::NotInForce => f.write_str("该期间无有效标准（制度未实施）"),
            Finding::BirthMonthNotCounted { month } => write!(f, "出生当月（{month}）不计"),
            Finding::AgeLimitReached { birthday } => write!(f, "已于{birthday}满龄"),
            Finding::Died { date } => write!(f, "已于{date}死亡，次月起停止"),
            Finding::MovedAway { date } => write!(f, "户籍已于{date}迁出本区域，次月起停止"),
            Finding::MovedIn { date } => write!(f, "户籍于{date}迁入本区域，次月起计"),
            Finding::NotRegisteredHere => f.write_str("期间户籍不在本区域"),
            Finding::TooYoung { age, birthday } => {
                write!(f, "未满{age}周岁（{birthday}满）")
            }
            Finding::BornBefore { limit } => write!(f, "出生早于{limit}"),
            Finding::NotRural => f.write_str("证明为非农业户口"),
            Finding::ChildrenDoNotQualify { living, daughters } => write!(
                f,
                "现有子女{living}人（其中女儿{daughters}人），不属于一个子女或两个女孩"
            ),
            Finding::NoChild => f.write_str("未生育或收养子女"),
            Finding::MoreThanOneChild { children } => {
                write!(f, "生育或收养子女{children}人，不是独生子女家庭")
            }
            Finding::ChildNotDeceasedOrDisabled => {
                f.write_str("独生子女健在且无符合等级的残疾证明")
            }
            Finding::DisabilityTooLight { grade, max_grade } => {
                write!(f, "独生子女残疾等级为{grade}级，轻于{max_grade}级")
            }
            Finding::MotherUnknown => f.write_str("无法确定女方，不能判断年龄条件"),
            Finding::SpecialCategory { rural, death, from } => write!(
                f,
                "自{from}起按{}{}家庭标准",
                if *rural { "农村" } else { "城镇" },
                if *death {
                    "独生子女死亡"
                } else {
                    "独生子女伤残"
                }
            ),
            Finding::Missing { fact } => write!(f, "缺少{}", fact.name_zh()),
            Finding::DuplicateOf { person_id } => {
                write!(f, "与人员{person_id}身份号码相同，已在其名下计算，本条不计")
            }
            Finding::AlsoRegisteredAs { person_id } => {
                write!(f, "人员{person_id}身份号码相同，需核查重复建档")
            }
            Finding::ProposedTwice { families } => {
                write!(f, "在{families}个家庭中被申报，按第一个家庭认定，只计一次")
            }
            Finding::UnconfirmedValues => f.write_str("所用参数含县未确认的数值"),
        }
    }
}

/// Why a person's slots end inside the period, and the last month due.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ending {
    pub last_month: Month,
    pub why: Finding,
}

/// A register or attested fact that decided a determination.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "fact", rename_all = "snake_case")]
pub enum DecidingFact {
    /// The person's own birth date (children's facts are in [`DecidingFact::Child`]).
    BirthDate {
        date: Date,
    },
    DeathDate {
        date: Date,
    },
    RegisteredIn {
        region: RegionCode,
    },
    Moved {
        date: Date,
        to: Option<RegionCode>,
    },
    Child {
        person_id: String,
        birth_date: Date,
        female: bool,
        death_date: Option<Date>,
        adopted: bool,
    },
    Attested {
        what: String,
        attestation: Attestation,
    },
}

/// What a determination rests on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    /// The revision of the rule's code (what the parameters cannot say).
    pub rule: &'static str,
    /// The parameters' version ([`crate::rules::Parameters::version`]).
    pub parameters_version: u32,
    /// Every parameter value the run consulted, with its reference; shared by all
    /// determinations of the run.
    pub values: Arc<[UsedValue]>,
    pub facts: Vec<DecidingFact>,
}

/// One person's result for a program and a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Determination {
    /// 人员编号
    pub person_id: String,
    pub person: PersonIdx,
    pub program: Program,
    pub year: i32,
    pub due: Vec<DueMonth>,
    /// The sum of the due months' amounts.
    pub amount: Yuan,
    /// Why, in order: the due months first, then each thing that stopped a month.
    pub findings: Vec<Finding>,
    /// Attested facts that, supplied, would make a month due that is not (empty when
    /// something other than a missing fact stands in the way).
    pub would_qualify_with: Vec<MissingFact>,
    /// The slots end inside the period (death, move, age limit…).
    pub ending: Option<Ending>,
    /// Needs a person to look at it (duplicates).
    pub needs_review: bool,
    pub receipt: Receipt,
}

impl Determination {
    pub fn eligible(&self) -> bool {
        !self.due.is_empty()
    }

    pub fn months(&self) -> u32 {
        self.due.len() as u32
    }

    /// The findings as one sentence (the CLI's `reason`).
    pub fn reason(&self) -> String {
        let mut s = String::new();
        for (i, f) in self.findings.iter().enumerate() {
            if i > 0 {
                s.push('；');
            }
            s.push_str(&f.to_string());
        }
        if !self.would_qualify_with.is_empty() {
            s.push_str("；补充");
            for (i, m) in self.would_qualify_with.iter().enumerate() {
                if i > 0 {
                    s.push('、');
                }
                s.push_str(m.name_zh());
            }
            s.push_str("后可重新认定");
        }
        s
    }

    /// The due slots with their amounts.
    pub fn slots(&self) -> impl Iterator<Item = (MonthSlot, Yuan)> + '_ {
        self.due.iter().map(|d| {
            (
                MonthSlot {
                    person: self.person_id.clone(),
                    program: self.program,
                    month: d.month,
                },
                d.amount,
            )
        })
    }

    /// The row the CLI prints (JSON, CSV, xlsx).
    pub fn row(&self) -> EligibilityRow {
        EligibilityRow {
            person_id: self.person_id.clone(),
            program: self.program.code(),
            year: self.year,
            eligible: self.eligible(),
            months: self.months(),
            amount: self.amount,
            reason: self.reason(),
        }
    }
}

/// One person considered, as `renkou benefits eligibility` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EligibilityRow {
    pub person_id: String,
    pub program: &'static str,
    pub year: i32,
    pub eligible: bool,
    pub months: u32,
    /// Yuan as a decimal string ("3600.00").
    pub amount: Yuan,
    pub reason: String,
}

/// An eligibility run: a program, an area and a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub program: Program,
    pub area: RegionCode,
    pub year: i32,
    pub parameters_version: u32,
    /// The register's region table, to name [`DueMonth::region`].
    pub regions: Vec<RegionCode>,
    /// One per person considered, in the register's order.
    pub determinations: Vec<Determination>,
}

impl Run {
    pub fn eligible(&self) -> impl Iterator<Item = &Determination> {
        self.determinations.iter().filter(|d| d.eligible())
    }

    pub fn total(&self) -> Yuan {
        self.determinations.iter().map(|d| d.amount).sum()
    }

    pub fn find(&self, person_id: &str) -> Option<&Determination> {
        self.determinations
            .iter()
            .find(|d| d.person_id == person_id)
    }

    pub fn region_code(&self, id: RegionId) -> &RegionCode {
        &self.regions[id.0 as usize]
    }

    pub fn rows(&self) -> impl Iterator<Item = EligibilityRow> + '_ {
        self.determinations.iter().map(Determination::row)
    }
}

// ---- building determinations month by month ------------------------------------------

/// A month's verdict while a rule evaluates a person.
pub(crate) type MonthVerdict = Result<DueMonth, Finding>;

/// Gathers a person's month verdicts (at most the twelve of a year) into a
/// determination's parts. Fixed-size where it can be: it runs once per child of
/// the county.
pub(crate) struct MonthTally {
    due: Vec<DueMonth>,
    /// Distinct blocking findings in the order first met.
    blockers: Vec<Finding>,
    /// The blocker of each blocked month, by index into `blockers`.
    blocker_of: [(Month, u8); 12],
    blocked: usize,
    /// Facts whose absence alone blocks some month.
    missing_only: Vec<MissingFact>,
}

impl MonthTally {
    pub(crate) fn new() -> MonthTally {
        MonthTally {
            due: Vec::with_capacity(12),
            blockers: Vec::new(),
            blocker_of: [(Month::new(0, 1), 0); 12],
            blocked: 0,
            missing_only: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, month: Month, verdict: MonthVerdict) {
        match verdict {
            Ok(d) => self.due.push(d),
            Err(f) => {
                let i = match self.blockers.iter().position(|b| *b == f) {
                    Some(i) => i,
                    None => {
                        self.blockers.push(f);
                        self.blockers.len() - 1
                    }
                };
                if self.blocked < self.blocker_of.len() {
                    self.blocker_of[self.blocked] = (month, i as u8);
                    self.blocked += 1;
                }
            }
        }
    }

    /// A month blocked only by missing facts: supplying them would make it due.
    pub(crate) fn missing_only(&mut self, month: Month, facts: &[MissingFact]) {
        self.push(month, Err(Finding::Missing { fact: facts[0] }));
        for f in &facts[1..] {
            // Every missing fact is a finding too.
            if !self.blockers.contains(&Finding::Missing { fact: *f }) {
                self.blockers.push(Finding::Missing { fact: *f });
            }
        }
        for f in facts {
            if !self.missing_only.contains(f) {
                self.missing_only.push(*f);
            }
        }
    }

    /// The due months, amount, findings, would-qualify-with and ending. `extra`
    /// findings (categories, unconfirmed values) follow the due months.
    pub(crate) fn finish(
        mut self,
        period_last: Month,
        extra: impl IntoIterator<Item = Finding>,
    ) -> (
        Vec<DueMonth>,
        Yuan,
        Vec<Finding>,
        Vec<MissingFact>,
        Option<Ending>,
    ) {
        let amount: Yuan = self.due.iter().map(|d| d.amount).sum();
        let ending = self.due.last().and_then(|last| {
            if last.month >= period_last {
                return None;
            }
            let next = last.month.next();
            self.blocker_of[..self.blocked]
                .iter()
                .find(|(m, _)| *m == next)
                .map(|(_, i)| Ending {
                    last_month: last.month,
                    why: self.blockers[*i as usize].clone(),
                })
        });
        let findings = match (self.due.first(), self.due.last()) {
            (Some(first), Some(last)) => {
                let mut f = Vec::with_capacity(self.blockers.len() + 2);
                f.push(Finding::Due {
                    first: first.month,
                    last: last.month,
                    months: self.due.len() as u32,
                });
                f.extend(extra);
                f.append(&mut self.blockers);
                f
            }
            _ => {
                let mut f: Vec<Finding> = extra.into_iter().collect();
                f.append(&mut self.blockers);
                f
            }
        };
        self.missing_only.sort();
        (self.due, amount, findings, self.missing_only, ending)
    }
}

/// Marks register persons that share an ID number (重复建档, proposed by two
/// villages): the first by 人员编号 keeps its slots, the others lose theirs, and all of
/// them are flagged for review. Persons without an ID number cannot be matched here.
pub(crate) fn mark_duplicates<'r>(
    determinations: &mut [Determination],
    id_of: impl Fn(PersonIdx) -> Option<&'r renkou_domain::IdNumber>,
) {
    // Sorting (ID number as one integer, index) pairs finds the groups without a map
    // of vectors: 18 characters of digits and a check character fit in a u64.
    let key = |id: &renkou_domain::IdNumber| {
        id.as_str().bytes().fold(0u64, |k, c| {
            k * 11 + if c == b'X' { 10 } else { u64::from(c - b'0') }
        })
    };
    let mut keyed: Vec<(u64, usize)> = determinations
        .iter()
        .enumerate()
        .filter_map(|(i, d)| id_of(d.person).map(|id| (key(id), i)))
        .collect();
    keyed.sort_unstable();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            let mut g: Vec<usize> = run.iter().map(|(_, i)| *i).collect();
            g.sort_by(|a, b| {
                determinations[*a]
                    .person_id
                    .cmp(&determinations[*b].person_id)
            });
            groups.push(g);
        }
    }
    for g in groups {
        // The payable one: the first (by 人员编号) that is eligible, else the first.
        let keep = g
            .iter()
            .copied()
            .find(|i| determinations[*i].eligible())
            .unwrap_or(g[0]);
        let keep_id = determinations[keep].person_id.clone();
        for &o in &g {
            if o != keep {
                let other = determinations[o].person_id.clone();
                determinations[keep]
                    .findings
                    .push(Finding::AlsoRegisteredAs { person_id: other });
            }
        }
        for &i in &g {
            let d = &mut determinations[i];
            d.needs_review = true;
            if i != keep {
                d.due.clear();
                d.amount = Yuan::ZERO;
                d.ending = None;
                d.would_qualify_with.clear();
                d.findings.retain(|f| !matches!(f, Finding::Due { .. }));
                d.findings.insert(
                    0,
                    Finding::DuplicateOf {
                        person_id: keep_id.clone(),
                    },
                );
            }
        }
    }
}

// ---- comparing runs -------------------------------------------------------------

/// A person's change between an earlier run and this one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// Not eligible (or not considered) before, eligible now.
    NewlyQualifies,
    /// Eligible before and through the end of this period.
    Continues,
    /// Eligible before; now not, or their slots end inside this period. `last_month`
    /// is the last month due in this period, if any; `why` what ended it (`None`
    /// when the person is not in this run at all).
    Stops {
        last_month: Option<Month>,
        why: Option<Finding>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonChange {
    pub person_id: String,
    #[serde(flatten)]
    pub change: Change,
}

/// Who newly qualifies, continues or stops, comparing `current` with `previous`
/// (the last year's run, or the run the last payment was made from). Persons not
/// eligible in either run are left out. In 人员编号 order.
pub fn compare(previous: &Run, current: &Run) -> Vec<PersonChange> {
    let before: HashMap<&str, &Determination> = previous
        .determinations
        .iter()
        .map(|d| (d.person_id.as_str(), d))
        .collect();
    let now: HashMap<&str, &Determination> = current
        .determinations
        .iter()
        .map(|d| (d.person_id.as_str(), d))
        .collect();
    let mut ids: Vec<&str> = before.keys().chain(now.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        let was = before.get(id).is_some_and(|d| d.eligible());
        let change = match (was, now.get(id)) {
            (false, Some(d)) if d.eligible() => Change::NewlyQualifies,
            (false, _) => continue,
            (true, None) => Change::Stops {
                last_month: None,
                why: None,
            },
            (true, Some(d)) if d.eligible() => match &d.ending {
                None => Change::Continues,
                Some(e) => Change::Stops {
                    last_month: Some(e.last_month),
                    why: Some(e.why.clone()),
                },
            },
            (true, Some(d)) => Change::Stops {
                last_month: None,
                why: d
                    .findings
                    .iter()
                    .find(|f| !matches!(f, Finding::UnconfirmedValues))
                    .cloned(),
            },
        };
        out.push(PersonChange {
            person_id: id.to_string(),
            change,
        });
    }
    out
}

// ---- shared helpers of the rules ------------------------------------------------

/// The parameter values a run consulted, each once, in the order first consulted.
#[derive(Default)]
pub(crate) struct ValueLog {
    seen: std::collections::HashSet<UsedValue>,
    list: Vec<UsedValue>,
}

impl ValueLog {
    /// Records a value; returns whether the county has confirmed it.
    pub(crate) fn note(&mut self, f: crate::rules::parameters::Found<'_>) -> bool {
        let u = UsedValue::from(f);
        let confirmed = u.confirmed_by_county;
        if self.seen.insert(u.clone()) {
            self.list.push(u);
        }
        confirmed
    }

    pub(crate) fn finish(self) -> Arc<[UsedValue]> {
        self.list.into()
    }
}

/// How reaching an age counts (`<program>.age_rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AgeRule {
    /// From January of the year the birthday falls in.
    YearReached,
    /// From the month of the birthday.
    MonthReached,
    /// From the month after the birthday.
    MonthAfter,
}

impl AgeRule {
    pub(crate) fn parse(key: &str, value: &str) -> Result<AgeRule, RuleError> {
        match value {
            "year_reached" => Ok(AgeRule::YearReached),
            "month_reached" => Ok(AgeRule::MonthReached),
            "month_after" => Ok(AgeRule::MonthAfter),
            v => Err(RuleError::UnknownOption {
                key: key.to_string(),
                value: v.to_string(),
            }),
        }
    }

    /// Whether someone whose birthday at the age is `birthday` counts as of that age
    /// in `month`.
    pub(crate) fn reached(self, birthday: Date, month: Month) -> bool {
        use chrono::Datelike;
        match self {
            AgeRule::YearReached => birthday.year() <= month.year(),
            AgeRule::MonthReached => Month::of(birthday) <= month,
            AgeRule::MonthAfter => Month::of(birthday) < month,
        }
    }
}

/// Why a person is not registered in the area at the start of `month`: moved away,
/// moves in later, or never here in the period.
pub(crate) fn absence(
    register: &crate::rules::facts::Register,
    person: PersonIdx,
    in_area: &[bool],
    month: Month,
) -> Finding {
    let here = |r: Option<RegionId>| r.is_some_and(|r| in_area[r.0 as usize]);
    let start = month.first_day();
    let mut region = Some(register.facts(person).region);
    let mut left: Option<Date> = None;
    for m in register.moves(person) {
        if m.date < start {
            if here(region) && !here(m.to) {
                left = Some(m.date);
            }
            region = m.to;
        } else if here(m.to) {
            return match left {
                Some(date) => Finding::MovedAway { date },
                None => Finding::MovedIn { date: m.date },
            };
        }
    }
    match left {
        Some(date) => Finding::MovedAway { date },
        None => Finding::NotRegisteredHere,
    }
}

/// The register facts every determination's receipt starts with.
pub(crate) fn person_facts(
    register: &crate::rules::facts::Register,
    person: PersonIdx,
) -> Vec<DecidingFact> {
    let f = register.facts(person);
    let mut v = Vec::with_capacity(3 + register.moves(person).len());
    v.push(DecidingFact::BirthDate { date: f.birth_date });
    if let Some(date) = f.death_date {
        v.push(DecidingFact::DeathDate { date });
    }
    v.push(DecidingFact::RegisteredIn {
        region: register.region_code(f.region).clone(),
    });
    for m in register.moves(person) {
        v.push(DecidingFact::Moved {
            date: m.date,
            to: m.to.map(|r| register.region_code(r).clone()),
        });
    }
    v
}

/// Which regions of the register lie inside `area`.
pub(crate) fn area_mask(register: &crate::rules::facts::Register, area: &RegionCode) -> Vec<bool> {
    register
        .regions()
        .iter()
        .map(|r| area.contains(r))
        .collect()
}

/// The receipt facts of a family: its children and the family's attestation.
pub(crate) fn family_facts(
    register: &crate::rules::facts::Register,
    family: &crate::rules::facts::Family,
) -> Vec<DecidingFact> {
    use crate::rules::facts::ChildOrigin;
    let mut v = Vec::with_capacity(family.children.len() + 1);
    for c in &family.children {
        let f = register.facts(c.person);
        v.push(DecidingFact::Child {
            person_id: register.person_id(c.person).to_string(),
            birth_date: f.birth_date,
            female: f.sex == renkou_domain::Sex::Female,
            death_date: f.death_date,
            adopted: matches!(c.origin, ChildOrigin::Adopted(_)),
        });
        if let ChildOrigin::Adopted(Some(a)) = &c.origin {
            v.push(DecidingFact::Attested {
                what: format!(
                    "合法收养（{}，登记于{}）",
                    a.fact.certificate_no, a.fact.registered_on
                ),
                attestation: a.attestation.clone(),
            });
        }
        if let Some(d) = &c.disability {
            v.push(DecidingFact::Attested {
                what: format!(
                    "残疾{}级（残疾人证{}，{}起）",
                    d.fact.grade, d.fact.certificate_no, d.fact.since
                ),
                attestation: d.attestation.clone(),
            });
        }
    }
    if let Some(a) = &family.no_out_of_policy_birth {
        v.push(DecidingFact::Attested {
            what: "1973-2001年无政策外生育".to_string(),
            attestation: a.attestation.clone(),
        });
    }
    v
}

/// A parent's attested household registration as a receipt fact.
pub(crate) fn registration_fact(parent: &crate::rules::facts::Parent) -> Option<DecidingFact> {
    parent
        .registration
        .as_ref()
        .map(|a| DecidingFact::Attested {
            what: format!("{}（截至{}）", a.fact.kind.name_zh(), a.fact.as_of),
            attestation: a.attestation.clone(),
        })
}

/// Flags persons that came in more than one family: the first family's
/// determination stands and says so; later ones are dropped.
pub(crate) fn merge_repeated(determinations: Vec<Determination>) -> Vec<Determination> {
    let mut first: HashMap<PersonIdx, usize> = HashMap::new();
    let mut times: HashMap<PersonIdx, u32> = HashMap::new();
    let mut out: Vec<Determination> = Vec::with_capacity(determinations.len());
    for d in determinations {
        *times.entry(d.person).or_default() += 1;
        if first.contains_key(&d.person) {
            continue;
        }
        first.insert(d.person, out.len());
        out.push(d);
    }
    for (p, n) in times {
        if n > 1 {
            let d = &mut out[first[&p]];
            d.needs_review = true;
            d.findings.push(Finding::ProposedTwice { families: n });
        }
    }
    out
}
