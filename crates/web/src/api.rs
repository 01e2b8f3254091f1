//! The JSON API under /api/v1: the same capabilities as the pages, for scripts and
//! other systems. Authentication is a bearer token created per account
//! (`renkou user token`), scoped exactly like the account; a record outside the
//! scope is 404, as in the UI. The OpenAPI 3 description is served at
//! /api/openapi.json, and a test checks that it lists every route in [`ROUTES`].

use crate::error::WebError;
use crate::{blocking, AppState};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use renkou_domain::account::Scope;
use renkou_domain::event::{EventKind, PersonEvent};
use renkou_domain::{PersonRecord, RegionCode};
use renkou_store::accounts::Account;
use renkou_store::audit::AuditRecord;
use renkou_store::browse::{PersonFilter, PersonSort};
use serde_json::json;

/// Every API route as (method, OpenAPI path). The router is built from the same
/// paths, and the OpenAPI test compares the two.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/me"),
    ("get", "/api/v1/regions/{code}"),
    ("get", "/api/v1/regions/{code}/persons"),
    ("get", "/api/v1/regions/{code}/indicators"),
    ("get", "/api/v1/persons/{no}"),
    ("get", "/api/v1/persons/{no}/events"),
    ("post", "/api/v1/persons/{no}/events"),
    ("get", "/api/v1/households/{no}"),
    ("get", "/api/v1/search"),
    ("post", "/api/v1/imports"),
];

pub const OPENAPI: &str = include_str!("../openapi.json");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/regions/{code}", get(region))
        .route("/api/v1/regions/{code}/persons", get(persons))
        .route("/api/v1/regions/{code}/indicators", get(indicators))
        .route("/api/v1/persons/{no}", get(person))
        .route(
            "/api/v1/persons/{no}/events",
            get(events).post(record_event),
        )
        .route("/api/v1/households/{no}", get(household))
        .route("/api/v1/search", get(search))
        .route("/api/v1/imports", axum::routing::post(import))
        .route(
            "/api/openapi.json",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    OPENAPI,
                )
            }),
        )
}

/// The account behind a bearer token.
pub struct ApiUser {
    account: Account,
    scope: Scope,
    address: String,
}

/// API errors are JSON: {"error": "...", "message": "中文 / English"}.
pub struct ApiError(WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}
impl From<renkou_store::StoreError> for ApiError {
    fn from(e: renkou_store::StoreError) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self.0 {
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "找不到 / not found".to_string(),
            ),
            WebError::LoginRequired | WebError::PasswordChangeRequired => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "需要有效的令牌 / a valid bearer token is required".to_string(),
            ),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "无权操作 / not allowed".to_string(),
            ),
            WebError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                String::new(),
            ),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            WebError::Internal(e) => {
                tracing::error!(error = %e, "api request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "服务器内部错误 / internal error".to_string(),
                )
            }
        };
        (status, Json(json!({ "error": code, "message": message }))).into_response()
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(WebError::LoginRequired)?
            .to_string();
        let store = state.store.clone();
        let account = blocking(move || Ok(store.api_token_account(&token)?))
            .await?
            .ok_or(WebError::LoginRequired)?;
        Ok(ApiUser {
            scope: Scope {
                role: account.role,
                region: account.region.clone(),
            },
            account,
            address: crate::auth::address(parts),
        })
    }
}

fn scoped(user: &ApiUser, code: &str) -> Result<RegionCode, WebError> {
    let code = RegionCode::parse_prefix(code).map_err(|_| WebError::NotFound)?;
    if !user.scope.can_read(&code) {
        return Err(WebError::NotFound);
    }
    Ok(code)
}

fn person_json(p: &PersonRecord) -> serde_json::Value {
    serde_json::to_value(p).unwrap_or_default()
}

async fn me(user: ApiUser) -> Json<serde_json::Value> {
    Json(json!({
        "username": user.account.username,
        "display_name": user.account.display_name,
        "role": user.account.role.as_str(),
        "region_code": user.account.region.to_string(),
    }))
}

async fn region(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let code = scoped(&user, &code)?;
    Ok(Json(
        blocking(move || {
            let r = state.store.region(&code)?.ok_or(WebError::NotFound)?;
            let children = state.store.child_regions(&code, None)?;
            let summary = state.store.area_summary(&code, chrono::Local::now().date_naive())?;
            Ok(json!({ "region": r, "level": r.level().as_str(), "summary": summary, "children": children }))
        })
        .await?,
    ))
}

