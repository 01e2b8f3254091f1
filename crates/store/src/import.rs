//! Bulk imports as one transaction each: a session receives validated records one at
//! a time and either commits all of them or, when dropped without commit (an invalid
//! row found, the user cancelled, the process died), leaves the database as it was.
//!
//! Natural keys make re-imports idempotent: a person (by 人员编号) or a source birth
//! (by source and 记录编号) already present and unchanged is skipped; a changed one
//! becomes correction events (persons) or a new revision (source births), never a
//! second record. SQLite applies each row as it comes (prepared statements in one
//! write transaction); PostgreSQL COPYs rows into a temporary table and merges them
//! with set-based statements at commit, which is what makes it fast over a network.

use crate::conn::{Conn, PgClient, PgManager, SqliteConn};
use crate::error::{Result, StoreError};
use crate::persons::{append_event, load_person, person_params, to_person, write_state, PERSON_COLS};
use crate::rusqlite;
use crate::value::Value;
use crate::{Pool, Store};
use chrono::{DateTime, Utc};
use r2d2::PooledConnection;
use r2d2_sqlite::SqliteConnectionManager;
use renkou_domain::event::{corrections, EventKind, PersonEvent};
use renkou_domain::quality::QualityIssue;
use renkou_domain::{Date, PersonRecord, Sex, SourceBirth};
use std::collections::{HashMap, HashSet};
use std::io::Write;

/// Who is importing what.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    /// "persons" or "births".
    pub kind: &'static str,
    /// The file's name as given (no directory), recorded with every event.
    pub file_name: String,
    /// The source a births file comes from (hospital, ledger, …).
    pub source: Option<String>,
    /// Account name of the person importing.
    pub recorded_by: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    pub import_id: i64,
    pub read: u64,
    pub new: u64,
    pub unchanged: u64,
    pub corrected: u64,
    pub events: u64,
    pub quality_issues: u64,
}

enum Held {
    Sqlite(PooledConnection<SqliteConnectionManager>),
    Postgres(PooledConnection<PgManager>),
}

impl Held {
    fn get(store: &Store) -> Result<Held> {
        Ok(match &store.pool {
            Pool::Sqlite(p) => Held::Sqlite(p.get()?),
            Pool::Postgres(p) => Held::Postgres(p.get()?),
        })
    }

    fn run<T>(&mut self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        match self {
            Held::Sqlite(c) => f(&mut SqliteConn(c)),
            Held::Postgres(c) => f(&mut **c),
        }
    }

    fn begin(&mut self, meta: &ImportMeta, at: DateTime<Utc>) -> Result<i64> {
        self.run(|c| {
            c.batch(crate::begin_sql(c.backend()))?;
            c.query_one(
                "INSERT INTO imports (kind, file_name, source, recorded_by, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    meta.kind.into(),
                    meta.file_name.as_str().into(),
                    meta.source.clone().into(),
                    meta.recorded_by.as_str().into(),
                    at.into(),
                ],
            )?
            .and_then(|r| r[0].int())
            .ok_or_else(|| StoreError::Corrupt("imports id".into()))
        })
    }

    fn finish(&mut self, id: i64, counts: &ImportCounts, extra_columns: &[String]) -> Result<()> {
        self.run(|c| {
            c.exec(
                "UPDATE imports SET finished_at = $2, rows_read = $3, rows_new = $4, rows_unchanged = $5, rows_corrected = $6 WHERE id = $1",
                &[
                    Value::Int(id),
                    crate::now().into(),
                    Value::Int(counts.read as i64),
                    Value::Int(counts.new as i64),
                    Value::Int(counts.unchanged as i64),
                    Value::Int(counts.corrected as i64),
                ],
            )?;
            for col in extra_columns {
                c.exec(
                    "INSERT INTO import_extra_columns (import_id, column_name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[Value::Int(id), col.as_str().into()],
                )?;
            }
            c.batch("COMMIT")
        })
    }
}

