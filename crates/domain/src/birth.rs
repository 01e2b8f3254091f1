//! 出生记录: a live birth as one source (village ledger, hospital birth certificates,
//! household registration, birth registration service) reports it. Source records
//! are kept as the source said them — including its birth order — and never change
//! the register by themselves; reconciliation compares them with it.
//!
//! A source is evidence, not register data: an ID number with a wrong check digit,
//! a 15-digit number, an impossible date or a village the region tree does not know
//! is exactly what linkage is built to see through. Such a cell is kept as written
//! ([`SourceRaw`]) with a [`SourceFlag`] saying why the typed field could not hold
//! it; the typed fields hold what could be read. Only a row that describes no birth
//! ([`usable`]) is refused.

use crate::codes::Sex;
use crate::date::{parse_date, Date};
use crate::id_number::{IdNumber, IdNumberError};
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceBirth {
    /// 记录编号: unique within the source.
    pub record_id: String,
    pub child_name: Option<String>,
    /// `Unknown` when the source left it empty or wrote something unreadable
    /// (then in `raw.child_sex`).
    pub child_sex: Sex,
    /// `None` when the source gave none, or one that cannot exist (then in
    /// `raw.birth_date`).
    pub birth_date: Option<Date>,
    /// 孩次 as this source reports it (not the register's derived order).
    pub reported_birth_order: Option<u32>,
    pub mother_name: Option<String>,
    /// The number when it is a valid one (a legacy 15-digit number upgraded: the
    /// 15 digits are in `raw`).
    pub mother_id_number: Option<IdNumber>,
    pub mother_birth_date: Option<Date>,
    pub father_name: Option<String>,
    pub father_id_number: Option<IdNumber>,
    /// A code of the region tree; a well-formed code the tree does not know is in
    /// `raw.region_code`.
    pub region_code: Option<RegionCode>,
    pub place: Option<String>,
    /// The cells as the source wrote them, where the typed field could not hold
    /// them exactly.
    #[serde(default, skip_serializing_if = "SourceRaw::is_empty")]
    pub raw: SourceRaw,
    /// Why, one flag per reason, in a fixed order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<SourceFlag>,
}

/// Cells kept as written (trimmed) because the typed field could not hold them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceRaw {
    pub child_sex: Option<String>,
    pub birth_date: Option<String>,
    pub birth_order: Option<String>,
    pub mother_id_number: Option<String>,
    pub mother_birth_date: Option<String>,
    pub father_id_number: Option<String>,
    pub region_code: Option<String>,
}

impl SourceRaw {
    pub fn is_empty(&self) -> bool {
        *self == SourceRaw::default()
    }
}

/// Why a cell of a source record is kept as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFlag {
    BirthDateMissing,
    BirthDateInvalid,
    SexMissing,
    SexInvalid,
    BirthOrderInvalid,
    MotherIdCheckDigit,
    MotherIdBirthDate,
    MotherIdLegacy,
    MotherIdMalformed,
    MotherBirthDateInvalid,
    FatherIdCheckDigit,
    FatherIdBirthDate,
    FatherIdLegacy,
    FatherIdMalformed,
    RegionUnknown,
    RegionMalformed,
    MotherMissing,
}

