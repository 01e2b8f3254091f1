//! 兑现发放 (payment cycles): a cycle for a program, an area and a period pays the
//! month slots the county approved and nobody has paid, one line per person into
//! the bank account attested for them; it writes the bank batch file (CSV and xlsx
//! in the common layout 序号 · 户名 · 账号 · 身份证号码 · 金额, with a 合计 row, each
//! file's SHA-256 kept with the cycle) and the 兑现资金签字表; the bank's results are
//! imported back, every row classified, idempotently.
//!
//! States: drafted (编制) → sent (报送银行) → imported (已导入结果) → closed (结清),
//! or a drafted cycle discarded (作废); every step with who and when, audited in its
//! transaction.
//!
//! Never twice: a slot is held by at most one live cycle (a partial UNIQUE index on
//! `benefit_cycle_slots`), a slot is marked paid only while it is unpaid (the
//! condition is in the statement), and a failed line releases its slots for the
//! next cycle. Amounts are [`Yuan`] (decimal, to the fen), never floating point.
//!
//! Bank accounts are attested data ([`record_account`]): holder, ID number, account
//! and bank, with the document they were read from; a person with months due and
//! no account is left out of the batch and named on the cycle.

use crate::error::Error;
use crate::rules::{Month, Program, Yuan};
use crate::runs::check_area;
use crate::tables::area_bounds;
use chrono::{DateTime, Utc};
use renkou_domain::{Date, IdNumber, RegionCode};
use renkou_interchange::{FileKind, TableReader};
use renkou_store::{Actor, AuditAction, AuditNote, Conn, RecordKind, Store, StoreError, Tx, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const ACCOUNT: RecordKind = RecordKind::new("benefit_account", "银行账户", "bank account");
pub const CYCLE: RecordKind = RecordKind::new("benefit_cycle", "发放批次", "payment cycle");
pub const RECORD_KINDS: &[RecordKind] = &[ACCOUNT, CYCLE];

/// 编制发放批次.
pub const DRAFT: AuditAction = AuditAction::new("draft_cycle", "编制发放", "draft a payment cycle");
/// 报送银行.
pub const SEND: AuditAction = AuditAction::new("send_cycle", "报送银行", "send to the bank");
/// 导入银行结果.
pub const RESULTS: AuditAction = AuditAction::new(
    "import_results",
    "导入发放结果",
    "import the bank's results",
);
/// 结清.
pub const CLOSE: AuditAction = AuditAction::new("close_cycle", "结清", "close a payment cycle");
/// 作废 (a drafted cycle only).
pub const DISCARD: AuditAction =
    AuditAction::new("discard_cycle", "作废发放批次", "discard a payment cycle");
pub const ACTIONS: &[AuditAction] = &[DRAFT, SEND, RESULTS, CLOSE, DISCARD];

/// Rows per multi-row statement. Kept small: SQLite looks a `$N` parameter's name
/// up by walking the statement's parameter list, so binding costs grow with the
/// square of the parameters in one statement (400 rows × 6 took 9 s for a
/// 600,000-slot cycle, 48 rows × 6 well under 1 s).
const CHUNK: usize = 48;

fn bad(what: &str) -> StoreError {
    StoreError::Corrupt(format!("benefits.payments.{what}"))
}

fn invalid(m: impl Into<String>) -> Error {
    Error::Invalid(m.into())
}

fn yuan(v: &Value, what: &str) -> Result<Yuan, StoreError> {
    v.as_str()
        .and_then(|s| Yuan::parse(s).ok())
        .ok_or_else(|| bad(what))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

// ---- bank accounts ---------------------------------------------------------------

/// A bank account to record for a beneficiary (the person the slots are of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub person_no: String,
    /// 户名 as on the card (for a child's 育儿补贴: the parent or guardian).
    pub holder_name: String,
    pub holder_id_number: String,
    pub account_no: String,
    /// 开户银行.
    pub bank: String,
    pub as_of: Date,
    /// The document it was read from: its title and number (银行卡、存折、社保卡…).
    pub document: String,
}

/// A bank account as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub id: i64,
    pub person_no: String,
    pub holder_name: String,
    pub holder_id_number: String,
    pub account_no: String,
    pub bank: String,
    pub as_of: Date,
    pub document: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// The account number as banks print it: digits only (spaces and dashes taken out).
pub fn normalise_account_no(s: &str) -> Result<String, Error> {
    let digits: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if !(8..=32).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(
            "账号应为 8-32 位数字 / the account number must be 8-32 digits",
        ));
    }
    Ok(digits)
}

/// Records a bank account with its document; returns its id. The person must be in
/// the recorder's area.
pub fn record_account(store: &Store, actor: &Actor, a: &NewAccount) -> Result<i64, Error> {
    let holder = a.holder_name.trim();
    if holder.is_empty() || holder.chars().count() > 50 {
        return Err(invalid(
            "户名不能为空，最多 50 字 / the holder's name is required (at most 50 characters)",
        ));
    }
    let id = IdNumber::parse(a.holder_id_number.trim()).map_err(|e| {
        // The ID number's error is itself "中文 / English": one language per half.
        let e = e.to_string();
        let (zh, en) = e.split_once(" / ").unwrap_or((e.as_str(), e.as_str()));
        invalid(format!(
            "户主身份证号码：{zh} / the holder's ID number: {en}"
        ))
    })?;
    let account_no = normalise_account_no(&a.account_no)?;
    if a.document.trim().is_empty() || a.bank.trim().is_empty() {
        return Err(invalid(
            "开户银行和证明文件（名称和编号）不能为空 / the bank and the document (title and number) are required",
        ));
    }
    store.write(actor, |tx| {
        let person = tx
            .person(&a.person_no)?
            .ok_or_else(|| StoreError::NoPerson(a.person_no.clone()))?;
        if !tx.actor().can_write(&person.region_code) {
            return Err(Error::Store(StoreError::Forbidden));
        }
        let by = tx.actor().username.clone();
        let new_id = tx
            .conn()
            .query_one(
                "INSERT INTO benefit_accounts (person_no, holder_name, holder_id_number, account_no, bank, as_of, document, region_code, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    a.person_no.as_str().into(),
                    holder.into(),
                    id.as_str().into(),
                    account_no.as_str().into(),
                    a.bank.trim().into(),
                    a.as_of.into(),
                    a.document.trim().into(),
                    person.region_code.as_str().into(),
                    by.as_str().into(),
                    renkou_store::now().into(),
                ],
            )?
            .and_then(|r| r[0].int())
            .ok_or_else(|| bad("accounts id"))?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: ACCOUNT,
            record_id: &new_id.to_string(),
            // The account number is personal data: only its last four digits.
            fields: &format!(
                "person={};account=…{}",
                a.person_no,
                &account_no[account_no.len() - 4..]
            ),
        })?;
        Ok(new_id)
    })
}

