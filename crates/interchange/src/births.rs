//! births.csv rows → [`SourceBirth`]s.

use crate::cells::Cells;
use crate::error::RowError;
use crate::table::{Row, TableReader};
use renkou_domain::{IdNumber, RegionCode, Sex, SourceBirth};

pub fn parse(reader: &TableReader, row: &Row) -> Result<SourceBirth, Vec<RowError>> {
    let mut c = Cells::new(reader, row);
    let record_id = c.req("record_id");
    let child_name = c.opt("child_name");
    let v = c.req("child_sex");
    let child_sex = c.parse("child_sex", v, Sex::parse);
    let birth_date = c.date("birth_date", true);
    let v = c.opt("birth_order");
    let reported_birth_order = c.parse("birth_order", v, |s| {
        let n = s.trim_start_matches('第').trim_end_matches('孩');
        match n.parse::<u32>() {
            Ok(n) if (1..=20).contains(&n) => Ok(n),
            _ => Err(format!(
                "孩次应为1、2、3……，实为“{s}” / birth order must be 1, 2, 3, …, found \"{s}\"",
                s = crate::echo::echo_value(s)
            )),
        }
    });
    let mother_name = c.opt("mother_name");
    let v = c.opt("mother_id_number");
    let mother_id_number = c.parse("mother_id_number", v, IdNumber::parse);
    let mother_birth_date = c.date("mother_birth_date", false);
    let father_name = c.opt("father_name");
    let v = c.opt("father_id_number");
    let father_id_number = c.parse("father_id_number", v, IdNumber::parse);
    let v = c.opt("region_code");
    let region_code = c.parse("region_code", v, RegionCode::parse);
    let place = c.opt("place");
    // Not kept on the record (the importer names the source), but bounded like
    // every other cell.
    let _ = c.opt("source");
    let birth = (|| {
        Some(SourceBirth {
            record_id: record_id?.to_string(),
            child_name: child_name.map(str::to_string),
            child_sex: child_sex?,
            birth_date: birth_date?,
            reported_birth_order,
            mother_name: mother_name.map(str::to_string),
            mother_id_number,
            mother_birth_date,
            father_name: father_name.map(str::to_string),
            father_id_number,
            region_code,
            place: place.map(str::to_string),
        })
    })();
    c.finish(birth)
}
