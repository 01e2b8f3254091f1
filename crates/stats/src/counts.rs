//! The counts every built-in indicator is computed from, per region and period:
//! one pass over the persons that adds each person to their own region's
//! [`Counts`], then a roll-up that adds every region into its parent.
//!
//! Everything here follows the "Terms" of indicators.md: P and W on the period's
//! reference day (see [`crate::period`]), B and D by the region a person is
//! registered in whatever their residence, mother's age in completed years at the
//! child's birth, birth order as the register derives it.

use crate::input::StatPerson;
use crate::period::Period;
use crate::region_table::RegionTable;
use chrono::Datelike;
use renkou_domain::date::completed_years;
use renkou_domain::{Date, Sex};
use std::ops::AddAssign;

/// Five-year age groups of women 15-49: index `(age − 15) / 5`.
pub const FERTILE_GROUPS: usize = 7;

/// The counts of one region in one period. Additive: a township's counts are its
/// own persons' plus its villages'.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// P: alive on the reference day, resident or inflow.
    pub population: u32,
    /// W(a): women in P aged 15+5a .. 19+5a completed years on the reference day.
    pub women: [u32; FERTILE_GROUPS],
    /// B: born in the period, whatever their residence or survival.
    pub births: u32,
    pub births_male: u32,
    pub births_female: u32,
    /// B(a): births whose linked mother was 15+5a .. 19+5a at the birth.
    pub births_by_mother_age: [u32; FERTILE_GROUPS],
    /// Births of order 1, 2 and 3+ (any sex); unknown order counts in none.
    pub births_by_order: [u32; 3],
    pub births_by_order_male: [u32; 3],
    pub births_by_order_female: [u32; 3],
    /// D: died in the period.
    pub deaths: u32,
}

impl Counts {
    /// Women 15-49 (the GFR denominator).
    pub fn women_15_49(&self) -> u32 {
        self.women.iter().sum()
    }

    /// Births of known order (the denominator of the order shares).
    pub fn births_known_order(&self) -> u32 {
        self.births_by_order.iter().sum()
    }

    /// Births whose mother was 15-49 at the birth (the count behind the TFR).
    pub fn births_mother_15_49(&self) -> u32 {
        self.births_by_mother_age.iter().sum()
    }
}

impl AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, o: &Counts) {
        self.population += o.population;
        self.births += o.births;
        self.births_male += o.births_male;
        self.births_female += o.births_female;
        self.deaths += o.deaths;
        for i in 0..FERTILE_GROUPS {
            self.women[i] += o.women[i];
            self.births_by_mother_age[i] += o.births_by_mother_age[i];
        }
        for i in 0..3 {
            self.births_by_order[i] += o.births_by_order[i];
            self.births_by_order_male[i] += o.births_by_order_male[i];
            self.births_by_order_female[i] += o.births_by_order_female[i];
        }
    }
}

/// The rolled-up counts of every region of a table for one period: `counts[i]` is
/// region `i` of the [`RegionTable`] including everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCounts {
    pub period: Period,
    pub counts: Vec<Counts>,
}

impl RegionCounts {
    pub fn get(&self, region: u32) -> &Counts {
        &self.counts[region as usize]
    }
}

/// Counts every region of `regions` for one period. Panics if a person's region
/// index is not an index of `regions` (the store resolved it from this table).
pub fn count(persons: &[StatPerson], regions: &RegionTable, period: Period) -> RegionCounts {
    count_periods(persons, regions, &[period])
        .pop()
        .expect("one period in, one out")
}

