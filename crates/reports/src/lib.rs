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
//! Tables: `report_templates`, `report_archive` ([`tables`], [`MIGRATIONS`]).

pub mod archive;
pub mod build;
pub mod error;
pub mod figures;
pub mod output;
pub mod tables;
pub mod templates;

pub use error::Error;
pub use figures::{FigureSource, Figures, Format, Kind, Request};

use renkou_store::{Migration, Migrations};

/// This domain's tables, for `Store::migrate`.
pub const MIGRATIONS: Migrations = Migrations {
    domain: "reports",
    list: &[Migration {
        name: "0009_reports",
        sqlite: include_str!("../migrations/sqlite/0009_reports.sql"),
        postgres: include_str!("../migrations/postgres/0009_reports.sql"),
    }],
};
