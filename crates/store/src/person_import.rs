//! A persons import: one transaction, fed row by row from the caller's thread and
//! written by a writer thread that owns the connection, so reading and checking the
//! file and writing the database use both cores.
//!
//! Three ways of writing, chosen when the import begins:
//! - SQLite: one prepared INSERT per table and row (a re-import looks each person up
//!   and turns differences into correction events).
//! - PostgreSQL, empty register: COPY straight into households, events and persons,
//!   with event numbers taken from the events sequence while the tables are locked.
//! - PostgreSQL, register with persons: COPY into a staging table, then set-based
//!   statements at commit find the new, the unchanged and the changed rows.
//!
//! A first load into an empty register drops the secondary indexes (and on
//! PostgreSQL the foreign keys) of the tables it fills and recreates them before
//! commit: building an index by sorting is several times faster than growing it row
//! by row, and re-adding a foreign key checks it with one join instead of a trigger
//! per row. All of it is inside the transaction, so a failure restores everything.

use crate::conn::{Conn, PgClient, SqliteConn};
use crate::error::{Result, StoreError};
use crate::import::{copy_field, Held, ImportCounts, ImportMeta};
use crate::persons::{append_event, load_person, to_person, write_state, PERSON_COLS};
use crate::rusqlite;
use crate::value::Value;
use crate::{Backend, Store};
use chrono::{DateTime, Utc};
use renkou_domain::event::{corrections, EventKind, PersonEvent};
use renkou_domain::quality::QualityIssue;
use renkou_domain::{Date, PersonRecord, Sex};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Rows per message to the writer thread.
const BATCH: usize = 2_048;
/// Rows per COPY on PostgreSQL: few round trips, bounded memory.
const COPY_ROWS: usize = 20_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    SqliteRows,
    PgBulk,
    PgStage,
}

/// What every event of the import shares.
#[derive(Clone)]
struct WriteCtx {
    import_id: i64,
    at: DateTime<Utc>,
    recorded_by: String,
    /// The importer's area: persons already in the register outside it may not
    /// be changed by the file.
    area: Option<renkou_domain::RegionCode>,
    source: String,
    mode: Mode,
    /// The register had no persons when the import began.
    empty_register: bool,
    /// PostgreSQL bulk mode: the first event number this import may use.
    first_seq: i64,
}

impl WriteCtx {
    fn event(&self, person_no: &str, kind: EventKind) -> PersonEvent {
        PersonEvent {
            person_no: person_no.to_string(),
            kind,
            recorded_by: self.recorded_by.clone(),
            recorded_at: self.at.to_rfc3339(),
            source: self.source.clone(),
        }
    }
    fn reason(&self) -> String {
        format!("导入文件更正 / corrected by imported file {}", self.source)
    }
}

/// A row made ready for the writer on the reading thread: its cells and its
/// registration event's payload are computed there, so the threads share the work.
struct Prepared {
    person: PersonRecord,
    cells: [String; 14],
    payload: String,
    extra: Option<String>,
}