impl SourceFlag {
    pub const ALL: [SourceFlag; 17] = [
        SourceFlag::BirthDateMissing,
        SourceFlag::BirthDateInvalid,
        SourceFlag::SexMissing,
        SourceFlag::SexInvalid,
        SourceFlag::BirthOrderInvalid,
        SourceFlag::MotherIdCheckDigit,
        SourceFlag::MotherIdBirthDate,
        SourceFlag::MotherIdLegacy,
        SourceFlag::MotherIdMalformed,
        SourceFlag::MotherBirthDateInvalid,
        SourceFlag::FatherIdCheckDigit,
        SourceFlag::FatherIdBirthDate,
        SourceFlag::FatherIdLegacy,
        SourceFlag::FatherIdMalformed,
        SourceFlag::RegionUnknown,
        SourceFlag::RegionMalformed,
        SourceFlag::MotherMissing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceFlag::BirthDateMissing => "birth_date_missing",
            SourceFlag::BirthDateInvalid => "birth_date_invalid",
            SourceFlag::SexMissing => "sex_missing",
            SourceFlag::SexInvalid => "sex_invalid",
            SourceFlag::BirthOrderInvalid => "birth_order_invalid",
            SourceFlag::MotherIdCheckDigit => "mother_id_check_digit",
            SourceFlag::MotherIdBirthDate => "mother_id_birth_date",
            SourceFlag::MotherIdLegacy => "mother_id_legacy",
            SourceFlag::MotherIdMalformed => "mother_id_malformed",
            SourceFlag::MotherBirthDateInvalid => "mother_birth_date_invalid",
            SourceFlag::FatherIdCheckDigit => "father_id_check_digit",
            SourceFlag::FatherIdBirthDate => "father_id_birth_date",
            SourceFlag::FatherIdLegacy => "father_id_legacy",
            SourceFlag::FatherIdMalformed => "father_id_malformed",
            SourceFlag::RegionUnknown => "region_unknown",
            SourceFlag::RegionMalformed => "region_malformed",
            SourceFlag::MotherMissing => "mother_missing",
        }
    }

    pub fn parse(s: &str) -> Option<SourceFlag> {
        SourceFlag::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            SourceFlag::BirthDateMissing => "出生日期空缺",
            SourceFlag::BirthDateInvalid => "出生日期不存在",
            SourceFlag::SexMissing => "性别空缺",
            SourceFlag::SexInvalid => "性别无法识别",
            SourceFlag::BirthOrderInvalid => "孩次无法识别",
            SourceFlag::MotherIdCheckDigit => "母亲身份号码校验位错误",
            SourceFlag::MotherIdBirthDate => "母亲身份号码中的出生日期不存在",
            SourceFlag::MotherIdLegacy => "母亲身份号码为旧15位",
            SourceFlag::MotherIdMalformed => "母亲身份号码位数或字符不对",
            SourceFlag::MotherBirthDateInvalid => "母亲出生日期不存在",
            SourceFlag::FatherIdCheckDigit => "父亲身份号码校验位错误",
            SourceFlag::FatherIdBirthDate => "父亲身份号码中的出生日期不存在",
            SourceFlag::FatherIdLegacy => "父亲身份号码为旧15位",
            SourceFlag::FatherIdMalformed => "父亲身份号码位数或字符不对",
            SourceFlag::RegionUnknown => "区划代码不在区划表中",
            SourceFlag::RegionMalformed => "区划代码格式不对",
            SourceFlag::MotherMissing => "没有母亲信息",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            SourceFlag::BirthDateMissing => "no birth date",
            SourceFlag::BirthDateInvalid => "birth date cannot exist",
            SourceFlag::SexMissing => "no sex",
            SourceFlag::SexInvalid => "sex unreadable",
            SourceFlag::BirthOrderInvalid => "birth order unreadable",
            SourceFlag::MotherIdCheckDigit => "mother's ID number: wrong check digit",
            SourceFlag::MotherIdBirthDate => "mother's ID number: impossible embedded date",
            SourceFlag::MotherIdLegacy => "mother's ID number: legacy 15 digits",
            SourceFlag::MotherIdMalformed => "mother's ID number: wrong length or characters",
            SourceFlag::MotherBirthDateInvalid => "mother's birth date cannot exist",
            SourceFlag::FatherIdCheckDigit => "father's ID number: wrong check digit",
            SourceFlag::FatherIdBirthDate => "father's ID number: impossible embedded date",
            SourceFlag::FatherIdLegacy => "father's ID number: legacy 15 digits",
            SourceFlag::FatherIdMalformed => "father's ID number: wrong length or characters",
            SourceFlag::RegionUnknown => "region code not in the region tree",
            SourceFlag::RegionMalformed => "region code malformed",
            SourceFlag::MotherMissing => "no mother's name or ID number",
        }
    }

    /// Flags as stored: comma-separated names.
    pub fn join(flags: &[SourceFlag]) -> String {
        flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn split(s: &str) -> Vec<SourceFlag> {
        s.split(',').filter_map(SourceFlag::parse).collect()
    }
}

/// Whose ID number a cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    Mother,
    Father,
}

/// An ID number cell as a source wrote it: the valid number when there is one, the
/// cell itself when it is not exactly that number, and why.
pub fn read_id(
    cell: &str,
    parent: Parent,
) -> (Option<IdNumber>, Option<String>, Option<SourceFlag>) {
    let t = cell.trim();
    let flag = |m: SourceFlag, f: SourceFlag| match parent {
        Parent::Mother => m,
        Parent::Father => f,
    };
    match IdNumber::parse(t) {
        Ok(id) if id.as_str() == t => (Some(id), None, None),
        Ok(id) if t.len() == 15 => (
            Some(id),
            Some(t.to_string()),
            Some(flag(SourceFlag::MotherIdLegacy, SourceFlag::FatherIdLegacy)),
        ),
        // A lower-case x: the same number.
        Ok(id) => (Some(id), None, None),
        Err(e) => {
            let f = match e {
                IdNumberError::CheckDigit { .. } => flag(
                    SourceFlag::MotherIdCheckDigit,
                    SourceFlag::FatherIdCheckDigit,
                ),
                IdNumberError::BirthDate => {
                    flag(SourceFlag::MotherIdBirthDate, SourceFlag::FatherIdBirthDate)
                }
                _ => flag(SourceFlag::MotherIdMalformed, SourceFlag::FatherIdMalformed),
            };
            (None, Some(t.to_string()), Some(f))
        }
    }
}

