//! 数据质量: facts that are possible but suspicious. They load, and land on a list for
//! a person to resolve, instead of blocking an import.

use crate::codes::Sex;
use crate::date::{completed_years, Date};
use crate::person::PersonRecord;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityKind {
    IdBirthDateMismatch,
    IdSexMismatch,
    MotherTooYoung,
    MotherTooOld,
    FatherTooYoung,
    DuplicateIdNumber,
    /// Found by the register's scan: rules a write through the forms, the API or
    /// an import would refuse today, on records that got in before.
    SelfParent,
    ParentWrongSex,
    ParentMissing,
    ParentYounger,
    HouseholdInOtherVillage,
    /// A roster gave the birth date to the month only and no ID number says the
    /// day: the register holds the 1st of that month.
    BirthDateMonthOnly,
}

impl QualityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QualityKind::IdBirthDateMismatch => "id_birth_date_mismatch",
            QualityKind::IdSexMismatch => "id_sex_mismatch",
            QualityKind::MotherTooYoung => "mother_too_young",
            QualityKind::MotherTooOld => "mother_too_old",
            QualityKind::FatherTooYoung => "father_too_young",
            QualityKind::DuplicateIdNumber => "duplicate_id_number",
            QualityKind::SelfParent => "self_parent",
            QualityKind::ParentWrongSex => "parent_wrong_sex",
            QualityKind::ParentMissing => "parent_missing",
            QualityKind::ParentYounger => "parent_younger",
            QualityKind::HouseholdInOtherVillage => "household_in_other_village",
            QualityKind::BirthDateMonthOnly => "birth_date_month_only",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            QualityKind::IdBirthDateMismatch => "身份号码与出生日期不符",
            QualityKind::IdSexMismatch => "身份号码与性别不符",
            QualityKind::MotherTooYoung => "母亲生育年龄过小",
            QualityKind::MotherTooOld => "母亲生育年龄过大",
            QualityKind::FatherTooYoung => "父亲生育年龄过小",
            QualityKind::DuplicateIdNumber => "身份号码重复",
            QualityKind::SelfParent => "本人登记为自己的父母",
            QualityKind::ParentWrongSex => "父母性别不符",
            QualityKind::ParentMissing => "父母不在登记中",
            QualityKind::ParentYounger => "父母比子女年幼",
            QualityKind::HouseholdInOtherVillage => "户与人员不在同一村",
            QualityKind::BirthDateMonthOnly => "出生日期只知道年月",
        }
    }
    /// The English name, for the English pages.
    pub fn name_en(self) -> &'static str {
        match self {
            QualityKind::IdBirthDateMismatch => "ID number and birth date disagree",
            QualityKind::IdSexMismatch => "ID number and sex disagree",
            QualityKind::MotherTooYoung => "mother very young at the birth",
            QualityKind::MotherTooOld => "mother very old at the birth",
            QualityKind::FatherTooYoung => "father very young at the birth",
            QualityKind::DuplicateIdNumber => "ID number shared",
            QualityKind::SelfParent => "recorded as their own parent",
            QualityKind::ParentWrongSex => "parent of the wrong sex",
            QualityKind::ParentMissing => "parent not in the register",
            QualityKind::ParentYounger => "parent younger than the child",
            QualityKind::HouseholdInOtherVillage => "household in another village",
            QualityKind::BirthDateMonthOnly => "birth date known to the month only",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            QualityKind::IdBirthDateMismatch,
            QualityKind::IdSexMismatch,
            QualityKind::MotherTooYoung,
            QualityKind::MotherTooOld,
            QualityKind::FatherTooYoung,
            QualityKind::DuplicateIdNumber,
            QualityKind::SelfParent,
            QualityKind::ParentWrongSex,
            QualityKind::ParentMissing,
            QualityKind::ParentYounger,
            QualityKind::HouseholdInOtherVillage,
            QualityKind::BirthDateMonthOnly,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One suspicious fact about one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityIssue {
    pub person_no: String,
    pub kind: QualityKind,
    /// Chinese first, then English; names no personal data beyond the record's number.
    pub message: String,
}

/// Checks a person on their own (the ID number against the stated fields).
pub fn check_person(p: &PersonRecord) -> Vec<QualityIssue> {
    let mut out = Vec::new();
    if let Some(id) = &p.id_number {
        if id.birth_date() != p.birth_date {
            out.push(QualityIssue {
                person_no: p.person_no.clone(),
                kind: QualityKind::IdBirthDateMismatch,
                message: format!(
                    "身份号码中的出生日期（{}）与填报的出生日期（{}）不一致 / birth date in the ID number ({}) differs from the stated one ({})",
                    id.birth_date(), p.birth_date, id.birth_date(), p.birth_date
                ),
            });
        }
        if p.sex != Sex::Unknown && id.sex() != p.sex {
            out.push(QualityIssue {
                person_no: p.person_no.clone(),
                kind: QualityKind::IdSexMismatch,
                message: format!(
                    "身份号码显示性别为{}，填报为{} / the ID number says {}, the record {}",
                    id.sex().name_zh(),
                    p.sex.name_zh(),
                    id.sex().name_en(),
                    p.sex.name_en()
                ),
            });
        }
    }
    out
}

/// Youngest and oldest plausible ages of a parent at a birth.
pub const MOTHER_MIN_AGE: i32 = 14;
pub const MOTHER_MAX_AGE: i32 = 55;
pub const FATHER_MIN_AGE: i32 = 14;

/// Checks a child against a parent's birth date.
pub fn check_parent(
    child_no: &str,
    child_birth: Date,
    parent_birth: Date,
    mother: bool,
) -> Option<QualityIssue> {
    let age = completed_years(parent_birth, child_birth);
    let (kind, zh, en) = if mother && age < MOTHER_MIN_AGE {
        (
            QualityKind::MotherTooYoung,
            "母亲生育时年龄",
            "mother's age at the birth",
        )
    } else if mother && age > MOTHER_MAX_AGE {
        (
            QualityKind::MotherTooOld,
            "母亲生育时年龄",
            "mother's age at the birth",
        )
    } else if !mother && age < FATHER_MIN_AGE {
        (
            QualityKind::FatherTooYoung,
            "父亲生育时年龄",
            "father's age at the birth",
        )
    } else {
        return None;
    };
    Some(QualityIssue {
        person_no: child_no.to_string(),
        kind,
        message: format!("{zh}为{age}岁，请核实 / {en} is {age}, please verify"),
    })
}
