//! The registrations web folder: 生育登记 (the office's registrations with the form,
//! its books, a printable confirmation) and the 光荣证 register (entry, a
//! certificate's history with replace and revoke, the printable document with its
//! QR code), and the one public page of a record: `/verify/{code}`, reached by
//! scanning a certificate. That page is deliberately public: it shows what the
//! document shows for a genuine code and only "cannot be verified" for anything
//! else, and is limited per address.

pub mod api;
pub mod pages;

use crate::error::WebError;
use crate::extract::{path_param, Caller, Current};
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use renkou_registrations::tables::{BirthRegistration, Certificate};

impl From<renkou_registrations::Error> for WebError {
    fn from(e: renkou_registrations::Error) -> Self {
        use renkou_registrations::Error as E;
        match e {
            E::Store(s) => s.into(),
            E::NotFound => WebError::NotFound,
            E::Key { .. } => WebError::Internal(e.to_string()),
            e => WebError::BadRequest(e.to_string()),
        }
    }
}

async fn id_of(parts: &mut Parts, state: &AppState) -> Result<i64, WebError> {
    path_param(parts, state, "id")
        .await
        .and_then(|v| v.parse().ok())
        .ok_or(WebError::NotFound)
}

/// The URL's `{id}`: a birth registration of a family living in the caller's area
/// (a page's account by default, or an API token's).
pub struct BirthOf<C: Caller = Current> {
    pub me: C,
    pub registration: BirthRegistration,
}

impl<C: Caller> FromRequestParts<AppState> for BirthOf<C> {
    type Rejection = C::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let me = C::from_parts(parts, state).await?;
        let id = id_of(parts, state).await?;
        let (store, actor) = (state.store.clone(), me.actor());
        let registration = blocking(move || {
            Ok(renkou_registrations::births::registration(
                &store, &actor, id,
            )?)
        })
        .await?
        .ok_or(WebError::NotFound)?;
        Ok(BirthOf { me, registration })
    }
}

/// The URL's `{id}`: a certificate of the caller's area.
pub struct CertificateOf<C: Caller = Current> {
    pub me: C,
    pub certificate: Certificate,
}

impl<C: Caller> FromRequestParts<AppState> for CertificateOf<C> {
    type Rejection = C::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let me = C::from_parts(parts, state).await?;
        let id = id_of(parts, state).await?;
        let (store, actor) = (state.store.clone(), me.actor());
        let certificate = blocking(move || {
            Ok(renkou_registrations::certificates::certificate(
                &store, &actor, id,
            )?)
        })
        .await?
        .ok_or(WebError::NotFound)?;
        Ok(CertificateOf { me, certificate })
    }
}

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
        Route::get("/registrations", Access::Session, &[], get(pages::index)),
        Route::post(
            "/registrations/births",
            Access::Session,
            &[],
            post(pages::register),
        ),
        Route::get(
            "/registrations/births/{id}",
            Access::Session,
            &[BirthRegistration],
            get(pages::confirmation),
        ),
        Route::post(
            "/registrations/books",
            Access::Session,
            &[],
            post(pages::start_book),
        ),
        Route::get(
            "/certificates",
            Access::Session,
            &[],
            get(pages::certificates),
        ),
        Route::post("/certificates", Access::Session, &[], post(pages::enter)),
        Route::get(
            "/certificates/{id}",
            Access::Session,
            &[Certificate],
            get(pages::certificate),
        ),
        Route::get(
            "/certificates/{id}/document",
            Access::Session,
            &[Certificate],
            get(pages::document),
        ),
        Route::post(
            "/certificates/{id}/replace",
            Access::Session,
            &[Certificate],
            post(pages::replace),
        ),
        Route::post(
            "/certificates/{id}/revoke",
            Access::Session,
            &[Certificate],
            post(pages::revoke),
        ),
        // Public on purpose: see the module's documentation.
        Route::get(
            "/verify/{code}",
            Access::Public,
            &[VerificationCode],
            get(pages::verify),
        ),
    ]
    .into_iter()
    .chain(api::routes())
    .collect()
}
