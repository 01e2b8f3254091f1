//! 特别扶助: the special-assistance rule (计划生育家庭特别扶助制度) — per parent of an
//! only child (born or legally adopted) who died or is disabled grade 3 or worse,
//! per person per month, by died / disabled and urban / rural.
//!
//! A month is due for a parent when, at the month's start:
//! - the parent is alive (the month of death still counts) and was born on or after
//!   `special.born_on_or_after`;
//! - the mother — or, in a one-parent family, that parent — has reached
//!   `special.mother_min_age` (49) under `special.age_rule`;
//! - the parent is registered in the area;
//! - the family has had exactly one child (born, or adopted: a second birth or
//!   adoption ends it); an adopted only child needs its legal adoption attested;
//! - that child died before the month, or has an attested disability of grade
//!   `special.max_disability_grade` (3) or worse issued before the month (a child
//!   who dies after being disabled moves the family to the death standard the month
//!   after);
//! - the parent's household registration type is attested, which picks
//!   `special.amount.{urban|rural}.{death|disability}`. Amounts after the 2014
//!   national baseline are the county's layers; unconfirmed ones are flagged.

use crate::rules::eligibility::{
    absence, area_mask, family_facts, mark_duplicates, merge_repeated, person_facts,
    registration_fact, AgeRule, DueMonth, Finding, MissingFact, MonthTally, Program, Receipt,
    RuleError, Run, ValueLog,
};
use crate::rules::facts::{ChildOrigin, Family, Register, RegistrationKind};
use crate::rules::money::Yuan;
use crate::rules::month::{anniversary, Month};
use crate::rules::parameters::Parameters;
use crate::rules::{Date, Determination};
use renkou_domain::{RegionCode, Sex};

/// The revision of this rule's code, named in every receipt.
pub const RULE: &str = "special/1";

const AMOUNT_KEYS: [[&str; 2]; 2] = [
    // [urban, rural] × [disability, death]
    [
        "special.amount.urban.disability",
        "special.amount.urban.death",
    ],
    [
        "special.amount.rural.disability",
        "special.amount.rural.death",
    ],
];

#[derive(Debug, Clone, Copy)]
struct MonthRule {
    month: Month,
    /// Indexed `[rural][death]`; `None` where not in force.
    amounts: [[Option<(Yuan, bool)>; 2]; 2],
    /// `None`: the conditions have no values this month (not in force at all).
    conditions: Option<Conditions>,
}

#[derive(Debug, Clone, Copy)]
struct Conditions {
    mother_min_age: u32,
    max_grade: u32,
    born_on_or_after: Date,
    age_rule: AgeRule,
    confirmed: bool,
}

fn month_rules(
    params: &Parameters,
    year: i32,
    log: &mut ValueLog,
) -> Result<Vec<MonthRule>, RuleError> {
    let mut out = Vec::with_capacity(12);
    for month in Month::year_months(year) {
        let day = month.first_day();
        let mut amounts = [[None; 2]; 2];
        for (rural, keys) in AMOUNT_KEYS.iter().enumerate() {
            for (death, key) in keys.iter().enumerate() {
                if let Some(a) = params.amount(key, day)? {
                    let mut confirmed = true;
                    for part in &a.parts {
                        confirmed &= log.note(*part);
                    }
                    // Monthly amounts; a yearly one (a county's own table) pays its
                    // month share.
                    let unit = params.definition(key).map(|d| d.unit);
                    let slot = match unit {
                        Some(crate::rules::parameters::Unit::YuanPerYear) => {
                            Yuan::month_share_of_year(a.total, month.month())
                        }
                        _ => a.total,
                    };
                    amounts[rural][death] = Some((slot, confirmed));
                }
            }
        }
        let conditions = if amounts.iter().flatten().any(Option::is_some) {
            let (mother_min_age, f1) = params.count("special.mother_min_age", day)?;
            let (max_grade, f2) = params.count("special.max_disability_grade", day)?;
            let (born_on_or_after, f3) = params.date("special.born_on_or_after", day)?;
            let (rule, f4) = params.choice("special.age_rule", day)?;
            let age_rule = AgeRule::parse("special.age_rule", rule)?;
            let mut confirmed = true;
            for f in [f1, f2, f3, f4] {
                confirmed &= log.note(f);
            }
            Some(Conditions {
                mother_min_age,
                max_grade,
                born_on_or_after,
                age_rule,
                confirmed,
            })
        } else {
            None
        };
        out.push(MonthRule {
            month,
            amounts,
            conditions,
        });
    }
    Ok(out)
}

