//! persons.csv rows → [`PersonRecord`]s.

use crate::cells::Cells;
use crate::error::RowError;
use crate::table::{Row, TableReader};
use renkou_domain::{IdNumber, MaritalStatus, PersonRecord, RegionCode, Relation, Residence, Sex};

/// Parses one row; every bad field of the row is reported.
pub fn parse(reader: &TableReader, row: &Row) -> Result<PersonRecord, Vec<RowError>> {
    let mut c = Cells::new(reader, row);
    let person_no = c.req("person_id");
    let name = c.req("name");
    let v = c.req("sex");
    let sex = c.parse("sex", v, Sex::parse);
    let birth_date = c.date("birth_date", true);
    let v = c.opt("id_number");
    let id_number = c.parse("id_number", v, IdNumber::parse);
    let household_no = c.req("household_id");
    let v = c.req("region_code");
    let region_code = c.parse("region_code", v, RegionCode::parse);
    let v = c.opt("marital_status").unwrap_or("90");
    let marital_status = c.parse("marital_status", Some(v), MaritalStatus::parse);
    let mother_no = c.opt("mother_id");
    let father_no = c.opt("father_id");
    let v = c.opt("residence").unwrap_or("resident");
    let residence = c.parse("residence", Some(v), Residence::parse);
    let phone = c.opt("phone");
    let death_date = c.date("death_date", false);
    let v = c.opt("relation");
    let relation = c.parse("relation", v, Relation::parse);
    if let (Some(b), Some(d)) = (birth_date, death_date) {
        if d < b {
            c.error(
                "death_date",
                "死亡日期早于出生日期 / death date is before the birth date".into(),
            );
        }
    }
    if person_no.is_some() && (mother_no == person_no || father_no == person_no) {
        c.error(
            if mother_no == person_no {
                "mother_id"
            } else {
                "father_id"
            },
            "本人不能是自己的父母 / a person cannot be their own parent".into(),
        );
    }
    let record = (|| {
        Some(PersonRecord {
            person_no: person_no?.to_string(),
            name: name?.to_string(),
            sex: sex?,
            birth_date: birth_date?,
            id_number,
            household_no: household_no?.to_string(),
            region_code: region_code?,
            marital_status: marital_status?,
            mother_no: mother_no.map(str::to_string),
            father_no: father_no.map(str::to_string),
            residence: residence?,
            phone: phone.map(str::to_string),
            death_date,
            relation,
        })
    })();
    c.finish(record)
}

/// The row's cells in columns the file kind does not know, non-empty only, as a
/// JSON object (kept beside the record, never dropped).
pub fn extras(reader: &TableReader, extra: &[(usize, String)], row: &Row) -> Option<String> {
    let _ = reader;
    let mut m = serde_json::Map::new();
    for (i, h) in extra {
        let v = row.cell(*i);
        if !v.is_empty() {
            m.insert(h.clone(), serde_json::Value::String(v.to_string()));
        }
    }
    (!m.is_empty()).then(|| serde_json::Value::Object(m).to_string())
}