/// Counts several periods in one pass over the persons (the ten years of a trend
/// chart cost one pass, not ten).
pub fn count_periods(
    persons: &[StatPerson],
    regions: &RegionTable,
    periods: &[Period],
) -> Vec<RegionCounts> {
    let n = regions.len();
    let specs: Vec<PeriodSpec> = periods.iter().map(PeriodSpec::new).collect();
    let mut out: Vec<Vec<Counts>> = vec![vec![Counts::default(); n]; periods.len()];
    for p in persons {
        let r = p.region as usize;
        assert!(
            r < n,
            "person's region index {r} is outside the region table"
        );
        for (spec, counts) in specs.iter().zip(out.iter_mut()) {
            add_person(&mut counts[r], p, spec);
        }
    }
    for counts in &mut out {
        roll_up(counts, regions);
    }
    periods
        .iter()
        .zip(out)
        .map(|(&period, counts)| RegionCounts { period, counts })
        .collect()
}

/// Adds every region's counts into its parent's, children first. Relies on the
/// table's order (parents before children).
pub fn roll_up<T: Clone + for<'a> AddAssign<&'a T>>(counts: &mut [T], regions: &RegionTable) {
    for i in (0..counts.len()).rev() {
        if let Some(parent) = regions.parents()[i] {
            let child = counts[i].clone();
            counts[parent as usize] += &child;
        }
    }
}

/// What the inner loop needs of a period, computed once.
struct PeriodSpec {
    first: Date,
    last: Date,
    reference: Date,
    /// The reference day as (year, month·32 + day), for a branch-light age.
    ref_year: i32,
    ref_md: u32,
}

impl PeriodSpec {
    fn new(p: &Period) -> Self {
        let reference = p.reference_day();
        PeriodSpec {
            first: p.first_day(),
            last: p.last_day(),
            reference,
            ref_year: reference.year(),
            ref_md: reference.month() * 32 + reference.day(),
        }
    }

    /// Completed years on the reference day, the same as `completed_years`.
    #[inline]
    fn age_on_reference(&self, birth: Date) -> i32 {
        let md = birth.month() * 32 + birth.day();
        self.ref_year - birth.year() - i32::from(self.ref_md < md)
    }
}

#[inline]
fn add_person(c: &mut Counts, p: &StatPerson, s: &PeriodSpec) {
    if p.in_population_on(s.reference) {
        c.population += 1;
        if p.sex == Sex::Female {
            let age = s.age_on_reference(p.birth_date);
            if (15..=49).contains(&age) {
                c.women[((age - 15) / 5) as usize] += 1;
            }
        }
    }
    if s.first <= p.birth_date && p.birth_date <= s.last {
        add_birth(c, p);
    }
    if let Some(d) = p.death_date {
        if s.first <= d && d <= s.last {
            c.deaths += 1;
        }
    }
}

// Births are rare (about 1% of persons a year): keep them out of the hot path.
#[inline(never)]
fn add_birth(c: &mut Counts, p: &StatPerson) {
    c.births += 1;
    match p.sex {
        Sex::Male => c.births_male += 1,
        Sex::Female => c.births_female += 1,
        Sex::Unknown => {}
    }
    if let Some(mb) = p.mother_birth_date {
        let age = completed_years(mb, p.birth_date);
        if (15..=49).contains(&age) {
            c.births_by_mother_age[((age - 15) / 5) as usize] += 1;
        }
    }
    if let Some(order) = p.birth_order.filter(|&o| o >= 1) {
        let k = (order.min(3) - 1) as usize;
        c.births_by_order[k] += 1;
        match p.sex {
            Sex::Male => c.births_by_order_male[k] += 1,
            Sex::Female => c.births_by_order_female[k] += 1,
            Sex::Unknown => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_age_agrees_with_completed_years() {
        let d = |y, m, dd| Date::from_ymd_opt(y, m, dd).unwrap();
        for period in [
            Period::year(2023),
            Period::year(2024),
            Period::month(2024, 2).unwrap(),
            Period::quarter(2025, 1).unwrap(),
        ] {
            let s = PeriodSpec::new(&period);
            let mut b = d(1970, 1, 1);
            while b <= d(2025, 12, 31) {
                assert_eq!(
                    s.age_on_reference(b),
                    completed_years(b, s.reference),
                    "{b} on {}",
                    s.reference
                );
                b = b.succ_opt().unwrap();
            }
        }
    }
}