/// The special-assistance run for `area` and `year` over the given families.
/// Persons considered: every parent registered in the area at the start of some
/// month of the year.
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
        // Whose age counts: the mother, or the one parent of a one-parent family.
        let age_of = if family.parents.len() == 1 {
            Some(register.facts(family.parents[0].person).birth_date)
        } else {
            family
                .parents
                .iter()
                .map(|p| register.facts(p.person))
                .find(|f| f.sex == Sex::Female)
                .map(|f| f.birth_date)
        };
        for parent in &family.parents {
            let person = parent.person;
            let f = *register.facts(person);
            let mut tally = MonthTally::new();
            let mut any_here = false;
            let mut unconfirmed = false;
            let mut categories: Vec<Finding> = Vec::new();
            for rule in &rules {
                let m = rule.month;
                let start = m.first_day();
                let region = register.region_at_start_of(person, start);
                let here = region.is_some_and(|r| in_area[r.0 as usize]);
                any_here |= here;
                let Some(c) = rule.conditions else {
                    tally.push(m, Err(Finding::NotInForce));
                    continue;
                };
                if let Some(date) = f.death_date {
                    if m > Month::of(date) {
                        tally.push(m, Err(Finding::Died { date }));
                        continue;
                    }
                }
                if f.birth_date < c.born_on_or_after {
                    tally.push(
                        m,
                        Err(Finding::BornBefore {
                            limit: c.born_on_or_after,
                        }),
                    );
                    continue;
                }
                let Some(mother_birth) = age_of else {
                    tally.push(m, Err(Finding::MotherUnknown));
                    continue;
                };
                let birthday = anniversary(mother_birth, c.mother_min_age as i32);
                if !c.age_rule.reached(birthday, m) {
                    tally.push(
                        m,
                        Err(Finding::TooYoung {
                            age: c.mother_min_age,
                            birthday,
                        }),
                    );
                    continue;
                }
                let Some(region) = region.filter(|_| here) else {
                    tally.push(m, Err(absence(register, person, &in_area, m)));
                    continue;
                };
                let mut missing = Vec::new();
                let death = match only_child(register, family, start, c.max_grade) {
                    Ok((death, adoption_missing)) => {
                        if adoption_missing {
                            missing.push(MissingFact::LegalAdoption);
                        }
                        death
                    }
                    Err(why) => {
                        tally.push(m, Err(why));
                        continue;
                    }
                };
                let rural = match parent.registration.as_ref().map(|a| a.fact.kind) {
                    Some(RegistrationKind::Agricultural) => Some(true),
                    Some(RegistrationKind::NonAgricultural) => Some(false),
                    None => {
                        missing.push(MissingFact::RegistrationKind);
                        None
                    }
                };
                if !missing.is_empty() {
                    tally.missing_only(m, &missing);
                    continue;
                }
                let rural = rural.expect("known when nothing is missing");
                let Some((amount, confirmed)) = rule.amounts[rural as usize][death as usize] else {
                    tally.push(m, Err(Finding::NotInForce));
                    continue;
                };
                unconfirmed |= !confirmed || !c.confirmed;
                let category = Finding::SpecialCategory {
                    rural,
                    death,
                    from: m,
                };
                let same = |f: &Finding| matches!(f, Finding::SpecialCategory { rural: r, death: d, .. } if *r == rural && *d == death);
                if !categories.last().is_some_and(same) {
                    categories.push(category);
                }
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
            let mut extra = categories;
            if unconfirmed {
                extra.push(Finding::UnconfirmedValues);
            }
            let (due, amount, findings, would_qualify_with, ending) = tally.finish(dec, extra);
            let mut facts = person_facts(register, person);
            facts.extend(registration_fact(parent));
            facts.extend(family_facts(register, family));
            determinations.push(Determination {
                person_id: register.person_id(person).to_string(),
                person,
                program: Program::Special,
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
        program: Program::Special,
        area: area.clone(),
        year,
        parameters_version: params.version(),
        regions: register.regions().to_vec(),
        determinations,
    })
}

/// The family's only child as of the start of `day`: `Ok((died, adoption
/// unattested))`, or why the family is not an only-child family in this state.
fn only_child(
    register: &Register,
    family: &Family,
    day: Date,
    max_grade: u32,
) -> Result<(bool, bool), Finding> {
    let joined: Vec<_> = family
        .children
        .iter()
        .filter(|c| c.joined_on(register) < day)
        .collect();
    let child = match joined.as_slice() {
        [] => return Err(Finding::NoChild),
        [one] => *one,
        more => {
            return Err(Finding::MoreThanOneChild {
                children: more.len() as u32,
            })
        }
    };
    let adoption_missing = matches!(child.origin, ChildOrigin::Adopted(None));
    let f = register.facts(child.person);
    if f.death_date.is_some_and(|d| d < day) {
        return Ok((true, adoption_missing));
    }
    match &child.disability {
        Some(d) if d.fact.since < day => {
            if u32::from(d.fact.grade) <= max_grade {
                Ok((false, adoption_missing))
            } else {
                Err(Finding::DisabilityTooLight {
                    grade: d.fact.grade,
                    max_grade,
                })
            }
        }
        _ => Err(Finding::ChildNotDeceasedOrDisabled),
    }
}
