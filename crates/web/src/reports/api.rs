//! The reports' JSON API: the archive of the caller's area, making a report
//! (kind, region, period, format, as of a register version), one archived report,
//! its file, sending it up or receiving it. Scope as in the pages: a report or a
//! region outside the caller's area is 404.

use super::pages::ReportOf;
use crate::api::{ApiError, ApiJson, ApiQuery};
use crate::error::WebError;
use crate::extract::ApiUser;
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use renkou_domain::RegionCode;
use renkou_reports::archive;
use renkou_reports::tables::{ArchivedReport, ReportTables};
use renkou_reports::{Format, Kind, Request};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/reports", Access::Api, &[], get(list)),
        Route::post("/api/v1/reports", Access::Api, &[], post(generate)),
        Route::get(
            "/api/v1/reports/{id}",
            Access::Api,
            &[Param::Report],
            get(one),
        ),
        Route::get(
            "/api/v1/reports/{id}/file",
            Access::Api,
            &[Param::Report],
            get(file),
        ),
        Route::post(
            "/api/v1/reports/{id}/status",
            Access::Api,
            &[Param::Report],
            post(status),
        ),
    ]
}

fn bad(m: impl Into<String>) -> ApiError {
    ApiError(WebError::BadRequest(m.into()))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    region: Option<String>,
}

#[derive(serde::Serialize)]
struct Reports {
    reports: Vec<ArchivedReport>,
}

#[derive(serde::Serialize)]
struct One {
    report: ArchivedReport,
}

/// The archive of the caller's area, or of a region inside it, newest first.
async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Reports>, ApiError> {
    // Absent: the caller's area; given, it must be a code (an empty one is a 400).
    let area = match q.region.as_deref().map(str::trim) {
        None => user.scope.region.clone(),
        Some(r) => RegionCode::parse_prefix(r).map_err(|e| bad(e.to_string()))?,
    };
    if !user.scope.can_read(&area) {
        return Err(ApiError(WebError::NotFound));
    }
    let reports = blocking(move || Ok(state.store.archived_reports(Some(&area))?)).await?;
    Ok(Json(Reports { reports }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateBody {
    kind: String,
    region: String,
    period: String,
    #[serde(default = "docx")]
    format: String,
    #[serde(default)]
    as_of: Option<i64>,
}

fn docx() -> String {
    "docx".into()
}

/// Makes a report and archives it; 201 with the archived report.
async fn generate(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<GenerateBody>,
) -> Result<(StatusCode, Json<One>), ApiError> {
    let request = Request {
        kind: Kind::parse(&b.kind).map_err(|e| bad(e.to_string()))?,
        region: RegionCode::parse_prefix(b.region.trim()).map_err(|e| bad(e.to_string()))?,
        period: b
            .period
            .parse()
            .map_err(|e: renkou_stats::PeriodError| bad(e.to_string()))?,
        format: Format::parse(&b.format).map_err(|e| bad(e.to_string()))?,
        as_of: b.as_of,
    };
    if !user.scope.can_read(&request.region) {
        return Err(ApiError(WebError::NotFound));
    }
    let report = blocking(move || {
        let source = super::RegisterFigures {
            store: &state.store,
            cache: &state.stats,
        };
        let g = archive::generate(
            &state.store,
            &user.actor(),
            &source,
            &request,
            state.pdf.as_deref(),
        )?;
        archive::archived(&state.store, &user.actor(), g.id)?.ok_or(WebError::NotFound)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(One { report })))
}

async fn one(ReportOf { report, .. }: ReportOf<ApiUser>) -> Json<One> {
    Json(One { report })
}

/// The archived file as it was made (the notices of it for the caller go).
async fn file(
    State(state): State<AppState>,
    ReportOf { user, report }: ReportOf<ApiUser>,
) -> Result<Response, ApiError> {
    let id = report.id;
    let actor = user.actor();
    let (r, bytes) = blocking(move || {
        let f = archive::file(&state.store, &actor, id)?;
        if f.is_some() {
            renkou_reports::schedules::opened(&state.store, &actor, id)?;
        }
        Ok(f)
    })
    .await?
    .ok_or(ApiError(WebError::NotFound))?;
    let mime = Format::parse(&r.format)
        .map(Format::mime)
        .unwrap_or("application/octet-stream");
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"report-{}.{}\"", r.id, r.format),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    to: String,
}

/// Sends a report up (`submitted`) or receives it (`received`, the county).
async fn status(
    State(state): State<AppState>,
    ReportOf { user, report }: ReportOf<ApiUser>,
    ApiJson(b): ApiJson<StatusBody>,
) -> Result<Json<One>, ApiError> {
    let report = blocking(move || {
        Ok(archive::advance(
            &state.store,
            &user.actor(),
            report.id,
            &b.to,
        )?)
    })
    .await?;
    Ok(Json(One { report }))
}
