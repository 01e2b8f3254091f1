//! 月份: the calendar month, the unit of every benefit slot.
//!
//! A [`Month`] is one `u32` (months since year 0), so it is `Copy`, orders like the
//! calendar and steps with `+ 1`; it prints and parses as `YYYY-MM`.

use crate::rules::Date;
use chrono::Datelike;
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("月份无法识别“{0}”（应为 YYYY-MM） / month not understood: \"{0}\" (expected YYYY-MM)")]
pub struct MonthError(pub String);

/// A calendar month.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(u32);

impl Month {
    /// `month` is 1-12.
    pub fn new(year: i32, month: u32) -> Month {
        assert!((1..=12).contains(&month), "month {month} out of 1-12");
        assert!(year >= 0, "year {year} before year 0");
        Month(year as u32 * 12 + (month - 1))
    }

    /// The month a day falls in.
    pub fn of(day: Date) -> Month {
        Month::new(day.year(), day.month())
    }

    pub fn parse(s: &str) -> Result<Month, MonthError> {
        let t = s.trim();
        let err = || MonthError(t.to_string());
        let (y, m) = t.split_once('-').ok_or_else(err)?;
        let y: i32 = y.parse().map_err(|_| err())?;
        let m: u32 = m.parse().map_err(|_| err())?;
        if y.to_string().len() != 4 || !(1..=12).contains(&m) {
            return Err(err());
        }
        Ok(Month::new(y, m))
    }

    pub fn year(self) -> i32 {
        (self.0 / 12) as i32
    }

    /// 1-12.
    pub fn month(self) -> u32 {
        self.0 % 12 + 1
    }

    pub fn first_day(self) -> Date {
        Date::from_ymd_opt(self.year(), self.month(), 1).expect("a month's first day exists")
    }

    pub fn last_day(self) -> Date {
        self.next()
            .first_day()
            .pred_opt()
            .expect("a month has a last day")
    }

    pub fn next(self) -> Month {
        Month(self.0 + 1)
    }

    pub fn prev(self) -> Month {
        Month(self.0 - 1)
    }

    /// Months from `self` to `later` (0 when equal, negative when `later` is earlier).
    pub fn months_until(self, later: Month) -> i64 {
        later.0 as i64 - self.0 as i64
    }

    /// The months `first..=last` in order (empty when `last` is before `first`).
    pub fn through(self, last: Month) -> impl Iterator<Item = Month> {
        (self.0..=last.0).map(Month)
    }

    /// January to December of `year`.
    pub fn year_months(year: i32) -> impl Iterator<Item = Month> {
        Month::new(year, 1).through(Month::new(year, 12))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl fmt::Debug for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Month({self})")
    }
}

impl serde::Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A day `years` years after `day` (a birthday): 29 February becomes 1 March in
/// common years, as `renkou_domain::date::completed_years` counts ages.
pub fn anniversary(day: Date, years: i32) -> Date {
    let y = day.year() + years;
    Date::from_ymd_opt(y, day.month(), day.day())
        .unwrap_or_else(|| Date::from_ymd_opt(y, 3, 1).expect("1 March exists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn months_step_and_print() {
        let m = Month::new(2024, 12);
        assert_eq!(m.next(), Month::new(2025, 1));
        assert_eq!(m.next().prev(), m);
        assert_eq!(m.to_string(), "2024-12");
        assert_eq!(Month::parse("2025-03").unwrap(), Month::new(2025, 3));
        assert!(Month::parse("2025-13").is_err());
        assert!(Month::parse("25-03").is_err());
        assert_eq!(Month::of(d(2024, 2, 29)).last_day(), d(2024, 2, 29));
        assert_eq!(Month::new(2025, 1).months_until(Month::new(2026, 1)), 12);
        assert_eq!(Month::year_months(2025).count(), 12);
    }

    #[test]
    fn leap_day_birthdays_fall_on_the_first_of_march() {
        assert_eq!(anniversary(d(2024, 2, 29), 3), d(2027, 3, 1));
        assert_eq!(anniversary(d(2024, 2, 29), 4), d(2028, 2, 29));
        assert_eq!(anniversary(d(2022, 6, 30), 3), d(2025, 6, 30));
    }
}
