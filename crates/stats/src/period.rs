//! Reporting periods: a calendar year, quarter, month or custom date range, with
//! the two choices every non-year figure depends on.
//!
//! **Reference day** (the day "mid-year population" P and women W are counted on):
//! - a year: 1 July, as indicators.md defines;
//! - a quarter, month or custom range: the period's middle day,
//!   `first + (days − 1) / 2` (integer division, so for an even number of days the
//!   earlier of the two middle days). Q1 2025 (90 days) → 14 February; July
//!   (31 days) → 16 July. For a leap year the same formula gives 1 July, for a
//!   common year 2 July — which is why a year is special-cased to 1 July.
//!
//! **Annualisation**: rates (cbr, gfr, asfr, tfr, cdr, natural increase and
//! user-defined flow/stock rates) are multiplied by `1 / exposure_years`, where
//! `exposure_years = days in period / days in the calendar year of the reference
//! day`. So a whole calendar year has exposure exactly 1 and the figures are those
//! of indicators.md bit for bit, a 90-day Q1 2025 is multiplied by 365/90 and a
//! leap February by 366/29. We chose the calendar year's own length over the usual
//! 365.25 because 365.25/365 ≠ 1 would make a custom range covering a whole year
//! disagree with the year figure. Counts (P, B, D) and ratios (SRB, order shares)
//! are never annualised. A custom range that is exactly a calendar year, quarter or
//! month becomes that period, so it gets the same reference day and label.

use chrono::{Datelike, Duration};
use renkou_domain::{parse_date, Date};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    #[error("季度应为1至4，实为{0} / quarter must be 1 to 4, found {0}")]
    Quarter(u32),
    #[error("月份应为1至12，实为{0} / month must be 1 to 12, found {0}")]
    Month(u32),
    #[error("年份{0}超出范围 / year {0} is out of range")]
    Year(i32),
    #[error("起始日期{from}晚于结束日期{to} / the period starts ({from}) after it ends ({to})")]
    Reversed { from: Date, to: Date },
    #[error("期间“{0}”无法识别（应为 2024、2024Q1、2024-03、2024年3月、2024年第1季度 或 2024-01-01..2024-06-30） / period not understood: \"{0}\" (expected 2024, 2024Q1, 2024-03, 2024年3月, 2024年第1季度 or 2024-01-01..2024-06-30)")]
    Syntax(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Year,
    Quarter,
    Month,
    Range,
}

/// A reporting period: the days `first..=last`. Construct with [`Period::year`],
/// [`Period::quarter`], [`Period::month`], [`Period::range`] or parse its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    kind: PeriodKind,
    first: Date,
    last: Date,
}

impl Period {
    /// The calendar year `y`. Panics only outside chrono's range (±262 000 years).
    pub fn year(y: i32) -> Period {
        Self::try_year(y).expect("year within chrono's range")
    }

    pub fn try_year(y: i32) -> Result<Period, PeriodError> {
        let first = Date::from_ymd_opt(y, 1, 1).ok_or(PeriodError::Year(y))?;
        let last = Date::from_ymd_opt(y, 12, 31).ok_or(PeriodError::Year(y))?;
        Ok(Period {
            kind: PeriodKind::Year,
            first,
            last,
        })
    }

    pub fn quarter(y: i32, q: u32) -> Result<Period, PeriodError> {
        if !(1..=4).contains(&q) {
            return Err(PeriodError::Quarter(q));
        }
        let first = Date::from_ymd_opt(y, 3 * q - 2, 1).ok_or(PeriodError::Year(y))?;
        let last = month_end(y, 3 * q).ok_or(PeriodError::Year(y))?;
        Ok(Period {
            kind: PeriodKind::Quarter,
            first,
            last,
        })
    }

    pub fn month(y: i32, m: u32) -> Result<Period, PeriodError> {
        if !(1..=12).contains(&m) {
            return Err(PeriodError::Month(m));
        }
        let first = Date::from_ymd_opt(y, m, 1).ok_or(PeriodError::Year(y))?;
        let last = month_end(y, m).ok_or(PeriodError::Year(y))?;
        Ok(Period {
            kind: PeriodKind::Month,
            first,
            last,
        })
    }

