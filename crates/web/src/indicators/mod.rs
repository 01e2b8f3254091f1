//! The indicators' web folder: the indicator pages and charts (`pages.rs`,
//! `charts.rs`), targets and user-defined indicators (`targets.rs`), the JSON API
//! (`api.rs`), and their routes.

pub mod api;
pub mod charts;
pub mod pages;
pub mod targets;

use crate::routes::{Access, Param, Route};
use axum::routing::{get, post};

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
        Route::get(
            "/indicators/{code}",
            Access::Session,
            &[Region],
            get(pages::page),
        ),
        Route::get(
            "/indicators/{code}/export",
            Access::Session,
            &[Region],
            get(pages::export),
        ),
        Route::get(
            "/indicators/{code}/pyramid.svg",
            Access::Session,
            &[Region],
            get(pages::pyramid_svg),
        ),
        Route::get(
            "/indicators/{code}/pyramid.png",
            Access::Session,
            &[Region],
            get(pages::pyramid_png),
        ),
        Route::get(
            "/indicators/{code}/{indicator}",
            Access::Session,
            &[Region, Indicator],
            get(pages::indicator),
        ),
        Route::get(
            "/indicators/{code}/{indicator}/{file}",
            Access::Session,
            &[Region, Indicator, ChartFile],
            get(pages::chart),
        ),
        Route::get(
            "/indicators-custom",
            Access::Session,
            &[],
            get(targets::custom),
        ),
        Route::post(
            "/indicators-custom",
            Access::Session,
            &[],
            post(targets::define),
        ),
        Route::post(
            "/indicators-custom/{code}/retire",
            Access::Session,
            &[Indicator],
            post(targets::retire),
        ),
        Route::get(
            "/targets/{code}",
            Access::Session,
            &[Region],
            get(targets::page),
        ),
        Route::post(
            "/targets/{code}",
            Access::Session,
            &[Region],
            post(targets::set),
        ),
        Route::post(
            "/targets/{code}/import",
            Access::Session,
            &[Region],
            post(targets::import),
        ),
        Route::get(
            "/targets/{code}/export.xlsx",
            Access::Session,
            &[Region],
            get(targets::export),
        ),
        Route::get(
            "/targets/{code}/template.xlsx",
            Access::Session,
            &[Region],
            get(targets::template),
        ),
        Route::get(
            "/targets/{code}/history",
            Access::Session,
            &[Region],
            get(targets::history),
        ),
    ]
}