#[derive(serde::Deserialize)]
struct ListParams {
    #[serde(default)]
    sex: Option<i64>,
    #[serde(default)]
    residence: Option<String>,
    #[serde(default)]
    marital_status: Option<i64>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn persons(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    Query(q): Query<ListParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let code = scoped(&user, &code)?;
    Ok(Json(
        blocking(move || {
            let filter = PersonFilter {
                sex: q.sex,
                residence: q.residence,
                marital_status: q.marital_status,
                alive: true,
                ..Default::default()
            };
            let limit = q.limit.unwrap_or(50).clamp(1, 1000);
            let offset = q.offset.unwrap_or(0).max(0);
            let sort = PersonSort::parse(q.sort.as_deref().unwrap_or(""));
            let (rows, total) = state
                .store
                .list_persons(&code, &filter, sort, offset, limit)?;
            Ok(json!({
                "total": total, "offset": offset, "limit": limit,
                "persons": rows.iter().map(person_json).collect::<Vec<_>>(),
            }))
        })
        .await?,
    ))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct IndicatorParams {
    period: Option<String>,
    level: Option<String>,
}

/// The catalogue and the user-defined indicators for a region and period: the
/// rows of `renkou indicators --format json`, from the same cache as the pages.
async fn indicators(
    State(state): State<AppState>,
    user: ApiUser,
    Path(code): Path<String>,
    Query(q): Query<IndicatorParams>,
) -> Result<Json<Vec<renkou_stats::IndicatorRow>>, ApiError> {
    let code = scoped(&user, &code)?;
    let period = crate::indicators::PeriodQuery {
        period: q.period,
        level: q.level,
        ..Default::default()
    };
    let (p, level) = (period.period()?, period.level()?);
    Ok(Json(
        blocking(move || {
            Ok(renkou_app::indicators::indicators(
                &state.store,
                &state.stats,
                &code,
                p,
                level,
            )?)
        })
        .await?,
    ))
}

fn readable_person(state: &AppState, user: &ApiUser, no: &str) -> Result<PersonRecord, WebError> {
    let p = state.store.person(no)?.ok_or(WebError::NotFound)?;
    if !user.scope.can_read(&p.region_code) {
        return Err(WebError::NotFound);
    }
    state.store.audit(&AuditRecord {
        username: &user.account.username,
        action: "view",
        record_type: "person",
        record_id: &p.person_no,
        fields: "api",
        address: &user.address,
    })?;
    Ok(p)
}

async fn person(
    State(state): State<AppState>,
    user: ApiUser,
    Path(no): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        blocking(move || {
            let p = readable_person(&state, &user, &no)?;
            let order = match &p.mother_no {
                Some(m) => state
                    .store
                    .children_of(m)?
                    .into_iter()
                    .find(|c| c.person_no == p.person_no)
                    .map(|c| c.birth_order),
                None => None,
            };
            let children = state.store.children_of(&p.person_no)?;
            Ok(json!({ "person": person_json(&p), "birth_order": order, "children": children }))
        })
        .await?,
    ))
}

async fn events(
    State(state): State<AppState>,
    user: ApiUser,
    Path(no): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        blocking(move || {
            let p = readable_person(&state, &user, &no)?;
            Ok(json!({ "events": state.store.person_events(&p.person_no)? }))
        })
        .await?,
    ))
}

async fn record_event(
    State(state): State<AppState>,
    user: ApiUser,
    Path(no): Path<String>,
    Json(kind): Json<EventKind>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    Ok(blocking(move || {
        // A birth is posted on the mother (`no`); every other event on the person.
        let (subject, region) = match &kind {
            EventKind::Birth { person } => {
                let mother = state.store.person(&no)?.ok_or(WebError::NotFound)?;
                if person.mother_no.as_deref() != Some(mother.person_no.as_str()) {
                    return Err(WebError::BadRequest(
                        "出生事件须提交在母亲名下 / post a birth on the child's mother".into(),
                    ));
                }
                (person.person_no.clone(), mother.region_code)
            }
            EventKind::Registered { .. } => {
                return Err(WebError::BadRequest(
                    "建档只能通过导入 / registration comes from imports".into(),
                ))
            }
            _ => {
                let p = state.store.person(&no)?.ok_or(WebError::NotFound)?;
                (p.person_no, p.region_code)
            }
        };
        if !user.scope.can_read(&region) {
            return Err(WebError::NotFound);
        }
        if !user.scope.can_write(&region) {
            return Err(WebError::Forbidden);
        }
        let action = if matches!(kind, EventKind::Birth { .. }) {
            "create"
        } else {
            "update"
        };
        let fields = match &kind {
            EventKind::Correction { field, .. } => field.as_str().to_string(),
            k => k.as_str().to_string(),
        };
        let seq = state.store.record_event_audited(
            &PersonEvent {
                person_no: subject.clone(),
                kind,
                recorded_by: user.account.username.clone(),
                recorded_at: String::new(),
                source: "api".into(),
            },
            Some(&AuditRecord {
                username: &user.account.username,
                action,
                record_type: "person",
                record_id: &subject,
                fields: &fields,
                address: &user.address,
            }),
        )?;
        Ok((
            StatusCode::CREATED,
            Json(json!({ "seq": seq, "person_no": subject })),
        ))
    })
    .await?)
}

