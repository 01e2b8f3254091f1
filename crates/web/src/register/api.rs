//! The register's JSON API under /api/v1: the account, regions, persons with their
//! events, households, search, and imports. Handlers parse, call a use case of
//! `renkou-register`, and answer JSON; records come checked by the extractors.

use crate::api::{ApiError, ApiJson, ApiQuery};
use crate::error::WebError;
use crate::extract::{ApiUser, Area, HouseholdOf, PersonOf, WritablePerson};
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use renkou_domain::event::EventKind;
use renkou_domain::PersonRecord;
use renkou_store::browse::{PersonFilter, PersonSort};
use renkou_store::{ImportOptions, RecordKind};
use serde_json::json;

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
        Route::get("/api/v1/me", Access::Api, &[], get(me)),
        Route::get(
            "/api/v1/regions/{code}",
            Access::Api,
            &[Region],
            get(region),
        ),
        Route::get(
            "/api/v1/regions/{code}/persons",
            Access::Api,
            &[Region],
            get(persons),
        ),
        Route::get("/api/v1/persons/{no}", Access::Api, &[Person], get(person)),
        Route::get(
            "/api/v1/persons/{no}/events",
            Access::Api,
            &[Person],
            get(events),
        ),
        Route::post(
            "/api/v1/persons/{no}/events",
            Access::Api,
            &[Person],
            post(record_event),
        ),
        Route::get(
            "/api/v1/households/{no}",
            Access::Api,
            &[Household],
            get(household),
        ),
        Route::get("/api/v1/search", Access::Api, &[], get(search)),
        Route::post("/api/v1/imports", Access::Api, &[], post(import)),
    ]
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
    Area { code, .. }: Area<ApiUser>,
) -> Result<Json<serde_json::Value>, ApiError> {
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
    sex: Option<u8>,
    #[serde(default)]
    residence: Option<String>,
    #[serde(default)]
    marital_status: Option<u8>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

fn bad(m: &str) -> ApiError {
    ApiError(WebError::BadRequest(m.to_string()))
}

async fn persons(
    State(state): State<AppState>,
    Area { code, .. }: Area<ApiUser>,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if q.offset.is_some_and(|o| o < 0) || q.limit.is_some_and(|l| !(1..=1000).contains(&l)) {
        return Err(bad(
            "offset 不能为负，limit 应为 1–1000 / offset must not be negative and limit 1–1000",
        ));
    }
    if q.sex.is_some_and(|s| !matches!(s, 0..=2)) {
        return Err(bad("sex 应为 0、1 或 2 / sex must be 0, 1 or 2"));
    }
    if let Some(r) = &q.residence {
        if r.trim().is_empty() {
            return Err(bad("residence 不能为空；不需要时请省略 / residence may not be empty; leave it out instead"));
        }
        renkou_domain::Residence::parse(r).map_err(|e| bad(&e.to_string()))?;
    }
    if q.sort.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(bad(
            "sort 不能为空；不需要时请省略 / sort may not be empty; leave it out instead",
        ));
    }
    if let Some(m) = q.marital_status {
        renkou_domain::MaritalStatus::parse(&m.to_string()).map_err(|e| bad(&e.to_string()))?;
    }
    if let Some(s) = &q.sort {
        if !PersonSort::is_known(s) {
            return Err(bad("sort 取值无效 / sort is not one of the listed values"));
        }
    }
    Ok(Json(
        blocking(move || {
            let filter = PersonFilter {
                sex: q.sex.map(i64::from),
                residence: q.residence,
                marital_status: q.marital_status.map(i64::from),
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

fn audit_view(
    state: &AppState,
    user: &ApiUser,
    kind: RecordKind,
    id: &str,
) -> Result<(), WebError> {
    state.store.audit_view(&user.actor(), kind, id, "api")?;
    Ok(())
}

async fn person(
    State(state): State<AppState>,
    PersonOf { user, person: p }: PersonOf<ApiUser>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        blocking(move || {
            audit_view(&state, &user, RecordKind::PERSON, &p.person_no)?;
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
    PersonOf { user, person: p }: PersonOf<ApiUser>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        blocking(move || {
            audit_view(&state, &user, RecordKind::PERSON, &p.person_no)?;
            Ok(json!({ "events": state.store.person_events(&p.person_no)? }))
        })
        .await?,
    ))
}

/// An event on a person; a birth is posted on the mother, and the register
/// numbers the child.
async fn record_event(
    State(state): State<AppState>,
    WritablePerson { user, person }: WritablePerson<ApiUser>,
    ApiJson(kind): ApiJson<EventKind>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let actor = user.actor();
    Ok(blocking(move || {
        let store = &state.store;
        let (no, seq) = match kind {
            EventKind::Birth { person: child } => {
                let no = renkou_register::events::record_birth_api(
                    store,
                    &actor,
                    &person.person_no,
                    child,
                )?;
                let seq = store.person_events(&no)?.last().map(|e| e.seq).unwrap_or(0);
                (no, seq)
            }
            kind => {
                let seq = renkou_register::events::record_event(
                    store,
                    &actor,
                    &person.person_no,
                    kind,
                    "api",
                )?;
                (person.person_no, seq)
            }
        };
        Ok((
            StatusCode::CREATED,
            Json(json!({ "seq": seq, "person_no": no })),
        ))
    })
    .await?)
}

async fn household(
    State(state): State<AppState>,
    HouseholdOf {
        user,
        household_no,
        members,
    }: HouseholdOf<ApiUser>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        blocking(move || {
            audit_view(&state, &user, RecordKind::HOUSEHOLD, &household_no)?;
            Ok(json!({ "household_no": household_no, "members": members.iter().map(person_json).collect::<Vec<_>>() }))
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
    ApiQuery(q): ApiQuery<SearchParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if q.q.chars().count() > 100 {
        return Err(bad("q 最多 100 个字符 / q may have at most 100 characters"));
    }
    Ok(Json(
        blocking(move || {
            let hits = renkou_register::search::find(
                state.search.get(),
                &state.store,
                q.q.trim(),
                &user.scope.region,
                50,
            )?;
            Ok(json!({ "results": hits.iter().map(|p| json!({
                "person_no": p.person_no, "name": p.name, "sex": p.sex, "birth_date": p.birth_date,
                "household_no": p.household_no, "region_code": p.region_code.as_str(),
                "id_tail": p.id_tail.clone().unwrap_or_default(),
            })).collect::<Vec<_>>() }))
        })
        .await?,
    ))
}

#[derive(serde::Deserialize)]
struct ImportParams {
    kind: super::imports::FileKindParam,
    #[serde(default)]
    source: String,
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    skip_invalid: bool,
    #[serde(default)]
    overwrite_newer: bool,
    #[serde(default)]
    file_name: Option<String>,
}

/// Imports a file sent as the request body (CSV or xlsx), checked exactly as in the
/// CLI and the UI and limited to the token's area. Answers 200 with the counts, or
/// 422 with every row error and nothing written.
async fn import(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    if !user.account.role.edits_personal_records() {
        return Err(WebError::Forbidden.into());
    }
    if body.is_empty() {
        return Err(bad("请求体为空 / the request body is empty"));
    }
    let name = super::imports::safe_file_name(p.file_name.as_deref().unwrap_or("upload"));
    Ok(blocking(move || {
        let dir = super::imports::TempDir::new("api-import")?;
        let path = dir.path().join(&name);
        std::fs::write(&path, &body).map_err(|e| WebError::Internal(e.to_string()))?;
        let mut opts = ImportOptions::by(user.actor());
        opts.skip_invalid = p.skip_invalid;
        opts.dry_run = p.dry_run;
        opts.overwrite_newer = p.overwrite_newer;
        let result = super::imports::run_import(&state.store, p.kind, &path, &p.source, &opts, &renkou_domain::progress::NoProgress);
        let shown = |s: String| s.replace(&path.display().to_string(), &name);
        match result {
            Ok((r, _)) => Ok((
                StatusCode::OK,
                Json(json!({
                    "dry_run": p.dry_run, "counts": r.counts, "rejected_rows": r.rejected_rows,
                    "extra_columns": r.extra_columns,
                    "conflicts": r.conflicts.iter().map(|c| json!({
                        "row": c.row, "person_no": c.person_no, "field": c.field.as_str(),
                        "edited_by": c.edited_by, "edited_at": c.edited_at, "overwritten": c.overwritten,
                    })).collect::<Vec<_>>(),
                })),
            )),
            Err(super::imports::ImportFailure::Rows(errors)) => Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({
                    "error": "invalid_rows",
                    "message": format!("{} 处错误，未导入任何数据 / {} errors, nothing was imported", errors.len(), errors.len()),
                    "errors": errors.iter().map(|e| json!({"row": e.row, "column": e.column, "message": e.message, "text": shown(e.to_string())})).collect::<Vec<_>>(),
                })),
            )),
            Err(super::imports::ImportFailure::Other(e)) => Err(match e {
                WebError::BadRequest(m) => WebError::BadRequest(shown(m)),
                e => e,
            }),
        }
    })
    .await?)
}
