//! renkou-reports: the reports domain (报表、目标差距表、工作总结、数据质量报告).
//! It owns the report templates the county edits (text with placeholders, run by
//! minijinja: [`templates`]), the building of a report's document from the figures
//! it is given ([`build`]), its output as .docx and xlsx ([`output`]; PDF through a
//! [`output::PdfWriter`] the binary plugs in, so this crate never links typst),
//! and the archive of every generated report with the register version it was
//! computed from, who generated it, when, its hash and the file ([`archive`]).
//!
//! The figures come from other domains (indicators, reconciliation), which this
//! crate does not know: it defines what it needs as plain data ([`figures`]) and a
//! [`figures::FigureSource`] that the layer knowing every domain (web, CLI)
//! implements. Figures are computed "as of" a register version (an event number):
//! the register is event-sourced, so the same version always gives the same
//! figures, whatever corrections came after.
//!
//! Schedules ([`schedules`]): a report made by the server on a day of each month,
//! quarter or year, once per period, with notices on the home pages of the people
//! it is for (and of the county when a report is sent up).
//!
//! Tables: `report_templates`, `report_archive`, `report_schedules`,
//! `report_schedule_recipients`, `report_schedule_runs`, `report_notices`
//! ([`tables`], [`MIGRATIONS`]).

pub mod archive;
pub mod build;
pub mod error;
pub mod figures;
pub mod output;
pub mod preview;
pub mod schedules;
pub mod tables;
pub mod templates;

pub use error::Error;
pub use figures::{FigureSource, Figures, Format, Kind, Request};

use renkou_store::{Migration, Migrations};

/// This domain's tables, for `Store::migrate`.
pub const MIGRATIONS: Migrations = Migrations {
    domain: "reports",
    list: &[
        Migration {
            name: "0009_reports",
            sqlite: include_str!("../migrations/sqlite/0009_reports.sql"),
            postgres: include_str!("../migrations/postgres/0009_reports.sql"),
        },
        Migration {
            name: "0015_report_schedules",
            sqlite: include_str!("../migrations/sqlite/0015_report_schedules.sql"),
            postgres: include_str!("../migrations/postgres/0015_report_schedules.sql"),
        },
    ],
};