/// Records many bank accounts in one transaction with one audit entry (the
/// accounts list an office gets from the bank for a 代发 roster); each checked as
/// [`record_account`] checks one, the first bad one refusing them all. Returns how
/// many.
pub fn record_accounts(store: &Store, actor: &Actor, list: &[NewAccount]) -> Result<u64, Error> {
    let mut rows = Vec::with_capacity(list.len());
    for (i, a) in list.iter().enumerate() {
        let at = |e: Error| invalid(format!("第 {} 个账户 / account {}: {e}", i + 1, i + 1));
        let holder = a.holder_name.trim();
        if holder.is_empty()
            || holder.chars().count() > 50
            || a.document.trim().is_empty()
            || a.bank.trim().is_empty()
        {
            return Err(at(invalid(
                "户名、开户银行和证明文件不能为空 / holder, bank and document are required",
            )));
        }
        let id =
            IdNumber::parse(a.holder_id_number.trim()).map_err(|e| at(invalid(e.to_string())))?;
        let account_no = normalise_account_no(&a.account_no).map_err(at)?;
        rows.push((a, holder, id, account_no));
    }
    store.write(actor, |tx| {
        let by = tx.actor().username.clone();
        let now = renkou_store::now();
        let mut regions: HashMap<String, String> = HashMap::new();
        tx.conn().query_each("SELECT person_no, region_code FROM persons", &[], &mut |r| {
            regions.insert(r[0].text().unwrap_or_default(), r[1].text().unwrap_or_default());
            Ok(())
        })?;
        let mut n = 0;
        for chunk in rows.chunks(CHUNK) {
            let mut params = Vec::with_capacity(chunk.len() * 10);
            for (a, holder, id, account_no) in chunk {
                let region = regions
                    .get(&a.person_no)
                    .ok_or_else(|| StoreError::NoPerson(a.person_no.clone()))?;
                let code = RegionCode::parse(region)?;
                if !tx.actor().can_write(&code) {
                    return Err(Error::Store(StoreError::NoPerson(a.person_no.clone())));
                }
                params.extend([
                    a.person_no.as_str().into(),
                    (*holder).into(),
                    id.as_str().into(),
                    account_no.as_str().into(),
                    a.bank.trim().into(),
                    a.as_of.into(),
                    a.document.trim().into(),
                    region.as_str().into(),
                    by.as_str().into(),
                    now.into(),
                ]);
            }
            n += tx.conn().exec(
                &format!(
                    "INSERT INTO benefit_accounts (person_no, holder_name, holder_id_number, account_no, bank, as_of, document, region_code, recorded_by, recorded_at) VALUES {}",
                    placeholders(chunk.len(), 10)
                ),
                &params,
            )?;
        }
        tx.audit(AuditNote {
            action: AuditAction::IMPORT,
            record: ACCOUNT,
            record_id: "*",
            fields: &format!("accounts={n}"),
        })?;
        Ok(n)
    })
}

const ACCOUNT_COLS: &str = "id, person_no, holder_name, holder_id_number, account_no, bank, as_of, document, recorded_by, recorded_at";

fn to_account(r: &[Value]) -> Result<Account, StoreError> {
    Ok(Account {
        id: r[0].int().ok_or_else(|| bad("accounts.id"))?,
        person_no: r[1].text().unwrap_or_default(),
        holder_name: r[2].text().unwrap_or_default(),
        holder_id_number: r[3].text().unwrap_or_default(),
        account_no: r[4].text().unwrap_or_default(),
        bank: r[5].text().unwrap_or_default(),
        as_of: r[6].date().ok_or_else(|| bad("accounts.as_of"))?,
        document: r[7].text().unwrap_or_default(),
        recorded_by: r[8].text().unwrap_or_default(),
        recorded_at: r[9].time().unwrap_or_default(),
    })
}

/// A person's accounts, oldest first (the last one is paid into); `None` outside
/// the reader's area.
pub fn accounts_of(
    store: &Store,
    actor: &Actor,
    person_no: &str,
) -> Result<Option<Vec<Account>>, Error> {
    let Some(p) = store.person(person_no)? else {
        return Ok(None);
    };
    if !actor.can_read(&p.region_code) {
        return Ok(None);
    }
    Ok(Some(store.with(|c| {
        c.query(
            &format!(
                "SELECT {ACCOUNT_COLS} FROM benefit_accounts WHERE person_no = $1 ORDER BY id"
            ),
            &[person_no.into()],
        )?
        .iter()
        .map(|r| to_account(r))
        .collect()
    })?))
}

// ---- cycles ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleState {
    Drafted,
    Sent,
    Imported,
    Closed,
    Discarded,
}

impl CycleState {
    pub fn code(self) -> &'static str {
        match self {
            CycleState::Drafted => "drafted",
            CycleState::Sent => "sent",
            CycleState::Imported => "imported",
            CycleState::Closed => "closed",
            CycleState::Discarded => "discarded",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            CycleState::Drafted => "已编制",
            CycleState::Sent => "已报送银行",
            CycleState::Imported => "已导入结果",
            CycleState::Closed => "已结清",
            CycleState::Discarded => "已作废",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            CycleState::Drafted => "drafted",
            CycleState::Sent => "sent to the bank",
            CycleState::Imported => "results imported",
            CycleState::Closed => "closed",
            CycleState::Discarded => "discarded",
        }
    }
    fn parse(s: &str) -> Option<CycleState> {
        [
            CycleState::Drafted,
            CycleState::Sent,
            CycleState::Imported,
            CycleState::Closed,
            CycleState::Discarded,
        ]
        .into_iter()
        .find(|c| c.code() == s)
    }
}

/// What a cycle is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleRequest {
    pub program: Program,
    pub area: RegionCode,
    pub first: Month,
    pub last: Month,
}

/// A cycle as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cycle {
    pub id: i64,
    pub program: Program,
    pub region_code: String,
    pub first_month: Month,
    pub last_month: Month,
    pub state: CycleState,
    pub persons: i64,
    pub slots: i64,
    pub total: Yuan,
    /// 人员编号 of persons with months due but no attested bank account.
    pub without_account: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub sent_by: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub imported_by: Option<String>,
    pub imported_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// SHA-256 of the bank files as written: (kind, file name, hash).
    pub files: Vec<(String, String, String)>,
}

const CYCLE_COLS: &str = "id, program, region_code, first_month, last_month, state, persons, slots, total, without_account, created_by, created_at, sent_by, sent_at, imported_by, imported_at, closed_by, closed_at";

fn to_cycle(r: &[Value]) -> Result<Cycle, StoreError> {
    let month = |v: &Value, w: &str| {
        v.as_str()
            .and_then(|s| Month::parse(s).ok())
            .ok_or_else(|| bad(w))
    };
    Ok(Cycle {
        id: r[0].int().ok_or_else(|| bad("cycles.id"))?,
        program: r[1]
            .as_str()
            .and_then(Program::parse)
            .ok_or_else(|| bad("cycles.program"))?,
        region_code: r[2].text().unwrap_or_default(),
        first_month: month(&r[3], "cycles.first_month")?,
        last_month: month(&r[4], "cycles.last_month")?,
        state: r[5]
            .as_str()
            .and_then(CycleState::parse)
            .ok_or_else(|| bad("cycles.state"))?,
        persons: r[6].int().unwrap_or(0),
        slots: r[7].int().unwrap_or(0),
        total: yuan(&r[8], "cycles.total")?,
        without_account: r[9]
            .as_str()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default(),
        created_by: r[10].text().unwrap_or_default(),
        created_at: r[11].time().unwrap_or_default(),
        sent_by: r[12].text(),
        sent_at: r[13].time(),
        imported_by: r[14].text(),
        imported_at: r[15].time(),
        closed_by: r[16].text(),
        closed_at: r[17].time(),
        files: Vec::new(),
    })
}

fn read_cycle(c: &mut dyn Conn, id: i64) -> Result<Option<Cycle>, StoreError> {
    let Some(r) = c.query_one(
        &format!("SELECT {CYCLE_COLS} FROM benefit_cycles WHERE id = $1"),
        &[Value::Int(id)],
    )?
    else {
        return Ok(None);
    };
    let mut cycle = to_cycle(&r)?;
    cycle.files = c
        .query(
            "SELECT kind, file_name, sha256 FROM benefit_cycle_files WHERE cycle_id = $1 ORDER BY kind",
            &[Value::Int(id)],
        )?
        .iter()
        .map(|r| {
            (
                r[0].text().unwrap_or_default(),
                r[1].text().unwrap_or_default(),
                r[2].text().unwrap_or_default(),
            )
        })
        .collect();
    Ok(Some(cycle))
}

/// A cycle the actor may see: its area inside the actor's (a bank file holds the
/// accounts of the whole area, so a village worker does not see a township's).
pub fn cycle_in_scope(store: &Store, actor: &Actor, id: i64) -> Result<Option<Cycle>, Error> {
    let Some(cycle) = store.with(|c| read_cycle(c, id))? else {
        return Ok(None);
    };
    let code = RegionCode::parse(&cycle.region_code)?;
    Ok(actor.can_read(&code).then_some(cycle))
}

