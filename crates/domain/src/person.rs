//! 人员: a person of the register, as a persons.csv row describes them and as the
//! register holds them now.

use crate::codes::{MaritalStatus, Relation, Residence, Sex};
use crate::date::{parse_date, Date};
use crate::id_number::IdNumber;
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// One person: the fields of persons.csv, typed. The register's current state of a
/// person is a `PersonRecord` too ([`PersonState`]), derived by folding their events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    /// 人员编号: the register's key for this person.
    pub person_no: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub id_number: Option<IdNumber>,
    pub household_no: String,
    pub region_code: RegionCode,
    pub marital_status: MaritalStatus,
    pub mother_no: Option<String>,
    pub father_no: Option<String>,
    pub residence: Residence,
    pub phone: Option<String>,
    pub death_date: Option<Date>,
    /// 与户主关系 (GB/T 4761), where the source says it.
    #[serde(default)]
    pub relation: Option<Relation>,
}

pub type PersonState = PersonRecord;

/// The fields a correction can change, named as in persons.csv.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Sex,
    BirthDate,
    IdNumber,
    HouseholdId,
    RegionCode,
    MaritalStatus,
    MotherId,
    FatherId,
    Residence,
    Phone,
    DeathDate,
    Relation,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::Name,
        Field::Sex,
        Field::BirthDate,
        Field::IdNumber,
        Field::HouseholdId,
        Field::RegionCode,
        Field::MaritalStatus,
        Field::MotherId,
        Field::FatherId,
        Field::Residence,
        Field::Phone,
        Field::DeathDate,
        Field::Relation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::IdNumber => "id_number",
            Field::HouseholdId => "household_id",
            Field::RegionCode => "region_code",
            Field::MaritalStatus => "marital_status",
            Field::MotherId => "mother_id",
            Field::FatherId => "father_id",
            Field::Residence => "residence",
            Field::Phone => "phone",
            Field::DeathDate => "death_date",
            Field::Relation => "relation",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Field::Name => "姓名",
            Field::Sex => "性别",
            Field::BirthDate => "出生日期",
            Field::IdNumber => "公民身份号码",
            Field::HouseholdId => "户编号",
            Field::RegionCode => "区划代码",
            Field::MaritalStatus => "婚姻状况",
            Field::MotherId => "母亲编号",
            Field::FatherId => "父亲编号",
            Field::Residence => "居住状态",
            Field::Phone => "联系电话",
            Field::DeathDate => "死亡日期",
            Field::Relation => "与户主关系",
        }
    }

    /// The field's name on an English page.
    pub fn name_en(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Sex => "sex",
            Field::BirthDate => "birth date",
            Field::IdNumber => "ID number",
            Field::HouseholdId => "household number",
            Field::RegionCode => "region code",
            Field::MaritalStatus => "marital status",
            Field::MotherId => "mother's number",
            Field::FatherId => "father's number",
            Field::Residence => "residence",
            Field::Phone => "phone",
            Field::DeathDate => "death date",
            Field::Relation => "relation to head",
        }
    }

    /// A value of this field (interchange spelling) as a Chinese page shows it:
    /// codes by their label (`2` → 女, `20` → 已婚, `outflow` → 流出, `12` → 妻),
    /// an empty value as （空）.
    pub fn label_zh(self, value: &str) -> String {
        if value.is_empty() {
            return "（空）".into();
        }
        let label = match self {
            Field::Sex => Sex::parse(value).ok().map(|s| s.name_zh()),
            Field::MaritalStatus => MaritalStatus::parse(value).ok().map(|m| m.name_zh()),
            Field::Residence => Residence::parse(value).ok().map(|r| r.name_zh()),
            Field::Relation => Relation::parse(value).ok().map(|r| r.name_zh()),
            _ => None,
        };
        label.map_or_else(|| value.to_string(), str::to_string)
    }

    /// [`Field::label_zh`] for an English page: `2` → female, `20` → married,
    /// `12` → wife, an empty value as (empty).
    pub fn label_en(self, value: &str) -> String {
        if value.is_empty() {
            return "(empty)".into();
        }
        let label = match self {
            Field::Sex => Sex::parse(value).ok().map(|s| s.name_en()),
            Field::MaritalStatus => MaritalStatus::parse(value).ok().map(|m| m.name_en()),
            Field::Residence => Residence::parse(value).ok().map(|r| r.name_en()),
            Field::Relation => Relation::parse(value).ok().map(|r| r.name_en()),
            _ => None,
        };
        label.map_or_else(|| value.to_string(), str::to_string)
    }

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.as_str() == s || f.name_zh() == s)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FieldError {
    #[error("{field}不能为空 / {field_en} must not be empty")]
    Empty {
        field: &'static str,
        field_en: &'static str,
    },
    #[error("{0}")]
    Invalid(String),
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl PersonRecord {
    /// The value of one field in its interchange spelling ("" for none).
    pub fn get(&self, field: Field) -> String {
        match field {
            Field::Name => self.name.clone(),
            Field::Sex => self.sex.code().to_string(),
            Field::BirthDate => self.birth_date.to_string(),
            Field::IdNumber => self
                .id_number
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default(),
            Field::HouseholdId => self.household_no.clone(),
            Field::RegionCode => self.region_code.to_string(),
            Field::MaritalStatus => self.marital_status.code().to_string(),
            Field::MotherId => self.mother_no.clone().unwrap_or_default(),
            Field::FatherId => self.father_no.clone().unwrap_or_default(),
            Field::Residence => self.residence.as_str().to_string(),
            Field::Phone => self.phone.clone().unwrap_or_default(),
            Field::DeathDate => self.death_date.map(|d| d.to_string()).unwrap_or_default(),
            Field::Relation => self.relation.map(|r| r.code()).unwrap_or_default(),
        }
    }

    /// Sets one field from its interchange spelling, validating it as an import would.
    pub fn set(&mut self, field: Field, value: &str) -> Result<(), FieldError> {
        let inv = |e: &dyn fmt::Display| FieldError::Invalid(e.to_string());
        let required = |v: &str| {
            if v.trim().is_empty() {
                Err(FieldError::Empty {
                    field: field.name_zh(),
                    field_en: field.as_str(),
                })
            } else {
                Ok(v.trim().to_string())
            }
        };
        match field {
            Field::Name => self.name = required(value)?,
            Field::Sex => self.sex = Sex::parse(value).map_err(|e| inv(&e))?,
            Field::BirthDate => {
                self.birth_date = parse_date(&required(value)?).map_err(|e| inv(&e))?
            }
            Field::IdNumber => {
                self.id_number = match opt(value) {
                    None => None,
                    Some(v) => Some(IdNumber::parse(&v).map_err(|e| inv(&e))?),
                }
            }
            Field::HouseholdId => self.household_no = required(value)?,
            Field::RegionCode => {
                self.region_code = RegionCode::parse(&required(value)?).map_err(|e| inv(&e))?
            }
            Field::MaritalStatus => {
                self.marital_status = MaritalStatus::parse(value).map_err(|e| inv(&e))?
            }
            Field::MotherId => self.mother_no = opt(value),
            Field::FatherId => self.father_no = opt(value),
            Field::Residence => self.residence = Residence::parse(value).map_err(|e| inv(&e))?,
            Field::Phone => self.phone = opt(value),
            Field::DeathDate => {
                self.death_date = match opt(value) {
                    None => None,
                    Some(v) => Some(parse_date(&v).map_err(|e| inv(&e))?),
                }
            }
            Field::Relation => {
                self.relation = match opt(value) {
                    None => None,
                    Some(v) => Some(Relation::parse(&v).map_err(|e| inv(&e))?),
                }
            }
        }
        Ok(())
    }

    /// The person as the 14 cells of a persons.csv row (person_id first, then
    /// [`Field::ALL`] in order), in their interchange spelling.
    pub fn to_cells(&self) -> [String; 14] {
        let mut out: [String; 14] = Default::default();
        out[0] = self.person_no.clone();
        for (i, f) in Field::ALL.into_iter().enumerate() {
            out[i + 1] = self.get(f);
        }
        out
    }

    /// Parses the 14 cells written by [`PersonRecord::to_cells`] (or the 13 written
    /// before the relation to the household head was a field: it is then empty).
    pub fn from_cells<S: AsRef<str>>(cells: &[S]) -> Result<PersonRecord, FieldError> {
        if cells.len() != 13 && cells.len() != 14 {
            return Err(FieldError::Invalid(format!(
                "应有14列，实有{} / expected 14 cells, found {}",
                cells.len(),
                cells.len()
            )));
        }
        let mut p = PersonRecord {
            person_no: cells[0].as_ref().to_string(),
            name: String::new(),
            sex: Sex::Unknown,
            birth_date: Date::default(),
            id_number: None,
            household_no: String::new(),
            region_code: RegionCode::parse("110000000000")
                .map_err(|e| FieldError::Invalid(e.to_string()))?,
            marital_status: MaritalStatus::NotStated,
            mother_no: None,
            father_no: None,
            residence: Residence::Resident,
            phone: None,
            death_date: None,
            relation: None,
        };
        for (i, f) in Field::ALL.into_iter().enumerate().take(cells.len() - 1) {
            p.set(f, cells[i + 1].as_ref())?;
        }
        Ok(p)
    }

    /// The fields that differ, with the old (self) and new value.
    pub fn diff(&self, newer: &PersonRecord) -> Vec<(Field, String, String)> {
        Field::ALL
            .into_iter()
            .filter_map(|f| {
                let (a, b) = (self.get(f), newer.get(f));
                (a != b).then_some((f, a, b))
            })
            .collect()
    }

    pub fn is_alive_on(&self, day: Date) -> bool {
        self.birth_date <= day && self.death_date.is_none_or(|d| d > day)
    }
}

/// Serde for a person inside an event payload: the 14 interchange cells as a JSON
/// array. A registration event carries a whole person and there is one per person
/// imported, so the compact form keeps the event log about a third of the size of
/// field-named objects.
pub mod as_cells {
    use super::PersonRecord;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(p: &PersonRecord, s: S) -> Result<S::Ok, S::Error> {
        p.to_cells().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PersonRecord, D::Error> {
        let cells: Vec<String> = Vec::deserialize(d)?;
        PersonRecord::from_cells(&cells).map_err(serde::de::Error::custom)
    }
}
