//! What the indicators pages show: the catalogue and the county's own
//! (user-defined) indicators for an area, its sub-regions, a period; one
//! indicator over ten years; the population pyramid; and the tables as xlsx with
//! formulas or plain values, and as a publication with small counts suppressed.
//!
//! Everything here is computed from the register through [`StatCache`] (kept up
//! to date event by event), so a figure on a page is never older than the last
//! recorded event.

use crate::error::Error;
use crate::figures::{prepare, selected, Level, Prepared, StatCache};
use crate::tables::IndicatorTables;
use renkou_domain::{Date, RegionCode};
use renkou_stats::catalogue::{self, Indicator, Kind};
use renkou_stats::{
    count_periods, count_user, pyramid, Counts, IndicatorValue, Interval, Period, Pyramid,
    RegionTable, UserIndicator, UserIndicatorDef,
};
use renkou_store::Store;

/// One column of the tables: a catalogue indicator or a user-defined one.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The unit as shown (Chinese).
    pub unit: String,
    /// The unit on an English page (a user's indicator has one unit for both).
    pub unit_en: String,
    /// Decimals shown on pages and in exports.
    pub decimals: usize,
    /// value = factor × numerator / denominator, for the xlsx formulas; `None`
    /// when the value is not such a ratio (counts, the TFR).
    pub factor: Option<f64>,
    pub user: bool,
}

impl Column {
    fn builtin(ind: Indicator, period: Period) -> Column {
        let annual = 1000.0 * period.annualisation();
        let (decimals, factor) = match ind.kind() {
            Kind::Count => (0, None),
            Kind::Rate => (2, Some(annual)),
            Kind::SexRatio => (1, Some(100.0)),
            Kind::Share => (1, Some(100.0)),
            Kind::Composite if ind == Indicator::Tfr => (2, None),
            Kind::Composite => (2, Some(annual)),
        };
        Column {
            code: ind.code().to_string(),
            name_zh: ind.name_zh().to_string(),
            name_en: ind.name_en().to_string(),
            unit: ind.unit_zh().to_string(),
            unit_en: ind.unit().to_string(),
            decimals,
            factor,
            user: false,
        }
    }

    fn user(u: &UserIndicator, period: Period) -> Column {
        let factor = u.denominator.as_ref().map(|_| {
            u.def.scale
                * if u.is_rate {
                    period.annualisation()
                } else {
                    1.0
                }
        });
        Column {
            code: u.def.code.clone(),
            name_zh: u.def.name_zh.clone(),
            name_en: if u.def.name_en.is_empty() {
                u.def.name_zh.clone()
            } else {
                u.def.name_en.clone()
            },
            unit: u.def.unit.clone(),
            unit_en: u.def.unit.clone(),
            decimals: 2,
            factor,
            user: true,
        }
    }

    /// The unit in a page's language.
    pub fn unit_in(&self, en: bool) -> &str {
        if en {
            &self.unit_en
        } else {
            &self.unit
        }
    }

    /// A value as shown: `12.34`, `—` for null.
    pub fn show(&self, v: Option<f64>) -> String {
        match v {
            Some(v) => format!("{v:.*}", self.decimals),
            None => "—".into(),
        }
    }

    /// An interval as shown: `10.1–14.6`, empty when there is none.
    pub fn show_interval(&self, i: Option<Interval>) -> String {
        i.map(|i| format!("{:.*}–{:.*}", self.decimals, i.low, self.decimals, i.high))
            .unwrap_or_default()
    }
}

/// The user-defined indicators in force, compiled. A saved definition that no
/// longer compiles (it cannot, unless edited in the database) is skipped with a
/// warning rather than breaking every page.
pub fn user_indicators(store: &Store) -> Result<Vec<UserIndicator>, Error> {
    let mut out = Vec::new();
    for row in store.user_indicators(false)? {
        match serde_json::from_str::<UserIndicatorDef>(&row.definition)
            .map_err(|e| e.to_string())
            .and_then(|d| d.compile().map_err(|e| e.to_string()))
        {
            Ok(u) => out.push(u),
            Err(e) => tracing::warn!(code = %row.code, error = %e, "user indicator skipped"),
        }
    }
    Ok(out)
}

