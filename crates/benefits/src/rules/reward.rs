//! 奖励扶助: the rural reward-assistance rule (农村部分计划生育家庭奖励扶助制度) — per
//! parent, per person, for life from the age `reward.min_age` (60).
//!
//! A month is due for a parent when, at the month's start:
//! - `reward.amount` is in force (600 a year from 2004, 960 from 2012, plus top-ups);
//! - the parent is alive (the month of death still counts);
//! - the parent was born on or after `reward.born_on_or_after` (1933-01-01);
//! - the parent has reached `reward.min_age` under `reward.age_rule` (default: from
//!   January of the year they turn 60, as the program pays by year);
//! - the parent is registered in the area;
//! - the family's children qualify: one living child, or two living daughters, or
//!   children who all died (a family that never had a child does not);
//! - attested: the parent's 农业户口 registration, and for the couple no
//!   out-of-policy birth in 1973-2001. When these are missing and nothing else
//!   stands in the way, the determination says which would change it.

use crate::rules::eligibility::{
    absence, area_mask, family_facts, mark_duplicates, merge_repeated, person_facts,
    registration_fact, AgeRule, DueMonth, Finding, MissingFact, MonthTally, Program, Receipt,
    RuleError, Run, ValueLog,
};
use crate::rules::facts::{Family, Register, RegistrationKind};
use crate::rules::money::Yuan;
use crate::rules::month::{anniversary, Month};
use crate::rules::parameters::{Parameters, Unit};
use crate::rules::{Date, Determination};
use renkou_domain::{RegionCode, Sex};

/// The revision of this rule's code, named in every receipt.
pub const RULE: &str = "reward/1";

#[derive(Debug, Clone, Copy)]
struct MonthRule {
    month: Month,
    amount: Option<Yuan>,
    min_age: u32,
    born_on_or_after: Date,
    age_rule: AgeRule,
    confirmed: bool,
}

fn month_rules(
    params: &Parameters,
    year: i32,
    log: &mut ValueLog,
) -> Result<Vec<MonthRule>, RuleError> {
    let unit = params
        .definition("reward.amount")
        .map(|d| d.unit)
        .unwrap_or(Unit::YuanPerYear);
    let mut out = Vec::with_capacity(12);
    for month in Month::year_months(year) {
        let day = month.first_day();
        let Some(amount) = params.amount("reward.amount", day)? else {
            out.push(MonthRule {
                month,
                amount: None,
                min_age: 0,
                born_on_or_after: day,
                age_rule: AgeRule::YearReached,
                confirmed: true,
            });
            continue;
        };
        let mut confirmed = true;
        for part in &amount.parts {
            confirmed &= log.note(*part);
        }
        let slot = match unit {
            Unit::YuanPerMonth => amount.total,
            _ => Yuan::month_share_of_year(amount.total, month.month()),
        };
        let (min_age, f) = params.count("reward.min_age", day)?;
        confirmed &= log.note(f);
        let (born_on_or_after, f) = params.date("reward.born_on_or_after", day)?;
        confirmed &= log.note(f);
        let (rule, f) = params.choice("reward.age_rule", day)?;
        let age_rule = AgeRule::parse("reward.age_rule", rule)?;
        confirmed &= log.note(f);
        out.push(MonthRule {
            month,
            amount: Some(slot),
            min_age,
            born_on_or_after,
            age_rule,
            confirmed,
        });
    }
    Ok(out)
}

