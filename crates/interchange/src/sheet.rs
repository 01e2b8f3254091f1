//! Files for people (人读文件): the tables a clerk downloads to read, print or
//! hand on in Excel or WPS, as opposed to the interchange files of [`crate::write`]
//! that another system (or our importer) reads back with their codes.
//!
//! Values are written in words and with their types: 男/女, 已婚, 常住 rather
//! than codes; dates as date cells; counts and amounts as numbers; ID numbers,
//! phone numbers and codes as text, so Excel never shows `3.49901E+17`.
//!
//! - **xlsx**: a named sheet; a title row (merged across the table) above the
//!   header; the header frozen, repeated on every printed page and with
//!   autofilter; A4, fitted to the page width. ID numbers are string cells in
//!   a text-formatted column.
//! - **CSV** (UTF-8 with BOM, no title row: CSV has no formatting): an ID number
//!   or another digit string that must stay text is written as `="349901…"`,
//!   the form Excel and WPS open as a text cell (and our readers take back to
//!   the digits, see [`unwrap_text_formula`]); dates as `YYYY-MM-DD`, which
//!   Excel reads as dates; other cells neutralised against formula injection as
//!   in [`crate::write`].

use crate::error::FileError;
use crate::write::{looks_like_formula, neutralise_formula, OutFormat};
use renkou_domain::Date;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// One cell of a file for people.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Words (a name, 男, 已婚, a note).
    Text(String),
    /// Digits or codes that must stay text: ID, phone, person and household
    /// numbers, region codes.
    Code(String),
    Int(i64),
    /// A number shown with `decimals` places.
    Number(f64, u8),
    Date(Date),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }
    pub fn code(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Code(s)
        }
    }
    pub fn date(d: Option<Date>) -> Cell {
        d.map(Cell::Date).unwrap_or(Cell::Empty)
    }
}

/// A column: its header and width in characters.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub width: u16,
}

pub const fn col(header: &'static str, width: u16) -> Column {
    Column { header, width }
}

/// The shape of a file for people.
#[derive(Debug, Clone)]
pub struct SheetSpec {
    /// Above the header, e.g. "新村 人员名单（2026年12月1日导出）".
    pub title: String,
    /// The sheet's name (at most 31 characters, no `[]:*?/\`).
    pub sheet: String,
    pub columns: Vec<Column>,
    /// Landscape when printed (wide rosters).
    pub landscape: bool,
}

/// The xlsx rows of the title and the header (data starts below).
pub const XLSX_TITLE_ROW: u32 = 0;
pub const XLSX_HEADER_ROW: u32 = 1;

/// One per file being written, so the size difference of the variants does not
/// matter.
#[allow(clippy::large_enum_variant)]
enum Sink {
    Csv(csv::Writer<BufWriter<File>>),
    Xlsx {
        book: Box<Workbook>,
        row: u32,
        text: Format,
        quoted: Format,
        date: Format,
        int: Format,
        path: PathBuf,
    },
}

/// A file for people being written row by row (xlsx in constant memory).
pub struct SheetWriter {
    file: String,
    columns: usize,
    rows: u64,
    sink: Sink,
}

fn sheet_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet1".into()
    } else {
        cleaned
    }
}

