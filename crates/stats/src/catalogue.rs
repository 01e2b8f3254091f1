//! The standard catalogue of indicators.md: codes, Chinese and English names,
//! units, and the formulas that turn a region's [`Counts`] into values with their
//! numerator, denominator and 95% interval.
//!
//! A value is `None` (JSON null) whenever its denominator is zero; the TFR is
//! null when any of its seven age-specific rates is. Rates are annualised for
//! periods other than a year (see [`crate::period`]); the numerator and
//! denominator are always the raw counts of the period.

use crate::counts::{Counts, RegionCounts, FERTILE_GROUPS};
use crate::interval::{self, Interval};
use crate::period::Period;
use crate::region_table::RegionTable;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// How an indicator is built, which decides annualisation and the interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A count of persons: no denominator, never annualised, no interval.
    Count,
    /// Events per population: annualised, Poisson interval.
    Rate,
    /// Males per 100 females: Wilson interval on the male share.
    SexRatio,
    /// Percentage of a whole: Wilson interval.
    Share,
    /// A sum or difference of rates (tfr, natural increase): no interval.
    Composite,
}

macro_rules! catalogue {
    ($( $variant:ident = $code:literal, $zh:literal, $en:literal, $unit:literal, $unit_zh:literal, $kind:ident; )*) => {
        /// A built-in indicator of indicators.md.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Indicator { $( $variant, )* }

        impl Indicator {
            /// The catalogue in the order of indicators.md.
            pub const ALL: &'static [Indicator] = &[ $( Indicator::$variant, )* ];

            /// The code of indicators.md (`cbr`, `asfr_20_24`, …).
            pub fn code(self) -> &'static str {
                match self { $( Indicator::$variant => $code, )* }
            }
            pub fn name_zh(self) -> &'static str {
                match self { $( Indicator::$variant => $zh, )* }
            }
            pub fn name_en(self) -> &'static str {
                match self { $( Indicator::$variant => $en, )* }
            }
            /// The unit as indicators.md writes it (`‰`, `persons`, …).
            pub fn unit(self) -> &'static str {
                match self { $( Indicator::$variant => $unit, )* }
            }
            pub fn unit_zh(self) -> &'static str {
                match self { $( Indicator::$variant => $unit_zh, )* }
            }
            pub fn kind(self) -> Kind {
                match self { $( Indicator::$variant => Kind::$kind, )* }
            }
        }
    };
}

catalogue! {
    PopulationMidyear = "population_midyear", "年中人口", "mid-year population", "persons", "人", Count;
    Births = "births", "出生人数", "births", "persons", "人", Count;
    Cbr = "cbr", "出生率", "crude birth rate", "‰", "‰", Rate;
    Gfr = "gfr", "一般生育率", "general fertility rate", "‰", "‰", Rate;
    Asfr15 = "asfr_15_19", "年龄别生育率（15-19岁）", "age-specific fertility rate, 15-19", "‰", "‰", Rate;
    Asfr20 = "asfr_20_24", "年龄别生育率（20-24岁）", "age-specific fertility rate, 20-24", "‰", "‰", Rate;
    Asfr25 = "asfr_25_29", "年龄别生育率（25-29岁）", "age-specific fertility rate, 25-29", "‰", "‰", Rate;
    Asfr30 = "asfr_30_34", "年龄别生育率（30-34岁）", "age-specific fertility rate, 30-34", "‰", "‰", Rate;
    Asfr35 = "asfr_35_39", "年龄别生育率（35-39岁）", "age-specific fertility rate, 35-39", "‰", "‰", Rate;
    Asfr40 = "asfr_40_44", "年龄别生育率（40-44岁）", "age-specific fertility rate, 40-44", "‰", "‰", Rate;
    Asfr45 = "asfr_45_49", "年龄别生育率（45-49岁）", "age-specific fertility rate, 45-49", "‰", "‰", Rate;
    Tfr = "tfr", "总和生育率", "total fertility rate", "children per woman", "孩/妇女", Composite;
    Srb = "srb", "出生人口性别比", "sex ratio at birth", "males per 100 females", "女=100", SexRatio;
    SrbOrder1 = "srb_order1", "一孩性别比", "sex ratio at birth, first births", "males per 100 females", "女=100", SexRatio;
    SrbOrder2 = "srb_order2", "二孩性别比", "sex ratio at birth, second births", "males per 100 females", "女=100", SexRatio;
    SrbOrder3p = "srb_order3p", "三孩及以上性别比", "sex ratio at birth, third and higher births", "males per 100 females", "女=100", SexRatio;
    ShareOrder1 = "share_order1", "一孩占比", "share of first births", "%", "%", Share;
    ShareOrder2 = "share_order2", "二孩占比", "share of second births", "%", "%", Share;
    ShareOrder3p = "share_order3p", "三孩及以上占比", "share of third and higher births", "%", "%", Share;
    Deaths = "deaths", "死亡人数", "deaths", "persons", "人", Count;
    Cdr = "cdr", "死亡率", "crude death rate", "‰", "‰", Rate;
    NaturalIncreaseRate = "natural_increase_rate", "自然增长率", "rate of natural increase", "‰", "‰", Composite;
}

