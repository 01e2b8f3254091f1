//! 疑似重复: before a form saves a birth, a person or a move-in, the records it
//! may repeat are shown and the user confirms or stops. Nothing is written until
//! they confirm. Only records of the writer's own area are looked at (a likely
//! duplicate elsewhere is not the writer's to see; the register still refuses an
//! ID number another person holds).

use crate::error::AppError;
use renkou_domain::{Date, PersonRecord, RegionCode};
use renkou_store::{Actor, Store};

/// How far apart two births of one mother may be and still look like one.
pub const SAME_BIRTH_DAYS: i64 = 30;

/// A record the form may repeat, and why it looks like one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub person_no: String,
    pub name: String,
    pub birth_date: Date,
    /// In Chinese: 同一母亲 30 天内已有出生登记 / 公民身份号码相同 / 同村同名同出生日期.
    pub why: &'static str,
}

fn push(out: &mut Vec<Duplicate>, p: &PersonRecord, why: &'static str) {
    if !out.iter().any(|d| d.person_no == p.person_no) {
        out.push(Duplicate {
            person_no: p.person_no.clone(),
            name: p.name.clone(),
            birth_date: p.birth_date,
            why,
        });
    }
}

/// Births of `mother_no` within [`SAME_BIRTH_DAYS`] of `birth_date`.
pub fn births_near(
    store: &Store,
    actor: &Actor,
    mother_no: &str,
    birth_date: Date,
) -> Result<Vec<Duplicate>, AppError> {
    let Some(mother) = store.person(mother_no)? else {
        return Ok(Vec::new());
    };
    if !actor.can_read(&mother.region_code) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for c in store.children_of(mother_no)? {
        if (c.birth_date - birth_date).num_days().abs() <= SAME_BIRTH_DAYS {
            if let Some(p) = store.person(&c.person_no)? {
                push(&mut out, &p, "同一母亲30天内已有出生登记");
            }
        }
    }
    Ok(out)
}

/// Persons of `village` (within the actor's area) with the same ID number, or
/// the same name and birth date.
pub fn same_person(
    store: &Store,
    actor: &Actor,
    village: &RegionCode,
    name: &str,
    birth_date: Option<Date>,
    id_number: Option<&str>,
) -> Result<Vec<Duplicate>, AppError> {
    let mut out = Vec::new();
    if name.trim().is_empty() && id_number.is_none() {
        return Ok(out);
    }
    // The same ID number anywhere in the actor's area; name and date in the village.
    let area = actor.area().cloned().unwrap_or_else(|| village.clone());
    if let Some(id) = id_number {
        for p in store.likely_same_persons(&area, "", None, Some(id))? {
            push(&mut out, &p, "公民身份号码相同");
        }
    }
    if !name.trim().is_empty() && birth_date.is_some() {
        for p in store.likely_same_persons(village, name, birth_date, None)? {
            push(&mut out, &p, "同村同名且出生日期相同");
        }
    }
    Ok(out)
}
