//! The eligibility file (`/work/shared/interchange.md`, "eligibility"): one row per
//! person considered — `person_id` (人员编号), `program`, `year`, `eligible`,
//! `months`, `amount` (yuan, a decimal string such as `3600.00`), `reason` (Chinese)
//! — as JSON (an array of objects), CSV (UTF-8 with BOM, these keys as headers) or
//! xlsx, a file for people (`renkou_interchange::sheet`: a title row, a frozen
//! and filtered header, the sheet named 资格认定结果; the program in words, 是/否,
//! year, months and amount as numbers, the person number as text).

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
            use renkou_interchange::sheet::{col, Cell, SheetSpec, SheetWriter};
            let widths = [12, 10, 6, 8, 6, 11, 60];
            let program = rows
                .first()
                .and_then(|r| crate::rules::eligibility::Program::parse(r.program))
                .map(|p| p.name_zh())
                .unwrap_or("");
            let year = rows
                .first()
                .map(|r| format!("{}年", r.year))
                .unwrap_or_default();
            let spec = SheetSpec {
                title: format!("{year}{program}资格认定结果"),
                sheet: "资格认定结果".into(),
                columns: HEADERS_ZH
                    .iter()
                    .zip(widths)
                    .map(|(h, w)| col(h, w))
                    .collect(),
                landscape: true,
            };
            let mut w = SheetWriter::create(path, OutFormat::Xlsx, &spec)?;
            for r in rows {
                let amount: f64 = r.amount.to_string().parse().unwrap_or(0.0);
                w.write_row(&[
                    Cell::code(r.person_id.clone()),
                    Cell::text(
                        crate::rules::eligibility::Program::parse(r.program)
                            .map(|p| p.name_zh())
                            .unwrap_or(r.program),
                    ),
                    Cell::Int(i64::from(r.year)),
                    Cell::text(if r.eligible { "是" } else { "否" }),
                    Cell::Int(i64::from(r.months)),
                    Cell::Number(amount, 2),
                    Cell::text(r.reason.clone()),
                ])?;
            }
            w.finish().map(|_| ())
        }
    }
}