/// The indicators of an area and of the regions a [`Level`] selects, for a period.
pub struct Report {
    pub period: Period,
    pub regions: RegionTable,
    /// Table indices shown: the area first.
    pub shown: Vec<u32>,
    pub columns: Vec<Column>,
    /// `values[i][j]`: region `shown[i]`, column `columns[j]`.
    pub values: Vec<Vec<IndicatorValue>>,
    /// The counts behind region `shown[i]`.
    pub counts: Vec<Counts>,
}

impl Report {
    pub fn column(&self, code: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.code == code)
    }
    pub fn code(&self, i: usize) -> String {
        self.regions.code(self.shown[i]).to_string()
    }
    pub fn name(&self, i: usize) -> &str {
        self.regions.name(self.shown[i])
    }
    pub fn level(&self, i: usize) -> &'static str {
        self.regions.level(self.shown[i]).as_str()
    }
}

fn prepared(
    store: &Store,
    cache: &StatCache,
    region: &RegionCode,
    period: Period,
    births_from: Date,
) -> Result<Prepared, Error> {
    let all_regions = store.regions()?;
    if !all_regions.iter().any(|r| &r.code == region) {
        return Err(Error::Invalid(format!(
            "区划 {region} 不在登记中 / region {region} is not in the register"
        )));
    }
    let rows = cache.rows(store, Some(births_from.min(period.first_day())))?;
    prepare(&all_regions, &rows, region, period)
}

/// What one page needs, computed from one read of the cached persons: the
/// report, and optionally the area's pyramid and one indicator's trend. A page
/// that shows all three maps the register's persons to regions once and counts
/// the period and the trend's years in one pass.
pub struct Page {
    pub report: Report,
    pub pyramid: Option<Pyramid>,
    /// `None` when not asked for, or when the indicator is neither in the
    /// catalogue nor a user-defined one in force.
    pub trend: Option<Trend>,
}

/// What a [`Page`] should hold besides the report.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageParts<'a> {
    pub pyramid: bool,
    /// The indicator whose trend over this many years (up to the period's year)
    /// is wanted.
    pub trend: Option<(&'a str, u32)>,
}

