//! The population pyramid: persons of P (alive, resident or inflow) on one day,
//! by sex and five-year age group 0-4 … 80-84, 85+, for one region.

use crate::input::StatPerson;
use crate::region_table::RegionTable;
use renkou_domain::date::completed_years;
use renkou_domain::{Date, Sex};
use serde::Serialize;

/// Number of five-year groups: 0-4 … 80-84 and the open 85+.
pub const GROUPS: usize = 18;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PyramidGroup {
    /// `"0-4"`, …, `"80-84"`, `"85+"`.
    pub label: String,
    pub age_from: u32,
    /// Inclusive; `None` for 85+.
    pub age_to: Option<u32>,
    pub male: u32,
    pub female: u32,
    /// Sex not recorded: counted so the pyramid sums to P, drawn on neither side.
    pub unknown: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pyramid {
    pub region: u32,
    pub day: Date,
    /// Youngest first.
    pub groups: Vec<PyramidGroup>,
}

impl Pyramid {
    pub fn total(&self) -> u32 {
        self.groups
            .iter()
            .map(|g| g.male + g.female + g.unknown)
            .sum()
    }
}

/// The pyramid of `region` (and everything below it) on `day`; use
/// `period.reference_day()` for "the area and year".
pub fn pyramid(persons: &[StatPerson], regions: &RegionTable, region: u32, day: Date) -> Pyramid {
    let inside: Vec<bool> = (0..regions.len() as u32)
        .map(|r| regions.contains(region, r))
        .collect();
    let mut counts = [[0u32; 3]; GROUPS];
    for p in persons {
        if inside[p.region as usize] && p.in_population_on(day) {
            let g = (completed_years(p.birth_date, day) / 5).clamp(0, GROUPS as i32 - 1) as usize;
            let s = match p.sex {
                Sex::Male => 0,
                Sex::Female => 1,
                Sex::Unknown => 2,
            };
            counts[g][s] += 1;
        }
    }
    let groups = counts
        .iter()
        .enumerate()
        .map(|(g, c)| {
            let from = 5 * g as u32;
            let to = (g + 1 < GROUPS).then_some(from + 4);
            PyramidGroup {
                label: match to {
                    Some(t) => format!("{from}-{t}"),
                    None => format!("{from}+"),
                },
                age_from: from,
                age_to: to,
                male: c[0],
                female: c[1],
                unknown: c[2],
            }
        })
        .collect();
    Pyramid {
        region,
        day,
        groups,
    }
}
