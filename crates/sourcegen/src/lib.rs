//! renkou-sourcegen: a second, independent generator of birth sources, to measure the
//! linkage engine on data it was not tuned on.
//!
//! It owns its own world (counties on unassigned address codes with uneven villages,
//! mothers with histories, deliveries with twins and triplets, names given late), its
//! own name lists and ID numbers ([`names`], [`ids`]) and its own error model and
//! rates ([`Rates`]) for a village ledger (村台帐) and a hospital birth register
//! (出生医学证明). Nothing here is shared with `renkou_linkage::generate`, on
//! purpose: an engine measured only on the habits of the data it was tuned on proves
//! little.
//!
//! The output rows have the columns of births.csv, as strings, exactly as a source
//! would write them (malformed where the source is). The truth is kept aside per row:
//! the child, the delivery and the mother it describes.

pub mod ids;
pub mod names;

use chrono::{Datelike, Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

/// One row of births.csv as a source wrote it. Empty string = not given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    pub record_id: String,
    pub child_name: String,
    pub child_sex: String,
    pub birth_date: String,
    pub birth_order: String,
    pub mother_name: String,
    pub mother_id_number: String,
    pub mother_birth_date: String,
    pub father_name: String,
    pub father_id_number: String,
    pub region_code: String,
    pub place: String,
    pub source: String,
}

/// What a row really describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Truth {
    /// The child (one per live birth).
    pub child: u32,
    /// The delivery (twins and triplets share one).
    pub delivery: u32,
    pub mother: u32,
}

/// How a source is wrong, per row. The defaults are this generator's own and differ
/// on purpose from those of the engine's generator.
#[derive(Debug, Clone, Serialize)]
pub struct Rates {
    /// Twin deliveries per delivery, and triplets.
    pub twins: f64,
    pub triplets: f64,
    /// Second twin born after midnight (the next day).
    pub twin_next_day: f64,
    /// Mothers with a second delivery inside the year (only possible early in it).
    pub second_delivery: f64,
    /// Mothers born before 1984 still registered under a 15-digit number.
    pub legacy_mother: f64,

    pub ledger_missing: f64,
    /// Rows entered twice: copied with a typo in one copy, re-entered once the child
    /// had a name, or listed by two villages after a move.
    pub ledger_copied: f64,
    pub ledger_renamed: f64,
    pub ledger_moved: f64,
    /// A child's name not yet known when the row was written (singletons, and the
    /// children of a multiple delivery, whose names come later).
    pub ledger_name_late: f64,
    pub ledger_name_late_multiple: f64,
    pub ledger_baby_name: f64,
    pub ledger_name_sound: f64,
    pub ledger_name_look: f64,
    pub ledger_name_short: f64,
    pub ledger_day_off: f64,
    pub ledger_impossible_date: f64,
    pub ledger_order_off: f64,
    pub ledger_order_missing: f64,
    /// Both children of a twin delivery written with the same birth order.
    pub ledger_twins_same_order: f64,
    pub ledger_sex_missing: f64,
    pub ledger_sex_wrong: f64,
    pub ledger_mother_sound: f64,
    pub ledger_mother_id_missing: f64,
    pub ledger_mother_id_digit: f64,
    pub ledger_mother_id_swap: f64,
    pub ledger_mother_id_check: f64,
    pub ledger_mother_id_date: f64,
    pub ledger_mother_id_dropped: f64,
    /// A legacy mother's number written in its 15-digit form.
    pub ledger_legacy_written: f64,
    pub ledger_mother_birth_missing: f64,
    pub ledger_father_missing: f64,
    pub ledger_father_id_missing: f64,
    pub ledger_village_wrong: f64,
    pub ledger_village_unknown: f64,
    pub ledger_township_only: f64,

