//! Reconciliation's web folder (核对): its pages (`pages.rs`), the extractors of
//! its records, and its routes.
//!
//! A reconciliation is visible when its area and the account's overlap; inside it
//! only the items of the account's area count and show. An item outside the area
//! is 404, like every record of another area.

pub mod api;
pub mod pages;

use crate::error::WebError;
use crate::extract::{Caller, Current};
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::routing::{get, post};
use renkou_reconciliation::tables::{Item, ReconciliationInfo, ReconciliationTables};

async fn id_param(parts: &mut Parts, state: &AppState) -> Result<i64, WebError> {
    Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .ok()
        .and_then(|Path(m)| m.get("id").and_then(|v| v.parse().ok()))
        .ok_or(WebError::NotFound)
}

/// Whether a caller of `scope` may see a reconciliation (or source) of `region`:
/// the areas overlap.
pub(crate) fn overlaps_scope(scope: &renkou_domain::account::Scope, region: &str) -> bool {
    renkou_domain::RegionCode::parse(region)
        .is_ok_and(|r| scope.region.contains(&r) || r.contains(&scope.region))
}

/// The URL's `{id}`: a reconciliation whose area overlaps the caller's (a page's
/// account by default, or an API token's).
pub struct ReconciliationOf<C: Caller = Current> {
    pub me: C,
    pub r: ReconciliationInfo,
}

impl<C: Caller> FromRequestParts<AppState> for ReconciliationOf<C> {
    type Rejection = C::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let me = C::from_parts(parts, state).await?;
        let id = id_param(parts, state).await?;
        let store = state.store.clone();
        let scope = me.scope().clone();
        let r = blocking(move || Ok(store.reconciliation(id)?))
            .await?
            .filter(|r| overlaps_scope(&scope, &r.region_code))
            .ok_or(WebError::NotFound)?;
        Ok(ReconciliationOf { me, r })
    }
}

/// The URL's `{id}`: a source of births whose area overlaps the caller's (else 404,
/// as for a number nobody has).
pub struct SourceOf<C: Caller = Current> {
    pub source: renkou_reconciliation::tables::SourceInfo,
    caller: std::marker::PhantomData<C>,
}

impl<C: Caller> FromRequestParts<AppState> for SourceOf<C> {
    type Rejection = C::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let me = C::from_parts(parts, state).await?;
        let id = id_param(parts, state).await?;
        let store = state.store.clone();
        let scope = me.scope().clone();
        let source = blocking(move || Ok(store.source(id)?))
            .await?
            .filter(|s| overlaps_scope(&scope, &s.region_code))
            .ok_or(WebError::NotFound)?;
        Ok(SourceOf {
            source,
            caller: std::marker::PhantomData,
        })
    }
}

/// The URL's `{id}`: a reconciliation item of a village in the caller's area.
pub struct ItemOf<C: Caller = Current> {
    pub me: C,
    pub item: Item,
}

impl<C: Caller> FromRequestParts<AppState> for ItemOf<C> {
    type Rejection = C::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let me = C::from_parts(parts, state).await?;
        let id = id_param(parts, state).await?;
        let (store, actor) = (state.store.clone(), me.actor());
        let item = blocking(move || {
            Ok(renkou_reconciliation::workflow::item_in_scope(
                &store, id, &actor,
            )?)
        })
        .await?
        .ok_or(WebError::NotFound)?;
        Ok(ItemOf { me, item })
    }
}

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
        Route::get("/reconcile", Access::Session, &[], get(pages::index)),
        Route::post(
            "/reconcile/sources",
            Access::Session,
            &[],
            post(pages::upload_source),
        ),
        Route::post("/reconcile/runs", Access::Session, &[], post(pages::run)),
        Route::get(
            "/reconcile/{id}",
            Access::Session,
            &[Reconciliation],
            get(pages::reconciliation),
        ),
        Route::post(
            "/reconcile/{id}/model",
            Access::Session,
            &[Reconciliation],
            post(pages::save_model),
        ),
        Route::get(
            "/reconcile/{id}/items",
            Access::Session,
            &[Reconciliation],
            get(pages::queue),
        ),
        Route::post(
            "/reconcile/{id}/items/bulk",
            Access::Session,
            &[Reconciliation],
            post(pages::bulk),
        ),
        Route::get(
            "/reconcile/items/{id}",
            Access::Session,
            &[ReconciliationItem],
            get(pages::item),
        ),
        Route::post(
            "/reconcile/items/{id}/review",
            Access::Session,
            &[ReconciliationItem],
            post(pages::review),
        ),
        Route::post(
            "/reconcile/items/{id}/assign",
            Access::Session,
            &[ReconciliationItem],
            post(pages::assign),
        ),
    ]
}
