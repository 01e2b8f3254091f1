//! `renkou indicators`: the catalogue of indicators.md computed from the register
//! for a region and period, and its output as JSON, CSV or xlsx.
//!
//! The store reads every person's few facts in one query ([`Store::stat_rows`]);
//! this module builds the engine's [`RegionTable`] from the register's regions that
//! exist in the period, maps each person to a region of that table, and lets
//! `renkou-stats` count and compute. A person whose region does not exist in the
//! period is counted where the register says its people went (the successor of a
//! merged village), else in the nearest enclosing region of the table; a village
//! group's persons count in its village.
//!
//! Which regions are reported ([`Level`]): by default the region itself and its
//! direct children (a county and its townships, a township and its villages); with
//! a level, the region itself and every region of that level inside it; `all` is
//! the region and everything below it (what the benchmark computes).
//!
//! Output formats (the same rows in each):
//! - JSON: an array of objects with exactly the keys {"region_code", "region_name",
//!   "level", "period", "indicator", "value", "numerator", "denominator", "unit"};
//!   `value` is null when the denominator is zero, `denominator` is null for counts
//!   and the TFR.
//! - CSV: UTF-8 with BOM, one header row with those same keys (machine-friendly,
//!   identical to the JSON), null as an empty cell.
//! - xlsx: Chinese headers (区划代码, 区划名称, 层级, 期间, 指标代码, 指标名称, 数值,
//!   分子, 分母, 单位), the level and the indicator's name in Chinese.

use crate::error::Error;
use renkou_domain::{Date, Region, RegionCode, RegionLevel};
use renkou_interchange::write::{OutFormat, TableWriter};
use renkou_stats::catalogue::{self, Indicator};
use renkou_stats::{IndicatorRow, Period, RegionTable, StatPerson};
use renkou_store::stats::StatRows;
use renkou_store::Store;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Which regions under the requested one get rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// The region itself and its direct children.
    #[default]
    Children,
    /// The region itself and every region of this level inside it.
    Only(RegionLevel),
    /// The region and every region below it.
    All,
}

impl Level {
    /// `village`, `township`, `county` (also 村, 乡镇, 县) or `all`.
    pub fn parse(s: &str) -> Result<Level, Error> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "village" | "村" => Level::Only(RegionLevel::Village),
            "township" | "乡镇" | "镇" | "乡" => Level::Only(RegionLevel::Township),
            "county" | "县" => Level::Only(RegionLevel::County),
            "all" | "全部" => Level::All,
            "children" => Level::Children,
            other => {
                return Err(Error::Invalid(format!(
                    "层级“{other}”无法识别（应为 village、township、county 或 all） / level \"{other}\" not understood (expected village, township, county or all)"
                )))
            }
        })
    }
}

/// Output format of `renkou indicators`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(Error::Invalid(format!(
                "输出格式“{other}”无法识别（应为 json、csv 或 xlsx） / format \"{other}\" not understood (expected json, csv or xlsx)"
            ))),
        }
    }
}

/// Parses a `--region` argument: a 6-, 9- or 12-digit code (a prefix is padded
/// with zeros, so `349901` is the county `349901000000`).
pub fn parse_region(s: &str) -> Result<RegionCode, Error> {
    RegionCode::parse_prefix(s).map_err(|e| Error::Invalid(e.to_string()))
}

/// The register's persons as read by the store, kept up to date as events arrive.
///
/// Every change to a person is an event and events are never deleted, so rows
/// read at a [`renkou_store::stats::RegisterVersion`] are still the register's
/// persons while the version is unchanged; checking that is one small query.
/// When events have arrived, only the persons they touched are read again
/// ([`Store::refresh_stat_rows`]), so a page after a birth costs milliseconds, not
/// a reload of the county. The web server keeps one cache for its life; the CLI,
/// one run.
#[derive(Default)]
pub struct StatCache {
    cached: Mutex<Option<Arc<StatRows>>>,
    /// Build the index for incremental refreshes as soon as the rows are read.
    eager: bool,
}

