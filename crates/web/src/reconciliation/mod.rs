//! Reconciliation's web folder (核对): its pages (`pages.rs`), the extractors of
//! its records, and its routes.
//!
//! A reconciliation is visible when its area and the account's overlap; inside it
//! only the items of the account's area count and show. An item outside the area
//! is 404, like every record of another area.

pub mod pages;

use crate::error::WebError;
use crate::extract::Current;
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

/// The URL's `{id}`: a reconciliation whose area overlaps the account's.
pub struct ReconciliationOf {
    pub me: Current,
    pub r: ReconciliationInfo,
}

impl FromRequestParts<AppState> for ReconciliationOf {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let me = Current::from_request_parts(parts, state).await?;
        let id = id_param(parts, state).await?;
        let store = state.store.clone();
        let r = blocking(move || Ok(store.reconciliation(id)?))
            .await?
            .filter(|r| pages::overlaps(&me, &r.region_code))
            .ok_or(WebError::NotFound)?;
        Ok(ReconciliationOf { me, r })
    }
}

/// The URL's `{id}`: a reconciliation item of a village in the account's area.
pub struct ItemOf {
    pub me: Current,
    pub item: Item,
}

impl FromRequestParts<AppState> for ItemOf {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let me = Current::from_request_parts(parts, state).await?;
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
