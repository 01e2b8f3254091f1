//! Embedded migrations, one folder per backend, applied in order and recorded.

use crate::conn::Conn;
use crate::error::Result;
use crate::value::Value;
use crate::Backend;

struct Migration {
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_register",
        sqlite: include_str!("../migrations/sqlite/0001_register.sql"),
        postgres: include_str!("../migrations/postgres/0001_register.sql"),
    },
    Migration {
        name: "0002_accounts",
        sqlite: include_str!("../migrations/sqlite/0002_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0002_accounts.sql"),
    },
    Migration {
        name: "0003_indicators",
        sqlite: include_str!("../migrations/sqlite/0003_indicators.sql"),
        postgres: include_str!("../migrations/postgres/0003_indicators.sql"),
    },
    Migration {
        name: "0004_reconciliation",
        sqlite: include_str!("../migrations/sqlite/0004_reconciliation.sql"),
        postgres: include_str!("../migrations/postgres/0004_reconciliation.sql"),
    },
];

pub(crate) fn is_initialised(c: &mut dyn Conn) -> Result<bool> {
    let sql = match c.backend() {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        }
    };
    Ok(c.query_one(sql, &[])?.and_then(|r| r[0].int()).unwrap_or(0) > 0)
}

pub(crate) fn run(c: &mut dyn Conn) -> Result<Vec<String>> {
    c.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        let done = c
            .query_one(
                "SELECT name FROM schema_migrations WHERE name = $1",
                &[Value::from(m.name)],
            )?
            .is_some();
        if done {
            continue;
        }
        c.batch(crate::begin_sql(c.backend()))?;
        let body = match c.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let r = c.batch(body).and_then(|_| {
            c.exec(
                "INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)",
                &[m.name.into(), crate::now().to_rfc3339().into()],
            )
        });
        match r {
            Ok(_) => c.batch("COMMIT")?,
            Err(e) => {
                let _ = c.batch("ROLLBACK");
                return Err(e);
            }
        }
        applied.push(m.name.to_string());
    }
    Ok(applied)
}