/// A persons import in progress.
///
/// On SQLite the rows go to a writer thread that owns the connection, so parsing and
/// checking the file (the caller's thread) and writing the database run on both
/// cores at once. On PostgreSQL they are buffered and COPYed into a staging table.
pub struct PersonImport {
    /// The connection, when no writer thread holds it.
    held: Option<Held>,
    writer: Option<SqliteWriter>,
    batch: Vec<Prepared>,
    ctx: WriteCtx,
    counts: ImportCounts,
    /// Secondary indexes dropped for a bulk load into an empty register, recreated
    /// (sorted, much faster than row by row) before commit.
    dropped_indexes: Vec<String>,
    /// PostgreSQL: rows waiting to be COPYed into the staging table.
    stage: Vec<u8>,
    staged_rows: usize,
    committed: bool,
}

/// What every event of the import shares.
#[derive(Clone)]
struct WriteCtx {
    import_id: i64,
    at: DateTime<Utc>,
    recorded_by: String,
    source: String,
    /// The register was empty when the import began: no row can exist already.
    empty_register: bool,
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
/// registration event's payload are computed there, so the two threads share the
/// work more evenly.
struct Prepared {
    person: PersonRecord,
    cells: [String; 13],
    payload: String,
    extra: Option<String>,
}

fn registered_payload(cells: &[String; 13]) -> Result<String> {
    // Same bytes as serializing EventKind::Registered (tested in the domain crate),
    // without building the cells twice.
    let cells = serde_json::to_string(cells).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(format!(r#"{{"kind":"registered","person":{cells}}}"#))
}

struct SqliteWriter {
    tx: std::sync::mpsc::SyncSender<Vec<Prepared>>,
    handle: std::thread::JoinHandle<Result<(Held, ImportCounts)>>,
}

const STAGE_FLUSH_ROWS: usize = 20_000;
const WRITER_BATCH: usize = 2_048;

/// The secondary indexes of `persons` and `households`, as CREATE statements. Not
/// those of `events`: its index on person_no serves the deferred foreign key from
/// events to persons, and without it every person inserted would scan the events.
fn secondary_indexes(c: &mut dyn Conn) -> Result<Vec<(String, String)>> {
    let sql = match c.backend() {
        crate::Backend::Sqlite => {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ('persons', 'households') ORDER BY name"
        }
        crate::Backend::Postgres => {
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() \
             AND i.tablename IN ('persons', 'households') \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname) ORDER BY i.indexname"
        }
    };
    Ok(c.query(sql, &[])?
        .into_iter()
        .filter_map(|r| Some((r[0].text()?, r[1].text()?)))
        .collect())
}

impl Store {
    /// Starts a persons import: opens the transaction that the whole file goes into.
    pub fn begin_person_import(&self, meta: ImportMeta) -> Result<PersonImport> {
        self.require_initialised()?;
        let mut held = Held::get(self)?;
        let at = crate::now();
        let import_id = held.begin(&meta, at)?;
        let empty_register = held.run(|c| {
            Ok(c.query_one("SELECT 1 FROM persons LIMIT 1", &[])?.is_none())
        })?;
        let mut dropped_indexes = Vec::new();
        if empty_register && std::env::var_os("RENKOU_KEEP_INDEXES").is_none() {
            held.run(|c| {
                for (name, create) in secondary_indexes(c)? {
                    c.batch(&format!("DROP INDEX {name}"))?;
                    dropped_indexes.push(create);
                }
                Ok(())
            })?;
        }
        if let Held::Postgres(c) = &mut held {
            c.batch(&format!(
                "CREATE TEMP TABLE stage_persons (row_no BIGINT, {}, extra TEXT, payload TEXT) ON COMMIT DROP",
                "person_no TEXT, name TEXT, sex BIGINT, birth_date DATE, id_number TEXT, household_no TEXT, \
                 region_code TEXT, marital_status BIGINT, mother_no TEXT, father_no TEXT, residence TEXT, \
                 phone TEXT, death_date DATE"
            ))?;
        }
        Ok(PersonImport {
            held: Some(held),
            writer: None,
            batch: Vec::with_capacity(WRITER_BATCH),
            ctx: WriteCtx {
                import_id,
                at,
                recorded_by: meta.recorded_by.clone(),
                source: meta.file_name.clone(),
                empty_register,
            },
            counts: ImportCounts {
                import_id,
                ..Default::default()
            },
            dropped_indexes,
            stage: Vec::new(),
            staged_rows: 0,
            committed: false,
        })
    }
}

impl PersonImport {
    fn is_sqlite(&self) -> bool {
        self.writer.is_some() || matches!(self.held, Some(Held::Sqlite(_)))
    }

    /// Adds one validated record.
    pub fn push(&mut self, p: &PersonRecord, extra: Option<&str>) -> Result<()> {
        self.counts.read += 1;
        if self.is_sqlite() {
            let cells = p.to_cells();
            let payload = registered_payload(&cells)?;
            self.batch.push(Prepared {
                person: p.clone(),
                cells,
                payload,
                extra: extra.map(str::to_string),
            });
            if self.batch.len() >= WRITER_BATCH {
                self.send_batch()?;
            }
            Ok(())
        } else {
            self.push_staged(p, extra)
        }
    }

    fn send_batch(&mut self) -> Result<()> {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(WRITER_BATCH));
        if self.writer.is_none() {
            let held = self
                .held
                .take()
                .ok_or_else(|| StoreError::Corrupt("import connection lost".into()))?;
            let (tx, rx) = std::sync::mpsc::sync_channel(4);
            let ctx = self.ctx.clone();
            let handle = std::thread::Builder::new()
                .name("renkou-import-writer".into())
                .spawn(move || sqlite_writer(held, rx, ctx))
                .map_err(|e| StoreError::Invalid(format!("writer thread: {e}")))?;
            self.writer = Some(SqliteWriter { tx, handle });
        }
        let w = self.writer.as_ref().map(|w| w.tx.clone());
        if let Some(tx) = w {
            if tx.send(batch).is_err() {
                // The writer stopped on an error: collect it.
                self.join_writer()?;
                return Err(StoreError::Corrupt("import writer stopped".into()));
            }
        }
        Ok(())
    }

    /// Waits for the writer thread to write everything sent, and takes the
    /// connection back.
    fn join_writer(&mut self) -> Result<()> {
        if !self.batch.is_empty() && self.is_sqlite() {
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

    fn push_staged(&mut self, p: &PersonRecord, extra: Option<&str>) -> Result<()> {
        let payload = serde_json::to_string(&EventKind::Registered { person: p.clone() })
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row_no = self.counts.read.to_string();
        let cells = person_params(p);
        let buf = &mut self.stage;
        copy_field(buf, Some(&row_no));
        for v in &cells {
            buf.push(b'\t');
            copy_field(buf, v.text().as_deref());
        }
        buf.push(b'\t');
        copy_field(buf, extra);
        buf.push(b'\t');
        copy_field(buf, Some(&payload));
        buf.push(b'\n');
        self.staged_rows += 1;
        if self.staged_rows >= STAGE_FLUSH_ROWS {
            self.flush_stage()?;
        }
        Ok(())
    }

    fn flush_stage(&mut self) -> Result<()> {
        if self.stage.is_empty() {
            return Ok(());
        }
        let stage = std::mem::take(&mut self.stage);
        if let Held::Postgres(c) = self.held()? {
            let c: &mut PgClient = c;
            let mut w = c.client.copy_in("COPY stage_persons FROM STDIN")?;
            w.write_all(&stage)
                .map_err(|e| StoreError::Invalid(format!("COPY: {e}")))?;
            w.finish()?;
        }
        self.staged_rows = 0;
        Ok(())
    }

    /// Birth date and sex of persons already in the register, for checking parent
    /// links that point outside the file.
    pub fn lookup(&mut self, person_nos: &[String]) -> Result<HashMap<String, (Date, Sex)>> {
        self.held()?
            .run(|c| crate::persons::lookup_birth_sex(c, person_nos))
    }

    /// Commits everything pushed, with the data-quality issues found and the names of
    /// unknown columns whose cells were kept.
    pub fn commit(mut self, quality: &[QualityIssue], extra_columns: &[String]) -> Result<ImportCounts> {
        let t = std::time::Instant::now();
        self.join_writer()?;
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "import: writer joined");
        if matches!(self.held, Some(Held::Postgres(_))) {
            self.flush_stage()?;
            tracing::debug!(ms = t.elapsed().as_millis() as u64, "import: staging complete");
            self.merge_stage()?;
            tracing::debug!(ms = t.elapsed().as_millis() as u64, "import: merged");
        }
        let (id, at) = (self.ctx.import_id, self.ctx.at);
        let indexes = std::mem::take(&mut self.dropped_indexes);
        let mut n = 0;
        self.held()?.run(|c| {
            if !indexes.is_empty() && c.backend() == crate::Backend::Postgres {
                // Pending deferred FK checks would block CREATE INDEX: run them now.
                c.batch("SET CONSTRAINTS ALL IMMEDIATE")?;
            }
            let t = std::time::Instant::now();
            if !indexes.is_empty() && c.backend() == crate::Backend::Sqlite {
                // Let SQLite sort with a helper thread: the rebuild is otherwise the
                // one serial step at the end of a bulk load.
                c.batch("PRAGMA threads = 2")?;
            }
            for create in &indexes {
                c.batch(create)?;
            }
            tracing::debug!(ms = t.elapsed().as_millis() as u64, n = indexes.len(), "import: indexes rebuilt");
            for q in quality {
                n += c.exec(
                    "INSERT INTO quality_issues (person_no, kind, message, import_id, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (person_no, kind) DO NOTHING",
                    &[
                        q.person_no.as_str().into(),
                        q.kind.as_str().into(),
                        q.message.as_str().into(),
                        Value::Int(id),
                        at.into(),
                    ],
                )?;
            }
            Ok(())
        })?;
        self.counts.quality_issues = n;
        let counts = self.counts;
        let t = std::time::Instant::now();
        self.held()?.finish(id, &counts, extra_columns)?;
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "import: committed");
        self.committed = true;
        Ok(counts)
    }

    /// PostgreSQL: corrections for changed persons, then every new person and their
    /// registration event in two set-based statements.
    fn merge_stage(&mut self) -> Result<()> {
        let ctx = self.ctx.clone();
        let reason = ctx.reason();
        let mut counts = self.counts;
        self.held()?.run(|c| {
            c.batch("CREATE INDEX ON stage_persons (person_no); ANALYZE stage_persons")?;
            let cols: Vec<&str> = PERSON_COLS.split(", ").collect();
            let s_cols = cols.iter().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ");
            let p_cols = cols.iter().map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
            if !ctx.empty_register {
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
                    let new = to_person(&row[..13])?;
                    let old = to_person(&row[13..])?;
                    let mut seq = 0;
                    for kind in corrections(&old, &new, &reason) {
                        seq = append_event(c, &ctx.event(&new.person_no, kind), ctx.at, Some(ctx.import_id))?;
                        counts.events += 1;
                    }
                    write_state(c, &new, seq, true, None)?;
                }
                counts.corrected += changed.len() as u64;
                counts.unchanged += existing - changed.len() as u64;
            }
            c.exec(
                "INSERT INTO households (household_no, region_code) \
                 SELECT DISTINCT ON (household_no) household_no, region_code FROM stage_persons \
                 ORDER BY household_no, row_no ON CONFLICT (household_no) DO NOTHING",
                &[],
            )?;
            let n_cols = cols.iter().map(|c| format!("n.{c}")).collect::<Vec<_>>().join(", ");
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
            tracing::debug!(inserted, "import: staged rows merged");
            Ok(())
        })?;
        self.counts = counts;
        Ok(())
    }
}

