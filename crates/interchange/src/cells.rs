//! Reading typed fields out of one row, collecting every bad field instead of
//! stopping at the first: a user fixes a file once, not once per error.

use crate::echo::redact_message;
use crate::error::RowError;
use crate::limits::MAX_CODE_CHARS;
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
    /// A cell longer than its column allows, or holding a control character,
    /// is an error (and None): the parsers never see it, so no message can
    /// echo it back.
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
        let column = self.reader.column(name);
        let zh = column.map_or(name, |c| c.zh);
        let max = column.map_or(MAX_CODE_CHARS, |c| c.max_chars);
        if v.chars().nth(max).is_some() {
            self.error(
                name,
                format!("{zh}过长（超过 {max} 个字符） / {name} too long (over {max} characters)"),
            );
            return None;
        }
        let multiline = column.is_some_and(|c| c.multiline);
        let control = v
            .chars()
            .enumerate()
            .find(|(_, c)| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
        if let Some((at, c)) = control {
            let (at, code) = (at + 1, c as u32);
            self.error(
                name,
                format!("{zh}含有控制字符（第 {at} 个字符为 U+{code:04X}） / {name} contains a control character (U+{code:04X} at character {at})"),
            );
            return None;
        }
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
        let value = value?;
        match f(value) {
            Ok(v) => Some(v),
            Err(e) => {
                // The parsers quote what they refuse; a row error must not carry
                // a name or an ID number that landed in the wrong column.
                self.error(name, redact_message(&e.to_string(), value));
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
