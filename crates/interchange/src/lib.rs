//! renkou-interchange: the bulk files of interchange.md (regions, persons, births) as
//! they really arrive — CSV in UTF-8, UTF-8 with BOM or GB18030/GBK as Excel and WPS
//! save it on Chinese Windows, or .xlsx — with English or Chinese headers in any
//! order; and the writers that produce the same formats back.
//!
//! Reading is streaming: a [`table::TableReader`] yields one row at a time, so a
//! million-row file never sits in memory. Turning a row into a domain record is the
//! job of [`persons`], [`regions`] and [`births`], which report every bad field as a
//! [`RowError`] naming file, row and column.

pub mod births;
mod cells;
pub mod encoding;
pub mod error;
pub mod persons;
pub mod regions;
pub mod rejects;
pub mod schema;
pub mod table;
pub mod targets;
pub mod write;

pub use error::{FileError, RowError};
pub use schema::FileKind;
pub use table::{Row, TableReader};
