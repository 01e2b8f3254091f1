//! 公民身份号码: the GB 11643-1999 citizen ID number.
//!
//! Hand-written: the existing crates are unmaintained or LGPL, and the rule is 40 lines.
//! Layout of the 18 characters: 6 address code, 8 birth date (YYYYMMDD), 3 sequence
//! (odd = male), 1 check character (0-9 or X) over the first 17.

use crate::codes::Sex;
use crate::date::Date;
use std::fmt;
use thiserror::Error;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdNumberError {
    #[error("身份号码长度应为18位（或旧15位），实为{0}位 / ID number must have 18 (or legacy 15) characters, found {0}")]
    Length(usize),
    #[error("身份号码含非法字符 / ID number contains characters other than digits and a final X")]
    Characters,
    #[error("身份号码中的出生日期无效 / the birth date inside the ID number is not a real date")]
    BirthDate,
    #[error("身份号码校验位错误（应为{expected}，实为{found}） / wrong check digit (expected {expected}, found {found})")]
    CheckDigit { expected: char, found: char },
}

/// A valid 18-character ID number. Legacy 15-digit numbers are upgraded on parse.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber([u8; 18]);

impl IdNumber {
    pub fn parse(s: &str) -> Result<Self, IdNumberError> {
        let t = s.trim();
        let b = t.as_bytes();
        match b.len() {
            18 => {
                if !b[..17].iter().all(u8::is_ascii_digit)
                    || !(b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
                {
                    return Err(IdNumberError::Characters);
                }
                let mut a = [0u8; 18];
                a.copy_from_slice(b);
                a[17] = a[17].to_ascii_uppercase();
                let expected = check_char(&a[..17]);
                birth_date_of(&a).ok_or(IdNumberError::BirthDate)?;
                if a[17] != expected {
                    return Err(IdNumberError::CheckDigit {
                        expected: expected as char,
                        found: a[17] as char,
                    });
                }
                Ok(IdNumber(a))
            }
            15 => Self::upgrade_legacy(b),
            _ => Err(IdNumberError::Length(t.chars().count())),
        }
    }

    /// A 15-digit number (before 1999) has a 2-digit year of the 1900s and no check
    /// character: insert "19" and compute the check.
    fn upgrade_legacy(b: &[u8]) -> Result<Self, IdNumberError> {
        if !b.iter().all(u8::is_ascii_digit) {
            return Err(IdNumberError::Characters);
        }
        let mut a = [0u8; 18];
        a[..6].copy_from_slice(&b[..6]);
        a[6] = b'1';
        a[7] = b'9';
        a[8..17].copy_from_slice(&b[6..15]);
        a[17] = check_char(&a[..17]);
        birth_date_of(&a).ok_or(IdNumberError::BirthDate)?;
        Ok(IdNumber(a))
    }

    /// Builds a number from its parts, computing the check character (demo data, tests).
    pub fn compose(address: u32, birth: Date, sequence: u16) -> Self {
        let s = format!(
            "{:06}{}{:03}",
            address % 1_000_000,
            birth.format("%Y%m%d"),
            sequence % 1000
        );
        let mut a = [0u8; 18];
        a[..17].copy_from_slice(s.as_bytes());
        a[17] = check_char(&a[..17]);
        IdNumber(a)
    }

    pub fn as_str(&self) -> &str {
        // The bytes are ASCII digits or 'X' by construction.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    pub fn birth_date(&self) -> Date {
        birth_date_of(&self.0).unwrap_or_default()
    }

    /// The sex the sequence code implies: odd male, even female.
    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The 6-digit address code of the place of first registration.
    pub fn address_code(&self) -> &str {
        &self.as_str()[..6]
    }
}

/// The check character for the first 17 characters.
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| (c - b'0') as u32 * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

fn birth_date_of(a: &[u8; 18]) -> Option<Date> {
    let n = |r: std::ops::Range<usize>| a[r].iter().fold(0u32, |n, c| n * 10 + (c - b'0') as u32);
    let date = Date::from_ymd_opt(n(6..10) as i32, n(10..12), n(12..14))?;
    (date.year_ce().1 >= 1850).then_some(date)
}

use chrono::Datelike;

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Debug masks the number: ID numbers must not reach logs.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IdNumber({}…{})",
            &self.as_str()[..6],
            &self.as_str()[16..]
        )
    }
}

impl serde::Serialize for IdNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IdNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // A synthetic number built with the published algorithm (not a real person).
    const VALID: &str = "34990119491231058X";

    #[test]
    fn known_valid_number() {
        let id = IdNumber::parse(VALID).unwrap();
        assert_eq!(id.birth_date(), Date::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(IdNumber::parse("34990119491231058x").unwrap(), id);
    }

    #[test]
    fn wrong_check_digit_is_named() {
        assert_eq!(
            IdNumber::parse("349901194912310581"),
            Err(IdNumberError::CheckDigit {
                expected: 'X',
                found: '1'
            })
        );
    }

    #[test]
    fn legacy_numbers_are_upgraded() {
        // 15 digits: 349901 491231 058 -> 349901 19491231 058 X
        let id = IdNumber::parse("349901491231058").unwrap();
        assert_eq!(id.as_str(), VALID);
    }

    #[test]
    fn rejects_bad_shapes() {
        assert_eq!(IdNumber::parse("123"), Err(IdNumberError::Length(3)));
        assert_eq!(
            IdNumber::parse("3499021949123100AX"),
            Err(IdNumberError::Characters)
        );
        assert_eq!(
            IdNumber::parse("349902194913310026"),
            Err(IdNumberError::BirthDate)
        );
    }

    proptest! {
        #[test]
        fn composed_numbers_parse_back(addr in 110000u32..660000, days in 0i64..40000, seq in 0u16..1000) {
            let birth = Date::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = IdNumber::compose(addr, birth, seq);
            let back = IdNumber::parse(id.as_str()).unwrap();
            prop_assert_eq!(back.birth_date(), birth);
            prop_assert_eq!(&back, &id);
        }

        #[test]
        fn any_single_digit_change_is_caught(addr in 110000u32..660000, days in 0i64..40000, seq in 0u16..1000, pos in 0usize..17, delta in 1u8..10) {
            let birth = Date::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = IdNumber::compose(addr, birth, seq);
            let mut b = id.as_str().as_bytes().to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let s = String::from_utf8(b).unwrap();
            prop_assert!(IdNumber::parse(&s).is_err());
        }
    }
}
