//! The pages of the register: home, regions, lists, a person, a household, search,
//! the event forms and the audit log. Each checks the account's scope first.

use crate::auth::Current;
use crate::error::WebError;
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Datelike;
use renkou_domain::event::{EventKind, PersonEvent};
use renkou_domain::person::Field;
use renkou_domain::{
    parse_date, Date, MaritalStatus, PersonRecord, Region, RegionCode, RegionLevel, Residence, Sex,
};
use renkou_store::audit::AuditRecord;
use renkou_store::browse::{AreaSummary, HouseholdRow, PersonFilter, PersonSort, RecentEvent};
use renkou_store::persons::{ChildOrder, StoredEvent};
use std::collections::HashMap;

const PAGE_SIZE: i64 = 50;

fn today() -> Date {
    chrono::Local::now().date_naive()
}

/// A region code from the URL that the account may see, or 404.
fn scoped_region(current: &Current, code: &str) -> Result<RegionCode, WebError> {
    let code = RegionCode::parse_prefix(code).map_err(|_| WebError::NotFound)?;
    if !current.scope.can_read(&code) {
        return Err(WebError::NotFound);
    }
    Ok(code)
}

fn audit_view(
    state: &AppState,
    current: &Current,
    record_type: &'static str,
    id: &str,
) -> Result<(), WebError> {
    state.store.audit(&AuditRecord {
        username: &current.account.username,
        action: "view",
        record_type,
        record_id: id,
        fields: "",
        address: &current.address,
    })?;
    Ok(())
}

// --- home ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: L,
    me: Current,
    region: Region,
    year: i32,
    summary: AreaSummary,
    recent: Vec<RecentEvent>,
    uploads: Vec<crate::imports::UploadStatus>,
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
        Ok(HomePage {
            uploads,
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
#[template(path = "region.html")]
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
    current: Current,
    Path(code): Path<String>,
) -> Result<Html<String>, WebError> {
    let code = scoped_region(&current, &code)?;
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
#[template(path = "persons.html")]
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
    current: Current,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let code = scoped_region(&current, &code)?;
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
            state.store.audit(&AuditRecord {
                username: &current.account.username,
                action: "export",
                record_type: "region",
                record_id: code.as_str(),
                fields: &format!("{what}={n}"),
                address: &current.address,
            })?;
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
#[template(path = "households.html")]
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
    current: Current,
    Path(code): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let code = scoped_region(&current, &code)?;
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
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    l: L,
    me: Current,
    p: PersonRecord,
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
            format!("{}：{old} → {new}（{reason}）", field.name_zh())
        }
    }
}

