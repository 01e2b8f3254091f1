//! Errors of the indicators' use cases, in words an office worker can act on.

use renkou_interchange::{FileError, RowError};
use renkou_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Some rows of a targets file are invalid; nothing was written.
    #[error("{file}: {} 处错误，未导入任何数据 / {} errors, nothing was imported", .errors.len(), .errors.len())]
    InvalidRows { file: String, errors: Vec<RowError> },
    #[error("{0}")]
    Invalid(String),
}
