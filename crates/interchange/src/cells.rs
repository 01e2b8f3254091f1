//! Reading typed fields out of one row, collecting every bad field instead of
//! stopping at the first: a user fixes a file once, not once per error.

use crate::error::RowError;
use crate::table::{Row, TableReader};
use renkou_domain::{parse_date, Date};

pub(crate) struct Cells<'a> {
    pub reader: &'a TableReader,
    pub row: &'a Row,
    pub errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    pub fn new(reader: &'a TableReader, row: &'a Row) -> Self {
        Cells {
            reader,
            row,
            errors: Vec::new(),
        }
    }

    fn header(&self, name: &str) -> String {
        match self.reader.index(name) {
            Some(i) => self.reader.header(i).to_string(),
            None => name.to_string(),
        }
    }

    pub fn error(&mut self, name: &str, message: String) {
        self.errors.push(RowError {
            file: self.reader.file.clone(),
            row: self.row.line,
            column: self.header(name),
            message,
        });
    }

    /// The trimmed cell, or None when the column is absent or the cell empty.
    pub fn opt(&mut self, name: &str) -> Option<&'a str> {
        let i = self.reader.index(name)?;
        if self.row.lost_precision(i) {
            self.error(
                name,
                "Excel 以数字格式保存了该长号码，末几位已丢失，请将该列设为文本后重新录入 / Excel stored this long number as a numeric cell and lost its last digits; format the column as text and re-enter it".into(),
            );
            return None;
        }
        let v = self.row.cell(i);
        (!v.is_empty()).then_some(v)
    }

    /// A required cell: empty is an error.
    pub fn req(&mut self, name: &str) -> Option<&'a str> {
        let v = self.opt(name);
        if v.is_none() && !self.errors.iter().any(|e| e.column == self.header(name)) {
            let zh = self.reader.column(name).map(|c| c.zh).unwrap_or(name);
            self.error(name, format!("{zh}不能为空 / {name} must not be empty"));
        }
        v
    }

    /// Parses a cell with `f`, recording its error message.
    pub fn parse<T, E: std::fmt::Display>(
        &mut self,
        name: &str,
        value: Option<&str>,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match f(value?) {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(name, e.to_string());
                None
            }
        }
    }

    pub fn date(&mut self, name: &str, required: bool) -> Option<Date> {
        let v = if required {
            self.req(name)
        } else {
            self.opt(name)
        };
        self.parse(name, v, parse_date)
    }

    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<RowError>> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            _ => Err(self.errors),
        }
    }
}
