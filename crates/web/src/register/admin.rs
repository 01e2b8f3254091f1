//! The office's work that needed the server's shell: the data-quality list of an
//! area (each item, the facts behind it, resolved with a reason; a scan for what
//! got in before) and the county administrator's accounts (create with an area,
//! reset a password, disable, enable; list with the last login). Every change goes
//! through `renkou_register::{quality, accounts}`, audited there.

use crate::error::WebError;
use crate::extract::{Area, CsrfForm, Current, WritableArea};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_domain::account::Role;
use renkou_domain::{Region, RegionCode, RegionLevel};
use renkou_register::accounts::AccountRow;
use renkou_store::quality::StoredQualityIssue;
use std::collections::HashMap;

// --- the data-quality list -------------------------------------------------------

/// The URL's `{id}`: a data-quality issue of a person living in the caller's area.
pub struct QualityIssueOf {
    pub issue: StoredQualityIssue,
}

impl FromRequestParts<AppState> for QualityIssueOf {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let me = Current::from_request_parts(parts, state).await?;
        let id: i64 = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|Path(m)| m.get("id").and_then(|v| v.parse().ok()))
            .ok_or(WebError::NotFound)?;
        let store = state.store.clone();
        let issue = blocking(move || Ok(store.quality_issue(id)?))
            .await?
            .filter(|q| RegionCode::parse(&q.region_code).is_ok_and(|r| me.scope.can_read(&r)))
            .ok_or(WebError::NotFound)?;
        Ok(QualityIssueOf { issue })
    }
}

/// An issue as the list shows it.
struct IssueRow {
    id: i64,
    person_no: String,
    person_name: String,
    village: String,
    kind: &'static str,
    message: String,
    resolved_by: String,
    resolved_at: String,
    resolution: String,
}

fn row(q: &StoredQualityIssue, l: L, villages: &crate::regions::RegionNames) -> IssueRow {
    // Messages are stored "中文 / English"; each page shows its own half.
    let message = l.half(&q.issue.message);
    IssueRow {
        id: q.id,
        person_no: q.issue.person_no.clone(),
        person_name: q.person_name.clone(),
        village: villages.name(&q.region_code),
        kind: l.s(q.issue.kind.name_zh(), q.issue.kind.name_en()),
        message,
        resolved_by: q.resolved_by.clone().unwrap_or_default(),
        resolved_at: q
            .resolved_at
            .as_ref()
            .map(crate::i18n::minute)
            .unwrap_or_default(),
        resolution: q.resolution.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "register/quality.html")]
struct QualityPage {
    l: L,
    me: Current,
    region: Region,
    open: Vec<IssueRow>,
    resolved: Vec<IssueRow>,
    can_resolve: bool,
    notice: String,
    error: String,
    /// The villages with open issues: (code, name, how many), for the filter.
    villages: Vec<(String, String, usize)>,
    village: String,
    /// Open issues after the village filter, and the page of them shown.
    total: usize,
    page: usize,
    pages: usize,
}

fn quality_page(
    state: &AppState,
    me: Current,
    code: &RegionCode,
    notice: String,
    error: String,
) -> Result<QualityPage, WebError> {
    quality_page_filtered(state, me, code, notice, error, QualityQuery::default())
}

