//! births.csv rows → [`SourceBirth`]s, kept as the source wrote them.
//!
//! A source is evidence: a cell that does not parse (an ID number with a wrong
//! check digit or an impossible date inside, a 15-digit number, a date that cannot
//! exist, an unreadable sex or birth order, a malformed region code) is kept as
//! written in `raw` with a [`SourceFlag`]. Refused are only what the file's bounds
//! refuse (a cell too long, control characters, digits Excel lost), a row without
//! its record id, and a row that describes no birth
//! ([`renkou_domain::birth::unusable`]), each with file:row:column.

use crate::cells::Cells;
use crate::error::RowError;
use crate::table::{Row, TableReader};
use renkou_domain::birth::{read_date, read_id, unusable, Parent, SourceFlag, SourceRaw};
use renkou_domain::{RegionCode, Sex, SourceBirth};

fn birth_order(s: &str) -> Option<u32> {
    let n = s.trim().trim_start_matches('第').trim_end_matches('孩');
    n.parse::<u32>().ok().filter(|n| (1..=20).contains(n))
}

pub fn parse(reader: &TableReader, row: &Row) -> Result<SourceBirth, Vec<RowError>> {
    let mut c = Cells::new(reader, row);
    let record_id = c.req("record_id");
    let child_name = c.opt("child_name");
    let sex = c.opt("child_sex");
    let date = c.opt("birth_date");
    let order = c.opt("birth_order");
    let mother_name = c.opt("mother_name");
    let mother_id = c.opt("mother_id_number");
    let mother_birth = c.opt("mother_birth_date");
    let father_name = c.opt("father_name");
    let father_id = c.opt("father_id_number");
    let region = c.opt("region_code");
    let place = c.opt("place");
    // Not kept on the record (the importer names the source), but bounded like
    // every other cell.
    let _ = c.opt("source");
    let Some(record_id) = record_id else {
        return c.finish(None);
    };
    let mut raw = SourceRaw::default();
    let mut flags = Vec::new();
    let child_sex = match sex {
        None => {
            flags.push(SourceFlag::SexMissing);
            Sex::Unknown
        }
        Some(s) => Sex::parse(s).unwrap_or_else(|_| {
            raw.child_sex = Some(s.to_string());
            flags.push(SourceFlag::SexInvalid);
            Sex::Unknown
        }),
    };
    let birth_date = match date {
        None => {
            flags.push(SourceFlag::BirthDateMissing);
            None
        }
        Some(s) => {
            let (d, r) = read_date(s);
            if r.is_some() {
                flags.push(SourceFlag::BirthDateInvalid);
            }
            raw.birth_date = r;
            d
        }
    };
    let reported_birth_order = order.and_then(|s| {
        let o = birth_order(s);
        if o.is_none() {
            raw.birth_order = Some(s.to_string());
            flags.push(SourceFlag::BirthOrderInvalid);
        }
        o
    });
    let mut id = |cell: Option<&str>, p: Parent, raw_slot: &mut Option<String>| {
        let (id, r, f) = read_id(cell?, p);
        *raw_slot = r;
        flags.extend(f);
        id
    };
    let mother_id_number = id(mother_id, Parent::Mother, &mut raw.mother_id_number);
    let father_id_number = id(father_id, Parent::Father, &mut raw.father_id_number);
    let mother_birth_date = mother_birth.and_then(|s| {
        let (d, r) = read_date(s);
        if r.is_some() {
            flags.push(SourceFlag::MotherBirthDateInvalid);
        }
        raw.mother_birth_date = r;
        d
    });
    let region_code = region.and_then(|s| match RegionCode::parse(s) {
        Ok(r) => Some(r),
        Err(_) => {
            raw.region_code = Some(s.trim().to_string());
            flags.push(SourceFlag::RegionMalformed);
            None
        }
    });
    if mother_name.is_none() && mother_id.is_none() {
        flags.push(SourceFlag::MotherMissing);
    }
    flags.sort();
    flags.dedup();
    let b = SourceBirth {
        record_id: record_id.to_string(),
        child_name: child_name.map(str::to_string),
        child_sex,
        birth_date,
        reported_birth_order,
        mother_name: mother_name.map(str::to_string),
        mother_id_number,
        mother_birth_date,
        father_name: father_name.map(str::to_string),
        father_id_number,
        region_code,
        place: place.map(str::to_string),
        raw,
        flags,
    };
    if let Some(why) = unusable(&b) {
        let column = if date.is_none() {
            "birth_date"
        } else {
            "mother_name"
        };
        c.error(column, why.to_string());
    }
    c.finish(Some(b))
}
