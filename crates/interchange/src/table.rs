//! A streaming reader of one interchange table, whatever its container: it finds the
//! header row, maps headers to the file kind's columns, and yields rows one at a time,
//! each within the bounds of [`crate::limits`] (the CSV and xlsx specifics live in
//! [`crate::csvread`] and [`crate::xlsx`]; the checks every row gets are here).

use crate::csvread::CsvSource;
use crate::encoding::{sniff, Format};
use crate::error::FileError;
use crate::limits::{column_letter, Limit, Place, MAX_CELL_CHARS, MAX_COLUMNS};
use crate::schema::{Column, FileKind};
use crate::xlsx::SheetRows;
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

    /// The cells cut to `max` characters each (with `…`), for showing a
    /// preview of a file without echoing an oversized cell back whole.
    pub fn preview_cells(&self, max: usize) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
        self.cells().map(move |c| crate::echo::cut(c, max))
    }

    /// Bytes of text in the row's cells.
    pub(crate) fn text_len(&self) -> usize {
        self.record.as_slice().len()
    }

    pub(crate) fn push_cell(&mut self, s: &str) {
        self.record.push_field(s);
    }

    pub(crate) fn set_lossy(&mut self, lossy: Vec<usize>) {
        self.lossy = lossy;
    }
}

/// Why a source stopped, before the table knows its headers: the column is a
/// position, turned into the header's name (or letter) by [`TableReader`].
pub(crate) enum Refusal {
    File(FileError),
    Limit {
        row: u64,
        column: Option<usize>,
        limit: Limit,
    },
    Nul {
        row: u64,
        column: usize,
    },
}

impl Refusal {
    pub fn at(row: u64, column: Option<usize>, limit: Limit) -> Self {
        Refusal::Limit { row, column, limit }
    }
}

enum Source {
    /// Boxed: csv_core's state tables make it ten times the size of a sheet's.
    Csv(Box<CsvSource>),
    Sheet(SheetRows),
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
            Format::Workbook if is_ole(path) => {
                return Err(FileError::LegacyXls { file: display });
            }
            Format::Workbook => {
                let rows = crate::xlsx::open_sheet(path, &display, sheet)?;
                let total = rows.total_rows;
                (Source::Sheet(rows), Some(total))
            }
            Format::Text { encoding, bom } => {
                let mut f = File::open(path).map_err(|e| FileError::io(&display, e))?;
                let mut skip = vec![0u8; bom];
                f.read_exact(&mut skip)
                    .map_err(|e| FileError::io(&display, e))?;
                let reader: Box<dyn std::io::BufRead> = match encoding {
                    None => Box::new(BufReader::with_capacity(1 << 20, f)),
                    Some(enc) => Box::new(BufReader::with_capacity(
                        1 << 20,
                        encoding_rs_io::DecodeReaderBytesBuilder::new()
                            .encoding(Some(enc))
                            .bom_override(false)
                            .build(BufReader::with_capacity(1 << 20, f)),
                    )),
                };
                let delimiter = sniff_delimiter(path, encoding, bom);
                (
                    Source::Csv(Box::new(CsvSource::new(reader, delimiter))),
                    None,
                )
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

    /// For each file position, the kind's column it is read as (an index into
    /// `kind.columns()`), or None.
    pub fn mapping(&self) -> Vec<Option<usize>> {
        (0..self.headers.len())
            .map(|pos| self.positions.iter().position(|p| *p == Some(pos)))
            .collect()
    }

    /// Reads the file's columns as `mapping` says (one entry per file position:
    /// the kind's column index, or None to leave it unread), replacing what the
    /// headers were recognised as. Two positions may not read one column, and
    /// every required column must be read.
    pub fn set_mapping(&mut self, mapping: &[Option<usize>]) -> Result<(), FileError> {
        let n = self.kind.columns().len();
        let mut positions = vec![None; n];
        for (pos, ci) in mapping.iter().enumerate().take(self.headers.len()) {
            let Some(ci) = *ci else { continue };
            if ci >= n {
                continue;
            }
            if positions[ci].is_some() {
                return Err(FileError::DuplicateColumn {
                    file: self.file.clone(),
                    column: self.kind.columns()[ci].zh.to_string(),
                });
            }
            positions[ci] = Some(pos);
        }
        let missing: Vec<String> = self
            .kind
            .columns()
            .iter()
            .zip(&positions)
            .filter(|(c, p)| c.required && p.is_none())
            .map(|(c, _)| format!("{}/{}", c.zh, c.name))
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns {
                file: self.file.clone(),
                missing: missing.join("、"),
            });
        }
        self.positions = positions;
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
            Source::Csv(r) => (r.consumed(), self.total_bytes),
            Source::Sheet(s) => (s.next_line, self.total_rows.unwrap_or(0)),
        }
    }

    fn read_raw(&mut self, row: &mut Row) -> Result<bool, FileError> {
        row.lossy.clear();
        let read = match &mut self.source {
            Source::Csv(r) => match r.read(&self.file, &mut row.record) {
                Ok(Some(line)) => {
                    row.line = line;
                    restore_formula_cells(&mut row.record);
                    Ok(true)
                }
                Ok(None) => Ok(false),
                Err(e) => Err(e),
            },
            Source::Sheet(s) => s.next(&self.file, row),
        };
        match read.and_then(|more| {
            if more {
                check_row(row).map(|()| true)
            } else {
                Ok(false)
            }
        }) {
            Ok(more) => Ok(more),
            Err(r) => Err(self.refused(r)),
        }
    }

    /// A source's refusal as the file error users see, its column named.
    fn refused(&self, r: Refusal) -> FileError {
        let name = |i: usize| match self.headers.get(i) {
            Some(h) if !h.is_empty() => h.clone(),
            _ => column_letter(i),
        };
        match r {
            Refusal::File(e) => e,
            Refusal::Limit { row, column, limit } => FileError::Limit {
                file: self.file.clone(),
                at: Some(Place {
                    row,
                    column: column.map(name),
                }),
                limit,
            },
            Refusal::Nul { row, column } => FileError::Nul {
                file: self.file.clone(),
                at: Place {
                    row,
                    column: Some(name(column)),
                },
            },
        }
    }
}

