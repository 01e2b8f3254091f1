//! The eligibility file (`/work/shared/interchange.md`, "eligibility"): one row per
//! person considered — `person_id` (人员编号), `program`, `year`, `eligible`,
//! `months`, `amount` (yuan, a decimal string such as `3600.00`), `reason` (Chinese)
//! — as JSON (an array of objects), CSV (UTF-8 with BOM, these keys as headers) or
//! xlsx (Chinese headers, every cell text, formulas neutralised).

use crate::rules::EligibilityRow;
use renkou_interchange::write::{OutFormat, TableWriter};
use renkou_interchange::FileError;
use std::io::Write;
use std::path::Path;

/// The CSV headers (and JSON keys).
pub const KEYS: [&str; 7] = [
    "person_id",
    "program",
    "year",
    "eligible",
    "months",
    "amount",
    "reason",
];

/// The xlsx headers.
pub const HEADERS_ZH: [&str; 7] = [
    "人员编号",
    "项目",
    "年度",
    "是否符合",
    "月数",
    "金额（元）",
    "认定理由",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

fn cells(r: &EligibilityRow) -> [String; 7] {
    [
        r.person_id.clone(),
        r.program.to_string(),
        r.year.to_string(),
        r.eligible.to_string(),
        r.months.to_string(),
        r.amount.to_string(),
        r.reason.clone(),
    ]
}

fn io(file: &str, e: std::io::Error) -> FileError {
    FileError::Write {
        file: file.to_string(),
        message: e.to_string(),
    }
}

/// JSON: an array of one object per row.
pub fn write_json(rows: &[EligibilityRow], mut w: impl Write) -> Result<(), FileError> {
    serde_json::to_writer_pretty(&mut w, rows).map_err(|e| io("JSON", e.into()))?;
    writeln!(w).map_err(|e| io("JSON", e))?;
    w.flush().map_err(|e| io("JSON", e))
}

/// CSV to a stream (UTF-8 with BOM), quoted only where needed (RFC 4180), a cell
/// that looks like a formula prefixed with `'` as the file writer does.
pub fn write_csv(rows: &[EligibilityRow], mut w: impl Write) -> Result<(), FileError> {
    w.write_all(b"\xEF\xBB\xBF").map_err(|e| io("CSV", e))?;
    let mut line = |cells: &[&str]| -> std::io::Result<()> {
        let v: Vec<String> = cells
            .iter()
            .map(|c| {
                let c = renkou_interchange::write::neutralise_formula(c);
                if c.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.into_owned()
                }
            })
            .collect();
        writeln!(w, "{}", v.join(","))
    };
    let mut run = || -> std::io::Result<()> {
        line(&KEYS)?;
        for r in rows {
            let c = cells(r);
            let refs: Vec<&str> = c.iter().map(String::as_str).collect();
            line(&refs)?;
        }
        Ok(())
    };
    run().map_err(|e| io("CSV", e))?;
    w.flush().map_err(|e| io("CSV", e))
}

/// Writes the rows to `path`.
pub fn write_file(rows: &[EligibilityRow], path: &Path, format: Format) -> Result<(), FileError> {
    let file = path.display().to_string();
    match format {
        Format::Json => {
            let f = std::fs::File::create(path).map_err(|e| io(&file, e))?;
            write_json(rows, std::io::BufWriter::new(f))
        }
        Format::Csv => {
            let mut w = TableWriter::create(path, OutFormat::Csv, &KEYS)?;
            for r in rows {
                w.write_row(&cells(r))?;
            }
            w.finish()
        }
        Format::Xlsx => {
            let mut w = TableWriter::create(path, OutFormat::Xlsx, &HEADERS_ZH)?;
            for r in rows {
                w.write_row(&cells(r))?;
            }
            w.finish()
        }
    }
}