pub async fn person(
    State(state): State<AppState>,
    current: Current,
    Path(no): Path<String>,
) -> Result<Html<String>, WebError> {
    let me = current.clone();
    let page = blocking(move || {
        let store = &state.store;
        let p = store.person(&no)?.ok_or(WebError::NotFound)?;
        if !me.scope.can_read(&p.region_code) {
            return Err(WebError::NotFound);
        }
        audit_view(&state, &me, "person", &p.person_no)?;
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
                e,
            })
            .collect();
        Ok(PersonPage {
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
#[template(path = "household.html")]
struct HouseholdPage {
    l: L,
    me: Current,
    household_no: String,
    members: Vec<PersonRecord>,
}

pub async fn household(
    State(state): State<AppState>,
    current: Current,
    Path(no): Path<String>,
) -> Result<Html<String>, WebError> {
    let me = current.clone();
    let page = blocking(move || {
        let members = state.store.household_members(&no)?;
        // A household is visible when any member lives in the account's area; the
        // members shown are only those.
        let members: Vec<PersonRecord> = members
            .into_iter()
            .filter(|p| me.scope.can_read(&p.region_code))
            .collect();
        if members.is_empty() {
            return Err(WebError::NotFound);
        }
        audit_view(&state, &me, "household", &no)?;
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
pub(crate) struct Hit {
    pub person_no: String,
    pub name: String,
    pub sex: &'static str,
    pub birth_date: String,
    pub household_no: String,
    pub region_code: String,
    pub id_tail: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: L,
    me: Current,
    q: String,
    hits: Vec<Hit>,
}

/// Searches the account's area: the in-memory index (names, pinyin, initials, ID
/// digits, household and person numbers) once built, a plain SQL query before that.
pub(crate) fn find_persons(
    state: &AppState,
    scope: &RegionCode,
    q: &str,
    limit: usize,
) -> Result<Vec<Hit>, WebError> {
    if let Some(index) = state.search.get() {
        return Ok(
            renkou_app::search::search_fresh(index, &state.store, q, scope, limit)?
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
        );
    }
    Ok(state
        .store
        .search_persons_simple(scope, q, limit as i64)?
        .into_iter()
        .map(|p| Hit {
            id_tail: p
                .id_number
                .as_ref()
                .map(|i| i.as_str()[14..].to_string())
                .unwrap_or_default(),
            person_no: p.person_no,
            name: p.name,
            sex: p.sex.name_zh(),
            birth_date: p.birth_date.to_string(),
            household_no: p.household_no,
            region_code: p.region_code.to_string(),
        })
        .collect())
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
#[template(path = "event_form.html")]
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
    Some(
        match kind {
            "death" => l.s("登记死亡", "Record a death"),
            "marriage" => l.s("登记结婚", "Record a marriage"),
            "divorce" => l.s("登记离婚", "Record a divorce"),
            "move_out" => l.s("登记迁出/外出", "Record a move out"),
            "move_in" => l.s("登记迁入/返回", "Record a move in"),
            "correction" => l.s("更正信息", "Correct a field"),
            _ => return None,
        }
        .to_string(),
    )
}

fn writable_person(
    state: &AppState,
    current: &Current,
    no: &str,
) -> Result<PersonRecord, WebError> {
    let p = state.store.person(no)?.ok_or(WebError::NotFound)?;
    if !current.scope.can_read(&p.region_code) {
        return Err(WebError::NotFound);
    }
    if !current.scope.can_write(&p.region_code) {
        return Err(WebError::Forbidden);
    }
    Ok(p)
}

pub async fn event_form(
    State(state): State<AppState>,
    current: Current,
    Path((no, kind)): Path<(String, String)>,
) -> Result<Html<String>, WebError> {
    let title = kind_title(&kind, current.l).ok_or(WebError::NotFound)?;
    let me = current.clone();
    let page = blocking(move || {
        let p = writable_person(&state, &me, &no)?;
        Ok(EventFormPage {
            l: me.l,
            me,
            p,
            kind,
            title,
            error: String::new(),
            fields: Field::ALL
                .iter()
                .map(|f| (f.as_str(), f.name_zh()))
                .collect(),
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    residence: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    new_value: String,
    #[serde(default)]
    reason: String,
}

fn form_date(s: &str) -> Result<Date, String> {
    parse_date(s).map_err(|e| e.to_string())
}

fn build_event(kind: &str, p: &PersonRecord, f: &EventForm) -> Result<EventKind, String> {
    Ok(match kind {
        "death" => EventKind::Death {
            date: form_date(&f.date)?,
        },
        "marriage" => EventKind::Marriage {
            date: form_date(&f.date)?,
            status: MaritalStatus::parse(if f.status.is_empty() { "20" } else { &f.status })
                .map_err(|e| e.to_string())?,
            spouse_no: None,
        },
        "divorce" => EventKind::Divorce {
            date: form_date(&f.date)?,
        },
        "move_out" => EventKind::MoveOut {
            date: form_date(&f.date)?,
            destination: (!f.place.trim().is_empty()).then(|| f.place.trim().to_string()),
        },
        "move_in" => EventKind::MoveIn {
            date: form_date(&f.date)?,
            residence: Residence::parse(if f.residence.is_empty() {
                "resident"
            } else {
                &f.residence
            })
            .map_err(|e| e.to_string())?,
            origin: (!f.place.trim().is_empty()).then(|| f.place.trim().to_string()),
            region_code: None,
            household_no: None,
        },
        "correction" => {
            let field =
                Field::parse(&f.field).ok_or("请选择要更正的字段 / choose the field to correct")?;
            if f.reason.trim().is_empty() {
                return Err("请填写更正原因 / a correction needs a reason".into());
            }
            EventKind::Correction {
                field,
                old: p.get(field),
                new: f.new_value.trim().to_string(),
                reason: f.reason.trim().to_string(),
            }
        }
        _ => return Err("unknown event".into()),
    })
}

pub async fn record_event(
    State(state): State<AppState>,
    current: Current,
    Path((no, kind)): Path<(String, String)>,
    Form(form): Form<EventForm>,
) -> Result<Response, WebError> {
    current.check_csrf(&form.csrf)?;
    let title = kind_title(&kind, current.l).ok_or(WebError::NotFound)?;
    let me = current.clone();
    blocking(move || {
        let p = writable_person(&state, &me, &no)?;
        let outcome = build_event(&kind, &p, &form).and_then(|k| {
            // The fold checks the rules (dying twice, a stale correction…) before
            // anything is written.
            renkou_domain::event::apply(Some(p.clone()), &k)
                .map(|_| k)
                .map_err(|e| e.to_string())
        });
        let k = match outcome {
            Ok(k) => k,
            Err(error) => {
                let page = EventFormPage {
                    l: me.l,
                    me,
                    p,
                    kind,
                    title,
                    error,
                    fields: Field::ALL
                        .iter()
                        .map(|f| (f.as_str(), f.name_zh()))
                        .collect(),
                };
                return Ok(
                    (axum::http::StatusCode::BAD_REQUEST, Html(page.render()?)).into_response()
                );
            }
        };
        let fields = match &k {
            EventKind::Correction { field, .. } => field.as_str().to_string(),
            other => other.as_str().to_string(),
        };
        let event = PersonEvent {
            person_no: p.person_no.clone(),
            kind: k,
            recorded_by: me.account.username.clone(),
            recorded_at: String::new(),
            source: "web".into(),
        };
        state.store.record_event_audited(
            &event,
            Some(&AuditRecord {
                username: &me.account.username,
                action: "update",
                record_type: "person",
                record_id: &p.person_no,
                fields: &fields,
                address: &me.address,
            }),
        )?;
        Ok(Redirect::to(&format!("/persons/{}", p.person_no)).into_response())
    })
    .await
}

#[derive(Template)]
#[template(path = "birth_form.html")]
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
    current: Current,
    Path(code): Path<String>,
) -> Result<Html<String>, WebError> {
    let code = scoped_region(&current, &code)?;
    if !current.scope.can_write(&code) {
        return Err(WebError::Forbidden);
    }
    let me = current.clone();
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

#[derive(Debug, Default, serde::Deserialize)]
pub struct BirthForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mother_no: String,
    #[serde(default)]
    mother_name: String,
    #[serde(default)]
    mother_birth_date: String,
    #[serde(default)]
    mother_id_number: String,
    #[serde(default)]
    father_name: String,
    #[serde(default)]
    father_birth_date: String,
    #[serde(default)]
    father_no: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_date: String,
}

pub async fn record_birth(
    State(state): State<AppState>,
    current: Current,
    Path(code): Path<String>,
    Form(form): Form<BirthForm>,
) -> Result<Response, WebError> {
    current.check_csrf(&form.csrf)?;
    let code = scoped_region(&current, &code)?;
    if !current.scope.can_write(&code) {
        return Err(WebError::Forbidden);
    }
    let me = current.clone();
    blocking(move || {
        let store = &state.store;
        let region = store.region(&code)?.ok_or(WebError::NotFound)?;
        let audit_new = AuditRecord {
            username: &me.account.username,
            action: "create",
            record_type: "person",
            record_id: "",
            fields: "registered",
            address: &me.address,
        };
        let check = || -> Result<PersonRecord, String> {
            let birth_date = form_date(&form.birth_date)?;
            let sex = Sex::parse(&form.sex).map_err(|e| e.to_string())?;
            // A mother not yet in the register is entered here and registered in
            // this village with a household of her own.
            let mother_no = if form.mother_no.trim().is_empty() && !form.mother_name.trim().is_empty() {
                let born = form_date(&form.mother_birth_date)
                    .map_err(|e| format!("母亲出生日期：{e} / mother's birth date: {e}"))?;
                let id_number = match form.mother_id_number.trim() {
                    "" => None,
                    v => Some(renkou_domain::IdNumber::parse(v).map_err(|e| e.to_string())?),
                };
                let mother = PersonRecord {
                    person_no: String::new(),
                    name: form.mother_name.trim().to_string(),
                    sex: Sex::Female,
                    birth_date: born,
                    id_number,
                    household_no: String::new(),
                    region_code: region.code.clone(),
                    marital_status: MaritalStatus::NotStated,
                    mother_no: None,
                    father_no: None,
                    residence: Residence::Resident,
                    phone: None,
                    death_date: None,
                };
                if renkou_domain::date::completed_years(born, birth_date) < 10 {
                    return Err("母亲出生日期不合理 / the mother's birth date is not plausible".into());
                }
                store
                    .register_person(mother, &me.account.username, "web", Some(&audit_new))
                    .map_err(|e| e.to_string())?
                    .0
            } else {
                form.mother_no.trim().to_string()
            };
            let mother = store
                .person(&mother_no)
                .map_err(|e| e.to_string())?
                .filter(|m| me.scope.can_read(&m.region_code))
                .ok_or("找不到母亲（请填写本辖区的人员编号，或填写新母亲的姓名和出生日期）/ mother not found in your area (give her person number, or a new mother's name and birth date)")?;
            if mother.sex != Sex::Female {
                return Err("母亲必须为女性 / the mother must be a woman".into());
            }
            let father = match form.father_no.trim() {
                // A father not yet in the register joins the mother's household.
                "" if !form.father_name.trim().is_empty() => {
                    let born = form_date(&form.father_birth_date)
                        .map_err(|e| format!("父亲出生日期：{e} / father's birth date: {e}"))?;
                    let father = PersonRecord {
                        person_no: String::new(),
                        name: form.father_name.trim().to_string(),
                        sex: Sex::Male,
                        birth_date: born,
                        id_number: None,
                        household_no: mother.household_no.clone(),
                        region_code: mother.region_code.clone(),
                        marital_status: MaritalStatus::NotStated,
                        mother_no: None,
                        father_no: None,
                        residence: Residence::Resident,
                        phone: None,
                        death_date: None,
                    };
                    let no = store
                        .register_person(father, &me.account.username, "web", Some(&audit_new))
                        .map_err(|e| e.to_string())?
                        .0;
                    store.person(&no).map_err(|e| e.to_string())?
                }
                "" => None,
                f => Some(
                    store
                        .person(f)
                        .map_err(|e| e.to_string())?
                        .filter(|p| p.sex == Sex::Male)
                        .ok_or("找不到父亲 / father not found")?,
                ),
            };
            if birth_date > today() {
                return Err("出生日期不能晚于今天 / the birth date is in the future".into());
            }
            let name = form.name.trim();
            Ok(PersonRecord {
                // Numbered by the store, inside the transaction that records it.
                person_no: String::new(),
                name: if name.is_empty() {
                    "（未取名）".into()
                } else {
                    name.to_string()
                },
                sex,
                birth_date,
                id_number: None,
                household_no: mother.household_no.clone(),
                region_code: mother.region_code.clone(),
                marital_status: MaritalStatus::Unmarried,
                mother_no: Some(mother.person_no.clone()),
                father_no: father.map(|f| f.person_no),
                residence: Residence::Resident,
                phone: None,
                death_date: None,
            })
        };
        let child = match check() {
            Ok(c) => c,
            Err(error) => {
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
                return Ok(
                    (axum::http::StatusCode::BAD_REQUEST, Html(page.render()?)).into_response()
                );
            }
        };
        let (no, _) = store.record_birth(
            child,
            &me.account.username,
            "web",
            Some(&AuditRecord {
                username: &me.account.username,
                action: "create",
                record_type: "person",
                record_id: "",
                fields: "birth",
                address: &me.address,
            }),
        )?;
        Ok(Redirect::to(&format!("/persons/{no}")).into_response())
    })
    .await
}

// --- audit --------------------------------------------------------------------

#[derive(serde::Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    record_type: String,
    #[serde(default)]
    record_id: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: L,
    me: Current,
    entries: Vec<renkou_store::audit::AuditEntry>,
    user: String,
    record_type: String,
    record_id: String,
    chain: String,
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
        let entries = state.store.audit_entries(
            Some(q.user.as_str()),
            Some(q.record_type.as_str()),
            Some(q.record_id.as_str()),
            200,
        )?;
        let chain = match state.store.verify_audit()? {
            Ok((n, head)) => format!("✓ {n} · {}", &head[..16]),
            Err(b) => format!("✗ #{}: {}", b.seq, b.reason),
        };
        Ok(AuditPage {
            l: me.l,
            me,
            entries,
            user: q.user,
            record_type: q.record_type,
            record_id: q.record_id,
            chain,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}
