//! The pages of the register: home, regions, lists, a person, a household, search,
//! the event forms and the audit log. Records come checked against the account's
//! area by the extractors; writes go to `renkou_register::events`.

use crate::error::WebError;
use crate::extract::{
    Area, CsrfForm, Current, HouseholdOf, PersonOf, WritableArea, WritablePerson,
};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use renkou_domain::event::EventKind;
use renkou_domain::person::Field;
use renkou_domain::{Date, PersonRecord, Region, RegionCode, RegionLevel};
use renkou_register::events::{BirthInput, EventInput};
use renkou_store::browse::{AreaSummary, HouseholdRow, PersonFilter, PersonSort, RecentEvent};
use renkou_store::persons::{ChildOrder, StoredEvent};
use renkou_store::{AuditAction, AuditNote, RecordKind};
use std::collections::HashMap;

const PAGE_SIZE: i64 = 50;

fn today() -> Date {
    chrono::Local::now().date_naive()
}

/// Records the view in the audit log without making the page wait for it.
fn audit_view(
    state: &AppState,
    current: &Current,
    record: RecordKind,
    id: &str,
) -> Result<(), WebError> {
    state.store.audit_view(&current.actor(), record, id, "")?;
    Ok(())
}

// --- home ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "register/home.html")]
struct HomePage {
    l: L,
    me: Current,
    region: Region,
    year: i32,
    summary: AreaSummary,
    recent: Vec<RecentEvent>,
    uploads: Vec<super::imports::UploadStatus>,
    /// Reports made for this account or changed state (reports domain).
    notices: Vec<crate::reports::HomeNotice>,
    /// This account's tasks past their deadline (plans domain).
    overdue: Vec<crate::plans::OverdueTask>,
}

