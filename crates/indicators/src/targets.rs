//! Targets (目标值) and the gap dashboard (目标值 · 实际值 · 差距): setting a
//! target from a form or a targets file, and the seed's table of target, actual
//! and gap for every region of an area side by side.
//!
//! Who sets targets: county administrators and statisticians anywhere in their
//! area, township staff for their township and its villages; village workers see
//! them only. Every change is a new version (the store keeps the old ones).

use crate::error::Error;
use crate::figures::{Level, StatCache};
use crate::tables::{self, IndicatorTables, TargetInput, TargetRow};
use crate::views::{self, unknown_indicator, Column, Report};
use renkou_domain::account::{Role, Scope};
use renkou_domain::RegionCode;
use renkou_interchange::targets::{self as file, TargetDirection, TargetLine};
use renkou_interchange::{FileKind, Row, RowError, TableReader};
use renkou_stats::{Direction, Gap, Period, Target};
use renkou_store::Actor;
use renkou_store::Store;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Whether an account may set targets for `region`.
pub fn may_set_targets(scope: &Scope, region: &RegionCode) -> bool {
    scope.role != Role::VillageWorker && scope.can_read(region)
}

/// [`may_set_targets`] for whoever writes (the server's operator may everywhere).
fn actor_may_set(actor: &Actor, region: &RegionCode) -> bool {
    actor
        .scope
        .as_ref()
        .is_none_or(|s| may_set_targets(s, region))
}

/// The stored direction words → the engine's direction.
fn direction(row: &TargetRow) -> Direction {
    match (row.direction.as_str(), row.band_low, row.band_high) {
        ("band", Some(low), Some(high)) => Direction::Band { low, high },
        ("lower", _, _) => Direction::LowerIsBetter,
        _ => Direction::HigherIsBetter,
    }
}

/// A stored target as the engine's [`Target`].
pub fn to_target(row: &TargetRow) -> Option<Target> {
    Some(Target {
        indicator: row.indicator.clone(),
        region: RegionCode::parse(&row.region_code).ok()?,
        year: row.year,
        direction: direction(row),
        value: row.value,
    })
}

/// The indicator codes a target may name: the catalogue and the user-defined ones.
fn known_indicators(store: &Store) -> Result<HashSet<String>, Error> {
    let mut codes: HashSet<String> = renkou_stats::catalogue::Indicator::ALL
        .iter()
        .map(|i| i.code().to_string())
        .collect();
    codes.extend(store.user_indicators(false)?.into_iter().map(|u| u.code));
    Ok(codes)
}

fn input(line: &TargetLine) -> TargetInput {
    let (low, high) = match line.direction {
        TargetDirection::Band { low, high } => (Some(low), Some(high)),
        _ => (None, None),
    };
    TargetInput {
        indicator: line.indicator.clone(),
        region: line.region.clone(),
        year: line.year,
        direction: line.direction.code().to_string(),
        value: line.value,
        band_low: low,
        band_high: high,
        note: line.note.clone(),
    }
}

/// Checks what only the register can say about a target: the indicator exists,
/// the region exists and is the account's.
fn check(
    line: &TargetLine,
    known: &HashSet<String>,
    regions: &HashSet<String>,
    actor: &Actor,
) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    if !known.contains(&line.indicator) {
        errors.push((
            "indicator",
            format!(
                "指标“{}”不存在（见指标目录或自定义指标） / there is no indicator \"{}\"",
                line.indicator, line.indicator
            ),
        ));
    }
    if !regions.contains(line.region.as_str()) {
        errors.push((
            "region_code",
            format!(
                "区划 {} 不在登记中 / region {} is not in the register",
                line.region, line.region
            ),
        ));
    } else if !actor_may_set(actor, &line.region) {
        errors.push((
            "region_code",
            format!(
                "无权为区划 {} 设定目标 / you may not set targets for region {}",
                line.region, line.region
            ),
        ));
    }
    errors
}

fn region_codes(store: &Store) -> Result<HashSet<String>, Error> {
    Ok(store
        .regions()?
        .into_iter()
        .map(|r| r.code.to_string())
        .collect())
}

/// Sets one target (a form). Errors name the field in plain words.
pub fn set_target(store: &Store, actor: &Actor, line: &TargetLine) -> Result<i64, Error> {
    let known = known_indicators(store)?;
    let regions = region_codes(store)?;
    if let Some((_, message)) = check(line, &known, &regions, actor).into_iter().next() {
        return Err(Error::Invalid(message));
    }
    Ok(store.write(actor, |tx| tables::set_target(tx, &input(line)))?)
}