    /// The days `from..=to`. A range that is exactly a calendar year, quarter or
    /// month becomes that period.
    pub fn range(from: Date, to: Date) -> Result<Period, PeriodError> {
        if from > to {
            return Err(PeriodError::Reversed { from, to });
        }
        let (y, m) = (from.year(), from.month());
        if from.day() == 1 && to.year() == y {
            if m == 1 && (to.month(), to.day()) == (12, 31) {
                return Self::try_year(y);
            }
            if Some(to) == month_end(y, m) {
                return Self::month(y, m);
            }
            if m % 3 == 1 && Some(to) == month_end(y, m + 2) {
                return Self::quarter(y, m.div_ceil(3));
            }
        }
        Ok(Period {
            kind: PeriodKind::Range,
            first: from,
            last: to,
        })
    }

    /// The years `last_year − n + 1 ..= last_year`, oldest first (trend charts).
    pub fn last_years(last_year: i32, n: u32) -> Vec<Period> {
        (0..n as i32)
            .rev()
            .map(|k| Period::year(last_year - k))
            .collect()
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    pub fn first_day(&self) -> Date {
        self.first
    }

    /// The last day, inclusive.
    pub fn last_day(&self) -> Date {
        self.last
    }

    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    #[inline]
    pub fn contains(&self, day: Date) -> bool {
        self.first <= day && day <= self.last
    }

    /// The day P and W are counted on: 1 July for a year, else the middle day
    /// (see the module documentation).
    pub fn reference_day(&self) -> Date {
        match self.kind {
            PeriodKind::Year => Date::from_ymd_opt(self.first.year(), 7, 1).expect("1 July"),
            _ => self.first + Duration::days((self.days() - 1) / 2),
        }
    }

    /// The period's length in years of exposure: exactly 1 for a calendar year.
    pub fn exposure_years(&self) -> f64 {
        let y = self.reference_day().year();
        let year_days = if Date::from_ymd_opt(y, 2, 29).is_some() {
            366.0
        } else {
            365.0
        };
        self.days() as f64 / year_days
    }

    /// The factor rates are multiplied by: `1 / exposure_years` (1 for a year).
    pub fn annualisation(&self) -> f64 {
        match self.kind {
            PeriodKind::Year => 1.0,
            _ => 1.0 / self.exposure_years(),
        }
    }
}

fn month_end(y: i32, m: u32) -> Option<Date> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    Date::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt())
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let y = self.first.year();
        match self.kind {
            PeriodKind::Year => write!(f, "{y}"),
            PeriodKind::Quarter => write!(f, "{y}Q{}", self.first.month().div_ceil(3)),
            PeriodKind::Month => write!(f, "{y}-{:02}", self.first.month()),
            PeriodKind::Range => write!(f, "{}..{}", self.first, self.last),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    /// Accepts the labels [`Display`](fmt::Display) writes, plus `2024-Q1`,
    /// `2024-3`, `2024.3`, `2024/3`, any date spelling of `parse_date` around
    /// `..`, and the spellings a Chinese input method produces: full-width
    /// characters (`２０２５Ｑ３`, `２０２５－０３`), `2025年`, `2025年3月`,
    /// `2025年第3季度` / `2025年3季度`, and Chinese numerals (`二〇二五年`,
    /// `2025年十二月`, `2025年第三季度`). Never panics: anything else is a
    /// [`PeriodError::Syntax`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = normalise(s);
        let syntax = || PeriodError::Syntax(echo(s.trim()));
        if let Some((a, b)) = t.split_once("..") {
            let from = parse_date(a).map_err(|_| syntax())?;
            let to = parse_date(b).map_err(|_| syntax())?;
            return Period::range(from, to);
        }
        // Every character is ASCII or CJK from here on, but slicing goes by
        // `strip_prefix`/`char_indices`, never by a byte count, so no input can
        // land a cut inside a multi-byte character.
        let year_len = t.chars().take_while(char::is_ascii_digit).count();
        if year_len != 4 {
            return Err(syntax());
        }
        let (y, rest) = t.split_at(4); // four ASCII digits: 4 bytes
        let y: i32 = y.parse().map_err(|_| syntax())?;
        if let Some(rest) = rest.strip_prefix('年') {
            // The Chinese spellings: 2025年, 2025年3月, 2025年第3季度, 2025年3季度
            // (and 2025年Q3, as business writing has it).
            if rest.is_empty() {
                return Period::try_year(y);
            }
            if let Some(q) = rest.strip_prefix(['Q', 'q']) {
                return Period::quarter(y, small_number(q).ok_or_else(syntax)?);
            }
            if let Some(q) = rest.strip_suffix("季度") {
                let q = q.strip_prefix('第').unwrap_or(q);
                return Period::quarter(y, small_number(q).ok_or_else(syntax)?);
            }
            let m = rest.strip_suffix('月').ok_or_else(syntax)?;
            return Period::month(y, small_number(m).ok_or_else(syntax)?);
        }
        if rest.is_empty() {
            return Period::try_year(y);
        }
        let rest = rest.strip_prefix(['-', '.', '/']).unwrap_or(rest);
        if let Some(q) = rest.strip_prefix(['Q', 'q']) {
            return Period::quarter(y, small_number(q).ok_or_else(syntax)?);
        }
        Period::month(y, small_number(rest).ok_or_else(syntax)?)
    }
}

