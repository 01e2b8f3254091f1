//! regions.csv rows → [`Region`]s.

use crate::cells::Cells;
use crate::error::RowError;
use crate::table::{Row, TableReader};
use renkou_domain::{Region, RegionCode};

pub fn parse(reader: &TableReader, row: &Row) -> Result<Region, Vec<RowError>> {
    let mut c = Cells::new(reader, row);
    let v = c.req("region_code");
    let code = c.parse("region_code", v, RegionCode::parse);
    let name = c.req("name");
    let valid_from = c.date("valid_from", false);
    let valid_to = c.date("valid_to", false);
    let v = c.opt("successor_code");
    let successor = c.parse("successor_code", v, RegionCode::parse);
    if let (Some(f), Some(t)) = (valid_from, valid_to) {
        if t <= f {
            c.error(
                "valid_to",
                "停用日期必须晚于启用日期 / valid_to must be after valid_from".into(),
            );
        }
    }
    if successor.is_some() && valid_to.is_none() {
        c.error(
            "successor_code",
            "有继承区划时必须填写停用日期 / a successor needs a valid_to date".into(),
        );
    }
    let region = (|| {
        Some(Region {
            code: code?,
            name: name?.to_string(),
            valid_from,
            valid_to,
            successor,
        })
    })();
    c.finish(region)
}