fn registered_payload(cells: &[String; 14]) -> Result<String> {
    // The same bytes as serializing EventKind::Registered (checked by a test below),
    // without building the cells twice.
    let cells = serde_json::to_string(cells).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(format!(r#"{{"kind":"registered","person":{cells}}}"#))
}

struct Writer {
    tx: SyncSender<Vec<Prepared>>,
    handle: JoinHandle<Result<(Held, ImportCounts)>>,
}

/// A persons import in progress. Dropping it without [`PersonImport::commit`]
/// rolls everything back.
pub struct PersonImport {
    /// The connection, when no writer thread holds it.
    held: Option<Held>,
    writer: Option<Writer>,
    batch: Vec<Prepared>,
    ctx: WriteCtx,
    counts: ImportCounts,
    /// DDL that puts back what a bulk load removed: indexes, then foreign keys.
    restore: Vec<String>,
    actor: crate::Actor,
    key: crate::audit::AuditKey,
    committed: bool,
}

/// The secondary indexes of `persons`, `households` and `events`, as (name, CREATE
/// statement). Dropping the events index is safe only because a bulk load inserts
/// each person before its event: the deferred foreign key from events to persons
/// then never has an open violation, and SQLite only scans the children of a new
/// parent row while one is open.
fn secondary_indexes(c: &mut dyn Conn) -> Result<Vec<(String, String)>> {
    let sql = match c.backend() {
        Backend::Sqlite => {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ('persons', 'households', 'events') ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() \
             AND i.tablename IN ('persons', 'households', 'events') \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname \
                             AND k.connamespace = to_regnamespace(current_schema())) \
             ORDER BY i.indexname"
        }
    };
    Ok(c.query(sql, &[])?
        .into_iter()
        .filter_map(|r| Some((r[0].text()?, r[1].text()?)))
        .collect())
}

/// PostgreSQL: the foreign keys declared on the tables a bulk load fills, as
/// (table, name, definition).
fn pg_foreign_keys(c: &mut dyn Conn) -> Result<Vec<(String, String, String)>> {
    Ok(c.query(
        "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k \
         JOIN pg_class t ON t.oid = k.conrelid \
         WHERE k.contype = 'f' AND t.relnamespace = to_regnamespace(current_schema()) \
         AND t.relname IN ('persons', 'events', 'households') ORDER BY t.relname, k.conname",
        &[],
    )?
    .into_iter()
    .filter_map(|r| Some((r[0].text()?, r[1].text()?, r[2].text()?)))
    .collect())
}

impl Store {
    /// Starts a persons import: opens the transaction that the whole file goes into.
    pub fn begin_person_import(&self, meta: ImportMeta) -> Result<PersonImport> {
        self.require_initialised()?;
        let key = self.audit_key()?.clone();
        let mut held = Held::get(self)?;
        let at = crate::now();
        let import_id = held.begin(&meta, at)?;
        let backend = self.backend();
        let mut restore = Vec::new();
        let mut first_seq = 0;
        let empty_register = held.run(|c| {
            if backend == Backend::Postgres {
                // No other writer may add persons or events while we decide and load.
                c.batch("LOCK TABLE households, persons, events IN SHARE ROW EXCLUSIVE MODE")?;
            }
            Ok(c.query_one("SELECT 1 FROM persons LIMIT 1", &[])?.is_none()
                && c.query_one("SELECT 1 FROM households LIMIT 1", &[])?
                    .is_none())
        })?;
        let bulk = empty_register && std::env::var_os("RENKOU_IMPORT_NO_BULK").is_none();
        if bulk {
            held.run(|c| {
                let mut fks = Vec::new();
                if backend == Backend::Postgres {
                    for (table, name, def) in pg_foreign_keys(c)? {
                        c.batch(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))?;
                        fks.push(format!("ALTER TABLE {table} ADD CONSTRAINT {name} {def}"));
                    }
                    first_seq = c
                        .query_one(
                            "SELECT nextval(pg_get_serial_sequence('events', 'seq'))",
                            &[],
                        )?
                        .and_then(|r| r[0].int())
                        .ok_or_else(|| StoreError::Corrupt("events sequence".into()))?;
                }
                for (name, create) in secondary_indexes(c)? {
                    c.batch(&format!("DROP INDEX {name}"))?;
                    restore.push(create);
                }
                restore.extend(fks);
                Ok(())
            })?;
        }
        let mode = match (backend, bulk) {
            (Backend::Sqlite, _) => Mode::SqliteRows,
            (Backend::Postgres, true) => Mode::PgBulk,
            (Backend::Postgres, false) => Mode::PgStage,
        };
        if mode == Mode::PgStage {
            held.run(|c| {
                c.batch(
                    "CREATE TEMP TABLE stage_persons (row_no BIGINT, person_no TEXT, name TEXT, sex BIGINT, \
                     birth_date DATE, id_number TEXT, household_no TEXT, region_code TEXT, marital_status BIGINT, \
                     mother_no TEXT, father_no TEXT, residence TEXT, phone TEXT, death_date DATE, relation TEXT, extra TEXT, \
                     payload TEXT) ON COMMIT DROP",
                )
            })?;
        }
        tracing::debug!(?mode, "import: begun");
        Ok(PersonImport {
            held: Some(held),
            writer: None,
            batch: Vec::with_capacity(BATCH),
            ctx: WriteCtx {
                import_id,
                at,
                recorded_by: meta.actor.username.clone(),
                area: meta.actor.area().cloned(),
                source: meta.file_name.clone(),
                mode,
                empty_register,
                first_seq,
            },
            counts: ImportCounts {
                import_id,
                ..Default::default()
            },
            restore,
            actor: meta.actor,
            key,
            committed: false,
        })
    }
}

