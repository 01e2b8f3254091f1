//! A built report written as a file: .docx through `renkou-documents`, xlsx with
//! rust_xlsxwriter (Chinese headers, numbers as numbers), PDF through whatever
//! [`PdfWriter`] the caller has (the binary's typst engine: this crate does not
//! link typst). Every format is deterministic: the same figures give the same
//! bytes, so an archived report's hash is reproduced by regenerating it.

use crate::build::{Built, SheetCell};
use crate::error::Error;
use crate::figures::Format;
use renkou_documents::Document;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as XFormat, Workbook};

/// Turns a document into PDF bytes; the binary implements it with
/// `renkou-documents-pdf`'s engine (fonts loaded once, shared by every report).
pub trait PdfWriter: Send + Sync {
    fn write_pdf(&self, doc: &Document) -> Result<Vec<u8>, String>;
}

fn xerr(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Xlsx(e.to_string())
}

/// The tables of the report, one sheet each.
pub fn xlsx(built: &Built) -> Result<Vec<u8>, Error> {
    let mut wb = Workbook::new();
    let meta = &built.document.metadata;
    let mut props = DocProperties::new()
        .set_title(&meta.title)
        .set_subject(&meta.subject);
    if let Some(d) = meta.date {
        props = props
            .set_creation_datetime(&ExcelDateTime::from_ymd(d.year, d.month, d.day).map_err(xerr)?);
    }
    wb.set_properties(&props);
    let bold = XFormat::new().set_bold();
    let rate = XFormat::new().set_num_format("0.00");
    if built.sheets.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name("报告").map_err(xerr)?;
        ws.write_string(0, 0, &meta.title).map_err(xerr)?;
    }
    for sheet in &built.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name).map_err(xerr)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(xerr)?;
            let width = (h.chars().count() as f64 * 2.2).clamp(8.0, 30.0);
            ws.set_column_width(c as u16, width).map_err(xerr)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    SheetCell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                    SheetCell::Int(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
                    SheetCell::Number(x) => {
                        ws.write_number_with_format(r, c, *x, &rate).map(|_| ())
                    }
                    SheetCell::Empty => Ok(()),
                }
                .map_err(xerr)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xerr)?;
    }
    wb.save_to_buffer().map_err(xerr)
}

/// Writes a built report in `format`.
pub fn write(built: &Built, format: Format, pdf: Option<&dyn PdfWriter>) -> Result<Vec<u8>, Error> {
    match format {
        Format::Docx => Ok(renkou_documents::write_docx(&built.document)?),
        Format::Xlsx => xlsx(built),
        Format::Pdf => match pdf {
            Some(w) => w.write_pdf(&built.document).map_err(Error::Pdf),
            None => Err(Error::Pdf(
                "此版本未带 PDF 引擎（编译时未启用 pdf 功能） / this build has no PDF engine (built without the pdf feature)".into(),
            )),
        },
    }
}
