//! The xlsx side of [`crate::table::TableReader`]: the archive check that runs
//! before calamine sees a file, and the sheet read as a stream of rows.
//!
//! calamine streams a sheet's cells ([`calamine::XlsxCellReader`]), but when it
//! opens a workbook it reads the shared strings, the cell formats, the
//! relationships and the workbook part into memory whole, and its XML parser
//! buffers each tag, text run and cell whole. None of that is bounded. So before
//! calamine opens a file, [`check_archive`] reads every member once with the
//! same zip crate and the same XML parser and configuration calamine uses, and
//! refuses the file if anything calamine would hold is out of bounds
//! ([`crate::limits`]):
//!
//! - sizes first from the central directory (declared sizes, ratios, member
//!   count and names), before inflating a byte;
//! - then the inflated bytes themselves, counted as they come (a member may lie
//!   about its size): in total, against the member's declared size, and against
//!   its stored size (the ratio), so a zip bomb stops after at most
//!   [`MAX_RATIO`] × its stored size;
//! - the longest XML event, each cell and shared string, the number and size of
//!   the shared strings and of every other record calamine keeps.
//!
//! Because the zip crate also refuses to inflate a member beyond its declared
//! size, what calamine then reads is exactly what was checked. The sheet itself
//! is read on a worker thread that owns the calamine workbook (its cell reader
//! borrows the workbook, and a [`crate::table::TableReader`] must own both) and
//! hands finished rows over a short channel.

use crate::error::FileError;
use crate::limits::*;
use crate::table::{Refusal, Row};
use calamine::{DataRef, Reader as _};
use quick_xml::events::{BytesStart, Event};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Member names longer than this are refused (calamine keeps a lowercase copy
/// of every name; real ones are under 60 bytes).
const MAX_ENTRY_NAME: usize = 1 << 10;
/// Rows go from the worker to the reader in batches (one hand-over per row cost
/// a thread switch per row), of at most this many rows or [`BATCH_BYTES`]
/// bytes of text, and at most [`CHANNEL_BATCHES`] batches wait.
const BATCH_ROWS: usize = 512;
const BATCH_BYTES: usize = 1 << 20;
const CHANNEL_BATCHES: usize = 2;

/// Checks the archive at `path` as described in the module documentation.
pub(crate) fn check_archive(path: &Path, display: &str) -> Result<(), FileError> {
    let file = File::open(path).map_err(|e| FileError::io(display, e))?;
    let mut zip =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| FileError::xlsx(display, &e))?;
    let refuse = |limit| FileError::limit(display, None, limit);
    if zip.len() > MAX_ENTRIES {
        return Err(refuse(Limit::Entries { max: MAX_ENTRIES }));
    }
    let mut declared_total = 0u64;
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| FileError::xlsx(display, &e))?;
        if entry.name_raw().len() > MAX_ENTRY_NAME {
            return Err(refuse(Limit::Entries { max: MAX_ENTRIES }));
        }
        let (declared, stored) = (entry.size(), entry.compressed_size());
        declared_total = declared_total.saturating_add(declared);
        if declared_total > MAX_INFLATED {
            return Err(refuse(Limit::Inflated { max: MAX_INFLATED }));
        }
        if declared > RATIO_FREE_BYTES && declared > stored.saturating_mul(MAX_RATIO) {
            return Err(refuse(Limit::Ratio {
                entry: String::from_utf8_lossy(entry.name_raw()).into_owned(),
                max: MAX_RATIO,
            }));
        }
    }
    let mut inflated = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| FileError::xlsx(display, &e))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let meter = Meter {
            declared: entry.size(),
            stored: entry.compressed_size(),
            inner: entry,
            entry: name.clone(),
            read: 0,
            before: inflated,
            xml: true,
            event_mark: 0,
            tripped: None,
        };
        inflated += scan_member(meter, &name, display)?;
    }
    Ok(())
}

/// Counts one member's inflated bytes and stops it at the first bound broken
/// (recorded in `tripped`, since the XML parser only passes on an I/O error).
struct Meter<R> {
    inner: R,
    entry: String,
    read: u64,
    /// Inflated bytes of the members before this one.
    before: u64,
    declared: u64,
    stored: u64,
    /// While the XML parser reads: bytes since its last event are bounded.
    xml: bool,
    event_mark: u64,
    tripped: Option<Limit>,
}