fn quality_page_filtered(
    state: &AppState,
    me: Current,
    code: &RegionCode,
    notice: String,
    error: String,
    q: QualityQuery,
) -> Result<QualityPage, WebError> {
    let region = state.store.region(code)?.ok_or(WebError::NotFound)?;
    let all_open = renkou_register::quality::open_issues(&state.store, code)?;
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for i in &all_open {
        *counts.entry(i.region_code.clone()).or_default() += 1;
    }
    // A village of the area, or none (an unknown or foreign code shows all).
    let village = RegionCode::parse(&q.village)
        .ok()
        .filter(|v| code.contains(v) && v.level() == RegionLevel::Village);
    let filtered: Vec<&StoredQualityIssue> = all_open
        .iter()
        .filter(|i| village.as_ref().is_none_or(|v| v.as_str() == i.region_code))
        .collect();
    let total = filtered.len();
    let pages = total.div_ceil(QUALITY_PAGE).max(1);
    let page = (q.page.max(1) as usize).min(pages);
    let open: Vec<StoredQualityIssue> = filtered
        .into_iter()
        .skip((page - 1) * QUALITY_PAGE)
        .take(QUALITY_PAGE)
        .cloned()
        .collect();
    let resolved = renkou_register::quality::resolved_issues(&state.store, code, 50)?;
    let names = crate::regions::RegionNames::load(state)?;
    let villages = counts
        .into_iter()
        .map(|(c, n)| {
            let name = names.name(&c);
            (c, name, n)
        })
        .collect();
    Ok(QualityPage {
        villages,
        village: village.map(|v| v.to_string()).unwrap_or_default(),
        total,
        page,
        pages,
        l: me.l,
        can_resolve: me.scope.can_write(code),
        open: open.iter().map(|q| row(q, me.l, &names)).collect(),
        resolved: resolved.iter().map(|q| row(q, me.l, &names)).collect(),
        me,
        region,
        notice,
        error,
    })
}

/// The list's filter: a village of the area (its code) and the page.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct QualityQuery {
    village: String,
    page: i64,
}

/// Open issues shown per page.
const QUALITY_PAGE: usize = 20;

pub async fn quality(
    State(state): State<AppState>,
    Area { user: me, code }: Area<Current>,
    Query(q): Query<QualityQuery>,
) -> Result<Html<String>, WebError> {
    let page =
        blocking(move || quality_page_filtered(&state, me, &code, String::new(), String::new(), q))
            .await?;
    Ok(Html(page.render()?))
}

#[derive(serde::Deserialize)]
pub struct NoFields {}

/// Scans the area for records the rules would refuse today (those who may
/// resolve what it finds).
pub async fn scan(
    State(state): State<AppState>,
    WritableArea { code, .. }: WritableArea<Current>,
    CsrfForm { me, .. }: CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    blocking(move || {
        let scan = renkou_register::quality::scan(&state.store, &me.actor(), &code)?;
        let notice = if me.l.en {
            format!(
                "Scan done: {} findings, {} new on the list.",
                scan.found.len(),
                scan.added
            )
        } else {
            format!(
                "检查完毕：发现 {} 条，其中新列入 {} 条。",
                scan.found.len(),
                scan.added
            )
        };
        Ok(Html(quality_page(&state, me, &code, notice, String::new())?.render()?).into_response())
    })
    .await
}

#[derive(serde::Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    reason: String,
}

/// Resolves one issue with the reason given.
pub async fn resolve(
    State(state): State<AppState>,
    QualityIssueOf { issue, .. }: QualityIssueOf,
    CsrfForm { me, form }: CsrfForm<ResolveForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let back = me.scope.region.clone();
        match renkou_register::quality::resolve(&state.store, &me.actor(), issue.id, &form.reason) {
            Ok(()) => Ok(Redirect::to(&format!("/quality/{back}")).into_response()),
            Err(e) => {
                let error = match WebError::from(e) {
                    WebError::BadRequest(m) | WebError::Refused(m) => {
                        let m = me.l.half(&m);
                        format!("{} {}：{m}", issue.issue.person_no, issue.person_name)
                    }
                    other => return Err(other),
                };
                let page = quality_page(&state, me, &back, String::new(), error)?;
                Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
            }
        }
    })
    .await
}

// --- accounts ------------------------------------------------------------------

/// The URL's `{username}`: an account the caller manages (others: 404).
pub struct AccountOf {
    pub username: String,
}

