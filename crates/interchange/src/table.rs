//! A streaming reader of one interchange table, whatever its container: it finds the
//! header row, maps headers to the file kind's columns, and yields rows one at a time.

use crate::encoding::{sniff, Format};
use crate::error::FileError;
use crate::schema::{Column, FileKind};
use calamine::{Data, Reader as _};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// Header rows are looked for among the first rows: ledgers often carry a title
/// line ("某某村出生台帐") above the real header.
const HEADER_SEARCH_ROWS: usize = 10;

/// One data row. `line` is the row number as a spreadsheet shows it.
#[derive(Debug, Default, Clone)]
pub struct Row {
    pub line: u64,
    record: csv::StringRecord,
    /// Cells that Excel stored as numbers too long to keep every digit.
    lossy: Vec<usize>,
}

impl Row {
    /// The cell of file column `i` (as returned by [`TableReader::index`]), trimmed.
    pub fn cell(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("").trim()
    }

    pub fn lost_precision(&self, i: usize) -> bool {
        self.lossy.contains(&i)
    }

    fn is_blank(&self) -> bool {
        self.record.iter().all(|c| c.trim().is_empty())
    }

    /// All cells, as written (for writing a rejected row back out).
    pub fn cells(&self) -> impl Iterator<Item = &str> {
        self.record.iter().map(|c| c.trim_end_matches('\r'))
    }
}

enum Source {
    Csv(csv::Reader<Box<dyn Read>>),
    Sheet {
        rows: std::vec::IntoIter<Vec<Data>>,
        next_line: u64,
    },
}

pub struct TableReader {
    pub file: String,
    pub kind: FileKind,
    /// The headers as written in the file.
    pub headers: Vec<String>,
    /// For each column of the kind, its position in the file.
    positions: Vec<Option<usize>>,
    source: Source,
    /// Rows read before the header search gave up, replayed first.
    pending: std::collections::VecDeque<Row>,
    total_bytes: u64,
    total_rows: Option<u64>,
}

impl TableReader {
    /// Opens `path` as a table of `kind`. `sheet` picks an xlsx sheet (default: first).
    /// `display` is the name used in messages (usually the file name as given).
    pub fn open(path: &Path, kind: FileKind, sheet: Option<&str>) -> Result<Self, FileError> {
        let display = path.display().to_string();
        let total_bytes = std::fs::metadata(path)
            .map_err(|e| FileError::io(&display, e))?
            .len();
        let (source, total_rows) = match sniff(path, &display)? {
            Format::Workbook => {
                let (rows, n) = read_sheet(path, &display, sheet)?;
                (
                    Source::Sheet {
                        rows: rows.into_iter(),
                        next_line: 1,
                    },
                    Some(n),
                )
            }
            Format::Text { encoding, bom } => {
                let mut f = File::open(path).map_err(|e| FileError::io(&display, e))?;
                let mut skip = vec![0u8; bom];
                f.read_exact(&mut skip)
                    .map_err(|e| FileError::io(&display, e))?;
                let reader: Box<dyn Read> = match encoding {
                    None => Box::new(BufReader::with_capacity(1 << 20, f)),
                    Some(enc) => Box::new(
                        encoding_rs_io::DecodeReaderBytesBuilder::new()
                            .encoding(Some(enc))
                            .bom_override(false)
                            .build(BufReader::with_capacity(1 << 20, f)),
                    ),
                };
                let delimiter = sniff_delimiter(path, encoding, bom);
                let csv = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(delimiter)
                    // Only LF ends a record (a CR before it is trimmed with the
                    // cell): the csv crate's line numbers lag by one on CRLF files
                    // otherwise, and row numbers in errors must be exact.
                    .terminator(csv::Terminator::Any(b'\n'))
                    .buffer_capacity(1 << 20)
                    .from_reader(reader);
                (Source::Csv(csv), None)
            }
        };
        let mut t = TableReader {
            file: display,
            kind,
            headers: Vec::new(),
            positions: vec![None; kind.columns().len()],
            source,
            pending: Default::default(),
            total_bytes,
            total_rows,
        };
        t.find_header()?;
        Ok(t)
    }

