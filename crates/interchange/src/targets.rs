//! Targets-file rows → [`TargetLine`]s (see [`crate::schema::TARGET_COLUMNS`]).
//! Only the shape of a row is checked here; whether the indicator exists and the
//! region is the importer's to decide, with the same file:row:column errors.

use crate::cells::Cells;
use crate::error::RowError;
use crate::table::{Row, TableReader};
use renkou_domain::RegionCode;

/// Which side of a target is good, as a targets file writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TargetDirection {
    LowerIsBetter,
    HigherIsBetter,
    Band { low: f64, high: f64 },
}

impl TargetDirection {
    /// `lower` | `higher` | `band`, as stored.
    pub fn code(self) -> &'static str {
        match self {
            TargetDirection::LowerIsBetter => "lower",
            TargetDirection::HigherIsBetter => "higher",
            TargetDirection::Band { .. } => "band",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetLine {
    pub indicator: String,
    pub region: RegionCode,
    pub year: i32,
    pub direction: TargetDirection,
    pub value: f64,
    pub note: String,
}

fn number(s: &str) -> Result<f64, String> {
    let t = s.trim().trim_end_matches(['‰', '%']).trim();
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("“{s}”不是数字 / \"{s}\" is not a number"))
}

/// Parses a direction word: English codes or the Chinese a form or template uses.
pub fn parse_direction_word(s: &str) -> Option<&'static str> {
    match s.trim().to_ascii_lowercase().as_str() {
        "lower" | "越低越好" | "低" | "下降" => Some("lower"),
        "higher" | "越高越好" | "高" | "上升" => Some("higher"),
        "band" | "区间" | "范围" => Some("band"),
        _ => None,
    }
}

pub fn parse(reader: &TableReader, row: &Row) -> Result<TargetLine, Vec<RowError>> {
    let mut c = Cells::new(reader, row);
    let indicator = c.req("indicator").map(|s| s.trim().to_string());
    let v = c.req("region_code");
    let region = c.parse("region_code", v, RegionCode::parse_prefix);
    let v = c.req("year");
    let year = c.parse("year", v, |s| {
        s.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=2200).contains(y))
            .ok_or_else(|| format!("年份“{s}”无效 / year \"{s}\" is not valid"))
    });
    let v = c.req("direction");
    let word = c.parse("direction", v, |s| {
        parse_direction_word(s).ok_or_else(|| {
            format!("方向“{s}”无法识别（应为越低越好、越高越好或区间） / direction \"{s}\" not understood (lower, higher or band)")
        })
    });
    let v = c.opt("value");
    let value = c.parse("value", v, number);
    let v = c.opt("band_low");
    let low = c.parse("band_low", v, number);
    let v = c.opt("band_high");
    let high = c.parse("band_high", v, number);
    let note = c.opt("note").unwrap_or_default().to_string();
    let direction = match word {
        Some("band") => match (low, high) {
            (Some(l), Some(h)) if l < h => Some(TargetDirection::Band { low: l, high: h }),
            (Some(_), Some(_)) => {
                c.error(
                    "band_high",
                    "区间上限必须大于下限 / band_high must be above band_low".into(),
                );
                None
            }
            _ => {
                c.error(
                    "band_low",
                    "区间目标需要填写下限和上限 / a band needs band_low and band_high".into(),
                );
                None
            }
        },
        Some("lower") => Some(TargetDirection::LowerIsBetter),
        Some(_) => Some(TargetDirection::HigherIsBetter),
        None => None,
    };
    let value = match (direction, value) {
        (Some(TargetDirection::Band { low, high }), None) => Some((low + high) / 2.0),
        (Some(_), None) => {
            c.error("value", "请填写目标值 / value is required".into());
            None
        }
        (_, v) => v,
    };
    let line = (|| {
        Some(TargetLine {
            indicator: indicator?,
            region: region?,
            year: year?,
            direction: direction?,
            value: value?,
            note,
        })
    })();
    c.finish(line)
}
