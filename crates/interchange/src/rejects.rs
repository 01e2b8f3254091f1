//! What an import that skips bad rows leaves beside its input: the rejected rows
//! with their original cells and the reasons (`<input>.rejected.csv`), so the
//! office can correct them in Excel and import them again. Also the two small
//! helpers every importer uses to report: a file's shown name and row errors in
//! row order.

use crate::error::{FileError, RowError};
use crate::table::{Row, TableReader};
use crate::write::{OutFormat, TableWriter};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A file's name as shown in messages (no directory: the server's paths are its own).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Row errors collected by row, flattened in row order.
pub fn sorted_errors(errors: HashMap<u64, Vec<RowError>>) -> Vec<RowError> {
    let mut rows: Vec<(u64, Vec<RowError>)> = errors.into_iter().collect();
    rows.sort_by_key(|(r, _)| *r);
    rows.into_iter().flat_map(|(_, e)| e).collect()
}

fn rejected_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    path.with_file_name(format!("{stem}.rejected.csv"))
}

/// Rejected rows: the original cells plus the reasons, beside the input file.
pub struct Rejects {
    path: PathBuf,
    rows: Vec<(Vec<String>, String)>,
    headers: Vec<String>,
}

impl Rejects {
    pub fn new(path: &Path, reader: &TableReader) -> Self {
        Rejects {
            path: rejected_path(path),
            rows: Vec::new(),
            headers: reader.headers.clone(),
        }
    }

    pub fn add(&mut self, row: &Row, errors: &[RowError]) {
        let reason = errors
            .iter()
            .map(|e| format!("{}: {}", e.column, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut cells: Vec<String> = row.cells().map(str::to_string).collect();
        cells.resize(self.headers.len(), String::new());
        self.rows.push((cells, reason));
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Writes the file (when any row was rejected) and says where.
    pub fn write(&self) -> Result<Option<PathBuf>, FileError> {
        if self.rows.is_empty() {
            return Ok(None);
        }
        let mut headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
        headers.push("原因/reason");
        let mut w = TableWriter::create(&self.path, OutFormat::Csv, &headers)?;
        for (cells, reason) in &self.rows {
            let mut r = cells.clone();
            r.push(reason.clone());
            w.write_row(&r)?;
        }
        w.finish()?;
        Ok(Some(self.path.clone()))
    }
}
