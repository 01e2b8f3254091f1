//! renkou-store: the register's database. One API ([`Store`]) over an embedded SQLite
//! file (WAL, foreign keys on) and PostgreSQL chosen by URL, with embedded migrations.
//!
//! The store is synchronous on purpose: bulk imports of a county need SQLite's
//! prepared-statement speed and PostgreSQL's COPY, both simplest with blocking
//! drivers; the web layer calls it from `spawn_blocking`. Queries are written once
//! against the [`conn::Conn`] seam; only bulk loading has a path per backend.
//!
//! Writes go through one seam, [`Store::write`] and its [`Tx`]: events, new persons,
//! audit entries and a domain's own statements commit together or not at all, and
//! every event is checked against the writer's area and the register's rules there.
//! Bulk imports are sessions of their own ([`PersonImport`], [`BirthImport`]) that
//! end the same way, with their audit entry in their transaction.
//!
//! The kernel's tables live here with their migrations ([`migrate::KERNEL`]); each
//! domain crate owns its own tables and hands its [`migrate::Migrations`] to
//! [`Store::migrate`], and writes them through [`Tx::conn`].
//!
//! Architecture invariant: the `persons` table (current state) always equals the
//! fold of each person's `events`; every write goes through an event.

pub(crate) use r2d2_sqlite::rusqlite;

pub mod accounts;
pub mod audit;
mod audit_queue;
pub mod browse;
pub mod conn;
pub mod error;
pub mod import;
pub mod migrate;
mod person_import;
pub mod persons;
pub mod quality;
pub mod regions;
pub mod search;
pub mod stats;
pub mod testing;
pub mod tx;
pub mod value;
pub mod verify;

pub use audit::{AuditAction, AuditNote, RecordKind};
pub use conn::Conn;
pub use error::{Result, StoreError};
pub use import::{
    BirthImport, Conflict, ImportCounts, ImportMeta, ImportOptions, ImportReport, PersonImport,
};
pub use migrate::{Migration, Migrations};
pub use tx::{Actor, Tx};
pub use value::Value;

use conn::{PgManager, SqliteConn};
use r2d2_sqlite::SqliteConnectionManager;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(r2d2::Pool<SqliteConnectionManager>),
    Postgres(r2d2::Pool<PgManager>),
}

/// The register's database.
pub struct Store {
    pub(crate) pool: Pool,
    /// The URL with any password removed, for messages.
    pub location: String,
    /// Where the audit key is kept (outside the database): `RENKOU_AUDIT_KEY_FILE`,
    /// or beside a SQLite file, or in the user's configuration folder for a
    /// PostgreSQL URL.
    pub audit_key_path: std::path::PathBuf,
    pub(crate) audit_key: std::sync::OnceLock<std::result::Result<audit::AuditKey, String>>,
    /// Views waiting to be written to the audit log (see [`Store::audit_view`]).
    pub(crate) view_queue: audit_queue::Queue,
}

/// Pragmas for every SQLite connection: WAL lets readers work during an import;
/// NORMAL sync is crash-safe in WAL mode (a killed process loses only the
/// uncommitted transaction); foreign keys are off by default in SQLite.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
PRAGMA cache_size = -65536;
PRAGMA temp_store = MEMORY;";

impl Store {
    /// Opens a database: `postgres://…`/`postgresql://…` for PostgreSQL, anything
    /// else (optionally prefixed `sqlite:`/`sqlite://`) is a SQLite file path. The
    /// SQLite file is created if missing; nothing else is done until [`Store::migrate`].
    pub fn open(url: &str) -> Result<Store> {
        Store::open_with(url, BUSY_TIMEOUT)
    }