/// The SQLite writer thread: applies batches of rows until the channel closes, then
/// hands the connection (still inside the import's transaction) back.
fn sqlite_writer(
    mut held: Held,
    rx: std::sync::mpsc::Receiver<Vec<Prepared>>,
    ctx: WriteCtx,
) -> Result<(Held, ImportCounts)> {
    let mut counts = ImportCounts::default();
    let mut households: HashSet<String> = HashSet::new();
    let reason = ctx.reason();
    let recorded_at = ctx.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    for batch in rx {
        let Held::Sqlite(conn) = &mut held else {
            return Err(StoreError::Corrupt("SQLite writer without SQLite".into()));
        };
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
            match existing {
                None => {
                    // The hot path of a bulk load: plain prepared statements, no
                    // intermediate values.
                    if !households.contains(&p.household_no) {
                        conn.prepare_cached(
                            "INSERT INTO households (household_no, region_code) VALUES (?1, ?2) \
                             ON CONFLICT (household_no) DO NOTHING",
                        )?
                        .execute(rusqlite::params![p.household_no, p.region_code.as_str()])?;
                        households.insert(p.household_no.clone());
                    }
                    conn.prepare_cached(
                        "INSERT INTO events (person_no, kind, occurred_on, payload, recorded_by, recorded_at, source, import_id) \
                         VALUES (?1, 'registered', NULL, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(rusqlite::params![
                        p.person_no,
                        payload,
                        ctx.recorded_by,
                        recorded_at,
                        ctx.source,
                        ctx.import_id
                    ])?;
                    let seq = conn.last_insert_rowid();
                    fn opt(s: &str) -> Option<&str> {
                        (!s.is_empty()).then_some(s)
                    }
                    conn.prepare_cached(&format!(
                        "INSERT INTO persons ({PERSON_COLS}, last_event, extra) VALUES \
                         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
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
                        seq,
                        extra
                    ])?;
                    counts.new += 1;
                    counts.events += 1;
                }
                Some(old) if old == *p => counts.unchanged += 1,
                Some(old) => {
                    let c = &mut SqliteConn(conn);
                    let mut seq = 0;
                    for kind in corrections(&old, p, &reason) {
                        seq = append_event(c, &ctx.event(&p.person_no, kind), ctx.at, Some(ctx.import_id))?;
                        counts.events += 1;
                    }
                    write_state(c, p, seq, true, None)?;
                    counts.corrected += 1;
                }
            }
        }
    }
    Ok((held, counts))
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