/// The cycles inside the actor's area, newest first.
pub fn cycles(
    store: &Store,
    actor: &Actor,
    area: &RegionCode,
    limit: i64,
) -> Result<Vec<Cycle>, Error> {
    let (lo, hi) = area_bounds(area);
    let ids: Vec<i64> = store.with(|c| {
        Ok(c.query(
            "SELECT id FROM benefit_cycles WHERE region_code >= $1 AND region_code < $2 ORDER BY id DESC LIMIT $3",
            &[lo, hi, Value::Int(limit)],
        )?
        .iter()
        .filter_map(|r| r[0].int())
        .collect())
    })?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(c) = cycle_in_scope(store, actor, id)? {
            out.push(c);
        }
    }
    Ok(out)
}

/// A line of a cycle, with the person's name, ID number and village.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Line {
    pub line: i64,
    pub person_no: String,
    pub name: String,
    pub id_number: String,
    pub region_code: String,
    pub holder_name: String,
    pub holder_id_number: String,
    pub account_no: String,
    pub months: i64,
    pub amount: Yuan,
    /// `paid` | `failed`, or `None` until the bank answers.
    pub result: Option<String>,
    pub reason: Option<String>,
}

/// The lines of a cycle whose region lies in `area` (all: the cycle's area), by 序号.
pub fn lines(
    c: &mut dyn Conn,
    cycle_id: i64,
    area: Option<&RegionCode>,
) -> Result<Vec<Line>, StoreError> {
    let (lo, hi) = match area {
        Some(a) => area_bounds(a),
        None => ("".into(), "\u{10ffff}".into()),
    };
    c.query(
        "SELECT l.line, l.person_no, p.name, p.id_number, l.region_code, l.holder_name, l.holder_id_number, l.account_no, l.months, l.amount, l.result, l.reason \
         FROM benefit_cycle_lines l JOIN persons p ON p.person_no = l.person_no \
         WHERE l.cycle_id = $1 AND l.region_code >= $2 AND l.region_code < $3 ORDER BY l.line",
        &[Value::Int(cycle_id), lo, hi],
    )?
    .iter()
    .map(|r| {
        Ok(Line {
            line: r[0].int().ok_or_else(|| bad("lines.line"))?,
            person_no: r[1].text().unwrap_or_default(),
            name: r[2].text().unwrap_or_default(),
            id_number: r[3].text().unwrap_or_default(),
            region_code: r[4].text().unwrap_or_default(),
            holder_name: r[5].text().unwrap_or_default(),
            holder_id_number: r[6].text().unwrap_or_default(),
            account_no: r[7].text().unwrap_or_default(),
            months: r[8].int().unwrap_or(0),
            amount: yuan(&r[9], "lines.amount")?,
            result: r[10].text(),
            reason: r[11].text(),
        })
    })
    .collect()
}

/// The lines of a person in every cycle: (cycle, line), for the person's file.
pub fn lines_of_person(
    store: &Store,
    actor: &Actor,
    person_no: &str,
) -> Result<Option<Vec<(Cycle, Line)>>, Error> {
    let Some(p) = store.person(person_no)? else {
        return Ok(None);
    };
    if !actor.can_read(&p.region_code) {
        return Ok(None);
    }
    let ids: Vec<i64> = store.with(|c| {
        Ok(c.query(
            "SELECT DISTINCT cycle_id FROM benefit_cycle_lines WHERE person_no = $1 ORDER BY cycle_id",
            &[person_no.into()],
        )?
        .iter()
        .filter_map(|r| r[0].int())
        .collect())
    })?;
    let mut out = Vec::new();
    for id in ids {
        let (cycle, ls) = store.with(|c| {
            let cycle = read_cycle(c, id)?.ok_or_else(|| bad("cycle"))?;
            Ok((cycle, lines(c, id, None)?))
        })?;
        for l in ls.into_iter().filter(|l| l.person_no == person_no) {
            out.push((cycle.clone(), l));
        }
    }
    Ok(Some(out))
}

fn check_months(req: &CycleRequest) -> Result<(), Error> {
    if req.first > req.last {
        return Err(invalid(format!(
            "起始月份 {} 晚于截止月份 {} / the first month {} is after the last {}",
            req.first, req.last, req.first, req.last
        )));
    }
    if req.first.months_until(req.last) >= 36 {
        return Err(invalid(
            "一个发放批次最多 36 个月 / a cycle spans at most 36 months",
        ));
    }
    Ok(())
}

/// 编制: drafts a cycle over the approved, unpaid slots of the program in the area and
/// period that no other live cycle holds; writes and keeps the bank files. Refused
/// when nothing is to be paid.
pub fn draft(store: &Store, actor: &Actor, req: &CycleRequest) -> Result<i64, Error> {
    check_area(store, actor, &req.area)?;
    if !actor.can_write(&req.area) {
        return Err(Error::Store(StoreError::Forbidden));
    }
    check_months(req)?;
    store.write(actor, |tx| draft_in(tx, req))
}

/// An account as a draft reads it: id, holder, holder's ID number, account number.
type AccountOf = (i64, String, String, String);
/// A line being drafted: 序号, person, their slots, account, amount.
type DraftLine<'a> = (i64, &'a str, &'a Pending, &'a AccountOf, Yuan);

struct Pending {
    region: String,
    slots: Vec<(Month, Yuan)>,
}