impl PersonImport {
    /// Adds one validated record.
    pub fn push(&mut self, p: &PersonRecord, extra: Option<&str>) -> Result<()> {
        self.counts.read += 1;
        let cells = p.to_cells();
        let payload = registered_payload(&cells)?;
        self.batch.push(Prepared {
            person: p.clone(),
            cells,
            payload,
            extra: extra.map(str::to_string),
        });
        if self.batch.len() >= BATCH {
            self.send_batch()?;
        }
        Ok(())
    }

    fn send_batch(&mut self) -> Result<()> {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        if self.writer.is_none() {
            let held = self
                .held
                .take()
                .ok_or_else(|| StoreError::Corrupt("import connection lost".into()))?;
            let (tx, rx) = sync_channel(4);
            let ctx = self.ctx.clone();
            let handle = std::thread::Builder::new()
                .name("renkou-import-writer".into())
                .spawn(move || write_rows(held, rx, ctx))
                .map_err(|e| StoreError::Invalid(format!("writer thread: {e}")))?;
            self.writer = Some(Writer { tx, handle });
        }
        let sent = match &self.writer {
            Some(w) => w.tx.send(batch).is_ok(),
            None => false,
        };
        if !sent {
            // The writer stopped on an error: collect it.
            self.join_writer()?;
            return Err(StoreError::Corrupt("import writer stopped".into()));
        }
        Ok(())
    }

    /// Waits until everything sent is written and takes the connection back.
    fn join_writer(&mut self) -> Result<()> {
        if !self.batch.is_empty() {
            self.send_batch()?;
        }
        if let Some(w) = self.writer.take() {
            drop(w.tx);
            let (held, counts) = w
                .handle
                .join()
                .map_err(|_| StoreError::Corrupt("import writer panicked".into()))??;
            self.held = Some(held);
            self.counts.new += counts.new;
            self.counts.unchanged += counts.unchanged;
            self.counts.corrected += counts.corrected;
            self.counts.events += counts.events;
        }
        Ok(())
    }

    fn held(&mut self) -> Result<&mut Held> {
        self.join_writer()?;
        self.held
            .as_mut()
            .ok_or_else(|| StoreError::Corrupt("import connection lost".into()))
    }

    /// Birth date and sex of persons already in the register and in the importer's
    /// area, for checking parent links that point outside the file (a parent of
    /// another area is not found, as if nobody had the number).
    pub fn lookup(&mut self, person_nos: &[String]) -> Result<HashMap<String, (Date, Sex)>> {
        let area = self.ctx.area.clone();
        Ok(self
            .held()?
            .run(|c| crate::persons::lookup_birth_sex(c, person_nos))?
            .into_iter()
            .filter(|(_, (_, _, r))| area.as_ref().is_none_or(|a| a.contains(r)))
            .map(|(k, (d, s, _))| (k, (d, s)))
            .collect())
    }

    /// Of `person_nos`, those already in the register but outside the importer's
    /// area: a file may not change them (nor learn anything about them).
    pub fn outside_area(&mut self, person_nos: &[String]) -> Result<HashSet<String>> {
        let Some(area) = self.ctx.area.clone() else {
            return Ok(HashSet::new());
        };
        Ok(self
            .held()?
            .run(|c| crate::persons::lookup_birth_sex(c, person_nos))?
            .into_iter()
            .filter(|(_, (_, _, r))| !area.contains(r))
            .map(|(k, _)| k)
            .collect())
    }

