//! Calendar dates as the interchange files spell them.

use thiserror::Error;

pub type Date = chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("日期无法识别“{0}”（应为 YYYY-MM-DD、YYYY/M/D、YYYYMMDD 或 YYYY年M月D日） / date not understood: \"{0}\" (expected YYYY-MM-DD, YYYY/M/D, YYYYMMDD or YYYY年M月D日)")]
pub struct DateError(pub String);

/// Parses the date spellings that interchange.md allows: `YYYY-MM-DD`, `YYYY/M/D`,
/// `YYYYMMDD`, `YYYY年M月D日` (and `YYYY-M-D`, `YYYY.M.D`, which Excel users also type).
/// Hand-written because chrono's format strings cannot express "1 or 2 digits" together
/// with the Chinese suffix form, and this is the hot path of every import.
pub fn parse_date(s: &str) -> Result<Date, DateError> {
    let t = s.trim();
    let err = || DateError(t.to_string());
    let b = t.as_bytes();
    if b.len() == 8 && b.iter().all(u8::is_ascii_digit) {
        let y = num(&b[0..4]);
        let m = num(&b[4..6]);
        let d = num(&b[6..8]);
        return Date::from_ymd_opt(y as i32, m, d).ok_or_else(err);
    }
    // Split on any of the separators; the 年月日 form ends with 日.
    let body = t.strip_suffix('日').unwrap_or(t);
    let mut parts = body.split(['-', '/', '.', '年', '月']).map(str::trim);
    let (y, m, d) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d), None) => (y, m, d),
        _ => return Err(err()),
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return Err(err());
    }
    if ![y, m, d]
        .iter()
        .all(|p| p.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(err());
    }
    // The 年月日 form must use its own separators, not a mix.
    if t.contains('年') != t.ends_with('日') {
        return Err(err());
    }
    Date::from_ymd_opt(
        num(y.as_bytes()) as i32,
        num(m.as_bytes()),
        num(d.as_bytes()),
    )
    .ok_or_else(err)
}

fn num(b: &[u8]) -> u32 {
    b.iter().fold(0, |n, c| n * 10 + (c - b'0') as u32)
}

/// Completed years between `from` and `on` (an age, or a mother's age at a birth).
/// A person born on 29 February turns a year older on 1 March in common years.
pub fn completed_years(from: Date, on: Date) -> i32 {
    use chrono::Datelike;
    let mut years = on.year() - from.year();
    if (on.month(), on.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn accepts_every_documented_spelling() {
        for s in [
            "2024-03-05",
            "2024/3/5",
            "2024/03/05",
            "20240305",
            "2024年3月5日",
            "2024年03月05日",
            " 2024-3-5 ",
        ] {
            assert_eq!(parse_date(s), Ok(d(2024, 3, 5)), "{s}");
        }
    }

    #[test]
    fn rejects_nonsense() {
        for s in [
            "",
            "2024",
            "2024-02-30",
            "24-3-5",
            "2024年3月5",
            "2024-3-5日",
            "3/5/2024",
            "2024-003-05",
            "abcd-ef-gh",
        ] {
            assert!(parse_date(s).is_err(), "{s}");
        }
    }

    #[test]
    fn completed_years_handles_birthdays_and_leap_days() {
        assert_eq!(completed_years(d(2000, 7, 1), d(2015, 7, 1)), 15);
        assert_eq!(completed_years(d(2000, 7, 2), d(2015, 7, 1)), 14);
        assert_eq!(completed_years(d(2000, 2, 29), d(2015, 2, 28)), 14);
        assert_eq!(completed_years(d(2000, 2, 29), d(2015, 3, 1)), 15);
        assert_eq!(completed_years(d(2000, 2, 29), d(2016, 2, 29)), 16);
    }
}