/// Full-width forms (U+FF01..U+FF5E) become their ASCII letters, the ideographic
/// space a space, the Chinese digits 〇/零..九 ASCII digits; whitespace is dropped
/// (`2025 年 3 月`). 十 stays: it is not a digit but a ten (see [`small_number`]).
fn normalise(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '〇' | '零' => '0',
                '一' => '1',
                '二' => '2',
                '三' => '3',
                '四' => '4',
                '五' => '5',
                '六' => '6',
                '七' => '7',
                '八' => '8',
                '九' => '9',
                c => c,
            };
            (!c.is_whitespace()).then_some(c)
        })
        .collect()
}

/// A month or quarter number: one or two ASCII digits, or 十, 十N (after
/// [`normalise`] turned 一..九 into digits: 十 = 10, 十1 = 11, 十2 = 12).
fn small_number(s: &str) -> Option<u32> {
    let digits = |p: &str| !p.is_empty() && p.len() <= 2 && p.bytes().all(|c| c.is_ascii_digit());
    if digits(s) {
        return s.parse().ok();
    }
    let ones = s.strip_prefix('十')?;
    if ones.is_empty() {
        return Some(10);
    }
    match ones.parse::<u32>() {
        Ok(n @ 1..=9) if ones.len() == 1 => Some(10 + n),
        _ => None,
    }
}