fn draft_in(tx: &mut Tx<'_>, req: &CycleRequest) -> Result<i64, Error> {
    let (lo, hi) = area_bounds(&req.area);
    let program = req.program.code();
    let mut by_person: BTreeMap<String, Pending> = BTreeMap::new();
    tx.conn().query_each(
        "SELECT s.person_no, s.month, s.due_amount, s.region_code FROM benefit_slots s \
         WHERE s.program = $1 AND s.month >= $2 AND s.month <= $3 AND s.region_code >= $4 AND s.region_code < $5 \
         AND s.due_amount IS NOT NULL AND s.paid_batch IS NULL \
         AND EXISTS (SELECT 1 FROM benefit_roster r WHERE r.run_id = s.due_run_id AND r.person_no = s.person_no AND r.state = 'approved') \
         AND NOT EXISTS (SELECT 1 FROM benefit_cycle_slots c WHERE c.person_no = s.person_no AND c.program = s.program AND c.month = s.month AND c.released = 0) \
         ORDER BY s.person_no, s.month",
        &[
            program.into(),
            req.first.to_string().into(),
            req.last.to_string().into(),
            lo,
            hi,
        ],
        &mut |r| {
            let person = r[0].text().ok_or_else(|| bad("slots.person_no"))?;
            let month = r[1]
                .as_str()
                .and_then(|s| Month::parse(s).ok())
                .ok_or_else(|| bad("slots.month"))?;
            let amount = yuan(&r[2], "slots.due_amount")?;
            let region = r[3].text().unwrap_or_default();
            if amount <= Yuan::ZERO {
                return Ok(());
            }
            let p = by_person.entry(person).or_insert_with(|| Pending {
                region: region.clone(),
                slots: Vec::new(),
            });
            // The line belongs to the village of the latest month.
            p.region = region;
            p.slots.push((month, amount));
            Ok(())
        },
    )?;
    if by_person.is_empty() {
        return Err(invalid(format!(
            "{} {}—{} 没有已审批且未发放的月份 / nothing approved and unpaid to pay for {} {}–{}",
            req.program.name_zh(),
            req.first,
            req.last,
            req.program.code(),
            req.first,
            req.last
        )));
    }
    // The latest attested account of each person.
    let mut accounts: HashMap<String, AccountOf> = HashMap::new();
    tx.conn().query_each(
        "SELECT person_no, id, holder_name, holder_id_number, account_no FROM benefit_accounts ORDER BY id",
        &[],
        &mut |r| {
            accounts.insert(
                r[0].text().unwrap_or_default(),
                (
                    r[1].int().unwrap_or(0),
                    r[2].text().unwrap_or_default(),
                    r[3].text().unwrap_or_default(),
                    r[4].text().unwrap_or_default(),
                ),
            );
            Ok(())
        },
    )?;
    let mut without = Vec::new();
    let mut total = Yuan::ZERO;
    let mut slot_count = 0i64;
    let mut lines_out: Vec<DraftLine<'_>> = Vec::new();
    for (person, p) in &by_person {
        let Some(acct) = accounts.get(person) else {
            without.push(person.clone());
            continue;
        };
        let amount: Yuan = p.slots.iter().map(|s| s.1).sum();
        total += amount;
        slot_count += p.slots.len() as i64;
        lines_out.push((lines_out.len() as i64 + 1, person, p, acct, amount));
    }
    if lines_out.is_empty() {
        return Err(invalid(format!(
            "有 {} 人待发放，但都没有登记银行账户 / {} persons are due but none has a bank account recorded",
            without.len(),
            without.len()
        )));
    }
    let by = tx.actor().username.clone();
    let now = renkou_store::now();
    let cycle_id = tx
        .conn()
        .query_one(
            "INSERT INTO benefit_cycles (program, region_code, first_month, last_month, state, persons, slots, total, without_account, created_by, created_at) \
             VALUES ($1, $2, $3, $4, 'drafted', $5, $6, $7, $8, $9, $10) RETURNING id",
            &[
                program.into(),
                req.area.as_str().into(),
                req.first.to_string().into(),
                req.last.to_string().into(),
                Value::Int(lines_out.len() as i64),
                Value::Int(slot_count),
                total.to_string().into(),
                serde_json::to_string(&without).unwrap_or_else(|_| "[]".into()).into(),
                by.as_str().into(),
                now.into(),
            ],
        )?
        .and_then(|r| r[0].int())
        .ok_or_else(|| bad("cycles id"))?;
    for chunk in lines_out.chunks(CHUNK) {
        let mut params = Vec::with_capacity(chunk.len() * 10);
        for (line, person, p, acct, amount) in chunk {
            params.extend([
                Value::Int(cycle_id),
                Value::Int(*line),
                (*person).into(),
                p.region.as_str().into(),
                Value::Int(acct.0),
                acct.1.as_str().into(),
                acct.2.as_str().into(),
                acct.3.as_str().into(),
                Value::Int(p.slots.len() as i64),
                amount.to_string().into(),
            ]);
        }
        tx.conn().exec(
            &format!(
                "INSERT INTO benefit_cycle_lines (cycle_id, line, person_no, region_code, account_id, holder_name, holder_id_number, account_no, months, amount) VALUES {}",
                placeholders(chunk.len(), 10)
            ),
            &params,
        )?;
    }
    let slots: Vec<(i64, &str, Month, Yuan)> = lines_out
        .iter()
        .flat_map(|(line, person, p, _, _)| {
            p.slots.iter().map(move |(m, a)| (*line, *person, *m, *a))
        })
        .collect();
    for chunk in slots.chunks(CHUNK) {
        let mut params = Vec::with_capacity(chunk.len() * 6);
        for (line, person, month, amount) in chunk {
            params.extend([
                Value::Int(cycle_id),
                Value::Int(*line),
                (*person).into(),
                program.into(),
                month.to_string().into(),
                amount.to_string().into(),
            ]);
        }
        tx.conn().exec(
            &format!(
                "INSERT INTO benefit_cycle_slots (cycle_id, line, person_no, program, month, amount) VALUES {}",
                placeholders(chunk.len(), 6)
            ),
            &params,
        )?;
    }
    let bank: Vec<BankLine> = lines_out
        .iter()
        .map(|(line, _, _, acct, amount)| BankLine {
            line: *line,
            holder_name: acct.1.clone(),
            account_no: acct.3.clone(),
            id_number: acct.2.clone(),
            amount: *amount,
        })
        .collect();
    let day = now.date_naive();
    let stem = format!("发放批次{cycle_id}_{}", req.program.name_zh());
    let csv = bank_csv(&bank)?;
    let xlsx = bank_xlsx(&bank, day)?;
    for (kind, name, bytes) in [
        ("bank_csv", format!("{stem}_银行代发.csv"), csv),
        ("bank_xlsx", format!("{stem}_银行代发.xlsx"), xlsx),
    ] {
        let hash = sha256_hex(&bytes);
        tx.conn().exec(
            "INSERT INTO benefit_cycle_files (cycle_id, kind, file_name, sha256, content) VALUES ($1, $2, $3, $4, $5)",
            &[
                Value::Int(cycle_id),
                kind.into(),
                name.as_str().into(),
                hash.as_str().into(),
                Value::Bytes(bytes),
            ],
        )?;
    }
    tx.audit(AuditNote {
        action: DRAFT,
        record: CYCLE,
        record_id: &cycle_id.to_string(),
        fields: &format!(
            "program={program};area={};months={}..{};persons={};slots={slot_count};total={total};without_account={}",
            req.area,
            req.first,
            req.last,
            lines_out.len(),
            without.len()
        ),
    })?;
    Ok(cycle_id)
}

fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

// ---- the bank batch file -----------------------------------------------------------

/// One line of the bank batch file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankLine {
    pub line: i64,
    pub holder_name: String,
    pub account_no: String,
    pub id_number: String,
    pub amount: Yuan,
}

/// The bank file's header row: the common layout of township 代发 files.
pub const BANK_HEADERS: [&str; 5] = ["序号", "户名", "账号", "身份证号码", "金额"];

fn control_total(lines: &[BankLine]) -> (usize, Yuan) {
    (lines.len(), lines.iter().map(|l| l.amount).sum())
}

/// The CSV batch file: UTF-8 with BOM, the header, one row per line, then
/// `合计,共N笔,,,TOTAL`.
pub fn bank_csv(lines: &[BankLine]) -> Result<Vec<u8>, Error> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let e = |e: csv::Error| invalid(format!("CSV: {e}"));
        w.write_record(BANK_HEADERS).map_err(e)?;
        for l in lines {
            let n = l.line.to_string();
            let amount = l.amount.to_string();
            w.write_record([
                n.as_str(),
                &renkou_interchange::write::neutralise_formula(&l.holder_name),
                l.account_no.as_str(),
                l.id_number.as_str(),
                amount.as_str(),
            ])
            .map_err(e)?;
        }
        let (n, total) = control_total(lines);
        w.write_record(["合计", &format!("共{n}笔"), "", "", &total.to_string()])
            .map_err(e)?;
        w.flush().map_err(|e| invalid(format!("CSV: {e}")))?;
    }
    Ok(out)
}

fn xerr(e: rust_xlsxwriter::XlsxError) -> Error {
    invalid(format!("xlsx: {e}"))
}

fn fixed_properties(
    day: chrono::NaiveDate,
    title: &str,
) -> Result<rust_xlsxwriter::DocProperties, Error> {
    use chrono::Datelike;
    let when = rust_xlsxwriter::ExcelDateTime::from_ymd(
        day.year() as u16,
        day.month() as u8,
        day.day() as u8,
    )
    .map_err(xerr)?;
    Ok(rust_xlsxwriter::DocProperties::new()
        .set_title(title)
        .set_creation_datetime(&when))
}

