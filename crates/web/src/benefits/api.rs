//! The benefits JSON API: start an eligibility run, read a run's rows, a person's
//! month ledger and attested facts, record an attested fact. Scope as in the pages:
//! a run outside the caller's area, or a person outside it, is 404.

use super::RunOf;
use crate::api::{ApiError, ApiJson, ApiQuery};
use crate::error::WebError;
use crate::extract::{ApiUser, PersonOf};
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use renkou_benefits::rules::{Parameters, Program, Yuan};
use renkou_benefits::runs::{self, Request};
use renkou_benefits::tables::{FactKind, NewFact, RunInfo, Slot, StoredFact};
use renkou_benefits::{attest, slots};
use renkou_domain::{parse_date, RegionCode};

pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/v1/benefits/runs", Access::Api, &[], post(start_run)),
        Route::get(
            "/api/v1/benefits/runs/{id}",
            Access::Api,
            &[Param::BenefitRun],
            get(run),
        ),
        Route::get(
            "/api/v1/persons/{no}/benefits",
            Access::Api,
            &[Param::Person],
            get(person),
        ),
        Route::post(
            "/api/v1/persons/{no}/benefits/facts",
            Access::Api,
            &[Param::Person],
            post(add_fact),
        ),
    ]
}

fn bad(m: impl Into<String>) -> ApiError {
    ApiError(WebError::BadRequest(m.into()))
}

#[derive(serde::Deserialize)]
struct RunBody {
    program: String,
    region: String,
    year: i32,
}

#[derive(serde::Serialize)]
struct Started {
    run: RunInfo,
}

/// Runs and saves; 201 with the stored run.
async fn start_run(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<RunBody>,
) -> Result<(StatusCode, Json<Started>), ApiError> {
    let program = Program::parse(&b.program)
        .ok_or_else(|| bad("program 应为 childcare、reward 或 special / program must be childcare, reward or special"))?;
    let area = RegionCode::parse_prefix(b.region.trim()).map_err(|e| bad(e.to_string()))?;
    let req = Request {
        program,
        area,
        year: b.year,
    };
    let run = blocking(move || {
        let actor = user.actor();
        let (id, _) = runs::run_and_save(&state.store, &actor, &req, &Parameters::national())?;
        runs::run_in_scope(&state.store, &actor, id)?.ok_or(WebError::NotFound)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(Started { run })))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Paging {
    limit: Option<i64>,
    offset: Option<i64>,
    eligible: Option<bool>,
}

#[derive(serde::Serialize)]
struct RowJson {
    person_id: String,
    name: String,
    region_code: String,
    eligible: bool,
    months: u32,
    amount: Yuan,
    reason: String,
    needs_review: bool,
}

#[derive(serde::Serialize)]
struct RunJson {
    run: RunInfo,
    /// The part of the run's area the caller sees.
    area: String,
    considered: i64,
    eligible: i64,
    total: Yuan,
    rows: Vec<RowJson>,
}

async fn run(
    State(state): State<AppState>,
    RunOf { user, run }: RunOf<ApiUser>,
    ApiQuery(q): ApiQuery<Paging>,
) -> Result<Json<RunJson>, ApiError> {
    let limit = q.limit.unwrap_or(500).clamp(1, 5000);
    let offset = q.offset.unwrap_or(0).max(0);
    let page = blocking(move || {
        Ok(runs::run_page(
            &state.store,
            &user.actor(),
            run,
            q.eligible.unwrap_or(false),
            limit,
            offset,
        )?)
    })
    .await?;
    Ok(Json(RunJson {
        area: page.area.to_string(),
        considered: page.considered,
        eligible: page.eligible,
        total: page.total,
        rows: page
            .rows
            .into_iter()
            .map(|r| RowJson {
                person_id: r.person_no,
                name: r.name,
                region_code: r.region_code,
                eligible: r.eligible,
                months: r.months,
                amount: r.amount,
                reason: r.reason,
                needs_review: r.needs_review,
            })
            .collect(),
        run: page.run,
    }))
}

#[derive(serde::Serialize)]
struct PersonBenefits {
    person_id: String,
    slots: Vec<Slot>,
    facts: Vec<StoredFact>,
}

async fn person(
    State(state): State<AppState>,
    PersonOf { user, person }: PersonOf<ApiUser>,
) -> Result<Json<PersonBenefits>, ApiError> {
    let no = person.person_no;
    Ok(Json(
        blocking(move || {
            let actor = user.actor();
            let slots = slots::ledger_of(&state.store, &actor, &no)?.ok_or(WebError::NotFound)?;
            let facts = attest::facts_of(&state.store, &actor, &no)?.ok_or(WebError::NotFound)?;
            Ok(PersonBenefits {
                person_id: no,
                slots,
                facts,
            })
        })
        .await?,
    ))
}

#[derive(serde::Deserialize)]
struct FactBody {
    kind: String,
    #[serde(default)]
    value: Option<String>,
    as_of: String,
    document: String,
}

#[derive(serde::Serialize)]
struct Recorded {
    id: i64,
}

async fn add_fact(
    State(state): State<AppState>,
    PersonOf { user, person }: PersonOf<ApiUser>,
    ApiJson(b): ApiJson<FactBody>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    // The description's bound (the fuzzer sends longer ones).
    if b.document.chars().count() > 200 {
        return Err(bad(
            "证明文件（名称和编号）不能超过 200 字 / the document (title and number) is at most 200 characters",
        ));
    }
    let fact = NewFact {
        person_no: person.person_no,
        kind: FactKind::parse(&b.kind).ok_or_else(|| {
            bad("kind 应为 household_registration、no_out_of_policy_birth、disability 或 legal_adoption / unknown kind")
        })?,
        value: b.value.unwrap_or_else(|| "yes".into()),
        as_of: parse_date(b.as_of.trim()).map_err(|e| bad(e.to_string()))?,
        document: b.document,
    };
    let id = blocking(move || Ok(attest::record_fact(&state.store, &user.actor(), &fact)?)).await?;
    Ok((StatusCode::CREATED, Json(Recorded { id })))
}
