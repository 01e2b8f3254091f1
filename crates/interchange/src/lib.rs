//! renkou-interchange: the bulk files of interchange.md (regions, persons, births) as
//! they really arrive — CSV in UTF-8, UTF-8 with BOM or GB18030/GBK as Excel and WPS
//! save it on Chinese Windows, or .xlsx — with English or Chinese headers in any
//! order; and the writers that produce the same formats back.
//!
//! Reading is streaming: a [`table::TableReader`] yields one row at a time, so a
//! million-row file never sits in memory. Turning a row into a domain record is the
//! job of [`persons`], [`regions`] and [`births`], which report every bad field as a
//! [`RowError`] naming file, row and column.
//!
//! # Bounds and the memory they add up to
//!
//! Every file is read within the bounds of [`limits`]; a file that breaks one is
//! refused with a [`FileError::Limit`] naming the file (and the row and column
//! where one applies), and reading stops there. In short: a cell holds at most
//! 32,767 characters (Excel's limit), a row 4 MiB of text, data ends by column
//! 1,024; a CSV line has at most 16,384 fields; an xlsx inflates to at most
//! 1 GiB, no member more than 100 times its stored size, no XML tag or text run
//! over 1 MiB, at most 2,000,000 shared strings in 128 MiB, and at most 100,000
//! of each kind of record calamine keeps (cell formats, fonts, relationships,
//! defined names, …). A NUL byte in a cell is refused; `.xls` workbooks are
//! refused with the advice to save them as .xlsx or CSV.
//!
//! What one open reader holds at most:
//!
//! - **CSV**: one record buffer of at most 4 MiB plus 16,384 field ends, the
//!   1 MiB read and decode buffers: **under 16 MiB**, whatever the file.
//! - **xlsx**: the archive check holds one XML event (≤ 1 MiB) and a 64 KiB
//!   read-ahead; the sheet is streamed, with at most three batches of rows (each
//!   ≤ 1 MiB, or one row of ≤ 4 MiB) between the worker thread and the reader,
//!   so **under 32 MiB** for the sheet itself. On top comes what calamine keeps
//!   of the workbook: the shared strings (at most 2,000,000 in 128 MiB of XML,
//!   measured at 176 MB peak for a file built to sit just under both bounds),
//!   and the cell formats and other records (at most 32 MiB of XML per part,
//!   the formats' copies estimated under 64 MiB). A file built to sit under
//!   every bound at once could reach about **400 MB**; real files stay far
//!   below (a 100,000 × 40 roster: 26 MB peak; the hostile files of the tests:
//!   4 to 10 MB each, see examples/hostile_memory.rs).

pub mod births;
mod cells;
mod csvread;
pub mod echo;
pub mod encoding;
pub mod error;
pub mod limits;
pub mod persons;
pub mod regions;
pub mod rejects;
pub mod roster;
pub mod schema;
pub mod sheet;
pub mod table;
pub mod targets;
pub mod write;
mod xlsx;

pub use error::{FileError, RowError};
pub use limits::{Limit, Place};
pub use schema::FileKind;
pub use table::{Row, TableReader};
