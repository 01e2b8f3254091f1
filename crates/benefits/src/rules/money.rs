//! 金额: money in yuan, exact to the fen (2 decimal places), never floating point.
//!
//! Every amount a rule produces is a [`Yuan`]. It wraps a `rust_decimal::Decimal`
//! that is always rounded to 2 places, so a sum of slots is exactly what a
//! spreadsheet of the same slots sums to, and `300.00` prints as `300.00`.

use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub};
use std::str::FromStr;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("金额无法识别“{0}”（应为元，最多两位小数，如 300 或 82.50） / amount not understood: \"{0}\" (yuan with at most 2 decimals, e.g. 300 or 82.50)")]
pub struct YuanError(pub String);

/// An amount in yuan, exact to the fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Yuan(Decimal);

impl Yuan {
    pub const ZERO: Yuan = Yuan(Decimal::ZERO);

    /// Whole yuan (`Yuan::new(300)` is 300.00).
    pub fn new(yuan: i64) -> Yuan {
        Yuan(Decimal::new(yuan, 0).round_dp(2))
    }

    /// Parses `300`, `300.5` or `82.50`. More than two decimals are refused rather
    /// than rounded: an amount in a document is written to the fen, so a third
    /// decimal is a typing error, not a rounding question.
    pub fn parse(s: &str) -> Result<Yuan, YuanError> {
        let t = s.trim();
        let d = Decimal::from_str_exact(t).map_err(|_| YuanError(t.to_string()))?;
        if d.scale() > 2 {
            return Err(YuanError(t.to_string()));
        }
        Ok(Yuan::from_decimal(d))
    }

    /// Rounds a computed amount to the fen, half away from zero (四舍五入), which is
    /// how payment sheets round.
    pub fn from_decimal(d: Decimal) -> Yuan {
        let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        r.rescale(2);
        Yuan(r)
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// The amount times a decimal factor (a share, a rate), rounded to the fen.
    pub fn times(self, factor: Decimal) -> Yuan {
        Yuan::from_decimal(self.0 * factor)
    }

    /// The share of one month of a yearly amount: the year's amount divided by 12,
    /// rounded down to the fen for January to November, and December taking what
    /// is left. A full year then pays exactly the yearly amount (960 → 80 × 12;
    /// 1000 → 83.33 × 11 + 83.37), and every slot has one definite amount.
    pub fn month_share_of_year(yearly: Yuan, month_of_year: u32) -> Yuan {
        let twelfth =
            (yearly.0 / Decimal::from(12)).round_dp_with_strategy(2, RoundingStrategy::ToZero);
        let twelfth = Yuan::from_decimal(twelfth);
        if month_of_year == 12 {
            yearly - Yuan(twelfth.0 * Decimal::from(11))
        } else {
            twelfth
        }
    }

    /// The smaller of two amounts (a yearly cap).
    pub fn min(self, other: Yuan) -> Yuan {
        if self <= other {
            self
        } else {
            other
        }
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl FromStr for Yuan {
    type Err = YuanError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Yuan::parse(s)
    }
}

impl Add for Yuan {
    type Output = Yuan;
    fn add(self, o: Yuan) -> Yuan {
        Yuan(self.0 + o.0)
    }
}

impl AddAssign for Yuan {
    fn add_assign(&mut self, o: Yuan) {
        self.0 += o.0;
    }
}

impl Sub for Yuan {
    type Output = Yuan;
    fn sub(self, o: Yuan) -> Yuan {
        Yuan(self.0 - o.0)
    }
}

impl Neg for Yuan {
    type Output = Yuan;
    fn neg(self) -> Yuan {
        Yuan(-self.0)
    }
}

impl Sum for Yuan {
    fn sum<I: Iterator<Item = Yuan>>(iter: I) -> Yuan {
        iter.fold(Yuan::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Yuan> for Yuan {
    fn sum<I: Iterator<Item = &'a Yuan>>(iter: I) -> Yuan {
        iter.copied().sum()
    }
}

/// A decimal string in JSON and CSV (`"3600.00"`), so no reader turns it into a float.
impl serde::Serialize for Yuan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Yuan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Yuan::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(s: &str) -> Yuan {
        Yuan::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints_to_the_fen() {
        assert_eq!(y("300").to_string(), "300.00");
        assert_eq!(y("82.5").to_string(), "82.50");
        assert_eq!(Yuan::new(3600).to_string(), "3600.00");
        assert!(Yuan::parse("1.234").is_err());
        assert!(Yuan::parse("1e3").is_err());
        assert!(Yuan::parse("").is_err());
    }

    #[test]
    fn a_year_of_month_shares_is_the_yearly_amount() {
        // 3600 / 12 = 300 exactly; 960 / 12 = 80 exactly.
        assert_eq!(Yuan::month_share_of_year(Yuan::new(3600), 1), y("300"));
        assert_eq!(Yuan::month_share_of_year(Yuan::new(960), 12), y("80"));
        // 1000 / 12 = 83.333…: 83.33 for eleven months, 1000 − 11 × 83.33 = 83.37.
        assert_eq!(Yuan::month_share_of_year(Yuan::new(1000), 3), y("83.33"));
        assert_eq!(Yuan::month_share_of_year(Yuan::new(1000), 12), y("83.37"));
        let year: Yuan = (1..=12)
            .map(|m| Yuan::month_share_of_year(Yuan::new(1000), m))
            .sum();
        assert_eq!(year, Yuan::new(1000));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        // 0.125 × 1 → 0.13; 5% of 1234.50 = 61.725 → 61.73.
        assert_eq!(Yuan::from_decimal(Decimal::new(125, 3)), y("0.13"));
        assert_eq!(y("1234.50").times(Decimal::new(5, 2)), y("61.73"));
    }

    #[test]
    fn serializes_as_a_decimal_string() {
        assert_eq!(serde_json::to_string(&y("300")).unwrap(), r#""300.00""#);
    }
}