    /// [`Store::open`] where a writer waits at most `busy` for another writer's
    /// lock before the write fails with [`StoreError::Busy`] (tests use a short one).
    pub fn open_with(url: &str, busy: Duration) -> Result<Store> {
        let busy_ms = busy.as_millis() as u64;
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let config = postgres::Config::from_str(url)
                .map_err(|e| StoreError::Url(format!("{}: {e}", redact(url))))?;
            // Connections are opened as they are needed (r2d2 would otherwise open
            // all sixteen at once, for every store a process opens).
            let pool = r2d2::Pool::builder()
                .max_size(16)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(10))
                .build(PgManager { config, busy_ms })?;
            Ok(Store {
                pool: Pool::Postgres(pool),
                audit_key_path: key_path_for_url(url),
                location: redact(url),
                audit_key: Default::default(),
                view_queue: Default::default(),
            })
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::Url(
                    "需要 SQLite 文件路径 / a SQLite file path is needed".into(),
                ));
            }
            // Each connection is used by one thread at a time (the pool hands it
            // out), so SQLite's own per-call mutex is pure overhead.
            let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
                | rusqlite::OpenFlags::SQLITE_OPEN_URI
                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let manager = SqliteConnectionManager::file(path)
                .with_flags(flags)
                .with_init(move |c| {
                    c.execute_batch(&format!("PRAGMA busy_timeout = {busy_ms};"))?;
                    c.execute_batch(SQLITE_PRAGMAS)
                });
            let pool = r2d2::Pool::builder()
                .max_size(8)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(30))
                .build(manager)?;
            Ok(Store {
                pool: Pool::Sqlite(pool),
                audit_key_path: std::env::var_os("RENKOU_AUDIT_KEY_FILE")
                    .map(Into::into)
                    .unwrap_or_else(|| format!("{path}.audit-key").into()),
                location: path.to_string(),
                audit_key: Default::default(),
                view_queue: Default::default(),
            })
        }
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` on a pooled connection.
    pub fn with<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        match &self.pool {
            Pool::Sqlite(p) => {
                let c = p.get()?;
                f(&mut SqliteConn(&c))
            }
            Pool::Postgres(p) => {
                let mut c = p.get()?;
                f(&mut *c)
            }
        }
    }

    /// Runs `f` in one transaction without an actor: for the store's own upkeep
    /// (regions, accounts, sessions), never for the register's records.
    pub(crate) fn transaction<T>(&self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        self.with(|c| {
            c.batch(begin_sql(c.backend()))?;
            match f(c) {
                Ok(v) => {
                    c.batch("COMMIT")?;
                    Ok(v)
                }
                Err(e) => {
                    let _ = c.batch("ROLLBACK");
                    Err(e)
                }
            }
        })
    }

    /// Applies the kernel's migrations and those of `domains` not yet applied;
    /// returns their names.
    pub fn migrate(&self, domains: &[&Migrations]) -> Result<Vec<String>> {
        self.with(|c| migrate::run(c, domains))
    }

    /// Whether `renkou init` has been run on this database.
    pub fn is_initialised(&self) -> Result<bool> {
        self.with(migrate::is_initialised)
    }

    /// Fails with a plain message when the register has not been created yet.
    pub fn require_initialised(&self) -> Result<()> {
        if self.is_initialised()? {
            Ok(())
        } else {
            Err(StoreError::NotInitialised)
        }
    }

    /// Row counts of the main tables, for summaries.
    pub fn counts(&self) -> Result<Counts> {
        self.with(|c| {
            let mut n = |t: &str| -> Result<i64> {
                Ok(c.query_one(&format!("SELECT COUNT(*) FROM {t}"), &[])?
                    .and_then(|r| r[0].int())
                    .unwrap_or(0))
            };
            Ok(Counts {
                regions: n("regions")?,
                households: n("households")?,
                persons: n("persons")?,
                events: n("events")?,
                source_births: n("source_births")?,
                quality_issues: n("quality_issues")?,
            })
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    pub regions: i64,
    pub households: i64,
    pub persons: i64,
    pub events: i64,
    pub source_births: i64,
    pub quality_issues: i64,
}

/// How long a writer waits for another writer (a large import) before it is told
/// to try again: long enough for an ordinary write queue, short enough for a
/// clerk to get an answer.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite's IMMEDIATE takes the write lock at once, so two writers queue instead
/// of failing half-way.
pub(crate) fn begin_sql(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// The URL without its password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Lower and upper bounds for "code starts with prefix": codes are digits, and ':'
/// sorts right after '9', so a range scan on the index does what LIKE would.
pub fn prefix_range(prefix: &str) -> (String, String) {
    (prefix.to_string(), format!("{prefix}:"))
}

pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// The audit key's file for a PostgreSQL database: `RENKOU_AUDIT_KEY_FILE`, or
/// one per database in the user's configuration folder (the URL without its
/// password names it).
pub fn key_path_for_url(url: &str) -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("RENKOU_AUDIT_KEY_FILE") {
        return p.into();
    }
    use sha2::{Digest, Sha256};
    let tag = accounts::hex(&Sha256::digest(redact(url).as_bytes()))[..16].to_string();
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".config")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("renkou").join(format!("audit-{tag}.key"))
}
