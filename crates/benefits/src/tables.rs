//! The benefits domain in the database: attested facts (`benefit_facts`), the
//! eligibility runs with one row per person considered (`benefit_runs`,
//! `benefit_run_rows`) and the month ledger (`benefit_slots`, one row per person,
//! program and month, UNIQUE, paid at most once).
//!
//! Reads take a [`Conn`]; writes take the kernel's [`Tx`] and are audited in it by
//! the use cases ([`crate::attest`], [`crate::runs`], [`crate::slots`]). Money is
//! stored as decimal strings (`'300.00'`), months as `'YYYY-MM'`.

use crate::rules::{Month, Program, Yuan};
use chrono::{DateTime, Utc};
use renkou_domain::{Date, RegionCode};
use renkou_store::{AuditAction, Conn, RecordKind, Result, StoreError, Tx, Value};

/// The audit log's names for this domain's records.
pub const FACT: RecordKind = RecordKind::new("benefit_fact", "认定事实证明", "attested fact");
pub const RUN: RecordKind = RecordKind::new("benefit_run", "资格认定批次", "eligibility run");
pub const SLOT: RecordKind = RecordKind::new("benefit_slot", "月台账", "month slot");
pub const RECORD_KINDS: &[RecordKind] = &[FACT, RUN, SLOT];

/// 发放: a month slot paid.
pub const PAY: AuditAction = AuditAction::new("pay", "发放", "pay");
pub const ACTIONS: &[AuditAction] = &[
    PAY,
    crate::roster::PROPOSE,
    crate::roster::NOTICE,
    crate::roster::APPROVE,
    crate::roster::OBJECT,
    crate::roster::RESOLVE,
];

fn bad(what: &str) -> StoreError {
    StoreError::Corrupt(format!("benefits.{what}"))
}

fn yuan(v: &Value, what: &str) -> Result<Yuan> {
    v.as_str()
        .and_then(|s| Yuan::parse(s).ok())
        .ok_or_else(|| bad(what))
}

fn program(v: &Value) -> Result<Program> {
    v.as_str()
        .and_then(Program::parse)
        .ok_or_else(|| bad("program"))
}

/// Lower and upper bound of an area's region codes.
pub(crate) fn area_bounds(area: &RegionCode) -> (Value, Value) {
    let (lo, hi) = renkou_store::prefix_range(area.prefix());
    (lo.into(), hi.into())
}

// ---- attested facts ------------------------------------------------------------

/// The kinds of attested fact the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// 户口性质 as of a date: `agricultural` (农业) or `non_agricultural` (非农业).
    HouseholdRegistration,
    /// 1973-2001年无政策外生育 (奖励扶助's historical condition), value `yes`.
    NoOutOfPolicyBirth,
    /// 残疾等级: value the grade 1-4, the document the 残疾人证 number.
    Disability,
    /// 合法收养 (on the child): value `yes`, the document the 收养登记证 number, as of
    /// the registration day.
    LegalAdoption,
}

impl FactKind {
    pub const ALL: [FactKind; 4] = [
        FactKind::HouseholdRegistration,
        FactKind::NoOutOfPolicyBirth,
        FactKind::Disability,
        FactKind::LegalAdoption,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FactKind::HouseholdRegistration => "household_registration",
            FactKind::NoOutOfPolicyBirth => "no_out_of_policy_birth",
            FactKind::Disability => "disability",
            FactKind::LegalAdoption => "legal_adoption",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            FactKind::HouseholdRegistration => "户口性质",
            FactKind::NoOutOfPolicyBirth => "1973-2001年无政策外生育",
            FactKind::Disability => "残疾等级",
            FactKind::LegalAdoption => "合法收养",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            FactKind::HouseholdRegistration => "household registration (agricultural or not)",
            FactKind::NoOutOfPolicyBirth => "no out-of-policy birth 1973-2001",
            FactKind::Disability => "disability grade",
            FactKind::LegalAdoption => "legal adoption",
        }
    }

    pub fn parse(s: &str) -> Option<FactKind> {
        let t = s.trim();
        FactKind::ALL
            .into_iter()
            .find(|k| k.code() == t || k.name_zh() == t)
    }

    /// The value in its stored form, or why it is not one this kind takes.
    pub fn normalise(self, value: &str) -> std::result::Result<String, String> {
        let v = value.trim();
        let refuse = |expected: &str| {
            Err(format!(
                "{}的值应为{expected} / {}: expected {expected}",
                self.name_zh(),
                self.code()
            ))
        };
        match self {
            FactKind::HouseholdRegistration => match v {
                "agricultural" | "农业" | "农业户口" => Ok("agricultural".into()),
                "non_agricultural" | "非农业" | "非农业户口" => {
                    Ok("non_agricultural".into())
                }
                _ => refuse("agricultural（农业）或 non_agricultural（非农业）"),
            },
            FactKind::Disability => match v.trim_end_matches('级').parse::<u8>() {
                Ok(g @ 1..=4) => Ok(g.to_string()),
                _ => refuse("1-4（残疾等级）"),
            },
            FactKind::NoOutOfPolicyBirth | FactKind::LegalAdoption => match v {
                "" | "yes" | "是" => Ok("yes".into()),
                _ => refuse("yes（是）"),
            },
        }
    }
}

