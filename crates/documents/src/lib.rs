//! The document engine of generated reports: a small document model (title and
//! metadata, headings, paragraphs of runs, tables, PNG images, page breaks, a
//! footer with page numbers, A4 portrait with optional landscape sections) and
//! its `.docx` writer.
//!
//! This crate owns only the turning of a finished document into bytes. It reads no
//! database and no file: callers (the reports domain, its templates) build a
//! [`Document`] from the register's numbers and every visible string, hand over
//! charts as PNG bytes (rendered by `renkou-charts`), and get back the `.docx` as a
//! `Vec<u8>` to store or send. The PDF of the same model is `renkou-documents-pdf`,
//! kept apart because typst is a heavy build that other crates must not link.
//!
//! The layout follows Chinese official documents (GB/T 9704-2012): A4, margins
//! 37/35/28/26 mm (a 156 × 225 mm text area), body text in 宋体 with a first-line
//! indent of two characters, headings in 黑体, page numbers in the footer. Fields
//! that WPS never updates (a table of contents) are never written; the footer's
//! PAGE/NUMPAGES fields are updated by Word, WPS and LibreOffice alike.
//!
//! ```
//! use renkou_documents::{write_docx, Block, Document, Paragraph, Table, Column, Cell};
//!
//! let mut doc = Document::new("2025年1-9月人口和家庭工作总结");
//! doc.push(Block::Title("2025年1-9月人口和家庭工作总结".into()));
//! doc.push(Paragraph::body("截至9月30日，全镇共出生729人。").into());
//! doc.push(Table::new(vec![Column::text("村", 3.0), Column::number("出生人数", 2.0)])
//!     .row(vec![Cell::text("东坑村"), Cell::text("58")])
//!     .into());
//! let docx: Vec<u8> = write_docx(&doc).unwrap();
//! assert!(docx.starts_with(b"PK"));
//! ```
//!
//! Why our own writer rather than docx-rs (0.4.22, the known crate): docx-rs
//! cannot mark a table row as a repeated header (`w:tblHeader`), which every long
//! table here needs, and it brings serde_json, base64 and quick-xml for features we
//! do not use. The subset of WordprocessingML this model needs is a few hundred
//! lines of plain XML over the `zip` crate the workspace already builds, and
//! writing it ourselves lets us put the East-Asian font on every run and keep the
//! element order that Word's strict parser demands.

mod docx;
mod model;
mod png;
pub mod sample;

pub use docx::write_docx;
pub use model::*;
pub use png::{png_size, PngSize};

/// What can go wrong turning a [`Document`] into a file.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// An image's bytes are not a PNG this crate can place (block number given,
    /// counted from 1 over the whole document).
    #[error("image in block {block} is not a readable PNG: {reason}")]
    InvalidImage { block: usize, reason: &'static str },
    /// A table row has a different number of cells than the table has columns.
    #[error(
        "table in block {block}: row {row} has {cells} cells but the table has {columns} columns"
    )]
    RaggedTable {
        block: usize,
        row: usize,
        cells: usize,
        columns: usize,
    },
    /// A table without columns cannot be written.
    #[error("table in block {block} has no columns")]
    EmptyTable { block: usize },
    /// A size or width that is not a positive finite number.
    #[error("block {block}: {what} must be a positive number")]
    BadDimension { block: usize, what: &'static str },
    /// Writing the zip container failed (only on an internal error: the writer
    /// writes to memory).
    #[error("writing the .docx container: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing the .docx container: {0}")]
    Io(#[from] std::io::Error),
}

/// Checks what the writers of both formats need of a document before they start:
/// tables are rectangular and have columns, images are PNGs, dimensions positive.
/// Blocks are numbered from 1 over all sections, the numbers errors carry.
pub fn validate(doc: &Document) -> Result<(), DocumentError> {
    for (index, block) in doc.blocks().enumerate() {
        let number = index + 1;
        match block {
            Block::Table(table) => {
                if table.columns.is_empty() {
                    return Err(DocumentError::EmptyTable { block: number });
                }
                for column in &table.columns {
                    if !(column.width.is_finite() && column.width > 0.0) {
                        return Err(DocumentError::BadDimension {
                            block: number,
                            what: "a column width",
                        });
                    }
                }
                for (row_index, row) in table.rows.iter().enumerate() {
                    if row.cells.len() != table.columns.len() {
                        return Err(DocumentError::RaggedTable {
                            block: number,
                            row: row_index + 1,
                            cells: row.cells.len(),
                            columns: table.columns.len(),
                        });
                    }
                }
            }
            Block::Image(image) => {
                if !(image.width_mm.is_finite() && image.width_mm > 0.0) {
                    return Err(DocumentError::BadDimension {
                        block: number,
                        what: "an image width",
                    });
                }
                png_size(&image.png).map_err(|reason| DocumentError::InvalidImage {
                    block: number,
                    reason,
                })?;
            }
            Block::Paragraph(paragraph) => {
                for run in &paragraph.runs {
                    if let Some(size) = run.size {
                        if !(size.is_finite() && size > 0.0) {
                            return Err(DocumentError::BadDimension {
                                block: number,
                                what: "a font size",
                            });
                        }
                    }
                }
            }
            Block::Title(_) | Block::Heading(_) | Block::PageBreak => {}
        }
    }
    Ok(())
}
