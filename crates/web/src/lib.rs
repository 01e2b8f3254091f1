//! renkou-web: the web UI (Chinese first, English on request) and, later, the JSON
//! API. The only crate that knows HTTP. Handlers are thin: they check the session
//! and the account's scope, call the store or `renkou-app`, and render a template.
//!
//! Architecture invariant: every handler that shows or changes a person, household
//! or region checks it against the account's scope and answers 404 when it is
//! outside — the same answer as for a record that does not exist, so nothing about
//! other areas leaks.

mod api;
mod auth;
mod charts;
mod error;
mod i18n;
pub(crate) mod imports;
mod indicators;
mod pages;
mod reconcile;
mod targets;

use axum::routing::{get, post};
use axum::Router;
use renkou_store::Store;
use std::sync::Arc;

pub use api::{OPENAPI, ROUTES as API_ROUTES};
pub use error::WebError;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub limiter: Arc<auth::RateLimiter>,
    pub(crate) uploads: Arc<imports::Uploads>,
    /// The person search index, once built (a background thread builds it at
    /// start; until then search falls back to a plain SQL query).
    pub(crate) search: Arc<std::sync::OnceLock<std::sync::RwLock<renkou_app::search::PersonIndex>>>,
    /// The indicators' input, kept while no event arrives.
    pub(crate) stats: Arc<renkou_app::indicators::StatCache>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        let state = AppState {
            store: Arc::new(store),
            limiter: Arc::new(auth::RateLimiter::default()),
            uploads: Arc::new(imports::Uploads::default()),
            search: Arc::new(std::sync::OnceLock::new()),
            stats: Arc::new(renkou_app::indicators::StatCache::for_server()),
        };
        let (store, slot) = (state.store.clone(), state.search.clone());
        std::thread::spawn(move || {
            let t = std::time::Instant::now();
            match renkou_app::search::PersonIndex::build(&store) {
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
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route(
            "/password",
            get(auth::password_page).post(auth::change_password),
        )
        .route("/lang/{lang}", get(i18n::switch))
        .route("/regions/{code}", get(pages::region))
        .route("/regions/{code}/persons", get(pages::persons))
        .route("/regions/{code}/households", get(pages::households))
        .route(
            "/regions/{code}/births/new",
            get(pages::birth_form).post(pages::record_birth),
        )
        .route("/persons/{no}", get(pages::person))
        .route(
            "/persons/{no}/events/{kind}",
            get(pages::event_form).post(pages::record_event),
        )
        .route("/households/{no}", get(pages::household))
        .route("/search", get(pages::search))
        .route("/indicators/{code}", get(indicators::page))
        .route("/indicators/{code}/export", get(indicators::export))
        .route(
            "/indicators/{code}/pyramid.svg",
            get(indicators::pyramid_svg),
        )
        .route(
            "/indicators/{code}/pyramid.png",
            get(indicators::pyramid_png),
        )
        .route("/indicators/{code}/{indicator}", get(indicators::indicator))
        .route(
            "/indicators/{code}/{indicator}/{file}",
            get(indicators::chart),
        )
        .route(
            "/indicators-custom",
            get(targets::custom).post(targets::define),
        )
        .route("/indicators-custom/{code}/retire", post(targets::retire))
        .route("/targets/{code}", get(targets::page).post(targets::set))
        .route("/targets/{code}/import", post(targets::import))
        .route("/targets/{code}/export.xlsx", get(targets::export))
        .route("/targets/{code}/template.xlsx", get(targets::template))
        .route("/targets/{code}/history", get(targets::history))
        .route("/admin/audit", get(pages::audit))
        .route("/imports/new", get(imports::upload_form))
        .route("/imports", post(imports::upload))
        .route("/imports/{id}", get(imports::job))
        .route("/imports/{id}/commit", post(imports::commit))
        .route("/reconcile", get(reconcile::index))
        .route("/reconcile/sources", post(reconcile::upload_source))
        .route("/reconcile/runs", post(reconcile::run))
        .route("/reconcile/{id}", get(reconcile::reconciliation))
        .route("/reconcile/{id}/items", get(reconcile::queue))
        .route("/reconcile/{id}/items/bulk", post(reconcile::bulk))
        .route("/reconcile/items/{id}", get(reconcile::item))
        .route("/reconcile/items/{id}/review", post(reconcile::review))
        .route("/reconcile/items/{id}/assign", post(reconcile::assign))
        // Ledgers of a whole township fit; the default 2 MB does not.
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::routes())
        .with_state(state)
}

/// Serves until SIGTERM or Ctrl-C; requests in flight are finished first.
pub async fn serve(store: Store, listen: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(%listen, "serving");
    axum::serve(
        listener,
        router(AppState::new(store)).into_make_service_with_connect_info::<std::net::SocketAddr>(),
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
