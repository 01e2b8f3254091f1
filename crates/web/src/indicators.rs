//! The indicators page: where an area stands in a year, region by region, with the
//! count behind every rate and a click through to the next level down.

use crate::auth::Current;
use crate::error::WebError;
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use chrono::Datelike;
use renkou_app::indicators::{indicators, Level};
use renkou_domain::RegionCode;
use std::collections::BTreeMap;

/// The columns shown, in order (the full catalogue is in the CLI and exports).
const SHOWN: &[(&str, &str, &str)] = &[
    ("population_midyear", "年中人口", "Mid-year population"),
    ("births", "出生", "Births"),
    ("cbr", "出生率‰", "CBR ‰"),
    ("gfr", "一般生育率‰", "GFR ‰"),
    ("tfr", "总和生育率", "TFR"),
    ("srb", "出生性别比", "SRB"),
    ("deaths", "死亡", "Deaths"),
    ("cdr", "死亡率‰", "CDR ‰"),
    ("natural_increase_rate", "自然增长率‰", "Natural increase ‰"),
];

pub struct Line {
    pub code: String,
    pub name: String,
    pub own: bool,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct IndicatorsPage {
    l: L,
    me: Current,
    code: String,
    year: i32,
    headers: Vec<&'static str>,
    lines: Vec<Line>,
}

#[derive(serde::Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<i32>,
}

fn fmt(indicator: &str, v: Option<f64>, numerator: i64) -> String {
    match v {
        None => "—".into(),
        Some(v) if matches!(indicator, "population_midyear" | "births" | "deaths") => {
            format!("{}", v as i64)
        }
        // Rates of small areas carry the count behind them.
        Some(v) if indicator == "srb" => format!("{v:.1}"),
        Some(v) if indicator == "tfr" => format!("{v:.2}"),
        Some(v) => format!("{v:.2} ({numerator})"),
    }
}

pub async fn page(
    State(state): State<AppState>,
    current: Current,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>, WebError> {
    let code = RegionCode::parse_prefix(&code).map_err(|_| WebError::NotFound)?;
    if !current.scope.can_read(&code) {
        return Err(WebError::NotFound);
    }
    let year = q.year.unwrap_or_else(|| chrono::Local::now().year() - 1);
    let me = current.clone();
    let page = blocking(move || {
        let rows = indicators(
            &state.store,
            &state.stats,
            &code,
            renkou_stats::Period::year(year),
            Level::Children,
        )?;
        let mut by_region: BTreeMap<String, (String, BTreeMap<String, String>)> = BTreeMap::new();
        for r in rows {
            let cell = fmt(&r.indicator, r.value, r.numerator);
            by_region
                .entry(r.region_code.clone())
                .or_insert_with(|| (r.region_name.clone(), BTreeMap::new()))
                .1
                .insert(r.indicator, cell);
        }
        let own = code.to_string();
        let mut lines: Vec<Line> = by_region
            .into_iter()
            .map(|(c, (name, cells))| Line {
                own: c == own,
                cells: SHOWN
                    .iter()
                    .map(|(k, _, _)| cells.get(*k).cloned().unwrap_or_default())
                    .collect(),
                code: c,
                name,
            })
            .collect();
        lines.sort_by_key(|l| !l.own);
        Ok(IndicatorsPage {
            headers: SHOWN.iter().map(|(_, zh, en)| me.l.s(zh, en)).collect(),
            l: me.l,
            me,
            code: own,
            year,
            lines,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}
