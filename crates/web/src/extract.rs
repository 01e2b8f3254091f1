//! What a handler is given instead of checking it itself: the caller (a logged-in
//! account of the web UI, [`Current`], or of the API, [`ApiUser`]); the records
//! of the URL already resolved and checked against the caller's area
//! ([`Area`], [`PersonOf`], [`WritablePerson`], [`HouseholdOf`]); and forms whose
//! CSRF token is checked before the handler runs ([`CsrfForm`], [`CsrfMultipart`]).
//!
//! Architecture invariant: a record outside the caller's area answers 404, the
//! same answer as a record that does not exist, so nothing about other areas leaks;
//! and a form that changes anything is one of the two CSRF types. The route table
//! (`routes.rs`) declares which records each route resolves, and the route tests
//! walk every route with another village's and another township's records.

use crate::error::WebError;
use crate::i18n::L;
use crate::{blocking, AppState};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use renkou_domain::account::Scope;
use renkou_domain::{PersonRecord, RegionCode};
use renkou_store::accounts::Account;
use renkou_store::Actor;
use std::collections::{BTreeMap, HashMap};

/// The logged-in account of a web request.
#[derive(Debug, Clone)]
pub struct Current {
    pub account: Account,
    pub scope: Scope,
    pub csrf: String,
    pub l: L,
    pub address: String,
}

impl Current {
    /// The account as the store's writer.
    pub fn actor(&self) -> Actor {
        Actor::account(&self.account.username, &self.address, self.scope.clone())
    }
}

/// The account behind an API bearer token.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub account: Account,
    pub scope: Scope,
    pub address: String,
}

impl ApiUser {
    pub fn actor(&self) -> Actor {
        Actor::account(&self.account.username, &self.address, self.scope.clone())
    }
}

/// Either kind of caller, for the extractors that check the URL's records.
pub trait Caller: Clone + Send + Sync + 'static {
    /// How this caller's refusals are answered (a page, or JSON).
    type Rejection: From<WebError> + IntoResponse + Send;
    fn scope(&self) -> &Scope;
    fn actor(&self) -> Actor;
    fn from_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> impl std::future::Future<Output = Result<Self, Self::Rejection>> + Send;
}

impl FromRequestParts<AppState> for Current {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        if let Some(c) = parts.extensions.get::<Current>() {
            return Ok(c.clone());
        }
        let token = crate::auth::cookie(&parts.headers, crate::auth::SESSION_COOKIE)
            .ok_or(WebError::LoginRequired)?;
        let store = state.store.clone();
        let found = blocking(move || Ok(store.session(&token)?)).await?;
        let (account, csrf) = found.ok_or(WebError::LoginRequired)?;
        if account.must_change_password && parts.uri.path() != "/password" {
            return Err(WebError::PasswordChangeRequired);
        }
        if parts.method != axum::http::Method::GET {
            crate::auth::same_origin(&parts.headers)?;
        }
        let current = Current {
            scope: Scope {
                role: account.role,
                region: account.region.clone(),
            },
            account,
            csrf,
            l: L::from_headers(&parts.headers),
            address: crate::auth::address(parts),
        };
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

impl Caller for Current {
    type Rejection = WebError;
    fn scope(&self) -> &Scope {
        &self.scope
    }
    fn actor(&self) -> Actor {
        Current::actor(self)
    }
    async fn from_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        Current::from_request_parts(parts, state).await
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = crate::api::ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, crate::api::ApiError> {
        if let Some(u) = parts.extensions.get::<ApiUser>() {
            return Ok(u.clone());
        }
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
        let user = ApiUser {
            scope: Scope {
                role: account.role,
                region: account.region.clone(),
            },
            account,
            address: crate::auth::address(parts),
        };
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

impl Caller for ApiUser {
    type Rejection = crate::api::ApiError;
    fn scope(&self) -> &Scope {
        &self.scope
    }
    fn actor(&self) -> Actor {
        ApiUser::actor(self)
    }
    async fn from_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        ApiUser::from_request_parts(parts, state).await
    }
}

/// One named parameter of the URL (`{code}`, `{no}`, `{id}`).
pub(crate) async fn path_param<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    name: &str,
) -> Option<String> {
    Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .ok()
        .and_then(|Path(m)| m.get(name).cloned())
}

/// The URL's `{code}`: a region (or its prefix) inside the caller's area.
pub struct Area<U: Caller> {
    pub user: U,
    pub code: RegionCode,
}

impl<U: Caller> FromRequestParts<AppState> for Area<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let code = path_param(parts, state, "code")
            .await
            .and_then(|c| RegionCode::parse_prefix(&c).ok())
            .filter(|c| user.scope().can_read(c))
            .ok_or(WebError::NotFound)?;
        Ok(Area { user, code })
    }
}

/// [`Area`] where the caller may also change personal records.
pub struct WritableArea<U: Caller> {
    pub user: U,
    pub code: RegionCode,
}

impl<U: Caller> FromRequestParts<AppState> for WritableArea<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Area { user, code } = Area::<U>::from_request_parts(parts, state).await?;
        if !user.scope().can_write(&code) {
            return Err(WebError::Forbidden.into());
        }
        Ok(WritableArea { user, code })
    }
}

