//! Writing interchange tables back out: CSV as UTF-8 with BOM (so Excel on Chinese
//! Windows opens it without garbling) or .xlsx, with the English headers of
//! interchange.md (or the Chinese ones on request), readable by our own importer.
//!
//! Cells that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab or
//! CR first, OWASP's "CSV injection") are neutralised: in CSV with a leading `'`
//! ([`neutralise_formula`]; our reader takes it off again), in xlsx with Excel's
//! own quote prefix, which keeps the text as it is. Numbers such as `-12.5` stay
//! numbers.

use crate::error::FileError;
use crate::schema::FileKind;
use renkou_domain::{PersonRecord, Region};
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    Csv,
    Xlsx,
}

impl OutFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(OutFormat::Csv),
            "xlsx" => Some(OutFormat::Xlsx),
            _ => None,
        }
    }
}

enum Sink {
    Csv(csv::Writer<BufWriter<File>>),
    Xlsx {
        book: Box<Workbook>,
        sheet_index: usize,
        row: u32,
        text: Format,
        /// `text` plus Excel's quote prefix, for cells that look like formulas.
        quoted: Format,
        path: PathBuf,
    },
}

/// A table being written row by row.
pub struct TableWriter {
    file: String,
    sink: Sink,
}

impl TableWriter {
    pub fn create(path: &Path, format: OutFormat, headers: &[&str]) -> Result<Self, FileError> {
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
                w.write_record(headers).map_err(|e| werr(&e))?;
                Sink::Csv(w)
            }
            OutFormat::Xlsx => {
                let mut book = Box::new(Workbook::new());
                // Text format keeps ID numbers and codes from becoming numbers in Excel.
                let text = Format::new().set_num_format("@");
                let sheet: &mut Worksheet = book
                    .add_worksheet_with_constant_memory()
                    .map_err(|e| werr(&e))?;
                for (c, h) in headers.iter().enumerate() {
                    sheet
                        .write_string_with_format(0, c as u16, *h, &Format::new().set_bold())
                        .map_err(|e| werr(&e))?;
                    sheet.set_column_width(c as u16, 16).map_err(|e| werr(&e))?;
                }
                Sink::Xlsx {
                    book,
                    sheet_index: 0,
                    row: 1,
                    quoted: text.clone().set_quote_prefix(),
                    text,
                    path: path.to_path_buf(),
                }
            }
        };
        Ok(TableWriter { file, sink })
    }

    /// Creates a writer with `kind`'s headers (English, or Chinese with `zh`).
    pub fn for_kind(
        path: &Path,
        format: OutFormat,
        kind: FileKind,
        zh: bool,
    ) -> Result<Self, FileError> {
        let headers: Vec<&str> = kind
            .columns()
            .iter()
            .map(|c| if zh { c.zh } else { c.name })
            .collect();
        Self::create(path, format, &headers)
    }

    pub fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), FileError> {
        let file = &self.file;
        let werr = |e: &dyn std::fmt::Display| FileError::Write {
            file: file.clone(),
            message: e.to_string(),
        };
        match &mut self.sink {
            Sink::Csv(w) => w
                .write_record(
                    cells
                        .iter()
                        .map(|c| neutralise_formula(c.as_ref()).into_owned()),
                )
                .map_err(|e| werr(&e)),
            Sink::Xlsx {
                book,
                sheet_index,
                row,
                text,
                quoted,
                ..
            } => {
                if *row >= 1_048_576 {
                    return Err(werr(&"xlsx 单表最多 1,048,576 行，请改用 CSV / an xlsx sheet holds at most 1,048,576 rows; use CSV"));
                }
                let sheet = book
                    .worksheet_from_index(*sheet_index)
                    .map_err(|e| werr(&e))?;
                for (c, v) in cells.iter().enumerate() {
                    let v = v.as_ref();
                    if !v.is_empty() {
                        let format = if looks_like_formula(v) {
                            &*quoted
                        } else {
                            &*text
                        };
                        sheet
                            .write_string_with_format(*row, c as u16, v, format)
                            .map_err(|e| werr(&e))?;
                    }
                }
                *row += 1;
                Ok(())
            }
        }
    }

    pub fn finish(self) -> Result<(), FileError> {
        let file = self.file;
        let werr = |e: &dyn std::fmt::Display| FileError::Write {
            file: file.clone(),
            message: e.to_string(),
        };
        match self.sink {
            Sink::Csv(mut w) => w.flush().map_err(|e| FileError::io(&file, e)),
            Sink::Xlsx { mut book, path, .. } => book.save(&path).map_err(|e| werr(&e)),
        }
    }
}

/// Whether a spreadsheet would read `s` as a formula: it starts with `=`, `+`,
/// `-`, `@`, a tab or a CR (OWASP's list) and is not simply a number.
pub fn looks_like_formula(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    ) && !is_plain_number(s)
}

/// `s` as a CSV cell that no spreadsheet evaluates: a leading `'` when it
/// [`looks_like_formula`] (OWASP's advice for CSV injection), else unchanged.
/// Leading apostrophes are looked through, so that a value that already starts
/// with `'=` gets one more and the reader's [`restore_formula_text`] gives back
/// exactly what was written. Public for the other CSV writers of the system.
pub fn neutralise_formula(s: &str) -> Cow<'_, str> {
    if looks_like_formula(s.trim_start_matches('\'')) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The inverse of [`neutralise_formula`], for the reader: `'=…` back to `=…`,
/// `''=…` back to `'=…`. A `'` before anything else is data and stays.
pub(crate) fn restore_formula_text(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('\'')?;
    looks_like_formula(rest.trim_start_matches('\'')).then_some(rest)
}

/// A decimal number as Excel reads one (`-3`, `-12.5`, `+4`, `-1.5E3`): those are
/// left alone, they are values, not formulas. Written out because `f64::from_str`
/// also takes `inf` and `NaN`, which Excel does not.
fn is_plain_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
    }
    if int + frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        i += usize::from(matches!(b.get(i), Some(b'+' | b'-')));
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

/// A person as a persons.csv row, in [`crate::schema::PERSON_COLUMNS`] order.
pub fn person_cells(p: &PersonRecord) -> [String; 14] {
    p.to_cells()
}

/// A region as a regions.csv row.
pub fn region_cells(r: &Region) -> [String; 5] {
    let d = |d: Option<renkou_domain::Date>| d.map(|d| d.to_string()).unwrap_or_default();
    [
        r.code.to_string(),
        r.name.clone(),
        d(r.valid_from),
        d(r.valid_to),
        r.successor
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default(),
    ]
}