pub async fn home(
    State(state): State<AppState>,
    current: Current,
) -> Result<Html<String>, WebError> {
    let me = current.clone();
    let page = blocking(move || {
        let region = state
            .store
            .region(&me.scope.region)?
            .ok_or(WebError::NotFound)?;
        let summary = state.store.area_summary(&me.scope.region, today())?;
        let recent = state.store.recent_events(&me.scope.region, 10)?;
        let uploads = state.uploads.attention(&me.account.username);
        let notices = crate::reports::home_notices(&state, &me)?;
        let overdue = crate::plans::overdue(&state, &me, today())?;
        Ok(HomePage {
            uploads,
            notices,
            overdue,
            l: me.l,
            year: today().year(),
            me,
            region,
            summary,
            recent,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

// --- regions ------------------------------------------------------------------

struct ChildRow {
    region: Region,
    population: i64,
    households: i64,
}

#[derive(Template)]
#[template(path = "register/region.html")]
struct RegionPage {
    l: L,
    me: Current,
    region: Region,
    parent: Option<Region>,
    summary: AreaSummary,
    children: Vec<ChildRow>,
    is_village: bool,
}

pub async fn region(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
) -> Result<Html<String>, WebError> {
    let me = current.clone();
    let page = blocking(move || {
        let store = &state.store;
        let region = store.region(&code)?.ok_or(WebError::NotFound)?;
        let parent = match code.parent() {
            Some(p) if me.scope.can_read(&p) => store.region(&p)?,
            _ => None,
        };
        let summary = store.area_summary(&code, today())?;
        let counts: HashMap<String, (i64, i64)> = store.child_counts(&code)?;
        let children = store
            .child_regions(&code, None)?
            .into_iter()
            .map(|r| {
                let (population, households) =
                    counts.get(r.code.as_str()).copied().unwrap_or((0, 0));
                ChildRow {
                    region: r,
                    population,
                    households,
                }
            })
            .collect();
        Ok(RegionPage {
            l: me.l,
            is_village: region.level() >= RegionLevel::Village,
            me,
            region,
            parent,
            summary,
            children,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

// --- lists --------------------------------------------------------------------

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    sex: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    residence: String,
    #[serde(default)]
    marital: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: i64,
    #[serde(default)]
    format: String,
    #[serde(default)]
    dead: String,
}

impl ListQuery {
    fn filter(&self) -> PersonFilter {
        let t = today();
        let (born_from, born_to) = match self.age.split_once('-') {
            Some((a, b)) => {
                let a: i32 = a.parse().unwrap_or(0);
                let b: i32 = b.parse().unwrap_or(150);
                // Age a..=b today: born after today-(b+1) years, on or before today-a years.
                let from = Date::from_ymd_opt(t.year() - b - 1, t.month(), 1)
                    .map(|d| d + chrono::Duration::days(t.day() as i64));
                let to = Date::from_ymd_opt(t.year() - a, t.month(), 1)
                    .map(|d| d + chrono::Duration::days(t.day() as i64 - 1));
                (from, to)
            }
            None => (None, None),
        };
        PersonFilter {
            sex: self.sex.parse().ok(),
            residence: (!self.residence.is_empty()).then(|| self.residence.clone()),
            marital_status: self.marital.parse().ok(),
            born_from,
            born_to,
            alive: self.dead != "1",
        }
    }

    /// The same query without the page, for links.
    fn base(&self) -> String {
        format!(
            "sex={}&age={}&residence={}&marital={}&sort={}&dead={}",
            self.sex, self.age, self.residence, self.marital, self.sort, self.dead
        )
    }
}

struct PersonRow {
    p: PersonRecord,
    age: i32,
}

#[derive(Template)]
#[template(path = "register/persons.html")]
struct PersonsPage {
    l: L,
    me: Current,
    region: Region,
    rows: Vec<PersonRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: ListQuery,
    base: String,
}

pub async fn persons(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let filter = q.filter();
    let sort = PersonSort::parse(&q.sort);
    if q.format == "csv" || q.format == "xlsx" {
        return export_list(state, current, code, filter, sort, q.format.clone()).await;
    }
    let me = current.clone();
    let page = blocking(move || {
        let region = state.store.region(&code)?.ok_or(WebError::NotFound)?;
        let page = q.page.max(1);
        let (persons, total) =
            state
                .store
                .list_persons(&code, &filter, sort, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
        let t = today();
        Ok(PersonsPage {
            l: me.l,
            me,
            region,
            rows: persons
                .into_iter()
                .map(|p| PersonRow {
                    age: renkou_domain::date::completed_years(
                        p.birth_date,
                        p.death_date.unwrap_or(t),
                    ),
                    p,
                })
                .collect(),
            total,
            page,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            base: q.base(),
            q,
        })
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

async fn export_list(
    state: AppState,
    current: Current,
    code: RegionCode,
    filter: PersonFilter,
    sort: PersonSort,
    format: String,
) -> Result<Response, WebError> {
    use renkou_interchange::write::person_cells;
    let headers = renkou_interchange::FileKind::Persons
        .columns()
        .iter()
        .map(|c| c.zh)
        .collect();
    download(
        state,
        current,
        code,
        "persons",
        format,
        headers,
        move |state, code, w| {
            let mut n = 0;
            state
                .store
                .for_each_listed_person(code, &filter, sort, &mut |p| {
                    n += 1;
                    w.write_row(&person_cells(&p))
                        .map_err(|e| renkou_store::StoreError::Invalid(e.to_string()))
                })?;
            Ok(n)
        },
    )
    .await
}

/// Writes a table of `code`'s area in `format` (xlsx or CSV) to a temporary file,
/// records the export in the audit log, and answers with the file as a download.
async fn download(
    state: AppState,
    current: Current,
    code: RegionCode,
    what: &'static str,
    format: String,
    headers: Vec<&'static str>,
    fill: impl FnOnce(
            &AppState,
            &RegionCode,
            &mut renkou_interchange::write::TableWriter,
        ) -> Result<usize, WebError>
        + Send
        + 'static,
) -> Result<Response, WebError> {
    use renkou_interchange::write::{OutFormat, TableWriter};
    let xlsx = format == "xlsx";
    let file_name = format!(
        "{what}-{}.{}",
        code.prefix(),
        if xlsx { "xlsx" } else { "csv" }
    );
    let name = file_name.clone();
    let bytes = blocking(move || {
        let dir = std::env::temp_dir().join(format!("renkou-export-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).map_err(|e| WebError::Internal(e.to_string()))?;
        let path = dir.join(&name);
        let result = (|| {
            let mut w = TableWriter::create(
                &path,
                if xlsx {
                    OutFormat::Xlsx
                } else {
                    OutFormat::Csv
                },
                &headers,
            )
            .map_err(|e| WebError::Internal(e.to_string()))?;
            let n = fill(&state, &code, &mut w)?;
            w.finish().map_err(|e| WebError::Internal(e.to_string()))?;
            state.store.audit(
                &current.actor(),
                AuditNote {
                    action: AuditAction::EXPORT,
                    record: RecordKind::REGION,
                    record_id: code.as_str(),
                    fields: &format!("{what}={n}"),
                },
            )?;
            std::fs::read(&path).map_err(|e| WebError::Internal(e.to_string()))
        })();
        let _ = std::fs::remove_dir_all(&dir);
        result
    })
    .await?;
    let mime = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok((
        [
            (CONTENT_TYPE, mime.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "register/households.html")]
struct HouseholdsPage {
    l: L,
    me: Current,
    region: Region,
    rows: Vec<HouseholdRow>,
    total: i64,
    page: i64,
    pages: i64,
}

/// The households of an area as xlsx/CSV: number, village, members.
async fn export_households(
    state: AppState,
    current: Current,
    code: RegionCode,
    format: String,
) -> Result<Response, WebError> {
    download(
        state,
        current,
        code,
        "households",
        format,
        vec!["户编号", "区划代码", "人数"],
        |state, code, w| {
            let (rows, _) = state.store.list_households(code, 0, i64::MAX / 2)?;
            for h in &rows {
                w.write_row(&[
                    h.household_no.clone(),
                    h.region_code.clone(),
                    h.members.to_string(),
                ])
                .map_err(|e| WebError::Internal(e.to_string()))?;
            }
            Ok(rows.len())
        },
    )
    .await
}

pub async fn households(
    State(state): State<AppState>,
    Area {
        user: current,
        code,
    }: Area<Current>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    if q.format == "csv" || q.format == "xlsx" {
        return export_households(state, current, code, q.format.clone()).await;
    }
    let me = current.clone();
    let page = blocking(move || {
        let region = state.store.region(&code)?.ok_or(WebError::NotFound)?;
        let page = q.page.max(1);
        let (rows, total) =
            state
                .store
                .list_households(&code, (page - 1) * PAGE_SIZE, PAGE_SIZE)?;
        Ok(HouseholdsPage {
            l: me.l,
            me,
            region,
            rows,
            total,
            page,
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        })
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

// --- a person, a household ----------------------------------------------------

struct EventRow {
    e: StoredEvent,
    summary: String,
    /// When it was recorded, in the county's time to the minute.
    at: String,
    /// Where it came from, in words (a form, the API, or the file's name).
    source: String,
}

/// An event's source as the history shows it.
fn source_name(l: L, source: &str) -> String {
    match source {
        "web" | "form" => l.s("网页登记", "web form").to_string(),
        "api" => l.s("数据接口", "API").to_string(),
        other => other.to_string(),
    }
}

/// A field's value as a person reads it: codes by their names, empty as empty.
fn field_value(field: Field, raw: &str) -> String {
    use renkou_domain::{MaritalStatus, Residence, Sex};
    let named = match field {
        Field::Sex => Sex::parse(raw).ok().map(|v| v.name_zh()),
        Field::MaritalStatus => MaritalStatus::parse(raw).ok().map(|v| v.name_zh()),
        Field::Residence => Residence::parse(raw).ok().map(|v| v.name_zh()),
        _ => None,
    };
    match named {
        Some(n) => n.to_string(),
        None if raw.trim().is_empty() => "（空）".to_string(),
        None => raw.to_string(),
    }
}

#[derive(Template)]
#[template(path = "register/person.html")]
struct PersonPage {
    l: L,
    me: Current,
    p: PersonRecord,
    /// The village's name, for the way back.
    region_name: String,
    age: i32,
    birth_order: Option<u32>,
    children: Vec<ChildOrder>,
    events: Vec<EventRow>,
    can_write: bool,
}

fn event_summary(k: &EventKind) -> String {
    match k {
        EventKind::Registered { .. } | EventKind::Birth { .. } => String::new(),
        EventKind::Death { date } => date.to_string(),
        EventKind::Marriage { date, status, .. } => format!("{date} {}", status.name_zh()),
        EventKind::Divorce { date } => date.to_string(),
        EventKind::MoveOut { date, destination } => {
            format!("{date} → {}", destination.as_deref().unwrap_or(""))
        }
        EventKind::MoveIn {
            date,
            residence,
            origin,
            ..
        } => format!(
            "{date} {} ← {}",
            residence.name_zh(),
            origin.as_deref().unwrap_or("")
        ),
        EventKind::HouseholdChange {
            date, household_no, ..
        } => format!("{date} → {household_no}"),
        EventKind::Correction {
            field,
            old,
            new,
            reason,
        } => {
            format!(
                "{}：{} → {}（{reason}）",
                field.name_zh(),
                field_value(*field, old),
                field_value(*field, new)
            )
        }
    }
}

pub async fn person(
    State(state): State<AppState>,
    PersonOf {
        user: me,
        person: p,
    }: PersonOf<Current>,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || {
        let store = &state.store;
        audit_view(&state, &me, RecordKind::PERSON, &p.person_no)?;
        let birth_order = match &p.mother_no {
            Some(m) => store
                .children_of(m)?
                .into_iter()
                .find(|c| c.person_no == p.person_no)
                .map(|c| c.birth_order),
            None => None,
        };
        let children = store.children_of(&p.person_no)?;
        let events = store
            .person_events(&p.person_no)?
            .into_iter()
            .map(|e| EventRow {
                summary: event_summary(&e.event.kind),
                at: crate::i18n::local_minute(&e.event.recorded_at),
                source: source_name(me.l, &e.event.source),
                e,
            })
            .collect();
        let region_name = store
            .region(&p.region_code)?
            .map(|r| r.name)
            .unwrap_or_else(|| p.region_code.to_string());
        Ok(PersonPage {
            region_name,
            l: me.l,
            age: renkou_domain::date::completed_years(
                p.birth_date,
                p.death_date.unwrap_or_else(today),
            ),
            can_write: me.scope.can_write(&p.region_code),
            me,
            p,
            birth_order,
            children,
            events,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "register/household.html")]
struct HouseholdPage {
    l: L,
    me: Current,
    household_no: String,
    members: Vec<PersonRecord>,
}

/// A household is visible when any member lives in the account's area; the
/// members shown are only those.
pub async fn household(
    State(state): State<AppState>,
    HouseholdOf {
        user: me,
        household_no: no,
        members,
    }: HouseholdOf<Current>,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || {
        audit_view(&state, &me, RecordKind::HOUSEHOLD, &no)?;
        Ok(HouseholdPage {
            l: me.l,
            me,
            household_no: no,
            members,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

// --- search -------------------------------------------------------------------

#[derive(serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// A search result as the page shows it.
struct Hit {
    pub person_no: String,
    pub name: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub household_no: String,
    pub region_code: String,
    pub id_tail: String,
}

#[derive(Template)]
#[template(path = "register/search.html")]
struct SearchPage {
    l: L,
    me: Current,
    q: String,
    hits: Vec<Hit>,
}

/// Searches the account's area (see `renkou_register::search::find`).
fn find_persons(
    state: &AppState,
    area: &RegionCode,
    q: &str,
    limit: usize,
) -> Result<Vec<Hit>, WebError> {
    Ok(
        renkou_register::search::find(state.search.get(), &state.store, q, area, limit)?
            .into_iter()
            .map(|h| Hit {
                person_no: h.person_no,
                name: h.name,
                sex: h.sex.name_zh(),
                birth_date: h.birth_date.to_string(),
                household_no: h.household_no,
                region_code: h.region_code.to_string(),
                id_tail: h.id_tail.unwrap_or_default(),
            })
            .collect(),
    )
}

pub async fn search(
    State(state): State<AppState>,
    current: Current,
    Query(q): Query<SearchQuery>,
) -> Result<Html<String>, WebError> {
    let me = current.clone();
    let page = blocking(move || {
        let text = q.q.trim().to_string();
        let hits = if text.is_empty() {
            Vec::new()
        } else {
            find_persons(&state, &me.scope.region, &text, 50)?
        };
        Ok(SearchPage {
            l: me.l,
            me,
            q: text,
            hits,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

// --- event forms --------------------------------------------------------------

#[derive(Template)]
#[template(path = "register/event_form.html")]
struct EventFormPage {
    l: L,
    me: Current,
    p: PersonRecord,
    kind: String,
    title: String,
    error: String,
    fields: Vec<(&'static str, &'static str)>,
}

fn kind_title(kind: &str, l: L) -> Option<String> {
    renkou_register::events::FORM_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, zh, en)| l.s(zh, en).to_string())
}

fn field_choices() -> Vec<(&'static str, &'static str)> {
    Field::ALL
        .iter()
        .map(|f| (f.as_str(), f.name_zh()))
        .collect()
}

pub async fn event_form(
    WritablePerson {
        user: me,
        person: p,
    }: WritablePerson<Current>,
    Path((_, kind)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let title = kind_title(&kind, me.l).ok_or(WebError::NotFound)?;
    Ok(Html(
        EventFormPage {
            l: me.l,
            me,
            p,
            kind,
            title,
            error: String::new(),
            fields: field_choices(),
        }
        .render()?,
    ))
}

pub async fn record_event(
    State(state): State<AppState>,
    WritablePerson { person: p, .. }: WritablePerson<Current>,
    Path((_, kind)): Path<(String, String)>,
    CsrfForm { me, form }: CsrfForm<EventInput>,
) -> Result<Response, WebError> {
    let title = kind_title(&kind, me.l).ok_or(WebError::NotFound)?;
    blocking(move || {
        let outcome = renkou_register::events::event_from_form(&kind, &p, &form).and_then(|k| {
            renkou_register::events::record_event(&state.store, &me.actor(), &p.person_no, k, "web")
        });
        match outcome {
            Ok(_) => Ok(Redirect::to(&format!("/persons/{}", p.person_no)).into_response()),
            Err(e) => {
                let error = match WebError::from(e) {
                    WebError::BadRequest(m) | WebError::Refused(m) => m,
                    other => return Err(other),
                };
                let page = EventFormPage {
                    l: me.l,
                    me,
                    p,
                    kind,
                    title,
                    error,
                    fields: field_choices(),
                };
                Ok((axum::http::StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
            }
        }
    })
    .await
}

#[derive(Template)]
#[template(path = "register/birth_form.html")]
struct BirthFormPage {
    l: L,
    me: Current,
    region: Region,
    error: String,
    mother_no: String,
    father_no: String,
    name: String,
    sex: String,
    birth_date: String,
}

pub async fn birth_form(
    State(state): State<AppState>,
    WritableArea { user: me, code }: WritableArea<Current>,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || {
        let region = state.store.region(&code)?.ok_or(WebError::NotFound)?;
        Ok(BirthFormPage {
            l: me.l,
            me,
            region,
            error: String::new(),
            mother_no: String::new(),
            father_no: String::new(),
            name: String::new(),
            sex: String::new(),
            birth_date: String::new(),
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

/// Records a birth: a new mother or father and the child in one transaction (see
/// `renkou_register::events::record_birth_form`), or the form again with why not.
pub async fn record_birth(
    State(state): State<AppState>,
    WritableArea { code, .. }: WritableArea<Current>,
    CsrfForm { me, form }: CsrfForm<BirthInput>,
) -> Result<Response, WebError> {
    blocking(move || {
        let region = state.store.region(&code)?.ok_or(WebError::NotFound)?;
        match renkou_register::events::record_birth_form(
            &state.store,
            &me.actor(),
            &region.code,
            &form,
        ) {
            Ok(no) => Ok(Redirect::to(&format!("/persons/{no}")).into_response()),
            Err(e) => {
                let error = match WebError::from(e) {
                    WebError::BadRequest(m) | WebError::Refused(m) => m,
                    other => return Err(other),
                };
                let page = BirthFormPage {
                    l: me.l,
                    me,
                    region,
                    error,
                    mother_no: form.mother_no,
                    father_no: form.father_no,
                    name: form.name,
                    sex: form.sex,
                    birth_date: form.birth_date,
                };
                Ok((axum::http::StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
            }
        }
    })
    .await
}

// --- audit --------------------------------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    user: String,
    action: String,
    record_type: String,
    record_id: String,
    /// Dates (inclusive), in any spelling the importers accept.
    from: String,
    to: String,
    /// Page back from this entry number.
    before: String,
}

/// An entry as the page shows it: names, not codes; the county's local time.
struct AuditRow {
    seq: i64,
    at: String,
    username: String,
    action: String,
    record: String,
    record_id: String,
    fields: String,
    address: String,
}

#[derive(Template)]
#[template(path = "register/audit.html")]
struct AuditPage {
    l: L,
    me: Current,
    rows: Vec<AuditRow>,
    q: AuditQuery,
    actions: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    chain: String,
    chain_ok: bool,
    /// The query for the next (older) page, when there is one.
    older: Option<String>,
}

const AUDIT_PAGE: i64 = 100;

fn local_day_start(s: &str, plus_days: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    let d = renkou_domain::parse_date(s.trim()).ok()? + chrono::Duration::days(plus_days);
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(chrono::Local)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
}

pub async fn audit(
    State(state): State<AppState>,
    current: Current,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, WebError> {
    if !current.account.role.manages_accounts() {
        return Err(WebError::NotFound);
    }
    let me = current.clone();
    let page = blocking(move || {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let entries = state
            .store
            .audit_entries(&renkou_store::audit::AuditQuery {
                username: opt(&q.user),
                action: opt(&q.action),
                record_type: opt(&q.record_type),
                record_id: opt(&q.record_id),
                from: local_day_start(&q.from, 0),
                to: local_day_start(&q.to, 1),
                before: q.before.trim().parse().ok(),
                limit: AUDIT_PAGE + 1,
            })?;
        let mut actions: Vec<renkou_store::AuditAction> =
            renkou_store::AuditAction::KERNEL.to_vec();
        actions.extend_from_slice(crate::domain_actions());
        let kinds = crate::record_kinds();
        let action_name = |c: &str| {
            actions
                .iter()
                .find(|a| a.code == c)
                .map(|a| me.l.s(a.zh, a.en).to_string())
                .unwrap_or_else(|| c.to_string())
        };
        let kind_name = |c: &str| {
            kinds
                .iter()
                .find(|k| k.code == c)
                .map(|k| me.l.s(k.zh, k.en).to_string())
                .unwrap_or_else(|| c.to_string())
        };
        let older = (entries.len() as i64 > AUDIT_PAGE).then(|| {
            let last = entries[AUDIT_PAGE as usize - 1].seq;
            format!(
                "user={}&action={}&record_type={}&record_id={}&from={}&to={}&before={last}",
                q.user, q.action, q.record_type, q.record_id, q.from, q.to
            )
        });
        let rows = entries
            .iter()
            .take(AUDIT_PAGE as usize)
            .map(|e| AuditRow {
                seq: e.seq,
                at: crate::i18n::minute(&e.at),
                username: e.username.clone(),
                action: action_name(&e.action),
                record: kind_name(&e.record_type),
                record_id: e.record_id.clone(),
                fields: e.fields.clone(),
                address: e.address.clone(),
            })
            .collect();
        let (chain, chain_ok) = match state.store.verify_audit()? {
            Ok(h) => (
                format!(
                    "{} {} {} · {}{}",
                    me.l.s("完整，共", "intact,"),
                    h.entries,
                    me.l.s("条", "entries"),
                    &h.hash[..16.min(h.hash.len())],
                    if h.unkeyed > 0 {
                        format!(
                            " · {} {}",
                            h.unkeyed,
                            me.l.s("条为启用密钥前的记录", "from before the audit key")
                        )
                    } else {
                        String::new()
                    }
                ),
                true,
            ),
            Err(b) => (format!("#{}: {}", b.seq, b.reason), false),
        };
        Ok(AuditPage {
            l: me.l,
            rows,
            actions: actions
                .iter()
                .map(|a| (a.code, me.l.s(a.zh, a.en)))
                .collect(),
            kinds: kinds.iter().map(|k| (k.code, me.l.s(k.zh, k.en))).collect(),
            me,
            q,
            chain,
            chain_ok,
            older,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}