impl FromRequestParts<AppState> for AccountOf {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let me = Current::from_request_parts(parts, state).await?;
        let name = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|Path(m)| m.get("username").cloned())
            .ok_or(WebError::NotFound)?;
        let (store, actor) = (state.store.clone(), me.actor());
        let account =
            blocking(move || Ok(renkou_register::accounts::managed(&store, &actor, &name)?))
                .await?
                .ok_or(WebError::NotFound)?;
        Ok(AccountOf {
            username: account.username,
        })
    }
}

struct AccountLine {
    username: String,
    display_name: String,
    role: &'static str,
    area: String,
    area_code: String,
    status: String,
    last_login: String,
    is_me: bool,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "register/accounts.html")]
struct AccountsPage {
    l: L,
    me: Current,
    rows: Vec<AccountLine>,
    roles: Vec<(&'static str, &'static str)>,
    /// The areas an account can be given: the county, townships and villages in
    /// the administrator's area that still exist, indented by level.
    areas: Vec<(String, String)>,
    notice: String,
    error: String,
    form: NewAccountForm,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct NewAccountForm {
    username: String,
    display_name: String,
    role: String,
    region: String,
    password: String,
}

fn accounts_page(
    state: &AppState,
    me: Current,
    notice: String,
    error: String,
    form: NewAccountForm,
) -> Result<AccountsPage, WebError> {
    let list: Vec<AccountRow> = renkou_register::accounts::list(&state.store, &me.actor())
        .map_err(|e| match WebError::from(e) {
            WebError::Forbidden => WebError::NotFound,
            other => other,
        })?;
    let mut areas: HashMap<RegionCode, String> = HashMap::new();
    let l = me.l;
    let rows = list
        .into_iter()
        .map(|r| {
            let a = r.account;
            let area = areas
                .entry(a.region.clone())
                .or_insert_with(|| {
                    state
                        .store
                        .region(&a.region)
                        .ok()
                        .flatten()
                        .map(|g| g.name)
                        .unwrap_or_else(|| a.region.to_string())
                })
                .clone();
            let locked = a.locked_until.is_some_and(|t| t > chrono::Utc::now());
            let status = if a.disabled {
                l.s("已停用", "disabled")
            } else if locked {
                l.s("暂时锁定", "locked for now")
            } else if a.must_change_password {
                l.s("待改初始密码", "must change password")
            } else {
                l.s("正常", "active")
            }
            .to_string();
            AccountLine {
                is_me: a.username == me.account.username,
                disabled: a.disabled,
                username: a.username,
                display_name: a.display_name,
                role: l.s(a.role.name_zh(), a.role.name_en()),
                area_code: a.region.to_string(),
                area,
                status,
                last_login: r
                    .last_login
                    .as_ref()
                    .map(crate::i18n::minute)
                    .unwrap_or_else(|| l.s("从未", "never").to_string()),
            }
        })
        .collect();
    let today = chrono::Local::now().date_naive();
    let choices = state
        .store
        .regions()?
        .into_iter()
        .filter(|r| me.scope.can_read(&r.code))
        .filter(|r| r.valid_to.is_none_or(|t| t > today))
        .filter(|r| {
            matches!(
                r.level(),
                RegionLevel::County | RegionLevel::Township | RegionLevel::Village
            )
        })
        .map(|r| {
            let indent = match r.level() {
                RegionLevel::County => "",
                RegionLevel::Township => "\u{3000}",
                _ => "\u{3000}\u{3000}",
            };
            (r.code.to_string(), format!("{indent}{} {}", r.name, r.code))
        })
        .collect();
    Ok(AccountsPage {
        areas: choices,
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), l.s(r.name_zh(), r.name_en())))
            .collect(),
        l,
        me,
        rows,
        notice,
        error,
        form,
    })
}

pub async fn accounts(
    State(state): State<AppState>,
    me: Current,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || {
        accounts_page(
            &state,
            me,
            String::new(),
            String::new(),
            NewAccountForm::default(),
        )
    })
    .await?;
    Ok(Html(page.render()?))
}