/// A date cell: the date, or the cell kept when it is no date.
pub fn read_date(cell: &str) -> (Option<Date>, Option<String>) {
    match parse_date(cell) {
        Ok(d) => (Some(d), None),
        Err(_) => (None, Some(cell.trim().to_string())),
    }
}

/// Why a row cannot be kept as a birth, if it cannot: a record with neither a birth
/// date (readable or not) nor anything of the mother cannot be compared with
/// anything. `None` = usable.
pub fn unusable(b: &SourceBirth) -> Option<&'static str> {
    let id = b.record_id.trim();
    if ["合计", "小计", "总计", "total"]
        .iter()
        .any(|t| id.starts_with(t))
    {
        return Some("这是合计行，不是出生记录 / a total row, not a birth");
    }
    let dated = b.birth_date.is_some() || b.raw.birth_date.is_some();
    let mother =
        b.mother_name.is_some() || b.mother_id_number.is_some() || b.raw.mother_id_number.is_some();
    (!dated && !mother).then_some(
        "既没有出生日期也没有母亲信息，不是可核对的出生记录 / neither a birth date nor anything of the mother: not a birth that can be compared",
    )
}

impl SourceBirth {
    /// The cells as the source wrote them, typed where they could be read: what
    /// linkage compares.
    pub fn birth_date_text(&self) -> String {
        self.raw
            .birth_date
            .clone()
            .or_else(|| self.birth_date.map(|d| d.to_string()))
            .unwrap_or_default()
    }

    pub fn mother_id_text(&self) -> String {
        self.raw
            .mother_id_number
            .clone()
            .or_else(|| self.mother_id_number.as_ref().map(|i| i.to_string()))
            .unwrap_or_default()
    }

    pub fn father_id_text(&self) -> String {
        self.raw
            .father_id_number
            .clone()
            .or_else(|| self.father_id_number.as_ref().map(|i| i.to_string()))
            .unwrap_or_default()
    }

    pub fn region_text(&self) -> String {
        self.raw
            .region_code
            .clone()
            .or_else(|| self.region_code.as_ref().map(|r| r.to_string()))
            .unwrap_or_default()
    }

    pub fn has(&self, f: SourceFlag) -> bool {
        self.flags.contains(&f)
    }

    /// Adds a flag, keeping the flags sorted and unique.
    pub fn flag(&mut self, f: SourceFlag) {
        if let Err(at) = self.flags.binary_search(&f) {
            self.flags.insert(at, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_cells_by_hand() {
        let good = IdNumber::compose(349901, Date::from_ymd_opt(1990, 5, 6).unwrap(), 12);
        let s = good.to_string();
        assert_eq!(
            read_id(&s, Parent::Mother),
            (Some(good.clone()), None, None)
        );
        // Wrong check digit.
        let last = if s.ends_with('0') { '1' } else { '0' };
        let bad = format!("{}{last}", &s[..17]);
        let (id, raw, f) = read_id(&bad, Parent::Mother);
        assert_eq!((id, raw.as_deref()), (None, Some(bad.as_str())));
        assert_eq!(f, Some(SourceFlag::MotherIdCheckDigit));
        // Month 13 inside.
        let month = format!("{}13{}", &s[..10], &s[12..]);
        assert_eq!(
            read_id(&month, Parent::Father).2,
            Some(SourceFlag::FatherIdBirthDate)
        );
        // Legacy 15 digits: upgraded, and the 15 kept.
        let legacy = format!("{}{}", &s[..6], &s[8..17]);
        let (id, raw, f) = read_id(&legacy, Parent::Mother);
        assert_eq!(id.map(|i| i.to_string()), Some(s.clone()));
        assert_eq!(raw.as_deref(), Some(legacy.as_str()));
        assert_eq!(f, Some(SourceFlag::MotherIdLegacy));
        assert_eq!(
            read_id("12345", Parent::Mother).2,
            Some(SourceFlag::MotherIdMalformed)
        );
    }

    #[test]
    fn flags_round_trip_and_stay_sorted() {
        for f in SourceFlag::ALL {
            assert_eq!(SourceFlag::parse(f.as_str()), Some(f));
        }
        let mut b = SourceBirth {
            record_id: "B1".into(),
            child_name: None,
            child_sex: Sex::Unknown,
            birth_date: None,
            reported_birth_order: None,
            mother_name: None,
            mother_id_number: None,
            mother_birth_date: None,
            father_name: None,
            father_id_number: None,
            region_code: None,
            place: None,
            raw: SourceRaw::default(),
            flags: Vec::new(),
        };
        assert!(unusable(&b).is_some());
        b.flag(SourceFlag::RegionUnknown);
        b.flag(SourceFlag::BirthDateMissing);
        b.flag(SourceFlag::RegionUnknown);
        assert_eq!(
            SourceFlag::split(&SourceFlag::join(&b.flags)),
            vec![SourceFlag::BirthDateMissing, SourceFlag::RegionUnknown]
        );
        b.mother_name = Some("王芳".into());
        assert!(unusable(&b).is_none());
    }
}
