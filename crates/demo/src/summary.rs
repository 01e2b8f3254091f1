//! Figures of a generated county (household sizes, pyramid, births, deaths,
//! migration), computed in one streaming pass with the definitions of indicators.md,
//! so the tests and the `demo_stats` example can check that the county looks real.
//!
//! Every parent link of the demo stays inside a household, so one household at a time
//! is enough to know mothers' ages and birth orders.

use crate::DemoCounty;
use chrono::Datelike;
use renkou_domain::date::completed_years;
use renkou_domain::{Date, PersonRecord, Residence, Sex};
use std::collections::BTreeMap;

/// Counts for one calendar year of the county.
#[derive(Debug, Clone, Default)]
pub struct YearFigures {
    /// Persons alive on 1 July, resident or inflow.
    pub midyear: u64,
    pub births_male: u64,
    pub births_female: u64,
    /// Births by order 1, 2, 3+ and sex (0 male, 1 female).
    pub by_order: [[u64; 2]; 3],
    pub deaths: u64,
}

impl YearFigures {
    pub fn births(&self) -> u64 {
        self.births_male + self.births_female
    }
    pub fn cbr(&self) -> f64 {
        1000.0 * self.births() as f64 / self.midyear.max(1) as f64
    }
    pub fn cdr(&self) -> f64 {
        1000.0 * self.deaths as f64 / self.midyear.max(1) as f64
    }
    pub fn srb(&self) -> f64 {
        100.0 * self.births_male as f64 / self.births_female.max(1) as f64
    }
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub persons: u64,
    pub households: u64,
    /// Households by size 1..=6 (index 0 unused).
    pub household_sizes: [u64; 7],
    /// Living persons on the reference date by completed age (0..=100, 100 = 100+)
    /// and sex (0 male, 1 female).
    pub alive_by_age: Vec<[u64; 2]>,
    /// Living persons aged 16-59 and those of them living elsewhere.
    pub working_age: u64,
    pub working_age_outflow: u64,
    pub inflow: u64,
    pub dead: u64,
    /// Mother's age at birth (completed years) for births of the last 20 years.
    pub mother_age: BTreeMap<i32, u64>,
    /// Living persons aged 15+ by marital status code.
    pub marital_15plus: BTreeMap<u8, u64>,
    pub twins_pairs: u64,
    pub without_id: u64,
    pub id_mismatch: u64,
    pub with_phone: u64,
    pub years: BTreeMap<i32, YearFigures>,
    pub reference_year: i32,
}

impl Summary {
    pub fn of(county: &DemoCounty) -> Summary {
        let reference = county.spec().reference_date;
        let first_year = reference.year() - 20;
        let mut s = Summary {
            alive_by_age: vec![[0, 0]; 101],
            reference_year: reference.year(),
            ..Summary::default()
        };
        for y in first_year..reference.year() {
            s.years.insert(y, YearFigures::default());
        }
        for h in county.households() {
            s.add_household(&h, reference, first_year);
        }
        s
    }

