//! The demo county's region tree: townships, villages (scaled with the population)
//! and village groups, with a few effective-dated changes (a merged village, a newly
//! created community) so that date-aware code has something to chew on.

use crate::tables::{NUMERALS, PLACE_FIRST, PLACE_SECOND, SURNAMES};
use chrono::Datelike;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use renkou_domain::{Date, Region, RegionCode};
use std::collections::HashSet;

/// Persons a village holds on average; villages range from 0.4× to 1.6× of it.
const MEAN_VILLAGE: usize = 1500;
/// Village codes run 201..=899 (村委会), so a township holds at most this many.
const MAX_VILLAGES_PER_TOWNSHIP: usize = 690;

/// A village that exists on the reference date and receives households.
#[derive(Debug, Clone)]
pub(crate) struct VillagePlan {
    pub code: RegionCode,
    /// The 12 digits as text, for household numbers.
    pub code_str: String,
    /// How many persons the generator puts here; the plans sum to `spec.persons`.
    pub persons: usize,
    /// Indexes into [`SURNAMES`] of the lineages that dominate this village.
    pub lineages: [usize; 2],
}

pub(crate) struct Tree {
    pub regions: Vec<Region>,
    pub villages: Vec<VillagePlan>,
}

fn jan1(year: i32) -> Date {
    Date::from_ymd_opt(year, 1, 1).expect("1 January exists")
}

/// A two-character place name not yet used (among `used`), with its suffix.
fn place_name(rng: &mut ChaCha8Rng, used: &mut HashSet<String>, suffix: &str) -> String {
    loop {
        let a = PLACE_FIRST[rng.random_range(0..PLACE_FIRST.len())];
        let b = PLACE_SECOND[rng.random_range(0..PLACE_SECOND.len())];
        let name = format!("{a}{b}{suffix}");
        // Very large counties may exhaust two-character names; add a direction.
        if used.insert(name.clone()) {
            return name;
        }
        if used.len() > PLACE_FIRST.len() * PLACE_SECOND.len() / 2 {
            let name = format!(
                "{a}{b}{}{suffix}",
                ["东", "西", "南", "北", "中"][used.len() % 5]
            );
            if used.insert(name.clone()) {
                return name;
            }
        }
    }
}

fn code(s: String) -> RegionCode {
    RegionCode::parse(&s).expect("generated region codes are well formed")
}

pub(crate) fn build(
    rng: &mut ChaCha8Rng,
    county: &RegionCode,
    county_name: &str,
    persons: usize,
    reference: Date,
) -> Tree {
    let prefix = &county.as_str()[..6];
    let townships = (persons / 2000).clamp(1, 20);
    let villages_total = persons
        .div_ceil(MEAN_VILLAGE)
        .max(2 * townships)
        .min(townships * MAX_VILLAGES_PER_TOWNSHIP);
    let merge_date = jan1(reference.year() - 5);
    let community_from = jan1(reference.year() - 8);

    let mut regions = vec![Region {
        code: county.clone(),
        name: county_name.to_string(),
        valid_from: None,
        valid_to: None,
        successor: None,
    }];
    let mut villages = Vec::with_capacity(villages_total);
    let mut township_names = HashSet::new();
    let mut weights = Vec::with_capacity(villages_total);
    let surname_weights: f64 = SURNAMES.iter().map(|s| s.1).sum();
    let pick_surname = |rng: &mut ChaCha8Rng| {
        let mut x = rng.random::<f64>() * surname_weights;
        for (i, s) in SURNAMES.iter().enumerate() {
            x -= s.1;
            if x <= 0.0 {
                return i;
            }
        }
        0
    };

    for t in 0..townships {
        // 镇 codes 1xx, 乡 codes 2xx; two thirds of townships are towns.
        let is_town = t < (townships * 2).div_ceil(3);
        let tcode = if is_town { 101 + t } else { 201 + t };
        let tname = place_name(rng, &mut township_names, if is_town { "镇" } else { "乡" });
        let township = code(format!("{prefix}{tcode:03}000"));
        regions.push(Region {
            code: township.clone(),
            name: tname.clone(),
            valid_from: None,
            valid_to: None,
            successor: None,
        });
        let mut names = HashSet::new();
        // Villages are dealt to townships as evenly as the count allows.
        let n = villages_total / townships + usize::from(t < villages_total % townships);
        let mut live: Vec<(RegionCode, String)> = Vec::with_capacity(n);
        // Village committees (村委会) are numbered from 201.
        let mut next_village = 201;
        for v in 0..n {
            // A town seat has a residents' community (社区, code 001); in the first
            // town it was created during the period, so it has a valid_from.
            let (vcode, vname, from) = if is_town && v == 0 {
                let name = format!("{}社区", &tname[..tname.len() - "镇".len()]);
                let from = (t == 0).then_some(community_from);
                (format!("{}001", township.prefix()), name, from)
            } else {
                let name = place_name(rng, &mut names, "村");
                next_village += 1;
                let c = format!("{}{:03}", township.prefix(), next_village - 1);
                (c, name, None)
            };
            let vc = code(vcode);
            regions.push(Region {
                code: vc.clone(),
                name: vname.clone(),
                valid_from: from,
                valid_to: None,
                successor: None,
            });
            live.push((vc, vname));
        }
        // Every fourth township (and always the first) lost a village in a merger
        // five years ago: its people went to the village before it.
        if (t % 4 == 0) && !live.is_empty() {
            let absorber = live.last().expect("non-empty").0.clone();
            let merged = code(format!("{}{:03}", township.prefix(), next_village));
            let name = place_name(rng, &mut names, "村");
            regions.push(Region {
                code: merged.clone(),
                name,
                valid_from: None,
                valid_to: Some(merge_date),
                successor: Some(absorber.clone()),
            });
            for (g, numeral) in NUMERALS.iter().enumerate().take(3) {
                regions.push(Region {
                    code: code(format!("{}{:03}", merged.as_str(), g + 1)),
                    name: format!("{numeral}组"),
                    valid_from: None,
                    valid_to: Some(merge_date),
                    successor: Some(absorber.clone()),
                });
            }
        }
        for (vc, _) in live {
            let groups = rng.random_range(3..=8);
            for (g, numeral) in NUMERALS.iter().enumerate().take(groups) {
                regions.push(Region {
                    code: code(format!("{}{:03}", vc.as_str(), g + 1)),
                    name: format!("{numeral}组"),
                    valid_from: None,
                    valid_to: None,
                    successor: None,
                });
            }
            weights.push(rng.random_range(0.4..1.6));
            villages.push(VillagePlan {
                code_str: vc.as_str().to_string(),
                code: vc,
                persons: 0,
                lineages: [pick_surname(rng), pick_surname(rng)],
            });
        }
    }

    // Share the persons out by weight, the rounding remainder to the first villages,
    // so the plans sum to exactly `persons`.
    let total_w: f64 = weights.iter().sum();
    let mut given = 0;
    for (v, w) in villages.iter_mut().zip(&weights) {
        v.persons = ((persons as f64) * w / total_w).floor() as usize;
        given += v.persons;
    }
    let nv = villages.len();
    for i in 0..persons - given {
        villages[i % nv].persons += 1;
    }
    Tree { regions, villages }
}
