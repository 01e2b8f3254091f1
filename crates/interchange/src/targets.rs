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
        .ok_or_else(|| {
            let s = crate::echo::echo_value(s);
            format!("“{s}”不是数字 / \"{s}\" is not a number")
        })
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

/// One target as written, in a file row or a form: every field as text, empty
/// when not given.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetFields<'a> {
    pub indicator: &'a str,
    pub region_code: &'a str,
    pub year: &'a str,
    pub direction: &'a str,
    pub value: &'a str,
    pub band_low: &'a str,
    pub band_high: &'a str,
    pub note: &'a str,
}

/// Checks the fields of one target together; each problem is (column, message)
/// with the column named as in [`crate::schema::TARGET_COLUMNS`]. The same rules
/// for a targets file and for the web form.
fn opt(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

type FieldErrors = Vec<(&'static str, String)>;

fn required<'a>(errors: &mut FieldErrors, column: &'static str, s: &'a str) -> Option<&'a str> {
    let v = opt(s);
    if v.is_none() {
        let zh = crate::schema::TARGET_COLUMNS
            .iter()
            .find(|c| c.name == column)
            .map_or(column, |c| c.zh);
        errors.push((column, format!("{zh}不能为空 / {column} must not be empty")));
    }
    v
}

pub fn target_line(f: &TargetFields<'_>) -> Result<TargetLine, FieldErrors> {
    let mut errors = FieldErrors::new();
    let indicator = required(&mut errors, "indicator", f.indicator).map(str::to_string);
    let region = required(&mut errors, "region_code", f.region_code);
    let year = required(&mut errors, "year", f.year);
    let word = required(&mut errors, "direction", f.direction);
    let mut number_of = |column: &'static str, s: &str| {
        opt(s).and_then(|v| number(v).map_err(|e| errors.push((column, e))).ok())
    };
    let value = number_of("value", f.value);
    let low = number_of("band_low", f.band_low);
    let high = number_of("band_high", f.band_high);
    let region = region.and_then(|r| {
        RegionCode::parse_prefix(r)
            .map_err(|e| {
                let message = crate::echo::redact_message(&e.to_string(), r);
                errors.push(("region_code", message))
            })
            .ok()
    });
    let year = year.and_then(|y| {
        y.parse::<i32>()
            .ok()
            .filter(|y| (1900..=2200).contains(y))
            .or_else(|| {
                let y = crate::echo::echo_value(y);
                errors.push(("year", format!("年份“{y}”无效 / year \"{y}\" is not valid")));
                None
            })
    });
    let direction = match word.map(|w| (w, parse_direction_word(w))) {
        None => None,
        Some((w, None)) => {
            let w = crate::echo::echo_value(w);
            errors.push((
                "direction",
                format!("方向“{w}”无法识别（应为越低越好、越高越好或区间） / direction \"{w}\" not understood (lower, higher or band)"),
            ));
            None
        }
        Some((_, Some("band"))) => match (low, high) {
            (Some(l), Some(h)) if l < h => Some(TargetDirection::Band { low: l, high: h }),
            (Some(_), Some(_)) => {
                errors.push((
                    "band_high",
                    "区间上限必须大于下限 / band_high must be above band_low".into(),
                ));
                None
            }
            _ => {
                errors.push((
                    "band_low",
                    "区间目标需要填写下限和上限 / a band needs band_low and band_high".into(),
                ));
                None
            }
        },
        Some((_, Some("lower"))) => Some(TargetDirection::LowerIsBetter),
        Some(_) => Some(TargetDirection::HigherIsBetter),
    };
    let value = match (direction, value) {
        (Some(TargetDirection::Band { low, high }), None) => Some((low + high) / 2.0),
        (Some(_), None) => {
            errors.push(("value", "请填写目标值 / value is required".into()));
            None
        }
        (_, v) => v,
    };
    match (indicator, region, year, direction, value) {
        (Some(indicator), Some(region), Some(year), Some(direction), Some(value))
            if errors.is_empty() =>
        {
            Ok(TargetLine {
                indicator,
                region,
                year,
                direction,
                value,
                note: f.note.trim().to_string(),
            })
        }
        _ => Err(errors),
    }
}

pub fn parse(reader: &TableReader, row: &Row) -> Result<TargetLine, Vec<RowError>> {
    let mut c = Cells::new(reader, row);
    let mut cell = |name: &str| c.opt(name).unwrap_or_default();
    let fields = TargetFields {
        indicator: cell("indicator"),
        region_code: cell("region_code"),
        year: cell("year"),
        direction: cell("direction"),
        value: cell("value"),
        band_low: cell("band_low"),
        band_high: cell("band_high"),
        note: cell("note"),
    };
    target_line(&fields).map_err(|errors| {
        for (column, message) in errors {
            c.error(column, message);
        }
        c.errors
    })
}