    pub hospital_home_birth: f64,
    /// Deliveries the register lacks (entered nowhere, or the mother delivered
    /// elsewhere): all children of the delivery are missing together, since the
    /// certificates of one delivery are issued together.
    pub hospital_missing: f64,
    /// A single certificate lost.
    pub hospital_child_missing: f64,
    /// Births of mothers from outside the generated area, per birth in it.
    pub hospital_outsiders: f64,
    pub hospital_name_late: f64,
    /// "李丽之女": the mother's name and the child's sex instead of a name.
    pub hospital_name_of_mother: f64,
    pub hospital_baby_name: f64,
    pub hospital_day_off: f64,
    pub hospital_order_off: f64,
    pub hospital_mother_sound: f64,
    pub hospital_mother_id_missing: f64,
    pub hospital_mother_id_digit: f64,
    pub hospital_mother_id_check: f64,
    pub hospital_legacy_written: f64,
    pub hospital_mother_birth_missing: f64,
    pub hospital_father_missing: f64,
    pub hospital_father_id_missing: f64,
    /// The mother's household-registration county instead of where she lives.
    pub hospital_hukou_county: f64,
    pub hospital_village_wrong: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            twins: 0.010,
            triplets: 0.0002,
            twin_next_day: 0.03,
            second_delivery: 0.006,
            legacy_mother: 0.30,

            ledger_missing: 0.04,
            ledger_copied: 0.007,
            ledger_renamed: 0.002,
            ledger_moved: 0.001,
            ledger_name_late: 0.18,
            ledger_name_late_multiple: 0.50,
            ledger_baby_name: 0.07,
            ledger_name_sound: 0.025,
            ledger_name_look: 0.004,
            ledger_name_short: 0.008,
            ledger_day_off: 0.012,
            ledger_impossible_date: 0.002,
            ledger_order_off: 0.03,
            ledger_order_missing: 0.025,
            ledger_twins_same_order: 0.08,
            ledger_sex_missing: 0.01,
            ledger_sex_wrong: 0.003,
            ledger_mother_sound: 0.02,
            ledger_mother_id_missing: 0.04,
            ledger_mother_id_digit: 0.015,
            ledger_mother_id_swap: 0.007,
            ledger_mother_id_check: 0.01,
            ledger_mother_id_date: 0.004,
            ledger_mother_id_dropped: 0.004,
            ledger_legacy_written: 0.6,
            ledger_mother_birth_missing: 0.25,
            ledger_father_missing: 0.25,
            ledger_father_id_missing: 0.5,
            ledger_village_wrong: 0.01,
            ledger_village_unknown: 0.005,
            ledger_township_only: 0.01,

            hospital_home_birth: 0.015,
            hospital_missing: 0.012,
            hospital_child_missing: 0.001,
            hospital_outsiders: 0.04,
            hospital_name_late: 0.62,
            hospital_name_of_mother: 0.10,
            hospital_baby_name: 0.03,
            hospital_day_off: 0.002,
            hospital_order_off: 0.05,
            hospital_mother_sound: 0.01,
            hospital_mother_id_missing: 0.01,
            hospital_mother_id_digit: 0.006,
            hospital_mother_id_check: 0.005,
            hospital_legacy_written: 0.8,
            hospital_mother_birth_missing: 0.05,
            hospital_father_missing: 0.35,
            hospital_father_id_missing: 0.6,
            hospital_hukou_county: 0.02,
            hospital_village_wrong: 0.01,
        }
    }
}

/// The size and shape of what is generated.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub seed: u64,
    /// Live births over the year (children, not deliveries), before sources drop rows.
    pub births: usize,
    pub year: i32,
    /// Counties (each on its own unassigned code 4299xx) and townships per county;
    /// villages per township vary between 6 and 28.
    pub counties: u32,
    pub townships_per_county: u32,
    pub rates: Rates,
}

impl Config {
    /// A township's year: about 1,000 births.
    pub fn township(seed: u64) -> Config {
        Config {
            seed,
            births: 1_000,
            year: 2024,
            counties: 1,
            townships_per_county: 1,
            rates: Rates::default(),
        }
    }
    /// A county's year: about 16,000 births in 18 townships.
    pub fn county(seed: u64) -> Config {
        Config {
            births: 16_000,
            townships_per_county: 18,
            ..Config::township(seed)
        }
    }
    /// A prefecture's year: about 100,000 births in 6 counties.
    pub fn prefecture(seed: u64) -> Config {
        Config {
            births: 100_000,
            counties: 6,
            townships_per_county: 18,
            ..Config::township(seed)
        }
    }
}

/// The generated sources and their truth (row by row).
#[derive(Debug, Clone)]
pub struct Sources {
    pub ledger: Vec<Row>,
    pub ledger_truth: Vec<Truth>,
    pub hospital: Vec<Row>,
    pub hospital_truth: Vec<Truth>,
    /// Live births and deliveries in the area (the truth behind both sources).
    pub births: usize,
    pub deliveries: usize,
    pub twin_deliveries: usize,
    pub triplet_deliveries: usize,
}