impl<R: Read> Read for Meter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            // The zip crate's own refusal to inflate past the declared size
            // (it says so only in its message; a CRC or deflate error is not it).
            Err(e)
                if e.kind() == std::io::ErrorKind::InvalidData
                    && e.to_string().contains("declared") =>
            {
                self.tripped = Some(Limit::Misdeclared {
                    entry: self.entry.clone(),
                });
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        self.read += n as u64;
        let limit = if self.read > self.declared {
            Some(Limit::Misdeclared {
                entry: self.entry.clone(),
            })
        } else if self.before + self.read > MAX_INFLATED {
            Some(Limit::Inflated { max: MAX_INFLATED })
        } else if self.read > RATIO_FREE_BYTES && self.read > self.stored.saturating_mul(MAX_RATIO)
        {
            Some(Limit::Ratio {
                entry: self.entry.clone(),
                max: MAX_RATIO,
            })
        } else if self.xml && self.read - self.event_mark > (MAX_XML_EVENT + READ_AHEAD) as u64 {
            Some(Limit::XmlEvent {
                entry: self.entry.clone(),
                max: MAX_XML_EVENT,
            })
        } else {
            None
        };
        match limit {
            Some(l) => {
                self.tripped = Some(l);
                Err(std::io::Error::other("limit"))
            }
            None => Ok(n),
        }
    }
}

/// The XML parser's read-ahead: bytes read past the current event.
const READ_AHEAD: usize = 64 << 10;

/// Elements calamine keeps in memory when it opens a workbook, besides shared
/// strings: cell formats and what they refer to, relationships, sheets, defined
/// names, theme colour slots.
const KEPT: &[&str] = &[
    "xf",
    "font",
    "fill",
    "border",
    "numFmt",
    "Relationship",
    "sheet",
    "definedName",
    "dk1",
    "lt1",
    "dk2",
    "lt2",
    "accent1",
    "accent2",
    "accent3",
    "accent4",
    "accent5",
    "accent6",
    "hlink",
    "folHlink",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cell,
    SharedString,
    Kept(usize),
}

impl Kind {
    fn of(local: &str) -> Option<Kind> {
        match local {
            "c" => Some(Kind::Cell),
            "si" => Some(Kind::SharedString),
            // A sheet's own elements, by far the most frequent: not kept.
            "row" | "is" | "t" | "v" | "f" | "r" | "rPr" => None,
            _ => KEPT.iter().position(|k| *k == local).map(Kind::Kept),
        }
    }

    fn max(self) -> usize {
        match self {
            Kind::Cell | Kind::SharedString => MAX_CELL_XML,
            Kind::Kept(_) => MAX_RECORD_XML,
        }
    }
}

/// The element being measured: only one at a time, elements nested in it are
/// part of it.
struct Open {
    kind: Kind,
    start: u64,
    depth: u32,
}

/// What one member holds of the things calamine keeps, as the scan goes.
#[derive(Default)]
struct Tally {
    shared_strings: usize,
    shared_string_bytes: u64,
    kept: [usize; KEPT.len()],
    kept_max: [u64; KEPT.len()],
    kept_bytes: u64,
    /// The current sheet position (from 1), for the place of a refused cell.
    row: u64,
    col: usize,
}

