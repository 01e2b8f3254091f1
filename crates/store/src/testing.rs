//! Test databases for the one test story on both backends: every store test runs on
//! a fresh SQLite file and on a fresh PostgreSQL schema. PostgreSQL is found at
//! `RENKOU_TEST_DATABASE_URL` or the local default; when it does not answer the
//! PostgreSQL half is skipped with a loud message, except under `CI=true`, where a
//! missing server is a failure.

use crate::Store;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

pub const DEFAULT_TEST_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database made for one test and removed when dropped.
pub struct TestDb {
    /// The URL (or SQLite path) to open it with, as a user would pass `--database`.
    pub url: String,
    pub label: &'static str,
    cleanup: Cleanup,
    _dir: Option<tempfile_dir::TempDir>,
}

enum Cleanup {
    None,
    PgSchema { admin_url: String, schema: String },
}

/// A tiny temp-dir holder so the store does not depend on the tempfile crate.
mod tempfile_dir {
    use std::path::{Path, PathBuf};
    pub struct TempDir(pub PathBuf);
    impl TempDir {
        pub fn new(tag: &str) -> std::io::Result<TempDir> {
            let p = std::env::temp_dir().join(format!(
                "renkou-test-{}-{}-{}",
                std::process::id(),
                tag,
                super::COUNTER.fetch_add(1, super::Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&p)?;
            Ok(TempDir(p))
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile_dir::TempDir::new("sqlite").expect("temp dir");
        let path: PathBuf = dir.path().join("renkou.db");
        TestDb {
            url: path.to_string_lossy().into_owned(),
            label: "sqlite",
            cleanup: Cleanup::None,
            _dir: Some(dir),
        }
    }

    /// A fresh schema on the test PostgreSQL server, or None when none answers
    /// (a panic under CI=true).
    pub fn postgres() -> Option<TestDb> {
        let admin_url =
            std::env::var("RENKOU_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_PG.into());
        let mut admin = match postgres::Client::connect(&admin_url, postgres::NoTls) {
            Ok(c) => c,
            Err(e) => {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("CI=true but PostgreSQL at {admin_url} does not answer: {e}");
                }
                eprintln!(
                    "\n!!! PostgreSQL at {} does not answer ({e}); SKIPPING the PostgreSQL half of this test !!!\n",
                    crate::redact(&admin_url)
                );
                return None;
            }
        };
        let schema = format!(
            "renkou_t_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        admin
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            ))
            .expect("create test schema");
        let sep = if admin_url.contains('?') { '&' } else { '?' };
        Some(TestDb {
            url: format!("{admin_url}{sep}options=-c%20search_path%3D{schema}"),
            label: "postgres",
            cleanup: Cleanup::PgSchema { admin_url, schema },
            _dir: None,
        })
    }

    /// Opens the database and creates the kernel's tables in it.
    pub fn store(&self) -> Store {
        self.store_with(&[])
    }

    /// Opens the database and creates the kernel's tables and those of `domains`.
    pub fn store_with(&self, domains: &[&crate::Migrations]) -> Store {
        let s = Store::open(&self.url).expect("open test database");
        s.migrate(domains).expect("migrate test database");
        s
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.label == "postgres" {
            let key = crate::key_path_for_url(&self.url);
            // Domains keep their own keys beside the audit key, named after it
            // (registrations: `certificates-audit-….key`); they go with it.
            if let (Some(dir), Some(name)) = (key.parent(), key.file_name()) {
                let suffix = format!("-{}", name.to_string_lossy());
                for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                    if e.file_name().to_string_lossy().ends_with(&suffix) {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
            let _ = std::fs::remove_file(key);
        }
        if let Cleanup::PgSchema { admin_url, schema } = &self.cleanup {
            if let Ok(mut c) = postgres::Client::connect(admin_url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

/// The databases every store test runs on: SQLite always, PostgreSQL when it answers.
pub fn databases() -> Vec<TestDb> {
    let mut v = vec![TestDb::sqlite()];
    v.extend(TestDb::postgres());
    v
}