/// The xlsx batch file: the same rows as the CSV, every cell text (account and ID
/// numbers must not become numbers, amounts stay exact), the 合计 row last. The
/// file's date is the cycle's, so the same lines give the same bytes.
pub fn bank_xlsx(lines: &[BankLine], day: chrono::NaiveDate) -> Result<Vec<u8>, Error> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties(day, "银行代发")?);
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet_with_constant_memory().map_err(xerr)?;
    sheet.set_name("代发").map_err(xerr)?;
    for (c, (h, w)) in BANK_HEADERS
        .iter()
        .zip([8.0, 14.0, 24.0, 22.0, 14.0])
        .enumerate()
    {
        sheet.set_column_width(c as u16, w).map_err(xerr)?;
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xerr)?;
    }
    let quoted = text.clone().set_quote_prefix();
    let mut row = 1u32;
    for l in lines {
        let name_fmt = if renkou_interchange::write::looks_like_formula(&l.holder_name) {
            &quoted
        } else {
            &text
        };
        sheet
            .write_string_with_format(row, 0, l.line.to_string(), &text)
            .map_err(xerr)?;
        sheet
            .write_string_with_format(row, 1, &l.holder_name, name_fmt)
            .map_err(xerr)?;
        sheet
            .write_string_with_format(row, 2, &l.account_no, &text)
            .map_err(xerr)?;
        sheet
            .write_string_with_format(row, 3, &l.id_number, &text)
            .map_err(xerr)?;
        sheet
            .write_string_with_format(row, 4, l.amount.to_string(), &text)
            .map_err(xerr)?;
        row += 1;
    }
    let (n, total) = control_total(lines);
    sheet
        .write_string_with_format(row, 0, "合计", &bold)
        .map_err(xerr)?;
    sheet
        .write_string_with_format(row, 1, format!("共{n}笔"), &bold)
        .map_err(xerr)?;
    sheet
        .write_string_with_format(row, 4, total.to_string(), &bold)
        .map_err(xerr)?;
    book.save_to_buffer().map_err(xerr)
}

/// A bank file of a cycle as kept: (file name, SHA-256, bytes).
pub fn bank_file(
    store: &Store,
    cycle: &Cycle,
    kind: &str,
) -> Result<Option<(String, String, Vec<u8>)>, Error> {
    Ok(store.with(|c| {
        Ok(c.query_one(
            "SELECT file_name, sha256, content FROM benefit_cycle_files WHERE cycle_id = $1 AND kind = $2",
            &[Value::Int(cycle.id), kind.into()],
        )?
        .map(|r| {
            (
                r[0].text().unwrap_or_default(),
                r[1].text().unwrap_or_default(),
                r[2].bytes().map(<[u8]>::to_vec).unwrap_or_default(),
            )
        }))
    })?)
}

// ---- the signature sheet (兑现资金签字表) -------------------------------------------

pub const SIGN_HEADERS: [&str; 8] = [
    "序号",
    "村",
    "姓名",
    "身份证号码",
    "项目",
    "月数",
    "金额",
    "签字",
];

/// One row of the signature sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignRow {
    pub seq: usize,
    pub village: String,
    pub name: String,
    pub id_number: String,
    pub program: &'static str,
    pub months: i64,
    pub amount: Yuan,
}

/// The signature sheet of a cycle (or of one village of it): its title and rows,
/// by village then 序号, numbered from 1.
pub struct SignSheet {
    pub title: String,
    /// The months and the cycle, printed under the title.
    pub period: String,
    pub rows: Vec<SignRow>,
    pub total: Yuan,
}

pub fn signature_sheet(
    store: &Store,
    cycle: &Cycle,
    area: Option<&RegionCode>,
) -> Result<SignSheet, Error> {
    let regions: HashMap<String, String> = store
        .regions()?
        .into_iter()
        .map(|r| (r.code.to_string(), r.name))
        .collect();
    let mut ls = store.with(|c| lines(c, cycle.id, area))?;
    ls.sort_by(|a, b| a.region_code.cmp(&b.region_code).then(a.line.cmp(&b.line)));
    let rows: Vec<SignRow> = ls
        .iter()
        .enumerate()
        .map(|(i, l)| SignRow {
            seq: i + 1,
            village: regions
                .get(&l.region_code)
                .cloned()
                .unwrap_or_else(|| l.region_code.clone()),
            name: l.name.clone(),
            id_number: l.id_number.clone(),
            program: cycle.program.name_zh(),
            months: l.months,
            amount: l.amount,
        })
        .collect();
    let area_name = regions
        .get(area.map(|a| a.as_str()).unwrap_or(&cycle.region_code))
        .cloned()
        .unwrap_or_default();
    Ok(SignSheet {
        title: format!("{area_name}{}兑现资金签字表", cycle.program.name_zh()),
        period: format!(
            "发放月份 {}—{}　发放批次 {}",
            cycle.first_month, cycle.last_month, cycle.id
        ),
        total: rows.iter().map(|r| r.amount).sum(),
        rows,
    })
}

/// The signature sheet as xlsx: a title row, the header, the rows, 合计; printed on
/// A4 landscape with the header repeated on every page.
pub fn signature_xlsx(sheet: &SignSheet, day: chrono::NaiveDate) -> Result<Vec<u8>, Error> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties(day, &sheet.title)?);
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("@")
        .set_align(FormatAlign::VerticalCenter);
    let number = cell.clone().set_align(FormatAlign::Right);
    let head = Format::new()
        .set_border(FormatBorder::Thin)
        .set_bold()
        .set_align(FormatAlign::Center);
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let ws = book.add_worksheet();
    ws.set_name("签字表").map_err(xerr)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_repeat_rows(1, 1).map_err(xerr)?;
    ws.set_print_fit_to_pages(1, 0);
    let heading = format!("{}（{}）", sheet.title, sheet.period);
    ws.merge_range(0, 0, 0, 7, &heading, &title).map_err(xerr)?;
    ws.set_row_height(0, 28).map_err(xerr)?;
    for (c, (h, w)) in SIGN_HEADERS
        .iter()
        .zip([6.0, 14.0, 10.0, 21.0, 10.0, 6.0, 11.0, 16.0])
        .enumerate()
    {
        ws.set_column_width(c as u16, w).map_err(xerr)?;
        ws.write_string_with_format(1, c as u16, *h, &head)
            .map_err(xerr)?;
    }
    let mut r = 2u32;
    for row in &sheet.rows {
        let cells = [
            row.seq.to_string(),
            row.village.clone(),
            row.name.clone(),
            row.id_number.clone(),
            row.program.to_string(),
            row.months.to_string(),
            row.amount.to_string(),
            String::new(),
        ];
        for (c, v) in cells.iter().enumerate() {
            let v = renkou_interchange::write::neutralise_formula(v);
            let f = if matches!(c, 0 | 5 | 6) {
                &number
            } else {
                &cell
            };
            ws.write_string_with_format(r, c as u16, v.as_ref(), f)
                .map_err(xerr)?;
        }
        ws.set_row_height(r, 24).map_err(xerr)?;
        r += 1;
    }
    ws.write_string_with_format(r, 0, "合计", &head)
        .map_err(xerr)?;
    for c in 1..8u16 {
        let v = match c {
            5 => sheet.rows.iter().map(|x| x.months).sum::<i64>().to_string(),
            6 => sheet.total.to_string(),
            2 => format!("{}人", sheet.rows.len()),
            _ => String::new(),
        };
        ws.write_string_with_format(r, c, &v, &head).map_err(xerr)?;
    }
    book.save_to_buffer().map_err(xerr)
}

/// The signature sheet as a document (for PDF through the binary's engine):
/// landscape, the header row repeated on every page, a signature line per row.
pub fn signature_document(sheet: &SignSheet) -> renkou_documents::Document {
    use renkou_documents::{Align, Block, Cell, Column, Document, Orientation, Paragraph, Table};
    let mut doc = Document::new(sheet.title.clone());
    doc.begin_section(Orientation::Landscape);
    doc.push(Block::Title(sheet.title.clone()));
    doc.push(Block::Paragraph(
        Paragraph::body(sheet.period.clone()).aligned(Align::Center),
    ));
    let mut t = Table::new(vec![
        Column::centered("序号", 5.0),
        Column::text("村", 12.0),
        Column::text("姓名", 9.0),
        Column::centered("身份证号码", 20.0),
        Column::text("项目", 9.0),
        Column::number("月数", 5.0),
        Column::number("金额", 10.0),
        Column::text("签字", 16.0),
    ]);
    for r in &sheet.rows {
        t = t.row(vec![
            Cell::text(r.seq.to_string()),
            Cell::text(r.village.clone()),
            Cell::text(r.name.clone()),
            Cell::text(r.id_number.clone()),
            Cell::text(r.program),
            Cell::text(r.months.to_string()),
            Cell::text(r.amount.to_string()),
            Cell::text(""),
        ]);
    }
    t = t.total_row(vec![
        Cell::text("合计"),
        Cell::text(""),
        Cell::text(format!("{}人", sheet.rows.len())),
        Cell::text(""),
        Cell::text(""),
        Cell::text(sheet.rows.iter().map(|x| x.months).sum::<i64>().to_string()),
        Cell::text(sheet.total.to_string()),
        Cell::text(""),
    ]);
    doc.push(Block::Table(t));
    doc.push(Block::Paragraph(
        Paragraph::body("经办人：              审核人：              日期：").aligned(Align::Left),
    ));
    doc
}