#[derive(Debug, Clone)]
struct Village {
    code: String,
    township: String,
    weight: f64,
}

#[derive(Debug, Clone)]
struct Mother {
    name: String,
    id: String,
    legacy: bool,
    born: NaiveDate,
    father_name: String,
    father_id: String,
    village: usize,
    /// Live children before the year.
    earlier: u32,
}

#[derive(Debug, Clone)]
struct Child {
    delivery: u32,
    mother: u32,
    male: bool,
    name: String,
    date: NaiveDate,
    order: u32,
    /// 0 for a singleton, else the delivery's size.
    multiple: u32,
    /// Position within the delivery (0 first-born).
    nth: u32,
    place: String,
}

const HOSPITALS: &[(&str, bool)] = &[
    // (name, records only the township)
    ("市第一人民医院", false),
    ("县妇幼保健计划生育服务中心", true),
    ("县第二人民医院", false),
    ("中心卫生院", false),
    ("民营博爱妇产医院", false),
];

fn county_code(k: u32) -> u32 {
    429901 + k
}

fn build_villages(rng: &mut ChaCha20Rng, cfg: &Config) -> Vec<Village> {
    let mut out = Vec::new();
    for c in 0..cfg.counties.max(1) {
        for t in 0..cfg.townships_per_county.max(1) {
            // Towns (1xx) and townships (2xx), as statistical codes number them.
            let tcode = if t % 3 == 2 { 200 + t } else { 100 + t };
            let township = format!("{:06}{:03}000", county_code(c), tcode);
            let n = rng.random_range(6..=28);
            for v in 0..n {
                // Residents' committees (0xx) in the seat, villages (2xx) elsewhere.
                let vcode = if v < 2 { 1 + v } else { 200 + v };
                let weight: f64 = 0.3 + rng.random::<f64>() * rng.random::<f64>() * 3.0;
                out.push(Village {
                    code: format!("{}{:03}", &township[..9], vcode),
                    township: township.clone(),
                    weight,
                });
            }
        }
    }
    out
}

