//! The store's errors.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(r2d2_sqlite::rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(postgres::Error),
    #[error("数据库连接池 / connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// Another writer (a large import) holds the database longer than a request
    /// may wait: try again in a moment.
    #[error("正在导入数据，请稍后再试 / an import is in progress; please try again in a moment")]
    Busy,
    #[error("数据库地址无法识别 / database URL not understood: {0}")]
    Url(String),
    #[error("数据库尚未初始化，请先运行 renkou init / the database has no register yet; run `renkou init` first")]
    NotInitialised,
    #[error("数据不一致 / inconsistent data: {0}")]
    Corrupt(String),
    /// No such person, or one outside the writer's area (the same answer).
    #[error("找不到人员 {0} / no person {0}")]
    NoPerson(String),
    /// The account may not write here at all (its role reads only).
    #[error("无权修改 / not allowed to change this")]
    Forbidden,
    /// A value the write would put outside the writer's area.
    #[error("{0}")]
    OutsideArea(String),
    #[error("{0}")]
    Refused(#[from] renkou_domain::rules::Refusal),
    #[error("{0}")]
    Rule(#[from] renkou_domain::event::FoldError),
    #[error("{0}")]
    Invalid(String),
}

impl From<r2d2_sqlite::rusqlite::Error> for StoreError {
    fn from(e: r2d2_sqlite::rusqlite::Error) -> Self {
        use r2d2_sqlite::rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        match e.code() {
            Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE || *c == SqlState::QUERY_CANCELED => {
                StoreError::Busy
            }
            _ => StoreError::Postgres(e),
        }
    }
}

impl StoreError {
    /// Whether the user can do something about it (a message to show as it is),
    /// as opposed to a fault of the system.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            StoreError::NoPerson(_)
                | StoreError::Forbidden
                | StoreError::OutsideArea(_)
                | StoreError::Refused(_)
                | StoreError::Rule(_)
                | StoreError::Invalid(_)
                | StoreError::Busy
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
