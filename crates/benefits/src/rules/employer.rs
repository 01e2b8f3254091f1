//! 单位待遇: an employer's entitlements for holders of the 独生子女父母光荣证, as a rule
//! file ([`EmployerRules`]) and one function, [`owed`]: a staff member and a year →
//! what they are owed and why ([`Statement`]).
//!
//! The kinds of entitlement are code (leave days for a marriage or a birth, the
//! monthly only-child health fee until an age, the medical reimbursement share with a
//! yearly cap, the pension supplement, the one-off reward); every number, condition
//! and validity is in the file. [`EmployerRules::seed`] is the fifth seed document's
//! college, shipped as `employer_seed.toml`.
//!
//! The old 晚婚/晚育 leave is a dated rule: it applies to marriages and births before
//! the day the old rules ended (`events_before`), never to later ones.

use crate::rules::money::Yuan;
use crate::rules::month::{anniversary, Month};
use crate::rules::Date;
use renkou_domain::date::completed_years;
use renkou_domain::Sex;
use rust_decimal::Decimal;
use std::fmt;
use thiserror::Error;

/// The fifth seed document's rules.
pub const SEED_TOML: &str = include_str!("employer_seed.toml");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmployerError {
    #[error("单位规则文件无法解析：{0} / employer rule file not understood: {0}")]
    File(String),
}

// ---- the rule file ------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployerRules {
    pub employer: EmployerMeta,
    pub old_rules: OldRules,
    #[serde(default)]
    pub leave: Vec<LeaveRule>,
    pub health_fee: Option<HealthFeeRule>,
    pub medical: Option<MedicalRule>,
    pub pension: Option<PensionRule>,
    pub one_off_reward: Option<OneOffRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployerMeta {
    pub name: String,
    pub document: String,
    pub issued_by: String,
    pub issued_on: Date,
    pub in_force_from: Date,
}

/// How the old regulation defined 晚婚 and 晚育, and when those incentives ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OldRules {
    pub late_marriage_age_male: i32,
    pub late_marriage_age_female: i32,
    pub late_birth_age_mother: i32,
    pub reference: String,
    pub ended_for_events_from: Date,
    pub end_reference: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifeEvent {
    Marriage,
    Birth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Who {
    Any,
    Mother,
    Father,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// 晚婚 as the old rules defined it.
    LateMarriage,
    /// 晚育 as the old rules defined it.
    LateBirth,
    /// The certificate was issued during the maternity leave (from the birth, for the
    /// days of the other maternity lines that apply).
    CertificateDuringMaternityLeave,
}

/// Leave days for a marriage or a birth in the year of the event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeaveRule {
    pub point: String,
    pub label: String,
    pub event: LifeEvent,
    pub who: Who,
    #[serde(default)]
    pub requires: Vec<Condition>,
    pub days: u32,
    /// Applies to events on or after this day.
    pub events_from: Option<Date>,
    /// Applies to events before this day.
    pub events_before: Option<Date>,
    pub reference: String,
}

/// An amount by the spouse's situation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BySpouse {
    /// Both spouses are staff of this employer (双职工 in the house).
    pub same_employer: Yuan,
    /// The other has an income elsewhere (个体、合同工、临时工 included).
    pub income_elsewhere: Yuan,
    /// The other has no income at all.
    pub no_income: Yuan,
    /// No spouse.
    pub single_parent: Yuan,
}

