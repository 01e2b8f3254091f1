//! The reports page (生成报告 and 报告档案) and its forms.

use crate::error::WebError;
use crate::extract::{Area, Caller, CsrfForm, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_domain::RegionCode;
use renkou_reports::archive;
use renkou_reports::tables::ArchivedReport;
use renkou_reports::{Format, Kind, Request};

/// The URL's `{id}`: an archived report whose region lies in the caller's area
/// (404 otherwise, as for an id nobody has).
pub struct ReportOf<U: Caller> {
    pub user: U,
    pub report: ArchivedReport,
}

impl<U: Caller> FromRequestParts<AppState> for ReportOf<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let id: i64 = crate::extract::path_param(parts, state, "id")
            .await
            .and_then(|s| s.parse().ok())
            .ok_or(WebError::NotFound)?;
        let store = state.store.clone();
        let actor = user.actor();
        let report = blocking(move || Ok(archive::archived(&store, &actor, id)?))
            .await?
            .ok_or(WebError::NotFound)?;
        Ok(ReportOf { user, report })
    }
}

pub struct Line {
    pub r: ArchivedReport,
    /// The hash's first 12 digits.
    pub short: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub next: &'static str,
}

#[derive(Template)]
#[template(path = "reports/reports.html")]
struct ReportsPage {
    l: L,
    me: Current,
    code: String,
    name: String,
    kinds: Vec<(&'static str, &'static str)>,
    lines: Vec<Line>,
    period: String,
    pdf: bool,
    error: String,
    notice: String,
    names: crate::regions::RegionNames,
    /// The county's roles set schedules; others see none of it.
    may_schedule: bool,
    schedules: Vec<ScheduleLine>,
    roles: Vec<(&'static str, &'static str)>,
}

impl ReportsPage {
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        crate::i18n::minute(t)
    }
    fn region_name(&self, code: &str) -> String {
        self.names.name(code)
    }
}