/// Scans one member; returns its inflated size.
fn scan_member<R: Read>(meter: Meter<R>, name: &str, display: &str) -> Result<u64, FileError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::with_capacity(READ_AHEAD, meter));
    // calamine's configuration (calamine::xlsx::xml_reader): the same events.
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut open: Option<Open> = None;
    let mut t = Tally::default();
    let place = |t: &Tally| {
        Some(Place {
            row: t.row.max(1),
            column: Some(column_letter(t.col)),
        })
    };
    let tripped =
        |xml: &quick_xml::Reader<BufReader<Meter<R>>>| xml.get_ref().get_ref().tripped.clone();
    loop {
        buf.clear();
        let before = xml.buffer_position();
        let event = xml.read_event_into(&mut buf);
        let meter = xml.get_mut().get_mut();
        meter.event_mark = meter.read;
        let event = match event {
            Ok(Event::Eof) => break,
            Ok(e) => e,
            Err(_) => {
                if let Some(limit) = tripped(&xml) {
                    // A text or tag too long inside a cell is the cell's fault.
                    if let (
                        Limit::XmlEvent { .. },
                        Some(Open {
                            kind: Kind::Cell, ..
                        }),
                    ) = (&limit, &open)
                    {
                        return Err(FileError::limit(
                            display,
                            place(&t),
                            Limit::Cell {
                                max: MAX_CELL_CHARS,
                            },
                        ));
                    }
                    return Err(FileError::limit(display, None, limit));
                }
                // Not XML (an image), or broken XML: calamine stops where this
                // parser stopped, so only the size of the rest still matters.
                let mut rest = xml.into_inner();
                rest.get_mut().xml = false;
                return match std::io::copy(&mut rest, &mut std::io::sink()) {
                    Ok(_) => Ok(rest.get_ref().read),
                    Err(e) => match rest.get_ref().tripped.clone() {
                        Some(limit) => Err(FileError::limit(display, None, limit)),
                        None => Err(FileError::xlsx(display, &e)),
                    },
                };
            }
        };
        let pos = xml.buffer_position();
        match &event {
            Event::Start(e) => {
                let local = e.local_name();
                let local = local.as_ref();
                if local == "row" {
                    t.row = r_attr(e).and_then(|r| r.parse().ok()).unwrap_or(t.row + 1);
                    t.col = 0;
                } else if local == "c" {
                    if let Some((row, col)) = r_attr(e).and_then(cell_ref) {
                        t.row = row;
                        t.col = col;
                    }
                }
                match &mut open {
                    Some(o) => o.depth += 1,
                    None => {
                        if let Some(kind) = Kind::of(local) {
                            tally(&mut t, kind, name, display)?;
                            open = Some(Open {
                                kind,
                                start: before,
                                depth: 1,
                            });
                        }
                    }
                }
            }
            Event::End(e) => {
                if let Some(o) = &mut open {
                    o.depth -= 1;
                    if o.depth == 0 {
                        let size = pos - o.start;
                        match o.kind {
                            Kind::SharedString => {
                                t.shared_string_bytes += size;
                                if t.shared_string_bytes > MAX_SHARED_STRINGS_XML {
                                    return Err(FileError::limit(
                                        display,
                                        None,
                                        Limit::Part {
                                            entry: name.to_string(),
                                            max: MAX_SHARED_STRINGS_XML,
                                        },
                                    ));
                                }
                            }
                            Kind::Kept(k) => {
                                t.kept_max[k] = t.kept_max[k].max(size);
                                t.kept_bytes += size;
                                if t.kept_bytes > MAX_OTHER_PART_XML {
                                    return Err(FileError::limit(
                                        display,
                                        None,
                                        Limit::Part {
                                            entry: name.to_string(),
                                            max: MAX_OTHER_PART_XML,
                                        },
                                    ));
                                }
                            }
                            Kind::Cell => {}
                        }
                        open = None;
                    }
                }
                if e.local_name().as_ref() == "c" {
                    t.col += 1;
                }
            }
            _ => {}
        }
        if let Some(o) = &open {
            if pos - o.start > o.kind.max() as u64 {
                let limit = match o.kind {
                    Kind::Cell => Limit::Cell {
                        max: MAX_CELL_CHARS,
                    },
                    Kind::SharedString => Limit::SharedString {
                        index: t.shared_strings,
                        max: MAX_CELL_CHARS,
                    },
                    Kind::Kept(k) => Limit::Records {
                        entry: name.to_string(),
                        what: KEPT[k].to_string(),
                        max: MAX_RECORDS,
                    },
                };
                let at = if o.kind == Kind::Cell {
                    place(&t)
                } else {
                    None
                };
                return Err(FileError::limit(display, at, limit));
            }
        }
    }
    check_style_memory(&t, display)?;
    Ok(xml.get_ref().get_ref().read)
}

