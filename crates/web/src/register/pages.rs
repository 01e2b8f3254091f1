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

impl HomePage {
    /// Where an event came from, in words (网页登记, 花名册 一村.xlsx, a file's name).
    fn source(&self, s: &str) -> String {
        source_name(self.l, s)
    }
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
        let mut uploads = state.uploads.attention(&me.account.username);
        for u in &mut uploads {
            u.status = me.l.half(&u.status);
        }
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
    download(
        state,
        current,
        code,
        "persons",
        "人员名单",
        format,
        renkou_register::export::person_columns(),
        move |state, code, w| {
            let mut n = 0;
            state
                .store
                .for_each_listed_person(code, &filter, sort, &mut |p| {
                    n += 1;
                    w.write_row(&renkou_register::export::person_row(&p))
                        .map_err(|e| renkou_store::StoreError::Invalid(e.to_string()))
                })?;
            Ok(n)
        },
    )
    .await
}

/// Writes a table of `code`'s area in `format` (xlsx or CSV) to a temporary file
/// as a file for people (`renkou_interchange::sheet`: words, typed cells, a
/// title row "{area}{title}", frozen header and filter), records the export in
/// the audit log, and answers with the file as a download.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn download(
    state: AppState,
    current: Current,
    code: RegionCode,
    what: &'static str,
    title: &'static str,
    format: String,
    columns: Vec<renkou_interchange::sheet::Column>,
    fill: impl FnOnce(
            &AppState,
            &RegionCode,
            &mut renkou_interchange::sheet::SheetWriter,
        ) -> Result<usize, WebError>
        + Send
        + 'static,
) -> Result<Response, WebError> {
    use renkou_interchange::sheet::{SheetSpec, SheetWriter};
    use renkou_interchange::write::OutFormat;
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
            let area = state
                .store
                .region(&code)?
                .map(|r| r.name)
                .unwrap_or_else(|| code.to_string());
            let spec = SheetSpec {
                title: renkou_register::export::title(&area, title, today()),
                sheet: title.into(),
                columns,
                landscape: false,
            };
            let mut w = SheetWriter::create(
                &path,
                if xlsx {
                    OutFormat::Xlsx
                } else {
                    OutFormat::Csv
                },
                &spec,
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
    names: crate::regions::RegionNames,
}

impl HouseholdsPage {
    fn region_name(&self, code: &str) -> String {
        self.names.name(code)
    }
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
        "户名单",
        format,
        renkou_register::export::household_columns(),
        |state, code, w| {
            let rows = renkou_register::export::household_rows(&state.store, code)?;
            for r in &rows {
                w.write_row(r)
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
            names: crate::regions::RegionNames::load(&state)?,
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
    /// The event that revoked this one, if any.
    revoked_by: Option<i64>,
    /// Whether the history offers to revoke it.
    revocable: bool,
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
        other => match other.strip_prefix("roster:") {
            Some(file) => format!("{} {file}", l.s("花名册", "roster")),
            None => other.to_string(),
        },
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
    /// 民族, 文化程度, 备注 as a roster gave them.
    extras: renkou_register::export::RosterExtras,
    /// The 注销 event in force, if the record is void.
    voided: Option<i64>,
    /// The spouse of the marriage in force (number, name).
    spouse: Option<(String, String)>,
}

/// An event's details in the page's language (codes by their names).
fn event_summary(l: L, k: &EventKind) -> String {
    let empty = l.s("（空）", "(empty)");
    match k {
        EventKind::Registered { .. } | EventKind::Birth { .. } => String::new(),
        EventKind::Death { date } => date.to_string(),
        EventKind::Marriage { date, status, .. } => {
            format!("{date} {}", l.s(status.name_zh(), status.name_en()))
        }
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
            l.s(residence.name_zh(), residence.name_en()),
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
        } => format!(
            "{}{}{} → {}{}{reason}{}",
            l.field(*field),
            l.s("：", ": "),
            l.value(*field, old),
            l.value(*field, new),
            l.s("（", " ("),
            l.s("）", ")"),
        ),
        EventKind::RelationChange { date, relation } => format!(
            "{date} {}",
            relation.map_or(empty, |r| l.s(r.name_zh(), r.name_en()))
        ),
        EventKind::Void { reason } => format!("{}{reason}", l.s("原因：", "reason: ")),
        EventKind::Revoke {
            seq,
            revoked,
            reason,
            changes,
        } => {
            let what = if l.en {
                EventKind::code_name_en(revoked)
            } else {
                EventKind::code_name_zh(revoked)
            }
            .unwrap_or("");
            let mut s = if l.en {
                format!("revokes #{seq} {what} ({reason})")
            } else {
                format!("撤销 #{seq} {what}（{reason}）")
            };
            for c in changes {
                s.push_str(&format!(
                    "{}{}{}{} → {}",
                    l.s("；", "; "),
                    l.field(c.field),
                    l.s("：", ": "),
                    l.value(c.field, &c.old),
                    l.value(c.field, &c.new)
                ));
            }
            s
        }
    }
}

/// An event's details as the history shows them (for the other register pages).
pub(crate) fn summary_of(l: L, k: &EventKind) -> String {
    event_summary(l, k)
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
        let stored = store.person_events(&p.person_no)?;
        let numbered: Vec<(i64, &EventKind)> =
            stored.iter().map(|e| (e.seq, &e.event.kind)).collect();
        let spouse = match renkou_domain::event::spouse_of(&numbered) {
            Some(no) => store
                .person(&no)?
                .filter(|s| me.scope.can_read(&s.region_code))
                .map(|s| (s.person_no, s.name)),
            None => None,
        };
        let revoked: Vec<(i64, i64)> = stored
            .iter()
            .filter_map(|e| match &e.event.kind {
                EventKind::Revoke { seq, .. } => Some((*seq, e.seq)),
                _ => None,
            })
            .collect();
        let voided = store.voided_by(&p.person_no)?;
        let events = stored
            .into_iter()
            .map(|e| EventRow {
                revoked_by: revoked.iter().find(|(s, _)| *s == e.seq).map(|(_, b)| *b),
                revocable: voided.is_none()
                    && super::daily::revocable(&e.event.kind, e.seq, &revoked),
                summary: event_summary(me.l, &e.event.kind),
                at: crate::i18n::local_minute(&e.event.recorded_at),
                source: source_name(me.l, &e.event.source),
                e,
            })
            .collect();
        let region_name = store
            .region(&p.region_code)?
            .map(|r| r.name)
            .unwrap_or_else(|| p.region_code.to_string());
        let extras = renkou_register::export::person_extras(store, &p.person_no)?;
        Ok(PersonPage {
            extras,
            region_name,
            l: me.l,
            age: renkou_domain::date::completed_years(
                p.birth_date,
                p.death_date.unwrap_or_else(today),
            ),
            can_write: me.scope.can_write(&p.region_code),
            voided,
            spouse,
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
    pub sex: renkou_domain::Sex,
    pub birth_date: String,
    pub household_no: String,
    pub region_code: String,
    /// The village's name (its code when the register has no name for it).
    pub region_name: String,
    pub id_tail: String,
    /// Voided (注销) as wrongly entered.
    pub voided: bool,
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
    let mut names = std::collections::HashMap::new();
    let mut out = Vec::new();
    for h in renkou_register::search::find(state.search.get(), &state.store, q, area, limit)? {
        let region_name = village_name(state, &mut names, &h.region_code)?;
        out.push(Hit {
            voided: state.store.voided_by(&h.person_no)?.is_some(),
            person_no: h.person_no,
            name: h.name,
            sex: h.sex,
            birth_date: h.birth_date.to_string(),
            household_no: h.household_no,
            region_code: h.region_code.to_string(),
            region_name,
            id_tail: h.id_tail.unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The name of a village, looked up once per result list (`names` caches it);
/// its code when the register has no name for it.
pub(super) fn village_name(
    state: &AppState,
    names: &mut std::collections::HashMap<RegionCode, String>,
    code: &RegionCode,
) -> Result<String, WebError> {
    if let Some(n) = names.get(code) {
        return Ok(n.clone());
    }
    let n = state
        .store
        .region(code)?
        .map(|r| r.name)
        .unwrap_or_else(|| code.to_string());
    names.insert(code.clone(), n.clone());
    Ok(n)
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
    /// Each field's current value as the page shows it (correction form).
    current: Vec<(&'static str, &'static str, String)>,
    f: EventInput,
    /// A warning the user confirms (a birth date contradicting the ID number).
    warning: String,
    dups: Vec<super::daily::DupRow>,
}

fn kind_title(kind: &str, l: L) -> Option<String> {
    renkou_register::events::FORM_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, zh, en)| l.s(zh, en).to_string())
}

fn field_choices(l: L) -> Vec<(&'static str, &'static str)> {
    Field::ALL
        .iter()
        .map(|f| (f.as_str(), l.field(*f)))
        .collect()
}

fn current_values(l: L, p: &PersonRecord) -> Vec<(&'static str, &'static str, String)> {
    Field::ALL
        .iter()
        .map(|f| (f.as_str(), l.field(*f), l.value(*f, &p.get(*f))))
        .collect()
}

/// A correction the user should look at twice: a birth date (or ID number) that
/// makes the two disagree.
fn correction_warning(l: L, p: &PersonRecord, f: &EventInput) -> Option<String> {
    let field = Field::parse(&f.field)?;
    let mut next = p.clone();
    next.set(field, f.new_value.trim()).ok()?;
    let id = next.id_number.as_ref()?;
    if !matches!(field, Field::BirthDate | Field::IdNumber) || id.birth_date() == next.birth_date {
        return None;
    }
    Some(if l.en {
        format!(
            "The birth date ({}) differs from the one in the ID number ({}): check it, then save anyway",
            next.birth_date,
            id.birth_date()
        )
    } else {
        format!(
            "出生日期（{}）与公民身份号码中的出生日期（{}）不一致，请核对后再确认保存",
            next.birth_date,
            id.birth_date()
        )
    })
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
            current: current_values(me.l, &p),
            fields: field_choices(me.l),
            me,
            p,
            kind,
            title,
            error: String::new(),
            f: EventInput::default(),
            warning: String::new(),
            dups: Vec::new(),
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
    use renkou_register::events::Saved;
    let title = kind_title(&kind, me.l).ok_or(WebError::NotFound)?;
    blocking(move || {
        let actor = me.actor();
        let warning = if kind == "correction" && form.confirm != "1" {
            correction_warning(me.l, &p, &form).unwrap_or_default()
        } else {
            String::new()
        };
        let outcome = if !warning.is_empty() {
            Ok(Saved::Check(Vec::new()))
        } else if kind == "marriage" {
            renkou_register::events::record_marriage(&state.store, &actor, &p.person_no, &form)
        } else {
            renkou_register::events::event_from_form(&kind, &p, &form)
                .and_then(|k| {
                    renkou_register::events::record_event(
                        &state.store,
                        &actor,
                        &p.person_no,
                        k,
                        "web",
                    )
                })
                .map(Saved::Done)
        };
        let (error, dups) = match outcome {
            Ok(Saved::Done(_)) => {
                return Ok(Redirect::to(&format!("/persons/{}", p.person_no)).into_response())
            }
            Ok(Saved::Check(found)) => (String::new(), super::daily::dup_rows(me.l, found)),
            Err(e) => match WebError::from(e) {
                WebError::BadRequest(m) | WebError::Refused(m) => (me.l.half(&m), Vec::new()),
                other => return Err(other),
            },
        };
        let status = if dups.is_empty() && warning.is_empty() {
            axum::http::StatusCode::BAD_REQUEST
        } else {
            axum::http::StatusCode::OK
        };
        let page = EventFormPage {
            l: me.l,
            current: current_values(me.l, &p),
            fields: field_choices(me.l),
            me,
            p,
            kind,
            title,
            error,
            f: form,
            warning,
            dups,
        };
        Ok((status, Html(page.render()?)).into_response())
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
    f: BirthInput,
    /// The mother the form was opened for (her page, or a source's ID number).
    mother: Option<PersonRecord>,
    /// Where the prefilled values came from (a source record), in words.
    from_source: String,
    dups: Vec<super::daily::DupRow>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BirthQuery {
    /// Opened from a mother's page.
    mother: String,
    /// Opened from a source record (补报, a reconciliation item): source and 记录编号.
    source: String,
    record: String,
}

/// The birth form's values from what it was opened from: the mother's page, or a
/// source record of the account's area (the mother found by her ID number, the
/// child's name, sex and date as the source wrote them). Anything outside the
/// area is ignored, as if it did not exist.
fn prefill(
    state: &AppState,
    me: &Current,
    q: &BirthQuery,
) -> Result<(BirthInput, Option<PersonRecord>, String), WebError> {
    use renkou_reconciliation::tables::ReconciliationTables;
    let mut f = BirthInput::default();
    let mut mother = None;
    let mut from = String::new();
    if !q.mother.trim().is_empty() {
        mother = state
            .store
            .person(q.mother.trim())?
            .filter(|m| me.scope.can_read(&m.region_code) && m.sex == renkou_domain::Sex::Female);
    } else if !q.source.is_empty() && !q.record.is_empty() {
        if let Some(b) = state.store.source_birth(&q.source, &q.record)? {
            let by_id = match &b.mother_id_number {
                Some(id) => state
                    .store
                    .likely_same_persons(&me.scope.region, "", None, Some(id.as_str()))?
                    .into_iter()
                    .find(|m| m.sex == renkou_domain::Sex::Female),
                None => None,
            };
            let in_area = b.region_code.as_ref().is_some_and(|r| me.scope.can_read(r));
            if in_area || by_id.is_some() {
                mother = by_id;
                if mother.is_none() {
                    f.mother_name = b.mother_name.clone().unwrap_or_default();
                    f.mother_birth_date = b
                        .mother_birth_date
                        .map(|d| d.to_string())
                        .unwrap_or_default();
                    f.mother_id_number = b
                        .mother_id_number
                        .as_ref()
                        .map(|i| i.to_string())
                        .unwrap_or_default();
                    f.father_name = b.father_name.clone().unwrap_or_default();
                }
                f.name = b.child_name.clone().unwrap_or_default();
                f.sex = b.child_sex.code().to_string();
                f.birth_date = b.birth_date.map(|d| d.to_string()).unwrap_or_default();
                from = format!("{} · {}", q.source, q.record);
            }
        }
    }
    if let Some(m) = &mother {
        f.mother_no = m.person_no.clone();
    }
    Ok((f, mother, from))
}

pub async fn birth_form(
    State(state): State<AppState>,
    WritableArea { user: me, code }: WritableArea<Current>,
    Query(q): Query<BirthQuery>,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || {
        let region = state.store.region(&code)?.ok_or(WebError::NotFound)?;
        let (f, mother, from_source) = prefill(&state, &me, &q)?;
        Ok(BirthFormPage {
            l: me.l,
            me,
            region,
            error: String::new(),
            f,
            mother,
            from_source,
            dups: Vec::new(),
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

/// Records a birth: a new mother or father and the child in one transaction (see
/// `renkou_register::events::record_birth_form`), or the form again with why not,
/// or with the likely duplicates to confirm (nothing written until then).
pub async fn record_birth(
    State(state): State<AppState>,
    WritableArea { code, .. }: WritableArea<Current>,
    CsrfForm { me, form }: CsrfForm<BirthInput>,
) -> Result<Response, WebError> {
    blocking(move || {
        let region = state.store.region(&code)?.ok_or(WebError::NotFound)?;
        let (error, dups) = match renkou_register::events::record_birth_checked(
            &state.store,
            &me.actor(),
            &region.code,
            &form,
        ) {
            Ok(renkou_register::events::Saved::Done(no)) => {
                return Ok(Redirect::to(&format!("/persons/{no}")).into_response())
            }
            Ok(renkou_register::events::Saved::Check(found)) => {
                (String::new(), super::daily::dup_rows(me.l, found))
            }
            Err(e) => match WebError::from(e) {
                WebError::BadRequest(m) | WebError::Refused(m) => (me.l.half(&m), Vec::new()),
                other => return Err(other),
            },
        };
        let mother = state
            .store
            .person(form.mother_no.trim())?
            .filter(|m| me.scope.can_read(&m.region_code));
        let status = if dups.is_empty() {
            axum::http::StatusCode::BAD_REQUEST
        } else {
            axum::http::StatusCode::OK
        };
        let page = BirthFormPage {
            l: me.l,
            me,
            region,
            error,
            f: form,
            mother,
            from_source: String::new(),
            dups,
        };
        Ok((status, Html(page.render()?)).into_response())
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
                fields: fields_in_words(me.l, &e.fields),
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

/// An audit entry's fields as the Chinese page shows them: event kinds and
/// person fields by name (`death` → 死亡, `marital_status` → 婚姻状况), the
/// keys the use cases write in words (`persons=437` → `人员=437`); numbers,
/// file names and codes as they are. English pages show them as written.
fn fields_in_words(l: L, fields: &str) -> String {
    if l.en {
        return fields.to_string();
    }
    let word = |t: &str| -> Option<&'static str> {
        if let Some(n) = EventKind::code_name_zh(t) {
            return Some(n);
        }
        if let Some(f) = Field::ALL.into_iter().find(|f| f.as_str() == t) {
            return Some(f.name_zh());
        }
        Some(match t {
            "persons" | "person" => "人员",
            "households" => "户",
            "roster" => "花名册",
            "household_card" => "户卡",
            "api" => "数据接口",
            "file" => "文件",
            "villages" => "村",
            "new" => "新增",
            "corrected" => "更正",
            "unchanged" => "未变",
            "missing" => "未列入",
            "households_new" => "新户",
            "scan" => "检查",
            "found" => "发现",
            "added" => "新列入",
            "kind" => "类型",
            "status" => "状态",
            "targets" => "目标值",
            "area" => "区划",
            "region" => "区划",
            "rows" => "行数",
            "amount" => "金额",
            "batch" => "批次",
            "source" => "来源",
            "items" => "条目",
            "retired" => "停用",
            _ => return None,
        })
    };
    let mut out = String::with_capacity(fields.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        match word(token) {
            Some(w) => out.push_str(w),
            None => out.push_str(token),
        }
        token.clear();
    };
    for c in fields.chars() {
        if matches!(c, ' ' | '=' | ';' | ',') {
            flush(&mut token, &mut out);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn audit_fields_read_in_words_on_chinese_pages() {
        let zh = super::L { en: false };
        assert_eq!(super::fields_in_words(zh, "death"), "死亡");
        assert_eq!(super::fields_in_words(zh, "marital_status"), "婚姻状况");
        assert_eq!(
            super::fields_in_words(zh, "scan found=3 added=1"),
            "检查 发现=3 新列入=1"
        );
        assert_eq!(super::fields_in_words(zh, "file=a.csv"), "文件=a.csv");
        let en = super::L { en: true };
        assert_eq!(super::fields_in_words(en, "death"), "death");
    }
}