/// One field in PostgreSQL's COPY text format.
fn copy_field(buf: &mut Vec<u8>, v: Option<&str>) {
    match v {
        None => buf.extend_from_slice(b"\\N"),
        Some(s) => {
            for b in s.bytes() {
                match b {
                    b'\\' => buf.extend_from_slice(b"\\\\"),
                    b'\t' => buf.extend_from_slice(b"\\t"),
                    b'\n' => buf.extend_from_slice(b"\\n"),
                    b'\r' => buf.extend_from_slice(b"\\r"),
                    _ => buf.push(b),
                }
            }
        }
    }
}

// --- source births ----------------------------------------------------------

const BIRTH_COLS: &str = "record_id, child_name, child_sex, birth_date, reported_birth_order, mother_name, \
     mother_id_number, mother_birth_date, father_name, father_id_number, region_code, place";

fn birth_params(b: &SourceBirth) -> Vec<Value> {
    vec![
        b.record_id.as_str().into(),
        b.child_name.clone().into(),
        Value::Int(b.child_sex.code() as i64),
        b.birth_date.into(),
        b.reported_birth_order.map(|o| o as i64).into(),
        b.mother_name.clone().into(),
        b.mother_id_number.as_ref().map(|i| i.to_string()).into(),
        b.mother_birth_date.into(),
        b.father_name.clone().into(),
        b.father_id_number.as_ref().map(|i| i.to_string()).into(),
        b.region_code.as_ref().map(|r| r.to_string()).into(),
        b.place.clone().into(),
    ]
}