/// An attested fact to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFact {
    /// 人员编号 of the person it is about (the child, for disability and adoption).
    pub person_no: String,
    pub kind: FactKind,
    pub value: String,
    pub as_of: Date,
    /// The document: title and number (户口簿, 残疾人证号, 收养登记证号, 村委会证明…).
    pub document: String,
}

/// An attested fact as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredFact {
    pub id: i64,
    pub person_no: String,
    pub kind: FactKind,
    pub value: String,
    pub as_of: Date,
    pub document: String,
    pub region_code: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

const FACT_COLS: &str =
    "id, person_no, kind, value, as_of, document, region_code, recorded_by, recorded_at";

fn to_fact(r: &[Value]) -> Result<StoredFact> {
    Ok(StoredFact {
        id: r[0].int().ok_or_else(|| bad("facts.id"))?,
        person_no: r[1].text().ok_or_else(|| bad("facts.person_no"))?,
        kind: r[2]
            .as_str()
            .and_then(FactKind::parse)
            .ok_or_else(|| bad("facts.kind"))?,
        value: r[3].text().unwrap_or_default(),
        as_of: r[4].date().ok_or_else(|| bad("facts.as_of"))?,
        document: r[5].text().unwrap_or_default(),
        region_code: r[6].text().unwrap_or_default(),
        recorded_by: r[7].text().unwrap_or_default(),
        recorded_at: r[8].time().unwrap_or_default(),
    })
}

/// Inserts a fact (the caller has checked the person and the area); returns its id.
pub fn insert_fact(tx: &mut Tx<'_>, fact: &NewFact, value: &str, region_code: &str) -> Result<i64> {
    let by = tx.actor().username.clone();
    tx.conn()
        .query_one(
            "INSERT INTO benefit_facts (person_no, kind, value, as_of, document, region_code, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                fact.person_no.as_str().into(),
                fact.kind.code().into(),
                value.into(),
                fact.as_of.into(),
                fact.document.as_str().into(),
                region_code.into(),
                by.as_str().into(),
                renkou_store::now().into(),
            ],
        )?
        .and_then(|r| r[0].int())
        .ok_or_else(|| bad("facts id"))
}

/// A person's facts, oldest first.
pub fn facts_of(c: &mut dyn Conn, person_no: &str) -> Result<Vec<StoredFact>> {
    c.query(
        &format!("SELECT {FACT_COLS} FROM benefit_facts WHERE person_no = $1 ORDER BY as_of, id"),
        &[person_no.into()],
    )?
    .iter()
    .map(|r| to_fact(r))
    .collect()
}

/// Every fact, oldest first (a later one of a kind supersedes an earlier one).
pub fn all_facts(c: &mut dyn Conn) -> Result<Vec<StoredFact>> {
    c.query(
        &format!("SELECT {FACT_COLS} FROM benefit_facts ORDER BY as_of, id"),
        &[],
    )?
    .iter()
    .map(|r| to_fact(r))
    .collect()
}

// ---- runs ----------------------------------------------------------------------

/// An eligibility run as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunInfo {
    pub id: i64,
    pub program: Program,
    pub region_code: String,
    pub year: i32,
    pub rule: String,
    pub parameters_version: u32,
    pub considered: i64,
    pub eligible: i64,
    pub total: Yuan,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

const RUN_COLS: &str = "id, program, region_code, year, rule, parameters_version, considered, eligible, total, created_by, created_at";