// ---- state steps -------------------------------------------------------------------

fn step(
    store: &Store,
    actor: &Actor,
    cycle: &Cycle,
    from: &[CycleState],
    to: CycleState,
    action: AuditAction,
    extra: impl FnOnce(&mut Tx<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    let area = RegionCode::parse(&cycle.region_code)?;
    if !actor.can_write(&area) {
        return Err(Error::Store(StoreError::Forbidden));
    }
    store.write(actor, |tx| {
        let now = tx
            .conn()
            .query_one(
                "SELECT state FROM benefit_cycles WHERE id = $1",
                &[Value::Int(cycle.id)],
            )?
            .and_then(|r| r[0].as_str().and_then(CycleState::parse))
            .ok_or(Error::Invalid(format!(
                "找不到发放批次 {} / no payment cycle {}",
                cycle.id, cycle.id
            )))?;
        if !from.contains(&now) {
            return Err(invalid(format!(
                "发放批次 {} {}，不能{} / payment cycle {} is {}: cannot {}",
                cycle.id,
                now.name_zh(),
                action.zh,
                cycle.id,
                now.name_en(),
                action.en
            )));
        }
        extra(tx)?;
        let col = match to {
            CycleState::Sent => "sent",
            CycleState::Imported => "imported",
            CycleState::Closed | CycleState::Discarded => "closed",
            CycleState::Drafted => "created",
        };
        let by = tx.actor().username.clone();
        tx.conn().exec(
            &format!(
                "UPDATE benefit_cycles SET state = $2, {col}_by = $3, {col}_at = $4 WHERE id = $1"
            ),
            &[
                Value::Int(cycle.id),
                to.code().into(),
                by.as_str().into(),
                renkou_store::now().into(),
            ],
        )?;
        tx.audit(AuditNote {
            action,
            record: CYCLE,
            record_id: &cycle.id.to_string(),
            fields: &format!("state={}", to.code()),
        })?;
        Ok(())
    })
}

/// 报送银行: the batch files are final (drafted → sent).
pub fn send(store: &Store, actor: &Actor, cycle: &Cycle) -> Result<(), Error> {
    step(
        store,
        actor,
        cycle,
        &[CycleState::Drafted],
        CycleState::Sent,
        SEND,
        |_| Ok(()),
    )
}

/// 结清: every line has the bank's answer (imported → closed).
pub fn close(store: &Store, actor: &Actor, cycle: &Cycle) -> Result<(), Error> {
    let id = cycle.id;
    step(
        store,
        actor,
        cycle,
        &[CycleState::Imported],
        CycleState::Closed,
        CLOSE,
        |tx| {
            let open = tx
            .conn()
            .query_one(
                "SELECT COUNT(*) FROM benefit_cycle_lines WHERE cycle_id = $1 AND result IS NULL",
                &[Value::Int(id)],
            )?
            .and_then(|r| r[0].int())
            .unwrap_or(0);
            if open > 0 {
                return Err(invalid(format!(
                "还有 {open} 行没有银行结果，不能结清 / {open} lines have no result from the bank yet"
            )));
            }
            Ok(())
        },
    )
}

/// 作废: a drafted cycle is dropped and its slots released.
pub fn discard(store: &Store, actor: &Actor, cycle: &Cycle) -> Result<(), Error> {
    let id = cycle.id;
    step(
        store,
        actor,
        cycle,
        &[CycleState::Drafted],
        CycleState::Discarded,
        DISCARD,
        |tx| {
            tx.conn().exec(
                "UPDATE benefit_cycle_slots SET released = 1 WHERE cycle_id = $1",
                &[Value::Int(id)],
            )?;
            Ok(())
        },
    )
}

// ---- the bank's results ------------------------------------------------------------

/// How a row of the bank's results file is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowClass {
    /// 已发放: a line of the batch, its amount, paid.
    Paid,
    /// 发放失败: a line of the batch, its amount, failed with a reason.
    Failed,
    /// 不在本批次: no line of the batch has this 序号 / account.
    NotInBatch,
    /// 金额不符: a line of the batch with another amount (nothing recorded).
    AmountDiffers,
    /// 重复发放: a line the file already reported paid on an earlier row.
    PaidTwice,
    /// 与已导入结果矛盾: a line an earlier import answered otherwise.
    Contradicts,
}

impl RowClass {
    pub const ALL: [RowClass; 6] = [
        RowClass::Paid,
        RowClass::Failed,
        RowClass::NotInBatch,
        RowClass::AmountDiffers,
        RowClass::PaidTwice,
        RowClass::Contradicts,
    ];
    pub fn name_zh(self) -> &'static str {
        match self {
            RowClass::Paid => "已发放",
            RowClass::Failed => "发放失败",
            RowClass::NotInBatch => "不在本批次",
            RowClass::AmountDiffers => "金额不符",
            RowClass::PaidTwice => "重复发放",
            RowClass::Contradicts => "与已导入结果矛盾",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            RowClass::Paid => "paid",
            RowClass::Failed => "failed",
            RowClass::NotInBatch => "not in the batch",
            RowClass::AmountDiffers => "amount differs",
            RowClass::PaidTwice => "paid twice",
            RowClass::Contradicts => "contradicts an earlier import",
        }
    }
}

/// One classified row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClassifiedRow {
    /// The spreadsheet row number.
    pub row: u64,
    pub class: RowClass,
    /// The batch line it matched.
    pub line: Option<i64>,
    pub amount: Yuan,
    /// The batch line's amount, where it differs.
    pub batch_amount: Option<Yuan>,
    pub reason: Option<String>,
}

/// Count and amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Tally {
    pub count: i64,
    pub amount: Yuan,
}

impl Tally {
    fn add(&mut self, a: Yuan) {
        self.count += 1;
        self.amount += a;
    }
}

/// What an import of the bank's results found and did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub cycle_id: i64,
    pub file: String,
    pub sha256: String,
    /// Every data row, classified.
    pub rows: Vec<ClassifiedRow>,
    /// Per class: rows and their amounts (as the file states them).
    pub classes: BTreeMap<RowClass, Tally>,
    /// The file's own 合计 row, if it has one, and the sum of its rows.
    pub file_control_total: Option<Yuan>,
    pub file_rows_total: Yuan,
    /// The batch after this import: all lines, paid, failed, still unanswered
    /// (paid + failed + unanswered = batch, always).
    pub batch: Tally,
    pub paid: Tally,
    pub failed: Tally,
    pub unanswered: Tally,
    /// Lines this import changed (0 when the file was imported before).
    pub lines_changed: i64,
    /// Month slots it marked paid.
    pub slots_paid: u64,
}

impl ImportReport {
    pub fn count(&self, class: RowClass) -> i64 {
        self.classes.get(&class).map_or(0, |t| t.count)
    }
    /// Whether the batch reconciles: paid + failed + unanswered lines and amounts
    /// equal the batch's.
    pub fn reconciles(&self) -> bool {
        self.paid.count + self.failed.count + self.unanswered.count == self.batch.count
            && self.paid.amount + self.failed.amount + self.unanswered.amount == self.batch.amount
    }
}

