//! A village roster (花名册) uploaded on the ledger page: the preview shows how
//! each column is read (a select per column the user may change), the village
//! it goes to, and what would be added, changed and missing; nothing is written
//! until the user confirms the mapping they last checked. The mapping is
//! remembered per office by the use case. Also the downloadable xlsx templates of
//! every file the upload page accepts.

use super::imports::Upload;
use crate::error::WebError;
use crate::extract::{CsrfForm, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_domain::RegionCode;
use renkou_interchange::schema::ROSTER_COLUMNS;
use renkou_interchange::FileKind;
use renkou_register::roster::{plan_roster, RosterOptions, RosterReport};
use renkou_register::AppError;
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) struct ColumnRow {
    pub position: usize,
    pub header: String,
    /// Every field it can be read as: (name, label, chosen).
    pub options: Vec<(&'static str, &'static str, bool)>,
    pub unread: bool,
}

pub(crate) struct AddedRow {
    pub row: u64,
    pub name: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub relation: &'static str,
    pub household: String,
}

pub(crate) struct ChangedRow {
    pub row: u64,
    pub person_no: String,
    pub name: String,
    pub fields: String,
}

#[derive(Template)]
#[template(path = "register/roster_preview.html")]
pub(crate) struct RosterPage {
    l: L,
    me: Current,
    upload_id: u64,
    file_name: String,
    villages: Vec<(String, String)>,
    village: String,
    columns: Vec<ColumnRow>,
    /// The mapping this preview was computed with, as the commit must submit it.
    checked: String,
    remembered: bool,
    summary: String,
    added: Vec<AddedRow>,
    changed: Vec<ChangedRow>,
    missing: Vec<(String, String, String)>,
    /// Fields kept at the register's newer value, in words.
    kept: Vec<String>,
    notes: Vec<String>,
    quality: Vec<(u64, &'static str, String)>,
    errors: Vec<String>,
    file_error: String,
    can_commit: bool,
}

/// Computes the preview of an uploaded roster (a dry run of the real import).
pub(crate) fn preview(
    state: &AppState,
    me: &Current,
    id: u64,
    upload: &Upload,
    village: Option<String>,
    mapping: Option<Vec<String>>,
) -> Result<RosterPage, WebError> {
    let villages = crate::regions::villages(state, me)?;
    // A village worker's roster is their village's.
    let village = village
        .filter(|v| !v.is_empty())
        .or_else(|| match villages.as_slice() {
            [(one, _)] => Some(one.clone()),
            _ => None,
        });
    let mut page = RosterPage {
        l: me.l,
        me: me.clone(),
        upload_id: id,
        file_name: upload.file_name.clone(),
        villages,
        village: village.clone().unwrap_or_default(),
        columns: Vec::new(),
        checked: String::new(),
        remembered: false,
        summary: String::new(),
        added: Vec::new(),
        changed: Vec::new(),
        missing: Vec::new(),
        kept: Vec::new(),
        notes: Vec::new(),
        quality: Vec::new(),
        errors: Vec::new(),
        file_error: String::new(),
        can_commit: false,
    };
    // The page's half of a "中文 / English" message, naming the file as uploaded.
    let l = me.l;
    let shown =
        |s: String| l.half(&s.replace(&upload.path.display().to_string(), &upload.file_name));
    let code = match village.as_deref().map(RegionCode::parse) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            page.file_error = l.half(&e.to_string());
            return Ok(page);
        }
        None => None,
    };
    let opts = RosterOptions {
        village: code,
        sheet: None,
        mapping,
        dry_run: true,
        actor: me.actor(),
    };
    // The mapping is shown even when the village is still to be chosen.
    let report = match plan_roster(&state.store, &upload.path, &opts) {
        Ok(r) => r,
        Err(AppError::Invalid(_)) if opts.village.is_none() => {
            page.file_error = me
                .l
                .s(
                    "请在下面选择这份花名册所属的村，或在文件中给出“所属村”列，然后点“重新检查”。",
                    "Choose the village this roster belongs to below, or give a village column in the file, then check again.",
                )
                .to_string();
            let mut o = opts.clone();
            o.village = page
                .villages
                .first()
                .and_then(|v| RegionCode::parse(&v.0).ok());
            match plan_roster(&state.store, &upload.path, &o) {
                Ok(r) => {
                    fill_mapping(&mut page, &r);
                }
                Err(_) => return Ok(page),
            }
            return Ok(page);
        }
        Err(e) => {
            page.file_error = shown(e.to_string());
            return Ok(page);
        }
    };
    fill_mapping(&mut page, &report);
    fill(&mut page, &report, &shown);
    Ok(page)
}

