//! 育儿补贴: the childcare subsidy rule — per child under the age limit (3), any
//! birth order, applied for where the child's household is registered.
//!
//! A month of the year is due for a child when, at the month's start (see
//! [`crate::rules::eligibility`]):
//! - `childcare.amount` is in force (from 2025-01-01; so children born 2022-2024 get
//!   exactly their months still under 3 from 2025-01 on, with no special case);
//! - the child is born: the birth month counts when `childcare.birth_month_counts`;
//! - the child is under `childcare.age_limit`: the month of that birthday counts when
//!   `childcare.limit_month_counts` (default: birth month yes, birthday month no,
//!   which makes 36 months);
//! - the child is alive (the month of death still counts);
//! - the child's household is registered in the area.
//!
//! The amount of a due month is the yearly amount with every top-up in force on the
//! month's first day, as that month's share ([`Yuan::month_share_of_year`]).
//!
//! This is the hot path of the benefits domain: a run reads each person's 16-byte
//! facts once, rejects everyone born outside the window with one date comparison,
//! and does the month work only for the few percent who are small children.

use crate::rules::eligibility::{
    absence, area_mask, mark_duplicates, person_facts, DueMonth, Finding, MonthTally, Program,
    Receipt, RuleError, Run, ValueLog,
};
use crate::rules::facts::{PersonIdx, Register};
use crate::rules::money::Yuan;
use crate::rules::month::{anniversary, Month};
use crate::rules::parameters::{Parameters, Unit};
use crate::rules::{Date, Determination};
use renkou_domain::RegionCode;

/// The revision of this rule's code, named in every receipt.
pub const RULE: &str = "childcare/1";

/// What the parameters say for one month.
#[derive(Debug, Clone, Copy)]
struct MonthRule {
    month: Month,
    /// The month's first day, the day its facts are read on.
    start: Date,
    /// `None`: the subsidy is not in force this month.
    amount: Option<Yuan>,
    age_limit: u32,
    birth_month_counts: bool,
    limit_month_counts: bool,
    confirmed: bool,
}

fn month_rules(
    params: &Parameters,
    year: i32,
    log: &mut ValueLog,
) -> Result<Vec<MonthRule>, RuleError> {
    let unit = params
        .definition("childcare.amount")
        .map(|d| d.unit)
        .unwrap_or(Unit::YuanPerYear);
    let mut rules = Vec::with_capacity(12);
    for month in Month::year_months(year) {
        let day = month.first_day();
        let Some(amount) = params.amount("childcare.amount", day)? else {
            rules.push(MonthRule {
                month,
                start: day,
                amount: None,
                age_limit: 0,
                birth_month_counts: false,
                limit_month_counts: false,
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
        let (age_limit, f) = params.count("childcare.age_limit", day)?;
        confirmed &= log.note(f);
        let (birth_month_counts, f) = params.flag("childcare.birth_month_counts", day)?;
        confirmed &= log.note(f);
        let (limit_month_counts, f) = params.flag("childcare.limit_month_counts", day)?;
        confirmed &= log.note(f);
        rules.push(MonthRule {
            month,
            start: day,
            amount: Some(slot),
            age_limit,
            birth_month_counts,
            limit_month_counts,
            confirmed,
        });
    }
    Ok(rules)
}

/// The childcare-subsidy run for `area` (a county, township or village) and `year`
/// over every person of the register. Persons considered: children whose months
/// from birth to the age limit overlap the year and who are registered in the area
/// at the start of at least one of its months. A year in which the subsidy is not
/// in force at all considers no one.
pub fn run(
    register: &Register,
    area: &RegionCode,
    year: i32,
    params: &Parameters,
) -> Result<Run, RuleError> {
    let mut log = ValueLog::default();
    let rules = month_rules(params, year, &mut log)?;
    let values = log.finish();
    let in_area = area_mask(register, area);
    let mut determinations = Vec::new();
    let Some(max_limit) = rules
        .iter()
        .filter(|r| r.amount.is_some())
        .map(|r| r.age_limit)
        .max()
    else {
        return Ok(empty_run(register, area, year, params));
    };
    let jan = Month::new(year, 1);
    let dec = Month::new(year, 12);
    // One comparison rejects all but the small children: anyone born before this
    // day reached the largest age limit before the year began.
    let earliest = Date::from_ymd_opt(year - max_limit as i32, 1, 1).expect("a valid day");
    let latest = dec.last_day();
    // First the cheap pass over everyone, so the determinations are allocated once.
    let candidates: Vec<u32> = register
        .all_facts()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.birth_date >= earliest && f.birth_date <= latest)
        .map(|(i, _)| i as u32)
        .collect();
    determinations.reserve(candidates.len());
    for i in candidates {
        let person = PersonIdx(i);
        let f = register.facts(person);
        // Most children never move: settle "not in the area" without the month loop.
        if register.moves(person).is_empty() && !in_area[f.region.0 as usize] {
            continue;
        }
        let birth_month = Month::of(f.birth_date);
        if Month::of(anniversary(f.birth_date, max_limit as i32)) < jan {
            continue;
        }
        let mut tally = MonthTally::new();
        let mut any_here = false;
        let mut unconfirmed = false;
        let mut limit_cache: Option<(u32, Date)> = None;
        for rule in &rules {
            let m = rule.month;
            if m < birth_month {
                continue;
            }
            let region = register.region_at_start_of(person, rule.start);
            let here = region.is_some_and(|r| in_area[r.0 as usize]);
            any_here |= here;
            let Some(amount) = rule.amount else {
                tally.push(m, Err(Finding::NotInForce));
                continue;
            };
            if m == birth_month && !rule.birth_month_counts {
                tally.push(m, Err(Finding::BirthMonthNotCounted { month: m }));
                continue;
            }
            let birthday = match limit_cache {
                Some((limit, day)) if limit == rule.age_limit => day,
                _ => {
                    let day = anniversary(f.birth_date, rule.age_limit as i32);
                    limit_cache = Some((rule.age_limit, day));
                    day
                }
            };
            let limit_month = Month::of(birthday);
            if m > limit_month || (m == limit_month && !rule.limit_month_counts) {
                tally.push(m, Err(Finding::AgeLimitReached { birthday }));
                continue;
            }
            if let Some(date) = f.death_date {
                if m > Month::of(date) {
                    tally.push(m, Err(Finding::Died { date }));
                    continue;
                }
            }
            let Some(region) = region.filter(|_| here) else {
                tally.push(m, Err(absence(register, person, &in_area, m)));
                continue;
            };
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
        determinations.push(Determination {
            person_id: register.person_id(person).to_string(),
            person,
            program: Program::Childcare,
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
                facts: person_facts(register, person),
            },
        });
    }
    mark_duplicates(&mut determinations, |p| register.id_number(p));
    debug_assert!(determinations
        .iter()
        .all(|d| d.due.iter().all(|m| m.month.year() == year)));
    Ok(Run {
        program: Program::Childcare,
        area: area.clone(),
        year,
        parameters_version: params.version(),
        regions: register.regions().to_vec(),
        determinations,
    })
}

fn empty_run(register: &Register, area: &RegionCode, year: i32, params: &Parameters) -> Run {
    Run {
        program: Program::Childcare,
        area: area.clone(),
        year,
        parameters_version: params.version(),
        regions: register.regions().to_vec(),
        determinations: Vec::new(),
    }
}