/// A row as read from the file.
struct ResultRow {
    row: u64,
    seq: Option<i64>,
    account_no: String,
    id_number: String,
    amount: Yuan,
    paid: bool,
    reason: Option<String>,
}

/// 成功 / 失败 as banks write them.
fn parse_result(s: &str) -> Option<bool> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "成功" | "已发放" | "发放成功" | "交易成功" | "已入账" | "入账成功" | "paid"
        | "success" | "ok" => Some(true),
        "失败" | "发放失败" | "交易失败" | "未入账" | "退回" | "退票" | "failed" | "fail" => {
            Some(false)
        }
        _ => None,
    }
}

/// Reads the bank's results file: every bad cell named `file:row:field`, and the
/// file's own 合计 row kept as its control total.
fn read_results(path: &Path, display: &str) -> Result<(Vec<ResultRow>, Option<Yuan>), Error> {
    let mut reader = TableReader::open(path, FileKind::BankResults, None)
        .map_err(|e| invalid(e.to_string().replace(&path.display().to_string(), display)))?;
    let idx = |n: &str| reader.index(n);
    let (seq_i, holder_i, acct_i, id_i, amount_i, result_i, reason_i) = (
        idx("seq"),
        idx("holder_name"),
        idx("account_no"),
        idx("id_number"),
        idx("amount"),
        idx("result"),
        idx("reason"),
    );
    let header = |i: Option<usize>, zh: &str| -> String {
        i.map(|i| reader.header(i).to_string())
            .unwrap_or_else(|| zh.to_string())
    };
    let (h_seq, h_acct, h_amount, h_result, h_reason) = (
        header(seq_i, "序号"),
        header(acct_i, "账号"),
        header(amount_i, "金额"),
        header(result_i, "结果"),
        header(reason_i, "失败原因"),
    );
    let cell = |row: &renkou_interchange::Row, i: Option<usize>| -> String {
        i.map(|i| row.cell(i).to_string()).unwrap_or_default()
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut control = None;
    let mut row = renkou_interchange::Row::default();
    loop {
        let more = reader
            .next_row(&mut row)
            .map_err(|e| invalid(e.to_string().replace(&path.display().to_string(), display)))?;
        if !more {
            break;
        }
        let first = [seq_i, holder_i, acct_i]
            .iter()
            .map(|i| cell(&row, *i))
            .find(|s| !s.is_empty())
            .unwrap_or_default();
        if first.starts_with("合计") || first.starts_with("总计") {
            control = Yuan::parse(&cell(&row, amount_i)).ok();
            continue;
        }
        let at = |field: &str, msg: &str| format!("{display}:{}:{field}: {msg}", row.line);
        let seq = match cell(&row, seq_i) {
            s if s.is_empty() => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(at(&h_seq, "序号应为整数 / 序号 must be a whole number"));
                    None
                }
            },
        };
        let account_no = match normalise_account_no(&cell(&row, acct_i)) {
            Ok(a) => a,
            Err(_) => {
                errors.push(at(
                    &h_acct,
                    "账号应为 8-32 位数字 / the account number must be 8-32 digits",
                ));
                String::new()
            }
        };
        let amount = match Yuan::parse(&cell(&row, amount_i)) {
            Ok(a) => a,
            Err(_) => {
                errors.push(at(
                    &h_amount,
                    "金额应为元，最多两位小数 / the amount must be yuan with at most 2 decimals",
                ));
                Yuan::ZERO
            }
        };
        let paid = match parse_result(&cell(&row, result_i)) {
            Some(p) => p,
            None => {
                errors.push(at(
                    &h_result,
                    "结果应为“成功”或“失败” / the result must be 成功 (paid) or 失败 (failed)",
                ));
                true
            }
        };
        let reason = Some(cell(&row, reason_i)).filter(|s| !s.is_empty());
        if !paid && reason.is_none() {
            errors.push(at(
                &h_reason,
                "失败的行须写明失败原因 / a failed row needs its reason",
            ));
        }
        out.push(ResultRow {
            row: row.line,
            seq,
            account_no,
            id_number: cell(&row, id_i),
            amount,
            paid,
            reason,
        });
    }
    if !errors.is_empty() {
        let n = errors.len();
        let mut shown: Vec<String> = errors.into_iter().take(50).collect();
        if n > 50 {
            shown.push(format!("……共 {n} 处 / {n} in all"));
        }
        return Err(invalid(format!(
            "发放结果文件有 {n} 处错误，未导入 / the results file has {n} errors; nothing was imported\n{}",
            shown.join("\n")
        )));
    }
    Ok((out, control))
}

struct BatchLine {
    line: i64,
    account_no: String,
    id_number: String,
    amount: Yuan,
    result: Option<bool>,
}

