//! renkou-demo: the synthetic demo county (`renkou demo --persons N --seed S`).
//!
//! Owns the generation of a realistic, entirely invented county: its region tree
//! (county, townships, villages, village groups, with one merger and one new
//! community so effective dating is exercised) and its households of persons, with
//! a China-like age pyramid, marriages, parent links, births of the last twenty years
//! at plausible rates and sex ratios, deaths, migration, synthetic names, valid
//! GB 11643 ID numbers (on an address code that no real county has) and a few
//! deliberate data-quality faults. It is also the benchmark data source, so it
//! streams: households are made one at a time from a per-village random stream and
//! memory does not grow with the number of persons.
//!
//! Deterministic for a seed: the same [`DemoSpec`] always gives the same county.

mod household;
mod regions;
pub mod summary;
mod tables;

use chrono::{Datelike, Duration};
use household::{Member, Model};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regions::VillagePlan;
use renkou_domain::{Date, IdNumber, PersonRecord, Region, RegionCode, Residence};
use std::io::Write;
use thiserror::Error;

/// What county to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSpec {
    /// Exactly this many persons (living and dead) are generated.
    pub persons: usize,
    pub seed: u64,
    /// "Today" for the county: ages, migration and deaths are relative to it.
    pub reference_date: Date,
    /// The county's code; the default 349901 lies in a prefecture number (99) that no
    /// province uses, so no ID number made on it can be a real person's.
    pub county_code: RegionCode,
    pub county_name: String,
}

impl Default for DemoSpec {
    fn default() -> Self {
        DemoSpec {
            persons: 20_000,
            seed: 1,
            reference_date: Date::from_ymd_opt(2026, 6, 30).expect("valid date"),
            county_code: RegionCode::parse("349901000000").expect("valid code"),
            county_name: "演示县".to_string(),
        }
    }
}

impl DemoSpec {
    /// The default county with `persons` persons from `seed`.
    pub fn new(persons: usize, seed: u64) -> Self {
        DemoSpec {
            persons,
            seed,
            ..DemoSpec::default()
        }
    }
}

#[derive(Debug, Error)]
pub enum DemoError {
    #[error("写入CSV失败 / writing the CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("写入失败 / writing failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Address codes of the places inflow (流入) households came from: invented, in the
/// same unused prefecture as the default county.
const ORIGIN_CODES: [u32; 6] = [349902, 349903, 349905, 349911, 349921, 349923];

/// The first birth day the ID sequence table covers, and its length in days
/// (1900-01-01 to 2099-12-31); births outside share the edge days' counters.
const ID_SEQ_FIRST_DAY: i32 = 693_596;
const ID_SEQ_DAYS: usize = 73_049;

/// A generated county: the region tree is made at once (it is small); persons are
/// made on demand by [`DemoCounty::households`].
pub struct DemoCounty {
    spec: DemoSpec,
    regions: Vec<Region>,
    villages: Vec<VillagePlan>,
    model: Model,
    county_address: u32,
    /// Width of the zero-padded counter in person numbers.
    person_width: usize,
}

/// The decimal year of a date (1 July ≈ .5).
fn decimal_year(d: Date) -> f64 {
    let len = if d.leap_year() { 366.0 } else { 365.0 };
    d.year() as f64 + (d.ordinal0() as f64 + 0.5) / len
}

fn date_of(y: f64) -> Date {
    let year = y.floor() as i32;
    let jan1 = Date::from_ymd_opt(year, 1, 1).expect("1 January exists");
    let len = if jan1.leap_year() { 366.0 } else { 365.0 };
    let day = ((y - year as f64) * len).floor().clamp(0.0, len - 1.0) as i64;
    jan1 + Duration::days(day)
}

impl DemoCounty {
    pub fn new(spec: DemoSpec) -> Self {
        // The region tree has its own stream (0); village v uses stream v + 1, so a
        // village's households do not depend on how many persons came before it.
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let tree = regions::build(
            &mut rng,
            &spec.county_code,
            &spec.county_name,
            spec.persons,
            spec.reference_date,
        );
        let county_address = spec.county_code.as_str()[..6]
            .parse()
            .expect("a region code is digits");
        let person_width = spec.persons.max(1).to_string().len().max(6);
        // The model's "today" is the end of the reference day, so nobody born on it
        // is in the future.
        let r = decimal_year(spec.reference_date);
        DemoCounty {
            model: Model::new(r),
            regions: tree.regions,
            villages: tree.villages,
            county_address,
            person_width,
            spec,
        }
    }

    pub fn spec(&self) -> &DemoSpec {
        &self.spec
    }

    /// The region tree: county, townships, villages and village groups.
    pub fn regions(&self) -> Vec<Region> {
        self.regions.clone()
    }

    /// The villages that receive households (those existing on the reference date).
    pub fn village_codes(&self) -> impl Iterator<Item = &RegionCode> + '_ {
        self.villages.iter().map(|v| &v.code)
    }