impl StatCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// A cache for a long-running server: it expects events and prepares for them
    /// when it reads the persons (about a tenth more time on that first read).
    pub fn for_server() -> Self {
        StatCache {
            cached: Mutex::new(None),
            eager: true,
        }
    }

    /// The persons of the register with mothers and birth orders for births from
    /// `births_from` on, from the cache when no event has arrived since.
    pub fn rows(&self, store: &Store, births_from: Option<Date>) -> Result<Arc<StatRows>, Error> {
        let mut cached = self.cached.lock().expect("cache lock");
        if let Some(rows) = cached.as_mut() {
            if rows.covers(births_from) {
                if store.register_version()? != rows.version {
                    // Copies the rows only if a request still holds the old ones.
                    let how = store.refresh_stat_rows(Arc::make_mut(rows))?;
                    tracing::debug!(?how, "indicator rows refreshed");
                }
                return Ok(Arc::clone(rows));
            }
        }
        let mut rows = store.stat_rows(births_from)?;
        if self.eager {
            rows.build_key_index();
        }
        let rows = Arc::new(rows);
        *cached = Some(Arc::clone(&rows));
        Ok(rows)
    }
}

/// The engine's input for one region and period: the region tree under the
/// requested region and the persons mapped into it.
pub struct Prepared {
    pub regions: RegionTable,
    pub persons: Vec<StatPerson>,
}

/// Whether a region exists on some day of the period (`valid_from..valid_to`
/// overlaps `first..=last`): the same test as [`Region::exists_on`], for a range.
fn exists_in(r: &Region, period: Period) -> bool {
    let day = r
        .valid_from
        .map_or(period.first_day(), |f| f.max(period.first_day()));
    day <= period.last_day() && r.exists_on(day)
}

/// Builds the region table under `root` for `period` and maps the persons into it.
pub fn prepare(
    all_regions: &[Region],
    rows: &StatRows,
    root: &RegionCode,
    period: Period,
) -> Result<Prepared, Error> {
    let by_code: HashMap<&RegionCode, &Region> = all_regions.iter().map(|r| (&r.code, r)).collect();
    let root_region = by_code.get(root).ok_or_else(|| unknown_region(root))?;
    if !exists_in(root_region, period) {
        return Err(Error::Invalid(format!(
            "区划 {root} 在 {period} 不存在 / region {root} does not exist in {period}"
        )));
    }
    // Parents before children, so a region is kept only when its parent is.
    let mut inside: Vec<&Region> = all_regions
        .iter()
        .filter(|r| {
            root.contains(&r.code) && r.code.level() <= RegionLevel::Village && exists_in(r, period)
        })
        .collect();
    inside.sort_by(|a, b| (a.code.level(), &a.code).cmp(&(b.code.level(), &b.code)));
    let mut kept: std::collections::HashSet<&RegionCode> = std::collections::HashSet::new();
    let mut table_input = Vec::with_capacity(inside.len());
    for r in inside {
        let ok = &r.code == root || r.code.parent().is_some_and(|p| kept.contains(&p));
        if ok {
            kept.insert(&r.code);
            table_input.push((r.code.clone(), r.name.clone()));
        }
    }
    let regions = RegionTable::build(table_input).map_err(|e| Error::Invalid(e.to_string()))?;

    // Each distinct region code of the persons → an index of the table, or None
    // (outside the requested region).
    let day = period.last_day();
    let map: Vec<Option<u32>> = rows
        .region_codes
        .iter()
        .map(|c| {
            RegionCode::parse(c)
                .ok()
                .and_then(|c| place(&c, &regions, &by_code, root, day))
        })
        .collect();
    let mut persons = Vec::with_capacity(rows.rows.len());
    for r in &rows.rows {
        if let Some(region) = map[r.region as usize] {
            persons.push(StatPerson {
                region,
                sex: r.sex,
                residence: r.residence,
                birth_date: r.birth_date,
                death_date: r.death_date,
                mother_birth_date: r.mother_birth_date,
                birth_order: r.birth_order,
            });
        }
    }
    Ok(Prepared { regions, persons })
}

/// Where persons registered in `code` count: the region itself when it is in the
/// table; else its successor when it had ended by `day`; else the nearest
/// enclosing region in the table. `None` outside `root`.
fn place(
    code: &RegionCode,
    table: &RegionTable,
    by_code: &HashMap<&RegionCode, &Region>,
    root: &RegionCode,
    day: Date,
) -> Option<u32> {
    let mut cur = code.clone();
    for _ in 0..32 {
        if let Some(i) = table.index_of(&cur) {
            return Some(i);
        }
        let successor = by_code
            .get(&cur)
            .and_then(|r| match (&r.successor, r.valid_to) {
                (Some(s), Some(to)) if to <= day => Some(s.clone()),
                _ => None,
            });
        cur = match successor {
            Some(s) => s,
            None => {
                if !root.contains(&cur) || &cur == root {
                    return None;
                }
                cur.parent()?
            }
        };
    }
    None
}

