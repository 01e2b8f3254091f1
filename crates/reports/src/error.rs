//! What can go wrong making a report.

use renkou_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A request that cannot be made (unknown kind, period, region outside the area…).
    #[error("{0}")]
    Invalid(String),
    /// The area is outside the account's: the same answer as a region nobody has.
    #[error("区划 {0} 不在您的范围内 / region {0} is not in your area")]
    OutOfArea(String),
    /// The layer that gathers the figures failed.
    #[error("统计数据 / figures: {0}")]
    Figures(String),
    /// A template that does not parse or run: line given when the engine knows it.
    #[error("报告模板“{kind}”第 {line} 行：{message}")]
    Template {
        kind: String,
        line: usize,
        message: String,
    },
    #[error("文档 / document: {0}")]
    Document(#[from] renkou_documents::DocumentError),
    #[error("xlsx: {0}")]
    Xlsx(String),
    #[error("PDF: {0}")]
    Pdf(String),
    #[error("图表 / chart: {0}")]
    Chart(String),
}