async fn household(
    State(state): State<AppState>,
    user: ApiUser,
    Path(no): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        blocking(move || {
            let members: Vec<PersonRecord> = state
                .store
                .household_members(&no)?
                .into_iter()
                .filter(|p| user.scope.can_read(&p.region_code))
                .collect();
            if members.is_empty() {
                return Err(WebError::NotFound);
            }
            state.store.audit(&AuditRecord {
                username: &user.account.username,
                action: "view",
                record_type: "household",
                record_id: &no,
                fields: "api",
                address: &user.address,
            })?;
            Ok(json!({ "household_no": no, "members": members.iter().map(person_json).collect::<Vec<_>>() }))
        })
        .await?,
    ))
}

#[derive(serde::Deserialize)]
struct SearchParams {
    q: String,
}

async fn search(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<SearchParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        blocking(move || {
            let hits = crate::pages::find_persons(&state, &user.scope.region, &q.q, 50)?;
            Ok(json!({ "results": hits.iter().map(|p| json!({
                "person_no": p.person_no, "name": p.name, "sex": p.sex, "birth_date": p.birth_date,
                "household_no": p.household_no, "region_code": p.region_code, "id_tail": p.id_tail,
            })).collect::<Vec<_>>() }))
        })
        .await?,
    ))
}

#[derive(serde::Deserialize)]
struct ImportParams {
    /// persons | births
    kind: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    skip_invalid: bool,
    #[serde(default)]
    file_name: Option<String>,
}

/// Imports a file sent as the request body (CSV or xlsx), checked exactly as in the
/// CLI and the UI and limited to the token's area. Answers 200 with the counts, or
/// 422 with every row error and nothing written.
async fn import(
    State(state): State<AppState>,
    user: ApiUser,
    Query(p): Query<ImportParams>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    if !user.account.role.edits_personal_records() {
        return Err(WebError::Forbidden.into());
    }
    if p.kind != "persons" && p.kind != "births" {
        return Err(WebError::BadRequest(
            "kind 应为 persons 或 births / kind must be persons or births".into(),
        )
        .into());
    }
    if body.is_empty() {
        return Err(WebError::BadRequest("请求体为空 / the request body is empty".into()).into());
    }
    Ok(blocking(move || {
        let name = crate::imports::safe_file_name(p.file_name.as_deref().unwrap_or("upload"));
        let dir = std::env::temp_dir().join(format!("renkou-api-import-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).map_err(|e| WebError::Internal(e.to_string()))?;
        let path = dir.join(&name);
        std::fs::write(&path, &body).map_err(|e| WebError::Internal(e.to_string()))?;
        let opts = renkou_app::import::ImportOptions {
            sheet: None,
            skip_invalid: p.skip_invalid,
            recorded_by: user.account.username.clone(),
            dry_run: p.dry_run,
            scope: Some(user.scope.region.clone()),
        };
        let result = crate::imports::run_import(&state.store, &p.kind, &path, &p.source, &opts, &renkou_app::NoProgress);
        let _ = std::fs::remove_dir_all(&dir);
        let shown = |s: String| s.replace(&path.display().to_string(), &name);
        match result {
            Ok(r) => {
                if !p.dry_run {
                    state.store.audit(&AuditRecord {
                        username: &user.account.username,
                        action: "import",
                        record_type: "import",
                        record_id: &r.counts.import_id.to_string(),
                        fields: &format!("{} api read={} new={}", p.kind, r.counts.read, r.counts.new),
                        address: &user.address,
                    })?;
                }
                Ok((
                    StatusCode::OK,
                    Json(json!({ "dry_run": p.dry_run, "counts": r.counts, "rejected_rows": r.rejected_rows, "extra_columns": r.extra_columns })),
                ))
            }
            Err(renkou_app::AppError::InvalidRows { errors, .. }) => Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "error": "invalid_rows",
                    "message": format!("{} 处错误，未导入任何数据 / {} errors, nothing was imported", errors.len(), errors.len()),
                    "errors": errors.iter().map(|e| json!({"row": e.row, "column": e.column, "message": e.message, "text": shown(e.to_string())})).collect::<Vec<_>>(),
                })),
            )),
            Err(e) => Err(WebError::BadRequest(shown(e.to_string()))),
        }
    })
    .await?)
}