fn tally(t: &mut Tally, kind: Kind, name: &str, display: &str) -> Result<(), FileError> {
    match kind {
        Kind::Cell => Ok(()),
        Kind::SharedString => {
            t.shared_strings += 1;
            if t.shared_strings > MAX_SHARED_STRINGS {
                return Err(FileError::limit(
                    display,
                    None,
                    Limit::SharedStrings {
                        max: MAX_SHARED_STRINGS,
                    },
                ));
            }
            Ok(())
        }
        Kind::Kept(k) => {
            t.kept[k] += 1;
            if t.kept[k] > MAX_RECORDS {
                return Err(FileError::limit(
                    display,
                    None,
                    Limit::Records {
                        entry: name.to_string(),
                        what: KEPT[k].to_string(),
                        max: MAX_RECORDS,
                    },
                ));
            }
            Ok(())
        }
    }
}

/// calamine builds one `Style` (152 bytes, with the rest of a cell format about
/// 256) per cell format and copies the font and the number format it names into
/// it. The largest font and number format of the part stand in for the ones
/// named: an upper bound that needs no bookkeeping of which is which.
fn check_style_memory(t: &Tally, display: &str) -> Result<(), FileError> {
    let k = |name: &str| KEPT.iter().position(|k| *k == name).unwrap_or(0);
    let per_style = 256 + t.kept_max[k("font")] + t.kept_max[k("numFmt")];
    if (t.kept[k("xf")] as u64).saturating_mul(per_style) > MAX_STYLE_MEMORY {
        return Err(FileError::limit(
            display,
            None,
            Limit::Styles {
                max: MAX_STYLE_MEMORY,
            },
        ));
    }
    Ok(())
}

/// The `r` attribute of a `<row>` or `<c>`, found in the tag's raw text: it is
/// plain ASCII, and this runs for every cell, so no attribute parsing.
fn r_attr<'a>(e: &'a BytesStart<'_>) -> Option<&'a str> {
    let raw: &str = e.as_ref();
    let at = raw.find(" r=\"")? + 4;
    let len = raw.get(at..)?.find('"')?;
    raw.get(at..at + len)
}

/// "B12" → (12, 1): the row from 1, the column from 0. None for anything else.
fn cell_ref(r: &str) -> Option<(u64, usize)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let (col, row) = r.split_at(letters);
    let col = col.bytes().fold(0usize, |n, c| {
        n * 26 + (c.to_ascii_uppercase() - b'A') as usize + 1
    });
    let row: u64 = row.parse().ok()?;
    Some((row, col.checked_sub(1)?))
}

enum Msg {
    Rows(Vec<Row>),
    Refused(Refusal),
    End,
}

/// The rows of one sheet, read by a worker thread; see the module documentation.
pub(crate) struct SheetRows {
    rx: Receiver<Msg>,
    batch: std::vec::IntoIter<Row>,
    done: bool,
    pub next_line: u64,
    /// Rows as the sheet's dimension declares them (for progress only).
    pub total_rows: u64,
}