    /// The current state of those of `person_nos` in the register (for showing
    /// what a re-import would change, field by field).
    pub fn current(&mut self, person_nos: &[String]) -> Result<HashMap<String, PersonRecord>> {
        let mut out = HashMap::new();
        self.held()?.run(|c| {
            for chunk in person_nos.chunks(500) {
                let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
                let params: Vec<Value> = chunk.iter().map(|n| n.as_str().into()).collect();
                for row in c.query(
                    &format!(
                        "SELECT {PERSON_COLS} FROM persons WHERE person_no IN ({})",
                        list.join(", ")
                    ),
                    &params,
                )? {
                    let p = to_person(&row)?;
                    out.insert(p.person_no.clone(), p);
                }
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Edits made outside imports (a form, the API, a reviewer's fix) since each
    /// person's last import, by person: what a re-import of an older file must
    /// not silently undo.
    pub fn edits_since_import(
        &mut self,
    ) -> Result<HashMap<String, Vec<crate::persons::StoredEvent>>> {
        if self.ctx.empty_register {
            return Ok(HashMap::new());
        }
        let mut out: HashMap<String, Vec<crate::persons::StoredEvent>> = HashMap::new();
        self.held()?.run(|c| {
            c.query_each(
                &format!(
                    "SELECT {} FROM events e WHERE e.import_id IS NULL \
                     AND e.seq > COALESCE((SELECT MAX(i.seq) FROM events i WHERE i.person_no = e.person_no \
                     AND i.import_id IS NOT NULL), 0) ORDER BY e.seq",
                    crate::persons::EVENT_COLS_E
                ),
                &[],
                &mut |r| {
                    let e = crate::persons::to_event(&r)?;
                    out.entry(e.event.person_no.clone()).or_default().push(e);
                    Ok(())
                },
            )
        })?;
        Ok(out)
    }

    /// Commits everything pushed, with the data-quality issues found, the names of
    /// unknown columns whose cells were kept, and `last`'s statements (the import's
    /// audit entry) in the same transaction.
    pub fn commit(
        mut self,
        quality: &[QualityIssue],
        extra_columns: &[String],
        last: impl FnOnce(&mut crate::Tx<'_>, &ImportCounts) -> Result<()>,
    ) -> Result<ImportCounts> {
        let t = std::time::Instant::now();
        self.join_writer()?;
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "import: rows written");
        if self.ctx.mode == Mode::PgStage {
            self.merge_stage()?;
            tracing::debug!(
                ms = t.elapsed().as_millis() as u64,
                "import: staged rows merged"
            );
        }
        let ctx = self.ctx.clone();
        let restore = std::mem::take(&mut self.restore);
        let written = self.counts.events as i64;
        let mut n = 0;
        self.held()?.run(|c| {
            if ctx.mode == Mode::PgBulk {
                // Event numbers first_seq.. were used directly: move the sequence on.
                c.exec(
                    "SELECT setval(pg_get_serial_sequence('events', 'seq'), $1, true)",
                    &[Value::Int(ctx.first_seq + written.max(1) - 1)],
                )?;
            }
            if c.backend() == Backend::Postgres && !restore.is_empty() {
                // Index builds sort in memory when they can (the default is 64 MB).
                c.batch("SET LOCAL maintenance_work_mem = '256MB'")?;
            }
            if c.backend() == Backend::Sqlite && !restore.is_empty() {
                // Let SQLite sort with a helper thread: the rebuild is the one serial
                // step at the end of a bulk load.
                c.batch("PRAGMA threads = 2")?;
            }
            let t = std::time::Instant::now();
            for ddl in &restore {
                c.batch(ddl)?;
            }
            tracing::debug!(ms = t.elapsed().as_millis() as u64, n = restore.len(), "import: indexes and keys restored");
            for q in quality {
                n += c.exec(
                    "INSERT INTO quality_issues (person_no, kind, message, import_id, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (person_no, kind) DO NOTHING",
                    &[
                        q.person_no.as_str().into(),
                        q.kind.as_str().into(),
                        q.message.as_str().into(),
                        Value::Int(ctx.import_id),
                        ctx.at.into(),
                    ],
                )?;
            }
            Ok(())
        })?;
        self.counts.quality_issues = n;
        let counts = self.counts;
        let t = std::time::Instant::now();
        let (actor, key) = (self.actor.clone(), self.key.clone());
        self.held()?
            .finish(ctx.import_id, &counts, extra_columns, &actor, &key, last)?;
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "import: committed");
        self.committed = true;
        if ctx.mode != Mode::SqliteRows && counts.events >= ANALYZE_AFTER {
            // Fresh statistics after a bulk load: without them PostgreSQL guesses
            // that `events.seq > $1` matches a third of the table and answers the
            // search index's "what changed?" by scanning every person (measured:
            // 1 s instead of 1 ms on 2M persons). Autovacuum would get there
            // eventually, where it is on. After the commit, so a failure here
            // loses nothing.
            let t = std::time::Instant::now();
            if let Err(e) = self
                .held()?
                .run(|c| c.batch("ANALYZE households, persons, events"))
            {
                tracing::warn!(error = %e, "import: ANALYZE failed");
            }
            tracing::debug!(ms = t.elapsed().as_millis() as u64, "import: analyzed");
        }
        Ok(counts)
    }

    /// PostgreSQL with persons already present: corrections for changed persons,
    /// then every new person and their registration event, set-based.
    fn merge_stage(&mut self) -> Result<()> {
        let ctx = self.ctx.clone();
        let reason = ctx.reason();
        let mut counts = self.counts;
        self.held()?.run(|c| {
            c.batch("CREATE INDEX ON stage_persons (person_no); ANALYZE stage_persons")?;
            if let Some(area) = &ctx.area {
                let (lo, hi) = crate::prefix_range(area.prefix());
                if let Some(r) = c.query_one(
                    "SELECT p.person_no FROM stage_persons s JOIN persons p ON p.person_no = s.person_no \
                     WHERE NOT (p.region_code >= $1 AND p.region_code < $2) LIMIT 1",
                    &[lo.into(), hi.into()],
                )? {
                    return Err(outside_error(&r[0].text().unwrap_or_default()));
                }
            }
            let cols: Vec<&str> = PERSON_COLS.split(", ").collect();
            let list = |p: &str| cols.iter().map(|c| format!("{p}.{c}")).collect::<Vec<_>>().join(", ");
            let (s_cols, p_cols, n_cols) = (list("s"), list("p"), list("n"));
            // A file without a relation to the household head says nothing about
            // it: the register's value stays.
            let s_cols = s_cols.replace("s.relation", "COALESCE(s.relation, p.relation)");
            let existing = c
                .query_one(
                    "SELECT COUNT(*) FROM stage_persons s JOIN persons p ON p.person_no = s.person_no",
                    &[],
                )?
                .and_then(|r| r[0].int())
                .unwrap_or(0) as u64;
            let changed = c.query(
                &format!(
                    "SELECT {s_cols}, {p_cols} FROM stage_persons s JOIN persons p ON p.person_no = s.person_no \
                     WHERE ({s_cols}) IS DISTINCT FROM ({p_cols}) ORDER BY s.row_no"
                ),
                &[],
            )?;
            for row in &changed {
                let new = to_person(&row[..14])?;
                let old = to_person(&row[14..])?;
                let mut seq = 0;
                for kind in corrections(&old, &new, &reason) {
                    seq = append_event(c, &ctx.event(&new.person_no, kind), ctx.at, Some(ctx.import_id))?;
                    counts.events += 1;
                }
                write_state(c, &new, seq, true, None)?;
            }
            counts.corrected += changed.len() as u64;
            counts.unchanged += existing - changed.len() as u64;
            c.exec(
                "INSERT INTO households (household_no, region_code) \
                 SELECT DISTINCT ON (household_no) household_no, region_code FROM stage_persons \
                 ORDER BY household_no, row_no ON CONFLICT (household_no) DO NOTHING",
                &[],
            )?;
            let inserted = c.exec(
                &format!(
                    "WITH n AS (SELECT * FROM stage_persons s WHERE NOT EXISTS \
                        (SELECT 1 FROM persons p WHERE p.person_no = s.person_no)), \
                     ev AS (INSERT INTO events (person_no, kind, occurred_on, payload, recorded_by, recorded_at, source, import_id) \
                        SELECT person_no, 'registered', NULL, payload, $1, $2, $3, $4 FROM n ORDER BY row_no \
                        RETURNING seq, person_no) \
                     INSERT INTO persons ({PERSON_COLS}, last_event, extra) \
                     SELECT {n_cols}, ev.seq, n.extra FROM n JOIN ev ON ev.person_no = n.person_no"
                ),
                &[
                    ctx.recorded_by.as_str().into(),
                    ctx.at.into(),
                    ctx.source.as_str().into(),
                    Value::Int(ctx.import_id),
                ],
            )?;
            counts.new += inserted;
            counts.events += inserted;
            Ok(())
        })?;
        self.counts = counts;
        Ok(())
    }
}

impl Drop for PersonImport {
    fn drop(&mut self) {
        if !self.committed {
            if let Some(w) = self.writer.take() {
                drop(w.tx);
                if let Ok(Ok((held, _))) = w.handle.join() {
                    self.held = Some(held);
                }
            }
            if let Some(h) = self.held.as_mut() {
                let _ = h.run(|c| c.batch("ROLLBACK"));
            }
        }
    }
}

/// Whether an existing person lies outside the importer's area.
fn outside(area: &Option<renkou_domain::RegionCode>, p: &PersonRecord) -> bool {
    area.as_ref().is_some_and(|a| !a.contains(&p.region_code))
}

/// The file names a person number of another area. The importer's own checks find
/// this first with the row; this is the store's own guard.
fn outside_error(no: &str) -> StoreError {
    StoreError::OutsideArea(format!(
        "人员编号 {no} 属于您辖区以外的人员，文件不能修改 / person {no} lives outside your area; the file cannot change them"
    ))
}

/// Imports writing at least this many events refresh PostgreSQL's statistics.
const ANALYZE_AFTER: u64 = 10_000;

/// COPY buffers of the PostgreSQL modes.
#[derive(Default)]
struct CopyBuffers {
    households: Vec<u8>,
    events: Vec<u8>,
    persons: Vec<u8>,
    stage: Vec<u8>,
    rows: usize,
}

impl CopyBuffers {
    fn flush(&mut self, c: &mut PgClient) -> Result<()> {
        for (buf, sql) in [
            (&mut self.households, "COPY households (household_no, region_code) FROM STDIN"),
            (
                &mut self.events,
                "COPY events (seq, person_no, kind, occurred_on, payload, recorded_by, recorded_at, source, import_id) FROM STDIN",
            ),
            (
                &mut self.persons,
                "COPY persons (person_no, name, sex, birth_date, id_number, household_no, region_code, marital_status, \
                 mother_no, father_no, residence, phone, death_date, relation, last_event, extra) FROM STDIN",
            ),
            (&mut self.stage, "COPY stage_persons FROM STDIN"),
        ] {
            if buf.is_empty() {
                continue;
            }
            let mut w = c.client.copy_in(sql)?;
            w.write_all(buf)
                .map_err(|e| StoreError::Invalid(format!("COPY: {e}")))?;
            w.finish()?;
            buf.clear();
        }
        self.rows = 0;
        Ok(())
    }
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// The 14 person columns of a row's cells ([`PersonRecord::to_cells`] order, which
/// is [`PERSON_COLS`] order) as COPY fields: the optional ones are NULL when empty.
fn person_fields(c: &[String; 14]) -> [Option<&str>; 14] {
    // id_number, mother_no, father_no, phone, death_date, relation may be absent.
    const OPTIONAL: [usize; 6] = [4, 8, 9, 11, 12, 13];
    std::array::from_fn(|i| {
        if OPTIONAL.contains(&i) {
            opt(&c[i])
        } else {
            Some(c[i].as_str())
        }
    })
}

/// Appends one COPY text row.
fn copy_row(buf: &mut Vec<u8>, fields: &[Option<&str>]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            buf.push(b'\t');
        }
        copy_field(buf, *f);
    }
    buf.push(b'\n');
}

/// The writer thread: applies batches until the channel closes, then hands the
/// connection (still inside the import's transaction) back.
fn write_rows(
    mut held: Held,
    rx: Receiver<Vec<Prepared>>,
    ctx: WriteCtx,
) -> Result<(Held, ImportCounts)> {
    let mut counts = ImportCounts::default();
    let mut households: HashSet<String> = HashSet::new();
    let reason = ctx.reason();
    let recorded_at = ctx.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let import_id = ctx.import_id.to_string();
    let mut copy = CopyBuffers::default();
    let mut row_no: u64 = 0;
    // SQLite: the next event number, read when the first new person arrives; the
    // write transaction is ours alone, so nobody else can take it meanwhile.
    let mut next_seq: i64 = 0;
    for batch in rx {
        match &mut held {
            Held::Sqlite(conn) => {
                for Prepared {
                    person: p,
                    cells: c,
                    payload,
                    extra,
                } in &batch
                {
                    let existing = if ctx.empty_register {
                        None
                    } else {
                        load_person(&mut SqliteConn(conn), &p.person_no)?
                    };
                    // A file without a relation to the household head says nothing
                    // about it: the register's value stays.
                    let kept;
                    let p = match &existing {
                        Some(old) if p.relation.is_none() && old.relation.is_some() => {
                            kept = PersonRecord {
                                relation: old.relation,
                                ..p.clone()
                            };
                            &kept
                        }
                        _ => p,
                    };
                    match existing {
                        None => {
                            if !households.contains(&p.household_no) {
                                conn.prepare_cached(
                                    "INSERT INTO households (household_no, region_code) VALUES (?1, ?2) \
                                     ON CONFLICT (household_no) DO NOTHING",
                                )?
                                .execute(rusqlite::params![p.household_no, p.region_code.as_str()])?;
                                households.insert(p.household_no.clone());
                            }
                            // The person first, then the event with the number it was
                            // promised: the event's foreign key then finds its person at
                            // once instead of waiting as a deferred violation.
                            if next_seq == 0 {
                                next_seq = conn.query_row(
                                    "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) + 1",
                                    [],
                                    |r| r.get(0),
                                )?;
                            }
                            let seq = next_seq;
                            next_seq += 1;
                            conn.prepare_cached(&format!(
                                "INSERT INTO persons ({PERSON_COLS}, last_event, extra) VALUES \
                                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
                            ))?
                            .execute(rusqlite::params![
                                c[0],
                                c[1],
                                p.sex.code() as i64,
                                c[3],
                                opt(&c[4]),
                                c[5],
                                c[6],
                                p.marital_status.code() as i64,
                                opt(&c[8]),
                                opt(&c[9]),
                                c[10],
                                opt(&c[11]),
                                opt(&c[12]),
                                opt(&c[13]),
                                seq,
                                extra
                            ])?;
                            conn.prepare_cached(
                                "INSERT INTO events (seq, person_no, kind, occurred_on, payload, recorded_by, recorded_at, source, import_id) \
                                 VALUES (?1, ?2, 'registered', NULL, ?3, ?4, ?5, ?6, ?7)",
                            )?
                            .execute(rusqlite::params![
                                seq,
                                p.person_no,
                                payload,
                                ctx.recorded_by,
                                recorded_at,
                                ctx.source,
                                ctx.import_id
                            ])?;
                            counts.new += 1;
                            counts.events += 1;
                        }
                        Some(old) if outside(&ctx.area, &old) => {
                            return Err(outside_error(&old.person_no))
                        }
                        Some(old) if old == *p => counts.unchanged += 1,
                        Some(old) => {
                            let sc = &mut SqliteConn(conn);
                            let mut seq = 0;
                            for kind in corrections(&old, p, &reason) {
                                seq = append_event(
                                    sc,
                                    &ctx.event(&p.person_no, kind),
                                    ctx.at,
                                    Some(ctx.import_id),
                                )?;
                                counts.events += 1;
                            }
                            write_state(sc, p, seq, true, None)?;
                            next_seq = 0;
                            counts.corrected += 1;
                        }
                    }
                }
            }
            Held::Postgres(client) => {
                for Prepared {
                    person: p,
                    cells: c,
                    payload,
                    extra,
                } in &batch
                {
                    row_no += 1;
                    let fields = person_fields(c);
                    if ctx.mode == Mode::PgBulk {
                        if households.insert(p.household_no.clone()) {
                            copy_row(&mut copy.households, &[Some(&c[5]), Some(&c[6])]);
                        }
                        let seq = (ctx.first_seq + counts.new as i64).to_string();
                        copy_row(
                            &mut copy.events,
                            &[
                                Some(&seq),
                                Some(&c[0]),
                                Some("registered"),
                                None,
                                Some(payload),
                                Some(&ctx.recorded_by),
                                Some(&recorded_at),
                                Some(&ctx.source),
                                Some(&import_id),
                            ],
                        );
                        let mut row = fields.to_vec();
                        row.extend([Some(seq.as_str()), extra.as_deref()]);
                        copy_row(&mut copy.persons, &row);
                        counts.new += 1;
                        counts.events += 1;
                    } else {
                        let n = row_no.to_string();
                        let mut row = vec![Some(n.as_str())];
                        row.extend(fields);
                        row.extend([extra.as_deref(), Some(payload.as_str())]);
                        copy_row(&mut copy.stage, &row);
                    }
                    copy.rows += 1;
                }
                if copy.rows >= COPY_ROWS {
                    copy.flush(client)?;
                }
            }
        }
    }
    if let Held::Postgres(client) = &mut held {
        copy.flush(client)?;
    }
    Ok((held, counts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_payload_is_the_serialized_event() {
        let p = PersonRecord::from_cells(&[
            "P1",
            "测试\"甲",
            "2",
            "1990-02-28",
            "",
            "H1",
            "349901101201",
            "21",
            "",
            "",
            "resident",
            "",
            "",
        ])
        .unwrap();
        let cells = p.to_cells();
        let ours = registered_payload(&cells).unwrap();
        let serde = serde_json::to_string(&EventKind::Registered { person: p }).unwrap();
        assert_eq!(ours, serde);
    }
}