fn pick_village(rng: &mut ChaCha20Rng, cumulative: &[f64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(1.0);
    let x = rng.random::<f64>() * total;
    cumulative
        .partition_point(|&c| c < x)
        .min(cumulative.len() - 1)
}

fn day_of_year(rng: &mut ChaCha20Rng, year: i32) -> NaiveDate {
    // A mild autumn peak: draw twice and keep the later one now and then.
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let days = if NaiveDate::from_ymd_opt(year, 12, 31).is_some_and(|d| d.ordinal() == 366) {
        366
    } else {
        365
    };
    let mut d = rng.random_range(0..days);
    if rng.random_bool(0.15) {
        d = d.max(rng.random_range(0..days));
    }
    start + Duration::days(d as i64)
}

fn new_mother(rng: &mut ChaCha20Rng, year: i32, village: usize, home: u32, seq: u32) -> Mother {
    let age = rng.random_range(18..=44);
    let born = NaiveDate::from_ymd_opt(year - age, 1, 1).unwrap_or_default()
        + Duration::days(rng.random_range(0..365));
    let address = if rng.random_bool(0.7) {
        home
    } else {
        ids::ELSEWHERE[rng.random_range(0..ids::ELSEWHERE.len())]
    };
    let id = ids::compose(address, born, seq, false);
    let legacy = born.year() < 1984 && rng.random_bool(0.30);
    let father_born = born + Duration::days(rng.random_range(-2000..900));
    let father_addr = if rng.random_bool(0.75) {
        home
    } else {
        ids::ELSEWHERE[rng.random_range(0..ids::ELSEWHERE.len())]
    };
    let earlier = match rng.random_range(0..100) {
        0..=41 => 0,
        42..=81 => 1,
        82..=95 => 2,
        _ => 3,
    };
    Mother {
        name: names::adult(rng, false),
        id,
        legacy,
        born,
        father_name: names::adult(rng, true),
        father_id: ids::compose(father_addr, father_born, seq.wrapping_mul(7) + 3, true),
        village,
        earlier,
    }
}

fn place_for(rng: &mut ChaCha20Rng, rates: &Rates) -> String {
    if rng.random_bool(rates.hospital_home_birth) {
        "home".to_string()
    } else {
        let w = [30u32, 30, 15, 15, 10];
        let mut k = rng.random_range(0..w.iter().sum::<u32>());
        for (i, x) in w.iter().enumerate() {
            if k < *x {
                return HOSPITALS[i].0.to_string();
            }
            k -= x;
        }
        HOSPITALS[0].0.to_string()
    }
}

/// The births of the area, deterministic by seed.
fn world(rng: &mut ChaCha20Rng, cfg: &Config) -> (Vec<Village>, Vec<Mother>, Vec<Child>) {
    let villages = build_villages(rng, cfg);
    let mut acc = 0.0;
    let cumulative: Vec<f64> = villages
        .iter()
        .map(|v| {
            acc += v.weight;
            acc
        })
        .collect();
    let r = &cfg.rates;
    let mut mothers: Vec<Mother> = Vec::new();
    let mut children: Vec<Child> = Vec::new();
    let mut delivery = 0u32;
    while children.len() < cfg.births {
        let v = pick_village(rng, &cumulative);
        let home: u32 = villages[v].code[..6].parse().unwrap_or(429901);
        let m = mothers.len() as u32;
        mothers.push(new_mother(rng, cfg.year, v, home, m));
        let mut date = day_of_year(rng, cfg.year);
        let mut deliveries = 1;
        if date.ordinal() < 50 && rng.random_bool((r.second_delivery * 8.0).min(1.0)) {
            deliveries = 2;
        }
        let mut born_before = mothers[m as usize].earlier;
        for k in 0..deliveries {
            if k == 1 {
                date += Duration::days(rng.random_range(290..320));
                if date.year() != cfg.year {
                    break;
                }
            }
            let x: f64 = rng.random();
            let size = if x < r.triplets {
                3
            } else if x < r.triplets + r.twins {
                2
            } else {
                1
            };
            let sexes: Vec<bool> = (0..size).map(|_| rng.random_bool(0.52)).collect();
            let given = names::siblings(rng, &sexes);
            let mother = &mothers[m as usize];
            let surname_src = if rng.random_bool(0.9) {
                &mother.father_name
            } else {
                &mother.name
            };
            let surname: String = surname_src
                .chars()
                .take(names::surname_chars(surname_src))
                .collect();
            let place = place_for(rng, r);
            let next_day = size > 1 && rng.random_bool(r.twin_next_day);
            for (c, (male, g)) in sexes.iter().zip(given).enumerate() {
                let d = if next_day && c == size - 1 {
                    date + Duration::days(1)
                } else {
                    date
                };
                children.push(Child {
                    delivery,
                    mother: m,
                    male: *male,
                    name: format!("{surname}{g}"),
                    date: d,
                    order: born_before + 1 + c as u32,
                    multiple: if size > 1 { size as u32 } else { 0 },
                    nth: c as u32,
                    place: place.clone(),
                });
            }
            born_before += size as u32;
            delivery += 1;
        }
    }
    (villages, mothers, children)
}

fn write_date(rng: &mut ChaCha20Rng, d: NaiveDate, style: u8) -> String {
    match style {
        0 => d.format("%Y-%m-%d").to_string(),
        1 => format!("{}/{}/{}", d.year(), d.month(), d.day()),
        2 => format!("{}.{}.{}", d.year(), d.month(), d.day()),
        3 => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        _ => {
            if rng.random_bool(0.5) {
                d.format("%Y%m%d").to_string()
            } else {
                d.format("%Y/%m/%d").to_string()
            }
        }
    }
}

/// A date that cannot exist, the way a slip makes one (the 30th of February, the
/// 31st of a 30-day month, month 13).
fn impossible_date(rng: &mut ChaCha20Rng, d: NaiveDate) -> String {
    match rng.random_range(0..3) {
        0 => format!("{}-02-30", d.year()),
        1 => {
            let m = [4, 6, 9, 11][rng.random_range(0..4)];
            format!("{}-{m:02}-31", d.year())
        }
        _ => format!("{}-13-{:02}", d.year(), d.day()),
    }
}

fn yes(rng: &mut ChaCha20Rng, p: f64) -> bool {
    p > 0.0 && rng.random_bool(p.min(1.0))
}

fn mother_id_ledger(rng: &mut ChaCha20Rng, m: &Mother, r: &Rates) -> String {
    if yes(rng, r.ledger_mother_id_missing) {
        return String::new();
    }
    let x: f64 = rng.random();
    let mut t = 0.0;
    for (p, kind) in [
        (r.ledger_mother_id_digit, ids::IdSlip::Digit),
        (r.ledger_mother_id_swap, ids::IdSlip::Swap),
        (r.ledger_mother_id_check, ids::IdSlip::CheckChar),
        (r.ledger_mother_id_date, ids::IdSlip::ImpossibleDate),
        (r.ledger_mother_id_dropped, ids::IdSlip::Dropped),
    ] {
        t += p;
        if x < t {
            return ids::slip(rng, &m.id, kind);
        }
    }
    if m.legacy && yes(rng, r.ledger_legacy_written) {
        ids::legacy(&m.id)
    } else {
        m.id.clone()
    }
}

fn mother_id_hospital(rng: &mut ChaCha20Rng, m: &Mother, r: &Rates) -> String {
    if yes(rng, r.hospital_mother_id_missing) {
        return String::new();
    }
    let x: f64 = rng.random();
    if x < r.hospital_mother_id_digit {
        return ids::slip(rng, &m.id, ids::IdSlip::Digit);
    }
    if x < r.hospital_mother_id_digit + r.hospital_mother_id_check {
        return ids::slip(rng, &m.id, ids::IdSlip::CheckChar);
    }
    if m.legacy && yes(rng, r.hospital_legacy_written) {
        ids::legacy(&m.id)
    } else {
        m.id.clone()
    }
}

fn child_name_ledger(rng: &mut ChaCha20Rng, c: &Child, r: &Rates) -> String {
    let late = if c.multiple > 0 {
        r.ledger_name_late_multiple
    } else {
        r.ledger_name_late
    };
    if yes(rng, late) {
        return String::new();
    }
    if yes(rng, r.ledger_baby_name) {
        return names::BABY_NAMES[rng.random_range(0..names::BABY_NAMES.len())].to_string();
    }
    miswrite_name(rng, &c.name, r)
}

fn miswrite_name(rng: &mut ChaCha20Rng, name: &str, r: &Rates) -> String {
    let x: f64 = rng.random();
    if x < r.ledger_name_sound {
        names::same_sound(rng, name)
    } else if x < r.ledger_name_sound + r.ledger_name_look {
        names::look_alike(rng, name)
    } else if x < r.ledger_name_sound + r.ledger_name_look + r.ledger_name_short {
        names::shortened(name, names::surname_chars(name))
    } else {
        name.to_string()
    }
}

fn off_by_one(rng: &mut ChaCha20Rng, order: u32) -> u32 {
    if order > 1 && rng.random_bool(0.5) {
        order - 1
    } else {
        order + 1
    }
}

/// How one village writes its ledger: its own date style and sex codes.
#[derive(Debug, Clone, Copy)]
struct Habit {
    date_style: u8,
    sex_words: bool,
}

fn ledger_row(
    rng: &mut ChaCha20Rng,
    c: &Child,
    m: &Mother,
    villages: &[Village],
    habit: Habit,
    r: &Rates,
) -> Row {
    let date = if yes(rng, r.ledger_impossible_date) {
        impossible_date(rng, c.date)
    } else if yes(rng, r.ledger_day_off) {
        let d = if rng.random_bool(0.5) {
            c.date + Duration::days(1)
        } else {
            c.date - Duration::days(1)
        };
        write_date(rng, d, habit.date_style)
    } else {
        write_date(rng, c.date, habit.date_style)
    };
    let order = if yes(rng, r.ledger_order_missing) {
        String::new()
    } else if yes(rng, r.ledger_order_off) {
        off_by_one(rng, c.order).to_string()
    } else {
        c.order.to_string()
    };
    let male = if yes(rng, r.ledger_sex_wrong) {
        !c.male
    } else {
        c.male
    };
    let sex = if yes(rng, r.ledger_sex_missing) {
        String::new()
    } else if habit.sex_words {
        if male { "男" } else { "女" }.to_string()
    } else if male {
        "1".to_string()
    } else {
        "2".to_string()
    };
    let v = &villages[m.village];
    let region = if yes(rng, r.ledger_township_only) {
        v.township.clone()
    } else if yes(rng, r.ledger_village_unknown) {
        // A village number the region tree does not have.
        format!("{}{:03}", &v.code[..9], rng.random_range(280..300))
    } else if yes(rng, r.ledger_village_wrong) {
        neighbour(rng, villages, m.village)
    } else {
        v.code.clone()
    };
    let father = !yes(rng, r.ledger_father_missing);
    Row {
        record_id: String::new(),
        child_name: child_name_ledger(rng, c, r),
        child_sex: sex,
        birth_date: date,
        birth_order: order,
        mother_name: if yes(rng, r.ledger_mother_sound) {
            names::same_sound(rng, &m.name)
        } else {
            m.name.clone()
        },
        mother_id_number: mother_id_ledger(rng, m, r),
        mother_birth_date: if yes(rng, r.ledger_mother_birth_missing) {
            String::new()
        } else {
            write_date(rng, m.born, habit.date_style)
        },
        father_name: if father {
            m.father_name.clone()
        } else {
            String::new()
        },
        father_id_number: if father && !yes(rng, r.ledger_father_id_missing) {
            m.father_id.clone()
        } else {
            String::new()
        },
        region_code: region,
        place: if c.place == "home" {
            "在家".into()
        } else {
            c.place.clone()
        },
        source: "村台帐".into(),
    }
}

fn neighbour(rng: &mut ChaCha20Rng, villages: &[Village], v: usize) -> String {
    let t = &villages[v].township;
    let same: Vec<&Village> = villages.iter().filter(|x| &x.township == t).collect();
    same[rng.random_range(0..same.len())].code.clone()
}

/// One typo in a copied row: the field it hits, chosen as a clerk's slip would be.
fn one_typo(rng: &mut ChaCha20Rng, row: &mut Row, r: &Rates) {
    match rng.random_range(0..100) {
        0..=29 if !row.child_name.is_empty() => {
            let before = row.child_name.clone();
            row.child_name = names::same_sound(rng, &row.child_name);
            if row.child_name == before {
                row.child_name = names::look_alike(rng, &before);
            }
        }
        0..=44 => {
            if let Ok(d) = parse(&row.birth_date) {
                let d = if rng.random_bool(0.5) {
                    d + Duration::days(1)
                } else {
                    d - Duration::days(1)
                };
                row.birth_date = d.format("%Y-%m-%d").to_string();
            }
        }
        45..=64 => {
            if row.mother_id_number.len() == 18 {
                let kind = if rng.random_bool(0.6) {
                    ids::IdSlip::Digit
                } else {
                    ids::IdSlip::Swap
                };
                row.mother_id_number = ids::slip(rng, &row.mother_id_number, kind);
            }
        }
        65..=79 => {
            if let Ok(o) = row.birth_order.parse::<u32>() {
                row.birth_order = off_by_one(rng, o).to_string();
            }
        }
        80..=91 => row.mother_name = names::same_sound(rng, &row.mother_name),
        92..=95 => row.father_name.clear(),
        _ => {
            let _ = r;
            row.child_sex = match row.child_sex.as_str() {
                "男" => "女".into(),
                "女" => "男".into(),
                "1" => "2".into(),
                "2" => "1".into(),
                _ => String::new(),
            };
        }
    }
}

fn parse(s: &str) -> Result<NaiveDate, chrono::ParseError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y.%m.%d"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y年%m月%d日"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y%m%d"))
}