/// The reward-assistance run for `area` and `year` over the given families. Persons
/// considered: every parent registered in the area at the start of some month of
/// the year. A parent who comes in two families is decided by the first.
pub fn run(
    register: &Register,
    families: &[Family],
    area: &RegionCode,
    year: i32,
    params: &Parameters,
) -> Result<Run, RuleError> {
    let mut log = ValueLog::default();
    let rules = month_rules(params, year, &mut log)?;
    let values = log.finish();
    let in_area = area_mask(register, area);
    let dec = Month::new(year, 12);
    let mut determinations = Vec::new();
    for family in families {
        for parent in &family.parents {
            let person = parent.person;
            let f = *register.facts(person);
            let mut tally = MonthTally::new();
            let mut any_here = false;
            let mut unconfirmed = false;
            for rule in &rules {
                let m = rule.month;
                let start = m.first_day();
                let region = register.region_at_start_of(person, start);
                let here = region.is_some_and(|r| in_area[r.0 as usize]);
                any_here |= here;
                let Some(amount) = rule.amount else {
                    tally.push(m, Err(Finding::NotInForce));
                    continue;
                };
                if let Some(date) = f.death_date {
                    if m > Month::of(date) {
                        tally.push(m, Err(Finding::Died { date }));
                        continue;
                    }
                }
                if f.birth_date < rule.born_on_or_after {
                    tally.push(
                        m,
                        Err(Finding::BornBefore {
                            limit: rule.born_on_or_after,
                        }),
                    );
                    continue;
                }
                let birthday = anniversary(f.birth_date, rule.min_age as i32);
                if !rule.age_rule.reached(birthday, m) {
                    tally.push(
                        m,
                        Err(Finding::TooYoung {
                            age: rule.min_age,
                            birthday,
                        }),
                    );
                    continue;
                }
                let Some(region) = region.filter(|_| here) else {
                    tally.push(m, Err(absence(register, person, &in_area, m)));
                    continue;
                };
                if let Err(why) = children_qualify(register, family, start) {
                    tally.push(m, Err(why));
                    continue;
                }
                let mut missing = Vec::new();
                match parent.registration.as_ref().map(|a| a.fact.kind) {
                    Some(RegistrationKind::Agricultural) => {}
                    Some(RegistrationKind::NonAgricultural) => {
                        tally.push(m, Err(Finding::NotRural));
                        continue;
                    }
                    None => missing.push(MissingFact::RuralRegistration),
                }
                if family.no_out_of_policy_birth.is_none() {
                    missing.push(MissingFact::NoOutOfPolicyBirth);
                }
                if !missing.is_empty() {
                    tally.missing_only(m, &missing);
                    continue;
                }
                unconfirmed |= !rule.confirmed;
                tally.push(
                    m,
                    Ok(DueMonth {
                        month: m,
                        amount,
                        region,
                    }),
                );
            }
            if !any_here {
                continue;
            }
            let extra = unconfirmed.then_some(Finding::UnconfirmedValues);
            let (due, amount, findings, would_qualify_with, ending) = tally.finish(dec, extra);
            let mut facts = person_facts(register, person);
            facts.extend(registration_fact(parent));
            facts.extend(family_facts(register, family));
            determinations.push(Determination {
                person_id: register.person_id(person).to_string(),
                person,
                program: Program::Reward,
                year,
                due,
                amount,
                findings,
                would_qualify_with,
                ending,
                needs_review: false,
                receipt: Receipt {
                    rule: RULE,
                    parameters_version: params.version(),
                    values: values.clone(),
                    facts,
                },
            });
        }
    }
    let mut determinations = merge_repeated(determinations);
    mark_duplicates(&mut determinations, |p| register.id_number(p));
    Ok(Run {
        program: Program::Reward,
        area: area.clone(),
        year,
        parameters_version: params.version(),
        regions: register.regions().to_vec(),
        determinations,
    })
}

/// One living child, two living daughters, or children who all died — as of the
/// start of `day`. Twins are two children.
fn children_qualify(register: &Register, family: &Family, day: Date) -> Result<(), Finding> {
    let mut ever = 0u32;
    let mut living = 0u32;
    let mut daughters = 0u32;
    for c in &family.children {
        if c.joined_on(register) >= day {
            continue;
        }
        ever += 1;
        let f = register.facts(c.person);
        if f.death_date.is_none_or(|d| d >= day) {
            living += 1;
            if f.sex == Sex::Female {
                daughters += 1;
            }
        }
    }
    match (ever, living, daughters) {
        (0, _, _) => Err(Finding::NoChild),
        (_, 0 | 1, _) | (_, 2, 2) => Ok(()),
        _ => Err(Finding::ChildrenDoNotQualify { living, daughters }),
    }
}