/// A change's outcome shown on the list: a notice, or the error with status 400.
fn after(
    state: &AppState,
    me: Current,
    outcome: Result<String, renkou_register::AppError>,
    form: NewAccountForm,
) -> Result<Response, WebError> {
    match outcome {
        Ok(notice) => Ok(Html(
            accounts_page(state, me, notice, String::new(), NewAccountForm::default())?.render()?,
        )
        .into_response()),
        Err(e) => {
            let error = match WebError::from(e) {
                WebError::BadRequest(m) | WebError::Refused(m) => me.l.half(&m),
                WebError::Forbidden => return Err(WebError::NotFound),
                other => return Err(other),
            };
            let page = accounts_page(state, me, String::new(), error, form)?;
            Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
    }
}

pub async fn create_account(
    State(state): State<AppState>,
    CsrfForm { me, form }: CsrfForm<NewAccountForm>,
) -> Result<Response, WebError> {
    if !me.account.role.manages_accounts() {
        return Err(WebError::NotFound);
    }
    blocking(move || {
        let l = me.l;
        let outcome = (|| {
            let role = Role::parse(form.role.trim()).ok_or_else(|| {
                renkou_register::AppError::Invalid(
                    "请选择角色 / choose a role".into(),
                )
            })?;
            let region = RegionCode::parse(form.region.trim()).map_err(|_| {
                renkou_register::AppError::Invalid(format!(
                    "区划代码“{}”无效（应为 6、9 或 12 位数字） / region code \"{}\" is not valid (6, 9 or 12 digits)",
                    form.region.trim(),
                    form.region.trim()
                ))
            })?;
            if !me.scope.can_read(&region) {
                return Err(renkou_register::AppError::Invalid(format!(
                    "区划 {region} 不在您的辖区内 / region {region} is outside your area"
                )));
            }
            if state.store.region(&region)?.is_none() {
                return Err(renkou_register::AppError::Invalid(format!(
                    "没有区划 {region} / no region {region}"
                )));
            }
            let a = renkou_register::accounts::create_account(
                &state.store,
                &me.actor(),
                &form.username,
                &form.display_name,
                role,
                &region,
                &form.password,
            )?;
            Ok(format!(
                "{}{}{}",
                l.s("已建立账户 ", "Account created: "),
                a.username,
                l.s("。首次登录时须修改初始密码。", ". The initial password must be changed at the first login.")
            ))
        })();
        after(&state, me, outcome, form)
    })
    .await
}

#[derive(serde::Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    AccountOf { username, .. }: AccountOf,
    CsrfForm { me, form }: CsrfForm<ResetForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome = renkou_register::accounts::reset_password(
            &state.store,
            &me.actor(),
            &username,
            &form.password,
        )
        .map(|()| {
            format!(
                "{}{username}{}",
                me.l.s("已重置 ", "Password of "),
                me.l.s(
                    " 的密码；下次登录时须修改。",
                    " reset; it must be changed at the next login."
                )
            )
        });
        after(&state, me, outcome, NewAccountForm::default())
    })
    .await
}

async fn set_disabled(
    state: AppState,
    me: Current,
    username: String,
    disabled: bool,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome =
            renkou_register::accounts::set_disabled(&state.store, &me.actor(), &username, disabled)
                .map(|()| {
                    let what = if disabled {
                        me.l.s("已停用 ", "Disabled: ")
                    } else {
                        me.l.s("已启用 ", "Enabled: ")
                    };
                    format!("{what}{username}")
                });
        after(&state, me, outcome, NewAccountForm::default())
    })
    .await
}

pub async fn disable(
    State(state): State<AppState>,
    AccountOf { username, .. }: AccountOf,
    CsrfForm { me, .. }: CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    set_disabled(state, me, username, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    AccountOf { username, .. }: AccountOf,
    CsrfForm { me, .. }: CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    set_disabled(state, me, username, false).await
}