pub struct ScheduleLine {
    pub s: renkou_reports::schedules::Schedule,
    pub kind: &'static str,
    pub every: &'static str,
    pub recipients: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PageQuery {
    notice: Option<String>,
}

fn render(
    state: &AppState,
    me: Current,
    code: &RegionCode,
    period: String,
    error: String,
    notice: String,
) -> Result<String, WebError> {
    let name = state
        .store
        .regions()?
        .into_iter()
        .find(|r| &r.code == code)
        .map(|r| r.name)
        .unwrap_or_default();
    let l = me.l;
    let lines = renkou_reports::tables::ReportTables::archived_reports(&*state.store, Some(code))?
        .into_iter()
        .map(|r| Line {
            short: r.sha256.chars().take(12).collect(),
            kind: Kind::parse(&r.kind)
                .map(|k| l.s(k.name_zh(), k.name_en()))
                .unwrap_or("?"),
            status: status_static(l, &r.status),
            next: match r.status.as_str() {
                "drafted" => "submitted",
                "submitted" if me.scope.region.level() < renkou_domain::RegionLevel::Township => {
                    "received"
                }
                _ => "",
            },
            r,
        })
        .collect();
    let actor = me.actor();
    let may_schedule = renkou_reports::templates::may_edit(&actor);
    let schedules = if may_schedule {
        renkou_reports::schedules::list(&state.store, &actor)?
            .into_iter()
            .filter(|s| s.region_code.starts_with(code.prefix()))
            .map(|s| ScheduleLine {
                kind: l.s(s.kind.name_zh(), s.kind.name_en()),
                every: l.s(s.period_kind.name_zh(), s.period_kind.name_en()),
                recipients: s
                    .recipients
                    .iter()
                    .map(|r| if l.en { r.name_en() } else { r.name_zh() })
                    .collect::<Vec<_>>()
                    .join(l.s("、", ", ")),
                s,
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = ReportsPage {
        names: crate::regions::RegionNames::load(state)?,
        may_schedule,
        schedules,
        roles: renkou_domain::account::Role::ALL
            .iter()
            .map(|r| (r.as_str(), l.s(r.name_zh(), r.name_en())))
            .collect(),
        l: me.l,
        code: code.to_string(),
        name,
        kinds: Kind::ALL
            .iter()
            .map(|k| (k.code(), l.s(k.name_zh(), k.name_en())))
            .collect(),
        lines,
        period,
        pdf: state.pdf.is_some(),
        // Errors and notices come as "中文 / English": this page's half.
        error: l.half(&error),
        notice: l.half(&notice),
        me,
    };
    Ok(page.render()?)
}

/// Percent-encodes a query value or a file name (RFC 3986 unreserved kept);
/// public for the tests that post forms.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn status_static(l: L, s: &str) -> &'static str {
    match s {
        "drafted" => l.s("草稿", "drafted"),
        "submitted" => l.s("已报送", "submitted"),
        "received" => l.s("县已接收", "received by the county"),
        _ => "?",
    }
}

/// The default period: the last full year (a report of the running year would
/// count only part of it).
fn last_full_year() -> String {
    use chrono::Datelike;
    (chrono::Local::now().year() - 1).to_string()
}

pub async fn page(
    State(state): State<AppState>,
    Area { user, code }: Area<Current>,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, WebError> {
    let notice = q.notice.unwrap_or_default();
    Ok(Html(
        blocking(move || render(&state, user, &code, last_full_year(), String::new(), notice))
            .await?,
    ))
}

#[derive(Debug, serde::Deserialize)]
pub struct GenerateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    format: String,
}

pub async fn generate(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    CsrfForm { me, form }: CsrfForm<GenerateForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome = (|| -> Result<archive::Generated, renkou_reports::Error> {
            let request = Request {
                kind: Kind::parse(&form.kind)?,
                region: code.clone(),
                period: form
                    .period
                    .parse()
                    .map_err(|e: renkou_stats::PeriodError| {
                        renkou_reports::Error::Invalid(e.to_string())
                    })?,
                format: Format::parse(&form.format)?,
                as_of: None,
            };
            let source = super::RegisterFigures {
                store: &state.store,
                cache: &state.stats,
            };
            archive::generate(
                &state.store,
                &me.actor(),
                &source,
                &request,
                state.pdf.as_deref(),
            )
        })();
        match outcome {
            Ok(g) => Ok(Redirect::to(&format!(
                "/reports/{code}?notice={}",
                url_encode(&format!(
                    "已生成并存档 #{}：{} / made and archived #{}: {}",
                    g.id, g.file_name, g.id, g.file_name
                ))
            ))
            .into_response()),
            Err(e) => Ok(Html(render(
                &state,
                me,
                &code,
                form.period,
                e.to_string(),
                String::new(),
            )?)
            .into_response()),
        }
    })
    .await
}

/// The archived file, as it was made.
pub async fn download(
    State(state): State<AppState>,
    ReportOf { user, report }: ReportOf<Current>,
) -> Result<Response, WebError> {
    let id = report.id;
    let actor = user.actor();
    let store = state.store.clone();
    let (r, bytes) = blocking(move || {
        let file = archive::file(&store, &actor, id)?;
        // Opening a report takes its notices off the account's home page.
        if file.is_some() {
            renkou_reports::schedules::opened(&store, &actor, id)?;
        }
        Ok(file)
    })
    .await?
    .ok_or(WebError::NotFound)?;
    let mime = Format::parse(&r.format)
        .map(Format::mime)
        .unwrap_or("application/octet-stream");
    let ascii = format!("report-{}.{}", r.id, r.format);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    url_encode(&r.file_name)
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    to: String,
}

/// Sends a report up, or marks it received.
pub async fn status(
    State(state): State<AppState>,
    ReportOf { report, .. }: ReportOf<Current>,
    CsrfForm { me, form }: CsrfForm<StatusForm>,
) -> Result<Response, WebError> {
    let back = me.scope.region.to_string();
    blocking(move || {
        let notice = match archive::advance(&state.store, &me.actor(), report.id, &form.to) {
            Ok(r) => format!(
                "报告 #{} {} / report #{} {}",
                r.id,
                archive::status_zh(&r.status),
                r.id,
                archive::status_en(&r.status)
            ),
            Err(e) => e.to_string(),
        };
        Ok(
            Redirect::to(&format!("/reports/{back}?notice={}", url_encode(&notice)))
                .into_response(),
        )
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ScheduleForm {
    kind: String,
    period_kind: String,
    format: String,
    day: String,
    /// A role whose accounts in `role_area` receive it (empty: none).
    role: String,
    role_area: String,
    /// Account names, separated by spaces, commas or 、.
    users: String,
}

fn schedule_of(
    code: &RegionCode,
    f: &ScheduleForm,
) -> Result<renkou_reports::schedules::NewSchedule, renkou_reports::Error> {
    use renkou_reports::schedules::{NewSchedule, PeriodKind, Recipient};
    let day: u32 = f.day.trim().parse().map_err(|_| {
        renkou_reports::Error::Invalid("生成日应为每月1至28日 / the day must be 1 to 28".into())
    })?;
    let mut recipients = Vec::new();
    if !f.role.trim().is_empty() {
        let area = if f.role_area.trim().is_empty() {
            code.to_string()
        } else {
            f.role_area.trim().to_string()
        };
        recipients.push(Recipient::parse(&format!("role:{}@{area}", f.role.trim()))?);
    }
    for u in f
        .users
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';'))
        .filter(|u| !u.is_empty())
    {
        recipients.push(Recipient::parse(&format!("user:{u}"))?);
    }
    Ok(NewSchedule {
        kind: Kind::parse(&f.kind)?,
        region: code.clone(),
        period_kind: PeriodKind::parse(&f.period_kind)?,
        format: Format::parse(&f.format)?,
        day,
        recipients,
        starts_on: chrono::Local::now().date_naive(),
    })
}

/// Sets a report of this area to be made on a day of each month, quarter or year.
pub async fn add_schedule(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    CsrfForm { me, form }: CsrfForm<ScheduleForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome = schedule_of(&code, &form)
            .and_then(|s| renkou_reports::schedules::add(&state.store, &me.actor(), &s));
        match outcome {
            Ok(id) => Ok(Redirect::to(&format!(
                "/reports/{code}?notice={}",
                url_encode(&format!("已设置定时报告 #{id} / report #{id} scheduled"))
            ))
            .into_response()),
            Err(e) => Ok(Html(render(
                &state,
                me,
                &code,
                last_full_year(),
                e.to_string(),
                String::new(),
            )?)
            .into_response()),
        }
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    id: String,
}

/// Removes a schedule of the caller's area (its reports stay in the archive).
pub async fn remove_schedule(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    CsrfForm { me, form }: CsrfForm<RemoveForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let notice = match form.id.trim().parse::<i64>() {
            Ok(id) => match renkou_reports::schedules::remove(&state.store, &me.actor(), id) {
                Ok(true) => format!("已删除定时报告 #{id} / scheduled report #{id} removed"),
                Ok(false) => return Err(WebError::NotFound),
                Err(e) => e.to_string(),
            },
            Err(_) => return Err(WebError::NotFound),
        };
        Ok(
            Redirect::to(&format!("/reports/{code}?notice={}", url_encode(&notice)))
                .into_response(),
        )
    })
    .await
}
