//! 生育登记 (birth registration): a service record, not a permission. The office
//! records who registers (a couple or a single parent, as the register knows
//! them), the marriage as they declare it, where they live, the children the
//! register knows, and the expected or actual birth — and gives a number from its
//! book for the year. There is no approval step and nothing is refused for the
//! number of children (product.md); what can be refused is only what cannot be
//! recorded: a parent the register does not hold in the recorder's area, a
//! missing date.
//!
//! The number is taken inside the registration's transaction
//! ([`tables::take_number`]), so two registrations at once never share or skip one.
//! A county can start a year's book where its paper book stopped ([`start_book`]).

use crate::error::Error;
use crate::rules::{office_of, registration_number, Applicant, Marriage};
use crate::tables::{self, BirthRegistration, BirthRow, Book, BIRTH_REGISTRATION, BOOK};
use chrono::Datelike;
use renkou_domain::account::Role;
use renkou_domain::{Date, RegionCode, RegionLevel};
use renkou_store::{Actor, AuditAction, AuditNote, Store, StoreError};

/// A registration as the form or the command line gives it.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub applicant: Applicant,
    pub mother_no: Option<String>,
    pub father_no: Option<String>,
    pub marriage: Marriage,
    /// The village the family lives in.
    pub residence: RegionCode,
    pub address: String,
    pub expected_on: Option<Date>,
    pub born_on: Option<Date>,
    pub child_no: Option<String>,
    pub registered_on: Date,
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// Records a registration and returns (id, number).
pub fn register(store: &Store, actor: &Actor, r: &NewRegistration) -> Result<(i64, String), Error> {
    let mother = clean(&r.mother_no);
    let father = clean(&r.father_no);
    let child = clean(&r.child_no);
    match r.applicant {
        Applicant::Couple if mother.is_none() || father.is_none() => {
            return Err(Error::Field(
                "夫妻登记须填写母亲和父亲的人员编号",
                "a couple's registration needs the mother's and the father's person numbers",
            ));
        }
        Applicant::SingleMother if mother.is_none() => {
            return Err(Error::Field(
                "须填写母亲的人员编号",
                "the mother's person number is required",
            ));
        }
        Applicant::SingleFather if father.is_none() => {
            return Err(Error::Field(
                "须填写父亲的人员编号",
                "the father's person number is required",
            ));
        }
        _ => {}
    }
    if r.expected_on.is_none() && r.born_on.is_none() {
        return Err(Error::Field(
            "预产期和出生日期至少填写一项",
            "give the expected or the actual birth date",
        ));
    }
    if r.residence.level() < RegionLevel::Village {
        return Err(Error::Field(
            "居住地应为村（居）的区划代码",
            "the residence must be a village's region code",
        ));
    }
    let address = r.address.trim();
    if address.chars().count() > 200 {
        return Err(Error::Field(
            "详细地址不能超过 200 字",
            "the address may have at most 200 characters",
        ));
    }
    let office = office_of(&r.residence);
    let year = r.registered_on.year();
    store.write(actor, |tx| {
        if !tx.actor().can_write(&r.residence) {
            return Err(Error::Store(StoreError::Forbidden));
        }
        if !tables::region_exists(tx.conn(), &r.residence)? {
            return Err(Error::UnknownRegion(r.residence.as_str().into()));
        }
        // Each person named must be in the register, inside the recorder's area
        // (outside it the answer is "no such person", as for a number nobody has).
        for no in [&mother, &father, &child].into_iter().flatten() {
            tx.person(no)?
                .ok_or_else(|| StoreError::NoPerson(no.clone()))?;
        }
        let children = tables::children_known(tx.conn(), mother.as_deref(), father.as_deref())?;
        let seq = tables::take_number(tx, &office, year)?;
        let number = registration_number(&office, year, seq);
        let id = tables::insert_birth(
            tx,
            &BirthRow {
                number: &number,
                office: &office,
                year,
                seq,
                registered_on: r.registered_on,
                applicant: r.applicant,
                mother_no: mother.as_deref(),
                father_no: father.as_deref(),
                marriage: r.marriage,
                residence: &r.residence,
                address,
                children_known: &children,
                expected_on: r.expected_on,
                born_on: r.born_on,
                child_no: child.as_deref(),
            },
        )?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: BIRTH_REGISTRATION,
            record_id: &number,
            fields: &format!(
                "applicant={};mother={};father={};residence={}",
                r.applicant.code(),
                mother.as_deref().unwrap_or("-"),
                father.as_deref().unwrap_or("-"),
                r.residence.as_str()
            ),
        })?;
        Ok((id, number))
    })
}

/// A registration when the family lives in the reader's area.
pub fn registration(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<Option<BirthRegistration>, Error> {
    let Some(b) = store.with(|c| tables::birth(c, id))? else {
        return Ok(None);
    };
    let Ok(code) = RegionCode::parse(&b.residence_code) else {
        return Ok(None);
    };
    Ok(actor.can_read(&code).then_some(b))
}

/// The registrations of `area` (which must lie inside the reader's), newest first.
pub fn registrations(
    store: &Store,
    actor: &Actor,
    area: &RegionCode,
    limit: i64,
) -> Result<Vec<BirthRegistration>, Error> {
    if !actor.can_read(area) {
        return Err(Error::Store(StoreError::Forbidden));
    }
    Ok(store.with(|c| tables::births_in(c, area, limit))?)
}

/// The books of the offices in `area`.
pub fn books(store: &Store, actor: &Actor, area: &RegionCode) -> Result<Vec<Book>, Error> {
    if !actor.can_read(area) {
        return Err(Error::Store(StoreError::Forbidden));
    }
    Ok(store.with(|c| tables::books(c, area))?)
}

/// Starts `office`'s book for `year` at `first` — where the county's paper book
/// stopped. County administrators (and the operator) only, and only while the book
/// holds no registration, so no number already given can be given again.
pub fn start_book(
    store: &Store,
    actor: &Actor,
    office: &RegionCode,
    year: i32,
    first: i64,
) -> Result<(), Error> {
    if let Some(s) = &actor.scope {
        if s.role != Role::CountyAdmin {
            return Err(Error::CountyOnly);
        }
    }
    if !(1..=9_999_999).contains(&first) {
        return Err(Error::Field(
            "起始编号应为 1 到 9999999 之间的整数",
            "the first number must be a whole number from 1 to 9999999",
        ));
    }
    let office = office_of(office);
    store.write(actor, |tx| {
        if !tx.actor().can_write(&office) {
            return Err(Error::Store(StoreError::Forbidden));
        }
        if !tables::region_exists(tx.conn(), &office)? {
            return Err(Error::UnknownRegion(office.as_str().into()));
        }
        if tables::registrations_in_book(tx.conn(), &office, year)? > 0 {
            return Err(Error::SequenceInUse {
                office: office.as_str().into(),
                year,
            });
        }
        tables::set_book_start(tx, &office, year, first)?;
        tx.audit(AuditNote {
            action: AuditAction::UPDATE,
            record: BOOK,
            record_id: &format!("{}-{year}", office.as_str()),
            fields: &format!("first={first}"),
        })?;
        Ok(())
    })
}