fn to_birth(r: &[Value]) -> Result<SourceBirth> {
    let bad = |w: &str| StoreError::Corrupt(format!("source_births.{w}"));
    Ok(SourceBirth {
        record_id: r[0].text().ok_or_else(|| bad("record_id"))?,
        child_name: r[1].text(),
        child_sex: Sex::from_code(r[2].int().unwrap_or(0)),
        birth_date: r[3].date().ok_or_else(|| bad("birth_date"))?,
        reported_birth_order: r[4].int().map(|o| o as u32),
        mother_name: r[5].text(),
        mother_id_number: r[6]
            .as_str()
            .map(renkou_domain::IdNumber::parse)
            .transpose()
            .map_err(|_| bad("mother_id_number"))?,
        mother_birth_date: r[7].date(),
        father_name: r[8].text(),
        father_id_number: r[9]
            .as_str()
            .map(renkou_domain::IdNumber::parse)
            .transpose()
            .map_err(|_| bad("father_id_number"))?,
        region_code: r[10]
            .as_str()
            .map(renkou_domain::RegionCode::parse)
            .transpose()
            .map_err(|_| bad("region_code"))?,
        place: r[11].text(),
    })
}

/// A births import from one source in progress.
pub struct BirthImport {
    held: Held,
    import_id: i64,
    source: String,
    at: DateTime<Utc>,
    /// What the source said before this import: (record, revision).
    existing: HashMap<String, (SourceBirth, i64)>,
    counts: ImportCounts,
    committed: bool,
}