fn hospital_row(
    rng: &mut ChaCha20Rng,
    c: &Child,
    m: &Mother,
    villages: &[Village],
    r: &Rates,
) -> Row {
    let township_only = HOSPITALS.iter().any(|(h, t)| *t && *h == c.place.as_str());
    let v = &villages[m.village];
    let region = if township_only {
        v.township.clone()
    } else if yes(rng, r.hospital_hukou_county) {
        // Where she is registered, another (unassigned) county.
        format!("{:06}{}", ids::ELSEWHERE[0], &v.code[6..])
    } else if yes(rng, r.hospital_village_wrong) {
        neighbour(rng, villages, m.village)
    } else {
        v.code.clone()
    };
    let name = if yes(rng, r.hospital_name_late) {
        String::new()
    } else if yes(rng, r.hospital_name_of_mother) {
        format!("{}之{}", m.name, if c.male { "子" } else { "女" })
    } else if yes(rng, r.hospital_baby_name) {
        names::BABY_NAMES[rng.random_range(0..names::BABY_NAMES.len())].to_string()
    } else {
        c.name.clone()
    };
    let date = if yes(rng, r.hospital_day_off) {
        c.date + Duration::days(1)
    } else {
        c.date
    };
    let father = !yes(rng, r.hospital_father_missing);
    Row {
        record_id: String::new(),
        child_name: name,
        child_sex: if c.male { "1" } else { "2" }.into(),
        birth_date: date.format("%Y-%m-%d").to_string(),
        birth_order: if yes(rng, r.hospital_order_off) {
            off_by_one(rng, c.order)
        } else {
            c.order
        }
        .to_string(),
        mother_name: if yes(rng, r.hospital_mother_sound) {
            names::same_sound(rng, &m.name)
        } else {
            m.name.clone()
        },
        mother_id_number: mother_id_hospital(rng, m, r),
        mother_birth_date: if yes(rng, r.hospital_mother_birth_missing) {
            String::new()
        } else {
            m.born.format("%Y-%m-%d").to_string()
        },
        father_name: if father {
            m.father_name.clone()
        } else {
            String::new()
        },
        father_id_number: if father && !yes(rng, r.hospital_father_id_missing) {
            m.father_id.clone()
        } else {
            String::new()
        },
        region_code: region,
        place: c.place.clone(),
        source: "出生医学证明".into(),
    }
}