impl Indicator {
    pub fn parse(code: &str) -> Option<Indicator> {
        Indicator::ALL.iter().copied().find(|i| i.code() == code)
    }

    /// The seven age-specific fertility rates, youngest first.
    pub const ASFR: [Indicator; FERTILE_GROUPS] = [
        Indicator::Asfr15,
        Indicator::Asfr20,
        Indicator::Asfr25,
        Indicator::Asfr30,
        Indicator::Asfr35,
        Indicator::Asfr40,
        Indicator::Asfr45,
    ];
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Indicator {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Indicator {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Indicator::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown indicator code \"{s}\"")))
    }
}

/// One computed figure: a built-in or user-defined indicator for one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorValue {
    /// Index into the [`RegionTable`].
    pub region: u32,
    /// The indicator's code (built-in codes of indicators.md, or a user code).
    pub code: Cow<'static, str>,
    pub unit: Cow<'static, str>,
    /// `None` when the denominator is zero.
    pub value: Option<f64>,
    /// The count behind the figure (for the TFR: births to mothers aged 15-49;
    /// for natural increase: B − D).
    pub numerator: i64,
    /// `None` for counts and the TFR (a sum of seven rates has no one denominator).
    pub denominator: Option<i64>,
    /// 95% interval where meaningful (see [`crate::interval`]).
    pub interval: Option<Interval>,
}

fn ratio(scale: f64, num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| scale * num as f64 / den as f64)
}

/// One built-in indicator from a region's counts.
pub fn compute(ind: Indicator, c: &Counts, period: Period, region: u32) -> IndicatorValue {
    let annual = period.annualisation();
    let (value, num, den, interval): (Option<f64>, i64, Option<i64>, Option<Interval>) = match ind
        .kind()
    {
        Kind::Count => {
            let n = match ind {
                Indicator::PopulationMidyear => c.population,
                Indicator::Births => c.births,
                _ => c.deaths,
            };
            (Some(n as f64), n as i64, None, None)
        }
        Kind::Rate => {
            let (num, den) = match ind {
                Indicator::Cbr => (c.births, c.population),
                Indicator::Gfr => (c.births, c.women_15_49()),
                Indicator::Cdr => (c.deaths, c.population),
                _ => {
                    let a = asfr_group(ind);
                    (c.births_by_mother_age[a], c.women[a])
                }
            };
            let k = 1000.0 * annual;
            let interval = (den > 0).then(|| interval::poisson(num as u64).scaled(k / den as f64));
            (ratio(k, num, den), num as i64, Some(den as i64), interval)
        }
        Kind::SexRatio => {
            let (m, f) = match ind {
                Indicator::Srb => (c.births_male, c.births_female),
                Indicator::SrbOrder1 => (c.births_by_order_male[0], c.births_by_order_female[0]),
                Indicator::SrbOrder2 => (c.births_by_order_male[1], c.births_by_order_female[1]),
                _ => (c.births_by_order_male[2], c.births_by_order_female[2]),
            };
            let interval = interval::srb(m as u64, f as u64);
            (ratio(100.0, m, f), m as i64, Some(f as i64), interval)
        }
        Kind::Share => {
            let k = match ind {
                Indicator::ShareOrder1 => 0,
                Indicator::ShareOrder2 => 1,
                _ => 2,
            };
            let (num, den) = (c.births_by_order[k], c.births_known_order());
            let interval = interval::wilson(num as u64, den as u64).map(|w| w.scaled(100.0));
            (
                ratio(100.0, num, den),
                num as i64,
                Some(den as i64),
                interval,
            )
        }
        Kind::Composite => match ind {
            Indicator::Tfr => {
                let mut sum = Some(0.0);
                for a in 0..FERTILE_GROUPS {
                    let asfr = ratio(1000.0 * annual, c.births_by_mother_age[a], c.women[a]);
                    sum = sum.zip(asfr).map(|(s, r)| s + r);
                }
                let tfr = sum.map(|s| 5.0 * s / 1000.0);
                (tfr, c.births_mother_15_49() as i64, None, None)
            }
            _ => {
                let num = c.births as i64 - c.deaths as i64;
                let value =
                    (c.population > 0).then(|| 1000.0 * annual * num as f64 / c.population as f64);
                (value, num, Some(c.population as i64), None)
            }
        },
    };
    IndicatorValue {
        region,
        code: Cow::Borrowed(ind.code()),
        unit: Cow::Borrowed(ind.unit()),
        value,
        numerator: num,
        denominator: den,
        interval,
    }
}

