//! 区划代码: statistical division codes and the levels of the region tree.
//!
//! 12 digits: province 2, prefecture 2, county 2, township 3, village 3. The level
//! follows from the trailing zeros; a village group (村民小组) appends 3 digits to its
//! village's code. A code "contains" another when it is a prefix of it at its level.

use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    Prefecture,
    County,
    Township,
    Village,
    VillageGroup,
}

impl RegionLevel {
    pub fn name_zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::Prefecture => "市",
            RegionLevel::County => "县",
            RegionLevel::Township => "乡镇",
            RegionLevel::Village => "村",
            RegionLevel::VillageGroup => "村民小组",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::Prefecture => "prefecture",
            RegionLevel::County => "county",
            RegionLevel::Township => "township",
            RegionLevel::Village => "village",
            RegionLevel::VillageGroup => "village_group",
        }
    }
    /// How many leading digits are significant at this level.
    pub fn significant_digits(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::Prefecture => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
            RegionLevel::VillageGroup => 15,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegionCodeError {
    #[error("区划代码应为12位数字（村民小组15位），实为“{0}” / region code must be 12 digits (15 for a village group), found \"{0}\"")]
    Shape(String),
    #[error(
        "区划代码“{0}”的层级不连续（上级段为0而下级段非0） / region code \"{0}\" skips a level"
    )]
    Gap(String),
}

/// A region code, always stored in its full 12-digit (or 15-digit) form.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, RegionCodeError> {
        let t = s.trim();
        if !(t.len() == 12 || t.len() == 15) || !t.bytes().all(|c| c.is_ascii_digit()) {
            return Err(RegionCodeError::Shape(t.to_string()));
        }
        if &t[..2] == "00" {
            return Err(RegionCodeError::Shape(t.to_string()));
        }
        let code = RegionCode(t.to_string());
        // Once a segment is zero, every finer segment must be zero too.
        let segs = code.segments();
        let mut seen_zero = false;
        for seg in segs {
            let zero = seg.bytes().all(|c| c == b'0');
            if seen_zero && !zero {
                return Err(RegionCodeError::Gap(t.to_string()));
            }
            seen_zero |= zero;
        }
        Ok(code)
    }

    /// Accepts a 6-, 9-, 12- or 15-digit code and pads a prefix with zeros
    /// (`349901` → the county `349901000000`).
    pub fn parse_prefix(s: &str) -> Result<Self, RegionCodeError> {
        let t = s.trim();
        match t.len() {
            2 | 4 | 6 | 9 => Self::parse(&format!("{t:0<12}")),
            _ => Self::parse(t),
        }
    }

    fn segments(&self) -> Vec<&str> {
        let s = self.0.as_str();
        let mut v = vec![&s[0..2], &s[2..4], &s[4..6], &s[6..9], &s[9..12]];
        if s.len() == 15 {
            v.push(&s[12..15]);
        }
        v
    }

    pub fn level(&self) -> RegionLevel {
        let s = self.0.as_bytes();
        if s.len() == 15 {
            return RegionLevel::VillageGroup;
        }
        let zero = |r: std::ops::Range<usize>| s[r].iter().all(|&c| c == b'0');
        if !zero(9..12) {
            RegionLevel::Village
        } else if !zero(6..9) {
            RegionLevel::Township
        } else if !zero(4..6) {
            RegionLevel::County
        } else if !zero(2..4) {
            RegionLevel::Prefecture
        } else {
            RegionLevel::Province
        }
    }

    /// The code of the region one level up; `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        let parent_level = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::Prefecture => RegionLevel::Province,
            RegionLevel::County => RegionLevel::Prefecture,
            RegionLevel::Township => RegionLevel::County,
            RegionLevel::Village => RegionLevel::Township,
            RegionLevel::VillageGroup => {
                return Some(RegionCode(self.0[..12].to_string()));
            }
        };
        Some(self.at_level(parent_level))
    }

    /// This code truncated to a coarser level (the township of a village, …).
    pub fn at_level(&self, level: RegionLevel) -> RegionCode {
        let n = level.significant_digits().min(self.0.len());
        if level == RegionLevel::VillageGroup {
            return self.clone();
        }
        RegionCode(format!("{:0<12}", &self.0[..n]))
    }

    /// The significant prefix: every code inside this region starts with it.
    pub fn prefix(&self) -> &str {
        &self.0[..self.level().significant_digits()]
    }

    /// Whether `other` lies inside this region (a region contains itself).
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(self.prefix()) && other.level() >= self.level()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_trailing_zeros() {
        assert_eq!(c("349901000000").level(), RegionLevel::County);
        assert_eq!(c("349901101000").level(), RegionLevel::Township);
        assert_eq!(c("349901101201").level(), RegionLevel::Village);
        assert_eq!(c("349901101201003").level(), RegionLevel::VillageGroup);
        assert_eq!(c("340000000000").level(), RegionLevel::Province);
    }

    #[test]
    fn parents_and_containment() {
        let v = c("349901101201");
        assert_eq!(v.parent(), Some(c("349901101000")));
        assert_eq!(c("349901101000").parent(), Some(c("349901000000")));
        assert_eq!(c("349901101201003").parent(), Some(v.clone()));
        assert!(c("349901000000").contains(&v));
        assert!(c("349901101000").contains(&v));
        assert!(v.contains(&v));
        assert!(!c("349901102000").contains(&v));
        assert!(!v.contains(&c("349901101000")));
        // "349901101201" must not contain a village that merely shares digits.
        assert!(!c("349901101000").contains(&c("349901110201")));
    }

    #[test]
    fn prefixes_are_padded() {
        assert_eq!(
            RegionCode::parse_prefix("349901").unwrap(),
            c("349901000000")
        );
        assert_eq!(
            RegionCode::parse_prefix("349901101").unwrap(),
            c("349901101000")
        );
    }

    #[test]
    fn rejects_malformed_codes() {
        assert!(RegionCode::parse("34990110120").is_err());
        assert!(RegionCode::parse("34990110120a").is_err());
        assert!(matches!(
            RegionCode::parse("349901000201"),
            Err(RegionCodeError::Gap(_))
        ));
    }
}

/// One row of the region tree, effective-dated: it exists on days in
/// `valid_from..valid_to` (either end open when `None`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub valid_from: Option<crate::Date>,
    /// The day after the last day it existed (merged, split, renamed).
    pub valid_to: Option<crate::Date>,
    /// Where its people went when it ended.
    pub successor: Option<RegionCode>,
}

impl Region {
    pub fn level(&self) -> RegionLevel {
        self.code.level()
    }

    pub fn exists_on(&self, day: crate::Date) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day < t)
    }
}
