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

use crate::conn::{Conn, PgManager, SqliteConn};
use crate::error::{Result, StoreError};
use crate::value::Value;
use crate::{Pool, Store};
use chrono::{DateTime, Utc};
use r2d2::PooledConnection;
use r2d2_sqlite::SqliteConnectionManager;
use renkou_domain::birth::{SourceFlag, SourceRaw};
use renkou_domain::{Sex, SourceBirth};
use std::collections::HashMap;

pub use crate::person_import::PersonImport;

/// Who is importing what.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    /// "persons" or "births".
    pub kind: &'static str,
    /// The file's name as given (no directory), recorded with every event.
    pub file_name: String,
    /// The source a births file comes from (hospital, ledger, …).
    pub source: Option<String>,
    /// Who is importing: their name is on every event, and an account's area
    /// bounds which persons the file may touch.
    pub actor: crate::Actor,
}

/// How a file is to be imported (every importer of every domain takes these).
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// xlsx sheet to read (default: the first).
    pub sheet: Option<String>,
    /// Load the good rows and write the bad ones to `<input>.rejected.csv`.
    pub skip_invalid: bool,
    /// Check everything and write nothing (a preview): the transaction is rolled
    /// back at the end.
    pub dry_run: bool,
    /// Who imports: the author of the events, and the area that bounds the rows.
    pub actor: crate::Actor,
    /// Let the file's values replace edits made in the register after the
    /// person's last import (a death entered on the web, a reviewer's fix).
    /// Without it those fields keep the register's value and are reported as
    /// [`Conflict`]s for a person to decide.
    pub overwrite_newer: bool,
}

impl ImportOptions {
    /// An import by `actor` with the defaults (first sheet, all or nothing).
    pub fn by(actor: crate::Actor) -> ImportOptions {
        ImportOptions {
            sheet: None,
            skip_invalid: false,
            dry_run: false,
            actor,
            overwrite_newer: false,
        }
    }
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub file: String,
    pub counts: ImportCounts,
    /// Rows rejected under `skip_invalid`, with where they were written.
    pub rejected_rows: usize,
    pub rejected_file: Option<std::path::PathBuf>,
    pub extra_columns: Vec<String>,
    /// Fields where the file differs from a newer edit in the register.
    pub conflicts: Vec<Conflict>,
}

/// A field an imported row would change although the register's value was set by
/// an edit (form, API, reconciliation fix) after the person's last import: the
/// file is probably older than the edit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    pub row: u64,
    pub person_no: String,
    pub field: renkou_domain::person::Field,
    /// The register's value and the file's, in interchange spelling.
    pub register: String,
    pub file: String,
    /// The edit that set the register's value.
    pub edited_by: String,
    pub edited_at: String,
    /// Whether the file's value was taken (`overwrite_newer`) or the register's kept.
    pub overwritten: bool,
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

/// A connection held for the length of an import. The size difference between the
/// variants does not matter: there is one per import.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Held {
    Sqlite(PooledConnection<SqliteConnectionManager>),
    Postgres(PooledConnection<PgManager>),
}

impl Held {
    pub(crate) fn get(store: &Store) -> Result<Held> {
        Ok(match &store.pool {
            Pool::Sqlite(p) => Held::Sqlite(p.get()?),
            Pool::Postgres(p) => Held::Postgres(p.get()?),
        })
    }

    pub(crate) fn run<T>(&mut self, f: impl FnOnce(&mut dyn Conn) -> Result<T>) -> Result<T> {
        match self {
            Held::Sqlite(c) => f(&mut SqliteConn(c)),
            Held::Postgres(c) => f(&mut **c),
        }
    }

    pub(crate) fn begin(&mut self, meta: &ImportMeta, at: DateTime<Utc>) -> Result<i64> {
        self.run(|c| {
            c.batch(crate::begin_sql(c.backend()))?;
            c.query_one(
                "INSERT INTO imports (kind, file_name, source, recorded_by, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    meta.kind.into(),
                    meta.file_name.as_str().into(),
                    meta.source.clone().into(),
                    meta.actor.username.as_str().into(),
                    at.into(),
                ],
            )?
            .and_then(|r| r[0].int())
            .ok_or_else(|| StoreError::Corrupt("imports id".into()))
        })
    }

    /// Records the import's counts, runs the caller's last statements (its audit
    /// entry, a domain's description of what was imported) in the import's
    /// transaction, and commits.
    pub(crate) fn finish(
        &mut self,
        id: i64,
        counts: &ImportCounts,
        extra_columns: &[String],
        actor: &crate::Actor,
        key: &crate::audit::AuditKey,
        last: impl FnOnce(&mut crate::Tx<'_>, &ImportCounts) -> Result<()>,
    ) -> Result<()> {
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
            crate::tx::within(c, actor, key, |tx| last(tx, counts))?;
            c.batch("COMMIT")
        })
    }
}