/// Imports the bank's results of a sent cycle: classifies every row (paid, failed,
/// not in the batch, amount differs, paid twice, contradicts an earlier import),
/// records what is new (a paid line marks its slots paid; a failed line releases
/// them for the next cycle), and reconciles the batch. Importing the same file
/// again classifies it the same and changes nothing. A file with a bad row is
/// refused whole, each bad cell named `file:row:field`.
pub fn import_results(
    store: &Store,
    actor: &Actor,
    cycle: &Cycle,
    path: &Path,
    display: &str,
) -> Result<ImportReport, Error> {
    let area = RegionCode::parse(&cycle.region_code)?;
    if !actor.can_write(&area) {
        return Err(Error::Store(StoreError::Forbidden));
    }
    if !matches!(cycle.state, CycleState::Sent | CycleState::Imported) {
        return Err(invalid(format!(
            "发放批次 {} {}：报送银行后才能导入结果 / payment cycle {} is {}: results are imported after it was sent",
            cycle.id,
            cycle.state.name_zh(),
            cycle.id,
            cycle.state.name_en()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| invalid(format!("{display}: {e}")))?;
    let sha = sha256_hex(&bytes);
    let (rows, control) = read_results(path, display)?;
    let cycle_id = cycle.id;
    let state_before = cycle.state;
    store.write(actor, |tx| {
        let mut batch: Vec<BatchLine> = Vec::new();
        tx.conn().query_each(
            "SELECT line, account_no, holder_id_number, amount, result FROM benefit_cycle_lines WHERE cycle_id = $1 ORDER BY line",
            &[Value::Int(cycle_id)],
            &mut |r| {
                batch.push(BatchLine {
                    line: r[0].int().ok_or_else(|| bad("lines.line"))?,
                    account_no: r[1].text().unwrap_or_default(),
                    id_number: r[2].text().unwrap_or_default(),
                    amount: yuan(&r[3], "lines.amount")?,
                    result: r[4].as_str().map(|s| s == "paid"),
                });
                Ok(())
            },
        )?;
        let by_line: HashMap<i64, usize> = batch.iter().enumerate().map(|(i, b)| (b.line, i)).collect();
        let mut by_account: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, b) in batch.iter().enumerate() {
            by_account.entry(b.account_no.as_str()).or_default().push(i);
        }
        // What this file says of each line (first row wins).
        let mut answered: HashMap<usize, bool> = HashMap::new();
        let mut classified = Vec::with_capacity(rows.len());
        let mut classes: BTreeMap<RowClass, Tally> = BTreeMap::new();
        let mut new_paid: Vec<i64> = Vec::new();
        let mut new_failed: Vec<(i64, String)> = Vec::new();
        let mut file_total = Yuan::ZERO;
        for r in &rows {
            file_total += r.amount;
            // The line: by 序号 when it names one with this account; else the first
            // line of this account (and ID number) the file has not answered yet,
            // one with the same amount first.
            let by_seq = r
                .seq
                .and_then(|s| by_line.get(&s).copied())
                .filter(|i| batch[*i].account_no == r.account_no);
            let found = by_seq.or_else(|| {
                let cands: Vec<usize> = by_account
                    .get(r.account_no.as_str())
                    .map(|v| {
                        v.iter()
                            .copied()
                            .filter(|i| r.id_number.is_empty() || batch[*i].id_number == r.id_number)
                            .collect()
                    })
                    .unwrap_or_default();
                cands
                    .iter()
                    .copied()
                    .find(|i| !answered.contains_key(i) && batch[*i].amount == r.amount)
                    .or_else(|| cands.iter().copied().find(|i| !answered.contains_key(i)))
                    .or_else(|| cands.first().copied())
            });
            let (class, line, batch_amount) = match found {
                None => (RowClass::NotInBatch, None, None),
                Some(i) => {
                    let b = &batch[i];
                    if b.amount != r.amount {
                        (RowClass::AmountDiffers, Some(b.line), Some(b.amount))
                    } else if let Some(&before) = answered.get(&i) {
                        if before && r.paid {
                            (RowClass::PaidTwice, Some(b.line), None)
                        } else {
                            (RowClass::Contradicts, Some(b.line), None)
                        }
                    } else {
                        answered.insert(i, r.paid);
                        match b.result {
                            Some(prior) if prior != r.paid => (RowClass::Contradicts, Some(b.line), None),
                            prior => {
                                if prior.is_none() {
                                    if r.paid {
                                        new_paid.push(b.line);
                                    } else {
                                        new_failed.push((b.line, r.reason.clone().unwrap_or_default()));
                                    }
                                }
                                (
                                    if r.paid { RowClass::Paid } else { RowClass::Failed },
                                    Some(b.line),
                                    None,
                                )
                            }
                        }
                    }
                }
            };
            classes.entry(class).or_default().add(r.amount);
            classified.push(ClassifiedRow {
                row: r.row,
                class,
                line,
                amount: r.amount,
                batch_amount,
                reason: r.reason.clone(),
            });
        }
        // Record what is new.
        let file_note = format!("{display} ({})", &sha[..12]);
        for chunk in new_paid.chunks(CHUNK) {
            let mut params = vec![Value::Int(cycle_id), file_note.as_str().into()];
            params.extend(chunk.iter().map(|l| Value::Int(*l)));
            let list: Vec<String> = (3..3 + chunk.len()).map(|i| format!("${i}")).collect();
            tx.conn().exec(
                &format!(
                    "UPDATE benefit_cycle_lines SET result = 'paid', result_file = $2 WHERE cycle_id = $1 AND result IS NULL AND line IN ({})",
                    list.join(", ")
                ),
                &params,
            )?;
        }
        for (line, reason) in &new_failed {
            tx.conn().exec(
                "UPDATE benefit_cycle_lines SET result = 'failed', reason = $3, result_file = $4 WHERE cycle_id = $1 AND line = $2 AND result IS NULL",
                &[
                    Value::Int(cycle_id),
                    Value::Int(*line),
                    reason.as_str().into(),
                    file_note.as_str().into(),
                ],
            )?;
            tx.conn().exec(
                "UPDATE benefit_cycle_slots SET released = 1 WHERE cycle_id = $1 AND line = $2",
                &[Value::Int(cycle_id), Value::Int(*line)],
            )?;
        }
        let by = tx.actor().username.clone();
        let batch_name = format!("cycle-{cycle_id}");
        let slots_paid = if new_paid.is_empty() {
            0
        } else {
            tx.conn().exec(
                "UPDATE benefit_slots SET \
                 paid_amount = (SELECT c.amount FROM benefit_cycle_slots c WHERE c.cycle_id = $1 AND c.released = 0 \
                   AND c.person_no = benefit_slots.person_no AND c.program = benefit_slots.program AND c.month = benefit_slots.month), \
                 paid_batch = $2, paid_by = $3, paid_at = $4 \
                 WHERE paid_batch IS NULL AND EXISTS (SELECT 1 FROM benefit_cycle_slots c JOIN benefit_cycle_lines l \
                   ON l.cycle_id = c.cycle_id AND l.line = c.line \
                   WHERE c.cycle_id = $1 AND c.released = 0 AND l.result = 'paid' \
                   AND c.person_no = benefit_slots.person_no AND c.program = benefit_slots.program AND c.month = benefit_slots.month)",
                &[
                    Value::Int(cycle_id),
                    batch_name.as_str().into(),
                    by.as_str().into(),
                    renkou_store::now().into(),
                ],
            )?
        };
        // The batch after the import.
        let (mut all, mut paid, mut failed, mut open) =
            (Tally::default(), Tally::default(), Tally::default(), Tally::default());
        tx.conn().query_each(
            "SELECT amount, result FROM benefit_cycle_lines WHERE cycle_id = $1",
            &[Value::Int(cycle_id)],
            &mut |r| {
                let a = yuan(&r[0], "lines.amount")?;
                all.add(a);
                match r[1].as_str() {
                    Some("paid") => paid.add(a),
                    Some(_) => failed.add(a),
                    None => open.add(a),
                }
                Ok(())
            },
        )?;
        let changed = (new_paid.len() + new_failed.len()) as i64;
        let report = ImportReport {
            cycle_id,
            file: display.to_string(),
            sha256: sha.clone(),
            rows: classified,
            classes,
            file_control_total: control,
            file_rows_total: file_total,
            batch: all,
            paid,
            failed,
            unanswered: open,
            lines_changed: changed,
            slots_paid,
        };
        let summary = serde_json::json!({
            "classes": report.classes.iter().map(|(k, v)| (format!("{k:?}"), serde_json::json!({"count": v.count, "amount": v.amount.to_string()}))).collect::<serde_json::Map<_, _>>(),
            "lines_changed": changed,
            "slots_paid": slots_paid,
            "file_control_total": control.map(|c| c.to_string()),
            "file_rows_total": file_total.to_string(),
        });
        tx.conn().exec(
            "INSERT INTO benefit_cycle_imports (cycle_id, file_name, sha256, summary, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                Value::Int(cycle_id),
                display.into(),
                sha.as_str().into(),
                summary.to_string().into(),
                by.as_str().into(),
                renkou_store::now().into(),
            ],
        )?;
        if state_before == CycleState::Sent || changed > 0 {
            tx.conn().exec(
                "UPDATE benefit_cycles SET state = 'imported', imported_by = $2, imported_at = $3 WHERE id = $1",
                &[Value::Int(cycle_id), by.as_str().into(), renkou_store::now().into()],
            )?;
        }
        tx.audit(AuditNote {
            action: RESULTS,
            record: CYCLE,
            record_id: &cycle_id.to_string(),
            fields: &format!(
                "file_sha256={sha};rows={};paid={};failed={};not_in_batch={};amount_differs={};paid_twice={};contradicts={};lines_changed={changed};slots_paid={slots_paid}",
                report.rows.len(),
                report.count(RowClass::Paid),
                report.count(RowClass::Failed),
                report.count(RowClass::NotInBatch),
                report.count(RowClass::AmountDiffers),
                report.count(RowClass::PaidTwice),
                report.count(RowClass::Contradicts),
            ),
        })?;
        Ok(report)
    })
}

/// An import of the bank's results as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportRecord {
    pub file: String,
    pub sha256: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// JSON: each class's count and amount, lines changed, slots paid.
    pub summary: String,
}

/// The imports of a cycle, oldest first.
pub fn imports(store: &Store, cycle: &Cycle) -> Result<Vec<ImportRecord>, Error> {
    Ok(store.with(|c| {
        Ok(c.query(
            "SELECT file_name, sha256, imported_by, imported_at, summary FROM benefit_cycle_imports WHERE cycle_id = $1 ORDER BY id",
            &[Value::Int(cycle.id)],
        )?
        .iter()
        .map(|r| ImportRecord {
            file: r[0].text().unwrap_or_default(),
            sha256: r[1].text().unwrap_or_default(),
            by: r[2].text().unwrap_or_default(),
            at: r[3].time().unwrap_or_default(),
            summary: r[4].text().unwrap_or_default(),
        })
        .collect())
    })?)
}