    fn find_header(&mut self) -> Result<(), FileError> {
        let mut seen = Vec::new();
        let mut best: Option<(usize, usize)> = None; // (index in seen, recognised count)
        let mut row = Row::default();
        while seen.len() < HEADER_SEARCH_ROWS && self.read_raw(&mut row)? {
            if row.is_blank() {
                continue;
            }
            let recognised = row
                .cells()
                .filter(|h| self.kind.column_index(h).is_some())
                .count();
            seen.push(row.clone());
            if recognised >= 2 && best.is_none_or(|(_, n)| recognised > n) {
                best = Some((seen.len() - 1, recognised));
                // A header with every required column is good enough: stop looking.
                let required = self.kind.columns().iter().filter(|c| c.required).count();
                if recognised >= required {
                    break;
                }
            }
        }
        if seen.is_empty() {
            return Err(FileError::Empty {
                file: self.file.clone(),
            });
        }
        let Some((at, _)) = best else {
            return Err(FileError::NoHeader {
                file: self.file.clone(),
                expected: self
                    .kind
                    .columns()
                    .iter()
                    .filter(|c| c.required)
                    .map(|c| format!("{}/{}", c.zh, c.name))
                    .collect::<Vec<_>>()
                    .join("、"),
            });
        };
        let header = seen[at].clone();
        self.headers = header.cells().map(|h| h.trim().to_string()).collect();
        for (pos, h) in self.headers.iter().enumerate() {
            if let Some(ci) = self.kind.column_index(h) {
                if self.positions[ci].is_some() {
                    return Err(FileError::DuplicateColumn {
                        file: self.file.clone(),
                        column: h.clone(),
                    });
                }
                self.positions[ci] = Some(pos);
            }
        }
        let missing: Vec<String> = self
            .kind
            .columns()
            .iter()
            .zip(&self.positions)
            .filter(|(c, p)| c.required && p.is_none())
            .map(|(c, _)| format!("{}/{}", c.zh, c.name))
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns {
                file: self.file.clone(),
                missing: missing.join("、"),
            });
        }
        self.pending = seen.into_iter().skip(at + 1).collect();
        Ok(())
    }

    /// The file position of the kind's column named `name` (English name).
    pub fn index(&self, name: &str) -> Option<usize> {
        let ci = self.kind.columns().iter().position(|c| c.name == name)?;
        self.positions[ci]
    }

    /// The header of file position `pos` (for error messages).
    pub fn header(&self, pos: usize) -> &str {
        self.headers.get(pos).map(String::as_str).unwrap_or("")
    }

    /// Headers the kind does not know: kept by importers in a side table.
    pub fn extra_columns(&self) -> Vec<(usize, String)> {
        self.headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !h.is_empty() && !self.positions.contains(&Some(*i)))
            .map(|(i, h)| (i, h.clone()))
            .collect()
    }

    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.kind.columns().iter().find(|c| c.name == name)
    }

    /// Reads the next non-blank data row into `row`; false at the end.
    pub fn next_row(&mut self, row: &mut Row) -> Result<bool, FileError> {
        if let Some(r) = self.pending.pop_front() {
            *row = r;
            if row.is_blank() {
                return self.next_row(row);
            }
            return Ok(true);
        }
        loop {
            if !self.read_raw(row)? {
                return Ok(false);
            }
            if !row.is_blank() {
                return Ok(true);
            }
        }
    }

    /// How far through the file we are, as (done, total) in bytes or rows.
    pub fn progress(&self) -> (u64, u64) {
        match &self.source {
            Source::Csv(r) => (r.position().byte(), self.total_bytes),
            Source::Sheet { next_line, .. } => (*next_line, self.total_rows.unwrap_or(0)),
        }
    }

    fn read_raw(&mut self, row: &mut Row) -> Result<bool, FileError> {
        row.lossy.clear();
        match &mut self.source {
            Source::Csv(r) => {
                let line = r.position().line();
                match r.read_record(&mut row.record) {
                    Ok(more) => {
                        // The record's own start position: the reader's position
                        // lags when the previous record ended in a bare CR.
                        row.line = row.record.position().map(|p| p.line()).unwrap_or(line);
                        restore_formula_cells(&mut row.record);
                        Ok(more)
                    }
                    Err(e) => Err(FileError::Csv {
                        file: self.file.clone(),
                        row: e.position().map(|p| p.line()).unwrap_or(line),
                        message: match e.kind() {
                            csv::ErrorKind::Utf8 { .. } => {
                                "文件中途出现非 UTF-8 内容（编码混用） / invalid UTF-8 in the middle of the file (mixed encodings)".to_string()
                            }
                            _ => e.to_string(),
                        },
                    }),
                }
            }
            Source::Sheet { rows, next_line } => {
                let Some(cells) = rows.next() else {
                    return Ok(false);
                };
                row.line = *next_line;
                *next_line += 1;
                row.record.clear();
                for (i, c) in cells.iter().enumerate() {
                    let (s, lossy) = cell_text(c);
                    if lossy {
                        row.lossy.push(i);
                    }
                    row.record.push_field(&s);
                }
                Ok(true)
            }
        }
    }
}