/// The checks every row gets, whatever its file: empty cells at the end are
/// dropped (Excel writes trailing commas up to the widest row), then data must
/// end by [`MAX_COLUMNS`], no cell may hold more than [`MAX_CELL_CHARS`]
/// characters, and none a NUL.
fn check_row(row: &mut Row) -> Result<(), Refusal> {
    let used = (0..row.record.len())
        .rev()
        .find(|&i| !row.record[i].trim().is_empty())
        .map_or(0, |i| i + 1);
    if used > MAX_COLUMNS {
        return Err(Refusal::at(
            row.line,
            Some(MAX_COLUMNS),
            Limit::Columns { max: MAX_COLUMNS },
        ));
    }
    row.record.truncate(used);
    let cells = row.record.iter().enumerate();
    for (i, c) in cells.filter(|_| row.text_len() > MAX_CELL_CHARS) {
        // Four bytes at most per character: the count is needed only above that.
        if c.len() > MAX_CELL_CHARS && c.chars().count() > MAX_CELL_CHARS {
            return Err(Refusal::at(
                row.line,
                Some(i),
                Limit::Cell {
                    max: MAX_CELL_CHARS,
                },
            ));
        }
    }
    // One search over the whole row's text; the cell only when there is a NUL.
    if row.record.as_slice().as_bytes().contains(&0) {
        if let Some(i) = row.record.iter().position(|c| c.as_bytes().contains(&0)) {
            return Err(Refusal::Nul {
                row: row.line,
                column: i,
            });
        }
    }
    Ok(())
}

/// An OLE compound file: an .xls workbook (or an encrypted .xlsx).
fn is_ole(path: &Path) -> bool {
    let mut head = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == [0xD0, 0xCF, 0x11, 0xE0]
}

/// Takes off the `'` our CSV writer puts before cells that look like formulas
/// (see [`crate::write::neutralise_formula`]), and the `="…"` around codes in
/// files for people (see [`crate::sheet::code_for_csv`]), so exported files read
/// back as they were.
fn restore_formula_cells(record: &mut csv::StringRecord) {
    fn restore(c: &str) -> Option<&str> {
        crate::write::restore_formula_text(c).or_else(|| crate::sheet::unwrap_text_formula(c))
    }
    if !record.iter().any(|c| restore(c).is_some()) {
        return;
    }
    let fields: Vec<String> = record
        .iter()
        .map(|c| restore(c).unwrap_or(c).to_string())
        .collect();
    *record = csv::StringRecord::from(fields);
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