/// Generates the area's births and the two sources.
pub fn generate(cfg: &Config) -> Sources {
    let mut rng = ChaCha20Rng::seed_from_u64(cfg.seed ^ 0x005E_ED0F_B1A7);
    let (villages, mothers, children) = world(&mut rng, cfg);
    let r = &cfg.rates;
    let habits: Vec<Habit> = villages
        .iter()
        .map(|_| Habit {
            date_style: rng.random_range(0..5),
            sex_words: rng.random_bool(0.7),
        })
        .collect();

    let mut ledger: Vec<(Row, Truth)> = Vec::new();
    let mut hospital: Vec<(Row, Truth)> = Vec::new();
    let multiples = |size: u32| {
        let set: std::collections::HashSet<u32> = children
            .iter()
            .filter(|c| c.multiple == size)
            .map(|c| c.delivery)
            .collect();
        set.len()
    };
    let (twin_deliveries, triplet_deliveries) = (multiples(2), multiples(3));
    // Same-order twins: decided once per delivery.
    let mut same_order: std::collections::HashMap<u32, bool> = Default::default();
    let mut missing_delivery: std::collections::HashMap<u32, bool> = Default::default();
    for (k, c) in children.iter().enumerate() {
        let m = &mothers[c.mother as usize];
        let truth = Truth {
            child: k as u32,
            delivery: c.delivery,
            mother: c.mother,
        };
        if !yes(&mut rng, r.ledger_missing) {
            let mut row = ledger_row(&mut rng, c, m, &villages, habits[m.village], r);
            if c.multiple == 2 {
                let same = *same_order
                    .entry(c.delivery)
                    .or_insert_with(|| rng.random_bool(r.ledger_twins_same_order));
                if same && c.nth == 1 && row.birth_order == c.order.to_string() {
                    row.birth_order = (c.order - 1).to_string();
                }
            }
            let x: f64 = rng.random();
            if x < r.ledger_copied {
                let mut copy = row.clone();
                one_typo(&mut rng, &mut copy, r);
                ledger.push((copy, truth));
            } else if x < r.ledger_copied + r.ledger_renamed {
                // First written before the child had a name, again once it had one.
                let mut early = row.clone();
                early.child_name = String::new();
                let mut later = ledger_row(&mut rng, c, m, &villages, habits[m.village], r);
                later.child_name = miswrite_name(&mut rng, &c.name, r);
                row = early;
                ledger.push((later, truth));
            } else if x < r.ledger_copied + r.ledger_renamed + r.ledger_moved {
                // Listed by the village she left and the one she moved to.
                let mut moved = row.clone();
                moved.region_code = neighbour(&mut rng, &villages, m.village);
                ledger.push((moved, truth));
            }
            ledger.push((row, truth));
        }
        let delivery_missing = *missing_delivery
            .entry(c.delivery)
            .or_insert_with(|| yes(&mut rng, r.hospital_missing));
        if c.place != "home" && !delivery_missing && !yes(&mut rng, r.hospital_child_missing) {
            hospital.push((hospital_row(&mut rng, c, m, &villages, r), truth));
        }
    }
    // Mothers from outside who gave birth in the area's hospitals: hospital only.
    let outsiders = (children.len() as f64 * r.hospital_outsiders) as usize;
    let n_mothers = mothers.len() as u32;
    for k in 0..outsiders {
        let home = ids::ELSEWHERE[rng.random_range(0..ids::ELSEWHERE.len())];
        let mut m = new_mother(&mut rng, cfg.year, 0, home, n_mothers + k as u32);
        m.village = rng.random_range(0..villages.len());
        let male = rng.random_bool(0.52);
        let c = Child {
            delivery: u32::MAX - k as u32,
            mother: n_mothers + k as u32,
            male,
            name: format!(
                "{}{}",
                names::surname(&mut rng),
                names::given(&mut rng, male)
            ),
            date: day_of_year(&mut rng, cfg.year),
            order: m.earlier + 1,
            multiple: 0,
            nth: 0,
            place: HOSPITALS[rng.random_range(0..HOSPITALS.len())]
                .0
                .to_string(),
        };
        let mut row = hospital_row(&mut rng, &c, &m, &villages, r);
        row.region_code = format!("{home:06}{}", &villages[m.village].code[6..]);
        hospital.push((
            row,
            Truth {
                child: children.len() as u32 + k as u32,
                delivery: c.delivery,
                mother: c.mother,
            },
        ));
    }
    // A ledger is kept village by village, roughly in the order births were heard
    // of; the hospital's register in the order of certificates.
    ledger.shuffle(&mut rng);
    ledger.sort_by(|a, b| {
        a.0.region_code[..9.min(a.0.region_code.len())]
            .cmp(&b.0.region_code[..9.min(b.0.region_code.len())])
    });
    hospital.shuffle(&mut rng);
    let number = |rows: Vec<(Row, Truth)>, prefix: &str| {
        let mut out = Vec::with_capacity(rows.len());
        let mut truth = Vec::with_capacity(rows.len());
        for (i, (mut row, t)) in rows.into_iter().enumerate() {
            row.record_id = format!("{prefix}{:07}", i + 1);
            out.push(row);
            truth.push(t);
        }
        (out, truth)
    };
    let (ledger, ledger_truth) = number(ledger, "TZ");
    let (hospital, hospital_truth) = number(hospital, "CZ");
    Sources {
        ledger,
        ledger_truth,
        hospital,
        hospital_truth,
        births: children.len(),
        deliveries: children
            .last()
            .map(|c| c.delivery as usize + 1)
            .unwrap_or(0),
        twin_deliveries,
        triplet_deliveries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_with_the_promised_shape() {
        let cfg = Config::township(5);
        let a = generate(&cfg);
        let b = generate(&cfg);
        assert_eq!(a.ledger, b.ledger);
        assert!(a.births >= 1000 && a.births < 1010);
        // Rows entered twice exist, and the truth says so.
        let mut seen = std::collections::HashMap::new();
        for t in &a.ledger_truth {
            *seen.entry(t.child).or_insert(0) += 1;
        }
        assert!(seen.values().any(|&n| n > 1));
        // Every code is on an unassigned prefecture (99); only a slip in the
        // first digits of an ID number (well under 1 % of rows) can move it.
        let mut moved = 0;
        for r in a.ledger.iter().chain(&a.hospital) {
            assert_eq!(&r.region_code[2..4], "99", "{}", r.region_code);
            for id in [&r.mother_id_number, &r.father_id_number] {
                if id.len() >= 4 && &id[2..4] != "99" {
                    moved += 1;
                }
            }
        }
        assert!(moved * 200 < a.ledger.len() + a.hospital.len(), "{moved}");
        // The hospital that records only the township does so.
        assert!(a
            .hospital
            .iter()
            .any(|r| r.region_code.ends_with("000") && r.place.contains("妇幼")));
    }

    #[test]
    fn a_county_has_multiple_deliveries_and_legacy_numbers() {
        let s = generate(&Config::county(1));
        assert!(
            s.twin_deliveries > 80 && s.twin_deliveries < 250,
            "{}",
            s.twin_deliveries
        );
        assert!(s.ledger.iter().any(|r| r.mother_id_number.len() == 15));
        assert!(s.ledger.iter().any(|r| r.mother_id_number.len() == 17));
    }
}