fn to_run(r: &[Value]) -> Result<RunInfo> {
    Ok(RunInfo {
        id: r[0].int().ok_or_else(|| bad("runs.id"))?,
        program: program(&r[1])?,
        region_code: r[2].text().unwrap_or_default(),
        year: r[3].int().ok_or_else(|| bad("runs.year"))? as i32,
        rule: r[4].text().unwrap_or_default(),
        parameters_version: r[5].int().unwrap_or(0) as u32,
        considered: r[6].int().unwrap_or(0),
        eligible: r[7].int().unwrap_or(0),
        total: yuan(&r[8], "runs.total")?,
        created_by: r[9].text().unwrap_or_default(),
        created_at: r[10].time().unwrap_or_default(),
    })
}

/// A run to store.
pub struct NewRun<'a> {
    pub program: Program,
    pub region_code: &'a str,
    pub year: i32,
    pub rule: &'a str,
    pub parameters_version: u32,
    pub parameter_values: &'a str,
    pub considered: i64,
    pub eligible: i64,
    pub total: Yuan,
}

pub fn insert_run(tx: &mut Tx<'_>, run: &NewRun<'_>) -> Result<i64> {
    let by = tx.actor().username.clone();
    tx.conn()
        .query_one(
            "INSERT INTO benefit_runs (program, region_code, year, rule, parameters_version, parameter_values, considered, eligible, total, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &[
                run.program.code().into(),
                run.region_code.into(),
                Value::Int(run.year.into()),
                run.rule.into(),
                Value::Int(run.parameters_version.into()),
                run.parameter_values.into(),
                Value::Int(run.considered),
                Value::Int(run.eligible),
                run.total.to_string().into(),
                by.as_str().into(),
                renkou_store::now().into(),
            ],
        )?
        .and_then(|r| r[0].int())
        .ok_or_else(|| bad("runs id"))
}

/// One person's row of a run, to store.
pub struct NewRunRow<'a> {
    pub person_no: &'a str,
    pub region_code: &'a str,
    pub eligible: bool,
    pub months: u32,
    pub amount: Yuan,
    pub reason: &'a str,
    pub needs_review: bool,
    pub receipt: &'a str,
}

/// Rows per multi-row INSERT: few statements for a county's run, well under both
/// backends' parameter limits.
const CHUNK: usize = 400;

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

pub fn insert_run_rows(tx: &mut Tx<'_>, run_id: i64, rows: &[NewRunRow<'_>]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let mut params = Vec::with_capacity(chunk.len() * 9);
        for r in chunk {
            params.extend([
                Value::Int(run_id),
                r.person_no.into(),
                r.region_code.into(),
                Value::Int(r.eligible.into()),
                Value::Int(r.months.into()),
                r.amount.to_string().into(),
                r.reason.into(),
                Value::Int(r.needs_review.into()),
                r.receipt.into(),
            ]);
        }
        tx.conn().exec(
            &format!(
                "INSERT INTO benefit_run_rows (run_id, person_no, region_code, eligible, months, amount, reason, needs_review, receipt) VALUES {}",
                placeholders(chunk.len(), 9)
            ),
            &params,
        )?;
    }
    Ok(())
}

pub fn run_info(c: &mut dyn Conn, id: i64) -> Result<Option<RunInfo>> {
    c.query_one(
        &format!("SELECT {RUN_COLS} FROM benefit_runs WHERE id = $1"),
        &[Value::Int(id)],
    )?
    .map(|r| to_run(&r))
    .transpose()
}

/// The parameter values a run consulted (JSON), shared by its rows' receipts.
pub fn run_parameter_values(c: &mut dyn Conn, id: i64) -> Result<Option<String>> {
    Ok(c.query_one(
        "SELECT parameter_values FROM benefit_runs WHERE id = $1",
        &[Value::Int(id)],
    )?
    .and_then(|r| r[0].text()))
}

/// Runs whose area lies inside `area` or contains it, newest first.
pub fn runs_touching(c: &mut dyn Conn, area: &RegionCode, limit: i64) -> Result<Vec<RunInfo>> {
    let rows = c.query(
        &format!("SELECT {RUN_COLS} FROM benefit_runs ORDER BY id DESC LIMIT $1"),
        &[Value::Int(limit.max(1) * 4)],
    )?;
    let mut out = Vec::new();
    for r in rows {
        let run = to_run(&r)?;
        let Ok(code) = RegionCode::parse(&run.region_code) else {
            continue;
        };
        if area.contains(&code) || code.contains(area) {
            out.push(run);
        }
        if out.len() as i64 >= limit {
            break;
        }
    }
    Ok(out)
}