/// Checks the archive, opens the sheet (`sheet`, or the first) and starts the
/// worker.
pub(crate) fn open_sheet(
    path: &Path,
    display: &str,
    sheet: Option<&str>,
) -> Result<SheetRows, FileError> {
    check_archive(path, display)?;
    let (tx, rx) = sync_channel(CHANNEL_BATCHES);
    let (ready_tx, ready_rx) = sync_channel(1);
    let (path, file, sheet) = (
        path.to_path_buf(),
        display.to_string(),
        sheet.map(str::to_string),
    );
    std::thread::Builder::new()
        .name("xlsx-rows".into())
        .spawn(move || worker(path, file, sheet, ready_tx, tx))
        .map_err(|e| FileError::io(display, e))?;
    match ready_rx.recv() {
        Ok(Ok(total_rows)) => Ok(SheetRows {
            rx,
            batch: Vec::new().into_iter(),
            done: false,
            next_line: 1,
            total_rows,
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(stopped(display)),
    }
}

fn stopped(display: &str) -> FileError {
    FileError::xlsx(
        display,
        &"读取工作表时意外中止 / reading the sheet stopped unexpectedly",
    )
}

impl SheetRows {
    /// The next row with data, or None at the end.
    pub fn next(&mut self, display: &str, row: &mut Row) -> Result<bool, Refusal> {
        loop {
            if let Some(r) = self.batch.next() {
                *row = r;
                self.next_line = row.line + 1;
                return Ok(true);
            }
            if self.done {
                return Ok(false);
            }
            match self.rx.recv() {
                Ok(Msg::Rows(rows)) => self.batch = rows.into_iter(),
                Ok(Msg::Refused(r)) => {
                    self.done = true;
                    return Err(r);
                }
                Ok(Msg::End) => self.done = true,
                Err(_) => {
                    self.done = true;
                    return Err(Refusal::File(stopped(display)));
                }
            }
        }
    }
}

type Ready = SyncSender<Result<u64, FileError>>;

fn worker(
    path: PathBuf,
    display: String,
    sheet: Option<String>,
    ready: Ready,
    tx: SyncSender<Msg>,
) {
    let opened = File::open(&path)
        .map_err(|e| FileError::io(&display, e))
        .and_then(|f| {
            calamine::Xlsx::new(BufReader::new(f)).map_err(|e| FileError::xlsx(&display, &e))
        });
    let mut book = match opened {
        Ok(b) => b,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) if names.contains(&s) => s,
        Some(s) => {
            let _ = ready.send(Err(FileError::NoSheet {
                file: display.clone(),
                sheet: crate::echo::echo(&s).into_owned(),
            }));
            return;
        }
        None => match names.first() {
            Some(n) => n.clone(),
            None => {
                let _ = ready.send(Err(FileError::Empty { file: display }));
                return;
            }
        },
    };
    let mut cells = match book.worksheet_cells_reader(&name) {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(FileError::xlsx(&display, &e)));
            return;
        }
    };
    let declared = cells.dimensions();
    let total = if declared.end.0 > 0 || declared.end.1 > 0 {
        (declared.end.0 as u64 + 1).min(MAX_SHEET_ROWS)
    } else {
        0
    };
    if ready.send(Ok(total)).is_err() {
        return;
    }
    let mut rows = RowBuilder::default();
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    // A send fails when the reader was dropped: reading stops then.
    let mut hand_over = |row: Option<Row>, last: Option<Msg>| -> bool {
        if let Some(row) = row {
            batch_bytes += row.text_len();
            batch.push(row);
        }
        if batch.len() >= BATCH_ROWS || batch_bytes >= BATCH_BYTES || last.is_some() {
            batch_bytes = 0;
            let full = std::mem::take(&mut batch);
            if !full.is_empty() && tx.send(Msg::Rows(full)).is_err() {
                return false;
            }
        }
        match last {
            Some(msg) => {
                let _ = tx.send(msg);
                false
            }
            None => true,
        }
    };
    loop {
        let go_on = match cells.next_cell() {
            Ok(Some(cell)) => match rows.add(cell.get_position(), cell.get_value()) {
                Ok(done) => hand_over(done, None),
                Err(r) => hand_over(None, Some(Msg::Refused(r))),
            },
            Ok(None) => {
                let done = rows.finish();
                hand_over(done, Some(Msg::End))
            }
            Err(e) => hand_over(
                None,
                Some(Msg::Refused(Refusal::File(FileError::xlsx(&display, &e)))),
            ),
        };
        if !go_on {
            return;
        }
    }
}

/// Cells in sheet order → rows, within the bounds on columns, rows and row size.
#[derive(Default)]
struct RowBuilder {
    /// The row being built: its index (from 0), cells by column, lossy columns.
    at: Option<u32>,
    cells: Vec<String>,
    lossy: Vec<usize>,
    bytes: usize,
}

