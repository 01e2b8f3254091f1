//! The audit log: every write and every view of a person or household page, with
//! who, when, what and from where. Append-only and hash-chained: each entry's hash
//! covers the previous entry's hash and its own fields, so `verify_audit` finds any
//! edited, inserted or deleted entry. It references records by id, never by name or
//! ID number.

use crate::conn::Conn;
use crate::error::{Result, StoreError};
use crate::value::Value;
use crate::{Backend, Store};
use chrono::{DateTime, SubsecRound, Utc};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub username: String,
    /// view | create | update | import | login | logout | login_failed | …
    pub action: String,
    /// person | household | region | account | import | session
    pub record_type: String,
    pub record_id: String,
    /// The fields written (names only, or name=new value for non-personal fields).
    pub fields: String,
    pub address: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What is appended; the store adds time and chain.
#[derive(Debug, Clone, Default)]
pub struct AuditRecord<'a> {
    pub username: &'a str,
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: &'a str,
    pub fields: &'a str,
    pub address: &'a str,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn chain_hash(prev: &str, at: &DateTime<Utc>, r: &AuditRecord<'_>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    // Length-prefixed fields, so no two different entries hash the same bytes.
    for part in [
        prev,
        &at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        r.username,
        r.action,
        r.record_type,
        r.record_id,
        r.fields,
        r.address,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    crate::accounts::hex(&h.finalize())
}

const COLS: &str =
    "seq, at, username, action, record_type, record_id, fields, address, prev_hash, hash";

fn to_entry(r: &[Value]) -> AuditEntry {
    AuditEntry {
        seq: r[0].int().unwrap_or(0),
        at: r[1].time().unwrap_or_default(),
        username: r[2].text().unwrap_or_default(),
        action: r[3].text().unwrap_or_default(),
        record_type: r[4].text().unwrap_or_default(),
        record_id: r[5].text().unwrap_or_default(),
        fields: r[6].text().unwrap_or_default(),
        address: r[7].text().unwrap_or_default(),
        prev_hash: r[8].text().unwrap_or_default(),
        hash: r[9].text().unwrap_or_default(),
    }
}

/// Appends inside the caller's transaction (so a write and its audit entry commit
/// together).
pub(crate) fn append(c: &mut dyn Conn, r: &AuditRecord<'_>) -> Result<i64> {
    if c.backend() == Backend::Postgres {
        // One appender at a time, or two entries would claim the same predecessor.
        c.exec("SELECT pg_advisory_xact_lock(4242001)", &[])?;
    }
    let prev = c
        .query_one("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1", &[])?
        .and_then(|r| r[0].text())
        .unwrap_or_else(|| GENESIS.to_string());
    let at = crate::now().trunc_subsecs(6);
    let hash = chain_hash(&prev, &at, r);
    c.query_one(
        "INSERT INTO audit_log (at, username, action, record_type, record_id, fields, address, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq",
        &[
            at.into(),
            r.username.into(),
            r.action.into(),
            r.record_type.into(),
            r.record_id.into(),
            r.fields.into(),
            r.address.into(),
            prev.into(),
            hash.into(),
        ],
    )?
    .and_then(|r| r[0].int())
    .ok_or_else(|| StoreError::Corrupt("audit seq".into()))
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBreak {
    pub seq: i64,
    pub reason: String,
}

impl Store {
    pub fn audit(&self, r: &AuditRecord<'_>) -> Result<i64> {
        self.transaction(|c| append(c, r))
    }

    /// Entries matching the filters, newest first.
    pub fn audit_entries(
        &self,
        username: Option<&str>,
        record_type: Option<&str>,
        record_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let mut sql = format!("SELECT {COLS} FROM audit_log WHERE 1 = 1");
        let mut params: Vec<Value> = Vec::new();
        for (col, v) in [
            ("username", username),
            ("record_type", record_type),
            ("record_id", record_id),
        ] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                params.push(v.into());
                sql.push_str(&format!(" AND {col} = ${}", params.len()));
            }
        }
        params.push(Value::Int(limit));
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", params.len()));
        self.with(|c| {
            Ok(c.query(&sql, &params)?
                .iter()
                .map(|r| to_entry(r))
                .collect())
        })
    }

    /// Walks the whole chain; returns the number of entries and the head hash, or the
    /// first break. (Sequence numbers may have gaps: PostgreSQL does not give back a
    /// number taken by a rolled-back transaction. A deletion still breaks the chain;
    /// only the removal of the newest entries cannot be seen from inside, which is why
    /// the head hash is printed, to be noted elsewhere.)
    pub fn verify_audit(&self) -> Result<std::result::Result<(u64, String), AuditBreak>> {
        let mut prev = GENESIS.to_string();
        let mut n = 0u64;
        let mut broken: Option<AuditBreak> = None;
        self.with(|c| {
            c.query_each(
                &format!("SELECT {COLS} FROM audit_log ORDER BY seq"),
                &[],
                &mut |r| {
                    if broken.is_some() {
                        return Ok(());
                    }
                    let e = to_entry(&r);
                    let rec = AuditRecord {
                        username: &e.username,
                        action: &e.action,
                        record_type: &e.record_type,
                        record_id: &e.record_id,
                        fields: &e.fields,
                        address: &e.address,
                    };
                    if e.prev_hash != prev {
                        broken = Some(AuditBreak {
                            seq: e.seq,
                            reason:
                                "前一条已被删除或修改 / the previous entry was deleted or changed"
                                    .into(),
                        });
                    } else if chain_hash(&prev, &e.at, &rec) != e.hash {
                        broken = Some(AuditBreak {
                            seq: e.seq,
                            reason: "本条内容已被修改 / this entry was changed".into(),
                        });
                    }
                    prev = e.hash;
                    n += 1;
                    Ok(())
                },
            )
        })?;
        Ok(match broken {
            Some(b) => Err(b),
            None => Ok((n, prev)),
        })
    }
}
