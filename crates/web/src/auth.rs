//! Logging in and out, the session of a request, CSRF and login rate limiting.
//!
//! Sessions are random 256-bit tokens in a `renkou_session` cookie (Secure,
//! HttpOnly, SameSite=Strict); the store keeps only their hash. Every form carries
//! the session's CSRF token, and a request whose Origin names another site is
//! refused before any handler runs. Logins are limited per address, and an account
//! locks after repeated failures (see `renkou_app::accounts`).

use crate::error::WebError;
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use renkou_domain::account::Scope;
use renkou_store::accounts::Account;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "renkou_session";
const SESSION_HOURS: i64 = 8;
const LOGIN_WINDOW: Duration = Duration::from_secs(300);
const LOGIN_ATTEMPTS_PER_WINDOW: usize = 20;

/// The logged-in account of a request.
#[derive(Debug, Clone)]
pub struct Current {
    pub account: Account,
    pub scope: Scope,
    pub csrf: String,
    pub l: L,
    pub address: String,
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn address(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into())
}

/// Refuses a cross-site request: when the browser says where the request came from,
/// it must be this host.
pub fn same_origin(headers: &HeaderMap) -> Result<(), WebError> {
    if let Some(fetch_site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if fetch_site == "cross-site" {
            return Err(WebError::Forbidden);
        }
    }
    if let (Some(origin), Some(host)) = (
        headers.get(ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split("://").nth(1).unwrap_or(origin);
        if origin != "null" && origin_host != host {
            return Err(WebError::Forbidden);
        }
    }
    Ok(())
}

/// The client's address (for the audit log and login rate limiting).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(address(parts)))
    }
}

impl FromRequestParts<AppState> for Current {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(WebError::LoginRequired)?;
        let store = state.store.clone();
        let found = blocking(move || Ok(store.session(&token)?)).await?;
        let (account, csrf) = found.ok_or(WebError::LoginRequired)?;
        if account.must_change_password && parts.uri.path() != "/password" {
            return Err(WebError::PasswordChangeRequired);
        }
        if parts.method != axum::http::Method::GET {
            same_origin(&parts.headers)?;
        }
        Ok(Current {
            scope: Scope {
                role: account.role,
                region: account.region.clone(),
            },
            account,
            csrf,
            l: L::from_headers(&parts.headers),
            address: address(parts),
        })
    }
}

impl Current {
    /// Checks a submitted form's CSRF token.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), WebError> {
        if submitted.is_empty() || submitted != self.csrf {
            return Err(WebError::Forbidden);
        }
        Ok(())
    }
}

/// Login attempts per address in a sliding window.
pub struct RateLimiter {
    attempts: Mutex<HashMap<String, Vec<Instant>>>,
    max: usize,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter::new(LOGIN_ATTEMPTS_PER_WINDOW)
    }
}

impl RateLimiter {
    pub fn new(max: usize) -> Self {
        RateLimiter {
            attempts: Mutex::new(HashMap::new()),
            max,
        }
    }

    /// Counts an attempt; false when the address has used up its window.
    pub fn allow(&self, address: &str) -> bool {
        let Ok(mut map) = self.attempts.lock() else {
            return false;
        };
        let now = Instant::now();
        let v = map.entry(address.to_string()).or_default();
        v.retain(|t| now.duration_since(*t) < LOGIN_WINDOW);
        if v.len() >= self.max {
            return false;
        }
        v.push(now);
        true
    }
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: L,
    error: String,
    username: String,
}

pub async fn login_page(headers: HeaderMap) -> Result<Html<String>, WebError> {
    Ok(Html(
        LoginPage {
            l: L::from_headers(&headers),
            error: String::new(),
            username: String::new(),
        }
        .render()?,
    ))
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    same_origin(&headers)?;
    let l = L::from_headers(&headers);
    if !state.limiter.allow(&addr) {
        return Err(WebError::TooManyRequests);
    }
    let store = state.store.clone();
    let (username, password, a) = (
        form.username.trim().to_string(),
        form.password,
        addr.clone(),
    );
    let outcome = blocking(move || {
        let r = renkou_app::accounts::login(&store, &username, &password, &a)?;
        if let Ok(account) = &r {
            let token = random_token();
            let csrf = random_token();
            let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
            store.create_session(&token, account.id, &csrf, expires)?;
            return Ok((Ok(token), username));
        }
        Ok((r.map(|_| String::new()), username))
    })
    .await?;
    match outcome {
        (Ok(token), _) => Ok((
            [(
                SET_COOKIE,
                format!(
                    "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
                    SESSION_HOURS * 3600
                ),
            )],
            Redirect::to("/"),
        )
            .into_response()),
        (Err(e), username) => Ok((
            axum::http::StatusCode::UNAUTHORIZED,
            Html(
                LoginPage {
                    l,
                    error: e.to_string(),
                    username,
                }
                .render()?,
            ),
        )
            .into_response()),
    }
}

/// A form whose only field is the CSRF token (log out, confirm, retire, …).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    current: Current,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    current.check_csrf(&form.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let store = state.store.clone();
        let (user, addr) = (current.account.username.clone(), current.address.clone());
        blocking(move || {
            store.end_session(&token)?;
            store.audit(&renkou_store::audit::AuditRecord {
                username: &user,
                action: "logout",
                record_type: "session",
                record_id: &user,
                fields: "",
                address: &addr,
            })?;
            Ok(())
        })
        .await?;
    }
    Ok((
        [(
            SET_COOKIE,
            format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    l: L,
    csrf: String,
    forced: bool,
    error: String,
}

pub async fn password_page(current: Current) -> Result<Html<String>, WebError> {
    Ok(Html(
        PasswordPage {
            l: current.l,
            csrf: current.csrf,
            forced: current.account.must_change_password,
            error: String::new(),
        }
        .render()?,
    ))
}

#[derive(serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    current_password: String,
    new_password: String,
    repeat: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    current: Current,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    current.check_csrf(&form.csrf)?;
    let store = state.store.clone();
    let account = current.account.clone();
    let addr = current.address.clone();
    let result = blocking(move || {
        if !renkou_app::accounts::verify_password(&form.current_password, &account.password_hash) {
            return Ok(Err(
                "当前密码不正确 / the current password is wrong".to_string()
            ));
        }
        if form.new_password != form.repeat {
            return Ok(Err(
                "两次输入的新密码不一致 / the new passwords differ".to_string()
            ));
        }
        match renkou_app::accounts::change_password(&store, &account, &form.new_password) {
            Ok(()) => {
                store.audit(&renkou_store::audit::AuditRecord {
                    username: &account.username,
                    action: "update",
                    record_type: "account",
                    record_id: &account.username,
                    fields: "password",
                    address: &addr,
                })?;
                Ok(Ok(()))
            }
            Err(renkou_app::AppError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    match result {
        // A new password ends all sessions: log in again with it.
        Ok(()) => Ok(Redirect::to("/login").into_response()),
        Err(error) => Ok((
            axum::http::StatusCode::BAD_REQUEST,
            Html(
                PasswordPage {
                    l: current.l,
                    csrf: current.csrf,
                    forced: current.account.must_change_password,
                    error,
                }
                .render()?,
            ),
        )
            .into_response()),
    }
}