/// One person's row of a stored run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunRow {
    pub person_no: String,
    pub name: String,
    pub region_code: String,
    pub eligible: bool,
    pub months: u32,
    pub amount: Yuan,
    pub reason: String,
    pub needs_review: bool,
    /// JSON.
    pub receipt: String,
}

/// The rows of a run whose region lies in `area`, by 人员编号; `eligible_only`
/// leaves out persons who do not qualify.
pub fn run_rows(
    c: &mut dyn Conn,
    run_id: i64,
    area: &RegionCode,
    eligible_only: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<RunRow>> {
    let (lo, hi) = area_bounds(area);
    let filter = if eligible_only {
        " AND r.eligible = 1"
    } else {
        ""
    };
    c.query(
        &format!(
            "SELECT r.person_no, p.name, r.region_code, r.eligible, r.months, r.amount, r.reason, r.needs_review, r.receipt \
             FROM benefit_run_rows r JOIN persons p ON p.person_no = r.person_no \
             WHERE r.run_id = $1 AND r.region_code >= $2 AND r.region_code < $3{filter} \
             ORDER BY r.person_no LIMIT $4 OFFSET $5"
        ),
        &[Value::Int(run_id), lo, hi, Value::Int(limit), Value::Int(offset)],
    )?
    .iter()
    .map(|r| {
        Ok(RunRow {
            person_no: r[0].text().ok_or_else(|| bad("run_rows.person_no"))?,
            name: r[1].text().unwrap_or_default(),
            region_code: r[2].text().unwrap_or_default(),
            eligible: r[3].int() == Some(1),
            months: r[4].int().unwrap_or(0) as u32,
            amount: yuan(&r[5], "run_rows.amount")?,
            reason: r[6].text().unwrap_or_default(),
            needs_review: r[7].int() == Some(1),
            receipt: r[8].text().unwrap_or_default(),
        })
    })
    .collect()
}

/// Count, eligible count and total of a run's rows in `area`.
pub fn run_totals(c: &mut dyn Conn, run_id: i64, area: &RegionCode) -> Result<(i64, i64, Yuan)> {
    let (lo, hi) = area_bounds(area);
    let mut n = 0;
    let mut eligible = 0;
    let mut total = Yuan::ZERO;
    c.query_each(
        "SELECT eligible, amount FROM benefit_run_rows WHERE run_id = $1 AND region_code >= $2 AND region_code < $3",
        &[Value::Int(run_id), lo, hi],
        &mut |r| {
            n += 1;
            if r[0].int() == Some(1) {
                eligible += 1;
            }
            total += yuan(&r[1], "run_rows.amount")?;
            Ok(())
        },
    )?;
    Ok((n, eligible, total))
}

// ---- the month ledger ----------------------------------------------------------

/// A slot of the month ledger as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Slot {
    pub person_no: String,
    pub program: Program,
    pub month: Month,
    pub region_code: String,
    /// `None`: no longer due (a later run found it not due).
    pub due_amount: Option<Yuan>,
    pub due_run_id: Option<i64>,
    pub paid_amount: Option<Yuan>,
    pub paid_batch: Option<String>,
    pub paid_by: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

const SLOT_COLS: &str = "person_no, program, month, region_code, due_amount, due_run_id, paid_amount, paid_batch, paid_by, paid_at";

fn to_slot(r: &[Value]) -> Result<Slot> {
    let opt_yuan = |v: &Value, w: &str| -> Result<Option<Yuan>> {
        match v.as_str() {
            None => Ok(None),
            Some(_) => yuan(v, w).map(Some),
        }
    };
    Ok(Slot {
        person_no: r[0].text().ok_or_else(|| bad("slots.person_no"))?,
        program: program(&r[1])?,
        month: r[2]
            .as_str()
            .and_then(|s| Month::parse(s).ok())
            .ok_or_else(|| bad("slots.month"))?,
        region_code: r[3].text().unwrap_or_default(),
        due_amount: opt_yuan(&r[4], "slots.due_amount")?,
        due_run_id: r[5].int(),
        paid_amount: opt_yuan(&r[6], "slots.paid_amount")?,
        paid_batch: r[7].text(),
        paid_by: r[8].text(),
        paid_at: r[9].time(),
    })
}

/// A slot a run found due.
pub struct DueSlot<'a> {
    pub person_no: &'a str,
    pub month: Month,
    pub region_code: &'a str,
    pub amount: Yuan,
}