impl SheetWriter {
    pub fn create(path: &Path, format: OutFormat, spec: &SheetSpec) -> Result<Self, FileError> {
        let file = path.display().to_string();
        let werr = |e: &dyn std::fmt::Display| FileError::Write {
            file: file.clone(),
            message: e.to_string(),
        };
        let sink = match format {
            OutFormat::Csv => {
                let mut f = BufWriter::with_capacity(
                    1 << 20,
                    File::create(path).map_err(|e| FileError::io(&file, e))?,
                );
                f.write_all(b"\xEF\xBB\xBF")
                    .map_err(|e| FileError::io(&file, e))?;
                let mut w = csv::Writer::from_writer(f);
                w.write_record(spec.columns.iter().map(|c| c.header))
                    .map_err(|e| werr(&e))?;
                Sink::Csv(w)
            }
            OutFormat::Xlsx => {
                let mut book = Box::new(Workbook::new());
                let text = Format::new().set_num_format("@");
                let sheet = book
                    .add_worksheet_with_constant_memory()
                    .map_err(|e| werr(&e))?;
                sheet
                    .set_name(sheet_name(&spec.sheet))
                    .map_err(|e| werr(&e))?;
                let n = spec.columns.len().max(2) as u16;
                let title = Format::new()
                    .set_bold()
                    .set_font_size(14)
                    .set_align(FormatAlign::Center);
                sheet
                    .set_row_height(XLSX_TITLE_ROW, 24)
                    .map_err(|e| werr(&e))?;
                sheet
                    .merge_range(
                        XLSX_TITLE_ROW,
                        0,
                        XLSX_TITLE_ROW,
                        n - 1,
                        &spec.title,
                        &title,
                    )
                    .map_err(|e| werr(&e))?;
                let head = Format::new()
                    .set_bold()
                    .set_border(FormatBorder::Thin)
                    .set_background_color(rust_xlsxwriter::Color::RGB(0xE8EEF4))
                    .set_align(FormatAlign::Center);
                for (c, h) in spec.columns.iter().enumerate() {
                    sheet
                        .write_string_with_format(XLSX_HEADER_ROW, c as u16, h.header, &head)
                        .map_err(|e| werr(&e))?;
                    sheet
                        .set_column_width(c as u16, h.width)
                        .map_err(|e| werr(&e))?;
                }
                sheet
                    .set_freeze_panes(XLSX_HEADER_ROW + 1, 0)
                    .map_err(|e| werr(&e))?;
                sheet
                    .set_repeat_rows(XLSX_HEADER_ROW, XLSX_HEADER_ROW)
                    .map_err(|e| werr(&e))?;
                sheet.set_paper_size(9); // A4
                if spec.landscape {
                    sheet.set_landscape();
                }
                sheet.set_print_fit_to_pages(1, 0);
                Sink::Xlsx {
                    book,
                    row: XLSX_HEADER_ROW + 1,
                    quoted: text.clone().set_quote_prefix(),
                    text,
                    date: Format::new().set_num_format("yyyy-mm-dd"),
                    int: Format::new().set_num_format("0"),
                    path: path.to_path_buf(),
                }
            }
        };
        Ok(SheetWriter {
            file,
            columns: spec.columns.len(),
            rows: 0,
            sink,
        })
    }

