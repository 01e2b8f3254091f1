//! The one SQL seam: a connection of either backend behind the same small interface,
//! so every query of the register is written once. SQL is written with `$1, $2, …`
//! placeholders in order of first use (SQLite numbers `$N` parameters by first
//! appearance, PostgreSQL by N, so the two agree).

use crate::error::StoreError;
use crate::rusqlite;
use crate::value::{from_pg, from_sqlite, Value};
use std::collections::HashMap;

pub type Row = Vec<Value>;

pub trait Conn {
    /// Runs a statement; returns the number of rows changed.
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError>;
    /// Runs a query and collects its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let mut out = Vec::new();
        self.query_each(sql, params, &mut |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }
    /// Runs a query and hands each row to `f` as it arrives (for exports of a county).
    fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Runs several statements with no parameters (migrations, BEGIN/COMMIT).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    fn backend(&self) -> crate::Backend;

    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

// --- SQLite ---------------------------------------------------------------

pub struct SqliteConn<'a>(pub &'a rusqlite::Connection);

/// Binds `$N` parameters by their number. SQLite numbers named parameters by first
/// appearance, so `UPDATE … SET a = $2 WHERE id = $1` would otherwise bind the wrong
/// values; this makes `$N` mean what it means in PostgreSQL.
fn bind(st: &mut rusqlite::CachedStatement<'_>, params: &[Value]) -> Result<(), StoreError> {
    for i in 1..=st.parameter_count() {
        let n = st
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(i);
        let v = params
            .get(n - 1)
            .ok_or_else(|| StoreError::Invalid(format!("SQL parameter ${n} has no value")))?;
        st.raw_bind_parameter(i, v)?;
    }
    Ok(())
}

impl Conn for SqliteConn<'_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let mut st = self.0.prepare_cached(sql)?;
        bind(&mut st, params)?;
        Ok(st.raw_execute()? as u64)
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut st = self.0.prepare_cached(sql)?;
        let n = st.column_count();
        bind(&mut st, params)?;
        let mut rows = st.raw_query();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(from_sqlite(r.get_ref(i)?));
            }
            f(row)?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn backend(&self) -> crate::Backend {
        crate::Backend::Sqlite
    }
}

// --- PostgreSQL -----------------------------------------------------------

/// A PostgreSQL client with its prepared statements, reused across calls.
pub struct PgClient {
    pub client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl PgClient {
    pub fn new(client: postgres::Client) -> Self {
        PgClient {
            client,
            statements: HashMap::new(),
        }
    }

    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl Conn for PgClient {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let st = self.statement(sql)?;
        let p: Vec<&(dyn postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        Ok(self.client.execute(&st, &p)?)
    }

    fn query_each(
        &mut self,
        sql: &str,
        params: &[Value],
        f: &mut dyn FnMut(Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let st = self.statement(sql)?;
        let mut it = self.client.query_raw(&st, params.iter())?;
        while let Some(r) = it.next()? {
            let row = (0..r.len()).map(|i| from_pg(&r, i)).collect();
            f(row)?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.client.batch_execute(sql)?)
    }

    fn backend(&self) -> crate::Backend {
        crate::Backend::Postgres
    }
}

/// r2d2 manager for [`PgClient`] (r2d2_postgres hands out bare clients, and the
/// statement cache must live with the connection).
pub struct PgManager {
    pub config: postgres::Config,
    /// How long a statement waits for a lock (see `crate::BUSY_TIMEOUT`).
    pub busy_ms: u64,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgClient, postgres::Error> {
        let mut client = self.config.connect(postgres::NoTls)?;
        // Two planner settings, both measured:
        //
        // The JIT compiler costs 150 ms per statement whose plan looks expensive,
        // which the indicators' loader (correlated subqueries) always does:
        // measured on 2M persons, the full read takes 0.50 s without it and
        // 0.60-0.71 s with it, and a refresh after one event 0.2 s instead of 0.5 s.
        //
        // Statements are prepared once per connection and cached, and after five
        // runs PostgreSQL switches a prepared statement to a generic plan, made
        // without the parameters' values. For `events.seq > $1` that plan guesses a
        // third of the table and joins by scanning every person: measured on 2M
        // persons, 0.55 s instead of 0.1 ms, and searches under load queued behind
        // it for seconds. Custom plans cost a fraction of a millisecond to make.
        //
        // A writer waits at most ten seconds for a lock a long import holds, then
        // gets `StoreError::Busy` ("try again in a moment"), as on SQLite; and the
        // server's NOTICEs (CREATE … IF NOT EXISTS) stay out of the terminal.
        client.batch_execute(&format!(
            "SET jit = off; SET plan_cache_mode = force_custom_plan; SET client_min_messages = warning; SET lock_timeout = {}",
            self.busy_ms
        ))?;
        Ok(PgClient::new(client))
    }

    fn is_valid(&self, c: &mut PgClient) -> Result<(), postgres::Error> {
        c.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, c: &mut PgClient) -> bool {
        c.client.is_closed()
    }
}