impl Store {
    /// Starts importing births reported by `meta.source`.
    pub fn begin_birth_import(&self, meta: ImportMeta) -> Result<BirthImport> {
        self.require_initialised()?;
        let source = meta
            .source
            .clone()
            .ok_or_else(|| StoreError::Invalid("出生记录必须注明来源 / births need a source name".into()))?;
        let mut held = Held::get(self)?;
        let at = crate::now();
        let import_id = held.begin(&meta, at)?;
        let mut existing = HashMap::new();
        held.run(|c| {
            c.query_each(
                &format!("SELECT {BIRTH_COLS}, revision FROM source_births WHERE source = $1"),
                &[source.as_str().into()],
                &mut |r| {
                    let b = to_birth(&r)?;
                    existing.insert(b.record_id.clone(), (b, r[12].int().unwrap_or(1)));
                    Ok(())
                },
            )
        })?;
        Ok(BirthImport {
            held,
            import_id,
            source,
            at,
            existing,
            counts: ImportCounts {
                import_id,
                ..Default::default()
            },
            committed: false,
        })
    }

    /// The records a source reported, ordered by record id.
    pub fn source_births(&self, source: &str) -> Result<Vec<SourceBirth>> {
        self.with(|c| {
            c.query(
                &format!("SELECT {BIRTH_COLS} FROM source_births WHERE source = $1 ORDER BY record_id"),
                &[source.into()],
            )?
            .iter()
            .map(|r| to_birth(r))
            .collect()
        })
    }
}

impl BirthImport {
    pub fn push(&mut self, b: &SourceBirth, extra: Option<&str>) -> Result<()> {
        self.counts.read += 1;
        let (source, at, id) = (self.source.clone(), self.at, self.import_id);
        match self.existing.get(&b.record_id) {
            Some((old, _)) if old == b => {
                self.counts.unchanged += 1;
                Ok(())
            }
            Some((old, rev)) => {
                let (old, rev) = (old.clone(), *rev + 1);
                self.held.run(|c| {
                    let mut p = vec![Value::from(source.as_str())];
                    p.extend(birth_params(b));
                    p.push(Value::Int(rev));
                    p.push(Value::Int(id));
                    c.exec(
                        "UPDATE source_births SET child_name = $3, child_sex = $4, birth_date = $5, reported_birth_order = $6, \
                         mother_name = $7, mother_id_number = $8, mother_birth_date = $9, father_name = $10, \
                         father_id_number = $11, region_code = $12, place = $13, revision = $14, import_id = $15 \
                         WHERE source = $1 AND record_id = $2",
                        &p,
                    )?;
                    let json = |b: &SourceBirth| serde_json::to_string(b).unwrap_or_default();
                    c.exec(
                        "INSERT INTO source_birth_revisions (source, record_id, revision, old_payload, new_payload, import_id, recorded_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        &[
                            source.as_str().into(),
                            b.record_id.as_str().into(),
                            Value::Int(rev),
                            json(&old).into(),
                            json(b).into(),
                            Value::Int(id),
                            at.into(),
                        ],
                    )?;
                    Ok(())
                })?;
                self.existing.insert(b.record_id.clone(), (b.clone(), rev));
                self.counts.corrected += 1;
                Ok(())
            }
            None => {
                self.held.run(|c| {
                    let mut p = vec![Value::from(source.as_str())];
                    p.extend(birth_params(b));
                    p.push(extra.into());
                    p.push(Value::Int(id));
                    c.exec(
                        &format!(
                            "INSERT INTO source_births (source, {BIRTH_COLS}, extra, import_id, revision) VALUES \
                             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1)"
                        ),
                        &p,
                    )?;
                    Ok(())
                })?;
                self.existing.insert(b.record_id.clone(), (b.clone(), 1));
                self.counts.new += 1;
                Ok(())
            }
        }
    }

    pub fn commit(mut self, extra_columns: &[String]) -> Result<ImportCounts> {
        let counts = self.counts;
        self.held.finish(self.import_id, &counts, extra_columns)?;
        self.committed = true;
        Ok(counts)
    }
}

impl Drop for BirthImport {
    fn drop(&mut self) {
        if !self.committed {
            let _ = self.held.run(|c| c.batch("ROLLBACK"));
        }
    }
}