fn asfr_group(ind: Indicator) -> usize {
    Indicator::ASFR
        .iter()
        .position(|&a| a == ind)
        .expect("an ASFR indicator")
}

/// The full catalogue for one region, in catalogue order.
pub fn compute_region(counts: &RegionCounts, region: u32) -> Vec<IndicatorValue> {
    let c = counts.get(region);
    Indicator::ALL
        .iter()
        .map(|&ind| compute(ind, c, counts.period, region))
        .collect()
}

/// The full catalogue for every region of the table (county, townships,
/// villages), region by region in table order.
pub fn compute_all(counts: &RegionCounts) -> Vec<IndicatorValue> {
    compute_regions(counts, 0..counts.counts.len() as u32)
}

/// The full catalogue for the given regions (a drill-down level, one region, …).
pub fn compute_regions(
    counts: &RegionCounts,
    regions: impl IntoIterator<Item = u32>,
) -> Vec<IndicatorValue> {
    let mut out = Vec::with_capacity(counts.counts.len() * Indicator::ALL.len());
    for r in regions {
        let c = counts.get(r);
        out.extend(
            Indicator::ALL
                .iter()
                .map(|&ind| compute(ind, c, counts.period, r)),
        );
    }
    out
}

/// One row of the `renkou indicators` JSON/CSV output, exactly the fields the
/// CLI documents: {"region_code", "region_name", "level", "period", "indicator",
/// "value", "numerator", "denominator", "unit"}.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRow {
    pub region_code: String,
    pub region_name: String,
    pub level: String,
    pub period: String,
    pub indicator: String,
    pub value: Option<f64>,
    pub numerator: i64,
    pub denominator: Option<i64>,
    pub unit: String,
}

/// Output rows for computed values.
pub fn rows(regions: &RegionTable, period: Period, values: &[IndicatorValue]) -> Vec<IndicatorRow> {
    let label = period.to_string();
    values
        .iter()
        .map(|v| IndicatorRow {
            region_code: regions.code(v.region).to_string(),
            region_name: regions.name(v.region).to_string(),
            level: regions.level(v.region).as_str().to_string(),
            period: label.clone(),
            indicator: v.code.to_string(),
            value: v.value,
            numerator: v.numerator,
            denominator: v.denominator,
            unit: v.unit.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_every_code_of_indicators_md_once() {
        let codes: Vec<&str> = Indicator::ALL.iter().map(|i| i.code()).collect();
        let expected = [
            "population_midyear",
            "births",
            "cbr",
            "gfr",
            "asfr_15_19",
            "asfr_20_24",
            "asfr_25_29",
            "asfr_30_34",
            "asfr_35_39",
            "asfr_40_44",
            "asfr_45_49",
            "tfr",
            "srb",
            "srb_order1",
            "srb_order2",
            "srb_order3p",
            "share_order1",
            "share_order2",
            "share_order3p",
            "deaths",
            "cdr",
            "natural_increase_rate",
        ];
        assert_eq!(codes, expected);
        for i in Indicator::ALL {
            assert_eq!(Indicator::parse(i.code()), Some(*i));
            let json = serde_json::to_string(i).unwrap();
            assert_eq!(serde_json::from_str::<Indicator>(&json).unwrap(), *i);
        }
    }

    #[test]
    fn empty_region_gives_nulls_not_zeros() {
        let c = Counts::default();
        for &ind in Indicator::ALL {
            let v = compute(ind, &c, Period::year(2024), 0);
            match ind.kind() {
                Kind::Count => assert_eq!(v.value, Some(0.0)),
                _ => assert_eq!(v.value, None, "{ind}"),
            }
        }
    }
}
