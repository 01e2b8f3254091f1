//! Errors of the benefits domain's use cases, in words an office worker can act on
//! (Chinese first), naming records by number, never a person by name.

use crate::rules::facts::FactsError;
use crate::rules::{LedgerError, ParameterError, RuleError};
use renkou_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Parameter(#[from] ParameterError),
    #[error(transparent)]
    Facts(#[from] FactsError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The area asked for lies outside the actor's (or is not in the region tree).
    #[error("区划代码 {0} 不在您的辖区内 / region code {0} is outside your area")]
    OutsideArea(String),
    #[error("区划代码 {0} 不在区划表中 / region code {0} is not in the region tree")]
    UnknownRegion(String),
    #[error("找不到认定批次 {0} / no eligibility run {0}")]
    NoRun(i64),
    #[error("{0}")]
    Invalid(String),
}

impl From<renkou_domain::RegionCodeError> for Error {
    fn from(e: renkou_domain::RegionCodeError) -> Self {
        Error::Invalid(e.to_string())
    }
}