fn fill_mapping(page: &mut RosterPage, r: &RosterReport) {
    let l = page.l;
    page.remembered = r.mapping_remembered;
    page.columns = r
        .mapping
        .iter()
        .map(|m| ColumnRow {
            position: m.position,
            header: cut(&m.header),
            options: ROSTER_COLUMNS
                .iter()
                // An English page names a column by its English header.
                .map(|c| (c.name, l.s(c.zh, c.name), m.field == Some(c.name)))
                .collect(),
            unread: m.field.is_none(),
        })
        .collect();
    page.checked = r
        .mapping
        .iter()
        .map(|m| m.field.unwrap_or(""))
        .collect::<Vec<_>>()
        .join(",");
}

fn fill(page: &mut RosterPage, r: &RosterReport, shown: &dyn Fn(String) -> String) {
    let l = page.l;
    page.summary = if l.en { r.summary_en() } else { r.summary_zh() };
    page.added = r
        .added
        .iter()
        .map(|a| AddedRow {
            row: a.row,
            name: cut(&a.name),
            sex: l.s(a.sex.name_zh(), a.sex.name_en()),
            birth_date: a.birth_date.to_string(),
            relation: a
                .relation
                .map(|r| l.s(r.name_zh(), r.name_en()))
                .unwrap_or(""),
            household: match (&a.household_no, l.en) {
                (Some(h), false) => format!("加入户 {h}"),
                (Some(h), true) => format!("joins household {h}"),
                (None, false) => format!("新户（第{}行起）", a.household_row),
                (None, true) => format!("new household (from row {})", a.household_row),
            },
        })
        .collect();
    page.changed = r
        .changed
        .iter()
        .map(|c| ChangedRow {
            row: c.row,
            person_no: c.person_no.clone(),
            name: cut(&c.name),
            fields: c
                .fields
                .iter()
                .map(|(f, old, new)| {
                    format!(
                        "{}{}{} → {}",
                        l.field(*f),
                        l.s("：", ": "),
                        cut(&l.value(*f, old)),
                        cut(&l.value(*f, new))
                    )
                })
                .collect::<Vec<_>>()
                .join(l.s("；", "; ")),
        })
        .collect();
    page.missing = r
        .missing
        .iter()
        .map(|m| (m.person_no.clone(), cut(&m.name), m.household_no.clone()))
        .collect();
    page.kept = r
        .kept
        .iter()
        .map(|k| {
            let (name, register, file) = (
                cut(&k.name),
                cut(&l.value(k.field, &k.register)),
                cut(&l.value(k.field, &k.file)),
            );
            if l.en {
                format!(
                    "row {} {name} ({}): the {} was changed in the register to {register} after the last import; the file says {file}; the register's value is kept",
                    k.row,
                    k.person_no,
                    k.field.name_en(),
                )
            } else {
                format!(
                    "第{}行 {name}（{}）：{}在上次导入后已在系统中修改为 {register}，文件中为 {file}，保留系统中的值",
                    k.row,
                    k.person_no,
                    k.field.name_zh(),
                )
            }
        })
        .collect();
    page.notes = r.notes.iter().map(|n| shown(n.clone())).collect();
    page.quality = r
        .quality
        .iter()
        .map(|(row, k, m)| (*row, l.s(k.name_zh(), k.name_en()), shown(m.clone())))
        .collect();
    page.errors = r
        .errors
        .iter()
        .take(500)
        .map(|e| shown(super::imports::row_text(l, e)))
        .collect();
    page.can_commit = r.errors.is_empty() && !page.village.is_empty();
}