/// One field in PostgreSQL's COPY text format.
pub(crate) fn copy_field(buf: &mut Vec<u8>, v: Option<&str>) {
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

const BIRTH_COLS: &str =
    "record_id, child_name, child_sex, birth_date, reported_birth_order, mother_name, \
     mother_id_number, mother_birth_date, father_name, father_id_number, region_code, place, \
     raw_child_sex, raw_birth_date, raw_birth_order, raw_mother_id_number, raw_mother_birth_date, \
     raw_father_id_number, raw_region_code, flags";

/// Columns of [`BIRTH_COLS`]; the revision follows them in reads.
const N_BIRTH_COLS: usize = 20;

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
        b.raw.child_sex.clone().into(),
        b.raw.birth_date.clone().into(),
        b.raw.birth_order.clone().into(),
        b.raw.mother_id_number.clone().into(),
        b.raw.mother_birth_date.clone().into(),
        b.raw.father_id_number.clone().into(),
        b.raw.region_code.clone().into(),
        SourceFlag::join(&b.flags).into(),
    ]
}

fn to_birth(r: &[Value]) -> Result<SourceBirth> {
    let bad = |w: &str| StoreError::Corrupt(format!("source_births.{w}"));
    Ok(SourceBirth {
        record_id: r[0].text().ok_or_else(|| bad("record_id"))?,
        child_name: r[1].text(),
        child_sex: Sex::from_code(r[2].int().unwrap_or(0)),
        birth_date: r[3].date(),
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
        raw: SourceRaw {
            child_sex: r[12].text(),
            birth_date: r[13].text(),
            birth_order: r[14].text(),
            mother_id_number: r[15].text(),
            mother_birth_date: r[16].text(),
            father_id_number: r[17].text(),
            region_code: r[18].text(),
        },
        flags: SourceFlag::split(r[19].as_str().unwrap_or_default()),
    })
}

/// One record of a source, by its 记录编号.
pub fn source_birth(
    c: &mut dyn Conn,
    source: &str,
    record_id: &str,
) -> Result<Option<SourceBirth>> {
    c.query_one(
        &format!("SELECT {BIRTH_COLS} FROM source_births WHERE source = $1 AND record_id = $2"),
        &[source.into(), record_id.into()],
    )?
    .map(|r| to_birth(&r))
    .transpose()
}

/// A births import from one source in progress.
pub struct BirthImport {
    pub(crate) held: Held,
    pub(crate) import_id: i64,
    actor: crate::Actor,
    key: crate::audit::AuditKey,
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
        let source = meta.source.clone().ok_or_else(|| {
            StoreError::Invalid("出生记录必须注明来源 / births need a source name".into())
        })?;
        let key = self.audit_key()?.clone();
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
                    existing.insert(b.record_id.clone(), (b, r[N_BIRTH_COLS].int().unwrap_or(1)));
                    Ok(())
                },
            )
        })?;
        Ok(BirthImport {
            held,
            import_id,
            actor: meta.actor,
            key,
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
                &format!(
                    "SELECT {BIRTH_COLS} FROM source_births WHERE source = $1 ORDER BY record_id"
                ),
                &[source.into()],
            )?
            .iter()
            .map(|r| to_birth(r))
            .collect()
        })
    }
}

impl BirthImport {
    /// What the import has done so far.
    pub fn counts(&self) -> ImportCounts {
        self.counts
    }

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
                         father_id_number = $11, region_code = $12, place = $13, raw_child_sex = $14, \
                         raw_birth_date = $15, raw_birth_order = $16, raw_mother_id_number = $17, \
                         raw_mother_birth_date = $18, raw_father_id_number = $19, raw_region_code = $20, \
                         flags = $21, revision = $22, import_id = $23 \
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
                             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 1)"
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

    /// Commits the records with `last`'s statements (the audit entry, the
    /// source's description) in the same transaction.
    pub fn commit(
        mut self,
        extra_columns: &[String],
        last: impl FnOnce(&mut crate::Tx<'_>, &ImportCounts) -> Result<()>,
    ) -> Result<ImportCounts> {
        let counts = self.counts;
        let (actor, key) = (self.actor.clone(), self.key.clone());
        self.held
            .finish(self.import_id, &counts, extra_columns, &actor, &key, last)?;
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
