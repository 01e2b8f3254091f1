//! The indicators pages' figures turned into `renkou-charts` charts (titles and
//! labels in the page's language, bar colours from the targets), and the answer
//! with an SVG or a PNG file.

use super::pages::Drill;
use crate::error::WebError;
use crate::i18n::L;
use axum::response::Response;
use renkou_charts::{
    bar_chart, line_chart, pyramid_chart, Bar, BarChart, Interval, LineChart, PyramidChart,
    PyramidGroup, Series, Status, Target,
};
use renkou_indicators::tables::TargetRow;
use renkou_indicators::views::Trend;
use renkou_stats::{GapStatus, Period, Pyramid};

fn interval(i: Option<renkou_stats::Interval>) -> Option<Interval> {
    i.map(|i| Interval {
        low: i.low,
        high: i.high,
    })
}

fn target(l: L, t: &TargetRow) -> Target {
    match (t.band_low, t.band_high) {
        (Some(low), Some(high)) => Target::Band {
            low,
            high,
            label: l.s("目标区间", "target band").to_string(),
        },
        _ => Target::Line {
            value: t.value,
            label: l.s("目标值", "target").to_string(),
        },
    }
}

/// The drill-down bar chart: one bar per sub-region (the area itself when it has
/// none), green or red where a target judges it.
pub fn bar_svg(l: L, d: &Drill, period: Period) -> String {
    let col = &d.report.columns[d.column];
    let name = if l.en { &col.name_en } else { &col.name_zh };
    let from = if d.report.shown.len() > 1 { 1 } else { 0 };
    let bars = (from..d.report.shown.len())
        .map(|i| {
            let v = &d.report.values[i][d.column];
            Bar {
                label: d.report.name(i).to_string(),
                value: v.value,
                interval: interval(v.interval),
                status: match d.statuses[i] {
                    Some(GapStatus::Good) => Status::Good,
                    Some(GapStatus::Bad) => Status::Bad,
                    _ => Status::Neutral,
                },
            }
        })
        .collect();
    bar_chart(&BarChart {
        title: format!("{} {} {}", d.report.name(0), period, name),
        unit: format!("{}{}", l.s("单位：", "unit: "), col.unit_in(l.en)),
        decimals: col.decimals,
        bars,
        target: d.own_target.as_ref().map(|t| target(l, t)),
        ..Default::default()
    })
}

/// An indicator of an area over the years, with the last year's target.
pub fn trend_svg(l: L, region: &str, t: &Trend, target_row: Option<&TargetRow>) -> String {
    let name = if l.en {
        &t.column.name_en
    } else {
        &t.column.name_zh
    };
    line_chart(&LineChart {
        title: format!("{region} {}{}", name, l.s("（近十年）", " (ten years)")),
        unit: format!("{}{}", l.s("单位：", "unit: "), t.column.unit_in(l.en)),
        decimals: t.column.decimals,
        years: t.years.clone(),
        series: vec![Series {
            name: region.to_string(),
            values: t.values.iter().map(|v| v.value).collect(),
            intervals: t.values.iter().map(|v| interval(v.interval)).collect(),
        }],
        target: target_row.map(|r| target(l, r)),
        zero_based: t.column.factor.is_none() && t.column.decimals == 0,
        partial_last: t
            .years
            .last()
            .and_then(|y| partial_year_note(l, *y, today())),
        ..Default::default()
    })
}

fn today() -> renkou_domain::Date {
    chrono::Local::now().date_naive()
}

/// "2026 年截至 12 月 1 日，未满一年" when `year` is still running on `today`.
pub fn partial_year_note(l: L, year: i32, today: renkou_domain::Date) -> Option<String> {
    use chrono::Datelike;
    (year == today.year()).then(|| {
        if l.en {
            format!("{year} up to {}, not a full year", today.format("%-d %B"))
        } else {
            format!(
                "{year} 年截至 {} 月 {} 日，未满一年",
                today.month(),
                today.day()
            )
        }
    })
}

pub fn pyramid_svg(l: L, region: &str, period: Period, p: &Pyramid) -> String {
    pyramid_chart(&PyramidChart {
        title: format!(
            "{region} {}{}（{}）",
            period,
            l.s("年人口金字塔", " population pyramid"),
            p.day
        ),
        groups: p
            .groups
            .iter()
            .map(|g| PyramidGroup {
                label: g.label.clone(),
                male: f64::from(g.male),
                female: f64::from(g.female),
            })
            .collect(),
        male_label: l.s("男", "male").to_string(),
        female_label: l.s("女", "female").to_string(),
        total_label: l.s("合计", "total").to_string(),
        ..Default::default()
    })
}

/// Answers with the SVG itself, or rendered to PNG (twice the size, for print).
pub async fn respond(svg: String, ext: &str, name: &str) -> Result<Response, WebError> {
    match ext {
        "svg" => Ok(super::pages::attachment(
            svg.into_bytes(),
            "image/svg+xml; charset=utf-8",
            name,
        )),
        "png" => {
            let png = crate::blocking(move || {
                renkou_charts::svg_to_png(&svg, 2.0).map_err(|e| WebError::Internal(e.to_string()))
            })
            .await?;
            Ok(super::pages::attachment(png, "image/png", name))
        }
        _ => Err(WebError::NotFound),
    }
}