fn unknown_region(code: &RegionCode) -> Error {
    Error::Invalid(format!(
        "区划 {code} 不在登记中 / region {code} is not in the register"
    ))
}

/// The table indices that get rows for `level`: the root first, then the chosen
/// regions in table order (by level, then code).
pub fn selected(regions: &RegionTable, level: Level) -> Result<Vec<u32>, Error> {
    let root = regions.root();
    let root_level = regions.level(root);
    let mut out = vec![root];
    match level {
        Level::Children => out.extend(regions.children(root)),
        Level::All => out.extend(1..regions.len() as u32),
        Level::Only(l) if l < root_level => {
            return Err(Error::Invalid(format!(
                "层级 {} 高于区划 {} 的层级 {} / level {} is above the region's own level ({})",
                l.as_str(),
                regions.code(root),
                root_level.as_str(),
                l.as_str(),
                root_level.as_str()
            )))
        }
        Level::Only(l) => out.extend(regions.at_level(l).filter(|&i| i != root)),
    }
    Ok(out)
}

/// Computes the catalogue rows for `region` (its own row first, then the regions
/// `level` selects) in `period`, from the register (through `cache`).
pub fn indicators(
    store: &Store,
    cache: &StatCache,
    region: &RegionCode,
    period: Period,
    level: Level,
) -> Result<Vec<IndicatorRow>, Error> {
    let all_regions = store.regions()?;
    if !all_regions.iter().any(|r| &r.code == region) {
        return Err(unknown_region(region));
    }
    let rows = cache.rows(store, Some(period.first_day()))?;
    let users = crate::views::user_indicators(store)?;
    compute_with(&all_regions, &rows, region, period, level, &users)
}

/// The computation of [`indicators`] on rows already read (the benchmark times the
/// read and this separately): the catalogue only.
pub fn compute(
    all_regions: &[Region],
    rows: &StatRows,
    region: &RegionCode,
    period: Period,
    level: Level,
) -> Result<Vec<IndicatorRow>, Error> {
    compute_with(all_regions, rows, region, period, level, &[])
}

/// The catalogue and then the user-defined indicators, region by region.
pub fn compute_with(
    all_regions: &[Region],
    rows: &StatRows,
    region: &RegionCode,
    period: Period,
    level: Level,
    users: &[renkou_stats::UserIndicator],
) -> Result<Vec<IndicatorRow>, Error> {
    let p = prepare(all_regions, rows, region, period)?;
    let which = selected(&p.regions, level)?;
    let counts = renkou_stats::count(&p.persons, &p.regions, period);
    if users.is_empty() {
        let values = catalogue::compute_regions(&counts, which);
        return Ok(catalogue::rows(&p.regions, period, &values));
    }
    let user_counts = renkou_stats::count_user(&p.persons, &p.regions, period, users);
    let mut values = Vec::new();
    for r in which {
        values.extend(catalogue::compute_region(&counts, r));
        values.extend(users.iter().map(|u| u.compute(&user_counts, r)));
    }
    Ok(catalogue::rows(&p.regions, period, &values))
}

// --- output ----------------------------------------------------------------

/// The CSV/JSON column names (the JSON keys).
pub const KEYS: [&str; 9] = [
    "region_code",
    "region_name",
    "level",
    "period",
    "indicator",
    "value",
    "numerator",
    "denominator",
    "unit",
];

/// The xlsx headers.
pub const HEADERS_ZH: [&str; 10] = [
    "区划代码",
    "区划名称",
    "层级",
    "期间",
    "指标代码",
    "指标名称",
    "数值",
    "分子",
    "分母",
    "单位",
];

fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn cells(r: &IndicatorRow) -> [String; 9] {
    [
        r.region_code.clone(),
        r.region_name.clone(),
        r.level.clone(),
        r.period.clone(),
        r.indicator.clone(),
        num(r.value),
        r.numerator.to_string(),
        r.denominator.map(|d| d.to_string()).unwrap_or_default(),
        r.unit.clone(),
    ]
}

pub(crate) fn level_zh(level: &str) -> &str {
    match level {
        "province" => "省",
        "prefecture" => "市",
        "county" => "县",
        "township" => "乡镇",
        "village" => "村",
        "village_group" => "村民小组",
        other => other,
    }
}