/// Takes a run's result into the ledger: for every person considered, the slots of
/// the program and year in the run's area that are no longer due lose their due
/// amount (a township's run leaves another township's months alone), and each
/// slot due is inserted, or its due amount replaced (a paid slot keeps what was
/// paid; the difference is for settlement). Returns the slots written.
pub fn take_run_slots(
    tx: &mut Tx<'_>,
    run_id: i64,
    program: Program,
    area: &RegionCode,
    year: i32,
    considered: &[&str],
    due: &[DueSlot<'_>],
) -> Result<u64> {
    let (first, last) = (
        Month::new(year, 1).to_string(),
        Month::new(year, 12).to_string(),
    );
    let (lo, hi) = area_bounds(area);
    for chunk in considered.chunks(CHUNK) {
        let mut params = vec![
            Value::Int(run_id),
            program.code().into(),
            first.as_str().into(),
            last.as_str().into(),
            lo.clone(),
            hi.clone(),
        ];
        params.extend(chunk.iter().map(|p| Value::from(*p)));
        let list: Vec<String> = (7..7 + chunk.len()).map(|i| format!("${i}")).collect();
        tx.conn().exec(
            &format!(
                "UPDATE benefit_slots SET due_amount = NULL, due_run_id = $1 \
                 WHERE program = $2 AND month >= $3 AND month <= $4 AND due_amount IS NOT NULL \
                 AND region_code >= $5 AND region_code < $6 AND person_no IN ({})",
                list.join(", ")
            ),
            &params,
        )?;
    }
    let mut n = 0;
    for chunk in due.chunks(CHUNK) {
        let mut params = Vec::with_capacity(chunk.len() * 6);
        for s in chunk {
            params.extend([
                s.person_no.into(),
                program.code().into(),
                s.month.to_string().into(),
                s.region_code.into(),
                s.amount.to_string().into(),
                Value::Int(run_id),
            ]);
        }
        n += tx.conn().exec(
            &format!(
                "INSERT INTO benefit_slots (person_no, program, month, region_code, due_amount, due_run_id) VALUES {} \
                 ON CONFLICT (person_no, program, month) DO UPDATE SET \
                 due_amount = excluded.due_amount, due_run_id = excluded.due_run_id, region_code = excluded.region_code",
                placeholders(chunk.len(), 6)
            ),
            &params,
        )?;
    }
    Ok(n)
}

/// Marks one due, unpaid slot paid with its due amount; `None` when it is already
/// paid or not due (nothing changed). The condition is in the statement, so two
/// offices paying the same slot at once pay it once.
pub fn pay_slot(
    tx: &mut Tx<'_>,
    person_no: &str,
    program: Program,
    month: Month,
    batch: &str,
) -> Result<Option<Yuan>> {
    let by = tx.actor().username.clone();
    let row = tx.conn().query_one(
        "UPDATE benefit_slots SET paid_amount = due_amount, paid_batch = $4, paid_by = $5, paid_at = $6 \
         WHERE person_no = $1 AND program = $2 AND month = $3 AND paid_batch IS NULL AND due_amount IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM benefit_cycle_slots c WHERE c.person_no = $1 AND c.program = $2 AND c.month = $3 AND c.released = 0) \
         RETURNING paid_amount",
        &[
            person_no.into(),
            program.code().into(),
            month.to_string().into(),
            batch.into(),
            by.as_str().into(),
            renkou_store::now().into(),
        ],
    )?;
    row.map(|r| yuan(&r[0], "slots.paid_amount")).transpose()
}

pub fn slot(
    c: &mut dyn Conn,
    person_no: &str,
    program: Program,
    month: Month,
) -> Result<Option<Slot>> {
    c.query_one(
        &format!(
            "SELECT {SLOT_COLS} FROM benefit_slots WHERE person_no = $1 AND program = $2 AND month = $3"
        ),
        &[
            person_no.into(),
            program.code().into(),
            month.to_string().into(),
        ],
    )?
    .map(|r| to_slot(&r))
    .transpose()
}

/// A person's slots, by program and month.
pub fn slots_of(c: &mut dyn Conn, person_no: &str) -> Result<Vec<Slot>> {
    c.query(
        &format!(
            "SELECT {SLOT_COLS} FROM benefit_slots WHERE person_no = $1 ORDER BY program, month"
        ),
        &[person_no.into()],
    )?
    .iter()
    .map(|r| to_slot(r))
    .collect()
}