    fn add_household(&mut self, h: &[PersonRecord], reference: Date, first_year: i32) {
        self.households += 1;
        self.household_sizes[h.len().min(6)] += 1;
        for p in h {
            self.persons += 1;
            let sx = usize::from(p.sex == Sex::Female);
            let alive = p.is_alive_on(reference);
            let age = completed_years(p.birth_date, reference);
            if alive {
                self.alive_by_age[age.clamp(0, 100) as usize][sx] += 1;
                if (16..=59).contains(&age) {
                    self.working_age += 1;
                    if p.residence == Residence::Outflow {
                        self.working_age_outflow += 1;
                    }
                }
                if age >= 15 {
                    *self
                        .marital_15plus
                        .entry(p.marital_status.code())
                        .or_default() += 1;
                }
                if age >= 18 && p.phone.is_some() {
                    self.with_phone += 1;
                }
            } else {
                self.dead += 1;
            }
            if p.residence == Residence::Inflow {
                self.inflow += 1;
            }
            match &p.id_number {
                None => self.without_id += 1,
                Some(id) if id.birth_date() != p.birth_date || id.sex() != p.sex => {
                    self.id_mismatch += 1
                }
                _ => {}
            }
            let counted = p.residence != Residence::Outflow;
            for (&y, f) in self.years.range_mut(..) {
                let mid = Date::from_ymd_opt(y, 7, 1).expect("1 July exists");
                if counted && p.is_alive_on(mid) {
                    f.midyear += 1;
                }
                if p.death_date.is_some_and(|d| d.year() == y) {
                    f.deaths += 1;
                }
            }
            let by = p.birth_date.year();
            if by >= first_year {
                if let Some(f) = self.years.get_mut(&by) {
                    if p.sex == Sex::Male {
                        f.births_male += 1;
                    } else {
                        f.births_female += 1;
                    }
                    if let Some(order) = birth_order(h, p) {
                        f.by_order[(order - 1).min(2)][sx] += 1;
                    }
                }
                if let Some(m) = p
                    .mother_no
                    .as_ref()
                    .and_then(|m| h.iter().find(|x| &x.person_no == m))
                {
                    *self
                        .mother_age
                        .entry(completed_years(m.birth_date, p.birth_date))
                        .or_default() += 1;
                }
            }
        }
        // Twins: two children of one mother born the same day.
        for (i, a) in h.iter().enumerate() {
            for b in &h[i + 1..] {
                if a.mother_no.is_some()
                    && a.mother_no == b.mother_no
                    && a.birth_date == b.birth_date
                {
                    self.twins_pairs += 1;
                }
            }
        }
    }

    /// Living persons in the age band `lo..=hi` as a share of all living persons.
    pub fn age_share(&self, lo: usize, hi: usize) -> f64 {
        let total: u64 = self.alive_by_age.iter().map(|a| a[0] + a[1]).sum();
        let band: u64 = self.alive_by_age[lo..=hi.min(100)]
            .iter()
            .map(|a| a[0] + a[1])
            .sum();
        band as f64 / total.max(1) as f64
    }

    /// Males per 100 females among the living.
    pub fn sex_ratio(&self) -> f64 {
        let m: u64 = self.alive_by_age.iter().map(|a| a[0]).sum();
        let f: u64 = self.alive_by_age.iter().map(|a| a[1]).sum();
        100.0 * m as f64 / f.max(1) as f64
    }

    pub fn outflow_share(&self) -> f64 {
        self.working_age_outflow as f64 / self.working_age.max(1) as f64
    }

    /// Births, SRB over the last `n` complete years.
    pub fn recent(&self, n: usize) -> YearFigures {
        let mut t = YearFigures::default();
        for f in self.years.values().rev().take(n) {
            t.midyear += f.midyear;
            t.births_male += f.births_male;
            t.births_female += f.births_female;
            t.deaths += f.deaths;
            for o in 0..3 {
                for x in 0..2 {
                    t.by_order[o][x] += f.by_order[o][x];
                }
            }
        }
        t
    }

