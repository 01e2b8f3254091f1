//! The indicators pages: where an area stands in a period (the whole catalogue
//! with counts and 95% intervals, the sub-regions side by side with a click
//! through to the next level), one indicator's drill-down bar chart and ten-year
//! trend, the population pyramid, and the exports (xlsx with values or formulas,
//! the publication with small counts suppressed, charts as SVG or PNG).
//! Targets and user-defined indicators have their own pages in `targets.rs`.

use crate::error::WebError;
use crate::extract::{Area, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use renkou_domain::{Date, RegionCode, RegionLevel};
use renkou_indicators::figures::Level;
use renkou_indicators::tables::IndicatorTables;
use renkou_indicators::views::{self, Column, Report};
use renkou_stats::{GapStatus, IndicatorValue, Period, SuppressionOptions};

/// The sub-region table's columns: the figures a township looks at first. The
/// whole catalogue is on the area's own table, the drill-down pages and exports.
pub(crate) const MAIN: &[&str] = &[
    "population_midyear",
    "births",
    "cbr",
    "gfr",
    "tfr",
    "srb",
    "deaths",
    "cdr",
    "natural_increase_rate",
];

/// How many years a trend shows.
const TREND_YEARS: u32 = 10;

/// The period of a page, from `?period=2025|2025Q2|2025-03|2025-01-01..2025-06-30`
/// or from the selector's fields (`year` and `part`: `""`, `q1`…`q4`, `m1`…`m12`;
/// or `from` and `to`). Default: the last complete year.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PeriodQuery {
    pub period: Option<String>,
    pub year: Option<String>,
    pub part: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub level: Option<String>,
    /// Exports: `values` | `formulas` | `publication`.
    pub what: Option<String>,
    /// Publication threshold.
    pub min: Option<u64>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl PeriodQuery {
    pub fn period(&self) -> Result<Period, WebError> {
        let bad = |e: renkou_stats::PeriodError| WebError::BadRequest(e.to_string());
        if let (Some(f), Some(t)) = (nonempty(&self.from), nonempty(&self.to)) {
            return format!("{f}..{t}").parse().map_err(bad);
        }
        if let Some(y) = nonempty(&self.year) {
            let year: i32 = y.parse().map_err(|_| {
                WebError::BadRequest(format!("年份“{y}”无效 / year \"{y}\" is not valid"))
            })?;
            let part = nonempty(&self.part).unwrap_or("");
            return match (part.strip_prefix('q'), part.strip_prefix('m')) {
                (Some(q), _) => Period::quarter(year, q.parse().unwrap_or(0)).map_err(bad),
                (_, Some(m)) => Period::month(year, m.parse().unwrap_or(0)).map_err(bad),
                _ => Period::try_year(year).map_err(bad),
            };
        }
        match nonempty(&self.period) {
            Some(p) => p.parse().map_err(bad),
            None => Ok(Period::year(chrono::Local::now().year() - 1)),
        }
    }

    pub fn level(&self) -> Result<Level, WebError> {
        match nonempty(&self.level) {
            None => Ok(Level::Children),
            Some(l) => Level::parse(l).map_err(WebError::from),
        }
    }
}

/// The selector's state for a period, so the form shows what is displayed.
pub struct PeriodForm {
    pub label: String,
    pub year: i32,
    pub part: String,
    pub from: String,
    pub to: String,
    /// The period is still running today: its figures cover only part of it.
    pub running: Option<(Date, Date)>,
}

impl PeriodForm {
    fn of(p: Period) -> PeriodForm {
        let first = p.first_day();
        let label = p.to_string();
        let (part, from, to) = match p.kind() {
            renkou_stats::PeriodKind::Year => (String::new(), String::new(), String::new()),
            renkou_stats::PeriodKind::Quarter => (
                format!("q{}", first.month().div_ceil(3)),
                String::new(),
                String::new(),
            ),
            renkou_stats::PeriodKind::Month => {
                (format!("m{}", first.month()), String::new(), String::new())
            }
            renkou_stats::PeriodKind::Range => {
                (String::new(), first.to_string(), p.last_day().to_string())
            }
        };
        PeriodForm {
            label,
            year: first.year(),
            part,
            from,
            to,
            running: {
                let today = chrono::Local::now().date_naive();
                (first <= today && today <= p.last_day()).then(|| (today, p.last_day()))
            },
        }
    }

    /// The `part` options: (value, Chinese, English).
    pub fn parts(&self) -> Vec<(String, String, String)> {
        let mut v = vec![(String::new(), "全年".to_string(), "whole year".to_string())];
        for q in 1..=4 {
            v.push((format!("q{q}"), format!("第{q}季度"), format!("Q{q}")));
        }
        for m in 1..=12 {
            v.push((format!("m{m}"), format!("{m}月"), format!("month {m}")));
        }
        v
    }
}

/// The first birth day the web asks the cache for: ten years before the current
/// year, so every page of recent periods and every trend shares one read.
pub(crate) fn web_births_from(period: Period) -> Date {
    let ten_back = Date::from_ymd_opt(chrono::Local::now().year() - TREND_YEARS as i32, 1, 1)
        .unwrap_or(period.first_day());
    period.first_day().min(ten_back)
}

/// What a page shows, from the server's indicator cache (see
/// [`views::page`]).
fn compute(
    state: &AppState,
    code: &RegionCode,
    period: Period,
    level: Level,
    parts: views::PageParts<'_>,
) -> Result<views::Page, WebError> {
    Ok(views::page(
        &state.store,
        &state.stats,
        code,
        period,
        level,
        web_births_from(period),
        parts,
    )?)
}

fn report_for(
    state: &AppState,
    code: &RegionCode,
    period: Period,
    level: Level,
) -> Result<Report, WebError> {
    Ok(compute(state, code, period, level, Default::default())?.report)
}

/// One figure as a page shows it.
pub struct Figure {
    pub value: String,
    pub interval: String,
    pub numerator: String,
    pub denominator: String,
    /// For sorting: the value, or a very small number for null.
    pub sort: f64,
}

impl Figure {
    pub(crate) fn of(col: &Column, v: &IndicatorValue) -> Figure {
        Figure {
            value: col.show(v.value),
            interval: col.show_interval(v.interval),
            numerator: v.numerator.to_string(),
            denominator: v.denominator.map(|d| d.to_string()).unwrap_or_default(),
            sort: v.value.unwrap_or(f64::MIN),
        }
    }
}

pub struct OwnLine {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub user: bool,
    pub f: Figure,
}

pub struct SubLine {
    pub code: String,
    pub name: String,
    pub drill: bool,
    pub cells: Vec<Figure>,
}

#[derive(Template)]
#[template(path = "indicators/indicators.html")]
struct IndicatorsPage {
    l: L,
    me: Current,
    code: String,
    name: String,
    parent: Option<String>,
    pf: PeriodForm,
    own: Vec<OwnLine>,
    headers: Vec<(String, String)>,
    subs: Vec<SubLine>,
    pyramid_svg: String,
    may_define: bool,
}

fn name_of(l: L, c: &Column) -> String {
    if l.en {
        c.name_en.clone()
    } else {
        c.name_zh.clone()
    }
}

pub async fn page(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Query(q): Query<PeriodQuery>,
) -> Result<Html<String>, WebError> {
    let period = q.period()?;
    let level = q.level()?;
    let me = current.clone();
    let page = blocking(move || {
        let parts = views::PageParts {
            pyramid: true,
            trend: None,
        };
        let computed = compute(&state, &code, period, level, parts)?;
        let r = computed.report;
        let pyramid = computed.pyramid.ok_or(WebError::NotFound)?;
        let l = me.l;
        let own = r
            .columns
            .iter()
            .enumerate()
            .map(|(j, c)| OwnLine {
                code: c.code.clone(),
                name: name_of(l, c),
                unit: c.unit_in(l.en).to_string(),
                user: c.user,
                f: Figure::of(c, &r.values[0][j]),
            })
            .collect();
        let main: Vec<usize> = MAIN
            .iter()
            .filter_map(|c| r.column(c))
            .chain(
                r.columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.user)
                    .map(|(j, _)| j),
            )
            .collect();
        let subs = (1..r.shown.len())
            .map(|i| SubLine {
                code: r.code(i),
                name: r.name(i).to_string(),
                drill: r.regions.level(r.shown[i]) < RegionLevel::Village,
                cells: main
                    .iter()
                    .map(|&j| Figure::of(&r.columns[j], &r.values[i][j]))
                    .collect(),
            })
            .collect();
        let own_level = r.regions.level(r.shown[0]);
        Ok(IndicatorsPage {
            headers: main
                .iter()
                .map(|&j| (r.columns[j].code.clone(), name_of(l, &r.columns[j])))
                .collect(),
            name: r.name(0).to_string(),
            parent: code
                .parent()
                .filter(|p| me.scope.can_read(p) && own_level > RegionLevel::County)
                .map(|p| p.to_string()),
            code: code.to_string(),
            pf: PeriodForm::of(period),
            own,
            subs,
            pyramid_svg: super::charts::pyramid_svg(l, r.name(0), period, &pyramid),
            may_define: renkou_indicators::user_indicators::may_define(&me.scope),
            l,
            me,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

pub struct DetailLine {
    pub code: String,
    pub name: String,
    pub drill: bool,
    pub f: Figure,
    pub target: String,
    pub gap: String,
    /// `good` | `bad` | `` (CSS class).
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "indicators/indicator.html")]
struct IndicatorPage {
    l: L,
    me: Current,
    code: String,
    name: String,
    indicator: String,
    title: String,
    unit: String,
    pf: PeriodForm,
    own: DetailLine,
    lines: Vec<DetailLine>,
    bar_svg: String,
    trend_svg: String,
    query: String,
}

/// The target rows of a year for an area, by (region code, indicator).
fn targets_of(
    state: &AppState,
    code: &RegionCode,
    year: i32,
) -> Result<
    std::collections::HashMap<(String, String), renkou_indicators::tables::TargetRow>,
    WebError,
> {
    Ok(state
        .store
        .targets_in(code, year)?
        .into_iter()
        .map(|t| ((t.region_code.clone(), t.indicator.clone()), t))
        .collect())
}

fn status_class(s: GapStatus) -> &'static str {
    match s {
        GapStatus::Good => "good",
        GapStatus::Bad => "bad",
        _ => "",
    }
}

/// The drill-down of one indicator: every sub-region with value, interval,
/// counts, and the year's target and gap where there is one.
pub(crate) struct Drill {
    pub report: Report,
    pub column: usize,
    pub lines: Vec<DetailLine>,
    /// Per line (the area first): the gap status, for the bar colours.
    pub statuses: Vec<Option<GapStatus>>,
    /// The area's own target, drawn across the bars.
    pub own_target: Option<renkou_indicators::tables::TargetRow>,
}

pub(crate) fn drill(
    state: &AppState,
    code: &RegionCode,
    indicator: &str,
    period: Period,
    level: Level,
) -> Result<Drill, WebError> {
    Ok(drill_and_trend(state, code, indicator, period, level, false)?.0)
}

/// The drill-down and, when asked, the indicator's ten-year trend for the area,
/// from one pass over the persons.
pub(crate) fn drill_and_trend(
    state: &AppState,
    code: &RegionCode,
    indicator: &str,
    period: Period,
    level: Level,
    with_trend: bool,
) -> Result<(Drill, Option<views::Trend>), WebError> {
    let parts = views::PageParts {
        pyramid: false,
        trend: with_trend.then_some((indicator, TREND_YEARS)),
    };
    let computed = compute(state, code, period, level, parts)?;
    let r = computed.report;
    let j = r.column(indicator).ok_or(WebError::NotFound)?;
    let col = r.columns[j].clone();
    // Targets are per year; a quarter or month is compared with its year's target.
    let targets = targets_of(state, code, period.first_day().year())?;
    let mut statuses = Vec::new();
    let lines = (0..r.shown.len())
        .map(|i| {
            let v = &r.values[i][j];
            let t = targets.get(&(r.code(i), indicator.to_string()));
            let gap = t
                .and_then(renkou_indicators::targets::to_target)
                .map(|t| t.gap(v.value));
            statuses.push(gap.map(|g| g.status));
            DetailLine {
                code: r.code(i),
                name: r.name(i).to_string(),
                drill: i > 0 && r.regions.level(r.shown[i]) < RegionLevel::Village,
                f: Figure::of(&col, v),
                target: t
                    .map(|t| match (t.band_low, t.band_high) {
                        (Some(lo), Some(hi)) => format!("{lo}–{hi}"),
                        _ => col.show(Some(t.value)),
                    })
                    .unwrap_or_default(),
                gap: gap.map(|g| g.signed(col.decimals)).unwrap_or_default(),
                status: gap.map(|g| status_class(g.status)).unwrap_or(""),
            }
        })
        .collect();
    let own_target = targets.get(&(r.code(0), indicator.to_string())).cloned();
    Ok((
        Drill {
            own_target,
            report: r,
            column: j,
            lines,
            statuses,
        },
        computed.trend,
    ))
}

fn query_string(period: Period, level: &Option<String>) -> String {
    let mut q = format!("period={}", period);
    if let Some(l) = nonempty(level) {
        q.push_str("&level=");
        q.push_str(l);
    }
    q
}

pub async fn indicator(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Path((_, indicator)): Path<(String, String)>,
    Query(q): Query<PeriodQuery>,
) -> Result<Html<String>, WebError> {
    let period = q.period()?;
    let level = q.level()?;
    let query = query_string(period, &q.level);
    let me = current.clone();
    let page = blocking(move || {
        let (d, trend) = drill_and_trend(&state, &code, &indicator, period, level, true)?;
        let l = me.l;
        let col = d.report.columns[d.column].clone();
        let bar_svg = super::charts::bar_svg(l, &d, period);
        let trend = trend.ok_or(WebError::NotFound)?;
        let trend_svg =
            super::charts::trend_svg(l, d.report.name(0), &trend, d.own_target.as_ref());
        let mut lines = d.lines;
        let own = lines.remove(0);
        Ok(IndicatorPage {
            name: d.report.name(0).to_string(),
            code: code.to_string(),
            title: name_of(l, &col),
            unit: col.unit_in(l.en).to_string(),
            indicator,
            pf: PeriodForm::of(period),
            own,
            lines,
            bar_svg,
            trend_svg,
            query,
            l,
            me,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

fn trend_svg(
    state: &AppState,
    l: L,
    code: &RegionCode,
    indicator: &str,
    period: Period,
) -> Result<String, WebError> {
    let year = period.last_day().year();
    let t = views::trend(
        &state.store,
        &state.stats,
        code,
        indicator,
        year,
        TREND_YEARS,
    )?;
    let target = state
        .store
        .targets_in(code, year)?
        .into_iter()
        .find(|r| r.region_code == code.as_str() && r.indicator == indicator);
    let name = state
        .store
        .region(code)?
        .map(|r| r.name)
        .unwrap_or_else(|| code.to_string());
    Ok(super::charts::trend_svg(l, &name, &t, target.as_ref()))
}

/// `bars.svg`, `bars.png`, `trend.svg`, `trend.png` of one indicator.
pub async fn chart(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Path((_, indicator, file)): Path<(String, String, String)>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, WebError> {
    let period = q.period()?;
    let level = q.level()?;
    let l = current.l;
    let (stem, ext) = file.rsplit_once('.').ok_or(WebError::NotFound)?;
    let (stem, ext) = (stem.to_string(), ext.to_string());
    let name = format!("{indicator}-{stem}-{}-{}.{ext}", code.prefix(), period);
    let svg = blocking(move || match stem.as_str() {
        "bars" => {
            let d = drill(&state, &code, &indicator, period, level)?;
            Ok(super::charts::bar_svg(l, &d, period))
        }
        "trend" => trend_svg(&state, l, &code, &indicator, period),
        _ => Err(WebError::NotFound),
    })
    .await?;
    super::charts::respond(svg, &ext, &name).await
}

pub async fn pyramid_svg(
    state: State<AppState>,
    area: Area<Current>,
    q: Query<PeriodQuery>,
) -> Result<Response, WebError> {
    pyramid(state, area, q, "svg").await
}

pub async fn pyramid_png(
    state: State<AppState>,
    area: Area<Current>,
    q: Query<PeriodQuery>,
) -> Result<Response, WebError> {
    pyramid(state, area, q, "png").await
}

/// The pyramid of an area as a file.
async fn pyramid(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Query(q): Query<PeriodQuery>,
    ext: &'static str,
) -> Result<Response, WebError> {
    let period = q.period()?;
    let l = current.l;
    let name = format!("pyramid-{}-{}.{ext}", code.prefix(), period);
    let svg = blocking(move || {
        let p = views::pyramid_of(
            &state.store,
            &state.stats,
            &code,
            period,
            web_births_from(period),
        )?;
        let region = state
            .store
            .region(&code)?
            .map(|r| r.name)
            .unwrap_or_else(|| code.to_string());
        Ok(super::charts::pyramid_svg(l, &region, period, &p))
    })
    .await?;
    super::charts::respond(svg, ext, &name).await
}

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn attachment(bytes: Vec<u8>, mime: &str, name: &str) -> Response {
    (
        [
            (CONTENT_TYPE, mime.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The report as xlsx: `what=values` (default), `formulas`, or `publication`
/// (small counts suppressed, `min` = the threshold, default 10).
pub async fn export(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, WebError> {
    let period = q.period()?;
    let level = q.level()?;
    let what = nonempty(&q.what).unwrap_or("values").to_string();
    let min = q.min.unwrap_or(10).max(1);
    let me = current.clone();
    let name = format!("indicators-{}-{}-{what}.xlsx", code.prefix(), period);
    let bytes = blocking(move || {
        if !matches!(what.as_str(), "values" | "formulas" | "publication") {
            return Err(WebError::NotFound);
        }
        let r = report_for(&state, &code, period, level)?;
        let fields = format!("indicators {what} {period}");
        Ok(renkou_indicators::export::audited(
            &state.store,
            &me.actor(),
            &code,
            &fields,
            || match what.as_str() {
                "publication" => renkou_indicators::export::publication_xlsx(
                    &r,
                    SuppressionOptions {
                        threshold: min,
                        zeros_are_safe: false,
                    },
                ),
                w => renkou_indicators::export::report_xlsx(&r, w == "formulas"),
            },
        )?)
    })
    .await?;
    Ok(attachment(bytes, XLSX, &name))
}