impl RowBuilder {
    /// Adds a cell; returns the previous row when this cell starts a new one.
    fn add(&mut self, (r, c): (u32, u32), value: &DataRef<'_>) -> Result<Option<Row>, Refusal> {
        let mut finished = None;
        if self.at != Some(r) {
            finished = self.finish();
            self.at = Some(r);
        }
        if u64::from(r) >= MAX_SHEET_ROWS {
            return Err(Refusal::at(
                u64::from(r) + 1,
                None,
                Limit::Rows {
                    max: MAX_SHEET_ROWS,
                },
            ));
        }
        let (text, lossy) = cell_text(value);
        // Empty cells carry nothing, however far right a format put them.
        if text.is_empty() {
            return Ok(finished);
        }
        let c = c as usize;
        if c >= MAX_COLUMNS {
            return Err(Refusal::at(
                u64::from(r) + 1,
                Some(c),
                Limit::Columns { max: MAX_COLUMNS },
            ));
        }
        if self.cells.len() <= c {
            self.cells.resize(c + 1, String::new());
        }
        self.bytes = self.bytes - self.cells[c].len() + text.len();
        if self.bytes > MAX_ROW_BYTES {
            return Err(Refusal::at(
                u64::from(r) + 1,
                None,
                Limit::Row { max: MAX_ROW_BYTES },
            ));
        }
        self.cells[c] = text;
        if lossy {
            self.lossy.push(c);
        }
        Ok(finished)
    }

    fn finish(&mut self) -> Option<Row> {
        let r = self.at.take()?;
        let mut row = Row::default();
        row.line = u64::from(r) + 1;
        for c in &self.cells {
            row.push_cell(c);
        }
        row.set_lossy(std::mem::take(&mut self.lossy));
        self.cells.clear();
        self.bytes = 0;
        Some(row)
    }
}

/// A cell as text. Dates become YYYY-MM-DD; integral numbers lose their ".0".
/// Also says whether the number was too long for Excel to keep all digits (an
/// ID number typed into a cell formatted as a number).
fn cell_text(c: &DataRef<'_>) -> (String, bool) {
    match c {
        DataRef::Empty | DataRef::Error(_) => (String::new(), false),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            (s.clone(), false)
        }
        DataRef::SharedString(s) => (s.to_string(), false),
        DataRef::Int(i) => (i.to_string(), false),
        DataRef::Bool(b) => (b.to_string(), false),
        DataRef::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                (format!("{}", *f as i64), false)
            } else if f.fract() == 0.0 {
                (format!("{f:.0}"), true)
            } else {
                (f.to_string(), false)
            }
        }
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(d) => (d.date().format("%Y-%m-%d").to_string(), false),
            None => (dt.as_f64().to_string(), false),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meter(data: &[u8], before: u64, declared: u64, stored: u64) -> Meter<&[u8]> {
        Meter {
            inner: data,
            entry: "xl/worksheets/sheet1.xml".into(),
            read: 0,
            before,
            declared,
            stored,
            xml: false,
            event_mark: 0,
            tripped: None,
        }
    }

    fn trip(mut m: Meter<&[u8]>) -> Option<Limit> {
        let r = std::io::copy(&mut m, &mut std::io::sink());
        assert_eq!(r.is_err(), m.tripped.is_some());
        m.tripped
    }

    #[test]
    fn the_meter_stops_each_member_at_the_first_bound() {
        let data = vec![b'a'; 2 << 20];
        assert_eq!(trip(meter(&data, 0, 2 << 20, 1 << 20)), None);
        // The members before it already took nearly all of the budget.
        assert_eq!(
            trip(meter(&data, MAX_INFLATED - 10, 2 << 20, 1 << 20)),
            Some(Limit::Inflated { max: MAX_INFLATED })
        );
        // Inflating past the declared size.
        assert!(matches!(
            trip(meter(&data, 0, 1 << 20, 1 << 20)),
            Some(Limit::Misdeclared { .. })
        ));
        // Past the ratio: 2 MiB out of 10 KiB stored.
        assert!(matches!(
            trip(meter(&data, 0, 2 << 20, 10 << 10)),
            Some(Limit::Ratio { max: MAX_RATIO, .. })
        ));
        // But a small member may compress as well as it likes.
        assert_eq!(trip(meter(&data[..1 << 20], 0, 1 << 20, 10)), None);
    }

    #[test]
    fn cell_references() {
        assert_eq!(cell_ref("A1"), Some((1, 0)));
        assert_eq!(cell_ref("b12"), Some((12, 1)));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_576, 16_383)));
        assert_eq!(cell_ref("1"), None);
        assert_eq!(cell_ref("ABCD1"), None);
        assert_eq!(cell_ref("A"), None);
        assert_eq!(cell_ref("A１"), None);
    }
}
