//! Errors of the use cases, in words an office worker can act on.

use renkou_interchange::{FileError, RowError};
use renkou_store::StoreError;
use thiserror::Error;

/// "{zh_field}：{e's Chinese} / {en_field}: {e's English}" for an error that is
/// itself "中文 / English": each half of the message in one language, so a page
/// showing its half shows one language only.
pub(crate) fn field_message(zh: &str, en: &str, e: &dyn std::fmt::Display) -> String {
    let e = e.to_string();
    let (e_zh, e_en) = e.split_once(" / ").unwrap_or((e.as_str(), e.as_str()));
    format!("{zh}：{e_zh} / {en}: {e_en}")
}

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Some rows are invalid; nothing was written.
    #[error("{file}: {} 处错误，未导入任何数据 / {} errors, nothing was imported", .errors.len(), .errors.len())]
    InvalidRows { file: String, errors: Vec<RowError> },
    #[error("{0}")]
    Invalid(String),
}