    /// Writes one row (cells beyond the spec's columns are an error).
    pub fn write_row(&mut self, cells: &[Cell]) -> Result<(), FileError> {
        let file = &self.file;
        let werr = |e: &dyn std::fmt::Display| FileError::Write {
            file: file.clone(),
            message: e.to_string(),
        };
        if cells.len() > self.columns {
            return Err(werr(&format!(
                "一行 {} 个单元格，表头只有 {} 列 / a row of {} cells under {} headers",
                cells.len(),
                self.columns,
                cells.len(),
                self.columns
            )));
        }
        match &mut self.sink {
            Sink::Csv(w) => {
                let fields: Vec<String> = cells.iter().map(csv_field).collect();
                w.write_record(&fields).map_err(|e| werr(&e))?;
            }
            Sink::Xlsx {
                book,
                row,
                text,
                quoted,
                date,
                int,
                ..
            } => {
                if *row >= 1_048_576 {
                    return Err(werr(&"xlsx 单表最多 1,048,576 行，请改用 CSV / an xlsx sheet holds at most 1,048,576 rows; use CSV"));
                }
                let sheet = book.worksheet_from_index(0).map_err(|e| werr(&e))?;
                for (c, v) in cells.iter().enumerate() {
                    let c = c as u16;
                    match v {
                        Cell::Empty => {}
                        Cell::Text(s) | Cell::Code(s) => {
                            let f = if looks_like_formula(s) {
                                &*quoted
                            } else {
                                &*text
                            };
                            sheet
                                .write_string_with_format(*row, c, s, f)
                                .map_err(|e| werr(&e))?;
                        }
                        Cell::Int(i) => {
                            sheet
                                .write_number_with_format(*row, c, *i as f64, int)
                                .map_err(|e| werr(&e))?;
                        }
                        Cell::Number(x, d) => {
                            let pattern = if *d == 0 {
                                "0".to_string()
                            } else {
                                format!("0.{}", "0".repeat(usize::from(*d)))
                            };
                            sheet
                                .write_number_with_format(
                                    *row,
                                    c,
                                    *x,
                                    &Format::new().set_num_format(pattern),
                                )
                                .map_err(|e| werr(&e))?;
                        }
                        Cell::Date(d) => {
                            use chrono::Datelike;
                            let dt = ExcelDateTime::from_ymd(
                                d.year() as u16,
                                d.month() as u8,
                                d.day() as u8,
                            )
                            .map_err(|e| werr(&e))?;
                            sheet
                                .write_datetime_with_format(*row, c, &dt, date)
                                .map_err(|e| werr(&e))?;
                        }
                    }
                }
                *row += 1;
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Finishes the file (the autofilter over the header and every row);
    /// returns the number of data rows.
    pub fn finish(self) -> Result<u64, FileError> {
        let file = self.file;
        let werr = |e: &dyn std::fmt::Display| FileError::Write {
            file: file.clone(),
            message: e.to_string(),
        };
        match self.sink {
            Sink::Csv(mut w) => w.flush().map_err(|e| FileError::io(&file, e))?,
            Sink::Xlsx {
                mut book,
                path,
                row,
                ..
            } => {
                let sheet = book.worksheet_from_index(0).map_err(|e| werr(&e))?;
                sheet
                    .autofilter(
                        XLSX_HEADER_ROW,
                        0,
                        (row - 1).max(XLSX_HEADER_ROW),
                        self.columns.saturating_sub(1) as u16,
                    )
                    .map_err(|e| werr(&e))?;
                book.save(&path).map_err(|e| werr(&e))?;
            }
        }
        Ok(self.rows)
    }
}

fn csv_field(c: &Cell) -> String {
    match c {
        Cell::Empty => String::new(),
        Cell::Text(s) => neutralise_formula(s).into_owned(),
        Cell::Code(s) => code_for_csv(s),
        Cell::Int(i) => i.to_string(),
        Cell::Number(x, d) => format!("{x:.*}", usize::from(*d)),
        Cell::Date(d) => d.to_string(),
    }
}

/// A code as a CSV cell for Excel: a string of digits (an ID number ending in
/// a digit or `X`, a phone or region code) that Excel would turn into a number
/// — dropping leading zeros, or writing `3.49901E+17` — becomes `="…"`.
/// Anything else is written as text is.
pub fn code_for_csv(s: &str) -> String {
    let digits = s.trim_end_matches(['X', 'x']);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("=\"{s}\"")
    } else {
        neutralise_formula(s).into_owned()
    }
}

/// The inverse of [`code_for_csv`] for readers: `="349901…"` (a string
/// constant and nothing else) is its text.
pub fn unwrap_text_formula(s: &str) -> Option<&str> {
    let inner = s.strip_prefix("=\"")?.strip_suffix('"')?;
    (!inner.contains('"')).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_in_csv_stay_text_and_come_back() {
        assert_eq!(
            code_for_csv("34990119850314001X"),
            "=\"34990119850314001X\""
        );
        assert_eq!(code_for_csv("0551-1234"), "0551-1234");
        assert_eq!(code_for_csv("P00000012"), "P00000012");
        assert_eq!(code_for_csv("=cmd"), "'=cmd");
        assert_eq!(
            unwrap_text_formula("=\"349901198503140012\""),
            Some("349901198503140012")
        );
        assert_eq!(unwrap_text_formula("=\"a\"&\"b\""), None);
        assert_eq!(unwrap_text_formula("=SUM(A1)"), None);
    }

    #[test]
    fn sheet_names_lose_what_excel_refuses() {
        assert_eq!(sheet_name("人员/名单[1]"), "人员名单1");
        assert_eq!(sheet_name(""), "Sheet1");
    }

    fn member(path: &Path, name: &str) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
        let mut out = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn an_xlsx_for_people_has_its_title_frozen_header_filter_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        let spec = SheetSpec {
            title: "一村人员名单".into(),
            sheet: "人员名单".into(),
            columns: vec![
                col("姓名", 10),
                col("公民身份号码", 21),
                col("出生日期", 12),
                col("人数", 6),
            ],
            landscape: true,
        };
        let mut w = SheetWriter::create(&path, OutFormat::Xlsx, &spec).unwrap();
        for i in 0..3 {
            w.write_row(&[
                Cell::text("测试甲"),
                Cell::code("349901198503140012"),
                Cell::Date(Date::from_ymd_opt(1985, 3, 14).unwrap()),
                Cell::Int(i),
            ])
            .unwrap();
        }
        assert_eq!(w.finish().unwrap(), 3);
        let book = member(&path, "xl/workbook.xml");
        assert!(book.contains("name=\"人员名单\""), "{book}");
        assert!(
            book.contains("_xlnm._FilterDatabase") && book.contains("_xlnm.Print_Titles"),
            "{book}"
        );
        let sheet = member(&path, "xl/worksheets/sheet1.xml");
        assert!(
            sheet.contains("<pane ySplit=\"2\" topLeftCell=\"A3\""),
            "{sheet}"
        );
        assert!(sheet.contains("<autoFilter ref=\"A2:D5\""), "{sheet}");
        assert!(sheet.contains("<mergeCell ref=\"A1:D1\""), "{sheet}");
        assert!(
            sheet.contains("paperSize=\"9\"") && sheet.contains("orientation=\"landscape\""),
            "{sheet}"
        );
        // The ID number a string (inline, in constant memory), not a number.
        assert!(!sheet.contains("<v>349901198503140012</v>"), "{sheet}");
        assert!(sheet.contains("<t>349901198503140012</t>"), "{sheet}");
    }
}