impl BySpouse {
    fn get(&self, s: Option<SpouseEmployment>) -> Yuan {
        match s {
            Some(SpouseEmployment::SameEmployer) => self.same_employer,
            Some(SpouseEmployment::IncomeElsewhere) => self.income_elsewhere,
            Some(SpouseEmployment::NoIncome) => self.no_income,
            None => self.single_parent,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthFeeRule {
    pub point: String,
    pub label: String,
    pub until_child_age: i32,
    /// Whether the month of that birthday is still paid.
    pub birthday_month_counts: bool,
    pub amounts: BySpouse,
    pub reference: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Share {
    /// `[numerator, denominator]` of the invoices' total.
    pub share: [u32; 2],
    pub yearly_cap: Yuan,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MedicalRule {
    pub point: String,
    pub label: String,
    pub county_level_or_above_only: bool,
    pub same_employer: Share,
    /// Only one parent is staff here (the other elsewhere, without income, or none).
    pub one_parent_here: Share,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PensionRule {
    pub point: String,
    pub label: String,
    pub percent_of_basic_wage: u32,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneOffRule {
    pub point: String,
    pub label: String,
    pub amounts: BySpouse,
    pub reference: String,
    pub note: Option<String>,
}

impl EmployerRules {
    pub fn from_toml(text: &str) -> Result<EmployerRules, EmployerError> {
        basic_toml::from_str(text).map_err(|e| EmployerError::File(e.to_string()))
    }

    /// The fifth seed document's college.
    pub fn seed() -> EmployerRules {
        EmployerRules::from_toml(SEED_TOML).expect("the shipped employer_seed.toml parses")
    }
}

// ---- the facts about a staff member ------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpouseEmployment {
    SameEmployer,
    IncomeElsewhere,
    NoIncome,
}

impl SpouseEmployment {
    fn name_zh(s: Option<SpouseEmployment>) -> &'static str {
        match s {
            Some(SpouseEmployment::SameEmployer) => "夫妻双方均为本单位正式职工",
            Some(SpouseEmployment::IncomeElsewhere) => "另一方在外单位有收入",
            Some(SpouseEmployment::NoIncome) => "另一方无任何收入",
            None => "单亲",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spouse {
    pub birth_date: Date,
    pub employment: SpouseEmployment,
}

/// 独生子女父母光荣证
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub number: String,
    pub issued_on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub date: Date,
    pub amount: Yuan,
    /// Issued by a hospital at county level or above.
    pub county_level_or_above: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retirement {
    /// The day of retirement at the statutory age.
    pub on: Date,
    /// 基本工资, monthly.
    pub basic_wage: Yuan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    /// 人员编号 or staff number.
    pub person_id: String,
    pub sex: Sex,
    pub birth_date: Date,
    /// 正式职工 of this employer.
    pub staff: bool,
    pub spouse: Option<Spouse>,
    pub first_marriage_on: Option<Date>,
    /// The only child's birth date.
    pub only_child_born: Option<Date>,
    pub certificate: Option<Certificate>,
    /// The only child's medical invoices.
    pub invoices: Vec<Invoice>,
    pub retirement: Option<Retirement>,
}

// ---- the statement ---------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owed {
    Days(u32),
    Money { amount: Yuan, months: Option<u32> },
    Nothing,
}

/// One entitlement considered for the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The document's point (一 … 六).
    pub point: String,
    pub label: String,
    pub owed: Owed,
    pub reason: String,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub person_id: String,
    pub year: i32,
    pub employer: String,
    pub lines: Vec<Line>,
}

impl Statement {
    pub fn money_total(&self) -> Yuan {
        self.lines
            .iter()
            .map(|l| match l.owed {
                Owed::Money { amount, .. } => amount,
                _ => Yuan::ZERO,
            })
            .sum()
    }

    pub fn leave_days(&self) -> u32 {
        self.lines
            .iter()
            .map(|l| match l.owed {
                Owed::Days(d) => d,
                _ => 0,
            })
            .sum()
    }

    /// The line with this label (tests, the web page's detail).
    pub fn line(&self, label: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.label == label)
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {}年 人员{}",
            self.employer, self.year, self.person_id
        )?;
        for l in &self.lines {
            let owed = match &l.owed {
                Owed::Days(d) => format!("{d}天"),
                Owed::Money {
                    amount,
                    months: Some(m),
                } => format!("{amount}元（{m}个月）"),
                Owed::Money {
                    amount,
                    months: None,
                } => format!("{amount}元"),
                Owed::Nothing => "无".to_string(),
            };
            writeln!(
                f,
                "  第{}条 {}：{} — {}（{}）",
                l.point, l.label, owed, l.reason, l.reference
            )?;
        }
        write!(
            f,
            "  合计：{}元，假期{}天",
            self.money_total(),
            self.leave_days()
        )
    }
}

// ---- the computation -------------------------------------------------------------

/// What `e` is owed by the employer for `year`, line by line, with the reason of each
/// (also for what is not owed).
pub fn owed(rules: &EmployerRules, e: &Employee, year: i32) -> Statement {
    let mut lines = Vec::new();
    let employer = rules.employer.name.clone();
    if !e.staff {
        lines.push(Line {
            point: "—".into(),
            label: "本单位待遇".into(),
            owed: Owed::Nothing,
            reason: "不是本单位正式职工".into(),
            reference: rules.employer.document.clone(),
        });
        return Statement {
            person_id: e.person_id.clone(),
            year,
            employer,
            lines,
        };
    }
    let spouse = e.spouse.as_ref().map(|s| s.employment);
    leave_lines(rules, e, year, &mut lines);
    if let Some(r) = &rules.health_fee {
        lines.push(health_fee(r, e, spouse, year));
    }
    if let Some(r) = &rules.medical {
        lines.push(medical(r, e, spouse, year));
    }
    if let Some(r) = &rules.pension {
        lines.push(pension(r, e, year));
    }
    if let Some(r) = &rules.one_off_reward {
        lines.push(one_off(r, e, spouse, year));
    }
    Statement {
        person_id: e.person_id.clone(),
        year,
        employer,
        lines,
    }
}

fn mother_birth(e: &Employee) -> Option<Date> {
    match e.sex {
        Sex::Female => Some(e.birth_date),
        _ => e.spouse.as_ref().map(|s| s.birth_date),
    }
}

fn in_window(r: &LeaveRule, day: Date) -> bool {
    r.events_from.is_none_or(|f| day >= f) && r.events_before.is_none_or(|b| day < b)
}

fn leave_lines(rules: &EmployerRules, e: &Employee, year: i32, out: &mut Vec<Line>) {
    use chrono::Datelike;
    let old = &rules.old_rules;
    let late_marriage = e.first_marriage_on.map(|m| {
        let need = match e.sex {
            Sex::Female => old.late_marriage_age_female,
            _ => old.late_marriage_age_male,
        };
        (completed_years(e.birth_date, m), need)
    });
    let late_birth = e
        .only_child_born
        .and_then(|b| mother_birth(e).map(|mb| (completed_years(mb, b), b)));
    // The maternity leave the certificate condition measures: the days of every
    // applicable mother's birth line that does not itself need the certificate.
    let base_maternity: u32 = rules
        .leave
        .iter()
        .filter(|r| r.event == LifeEvent::Birth && r.who == Who::Mother)
        .filter(|r| {
            !r.requires
                .contains(&Condition::CertificateDuringMaternityLeave)
        })
        .filter(|r| {
            e.only_child_born.is_some_and(|b| {
                in_window(r, b)
                    && r.requires.iter().all(|c| match c {
                        Condition::LateBirth => {
                            late_birth.is_some_and(|(age, _)| age >= old.late_birth_age_mother)
                        }
                        _ => true,
                    })
            })
        })
        .map(|r| r.days)
        .sum();
    for r in &rules.leave {
        let event_day = match r.event {
            LifeEvent::Marriage => e.first_marriage_on,
            LifeEvent::Birth => e.only_child_born,
        };
        let Some(day) = event_day else { continue };
        if day.year() != year {
            continue;
        }
        let who_ok = match r.who {
            Who::Any => true,
            Who::Mother => e.sex == Sex::Female,
            Who::Father => e.sex == Sex::Male,
        };
        if !who_ok {
            continue;
        }
        let mut line = Line {
            point: r.point.clone(),
            label: r.label.clone(),
            owed: Owed::Nothing,
            reason: String::new(),
            reference: r.reference.clone(),
        };
        if !in_window(r, day) {
            // Another version of the same line (national maternity leave before
            // and after 2012) applies instead: say nothing about this one.
            if rules
                .leave
                .iter()
                .any(|o| o.label == r.label && o.event == r.event && in_window(o, day))
            {
                continue;
            }
            line.reason = match r.events_before {
                Some(b) if day >= b => format!(
                    "事件日期{day}在{b}之后，此项只适用于旧规定下的婚育（{}）",
                    old.end_reference
                ),
                _ => format!("事件日期{day}不在本项适用期间"),
            };
            out.push(line);
            continue;
        }
        let mut unmet = Vec::new();
        for c in &r.requires {
            match c {
                Condition::LateMarriage => match late_marriage {
                    Some((age, need)) if age >= need => {}
                    Some((age, need)) => {
                        unmet.push(format!("初婚时{age}周岁，未达晚婚年龄{need}周岁"))
                    }
                    None => unmet.push("无初婚日期".to_string()),
                },
                Condition::LateBirth => match late_birth {
                    Some((age, _)) if age >= old.late_birth_age_mother => {}
                    Some((age, _)) => unmet.push(format!(
                        "女方生育时{age}周岁，未达晚育年龄{}周岁",
                        old.late_birth_age_mother
                    )),
                    None => unmet.push("无女方出生日期".to_string()),
                },
                Condition::CertificateDuringMaternityLeave => {
                    let during = e.certificate.as_ref().is_some_and(|c| {
                        c.issued_on >= day
                            && (c.issued_on - day).num_days() < i64::from(base_maternity)
                    });
                    if !during {
                        unmet.push(format!("未在产假（{base_maternity}天）期间领取光荣证"));
                    }
                }
            }
        }
        if unmet.is_empty() {
            line.owed = Owed::Days(r.days);
            line.reason = match r.event {
                LifeEvent::Marriage => format!("{day}结婚"),
                LifeEvent::Birth => format!("{day}生育"),
            };
            if !r.requires.is_empty() {
                line.reason.push_str(&format!("，符合{}", old.reference));
            }
        } else {
            line.reason = unmet.join("；");
        }
        out.push(line);
    }
}

fn health_fee(
    r: &HealthFeeRule,
    e: &Employee,
    spouse: Option<SpouseEmployment>,
    year: i32,
) -> Line {
    let mut line = Line {
        point: r.point.clone(),
        label: r.label.clone(),
        owed: Owed::Nothing,
        reason: String::new(),
        reference: r.reference.clone(),
    };
    let (Some(cert), Some(born)) = (&e.certificate, e.only_child_born) else {
        line.reason = "无独生子女父母光荣证".into();
        return line;
    };
    let birthday = anniversary(born, r.until_child_age);
    let last = if r.birthday_month_counts {
        Month::of(birthday)
    } else {
        Month::of(birthday).prev()
    };
    let first = Month::of(cert.issued_on);
    let months = count_months(first, last, year);
    if months == 0 {
        line.reason = format!(
            "{year}年不在领证之月（{first}）至子女满{}周岁（{birthday}）之间",
            r.until_child_age
        );
        return line;
    }
    let rate = r.amounts.get(spouse);
    let amount = Yuan::from_decimal(rate.as_decimal() * Decimal::from(months));
    line.owed = Owed::Money {
        amount,
        months: Some(months),
    };
    line.reason = format!(
        "{}，每月{rate}元，{months}个月（领证之月{first}起，至子女满{}周岁{birthday}{}止）{}",
        SpouseEmployment::name_zh(spouse),
        r.until_child_age,
        if r.birthday_month_counts {
            "当月"
        } else {
            "前一月"
        },
        if spouse == Some(SpouseEmployment::SameEmployer) {
            "；按户发放一份"
        } else {
            ""
        }
    );
    line
}

/// Months of `year` in `first..=last`.
fn count_months(first: Month, last: Month, year: i32) -> u32 {
    let a = first.max(Month::new(year, 1));
    let b = last.min(Month::new(year, 12));
    if a > b {
        0
    } else {
        a.months_until(b) as u32 + 1
    }
}

fn medical(r: &MedicalRule, e: &Employee, spouse: Option<SpouseEmployment>, year: i32) -> Line {
    use chrono::Datelike;
    let mut line = Line {
        point: r.point.clone(),
        label: r.label.clone(),
        owed: Owed::Nothing,
        reason: String::new(),
        reference: r.reference.clone(),
    };
    if e.certificate.is_none() || e.only_child_born.is_none() {
        line.reason = "无独生子女父母光荣证".into();
        return line;
    }
    let (invoiced, left_out): (Vec<&Invoice>, Vec<&Invoice>) = e
        .invoices
        .iter()
        .filter(|i| i.date.year() == year)
        .partition(|i| i.county_level_or_above || !r.county_level_or_above_only);
    let total: Yuan = invoiced.iter().map(|i| i.amount).sum();
    let share = if spouse == Some(SpouseEmployment::SameEmployer) {
        &r.same_employer
    } else {
        &r.one_parent_here
    };
    let [num, den] = share.share;
    let raw = Yuan::from_decimal(total.as_decimal() * Decimal::from(num) / Decimal::from(den));
    let amount = raw.min(share.yearly_cap);
    line.reason = format!(
        "{}，{year}年县级以上医院发票{total}元 × {num}/{den} = {raw}元{}{}",
        SpouseEmployment::name_zh(spouse),
        if raw > share.yearly_cap {
            format!("，超过全年限额{}元，按限额", share.yearly_cap)
        } else {
            format!("（全年限额{}元）", share.yearly_cap)
        },
        if left_out.is_empty() {
            String::new()
        } else {
            format!("；另有{}张非县级以上医院发票不予报销", left_out.len())
        }
    );
    if !amount.is_zero() {
        line.owed = Owed::Money {
            amount,
            months: None,
        };
    }
    line
}

fn pension(r: &PensionRule, e: &Employee, year: i32) -> Line {
    let mut line = Line {
        point: r.point.clone(),
        label: r.label.clone(),
        owed: Owed::Nothing,
        reason: String::new(),
        reference: r.reference.clone(),
    };
    if e.certificate.is_none() {
        line.reason = "无独生子女父母光荣证".into();
        return line;
    }
    let Some(ret) = &e.retirement else {
        line.reason = "未退休".into();
        return line;
    };
    let first = Month::of(ret.on);
    let months = count_months(first, Month::new(year, 12), year);
    if months == 0 {
        line.reason = format!("{first}退休，{year}年尚未退休");
        return line;
    }
    let monthly = ret
        .basic_wage
        .times(Decimal::from(r.percent_of_basic_wage) / Decimal::from(100));
    let amount = Yuan::from_decimal(monthly.as_decimal() * Decimal::from(months));
    line.owed = Owed::Money {
        amount,
        months: Some(months),
    };
    line.reason = format!(
        "基本工资{}元 × {}% = 每月{monthly}元，自退休之月{first}起{year}年{months}个月",
        ret.basic_wage, r.percent_of_basic_wage
    );
    line
}

fn one_off(r: &OneOffRule, e: &Employee, spouse: Option<SpouseEmployment>, year: i32) -> Line {
    use chrono::Datelike;
    let mut line = Line {
        point: r.point.clone(),
        label: r.label.clone(),
        owed: Owed::Nothing,
        reason: String::new(),
        reference: r.reference.clone(),
    };
    let Some(cert) = &e.certificate else {
        line.reason = "无独生子女父母光荣证".into();
        return line;
    };
    if cert.issued_on.year() != year {
        line.reason = format!("一次性奖励于领证当年（{}）发放", cert.issued_on.year());
        return line;
    }
    let amount = r.amounts.get(spouse);
    line.owed = Owed::Money {
        amount,
        months: None,
    };
    line.reason = format!(
        "{}年{}领证，{}",
        year,
        cert.issued_on,
        SpouseEmployment::name_zh(spouse)
    );
    line
}