fn cut(s: &str) -> String {
    if s.chars().count() > 60 {
        let mut t: String = s.chars().take(60).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

/// The mapping and village a roster form submits: `m0`, `m1`, … per column.
fn submitted(form: &HashMap<String, String>) -> (Option<String>, Vec<String>) {
    let mut cols: Vec<(usize, String)> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix('m')?.parse().ok()?, v.clone())))
        .filter(|(i, _): &(usize, String)| *i < renkou_interchange::limits::MAX_COLUMNS)
        .collect();
    cols.sort();
    let n = cols.last().map_or(0, |c| c.0 + 1);
    let mut mapping = vec![String::new(); n];
    for (i, v) in cols {
        mapping[i] = v;
    }
    (form.get("village").cloned(), mapping)
}

fn roster_upload(state: &AppState, me: &Current, id: u64) -> Result<Arc<Upload>, WebError> {
    super::imports::may_import(me)?;
    state
        .uploads
        .get(id, &me.account.username)
        .ok_or(WebError::NotFound)
}

/// Checks the roster again with the mapping and village the user chose.
pub async fn recheck(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    CsrfForm { me, form }: CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let upload = roster_upload(&state, &me, id)?;
    let (village, mapping) = submitted(&form);
    let page = blocking(move || preview(&state, &me, id, &upload, village, Some(mapping))).await?;
    Ok(Html(page.render()?).into_response())
}

/// Imports the roster with the mapping the user last checked; a mapping changed
/// since is checked again first, not written.
pub async fn commit(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    CsrfForm { me, form }: CsrfForm<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let upload = roster_upload(&state, &me, id)?;
    let (village, mapping) = submitted(&form);
    let checked = form.get("checked").cloned().unwrap_or_default();
    {
        let j = upload
            .job
            .lock()
            .map_err(|_| WebError::Internal("job lock".into()))?;
        if j.started {
            return Ok(Redirect::to(&format!("/imports/{id}")).into_response());
        }
    }
    if mapping.join(",") != checked || village.as_deref().unwrap_or("").is_empty() {
        let page =
            blocking(move || preview(&state, &me, id, &upload, village, Some(mapping))).await?;
        return Ok(Html(page.render()?).into_response());
    }
    let code = village
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let st = state.clone();
    let up = upload.clone();
    let m = mapping.clone();
    let actor = me.actor();
    let result = blocking(move || {
        Ok(renkou_register::roster::plan_roster(
            &st.store,
            &up.path,
            &RosterOptions {
                village: code,
                sheet: None,
                mapping: Some(m),
                dry_run: false,
                actor,
            },
        ))
    })
    .await?;
    match result {
        Ok(r) if r.committed => {
            if let Ok(mut j) = upload.job.lock() {
                j.started = true;
                j.finished = true;
                j.message = format!("完成：{} / done: {}", r.summary_zh(), r.summary_en());
            }
            let _ = std::fs::remove_file(&upload.path);
            Ok(Redirect::to(&format!("/imports/{id}")).into_response())
        }
        // Row errors (or a refusal): shown on the preview, nothing written.
        _ => {
            let page =
                blocking(move || preview(&state, &me, id, &upload, village, Some(mapping))).await?;
            Ok(Html(page.render()?).into_response())
        }
    }
}

#[derive(serde::Deserialize)]
pub struct TemplateQuery {
    #[serde(default)]
    kind: String,
}

/// GET /imports/template?kind=roster|persons|births|regions|targets: a blank xlsx.
pub async fn template(
    current: Current,
    Query(q): Query<TemplateQuery>,
) -> Result<Response, WebError> {
    let _ = current;
    let (kind, name) = match q.kind.as_str() {
        "persons" => (FileKind::Persons, "persons-template.xlsx"),
        "births" => (FileKind::Births, "births-template.xlsx"),
        "regions" => (FileKind::Regions, "regions-template.xlsx"),
        "targets" => (FileKind::Targets, "targets-template.xlsx"),
        _ => (FileKind::Roster, "roster-template.xlsx"),
    };
    let bytes = blocking(move || Ok(renkou_register::roster::template_xlsx(kind)?)).await?;
    Ok((
        [
            (CONTENT_TYPE, crate::indicators::pages::XLSX.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
