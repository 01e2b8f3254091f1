//! The two kinds of failure: a whole file that cannot be read, and one bad field of
//! one row. Messages are Chinese first, then English, and name no personal data.

use crate::limits::{Limit, Place};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum FileError {
    #[error("{file}: 无法读取文件 / cannot read the file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: 文件为空 / the file is empty")]
    Empty { file: String },
    #[error("{file}: 不是文本表格文件（含二进制内容），请提供 CSV 或 xlsx / not a CSV or xlsx file (binary content)")]
    Binary { file: String },
    #[error("{file}: 无法识别文件编码（应为 UTF-8 或 GB18030/GBK） / unknown text encoding (expected UTF-8 or GB18030/GBK)")]
    UnknownEncoding { file: String },
    #[error("{file}: 找不到可识别的表头（应含 {expected} 等列） / no recognised header row (expected columns such as {expected})")]
    NoHeader { file: String, expected: String },
    #[error("{file}: 缺少必需的列：{missing} / missing required columns: {missing}")]
    MissingColumns { file: String, missing: String },
    #[error("{file}: 列“{column}”重复出现 / column \"{column}\" appears twice")]
    DuplicateColumn { file: String, column: String },
    #[error("{file}: 第{row}行格式错误 / malformed CSV at row {row}: {message}")]
    Csv {
        file: String,
        row: u64,
        message: String,
    },
    #[error("{file}: 无法读取 xlsx / cannot read the xlsx workbook: {message}")]
    Xlsx { file: String, message: String },
    #[error("{file}: 工作表“{sheet}”不存在 / no sheet named \"{sheet}\"")]
    NoSheet { file: String, sheet: String },
    #[error("{file}: 无法写入 / cannot write: {message}")]
    Write { file: String, message: String },
    /// The file broke one of the bounds of [`crate::limits`]; reading stopped there.
    #[error("{file}{}: {limit}", .at.as_ref().map(Place::to_string).unwrap_or_default())]
    Limit {
        file: String,
        at: Option<Place>,
        limit: Limit,
    },
    /// A NUL byte in a cell: no spreadsheet program writes one into text, and
    /// the databases cannot store it.
    #[error("{file}{at}: 单元格含有 NUL 字节（文件已损坏或不是文本表格） / the cell contains a NUL byte (a damaged file, or not a text table)")]
    Nul { file: String, at: Place },
    /// An .xls (OLE) workbook: calamine expands each of its sheets to a full
    /// rectangle in memory when it opens the file, so two cells at opposite
    /// corners of a sheet cost half a gigabyte; such files are refused.
    #[error("{file}: 不读取旧版 .xls 工作簿，请在 Excel 或 WPS 中另存为 .xlsx 或 CSV 后再导入 / legacy .xls workbooks are not read; save the file as .xlsx or CSV in Excel or WPS and import that")]
    LegacyXls { file: String },
}

impl FileError {
    pub fn io(file: &str, source: std::io::Error) -> Self {
        FileError::Io {
            file: file.to_string(),
            source,
        }
    }

    pub(crate) fn limit(file: &str, at: Option<Place>, limit: Limit) -> Self {
        FileError::Limit {
            file: file.to_string(),
            at,
            limit,
        }
    }

    /// A workbook that calamine or the zip crate cannot read; their message is
    /// cut short (it may quote XML from the file).
    pub(crate) fn xlsx(file: &str, e: &dyn fmt::Display) -> Self {
        FileError::Xlsx {
            file: file.to_string(),
            message: crate::echo::cut(&e.to_string(), 200).into_owned(),
        }
    }

    /// The bound this error reports, if it is one.
    pub fn broken_limit(&self) -> Option<&Limit> {
        match self {
            FileError::Limit { limit, .. } => Some(limit),
            _ => None,
        }
    }
}

/// One bad field of one row: `file:row:column: message`. Rows are numbered as a
/// spreadsheet shows them (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    pub row: u64,
    /// The column's header as written in the file (empty when the row as a whole is bad).
    pub column: String,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.row, self.column, self.message
        )
    }
}

impl std::error::Error for RowError {}
