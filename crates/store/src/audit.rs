//! The audit log: every write and every view of a person or household page, with
//! who, when, what and from where. It references records by id, never by name or
//! ID number.
//!
//! Append-only and chained: each entry's MAC covers the previous entry's and its own
//! fields, keyed with the county's audit key ([`AuditKey`], kept outside the
//! database), so someone who can write the database but does not hold the key can
//! neither edit, insert, delete nor re-chain entries without `verify` seeing it.
//! What the chain cannot show from inside is the removal of its newest entries; a
//! signed [`Checkpoint`] of the head, written out and kept elsewhere (and printed on
//! reports), anchors it, and on SQLite the highest sequence number ever issued is
//! compared with the last entry too.
//!
//! Entries written before the key existed (`key_id` NULL) were chained with plain
//! SHA-256; they are still checked, and reported as unkeyed.

use crate::conn::Conn;
use crate::error::{Result, StoreError};
use crate::value::Value;
use crate::{Backend, Store};
use chrono::{DateTime, SubsecRound, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What was done. Codes are stored; names are shown. Domains define their own
/// actions beside these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditAction {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl AuditAction {
    pub const VIEW: AuditAction = AuditAction::new("view", "查看", "view");
    pub const CREATE: AuditAction = AuditAction::new("create", "新建", "create");
    pub const UPDATE: AuditAction = AuditAction::new("update", "修改", "update");
    pub const VOID: AuditAction = AuditAction::new("void", "注销", "void");
    pub const IMPORT: AuditAction = AuditAction::new("import", "导入", "import");
    pub const EXPORT: AuditAction = AuditAction::new("export", "导出", "export");
    pub const LOGIN: AuditAction = AuditAction::new("login", "登录", "log in");
    pub const LOGIN_FAILED: AuditAction =
        AuditAction::new("login_failed", "登录失败", "failed login");
    pub const LOGIN_LOCKED: AuditAction =
        AuditAction::new("login_locked", "登录被锁定", "login while locked");
    pub const LOGOUT: AuditAction = AuditAction::new("logout", "退出", "log out");
    pub const REVIEW: AuditAction = AuditAction::new("review", "审核", "review");
    pub const ASSIGN: AuditAction = AuditAction::new("assign", "分派", "assign");
    pub const DISABLE: AuditAction = AuditAction::new("disable", "停用", "disable");
    pub const ENABLE: AuditAction = AuditAction::new("enable", "启用", "enable");
    pub const RESET_PASSWORD: AuditAction =
        AuditAction::new("reset_password", "重设密码", "reset password");
    pub const TOKEN: AuditAction = AuditAction::new("token", "API 令牌", "API token");
    pub const CHECKPOINT: AuditAction = AuditAction::new("checkpoint", "审计检查点", "checkpoint");

    pub const fn new(code: &'static str, zh: &'static str, en: &'static str) -> AuditAction {
        AuditAction { code, zh, en }
    }

    /// The kernel's actions, for showing stored codes by name.
    pub const KERNEL: &'static [AuditAction] = &[
        Self::VIEW,
        Self::CREATE,
        Self::UPDATE,
        Self::VOID,
        Self::IMPORT,
        Self::EXPORT,
        Self::LOGIN,
        Self::LOGIN_FAILED,
        Self::LOGIN_LOCKED,
        Self::LOGOUT,
        Self::REVIEW,
        Self::ASSIGN,
        Self::DISABLE,
        Self::ENABLE,
        Self::RESET_PASSWORD,
        Self::TOKEN,
        Self::CHECKPOINT,
    ];
}