async fn load_person<U: Caller>(
    parts: &mut Parts,
    state: &AppState,
    user: &U,
) -> Result<PersonRecord, U::Rejection> {
    let no = path_param(parts, state, "no")
        .await
        .ok_or(WebError::NotFound)?;
    let store = state.store.clone();
    let p = blocking(move || Ok(store.person(&no)?)).await?;
    Ok(p.filter(|p| user.scope().can_read(&p.region_code))
        .ok_or(WebError::NotFound)?)
}

/// The URL's `{no}`: a person living in the caller's area.
pub struct PersonOf<U: Caller> {
    pub user: U,
    pub person: PersonRecord,
}

impl<U: Caller> FromRequestParts<AppState> for PersonOf<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let person = load_person(parts, state, &user).await?;
        Ok(PersonOf { user, person })
    }
}

/// [`PersonOf`] whom the caller may change (403 for a role that only reads).
pub struct WritablePerson<U: Caller> {
    pub user: U,
    pub person: PersonRecord,
}

impl<U: Caller> FromRequestParts<AppState> for WritablePerson<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let PersonOf { user, person } = PersonOf::<U>::from_request_parts(parts, state).await?;
        if !user.scope().can_write(&person.region_code) {
            return Err(WebError::Forbidden.into());
        }
        Ok(WritablePerson { user, person })
    }
}

/// The URL's `{no}` as a household: its members who live in the caller's area
/// (none: 404).
pub struct HouseholdOf<U: Caller> {
    pub user: U,
    pub household_no: String,
    pub members: Vec<PersonRecord>,
}

impl<U: Caller> FromRequestParts<AppState> for HouseholdOf<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let no = path_param(parts, state, "no")
            .await
            .ok_or(WebError::NotFound)?;
        let (store, key) = (state.store.clone(), no.clone());
        let members = blocking(move || Ok(store.household_members(&key)?)).await?;
        let members: Vec<PersonRecord> = members
            .into_iter()
            .filter(|p| user.scope().can_read(&p.region_code))
            .collect();
        if members.is_empty() {
            return Err(WebError::NotFound.into());
        }
        Ok(HouseholdOf {
            user,
            household_no: no,
            members,
        })
    }
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// A submitted form (urlencoded) whose CSRF token has been checked against the
/// session: the only way a web handler receives a form.
pub struct CsrfForm<T> {
    pub me: Current,
    pub form: T,
}

impl<T: serde::de::DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let me = Current::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, 1 << 20)
            .await
            .map_err(|_| WebError::BadRequest("表单过大 / the form is too large".into()))?;
        let token: CsrfOnly =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| WebError::Forbidden)?;
        check_csrf(&me, &token.csrf)?;
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            WebError::BadRequest(format!("表单无法读取 / the form cannot be read: {e}"))
        })?;
        Ok(CsrfForm { me, form })
    }
}

fn check_csrf(me: &Current, submitted: &str) -> Result<(), WebError> {
    use subtle_eq::ct_eq;
    if submitted.is_empty() || !ct_eq(submitted.as_bytes(), me.csrf.as_bytes()) {
        return Err(WebError::Forbidden);
    }
    Ok(())
}

/// Constant-time comparison of secrets (so timing reveals nothing of a token).
mod subtle_eq {
    pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// An uploaded file.
pub struct Upload {
    /// The file's own name as the browser sent it (no directory).
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form (an upload) whose CSRF field has been checked: its text fields
/// and its file, read whole into memory up to the body limit.
pub struct CsrfMultipart {
    pub me: Current,
    pub fields: BTreeMap<String, String>,
    /// Repeated fields (checkboxes), in order.
    pub lists: BTreeMap<String, Vec<String>>,
    pub file: Option<Upload>,
}

impl CsrfMultipart {
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }
}

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let me = Current::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        // A post that is not a multipart form carries no CSRF field either.
        let mut mp = Multipart::from_request(req, state)
            .await
            .map_err(|_| WebError::Forbidden)?;
        let (mut fields, mut lists, mut file) = (BTreeMap::new(), BTreeMap::new(), None);
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| WebError::BadRequest(e.to_string()))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if field.file_name().is_some() || name == "file" {
                let file_name =
                    crate::register::imports::safe_file_name(field.file_name().unwrap_or("upload"));
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| WebError::BadRequest(e.to_string()))?;
                file = Some(Upload {
                    file_name,
                    bytes: bytes.to_vec(),
                });
            } else {
                let text = field
                    .text()
                    .await
                    .map_err(|e| WebError::BadRequest(e.to_string()))?;
                lists
                    .entry(name.clone())
                    .or_insert_with(Vec::new)
                    .push(text.clone());
                fields.insert(name, text);
            }
        }
        let csrf = fields.get("csrf").cloned().unwrap_or_default();
        check_csrf(&me, &csrf)?;
        Ok(CsrfMultipart {
            me,
            fields,
            lists,
            file,
        })
    }
}

/// Lets a handler answer with a page on success and the caller's rejection on
/// failure alike.
pub fn reject<U: Caller>(e: WebError) -> Response {
    U::Rejection::from(e).into_response()
}
