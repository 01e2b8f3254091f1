//! The targets page (目标值 · 实际值 · 差距 for every region of an area side by
//! side, the seed's monthly table), setting a target by form or by file, a
//! target's history, the dashboard as xlsx; and the user-defined indicators page.

use super::pages::{attachment, XLSX};
use crate::error::WebError;
use crate::extract::{Area, CsrfForm, CsrfMultipart, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use renkou_domain::RegionCode;
use renkou_indicators::figures::Level;
use renkou_indicators::targets::{may_set_targets, targets_table, TargetsTable};
use renkou_interchange::targets::{TargetFields, TargetLine};
use renkou_stats::{GapStatus, UserIndicatorDef};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TargetsQuery {
    year: Option<i32>,
    level: Option<String>,
    formulas: Option<String>,
    indicator: Option<String>,
    region: Option<String>,
}

impl TargetsQuery {
    fn year(&self) -> i32 {
        self.year.unwrap_or_else(|| chrono::Local::now().year())
    }
    fn level(&self) -> Result<Level, WebError> {
        match self.level.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(Level::Children),
            Some(l) => Ok(Level::parse(l)?),
        }
    }
}

pub struct Cell {
    pub target: String,
    pub actual: String,
    pub gap: String,
    pub class: &'static str,
    pub history: String,
}

pub struct Line {
    pub code: String,
    pub name: String,
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "indicators/targets.html")]
struct TargetsPage {
    l: L,
    me: Current,
    code: String,
    name: String,
    year: i32,
    level: String,
    heads: Vec<(String, String, String)>,
    lines: Vec<Line>,
    may_set: bool,
    /// (code, name) of every indicator a target may name.
    choices: Vec<(String, String)>,
    /// (code, name) of the regions shown, for the form.
    regions: Vec<(String, String)>,
    error: String,
    notice: String,
}

