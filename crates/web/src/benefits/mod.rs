//! The benefits web folder (育儿补贴, 奖励扶助, 特别扶助): its pages (`pages.rs`), its
//! JSON API (`api.rs`, described in `openapi.json`), the extractor of its runs, and
//! its routes.
//!
//! A run is visible when its area and the account's overlap (a village worker
//! reads their village's rows of a county run); inside it only the rows of the
//! account's area count and show. A person's ledger and facts hang off the person
//! (`/persons/{no}/benefits`), checked like the person page.

pub mod api;
pub mod employer;
pub mod pages;
pub mod parameters;
pub mod payments;
pub mod review;
pub mod scans;

use crate::error::WebError;
use crate::extract::Caller;
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::routing::{get, post};
use renkou_benefits::tables::RunInfo;

impl From<renkou_benefits::Error> for WebError {
    fn from(e: renkou_benefits::Error) -> Self {
        use renkou_benefits::Error as E;
        match e {
            E::Store(s) => s.into(),
            E::OutsideArea(_) => WebError::NotFound,
            e => WebError::BadRequest(e.to_string()),
        }
    }
}

impl From<renkou_benefits::Error> for crate::api::ApiError {
    fn from(e: renkou_benefits::Error) -> Self {
        crate::api::ApiError(e.into())
    }
}

/// The URL's `{id}`: an eligibility run whose area overlaps the caller's.
pub struct RunOf<U: Caller> {
    pub user: U,
    pub run: RunInfo,
}

impl<U: Caller> FromRequestParts<AppState> for RunOf<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let id: i64 =
            Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, state)
                .await
                .ok()
                .and_then(|Path(m)| m.get("id").and_then(|v| v.parse().ok()))
                .ok_or(WebError::NotFound)?;
        let (store, actor) = (state.store.clone(), user.actor());
        let run = blocking(move || Ok(renkou_benefits::runs::run_in_scope(&store, &actor, id)?))
            .await?
            .ok_or(WebError::NotFound)?;
        Ok(RunOf { user, run })
    }
}

pub fn routes() -> Vec<Route> {
    use Param::*;
    let mut v = vec![
        Route::get("/benefits", Access::Session, &[], get(pages::index)),
        Route::post(
            "/benefits/runs",
            Access::Session,
            &[],
            post(pages::start_run),
        ),
        Route::get(
            "/benefits/runs/{id}",
            Access::Session,
            &[BenefitRun],
            get(pages::run),
        ),
        Route::post(
            "/benefits/runs/{id}/roster",
            Access::Session,
            &[BenefitRun],
            post(pages::roster_step),
        ),
        Route::get(
            "/benefits/runs/{id}/notice",
            Access::Session,
            &[BenefitRun],
            get(pages::notice),
        ),
        Route::get(
            "/persons/{no}/benefits",
            Access::Session,
            &[Person],
            get(pages::person),
        ),
        Route::post(
            "/persons/{no}/benefits/facts",
            Access::Session,
            &[Person],
            post(pages::add_fact),
        ),
        Route::get(
            "/benefits/employer",
            Access::Session,
            &[],
            get(employer::page),
        ),
        Route::get(
            "/persons/{no}/benefits/scans",
            Access::Session,
            &[Person],
            get(scans::list),
        ),
        Route::post(
            "/persons/{no}/benefits/scans",
            Access::Session,
            &[Person],
            post(scans::upload),
        ),
        Route::get(
            "/benefit-scans/{id}",
            Access::Session,
            &[BenefitScan],
            get(scans::download),
        ),
        Route::get(
            "/benefits/parameters",
            Access::Session,
            &[],
            get(parameters::index),
        ),
        Route::post(
            "/benefits/parameters",
            Access::Session,
            &[],
            post(parameters::change),
        ),
        Route::post(
            "/benefits/parameters/layers",
            Access::Session,
            &[],
            post(parameters::add_layer),
        ),
    ];
    v.extend(api::routes());
    v.extend(payments::routes());
    v.extend(review::routes());
    v
}