/// What a syntax error shows of the input: at most 40 characters, so a huge
/// query parameter is not echoed back whole.
fn echo(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn reference_days() {
        assert_eq!(Period::year(2023).reference_day(), d(2023, 7, 1));
        assert_eq!(Period::year(2024).reference_day(), d(2024, 7, 1));
        assert_eq!(
            Period::quarter(2025, 1).unwrap().reference_day(),
            d(2025, 2, 14)
        );
        assert_eq!(
            Period::month(2025, 7).unwrap().reference_day(),
            d(2025, 7, 16)
        );
        assert_eq!(
            Period::month(2024, 2).unwrap().reference_day(),
            d(2024, 2, 15)
        );
        let r = Period::range(d(2025, 3, 10), d(2025, 3, 13)).unwrap();
        assert_eq!(r.reference_day(), d(2025, 3, 11));
    }

    #[test]
    fn annualisation_is_one_for_a_year_and_scales_parts() {
        assert_eq!(Period::year(2024).annualisation(), 1.0);
        assert_eq!(Period::year(2023).exposure_years(), 1.0);
        let q = Period::quarter(2025, 1).unwrap();
        assert_eq!(q.days(), 90);
        assert!((q.annualisation() - 365.0 / 90.0).abs() < 1e-12);
        let feb = Period::month(2024, 2).unwrap();
        assert!((feb.annualisation() - 366.0 / 29.0).abs() < 1e-12);
    }

    #[test]
    fn whole_calendar_ranges_normalise() {
        assert_eq!(
            Period::range(d(2024, 1, 1), d(2024, 12, 31)).unwrap(),
            Period::year(2024)
        );
        assert_eq!(
            Period::range(d(2024, 4, 1), d(2024, 6, 30)).unwrap(),
            Period::quarter(2024, 2).unwrap()
        );
        assert_eq!(
            Period::range(d(2024, 2, 1), d(2024, 2, 29)).unwrap(),
            Period::month(2024, 2).unwrap()
        );
        assert_eq!(
            Period::range(d(2024, 2, 1), d(2024, 3, 31)).unwrap().kind(),
            PeriodKind::Range
        );
        assert!(Period::range(d(2024, 2, 2), d(2024, 2, 1)).is_err());
    }

    #[test]
    fn labels_round_trip() {
        for s in ["2024", "2024Q3", "2024-02", "2024-02-03..2024-05-01"] {
            let p: Period = s.parse().unwrap();
            assert_eq!(p.to_string(), s);
        }
        assert_eq!("2024-q3".parse::<Period>().unwrap().to_string(), "2024Q3");
        assert_eq!("2024-3".parse::<Period>().unwrap().to_string(), "2024-03");
        for bad in [
            "",
            "24",
            "2024Q5",
            "2024-13",
            "2024-x",
            "2024-05-01..2024-02-03",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        let json = serde_json::to_string(&Period::quarter(2024, 1).unwrap()).unwrap();
        assert_eq!(json, "\"2024Q1\"");
        assert_eq!(
            Period::last_years(2024, 3),
            vec![Period::year(2022), Period::year(2023), Period::year(2024)]
        );
    }
}

#[cfg(test)]
mod parse_tests {
    //! The spellings a Chinese input method produces, and the promise that no
    //! input panics (full-width digits used to cut `split_at(4)` mid-character).
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Result<Period, PeriodError> {
        s.parse()
    }

    #[test]
    fn full_width_and_chinese_years() {
        for s in [
            "２０２５",
            "2025年",
            "２０２５年",
            "二〇二五",
            "二〇二五年",
            " 2025 ",
            "\u{3000}２０２５\u{3000}",
        ] {
            assert_eq!(p(s), Ok(Period::year(2025)), "{s}");
        }
    }

    #[test]
    fn chinese_and_full_width_months() {
        let march = Period::month(2025, 3).unwrap();
        for s in [
            "2025年3月",
            "2025年03月",
            "２０２５年３月",
            "2025 年 3 月",
            "２０２５－０３",
            "2025.3",
            "２０２５．３",
            "2025/03",
            "二〇二五年三月",
        ] {
            assert_eq!(p(s), Ok(march), "{s}");
        }
        assert_eq!(p("2025年十月"), Period::month(2025, 10));
        assert_eq!(p("2025年十一月"), Period::month(2025, 11));
        assert_eq!(p("2025年十二月"), Period::month(2025, 12));
        assert_eq!(p("2025年13月"), Err(PeriodError::Month(13)));
        assert_eq!(p("2025年十三月"), Err(PeriodError::Month(13)));
    }

    #[test]
    fn chinese_and_full_width_quarters() {
        let q3 = Period::quarter(2025, 3).unwrap();
        for s in [
            "2025年第3季度",
            "2025年3季度",
            "2025年第三季度",
            "２０２５Ｑ３",
            "２０２５ｑ３",
            "２０２５－Ｑ３",
            "2025年Q3",
            "2025Q3",
        ] {
            assert_eq!(p(s), Ok(q3), "{s}");
        }
        assert_eq!(p("2025年第5季度"), Err(PeriodError::Quarter(5)));
    }

    #[test]
    fn full_width_ranges() {
        let r = Period::range(
            Date::from_ymd_opt(2025, 3, 10).unwrap(),
            Date::from_ymd_opt(2025, 3, 13).unwrap(),
        );
        assert_eq!(p("２０２５－０３－１０．．２０２５－０３－１３"), r);
        assert_eq!(p("2025年3月10日..2025年3月13日"), r);
    }

    #[test]
    fn everything_else_is_a_syntax_error() {
        for s in [
            "２０２",
            "二〇二",
            "2025年3",
            "2025年第季度",
            "2025年三",
            "2025年月",
            "2025-",
            "2025Q",
            "2025Q十十",
            "20250",
            "é025",
            "20é5",
            "2025é",
            "2025年é月",
            "💥💥💥💥",
            "2025-３é",
            "..",
            "2025..",
        ] {
            assert!(
                matches!(p(s), Err(PeriodError::Syntax(_))),
                "{s}: {:?}",
                p(s)
            );
        }
    }

    #[test]
    fn a_huge_input_is_not_echoed_whole() {
        let s = "年".repeat(100_000);
        let e = p(&s).unwrap_err().to_string();
        assert!(e.chars().count() < 400, "{} characters", e.chars().count());
    }

    proptest! {
        #[test]
        fn no_string_panics(s in any::<String>()) {
            let _ = p(&s);
        }

        /// Strings from the characters the parser looks at, so the deep branches
        /// (after 年, before 季度, around ..) are reached with multi-byte input.
        #[test]
        fn no_period_like_string_panics(
            s in "[0-9０-９〇零一二三四五六七八九十年月季度第QqＱｑ\\-－\\.．/ 　é💥]{0,14}"
        ) {
            let _ = p(&s);
        }
    }
}