/// Imports a targets file (CSV of any encoding or xlsx; the columns of
/// [`renkou_interchange::schema::TARGET_COLUMNS`], English or Chinese headers):
/// every row is checked first and nothing is written unless all are good.
pub fn import_targets(
    store: &Store,
    actor: &Actor,
    path: &Path,
    sheet: Option<&str>,
) -> Result<usize, Error> {
    let mut reader = TableReader::open(path, FileKind::Targets, sheet)?;
    let known = known_indicators(store)?;
    let regions = region_codes(store)?;
    let mut row = Row::default();
    let mut lines = Vec::new();
    let mut errors: Vec<RowError> = Vec::new();
    let mut seen: HashMap<(String, String, i32), u64> = HashMap::new();
    while reader.next_row(&mut row)? {
        match file::parse(&reader, &row) {
            Ok(line) => {
                let header = |name: &str| {
                    reader
                        .index(name)
                        .map(|i| reader.header(i).to_string())
                        .unwrap_or_else(|| name.to_string())
                };
                for (column, message) in check(&line, &known, &regions, actor) {
                    errors.push(RowError {
                        file: reader.file.clone(),
                        row: row.line,
                        column: header(column),
                        message,
                    });
                }
                let key = (line.indicator.clone(), line.region.to_string(), line.year);
                if let Some(first) = seen.insert(key, row.line) {
                    errors.push(RowError {
                        file: reader.file.clone(),
                        row: row.line,
                        column: header("indicator"),
                        message: format!(
                            "与第{first}行是同一指标、区划和年份 / same indicator, region and year as row {first}"
                        ),
                    });
                }
                lines.push(line);
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::InvalidRows {
            file: reader.file.clone(),
            errors,
        });
    }
    if lines.is_empty() {
        return Err(Error::Invalid(format!(
            "{}: 文件中没有目标值 / the file holds no targets",
            reader.file
        )));
    }
    let inputs: Vec<TargetInput> = lines.iter().map(input).collect();
    let file_name = reader.file.clone();
    Ok(store.write(actor, |tx| {
        for t in &inputs {
            tables::set_target(tx, t)?;
        }
        tx.audit(renkou_store::AuditNote {
            action: renkou_store::AuditAction::IMPORT,
            record: tables::TARGET,
            record_id: "",
            fields: &format!("file={file_name} targets={}", inputs.len()),
        })?;
        Ok::<_, renkou_store::StoreError>(inputs.len())
    })?)
}

/// One cell of the dashboard: a region's target, actual value and gap for one
/// indicator.
#[derive(Debug, Clone)]
pub struct TargetCell {
    pub target: Option<TargetRow>,
    pub actual: Option<f64>,
    /// `None` where the region has no target.
    pub gap: Option<Gap>,
}

/// The seed's table: for each region (the area first), each indicator with a
/// target somewhere in the area: target, actual, gap.
pub struct TargetsTable {
    pub year: i32,
    pub report: Report,
    /// Column indices of `report.columns` that have a target.
    pub indicators: Vec<usize>,
    /// `cells[i][k]`: region `report.shown[i]`, indicator `indicators[k]`.
    pub cells: Vec<Vec<TargetCell>>,
}

impl TargetsTable {
    pub fn column(&self, k: usize) -> &Column {
        &self.report.columns[self.indicators[k]]
    }
}

/// The dashboard of `region` for `year`: the region and the regions `level`
/// selects (by default its direct children; `Level::Only(Village)` is every
/// village side by side).
pub fn targets_table(
    store: &Store,
    cache: &StatCache,
    region: &RegionCode,
    year: i32,
    level: Level,
) -> Result<TargetsTable, Error> {
    let period = Period::try_year(year).map_err(|e| Error::Invalid(e.to_string()))?;
    let report = views::report(store, cache, region, period, level, period.first_day())?;
    let rows = store.targets_in(region, year)?;
    let by_key: HashMap<(&str, &str), &TargetRow> = rows
        .iter()
        .map(|r| ((r.region_code.as_str(), r.indicator.as_str()), r))
        .collect();
    let mut indicators: Vec<usize> = Vec::new();
    for r in &rows {
        match report.column(&r.indicator) {
            Some(j) if !indicators.contains(&j) => indicators.push(j),
            Some(_) => {}
            // A target of a retired user indicator: nothing to compare it with.
            None => tracing::debug!(indicator = %r.indicator, "target without indicator"),
        }
    }
    indicators.sort_unstable();
    let cells = (0..report.shown.len())
        .map(|i| {
            let code = report.code(i);
            indicators
                .iter()
                .map(|&j| {
                    let actual = report.values[i][j].value;
                    let target = by_key
                        .get(&(code.as_str(), report.columns[j].code.as_str()))
                        .map(|r| (*r).clone());
                    let gap = target.as_ref().and_then(to_target).map(|t| t.gap(actual));
                    TargetCell {
                        target,
                        actual,
                        gap,
                    }
                })
                .collect()
        })
        .collect();
    Ok(TargetsTable {
        year,
        report,
        indicators,
        cells,
    })
}

/// Every version of one target, newest first; the indicator must exist.
pub fn history(
    store: &Store,
    indicator: &str,
    region: &RegionCode,
    year: i32,
) -> Result<Vec<TargetRow>, Error> {
    if !known_indicators(store)?.contains(indicator) {
        return Err(unknown_indicator(indicator));
    }
    Ok(store.target_history(indicator, region, year)?)
}
