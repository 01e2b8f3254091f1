//! The reports' web folder: the page that makes a report for an area (kind,
//! period, format) and lists the area's archive with download links, the
//! download itself, sending a report up; and where the reports' figures come
//! from ([`figures`]: the one place the indicators and reconciliation domains are
//! wired into the reports domain); the schedules' section of the page and the
//! server's background task that makes the scheduled reports ([`spawn_scheduler`]).

pub mod api;
pub mod editor;
pub mod figures;
pub mod pages;

pub use figures::RegisterFigures;

use crate::routes::{Access, Param, Route};
use axum::routing::{get, post};

pub fn routes() -> Vec<Route> {
    use Param::*;
    let mut v = vec![
        Route::get(
            "/reports/{code}",
            Access::Session,
            &[Region],
            get(pages::page),
        ),
        Route::post(
            "/reports/{code}",
            Access::Session,
            &[Region],
            post(pages::generate),
        ),
        Route::get(
            "/reports/file/{id}",
            Access::Session,
            &[Report],
            get(pages::download),
        ),
        Route::get(
            "/reports/{code}/template",
            Access::Session,
            &[Region],
            get(editor::page),
        ),
        Route::post(
            "/reports/{code}/template",
            Access::Session,
            &[Region],
            post(editor::post),
        ),
        Route::post(
            "/reports/{code}/schedules",
            Access::Session,
            &[Region],
            post(pages::add_schedule),
        ),
        Route::post(
            "/reports/{code}/schedules/remove",
            Access::Session,
            &[Region],
            post(pages::remove_schedule),
        ),
        Route::post(
            "/reports/file/{id}/status",
            Access::Session,
            &[Report],
            post(pages::status),
        ),
    ];
    v.extend(api::routes());
    v
}

/// Makes the scheduled reports due on `today` (the county's date) that have not
/// been made: what the server's background task does every minute and
/// `renkou report run-due` once.
pub fn run_due(
    state: &crate::AppState,
    today: renkou_domain::Date,
) -> Result<Vec<renkou_reports::schedules::Run>, renkou_reports::Error> {
    let source = RegisterFigures {
        store: &state.store,
        cache: &state.stats,
    };
    renkou_reports::schedules::run_due(&state.store, &source, state.pdf.as_deref(), today)
}

/// Starts the server's scheduler: every `every` it makes the reports that are
/// due (after downtime, every period missed; never one twice, see
/// `renkou_reports::schedules`). Runs on the blocking pool, one round at a time.
pub fn spawn_scheduler(
    state: crate::AppState,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let st = state.clone();
            let today = chrono::Local::now().date_naive();
            match tokio::task::spawn_blocking(move || run_due(&st, today)).await {
                Ok(Ok(runs)) => {
                    for r in runs.iter().filter(|r| r.report_id.is_some()) {
                        tracing::info!(schedule = r.schedule_id, period = %r.period, report = ?r.report_id, notices = r.notices, "scheduled report made");
                    }
                }
                Ok(Err(e)) => tracing::error!(error = %e, "scheduled reports could not be checked"),
                Err(e) => tracing::error!(error = %e, "scheduler task failed"),
            }
        }
    })
}

/// A notice on the home page: a report made for the account, or one whose
/// state changed; it goes once the report is opened.
pub struct HomeNotice {
    pub link: String,
    pub text: String,
    pub at: String,
}

/// The account's unopened notices, newest first.
pub(crate) fn home_notices(
    state: &crate::AppState,
    me: &crate::extract::Current,
) -> Result<Vec<HomeNotice>, crate::WebError> {
    Ok(
        renkou_reports::schedules::notices(&state.store, &me.actor())?
            .into_iter()
            .map(|n| HomeNotice {
                link: format!("/reports/file/{}", n.report_id),
                text: if me.l.en { n.text_en() } else { n.text_zh() },
                at: crate::i18n::local_minute(&n.created_at.to_rfc3339()),
            })
            .collect(),
    )
}
