//! The store's errors.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] r2d2_sqlite::rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("数据库连接池 / connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("数据库地址无法识别 / database URL not understood: {0}")]
    Url(String),
    #[error("数据库尚未初始化，请先运行 renkou init / the database has no register yet; run `renkou init` first")]
    NotInitialised,
    #[error("数据不一致 / inconsistent data: {0}")]
    Corrupt(String),
    #[error("找不到人员 {0} / no person {0}")]
    NoPerson(String),
    #[error("{0}")]
    Rule(#[from] renkou_domain::event::FoldError),
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