/// The report for `region` and `level` in `period`, with the parts asked for.
/// `births_from` lets a caller ask the cache for an earlier start than the
/// period's, so every page shares one read.
pub fn page(
    store: &Store,
    cache: &StatCache,
    region: &RegionCode,
    period: Period,
    level: Level,
    births_from: Date,
    parts: PageParts<'_>,
) -> Result<Page, Error> {
    let trend_periods = parts
        .trend
        .map(|(_, n)| Period::last_years(period.last_day().year(), n))
        .unwrap_or_default();
    let earliest = trend_periods
        .first()
        .map_or(births_from, |p| births_from.min(p.first_day()));
    let p = prepared(store, cache, region, period, earliest)?;
    let shown = selected(&p.regions, level)?;
    let users = user_indicators(store)?;
    let trend_builtin = parts.trend.and_then(|(code, _)| Indicator::parse(code));
    // The period and, when the trend is a catalogue indicator, the trend's years:
    // one pass over the persons for all of them, each period counted once (a
    // year's page counts its year once, not again as the trend's last point).
    let mut periods = vec![period];
    if trend_builtin.is_some() {
        periods.extend(trend_periods.iter().filter(|&&t| t != period));
    }
    let all = count_periods(&p.persons, &p.regions, &periods);
    let counts_of = |want: Period| {
        all.iter()
            .find(|c| c.period == want)
            .expect("every period was counted")
    };
    let counts = &all[0];
    let user_counts =
        (!users.is_empty()).then(|| count_user(&p.persons, &p.regions, period, &users));
    let mut columns: Vec<Column> = Indicator::ALL
        .iter()
        .map(|&i| Column::builtin(i, period))
        .collect();
    columns.extend(users.iter().map(|u| Column::user(u, period)));
    let values = shown
        .iter()
        .map(|&r| {
            let mut v = catalogue::compute_region(counts, r);
            if let Some(uc) = &user_counts {
                v.extend(users.iter().map(|u| u.compute(uc, r)));
            }
            v
        })
        .collect();
    let root = p.regions.root();
    let years: Vec<i32> = trend_periods.iter().map(|p| p.first_day().year()).collect();
    let last = trend_periods.last().copied().unwrap_or(period);
    let trend = match (parts.trend, trend_builtin) {
        (None, _) => None,
        (Some(_), Some(ind)) => Some(Trend {
            column: Column::builtin(ind, last),
            years,
            values: trend_periods
                .iter()
                .map(|&tp| catalogue::compute(ind, counts_of(tp).get(root), tp, root))
                .collect(),
        }),
        (Some((code, _)), None) => users.iter().find(|u| u.def.code == code).map(|u| Trend {
            column: Column::user(u, last),
            years,
            values: trend_periods
                .iter()
                .map(|&tp| {
                    let c = count_user(&p.persons, &p.regions, tp, std::slice::from_ref(u));
                    u.compute(&c, root)
                })
                .collect(),
        }),
    };
    let pyramid = parts
        .pyramid
        .then(|| pyramid(&p.persons, &p.regions, root, period.reference_day()));
    Ok(Page {
        report: Report {
            period,
            counts: shown.iter().map(|&r| *counts.get(r)).collect(),
            regions: p.regions,
            shown,
            columns,
            values,
        },
        pyramid,
        trend,
    })
}

/// The report for `region` and `level` in `period` (see [`page`]).
pub fn report(
    store: &Store,
    cache: &StatCache,
    region: &RegionCode,
    period: Period,
    level: Level,
    births_from: Date,
) -> Result<Report, Error> {
    Ok(page(
        store,
        cache,
        region,
        period,
        level,
        births_from,
        PageParts::default(),
    )?
    .report)
}

/// One indicator of one area over consecutive years (oldest first).
pub struct Trend {
    pub column: Column,
    pub years: Vec<i32>,
    pub values: Vec<IndicatorValue>,
}

/// `indicator` for `region` in each of the `n` years up to `last_year`, from one
/// pass over the register (regions as they are in the last year: a merged village
/// is counted in its successor all along, so the line does not jump).
pub fn trend(
    store: &Store,
    cache: &StatCache,
    region: &RegionCode,
    indicator: &str,
    last_year: i32,
    n: u32,
) -> Result<Trend, Error> {
    let last = Period::try_year(last_year).map_err(|e| Error::Invalid(e.to_string()))?;
    let parts = PageParts {
        pyramid: false,
        trend: Some((indicator, n)),
    };
    let page = page(
        store,
        cache,
        region,
        last,
        Level::Children,
        last.first_day(),
        parts,
    )?;
    page.trend.ok_or_else(|| unknown_indicator(indicator))
}

pub fn unknown_indicator(code: &str) -> Error {
    Error::Invalid(format!(
        "指标“{code}”不存在 / there is no indicator \"{code}\""
    ))
}

/// The population pyramid of `region` on the reference day of `period`.
pub fn pyramid_of(
    store: &Store,
    cache: &StatCache,
    region: &RegionCode,
    period: Period,
    births_from: Date,
) -> Result<Pyramid, Error> {
    let parts = PageParts {
        pyramid: true,
        trend: None,
    };
    let page = page(
        store,
        cache,
        region,
        period,
        Level::Children,
        births_from,
        parts,
    )?;
    Ok(page.pyramid.expect("asked for"))
}

use chrono::Datelike;
