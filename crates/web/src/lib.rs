//! renkou-web: the web UI (Chinese first, English on request) and the JSON API
//! `/api/v1`. The only crate that knows HTTP. One folder per domain (`register/`,
//! `indicators/`, `reconciliation/`, `benefits/`), each with its pages, its API handlers and its
//! routes; what they share is here: the session and the extractors that resolve
//! and check the URL's records (`extract.rs`), the one route table (`routes.rs`),
//! errors and languages.
//!
//! Handlers only parse, call a use case of their domain crate, and render.
//!
//! Architecture invariant: every handler that shows or changes a record gets it
//! from an extractor that has checked it against the account's area and answers
//! 404 when it is outside — the same answer as for a record that does not exist,
//! so nothing about other areas leaks — and every form that changes anything
//! arrives through a CSRF-checked type.

pub mod api;
mod auth;
mod benefits;
mod error;
pub mod extract;
mod i18n;
mod indicators;
mod plans;
mod reconciliation;
mod regions;
pub(crate) mod register;
mod registrations;
pub mod reports;
pub mod routes;

use axum::Router;
use renkou_store::{Migrations, Store};
use std::sync::Arc;

pub use api::openapi;
pub use error::WebError;

/// The tables of every domain the server offers, for `Store::migrate`.
pub fn migrations() -> Vec<&'static Migrations> {
    vec![
        &renkou_indicators::MIGRATIONS,
        &renkou_reconciliation::MIGRATIONS,
        &renkou_benefits::MIGRATIONS,
        &renkou_reports::MIGRATIONS,
        &renkou_registrations::MIGRATIONS,
        &renkou_plans::MIGRATIONS,
    ]
}

/// The audit actions the domains add to the kernel's.
pub fn domain_actions() -> &'static [renkou_store::AuditAction] {
    static ALL: std::sync::OnceLock<Vec<renkou_store::AuditAction>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = renkou_benefits::tables::ACTIONS.to_vec();
        v.extend_from_slice(renkou_benefits::payments::ACTIONS);
        v.extend_from_slice(renkou_reports::tables::ACTIONS);
        v.extend_from_slice(renkou_registrations::tables::ACTIONS);
        v.extend_from_slice(renkou_plans::tables::ACTIONS);
        v
    })
}

/// The audit log's names for every kind of record of every domain.
pub fn record_kinds() -> Vec<renkou_store::RecordKind> {
    let mut v = renkou_store::RecordKind::KERNEL.to_vec();
    v.extend_from_slice(renkou_indicators::tables::RECORD_KINDS);
    v.extend_from_slice(renkou_reconciliation::tables::RECORD_KINDS);
    v.extend_from_slice(renkou_benefits::tables::RECORD_KINDS);
    v.extend_from_slice(renkou_benefits::payments::RECORD_KINDS);
    v.extend_from_slice(renkou_reports::tables::RECORD_KINDS);
    v.extend_from_slice(renkou_registrations::tables::RECORD_KINDS);
    v.push(renkou_benefits::layers::LAYER);
    v.push(renkou_benefits::scans::SCAN);
    v.extend_from_slice(renkou_plans::tables::RECORD_KINDS);
    v
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub limiter: Arc<auth::RateLimiter>,
    pub(crate) uploads: Arc<register::imports::Uploads>,
    /// Failed logins per account and address (see `renkou_register::accounts`).
    pub(crate) login_guard: Arc<renkou_register::accounts::LoginGuard>,
    /// The person search index, once built (a background thread builds it at
    /// start; until then search falls back to a plain SQL query).
    pub(crate) search:
        Arc<std::sync::OnceLock<std::sync::RwLock<renkou_register::search::PersonIndex>>>,
    /// The indicators' input, kept while no event arrives.
    pub(crate) stats: Arc<renkou_indicators::figures::StatCache>,
    /// The PDF writer of reports, when the binary has one (see `with_pdf`).
    pub(crate) pdf: Option<Arc<dyn renkou_reports::output::PdfWriter>>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        let state = AppState {
            store: Arc::new(store),
            limiter: Arc::new(auth::RateLimiter::default()),
            uploads: Arc::new(register::imports::Uploads::default()),
            login_guard: Arc::new(Default::default()),
            search: Arc::new(std::sync::OnceLock::new()),
            stats: Arc::new(renkou_indicators::figures::StatCache::for_server()),
            pdf: None,
        };
        let (store, slot) = (state.store.clone(), state.search.clone());
        std::thread::spawn(move || {
            let t = std::time::Instant::now();
            match renkou_register::search::PersonIndex::build(&store) {
                Ok(index) => {
                    tracing::info!(
                        persons = index.len(),
                        ms = t.elapsed().as_millis() as u64,
                        "search index ready"
                    );
                    let _ = slot.set(std::sync::RwLock::new(index));
                }
                Err(e) => tracing::error!(error = %e, "search index could not be built"),
            }
        });
        state
    }

    /// Reports can be made as PDF with this writer (the binary's typst engine).
    pub fn with_pdf(mut self, pdf: Option<Arc<dyn renkou_reports::output::PdfWriter>>) -> Self {
        self.pdf = pdf;
        self
    }

    /// Allows `max` login attempts per address and five minutes (load tests log in
    /// many sessions from one address).
    pub fn with_login_limit(mut self, max: usize) -> Self {
        self.limiter = Arc::new(auth::RateLimiter::new(max));
        self
    }

    /// Waits until the search index is built (tests, benchmarks).
    pub fn wait_for_search_index(&self, timeout: std::time::Duration) -> bool {
        let t = std::time::Instant::now();
        while self.search.get().is_none() {
            if t.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        true
    }
}

/// Runs blocking store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for r in routes::all() {
        router = router.route(r.path, r.handler);
    }
    router
        // Ledgers of a whole township fit; axum's default of 2 MB does not. Layered
        // over every route, the API's imports included.
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .layer(axum::middleware::from_fn(security_headers))
        .fallback(error::not_found_page)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::error_pages,
        ))
        .with_state(state)
}

/// Headers every answer carries: pages with personal data are never cached, may
/// not be framed by another site, and run only our own scripts.
async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::header::{self, HeaderValue};
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        ),
    );
    res
}

/// Serves until SIGTERM or Ctrl-C; requests in flight are finished first.
pub async fn serve(store: Store, listen: &str) -> std::io::Result<()> {
    serve_state(AppState::new(store), listen).await
}

/// [`serve`] with a state the caller has set up (a PDF writer, …).
pub async fn serve_state(state: AppState, listen: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(%listen, "serving");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