/// Takes off the `'` our CSV writer puts before cells that look like formulas
/// (see [`crate::write::neutralise_formula`]), so exported files read back as
/// they were.
fn restore_formula_cells(record: &mut csv::StringRecord) {
    if !record
        .iter()
        .any(|c| crate::write::restore_formula_text(c).is_some())
    {
        return;
    }
    let fields: Vec<String> = record
        .iter()
        .map(|c| {
            crate::write::restore_formula_text(c)
                .unwrap_or(c)
                .to_string()
        })
        .collect();
    let position = record.position().cloned();
    *record = csv::StringRecord::from(fields);
    record.set_position(position);
}

/// Excel's "Unicode text" is tab-separated; some European-locale exports use ';'.
fn sniff_delimiter(
    path: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
    bom: usize,
) -> u8 {
    let mut head = vec![0u8; 64 * 1024];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    head.truncate(n);
    let text = match encoding {
        None => String::from_utf8_lossy(&head[bom.min(n)..]).into_owned(),
        Some(enc) => enc
            .decode_without_bom_handling(&head[bom.min(n)..])
            .0
            .into_owned(),
    };
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| first.matches(*d as char).count())
        .filter(|d| first.contains(*d as char))
        .unwrap_or(b',')
}

fn read_sheet(
    path: &Path,
    display: &str,
    sheet: Option<&str>,
) -> Result<(Vec<Vec<Data>>, u64), FileError> {
    let xerr = |e: &dyn std::fmt::Display| FileError::Xlsx {
        file: display.to_string(),
        message: e.to_string(),
    };
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| xerr(&e))?;
    let name = match sheet {
        Some(s) => {
            if !wb.sheet_names().iter().any(|n| n == s) {
                return Err(FileError::NoSheet {
                    file: display.to_string(),
                    sheet: s.to_string(),
                });
            }
            s.to_string()
        }
        None => wb
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| FileError::Empty {
                file: display.to_string(),
            })?,
    };
    let range = wb.worksheet_range(&name).map_err(|e| xerr(&e))?;
    // Rows above the used range's start are empty in the sheet: keep numbering true.
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut rows: Vec<Vec<Data>> = vec![Vec::new(); first_row];
    for r in range.rows() {
        let mut v = vec![Data::Empty; first_col];
        v.extend_from_slice(r);
        rows.push(v);
    }
    let n = rows.len() as u64;
    Ok((rows, n))
}

/// A cell as text. Dates become YYYY-MM-DD; integral numbers lose their ".0".
/// Returns whether the number was too long for Excel to keep all digits (an ID
/// number typed into a cell formatted as a number).
fn cell_text(c: &Data) -> (String, bool) {
    match c {
        Data::Empty | Data::Error(_) => (String::new(), false),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => (s.clone(), false),
        Data::Int(i) => (i.to_string(), false),
        Data::Bool(b) => (b.to_string(), false),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                (format!("{}", *f as i64), false)
            } else if f.fract() == 0.0 {
                (format!("{f:.0}"), true)
            } else {
                (f.to_string(), false)
            }
        }
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => (d.date().format("%Y-%m-%d").to_string(), false),
            None => (dt.as_f64().to_string(), false),
        },
    }
}
