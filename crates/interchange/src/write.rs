//! Writing interchange tables back out: CSV as UTF-8 with BOM (so Excel on Chinese
//! Windows opens it without garbling) or .xlsx, with the English headers of
//! interchange.md (or the Chinese ones on request), readable by our own importer.

use crate::error::FileError;
use crate::schema::FileKind;
use renkou_domain::{PersonRecord, Region};
use rust_xlsxwriter::{Format, Workbook, Worksheet};
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
                .write_record(cells.iter().map(|c| c.as_ref()))
                .map_err(|e| werr(&e)),
            Sink::Xlsx {
                book,
                sheet_index,
                row,
                text,
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
                        sheet
                            .write_string_with_format(*row, c as u16, v, text)
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

/// A person as a persons.csv row, in [`crate::schema::PERSON_COLUMNS`] order.
pub fn person_cells(p: &PersonRecord) -> [String; 13] {
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