fn cells(table: &TargetsTable, l: L) -> (Vec<(String, String, String)>, Vec<Line>) {
    let heads = (0..table.indicators.len())
        .map(|k| {
            let c = table.column(k);
            (
                c.code.clone(),
                if l.en {
                    c.name_en.clone()
                } else {
                    c.name_zh.clone()
                },
                c.unit_in(l.en).to_string(),
            )
        })
        .collect();
    let lines = table
        .cells
        .iter()
        .enumerate()
        .map(|(i, row)| Line {
            code: table.report.code(i),
            name: table.report.name(i).to_string(),
            cells: row
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let col = table.column(k);
                    Cell {
                        target: c
                            .target
                            .as_ref()
                            .map(|t| match (t.band_low, t.band_high) {
                                (Some(lo), Some(hi)) => format!("{lo}–{hi}"),
                                _ => col.show(Some(t.value)),
                            })
                            .unwrap_or_default(),
                        actual: col.show(c.actual),
                        gap: c.gap.map(|g| g.signed(col.decimals)).unwrap_or_default(),
                        class: match c.gap.map(|g| g.status) {
                            Some(GapStatus::Good) => "good",
                            Some(GapStatus::Bad) => "bad",
                            _ => "",
                        },
                        history: c
                            .target
                            .as_ref()
                            .map(|t| format!("{} {}", t.set_by, t.set_at.format("%Y-%m-%d %H:%M")))
                            .unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    (heads, lines)
}

fn choices(state: &AppState, l: L) -> Result<Vec<(String, String)>, WebError> {
    let mut v: Vec<(String, String)> = renkou_stats::catalogue::Indicator::ALL
        .iter()
        .map(|i| {
            (
                i.code().to_string(),
                if l.en { i.name_en() } else { i.name_zh() }.to_string(),
            )
        })
        .collect();
    for (row, def) in renkou_indicators::user_indicators::list(&state.store)? {
        if !row.retired {
            v.push((row.code.clone(), def.map(|d| d.name_zh).unwrap_or(row.code)));
        }
    }
    Ok(v)
}

fn render_page(
    state: &AppState,
    me: Current,
    code: &RegionCode,
    q: &TargetsQuery,
    error: String,
    notice: String,
) -> Result<String, WebError> {
    let year = q.year();
    let table = targets_table(&state.store, &state.stats, code, year, q.level()?)?;
    let (heads, lines) = cells(&table, me.l);
    let page = TargetsPage {
        name: table.report.name(0).to_string(),
        code: code.to_string(),
        year,
        level: q.level.clone().unwrap_or_default(),
        regions: lines
            .iter()
            .map(|l| (l.code.clone(), l.name.clone()))
            .collect(),
        heads,
        lines,
        may_set: may_set_targets(&me.scope, code),
        choices: choices(state, me.l)?,
        error,
        notice,
        l: me.l,
        me,
    };
    Ok(page.render()?)
}

pub async fn page(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Query(q): Query<TargetsQuery>,
) -> Result<Html<String>, WebError> {
    let html =
        blocking(move || render_page(&state, current, &code, &q, String::new(), String::new()))
            .await?;
    Ok(Html(html))
}

#[derive(Debug, serde::Deserialize)]
pub struct TargetForm {
    indicator: String,
    region: String,
    year: i32,
    direction: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    band_low: String,
    #[serde(default)]
    band_high: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    level: String,
}

/// The form's fields → a target line, with the rules of a targets file; what is
/// wrong is said in plain words.
fn line_of(f: &TargetForm) -> Result<TargetLine, String> {
    let year = f.year.to_string();
    renkou_interchange::targets::target_line(&TargetFields {
        indicator: &f.indicator,
        region_code: &f.region,
        year: &year,
        direction: &f.direction,
        value: &f.value,
        band_low: &f.band_low,
        band_high: &f.band_high,
        note: &f.note,
    })
    .map_err(|errors| {
        errors
            .into_iter()
            .map(|(_, m)| m)
            .collect::<Vec<_>>()
            .join("；")
    })
}

pub async fn set(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    CsrfForm { me, form }: CsrfForm<TargetForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let q = TargetsQuery {
            year: Some(form.year),
            level: Some(form.level.clone()),
            ..Default::default()
        };
        let outcome = line_of(&form).and_then(|line| {
            if !code.contains(&line.region) {
                return Err(format!(
                    "区划 {} 不在本页区域内 / region {} is outside this page's area",
                    line.region, line.region
                ));
            }
            renkou_indicators::targets::set_target(&state.store, &me.actor(), &line)
                .map_err(|e| e.to_string())
        });
        match outcome {
            Ok(_) => Ok(Redirect::to(&format!(
                "/targets/{code}?year={}&level={}",
                form.year, form.level
            ))
            .into_response()),
            Err(error) => {
                let html = render_page(&state, me, &code, &q, error, String::new())?;
                Ok((axum::http::StatusCode::BAD_REQUEST, Html(html)).into_response())
            }
        }
    })
    .await
}

/// A targets file (xlsx or CSV, see the template): all rows or none.
pub async fn import(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let year = form.get("year").trim().parse().ok();
    let current = form.me.clone();
    let upload = form
        .file
        .filter(|f| !f.bytes.is_empty())
        .ok_or_else(|| WebError::BadRequest("请选择文件 / choose a file".into()))?;
    let (name, bytes) = (upload.file_name, upload.bytes);
    let me = current.clone();
    blocking(move || {
        let dir = crate::register::imports::TempDir::new("targets")?;
        let path = dir.path().join(&name);
        let result = std::fs::write(&path, &bytes)
            .map_err(|e| WebError::Internal(e.to_string()))
            .map(|_| renkou_indicators::targets::import_targets(&state.store, &me.actor(), &path, None));
        let q = TargetsQuery {
            year,
            ..Default::default()
        };
        match result? {
            Ok(n) => {
                let notice = format!("已导入 {n} 个目标值 / {n} targets imported");
                Ok(Html(render_page(&state, me, &code, &q, String::new(), notice)?).into_response())
            }
            Err(renkou_indicators::Error::InvalidRows { errors, .. }) => {
                let error = errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n");
                let error = format!("文件有错误，未导入任何目标值 / the file has errors, nothing was imported\n{error}");
                let html = render_page(&state, me, &code, &q, error, String::new())?;
                Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
            }
            Err(e) => {
                let html = render_page(&state, me, &code, &q, e.to_string(), String::new())?;
                Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
            }
        }
    })
    .await
}

/// The dashboard as xlsx (`formulas=1` for the gap as a formula).
pub async fn export(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Query(q): Query<TargetsQuery>,
) -> Result<Response, WebError> {
    let formulas = q.formulas.as_deref() == Some("1");
    let name = format!(
        "targets-{}-{}{}.xlsx",
        code.prefix(),
        q.year(),
        if formulas { "-formulas" } else { "" }
    );
    let me = current.clone();
    let bytes = blocking(move || {
        let level = q.level()?;
        let fields = format!("targets {}", q.year());
        Ok(renkou_indicators::export::audited(
            &state.store,
            &me.actor(),
            &code,
            &fields,
            || {
                let table = targets_table(&state.store, &state.stats, &code, q.year(), level)?;
                renkou_indicators::export::targets_xlsx(&table, formulas)
            },
        )?)
    })
    .await?;
    Ok(attachment(bytes, XLSX, &name))
}

/// An empty targets file with the headers and two example rows.
pub async fn template(Area { code, .. }: Area<Current>) -> Result<Response, WebError> {
    let year = chrono::Local::now().year();
    let bytes = blocking(move || {
        let dir = std::env::temp_dir().join(format!("renkou-template-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).map_err(|e| WebError::Internal(e.to_string()))?;
        let path = dir.join("targets.xlsx");
        let headers: Vec<&str> = renkou_interchange::schema::TARGET_COLUMNS
            .iter()
            .map(|c| c.zh)
            .collect();
        let result = (|| {
            use renkou_interchange::write::{OutFormat, TableWriter};
            let mut w = TableWriter::create(&path, OutFormat::Xlsx, &headers)?;
            let c = code.to_string();
            let y = year.to_string();
            w.write_row(&["cbr", &c, &y, "越高越好", "10.5", "", "", "示例，可删除"])?;
            w.write_row(&["srb", &c, &y, "区间", "", "103", "107", "示例，可删除"])?;
            w.finish()?;
            std::fs::read(&path).map_err(|e| renkou_interchange::FileError::io("targets.xlsx", e))
        })()
        .map_err(|e| WebError::Internal(e.to_string()));
        let _ = std::fs::remove_dir_all(&dir);
        result
    })
    .await?;
    Ok(attachment(bytes, XLSX, "targets-template.xlsx"))
}

#[derive(Template)]
#[template(path = "indicators/target_history.html")]
struct HistoryPage {
    l: L,
    me: Current,
    code: String,
    year: i32,
    rows: Vec<renkou_indicators::tables::TargetRow>,
    /// The indicator's and the region's names, for the heading.
    indicator_name: String,
    region_name: String,
}

impl HistoryPage {
    /// A target's direction in words (band → 区间).
    fn direction_name(&self, d: &str) -> &'static str {
        match d {
            "lower" => self.l.s("越低越好", "lower is better"),
            "higher" => self.l.s("越高越好", "higher is better"),
            "band" => self.l.s("区间", "band"),
            _ => "",
        }
    }
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::i18n::minute(t)
    }
}

pub async fn history(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Query(q): Query<TargetsQuery>,
) -> Result<Html<String>, WebError> {
    let region = match q.region.as_deref() {
        Some(r) => RegionCode::parse_prefix(r).map_err(|_| WebError::NotFound)?,
        None => code.clone(),
    };
    if !code.contains(&region) {
        return Err(WebError::NotFound);
    }
    let indicator = q.indicator.clone().unwrap_or_default();
    let year = q.year();
    let me = current.clone();
    let page = blocking(move || {
        let rows = renkou_indicators::targets::history(&state.store, &indicator, &region, year)?;
        let region_name = state
            .store
            .region(&region)?
            .map(|r| r.name)
            .unwrap_or_else(|| region.to_string());
        let indicator_name = match renkou_stats::Indicator::parse(&indicator) {
            Some(i) if me.l.en => i.name_en().to_string(),
            Some(i) => i.name_zh().to_string(),
            None => indicator.clone(),
        };
        Ok(HistoryPage {
            region_name,
            indicator_name,
            l: me.l,
            me,
            code: region.to_string(),
            year,
            rows,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

// --- user-defined indicators ------------------------------------------------

pub struct UserLine {
    pub code: String,
    pub name: String,
    pub numerator: String,
    pub denominator: String,
    pub scale: String,
    pub unit: String,
    pub by: String,
    pub retired: bool,
}

#[derive(Template)]
#[template(path = "indicators/custom_indicators.html")]
struct CustomPage {
    l: L,
    me: Current,
    lines: Vec<UserLine>,
    may_define: bool,
    form: UserIndicatorDef,
    error: String,
}

fn custom_page(
    state: &AppState,
    me: Current,
    form: UserIndicatorDef,
    error: String,
) -> Result<String, WebError> {
    let lines = renkou_indicators::user_indicators::list(&state.store)?
        .into_iter()
        .map(|(row, def)| {
            let def = def.unwrap_or(UserIndicatorDef {
                code: row.code.clone(),
                name_zh: row.code.clone(),
                name_en: String::new(),
                unit: String::new(),
                numerator: String::new(),
                denominator: None,
                scale: 1.0,
            });
            UserLine {
                code: row.code,
                name: def.name_zh,
                numerator: def.numerator,
                denominator: def.denominator.unwrap_or_default(),
                scale: def.scale.to_string(),
                unit: def.unit,
                by: format!("{} {}", row.updated_by, row.updated_at.format("%Y-%m-%d")),
                retired: row.retired,
            }
        })
        .collect();
    Ok(CustomPage {
        l: me.l,
        may_define: renkou_indicators::user_indicators::may_define(&me.scope),
        me,
        lines,
        form,
        error,
    }
    .render()?)
}

fn empty_def() -> UserIndicatorDef {
    UserIndicatorDef {
        code: String::new(),
        name_zh: String::new(),
        name_en: String::new(),
        unit: String::new(),
        numerator: String::new(),
        denominator: None,
        scale: 1.0,
    }
}

pub async fn custom(
    State(state): State<AppState>,
    current: Current,
) -> Result<Html<String>, WebError> {
    let html = blocking(move || custom_page(&state, current, empty_def(), String::new())).await?;
    Ok(Html(html))
}

#[derive(Debug, serde::Deserialize)]
pub struct CustomForm {
    code: String,
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    unit: String,
    numerator: String,
    #[serde(default)]
    denominator: String,
    #[serde(default)]
    scale: String,
}

pub async fn define(
    State(state): State<AppState>,
    CsrfForm { me, form: f }: CsrfForm<CustomForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let scale = f.scale.trim();
        let def = UserIndicatorDef {
            code: f.code.trim().to_string(),
            name_zh: f.name_zh.trim().to_string(),
            name_en: f.name_en.trim().to_string(),
            unit: f.unit.trim().to_string(),
            numerator: f.numerator.trim().to_string(),
            denominator: Some(f.denominator.trim().to_string()).filter(|d| !d.is_empty()),
            scale: if scale.is_empty() {
                1.0
            } else {
                scale.parse().unwrap_or(f64::NAN)
            },
        };
        match renkou_indicators::user_indicators::define(&state.store, &me.actor(), &def) {
            Ok(_) => Ok(Redirect::to("/indicators-custom").into_response()),
            Err(e) => {
                let html = custom_page(&state, me, def, e.to_string())?;
                Ok((axum::http::StatusCode::BAD_REQUEST, Html(html)).into_response())
            }
        }
    })
    .await
}

pub async fn retire(
    State(state): State<AppState>,
    Path(code): Path<String>,
    CsrfForm { me, .. }: CsrfForm<crate::auth::Empty>,
) -> Result<Response, WebError> {
    blocking(move || {
        renkou_indicators::user_indicators::retire(&state.store, &me.actor(), &code)?;
        Ok(Redirect::to("/indicators-custom").into_response())
    })
    .await
}