    /// A plain-text report of the figures.
    pub fn report(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let hh = self.households.max(1) as f64;
        let _ = writeln!(
            o,
            "persons {} in {} households (mean {:.2})",
            self.persons,
            self.households,
            self.persons as f64 / hh
        );
        let _ = write!(o, "household sizes:");
        for k in 1..=6 {
            let _ = write!(
                o,
                " {k}:{:.1}%",
                100.0 * self.household_sizes[k] as f64 / hh
            );
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "age pyramid (living, % of total; M F, target M+F):");
        let total: u64 = self.alive_by_age.iter().map(|a| a[0] + a[1]).sum();
        let target: Vec<f64> = (0..=100)
            .map(|a| crate::tables::target_population(self.reference_year, a))
            .collect();
        let target_total: f64 = target.iter().sum();
        for lo in (0..=95).step_by(5) {
            let hi = if lo == 95 { 100 } else { lo + 4 };
            let m: u64 = self.alive_by_age[lo..=hi].iter().map(|a| a[0]).sum();
            let f: u64 = self.alive_by_age[lo..=hi].iter().map(|a| a[1]).sum();
            let pm = 100.0 * m as f64 / total.max(1) as f64;
            let pf = 100.0 * f as f64 / total.max(1) as f64;
            let t = 100.0 * target[lo..=hi].iter().sum::<f64>() / target_total;
            let _ = writeln!(
                o,
                "  {lo:>2}-{hi:<3} {pm:5.2} {pf:5.2} {:5.2} ({t:5.2})  {}|{}",
                pm + pf,
                "#".repeat((pm * 4.0) as usize),
                "#".repeat((pf * 4.0) as usize)
            );
        }
        let _ = writeln!(
            o,
            "shares: 0-14 {:.1}%, 15-59 {:.1}%, 60+ {:.1}%, 65+ {:.1}%; sex ratio {:.1}",
            100.0 * self.age_share(0, 14),
            100.0 * self.age_share(15, 59),
            100.0 * self.age_share(60, 100),
            100.0 * self.age_share(65, 100),
            self.sex_ratio()
        );
        let _ = writeln!(
            o,
            "outflow among living 16-59: {:.1}%; inflow persons {:.1}%; dead records {:.1}%",
            100.0 * self.outflow_share(),
            100.0 * self.inflow as f64 / self.persons.max(1) as f64,
            100.0 * self.dead as f64 / self.persons.max(1) as f64
        );
        let _ = writeln!(
            o,
            "year  midyear births  CBR‰  CDR‰   SRB  order1/2/3+ share%  SRB by order"
        );
        for (y, f) in &self.years {
            let known: u64 = f.by_order.iter().map(|x| x[0] + x[1]).sum();
            let sh = |i: usize| {
                100.0 * (f.by_order[i][0] + f.by_order[i][1]) as f64 / known.max(1) as f64
            };
            let srb = |i: usize| 100.0 * f.by_order[i][0] as f64 / f.by_order[i][1].max(1) as f64;
            let _ = writeln!(
                o,
                "{y} {:>8} {:>6} {:5.1} {:5.1} {:5.1}  {:4.1}/{:4.1}/{:4.1}  {:5.1}/{:5.1}/{:5.1}",
                f.midyear,
                f.births(),
                f.cbr(),
                f.cdr(),
                f.srb(),
                sh(0),
                sh(1),
                sh(2),
                srb(0),
                srb(1),
                srb(2)
            );
        }
        let r5 = self.recent(5);
        let _ = writeln!(
            o,
            "last 5 years: SRB {:.1}, births {}",
            r5.srb(),
            r5.births()
        );
        let births: u64 = self.mother_age.values().sum();
        let in_20_35: u64 = self.mother_age.range(20..=35).map(|(_, n)| n).sum();
        let _ = writeln!(
            o,
            "mother's age at birth (last 20 y): 20-35 {:.1}%, min {:?}, max {:?}",
            100.0 * in_20_35 as f64 / births.max(1) as f64,
            self.mother_age.keys().next(),
            self.mother_age.keys().last()
        );
        let m15: u64 = self.marital_15plus.values().sum();
        let _ = write!(o, "marital status 15+:");
        for (c, n) in &self.marital_15plus {
            let _ = write!(o, " {c}:{:.1}%", 100.0 * *n as f64 / m15.max(1) as f64);
        }
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "twin pairs {}, persons without ID {}, inconsistent ID {}, adults with phone {}",
            self.twins_pairs, self.without_id, self.id_mismatch, self.with_phone
        );
        o
    }
}

/// The birth order of `child` among its mother's children in the household, as the
/// register derives it (birth date, then person number).
fn birth_order(h: &[PersonRecord], child: &PersonRecord) -> Option<usize> {
    let mother = child.mother_no.as_ref()?;
    let rank = h
        .iter()
        .filter(|x| x.mother_no.as_ref() == Some(mother))
        .filter(|x| (x.birth_date, &x.person_no) < (child.birth_date, &child.person_no))
        .count();
    Some(rank + 1)
}
