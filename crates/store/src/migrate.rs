//! Embedded migrations, one folder per backend, applied in order and recorded by
//! name. The kernel has its own ([`KERNEL`]); each domain crate owns the migrations
//! of its tables and hands them in ([`Migrations`]), so a new domain adds tables
//! without touching the kernel. Kernel migrations run first: domain tables may
//! refer to kernel tables, never the other way round.

use crate::conn::Conn;
use crate::error::Result;
use crate::value::Value;
use crate::Backend;

/// One migration: the same change written for each backend. `name` is recorded
/// when it has been applied and must be unique across all domains.
pub struct Migration {
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// The migrations of one domain (or of the kernel), in the order they apply.
pub struct Migrations {
    pub domain: &'static str,
    pub list: &'static [Migration],
}

/// The kernel's tables: regions, households, persons, events, imports, source
/// births, quality issues, accounts, sessions and the audit log.
pub const KERNEL: Migrations = Migrations {
    domain: "kernel",
    list: KERNEL_LIST,
};

const KERNEL_LIST: &[Migration] = &[
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
        name: "0003_event_tally",
        sqlite: include_str!("../migrations/sqlite/0003_event_tally.sql"),
        postgres: include_str!("../migrations/postgres/0003_event_tally.sql"),
    },
    Migration {
        name: "0005_security",
        sqlite: include_str!("../migrations/sqlite/0005_security.sql"),
        postgres: include_str!("../migrations/postgres/0005_security.sql"),
    },
    Migration {
        name: "0006_household_relation",
        sqlite: include_str!("../migrations/sqlite/0006_household_relation.sql"),
        postgres: include_str!("../migrations/postgres/0006_household_relation.sql"),
    },
    Migration {
        name: "0008_source_raw",
        sqlite: include_str!("../migrations/sqlite/0008_source_raw.sql"),
        postgres: include_str!("../migrations/postgres/0008_source_raw.sql"),
    },
    Migration {
        name: "0010_quality_resolution",
        sqlite: include_str!("../migrations/sqlite/0010_quality_resolution.sql"),
        postgres: include_str!("../migrations/postgres/0010_quality_resolution.sql"),
    },
    Migration {
        name: "0011_voided_records",
        sqlite: include_str!("../migrations/sqlite/0011_voided_records.sql"),
        postgres: include_str!("../migrations/postgres/0011_voided_records.sql"),
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

pub(crate) fn run(c: &mut dyn Conn, domains: &[&Migrations]) -> Result<Vec<String>> {
    c.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let mut applied = Vec::new();
    let all = std::iter::once(&KERNEL)
        .chain(
            domains
                .iter()
                .copied()
                .filter(|d| d.domain != KERNEL.domain),
        )
        .flat_map(|d| d.list.iter());
    for m in all {
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