/// What kind of record an entry is about. Domains define their own kinds beside
/// the kernel's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordKind {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl RecordKind {
    pub const PERSON: RecordKind = RecordKind::new("person", "人员", "person");
    pub const HOUSEHOLD: RecordKind = RecordKind::new("household", "户", "household");
    pub const REGION: RecordKind = RecordKind::new("region", "区划", "region");
    pub const ACCOUNT: RecordKind = RecordKind::new("account", "账户", "account");
    pub const IMPORT: RecordKind = RecordKind::new("import", "导入", "import");
    pub const SESSION: RecordKind = RecordKind::new("session", "登录会话", "session");
    pub const QUALITY_ISSUE: RecordKind =
        RecordKind::new("quality_issue", "数据质量问题", "data-quality issue");
    pub const AUDIT_LOG: RecordKind = RecordKind::new("audit_log", "审计日志", "audit log");

    pub const fn new(code: &'static str, zh: &'static str, en: &'static str) -> RecordKind {
        RecordKind { code, zh, en }
    }

    pub const KERNEL: &'static [RecordKind] = &[
        Self::PERSON,
        Self::HOUSEHOLD,
        Self::REGION,
        Self::ACCOUNT,
        Self::IMPORT,
        Self::SESSION,
        Self::QUALITY_ISSUE,
        Self::AUDIT_LOG,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub username: String,
    /// An [`AuditAction`] code.
    pub action: String,
    /// A [`RecordKind`] code.
    pub record_type: String,
    pub record_id: String,
    /// The fields written (names only, or name=new value for non-personal fields).
    pub fields: String,
    pub address: String,
    pub prev_hash: String,
    pub hash: String,
    /// Which key made `hash`; `None` for entries chained before keys existed.
    pub key_id: Option<String>,
}

/// What is appended; the store adds time, author and chain.
#[derive(Debug, Clone, Copy)]
pub struct AuditNote<'a> {
    pub action: AuditAction,
    pub record: RecordKind,
    pub record_id: &'a str,
    pub fields: &'a str,
}

/// Who wrote an entry and from where.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuditAuthor<'a> {
    pub username: &'a str,
    pub address: &'a str,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Longest text kept in one field of an entry: the log is not a place to store
/// what a client sends (an unauthenticated login can put any text here).
const MAX_FIELD_CHARS: usize = 200;

fn bounded(s: &str) -> String {
    if s.chars().count() <= MAX_FIELD_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_FIELD_CHARS).collect();
        t.push('…');
        t
    }
}

/// The county's audit key: 32 random bytes in a file outside the database.
#[derive(Clone)]
pub struct AuditKey {
    bytes: [u8; 32],
    /// The first 8 hex digits of SHA-256 of the key: names the key in each entry
    /// without revealing it.
    pub id: String,
    pub path: PathBuf,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({} at {})", self.id, self.path.display())
    }
}

impl AuditKey {
    /// Reads the key at `path`, creating it (readable by its owner only) when the
    /// file does not exist.
    pub fn load_or_create(path: &Path) -> Result<AuditKey> {
        let io = |e: std::io::Error| {
            StoreError::Invalid(format!(
                "审计密钥文件 {} 无法读写 / audit key file {} cannot be used: {e}",
                path.display(),
                path.display()
            ))
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let mut b = [0u8; 32];
                rand_bytes(&mut b);
                let hex_key = crate::accounts::hex(&b);
                write_private(path, hex_key.as_bytes()).map_err(io)?;
                hex_key.into_bytes()
            }
            Err(e) => return Err(io(e)),
        };
        let text = String::from_utf8_lossy(&bytes);
        let raw = unhex(text.trim()).filter(|k| k.len() == 32).ok_or_else(|| {
            StoreError::Invalid(format!(
                "审计密钥文件 {} 不是 64 位十六进制 / audit key file {} does not hold 64 hex digits",
                path.display(),
                path.display()
            ))
        })?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&raw);
        let id = crate::accounts::hex(&Sha256::digest(key))[..8].to_string();
        Ok(AuditKey {
            bytes: key,
            id,
            path: path.to_path_buf(),
        })
    }

    fn mac(&self) -> Hmac<Sha256> {
        // An HMAC accepts keys of any length; 32 bytes never fails.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes).expect("HMAC takes any key length")
    }
}