    /// All households, one at a time, in village order; `spec.persons` persons in all.
    pub fn households(&self) -> impl Iterator<Item = Vec<PersonRecord>> + '_ {
        Households {
            county: self,
            village: 0,
            rng: self.village_rng(0),
            left: self.villages.first().map_or(0, |v| v.persons),
            household_seq: 0,
            persons_made: 0,
            id_seq: vec![0; ID_SEQ_DAYS * 2 * (ORIGIN_CODES.len() + 1)],
        }
    }

    /// Every person, household after household.
    pub fn persons(&self) -> impl Iterator<Item = PersonRecord> + '_ {
        self.households().flatten()
    }

    fn village_rng(&self, v: usize) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.spec.seed);
        rng.set_stream(v as u64 + 1);
        rng
    }

    /// regions.csv as interchange.md describes it (UTF-8 with BOM).
    pub fn write_regions_csv(&self, mut w: impl Write) -> Result<(), DemoError> {
        w.write_all("\u{feff}".as_bytes())?;
        let mut out = csv::Writer::from_writer(w);
        out.write_record([
            "region_code",
            "name",
            "valid_from",
            "valid_to",
            "successor_code",
        ])?;
        let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
        for r in &self.regions {
            out.write_record([
                r.code.as_str(),
                &r.name,
                &date(r.valid_from),
                &date(r.valid_to),
                r.successor.as_ref().map_or("", |c| c.as_str()),
            ])?;
        }
        out.flush()?;
        Ok(())
    }

    /// persons.csv as interchange.md describes it (UTF-8 with BOM), streamed.
    pub fn write_persons_csv(&self, mut w: impl Write) -> Result<(), DemoError> {
        w.write_all("\u{feff}".as_bytes())?;
        let mut out = csv::Writer::from_writer(w);
        out.write_record(PERSONS_HEADER)?;
        let mut birth = String::new();
        let mut death = String::new();
        for p in self.persons() {
            use std::fmt::Write as _;
            birth.clear();
            let _ = write!(birth, "{}", p.birth_date);
            death.clear();
            if let Some(d) = p.death_date {
                let _ = write!(death, "{d}");
            }
            let sex = [b'0' + p.sex.code()];
            let marital = p.marital_status.code().to_string();
            out.write_record([
                p.person_no.as_bytes(),
                p.name.as_bytes(),
                &sex,
                birth.as_bytes(),
                p.id_number
                    .as_ref()
                    .map_or(&b""[..], |i| i.as_str().as_bytes()),
                p.household_no.as_bytes(),
                p.region_code.as_str().as_bytes(),
                marital.as_bytes(),
                p.mother_no.as_deref().unwrap_or("").as_bytes(),
                p.father_no.as_deref().unwrap_or("").as_bytes(),
                p.residence.as_str().as_bytes(),
                p.phone.as_deref().unwrap_or("").as_bytes(),
                death.as_bytes(),
                p.relation.map(|r| r.code()).unwrap_or_default().as_bytes(),
            ])?;
        }
        out.flush()?;
        Ok(())
    }
}

/// The persons.csv header, in interchange.md's column order.
pub const PERSONS_HEADER: [&str; 14] = [
    "person_id",
    "name",
    "sex",
    "birth_date",
    "id_number",
    "household_id",
    "region_code",
    "marital_status",
    "mother_id",
    "father_id",
    "residence",
    "phone",
    "death_date",
    "relation",
];

struct Households<'a> {
    county: &'a DemoCounty,
    village: usize,
    rng: ChaCha8Rng,
    /// Persons still to place in the current village.
    left: usize,
    household_seq: u32,
    persons_made: usize,
    /// Sequence numbers used per (address code, birth day, sex), so ID numbers are
    /// unique; a flat table (about 1.3 MB) whatever the county's size.
    id_seq: Vec<u16>,
}

impl Iterator for Households<'_> {
    type Item = Vec<PersonRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        let c = self.county;
        while self.left == 0 {
            self.village += 1;
            let plan = c.villages.get(self.village)?;
            self.rng = c.village_rng(self.village);
            self.left = plan.persons;
            self.household_seq = 0;
        }
        let plan = &c.villages[self.village];
        let members = c
            .model
            .household(&mut self.rng, &plan.lineages, self.left.min(6));
        self.left -= members.len();
        self.household_seq += 1;
        let household_no = format!("H{}-{:06}", plan.code_str, self.household_seq);
        let first = self.persons_made;
        self.persons_made += members.len();
        let width = c.person_width;
        let no = |i: usize| format!("P{:0width$}", first + i + 1);
        let inflow = members
            .first()
            .is_some_and(|m| m.residence == Residence::Inflow);
        let address = if inflow {
            ORIGIN_CODES[self.rng.random_range(0..ORIGIN_CODES.len())]
        } else {
            c.county_address
        };
        let mut out = Vec::with_capacity(members.len());
        for (i, m) in members.iter().enumerate() {
            out.push(PersonRecord {
                person_no: no(i),
                name: self.name(m),
                sex: m.sex(),
                birth_date: date_of(m.birth),
                id_number: self.id_number(m, address),
                household_no: household_no.clone(),
                region_code: plan.code.clone(),
                marital_status: m.marital,
                mother_no: m.mother.map(no),
                father_no: m.father.map(no),
                residence: m.residence,
                phone: self.phone(m),
                death_date: m.death.map(date_of),
                relation: None,
            });
        }
        Some(out)
    }
}

