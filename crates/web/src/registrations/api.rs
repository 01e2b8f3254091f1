//! The registrations JSON API: birth registrations (生育登记) of families living in
//! the caller's area, registering one (the answer carries its gap-free number), and
//! the certificates (光荣证) of the area with a certificate's history. Scope as on
//! the pages: a record outside the area is 404. Handlers parse, call
//! `renkou_registrations`, render.

use super::{BirthOf, CertificateOf};
use crate::api::{ApiError, ApiJson, ApiQuery};
use crate::error::WebError;
use crate::extract::ApiUser;
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use renkou_domain::{Date, RegionCode};
use renkou_registrations::births::{self, NewRegistration};
use renkou_registrations::certificates;
use renkou_registrations::rules::{Applicant, Marriage};
use renkou_registrations::tables::{BirthRegistration, Certificate, HistoryLine};

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
        Route::get("/api/v1/registrations", Access::Api, &[], get(list)),
        Route::post("/api/v1/registrations", Access::Api, &[], post(register)),
        Route::get(
            "/api/v1/registrations/{id}",
            Access::Api,
            &[BirthRegistration],
            get(registration),
        ),
        Route::get(
            "/api/v1/certificates",
            Access::Api,
            &[],
            get(certificate_list),
        ),
        Route::get(
            "/api/v1/certificates/{id}",
            Access::Api,
            &[Certificate],
            get(certificate),
        ),
    ]
}

impl From<renkou_registrations::Error> for ApiError {
    fn from(e: renkou_registrations::Error) -> Self {
        ApiError(e.into())
    }
}

fn bad(m: impl Into<String>) -> ApiError {
    ApiError(WebError::BadRequest(m.into()))
}

#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ListQuery {
    limit: Option<i64>,
}

fn limit_of(q: &ListQuery, default: i64) -> Result<i64, ApiError> {
    let limit = q.limit.unwrap_or(default);
    if !(1..=1000).contains(&limit) {
        return Err(bad("limit 为 1–1000 / limit must be 1–1000"));
    }
    Ok(limit)
}

/// The registrations of families living in the caller's area, newest first.
async fn list(
    State(state): State<AppState>,
    me: ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<BirthRegistration>>, ApiError> {
    let limit = limit_of(&q, 200)?;
    Ok(Json(
        blocking(move || {
            Ok(births::registrations(
                &state.store,
                &me.actor(),
                &me.scope.region,
                limit,
            )?)
        })
        .await?,
    ))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BirthBody {
    /// couple, single_mother or single_father.
    applicant: String,
    #[serde(default)]
    mother_no: Option<String>,
    #[serde(default)]
    father_no: Option<String>,
    #[serde(default)]
    marriage: Option<String>,
    /// The 12-digit code of where the family lives.
    residence: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    expected_on: Option<String>,
    #[serde(default)]
    born_on: Option<String>,
    #[serde(default)]
    child_no: Option<String>,
    /// Today when not given.
    #[serde(default)]
    registered_on: Option<String>,
}

/// A date exactly as the description gives it (`2025-03-01`), or absent.
fn date_of(v: &Option<String>, field: &str) -> Result<Option<Date>, ApiError> {
    match v.as_deref() {
        None => Ok(None),
        Some(s) => Some(s)
            .filter(|s| s.len() == 10)
            .and_then(|s| Date::parse_from_str(s, "%Y-%m-%d").ok())
            .map(Some)
            .ok_or_else(|| {
                bad(format!(
                    "{field} 应为 2025-03-01 这样的日期 / {field} must be a date like 2025-03-01"
                ))
            }),
    }
}

/// Records a registration; 201 with it as stored, its number taken from the
/// office's book.
async fn register(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(b): ApiJson<BirthBody>,
) -> Result<(StatusCode, Json<BirthRegistration>), ApiError> {
    let opt = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let applicant = Applicant::ALL
        .iter()
        .copied()
        .find(|a| a.code() == b.applicant).ok_or_else(|| {
        bad("applicant 应为 couple、single_mother 或 single_father / applicant must be couple, single_mother or single_father")
    })?;
    let marriage = match b.marriage.as_deref() {
        None => Marriage::NotStated,
        Some(m) => Marriage::ALL
            .iter()
            .copied()
            .find(|v| v.code() == m)
            .ok_or_else(|| {
            bad("marriage 应为 married、unmarried、divorced、widowed 或 not_stated / marriage must be married, unmarried, divorced, widowed or not_stated")
        })?,
    };
    let residence = Some(b.residence.as_str())
        .filter(|r| r.len() == 12)
        .and_then(|r| RegionCode::parse(r).ok())
        .ok_or_else(|| {
            bad("residence 应为 12 位区划代码 / residence must be a 12-digit region code")
        })?;
    let r = NewRegistration {
        applicant,
        mother_no: opt(&b.mother_no),
        father_no: opt(&b.father_no),
        marriage,
        residence,
        address: b.address.clone(),
        expected_on: date_of(&b.expected_on, "expected_on")?,
        born_on: date_of(&b.born_on, "born_on")?,
        child_no: opt(&b.child_no),
        registered_on: date_of(&b.registered_on, "registered_on")?
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
    };
    let stored = blocking(move || {
        let actor = me.actor();
        let (id, _) = births::register(&state.store, &actor, &r)?;
        births::registration(&state.store, &actor, id)?.ok_or(WebError::NotFound)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// One registration of a family living in the caller's area (else 404).
async fn registration(b: BirthOf<ApiUser>) -> Json<BirthRegistration> {
    Json(b.registration)
}

/// The certificates of the caller's area, by number.
async fn certificate_list(
    State(state): State<AppState>,
    me: ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Certificate>>, ApiError> {
    let limit = limit_of(&q, 500)?;
    Ok(Json(
        blocking(move || {
            Ok(certificates::certificates(
                &state.store,
                &me.actor(),
                &me.scope.region,
                limit,
            )?)
        })
        .await?,
    ))
}

#[derive(serde::Serialize)]
struct CertificateJson {
    certificate: Certificate,
    /// Issued, replaced, revoked: oldest first.
    history: Vec<HistoryLine>,
}

/// One certificate of the caller's area with its history (else 404).
async fn certificate(
    State(state): State<AppState>,
    CertificateOf { certificate, .. }: CertificateOf<ApiUser>,
) -> Result<Json<CertificateJson>, ApiError> {
    let history = {
        let c = certificate.clone();
        blocking(move || Ok(certificates::history(&state.store, &c)?)).await?
    };
    Ok(Json(CertificateJson {
        certificate,
        history,
    }))
}