/// `users`: the user-defined indicators whose Chinese names the rows may need.
fn cells_zh(r: &IndicatorRow, users: &[renkou_stats::UserIndicator]) -> [String; 10] {
    let ind = Indicator::parse(&r.indicator);
    let user = users.iter().find(|u| u.def.code == r.indicator);
    [
        r.region_code.clone(),
        r.region_name.clone(),
        level_zh(&r.level).to_string(),
        r.period.clone(),
        r.indicator.clone(),
        ind.map(|i| i.name_zh())
            .or(user.map(|u| u.def.name_zh.as_str()))
            .unwrap_or_default()
            .to_string(),
        num(r.value),
        r.numerator.to_string(),
        r.denominator.map(|d| d.to_string()).unwrap_or_default(),
        ind.map_or(r.unit.as_str(), |i| i.unit_zh()).to_string(),
    ]
}

fn io_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("{what}: {e}"))
}

/// Writes the rows as a JSON array.
pub fn write_json(rows: &[IndicatorRow], mut w: impl Write) -> Result<(), Error> {
    serde_json::to_writer_pretty(&mut w, rows).map_err(|e| io_err("JSON", e))?;
    writeln!(w).map_err(|e| io_err("JSON", e))?;
    w.flush().map_err(|e| io_err("JSON", e))
}

fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Writes the rows as CSV (UTF-8 with BOM, the JSON keys as headers) to a stream,
/// quoted as the `csv` crate of [`TableWriter`] quotes (only when needed).
pub fn write_csv(rows: &[IndicatorRow], mut w: impl Write) -> Result<(), Error> {
    let mut run = || -> std::io::Result<()> {
        w.write_all(b"\xEF\xBB\xBF")?;
        let mut line = |cells: &[&str]| -> std::io::Result<()> {
            let v: Vec<_> = cells.iter().map(|c| csv_field(c)).collect();
            writeln!(w, "{}", v.join(","))
        };
        line(&KEYS)?;
        for r in rows {
            let c = cells(r);
            let refs: Vec<&str> = c.iter().map(String::as_str).collect();
            line(&refs)?;
        }
        w.flush()
    };
    run().map_err(|e| io_err("CSV", e))
}

/// Writes the rows to `path` in `format`; `users` are the user-defined
/// indicators whose Chinese names the xlsx shows.
pub fn write_file(
    rows: &[IndicatorRow],
    path: &Path,
    format: Format,
    users: &[renkou_stats::UserIndicator],
) -> Result<(), Error> {
    match format {
        Format::Json => {
            let f =
                std::fs::File::create(path).map_err(|e| io_err(&path.display().to_string(), e))?;
            write_json(rows, std::io::BufWriter::new(f))
        }
        Format::Csv => {
            let mut w = TableWriter::create(path, OutFormat::Csv, &KEYS)?;
            for r in rows {
                w.write_row(&cells(r))?;
            }
            Ok(w.finish()?)
        }
        Format::Xlsx => {
            // A file for people: numbers as numbers, codes as text, a title row.
            use renkou_interchange::sheet::{col, Cell, SheetSpec, SheetWriter};
            let widths = [14, 12, 6, 10, 16, 24, 10, 10, 10, 6];
            let title = match rows.first() {
                Some(r) => format!("{} {} 指标", r.region_name, r.period),
                None => "指标".to_string(),
            };
            let spec = SheetSpec {
                title,
                sheet: "指标".into(),
                columns: HEADERS_ZH
                    .iter()
                    .zip(widths)
                    .map(|(h, w)| col(h, w))
                    .collect(),
                landscape: true,
            };
            let mut w = SheetWriter::create(path, OutFormat::Xlsx, &spec)?;
            for r in rows {
                let z = cells_zh(r, users);
                let decimals = if r.denominator.is_none() { 0 } else { 2 };
                w.write_row(&[
                    Cell::code(z[0].clone()),
                    Cell::text(z[1].clone()),
                    Cell::text(z[2].clone()),
                    Cell::code(z[3].clone()),
                    Cell::code(z[4].clone()),
                    Cell::text(z[5].clone()),
                    r.value
                        .map(|v| Cell::Number(v, decimals))
                        .unwrap_or(Cell::Empty),
                    Cell::Int(r.numerator),
                    r.denominator.map(Cell::Int).unwrap_or(Cell::Empty),
                    Cell::text(z[9].clone()),
                ])?;
            }
            w.finish()?;
            Ok(())
        }
    }
}