fn rand_bytes(b: &mut [u8]) {
    // ThreadRng is a CSPRNG seeded from the OS.
    rand::Rng::fill(&mut rand::rng(), b);
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// The fields an entry's hash covers, length-prefixed so no two different entries
/// hash the same bytes.
fn chain_input(prev: &str, at: &DateTime<Utc>, e: &[&str; 6]) -> Vec<u8> {
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut out = Vec::new();
    for part in [prev, at.as_str()].into_iter().chain(e.iter().copied()) {
        out.extend_from_slice(&(part.len() as u64).to_le_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

fn legacy_hash(input: &[u8]) -> String {
    crate::accounts::hex(&Sha256::digest(input))
}

fn keyed_hash(key: &AuditKey, input: &[u8]) -> String {
    let mut m = key.mac();
    m.update(input);
    crate::accounts::hex(&m.finalize().into_bytes())
}

const COLS: &str =
    "seq, at, username, action, record_type, record_id, fields, address, prev_hash, hash, key_id";

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
        key_id: r[10].text(),
    }
}

/// Appends inside the caller's transaction (so a write and its audit entry commit
/// together).
pub(crate) fn append(
    c: &mut dyn Conn,
    key: &AuditKey,
    who: AuditAuthor<'_>,
    n: &AuditNote<'_>,
) -> Result<i64> {
    append_at(c, key, who, n, crate::now())
}

/// [`append`] with the moment the entry records (a queued view's own time).
pub(crate) fn append_at(
    c: &mut dyn Conn,
    key: &AuditKey,
    who: AuditAuthor<'_>,
    n: &AuditNote<'_>,
    at: DateTime<Utc>,
) -> Result<i64> {
    if c.backend() == Backend::Postgres {
        // One appender at a time, or two entries would claim the same predecessor.
        c.exec("SELECT pg_advisory_xact_lock(4242001)", &[])?;
    }
    let prev = c
        .query_one("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1", &[])?
        .and_then(|r| r[0].text())
        .unwrap_or_else(|| GENESIS.to_string());
    let at = at.trunc_subsecs(6);
    let fields = [
        bounded(who.username),
        n.action.code.to_string(),
        n.record.code.to_string(),
        bounded(n.record_id),
        bounded(n.fields),
        bounded(who.address),
    ];
    let refs = [
        fields[0].as_str(),
        fields[1].as_str(),
        fields[2].as_str(),
        fields[3].as_str(),
        fields[4].as_str(),
        fields[5].as_str(),
    ];
    let hash = keyed_hash(key, &chain_input(&prev, &at, &refs));
    let [username, action, record_type, record_id, fields, address] = fields;
    c.query_one(
        "INSERT INTO audit_log (at, username, action, record_type, record_id, fields, address, prev_hash, hash, key_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq",
        &[
            at.into(),
            username.into(),
            action.into(),
            record_type.into(),
            record_id.into(),
            fields.into(),
            address.into(),
            prev.into(),
            hash.into(),
            key.id.as_str().into(),
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

/// The state of an intact chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainHead {
    pub entries: u64,
    /// Entries chained before the audit key existed (plain SHA-256).
    pub unkeyed: u64,
    pub seq: i64,
    pub hash: String,
}

/// A signed statement of the chain's head at one moment: kept outside the
/// database (a file the county stores, a line on a printed report), it shows later
/// whether entries up to it were removed or the chain rewritten.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub entries: u64,
    pub hash: String,
    pub at: DateTime<Utc>,
    pub key_id: String,
    pub mac: String,
}

impl Checkpoint {
    fn signed_text(seq: i64, entries: u64, hash: &str, at: &DateTime<Utc>) -> String {
        format!(
            "renkou-audit-checkpoint|{seq}|{entries}|{hash}|{}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }

    /// One line for a report's footer.
    pub fn line(&self) -> String {
        format!(
            "审计日志检查点 #{} · {} 条 · {} · {}",
            self.seq,
            self.entries,
            &self.hash[..16.min(self.hash.len())],
            &self.mac[..16.min(self.mac.len())]
        )
    }
}

impl Store {
    /// Appends one entry in a transaction of its own (a login, a logout: writes
    /// with nothing else to commit beside them).
    pub fn audit(&self, actor: &crate::Actor, note: AuditNote<'_>) -> Result<i64> {
        self.write(actor, |tx| tx.audit(note))
    }

    /// Records that `actor` saw a record, without making the view wait for the
    /// database (see `audit_queue`).
    pub fn audit_view(
        &self,
        actor: &crate::Actor,
        record: RecordKind,
        record_id: &str,
        fields: &str,
    ) -> Result<()> {
        let key = self.audit_key()?.clone();
        self.view_queue.push(
            crate::audit_queue::Pending {
                username: actor.username.clone(),
                address: actor.address.clone(),
                action: AuditAction::VIEW,
                record,
                record_id: record_id.to_string(),
                fields: fields.to_string(),
                at: crate::now(),
            },
            &self.pool,
            &key,
        )
    }

    /// Waits (up to ten seconds) until every queued view is in the log.
    pub fn flush_audit_views(&self) {
        self.view_queue.flush(std::time::Duration::from_secs(10));
    }

    /// The key this store signs audit entries with.
    pub fn audit_key(&self) -> Result<&AuditKey> {
        self.audit_key
            .get_or_init(|| {
                AuditKey::load_or_create(&self.audit_key_path).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| StoreError::Invalid(e.clone()))
    }

    /// Entries matching the filters, newest first; `before` pages back from a
    /// sequence number.
    pub fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        self.flush_audit_views();
        let mut sql = format!("SELECT {COLS} FROM audit_log WHERE 1 = 1");
        let mut params: Vec<Value> = Vec::new();
        for (col, v) in [
            ("username", q.username.as_deref()),
            ("action", q.action.as_deref()),
            ("record_type", q.record_type.as_deref()),
            ("record_id", q.record_id.as_deref()),
        ] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                params.push(v.into());
                sql.push_str(&format!(" AND {col} = ${}", params.len()));
            }
        }
        if let Some(from) = q.from {
            params.push(from.into());
            sql.push_str(&format!(" AND at >= ${}", params.len()));
        }
        if let Some(to) = q.to {
            params.push(to.into());
            sql.push_str(&format!(" AND at < ${}", params.len()));
        }
        if let Some(b) = q.before {
            params.push(Value::Int(b));
            sql.push_str(&format!(" AND seq < ${}", params.len()));
        }
        params.push(Value::Int(q.limit.clamp(1, 10_000)));
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", params.len()));
        self.with(|c| {
            Ok(c.query(&sql, &params)?
                .iter()
                .map(|r| to_entry(r))
                .collect())
        })
    }

    /// Walks the whole chain; returns its head, or the first break.
    pub fn verify_audit(&self) -> Result<std::result::Result<ChainHead, AuditBreak>> {
        self.flush_audit_views();
        let key = self.audit_key()?.clone();
        let mut prev = GENESIS.to_string();
        let (mut n, mut unkeyed, mut last_seq) = (0u64, 0u64, 0i64);
        let mut broken: Option<AuditBreak> = None;
        let mut keyed_seen = false;
        self.with(|c| {
            c.query_each(
                &format!("SELECT {COLS} FROM audit_log ORDER BY seq"),
                &[],
                &mut |r| {
                    if broken.is_some() {
                        return Ok(());
                    }
                    let e = to_entry(&r);
                    let input = chain_input(
                        &prev,
                        &e.at,
                        &[
                            &e.username,
                            &e.action,
                            &e.record_type,
                            &e.record_id,
                            &e.fields,
                            &e.address,
                        ],
                    );
                    let fail = |reason: &str| {
                        Some(AuditBreak {
                            seq: e.seq,
                            reason: reason.to_string(),
                        })
                    };
                    if e.prev_hash != prev {
                        broken = fail(
                            "前一条已被删除或修改 / the previous entry was deleted or changed",
                        );
                    } else {
                        match &e.key_id {
                            Some(id) if *id != key.id => {
                                broken = fail("本条由另一个审计密钥签名 / this entry was signed with another audit key")
                            }
                            Some(_) if keyed_hash(&key, &input) != e.hash => {
                                broken = fail("本条内容已被修改 / this entry was changed")
                            }
                            Some(_) => keyed_seen = true,
                            None if keyed_seen => {
                                broken = fail("有密钥的记录之后出现无密钥记录 / an unkeyed entry after keyed ones")
                            }
                            None if legacy_hash(&input) != e.hash => {
                                broken = fail("本条内容已被修改 / this entry was changed")
                            }
                            None => unkeyed += 1,
                        }
                    }
                    prev = e.hash;
                    last_seq = e.seq;
                    n += 1;
                    Ok(())
                },
            )?;
            if broken.is_none() && c.backend() == Backend::Sqlite {
                // AUTOINCREMENT never reuses a number and a rolled-back append gives
                // its number back, so a highest-ever number above the last entry
                // means entries were deleted from the end.
                let issued = c
                    .query_one(
                        "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'",
                        &[],
                    )?
                    .and_then(|r| r[0].int())
                    .unwrap_or(0);
                if issued > last_seq {
                    broken = Some(AuditBreak {
                        seq: last_seq + 1,
                        reason: format!(
                            "最后 {} 条已被删除 / the last {} entries were deleted",
                            issued - last_seq,
                            issued - last_seq
                        ),
                    });
                }
            }
            Ok(())
        })?;
        Ok(match broken {
            Some(b) => Err(b),
            None => Ok(ChainHead {
                entries: n,
                unkeyed,
                seq: last_seq,
                hash: prev,
            }),
        })
    }

    /// A signed checkpoint of the chain as it is now (after checking it).
    pub fn audit_checkpoint(&self) -> Result<std::result::Result<Checkpoint, AuditBreak>> {
        let key = self.audit_key()?.clone();
        Ok(self.verify_audit()?.map(|h| {
            let at = crate::now().trunc_subsecs(0);
            let mut m = key.mac();
            m.update(Checkpoint::signed_text(h.seq, h.entries, &h.hash, &at).as_bytes());
            Checkpoint {
                seq: h.seq,
                entries: h.entries,
                hash: h.hash,
                at,
                key_id: key.id.clone(),
                mac: crate::accounts::hex(&m.finalize().into_bytes()),
            }
        }))
    }

    /// Checks the chain against a checkpoint written earlier: the checkpoint is
    /// genuine, the entry it names is still there with the same hash, and the
    /// chain has at least as many entries.
    pub fn verify_audit_against(
        &self,
        cp: &Checkpoint,
    ) -> Result<std::result::Result<ChainHead, AuditBreak>> {
        let key = self.audit_key()?.clone();
        let mut m = key.mac();
        m.update(Checkpoint::signed_text(cp.seq, cp.entries, &cp.hash, &cp.at).as_bytes());
        let genuine =
            cp.key_id == key.id && unhex(&cp.mac).is_some_and(|mac| m.verify_slice(&mac).is_ok());
        if !genuine {
            return Ok(Err(AuditBreak {
                seq: cp.seq,
                reason: "检查点签名无效（不是本县密钥签发，或已被改动）/ the checkpoint's signature is not valid (another key, or it was changed)".into(),
            }));
        }
        let head = match self.verify_audit()? {
            Ok(h) => h,
            Err(b) => return Ok(Err(b)),
        };
        let at_cp = self.with(|c| {
            c.query_one(
                "SELECT hash FROM audit_log WHERE seq = $1",
                &[Value::Int(cp.seq)],
            )
        })?;
        let found = if cp.seq == 0 {
            // A checkpoint of the empty log: nothing to find, only the count.
            Some(GENESIS.to_string())
        } else {
            at_cp.and_then(|r| r[0].text())
        };
        let reason = match found {
            None => Some(format!(
                "检查点之前或所在的记录已被删除（第 {} 条不存在）/ entries up to the checkpoint were deleted (entry {} is missing)",
                cp.seq, cp.seq
            )),
            Some(h) if h != cp.hash => Some(
                "检查点所在的记录与检查点不符：日志已被改写 / the entry at the checkpoint differs: the log was rewritten"
                    .into(),
            ),
            Some(_) if head.entries < cp.entries => Some(format!(
                "记录比检查点时少 {} 条 / {} fewer entries than at the checkpoint",
                cp.entries - head.entries,
                cp.entries - head.entries
            )),
            Some(_) => None,
        };
        Ok(match reason {
            Some(reason) => Err(AuditBreak {
                seq: cp.seq,
                reason,
            }),
            None => Ok(head),
        })
    }
}

/// Filters of the audit log page.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub username: Option<String>,
    pub action: Option<String>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub before: Option<i64>,
    pub limit: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_fields_are_cut() {
        let s = "x".repeat(5_000_000);
        let b = bounded(&s);
        assert_eq!(b.chars().count(), MAX_FIELD_CHARS + 1);
        assert_eq!(bounded("短"), "短");
    }

    #[test]
    fn keys_round_trip_and_are_private() {
        let dir = std::env::temp_dir().join(format!("renkou-key-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let p = dir.join("k").join("audit.key");
        let a = AuditKey::load_or_create(&p).unwrap();
        let b = AuditKey::load_or_create(&p).unwrap();
        assert_eq!(a.bytes, b.bytes);
        assert_eq!(a.id.len(), 8);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
        }
        std::fs::write(&p, "not hex").unwrap();
        assert!(AuditKey::load_or_create(&p).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
