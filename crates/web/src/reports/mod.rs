//! The reports' web folder: the page that makes a report for an area (kind,
//! period, format) and lists the area's archive with download links, the
//! download itself, sending a report up; and where the reports' figures come
//! from ([`figures`]: the one place the indicators and reconciliation domains are
//! wired into the reports domain).

pub mod figures;
pub mod pages;

pub use figures::RegisterFigures;

use crate::routes::{Access, Param, Route};
use axum::routing::{get, post};

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
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
        Route::post(
            "/reports/file/{id}/status",
            Access::Session,
            &[Report],
            post(pages::status),
        ),
    ]
}
