//! The register's web folder: its pages (`pages.rs`), the ledger upload with its
//! preview and background job (`imports.rs`), the data-quality list and the
//! accounts pages (`admin.rs`), its JSON API (`api.rs`), and its routes.

pub mod admin;
pub mod api;
pub mod daily;
pub mod imports;
pub mod pages;
pub mod print;
pub mod roster;

use crate::routes::{Access, Param, Route};
use axum::routing::{get, post};

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
        Route::get("/", Access::Session, &[], get(pages::home)),
        Route::get(
            "/regions/{code}",
            Access::Session,
            &[Region],
            get(pages::region),
        ),
        Route::get(
            "/regions/{code}/persons",
            Access::Session,
            &[Region],
            get(pages::persons),
        ),
        Route::get(
            "/regions/{code}/households",
            Access::Session,
            &[Region],
            get(pages::households),
        ),
        Route::get(
            "/regions/{code}/births/new",
            Access::Session,
            &[Region],
            get(pages::birth_form),
        ),
        Route::post(
            "/regions/{code}/births/new",
            Access::Session,
            &[Region],
            post(pages::record_birth),
        ),
        Route::get(
            "/persons/{no}",
            Access::Session,
            &[Person],
            get(pages::person),
        ),
        Route::get(
            "/persons/{no}/events/{kind}",
            Access::Session,
            &[Person, EventKind],
            get(pages::event_form),
        ),
        Route::post(
            "/persons/{no}/events/{kind}",
            Access::Session,
            &[Person, EventKind],
            post(pages::record_event),
        ),
        Route::get(
            "/households/{no}",
            Access::Session,
            &[Household],
            get(pages::household),
        ),
        Route::get("/search", Access::Session, &[], get(pages::search)),
        Route::get("/admin/audit", Access::Session, &[], get(pages::audit)),
        Route::get(
            "/admin/accounts",
            Access::Session,
            &[],
            get(admin::accounts),
        ),
        Route::post(
            "/admin/accounts",
            Access::Session,
            &[],
            post(admin::create_account),
        ),
        Route::post(
            "/admin/accounts/{username}/reset",
            Access::Session,
            &[Account],
            post(admin::reset_password),
        ),
        Route::post(
            "/admin/accounts/{username}/disable",
            Access::Session,
            &[Account],
            post(admin::disable),
        ),
        Route::post(
            "/admin/accounts/{username}/enable",
            Access::Session,
            &[Account],
            post(admin::enable),
        ),
        Route::get(
            "/quality/{code}",
            Access::Session,
            &[Region],
            get(admin::quality),
        ),
        Route::post(
            "/quality/{code}/scan",
            Access::Session,
            &[Region],
            post(admin::scan),
        ),
        Route::post(
            "/quality/items/{id}/resolve",
            Access::Session,
            &[QualityIssue],
            post(admin::resolve),
        ),
        Route::get(
            "/imports/new",
            Access::Session,
            &[],
            get(imports::upload_form),
        ),
        Route::post("/imports", Access::Session, &[], post(imports::upload)),
        Route::get(
            "/imports/{id}",
            Access::Session,
            &[Upload],
            get(imports::job),
        ),
        Route::post(
            "/imports/{id}/commit",
            Access::Session,
            &[Upload],
            post(imports::commit),
        ),
        Route::get(
            "/imports/template",
            Access::Session,
            &[],
            get(roster::template),
        ),
        Route::post(
            "/imports/{id}/roster",
            Access::Session,
            &[Upload],
            post(roster::recheck),
        ),
        Route::post(
            "/imports/{id}/roster/commit",
            Access::Session,
            &[Upload],
            post(roster::commit),
        ),
        Route::get(
            "/regions/{code}/roster",
            Access::Session,
            &[Region],
            get(print::roster),
        ),
        Route::get(
            "/households/{no}/card",
            Access::Session,
            &[Household],
            get(print::card),
        ),
        // The daily register's forms (daily.rs).
        Route::get(
            "/persons/{no}/void",
            Access::Session,
            &[Person],
            get(daily::void_form),
        ),
        Route::post(
            "/persons/{no}/void",
            Access::Session,
            &[Person],
            post(daily::void),
        ),
        Route::get(
            "/persons/{no}/revoke",
            Access::Session,
            &[Person],
            get(daily::revoke_form),
        ),
        Route::post(
            "/persons/{no}/revoke",
            Access::Session,
            &[Person],
            post(daily::revoke),
        ),
        Route::get(
            "/regions/{code}/move-in",
            Access::Session,
            &[Region],
            get(daily::move_in_form),
        ),
        Route::post(
            "/regions/{code}/move-in",
            Access::Session,
            &[Region],
            post(daily::move_in),
        ),
        Route::get(
            "/households/{no}/head",
            Access::Session,
            &[Household],
            get(daily::head_form),
        ),
        Route::post(
            "/households/{no}/head",
            Access::Session,
            &[Household],
            post(daily::change_head),
        ),
        Route::get(
            "/households/{no}/split",
            Access::Session,
            &[Household],
            get(daily::split_form),
        ),
        Route::post(
            "/households/{no}/split",
            Access::Session,
            &[Household],
            post(daily::split),
        ),
        Route::get(
            "/households/{no}/merge",
            Access::Session,
            &[Household],
            get(daily::merge_form),
        ),
        Route::post(
            "/households/{no}/merge",
            Access::Session,
            &[Household],
            post(daily::merge),
        ),
        Route::get("/persons/pick", Access::Session, &[], get(daily::pick)),
    ]
}
