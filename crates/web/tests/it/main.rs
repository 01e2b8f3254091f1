//! The web crate's integration tests, one binary: every route of the table walked
//! with another village's and another township's records and without CSRF tokens,
//! the pages of each domain, the JSON API, uploads.

mod admin;
mod api;
mod api_payments;
mod api_registrations;
mod benefits;
mod benefits_payments;
mod common;
mod daily;
mod english;
mod indicators;
mod parameters;
mod plans;
mod print;
mod quality_report;
mod reconcile;
mod registrations;
mod reports;
mod roster;
mod routes;
mod scans;
mod security;
mod table;