/// [`IdNumber::compose`] without chrono's format machinery, which costs more than
/// the rest of a person: the digits are written by hand and parsed back.
fn compose_id(address: u32, birth: Date, seq: u32) -> IdNumber {
    let mut b = [0u8; 18];
    let mut put = |from: usize, len: usize, mut v: u32| {
        for i in (from..from + len).rev() {
            b[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 6, address);
    put(6, 4, birth.year() as u32);
    put(10, 2, birth.month());
    put(12, 2, birth.day());
    put(14, 3, seq % 1000);
    b[17] = renkou_domain::id_number::check_char(&b[..17]);
    let s = std::str::from_utf8(&b).expect("ASCII digits");
    IdNumber::parse(s).expect("a composed number is valid")
}

impl Households<'_> {
    fn name(&mut self, m: &Member) -> String {
        let era = tables::name_era(m.birth as i32);
        let chars = tables::GIVEN_CHARS[era][usize::from(!m.male)];
        let mut s = String::with_capacity(12);
        s.push_str(tables::SURNAMES[m.surname].0);
        s.push_str(chars[self.rng.random_range(0..chars.len())]);
        if !self.rng.random_bool(tables::SINGLE_CHAR_SHARE[era]) {
            s.push_str(chars[self.rng.random_range(0..chars.len())]);
        }
        s
    }

    /// A valid GB 11643 number, unique in the county. Some infants have none yet;
    /// one adult in 200 has a number whose birth date is off by a few days, one in a
    /// thousand one whose sex digit is wrong, for the data-quality list.
    fn id_number(&mut self, m: &Member, address: u32) -> Option<IdNumber> {
        let r = self.county.model.r;
        let age = r - m.birth;
        if age < 1.0 && self.rng.random_bool(0.3) {
            return None;
        }
        let mut birth = date_of(m.birth);
        let mut male = m.male;
        if age >= 18.0 {
            let u = self.rng.random::<f64>();
            if u < 0.005 {
                let shift =
                    self.rng.random_range(1..=10) * if self.rng.random_bool(0.5) { 1 } else { -1 };
                birth += Duration::days(shift);
            } else if u < 0.006 {
                male = !male;
            }
        }
        let day = birth.num_days_from_ce();
        let place = ORIGIN_CODES
            .iter()
            .position(|&c| c == address)
            .map_or(0, |i| i + 1);
        let offset = (day - ID_SEQ_FIRST_DAY).clamp(0, ID_SEQ_DAYS as i32 - 1) as usize;
        let count = &mut self.id_seq[(place * ID_SEQ_DAYS + offset) * 2 + usize::from(male)];
        let k = *count as u32;
        *count = count.wrapping_add(1);
        // Spread the numbers over the 500 sequence codes of that sex, starting at a
        // point that depends on the day (a bijection of k mod 500: 7 is prime to 500).
        let slot = (k * 7 + (day as u32 % 97) * 5) % 500;
        let seq = slot * 2 + u32::from(male);
        Some(compose_id(address, birth, seq))
    }

    /// Six adults in ten have a phone number, in an invented block (1990…).
    fn phone(&mut self, m: &Member) -> Option<String> {
        let age = self.county.model.r - m.birth;
        if m.death.is_some() || age < 18.0 || !self.rng.random_bool(0.6) {
            return None;
        }
        Some(format!(
            "1990{:07}",
            self.rng.random_range(0..10_000_000u32)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_composed_ids_equal_the_domain_ones() {
        let d = |y, m, dd| Date::from_ymd_opt(y, m, dd).unwrap();
        for (addr, birth, seq) in [
            (349901, d(1949, 12, 31), 2),
            (349923, d(2026, 6, 30), 999),
            (349902, d(1900, 1, 1), 17),
        ] {
            assert_eq!(
                compose_id(addr, birth, seq),
                IdNumber::compose(addr, birth, seq as u16)
            );
        }
    }

    #[test]
    fn decimal_years_round_trip_to_the_day() {
        let mut d = Date::from_ymd_opt(1999, 12, 25).unwrap();
        for _ in 0..800 {
            assert_eq!(date_of(decimal_year(d)), d);
            d += Duration::days(1);
        }
    }
}
