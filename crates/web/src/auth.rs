//! Logging in and out, the session of a request, CSRF and login rate limiting.
//!
//! Sessions are random 256-bit tokens in a `renkou_session` cookie (Secure,
//! HttpOnly, SameSite=Strict); the store keeps only their hash. Every form carries
//! the session's CSRF token, and a request whose Origin names another site is
//! refused before any handler runs. Logins are limited per address, and an account
//! locks after repeated failures (see `renkou_register::accounts`).

use crate::error::WebError;
use crate::extract::{CsrfForm, Current};
use crate::i18n::L;
use crate::routes::{Access, Route};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Form;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "renkou_session";
use renkou_register::accounts::SESSION_HOURS;
const LOGIN_WINDOW: Duration = Duration::from_secs(300);
const LOGIN_ATTEMPTS_PER_WINDOW: usize = 20;

pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
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

/// Failed login attempts per address in a sliding window: a township hall behind
/// one address logs in as often as it likes; guessing from it is limited.
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

    /// Whether the address may try (it has not used up its failures).
    pub fn allow(&self, address: &str) -> bool {
        let Ok(mut map) = self.attempts.lock() else {
            return false;
        };
        let now = Instant::now();
        let v = map.entry(address.to_string()).or_default();
        v.retain(|t| now.duration_since(*t) < LOGIN_WINDOW);
        v.len() < self.max
    }

    /// Counts a failed attempt.
    pub fn failed(&self, address: &str) {
        if let Ok(mut map) = self.attempts.lock() {
            if map.len() > 100_000 {
                let now = Instant::now();
                map.retain(|_, v| {
                    v.last()
                        .is_some_and(|t| now.duration_since(*t) < LOGIN_WINDOW)
                });
            }
            map.entry(address.to_string())
                .or_default()
                .push(Instant::now());
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: L,
    error: String,
    username: String,
    /// The page came over plain http from another machine: the session cookie
    /// (Secure) will not be kept, so say how to reach the server properly.
    insecure: bool,
}

/// Whether the browser reached us over plain http from another machine (a
/// reverse proxy that terminates TLS sets X-Forwarded-Proto: https).
fn insecure(headers: &HeaderMap, address: &str) -> bool {
    let proxied_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let local = address == "127.0.0.1" || address == "::1" || address == "local";
    !proxied_https && !local
}

pub async fn login_page(
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
) -> Result<Html<String>, WebError> {
    Ok(Html(
        LoginPage {
            l: L::from_headers(&headers),
            error: String::new(),
            username: String::new(),
            insecure: insecure(&headers, &addr),
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
    let guard = state.login_guard.clone();
    // A user name is a word; anything longer is not one (and must not be kept).
    let username: String = form.username.trim().chars().take(64).collect();
    let (password, a) = (form.password, addr.clone());
    let outcome = blocking(move || {
        let r = renkou_register::accounts::login(&store, &guard, &username, &password, &a)?;
        Ok((r.map(|(_, session)| session.token), username))
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
        (Err(e), username) => {
            state.limiter.failed(&addr);
            Ok((
                axum::http::StatusCode::UNAUTHORIZED,
                Html(
                    LoginPage {
                        l,
                        error: l.half(&e.to_string()),
                        username,
                        insecure: insecure(&headers, &addr),
                    }
                    .render()?,
                ),
            )
                .into_response())
        }
    }
}

/// A form with nothing but its CSRF token (log out, retire, …).
#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm { me, .. }: CsrfForm<Empty>,
) -> Result<Response, WebError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let store = state.store.clone();
        let actor = me.actor();
        blocking(move || Ok(renkou_register::accounts::logout(&store, &actor, &token)?)).await?;
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
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    CsrfForm { me: current, form }: CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let store = state.store.clone();
    let account = current.account.clone();
    let actor = current.actor();
    let result = blocking(move || {
        if !renkou_register::accounts::verify_password(
            &form.current_password,
            &account.password_hash,
        ) {
            return Ok(Err(
                "当前密码不正确 / the current password is wrong".to_string()
            ));
        }
        if form.new_password != form.repeat {
            return Ok(Err(
                "两次输入的新密码不一致 / the new passwords differ".to_string()
            ));
        }
        match renkou_register::accounts::change_password(
            &store,
            &actor,
            &account,
            &form.new_password,
        ) {
            Ok(()) => Ok(Ok(())),
            Err(renkou_register::AppError::Invalid(m)) => Ok(Err(m)),
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
                    error: current.l.half(&error),
                }
                .render()?,
            ),
        )
            .into_response()),
    }
}

/// The session's own routes, the language switch and the health check.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/login", Access::Public, &[], get(login_page)),
        Route::post("/login", Access::Public, &[], post(login)),
        Route::post("/logout", Access::Session, &[], post(logout)),
        Route::get("/password", Access::Session, &[], get(password_page)),
        Route::post("/password", Access::Session, &[], post(change_password)),
        Route::get(
            "/lang/{lang}",
            Access::Public,
            &[crate::routes::Param::Lang],
            get(crate::i18n::switch),
        ),
        Route::get("/healthz", Access::Public, &[], get(|| async { "ok" })),
    ]
}
