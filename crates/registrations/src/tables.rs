//! The registrations domain in the database: the office books' next numbers
//! (`registration_sequences`), `birth_registrations`, `certificates` with their
//! `certificate_history`, and the log of public verifications
//! (`certificate_verifications`).
//!
//! Reads take a [`Conn`]; writes take the kernel's [`Tx`] and are audited in it by
//! the use cases ([`crate::births`], [`crate::certificates`]).

use crate::rules::{Action, Applicant, Marriage, Outcome, Status};
use chrono::{DateTime, Utc};
use renkou_domain::{Date, RegionCode};
use renkou_store::{AuditAction, Conn, RecordKind, Result, StoreError, Tx, Value};

/// The audit log's names for this domain's records.
pub const BIRTH_REGISTRATION: RecordKind =
    RecordKind::new("birth_registration", "生育登记", "birth registration");
pub const BOOK: RecordKind =
    RecordKind::new("registration_book", "生育登记簿", "registration book");
pub const CERTIFICATE: RecordKind = RecordKind::new(
    "certificate",
    "独生子女父母光荣证",
    "only-child parents' certificate",
);
pub const RECORD_KINDS: &[RecordKind] = &[BIRTH_REGISTRATION, BOOK, CERTIFICATE];

/// 换发: a certificate's document printed again (the earlier ones become void).
pub const REPLACE: AuditAction = AuditAction::new("replace", "换发", "replace");
pub const ACTIONS: &[AuditAction] = &[REPLACE];

fn bad(what: &str) -> StoreError {
    StoreError::Corrupt(format!("registrations.{what}"))
}

fn text(v: &Value, what: &str) -> Result<String> {
    v.text().ok_or_else(|| bad(what))
}

fn date(v: &Value, what: &str) -> Result<Date> {
    v.date().ok_or_else(|| bad(what))
}

fn int(v: &Value, what: &str) -> Result<i64> {
    v.int().ok_or_else(|| bad(what))
}

/// Lower and upper bound of an area's region codes.
fn area_bounds(area: &RegionCode) -> (Value, Value) {
    let (lo, hi) = renkou_store::prefix_range(area.prefix());
    (lo.into(), hi.into())
}

/// Whether the region tree holds `code`.
pub fn region_exists(c: &mut dyn Conn, code: &RegionCode) -> Result<bool> {
    Ok(c.query_one(
        "SELECT code FROM regions WHERE code = $1",
        &[code.as_str().into()],
    )?
    .is_some())
}

// ---- the office books -------------------------------------------------------------

/// Takes the next number of `office`'s book for `year`, in the caller's
/// transaction: the book is created at 1 on first use, and the row is advanced
/// by an UPDATE that holds its lock until the transaction ends. A concurrent
/// registration waits and then takes the next number; a rolled-back one gives its
/// number back. So the numbers have neither gaps nor repeats.
pub fn take_number(tx: &mut Tx<'_>, office: &RegionCode, year: i32) -> Result<i64> {
    let by = tx.actor().username.clone();
    tx.conn().exec(
        "INSERT INTO registration_sequences (office_code, year, next_seq, first_seq, set_by, set_at) \
         VALUES ($1, $2, 1, 1, $3, $4) ON CONFLICT (office_code, year) DO NOTHING",
        &[
            office.as_str().into(),
            i64::from(year).into(),
            by.into(),
            renkou_store::now().into(),
        ],
    )?;
    tx.conn()
        .query_one(
            "UPDATE registration_sequences SET next_seq = next_seq + 1 \
             WHERE office_code = $1 AND year = $2 RETURNING next_seq - 1",
            &[office.as_str().into(), i64::from(year).into()],
        )?
        .and_then(|r| r[0].int())
        .ok_or_else(|| bad("sequence"))
}

/// How many registrations `office`'s book for `year` holds.
pub fn registrations_in_book(c: &mut dyn Conn, office: &RegionCode, year: i32) -> Result<i64> {
    c.query_one(
        "SELECT COUNT(*) FROM birth_registrations WHERE office_code = $1 AND year = $2",
        &[office.as_str().into(), i64::from(year).into()],
    )?
    .and_then(|r| r[0].int())
    .ok_or_else(|| bad("count"))
}

/// Sets `office`'s book for `year` to start at `first` (it must hold nothing yet).
pub fn set_book_start(tx: &mut Tx<'_>, office: &RegionCode, year: i32, first: i64) -> Result<()> {
    let by = tx.actor().username.clone();
    tx.conn().exec(
        "INSERT INTO registration_sequences (office_code, year, next_seq, first_seq, set_by, set_at) \
         VALUES ($1, $2, $3, $3, $4, $5) ON CONFLICT (office_code, year) \
         DO UPDATE SET next_seq = $3, first_seq = $3, set_by = $4, set_at = $5",
        &[
            office.as_str().into(),
            i64::from(year).into(),
            first.into(),
            by.into(),
            renkou_store::now().into(),
        ],
    )?;
    Ok(())
}

/// An office's book for a year: where it started and the next number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Book {
    pub office_code: String,
    pub year: i32,
    pub first_seq: i64,
    pub next_seq: i64,
}

/// The books of the offices in `area`, newest year first.
pub fn books(c: &mut dyn Conn, area: &RegionCode) -> Result<Vec<Book>> {
    let (lo, hi) = area_bounds(area);
    c.query(
        "SELECT office_code, year, first_seq, next_seq FROM registration_sequences \
         WHERE office_code >= $1 AND office_code < $2 ORDER BY year DESC, office_code",
        &[lo, hi],
    )?
    .iter()
    .map(|r| {
        Ok(Book {
            office_code: text(&r[0], "office")?,
            year: int(&r[1], "year")? as i32,
            first_seq: int(&r[2], "first")?,
            next_seq: int(&r[3], "next")?,
        })
    })
    .collect()
}

// ---- birth registrations ----------------------------------------------------------

/// A child the register knew when the registration was recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KnownChild {
    pub person_no: String,
    pub birth_date: Date,
}

/// The children of `mother` or `father` in the register, oldest first.
pub fn children_known(
    c: &mut dyn Conn,
    mother: Option<&str>,
    father: Option<&str>,
) -> Result<Vec<KnownChild>> {
    let rows = c.query(
        "SELECT person_no, birth_date FROM persons \
         WHERE ($1 <> '' AND mother_no = $1) OR ($2 <> '' AND father_no = $2) \
         ORDER BY birth_date, person_no",
        &[mother.unwrap_or("").into(), father.unwrap_or("").into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(KnownChild {
                person_no: text(&r[0], "child")?,
                birth_date: date(&r[1], "child birth")?,
            })
        })
        .collect()
}

/// A registration as it is stored, before its number is taken.
#[derive(Debug, Clone)]
pub struct BirthRow<'a> {
    pub number: &'a str,
    pub office: &'a RegionCode,
    pub year: i32,
    pub seq: i64,
    pub registered_on: Date,
    pub applicant: Applicant,
    pub mother_no: Option<&'a str>,
    pub father_no: Option<&'a str>,
    pub marriage: Marriage,
    pub residence: &'a RegionCode,
    pub address: &'a str,
    pub children_known: &'a [KnownChild],
    pub expected_on: Option<Date>,
    pub born_on: Option<Date>,
    pub child_no: Option<&'a str>,
}

pub fn insert_birth(tx: &mut Tx<'_>, b: &BirthRow<'_>) -> Result<i64> {
    let by = tx.actor().username.clone();
    let children = serde_json::to_string(b.children_known).map_err(|_| bad("children"))?;
    tx.conn()
        .query_one(
            "INSERT INTO birth_registrations (number, office_code, year, seq, registered_on, applicant, \
             mother_no, father_no, marriage, residence_code, address, children_known, expected_on, \
             born_on, child_no, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
            &[
                b.number.into(),
                b.office.as_str().into(),
                i64::from(b.year).into(),
                b.seq.into(),
                b.registered_on.into(),
                b.applicant.code().into(),
                b.mother_no.into(),
                b.father_no.into(),
                b.marriage.code().into(),
                b.residence.as_str().into(),
                b.address.into(),
                children.into(),
                b.expected_on.into(),
                b.born_on.into(),
                b.child_no.into(),
                by.into(),
                renkou_store::now().into(),
            ],
        )?
        .and_then(|r| r[0].int())
        .ok_or_else(|| bad("registration id"))
}

/// A registration as read back, with the parents' and the child's names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BirthRegistration {
    pub id: i64,
    pub number: String,
    pub office_code: String,
    pub year: i32,
    pub seq: i64,
    pub registered_on: Date,
    pub applicant: Applicant,
    pub mother_no: Option<String>,
    pub mother_name: Option<String>,
    pub father_no: Option<String>,
    pub father_name: Option<String>,
    pub marriage: Marriage,
    pub residence_code: String,
    pub address: String,
    pub children_known: Vec<KnownChild>,
    pub expected_on: Option<Date>,
    pub born_on: Option<Date>,
    pub child_no: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

const BIRTH_COLS: &str = "b.id, b.number, b.office_code, b.year, b.seq, b.registered_on, b.applicant, \
    b.mother_no, m.name, b.father_no, f.name, b.marriage, b.residence_code, b.address, b.children_known, \
    b.expected_on, b.born_on, b.child_no, b.recorded_by, b.recorded_at \
    FROM birth_registrations b LEFT JOIN persons m ON m.person_no = b.mother_no \
    LEFT JOIN persons f ON f.person_no = b.father_no";

fn to_birth(r: &[Value]) -> Result<BirthRegistration> {
    Ok(BirthRegistration {
        id: int(&r[0], "id")?,
        number: text(&r[1], "number")?,
        office_code: text(&r[2], "office")?,
        year: int(&r[3], "year")? as i32,
        seq: int(&r[4], "seq")?,
        registered_on: date(&r[5], "registered_on")?,
        applicant: r[6]
            .as_str()
            .and_then(Applicant::parse)
            .ok_or_else(|| bad("applicant"))?,
        mother_no: r[7].text(),
        mother_name: r[8].text(),
        father_no: r[9].text(),
        father_name: r[10].text(),
        marriage: r[11]
            .as_str()
            .and_then(Marriage::parse)
            .ok_or_else(|| bad("marriage"))?,
        residence_code: text(&r[12], "residence")?,
        address: text(&r[13], "address")?,
        children_known: serde_json::from_str(&text(&r[14], "children")?)
            .map_err(|_| bad("children"))?,
        expected_on: r[15].date(),
        born_on: r[16].date(),
        child_no: r[17].text(),
        recorded_by: text(&r[18], "recorded_by")?,
        recorded_at: r[19].time().ok_or_else(|| bad("recorded_at"))?,
    })
}

pub fn birth(c: &mut dyn Conn, id: i64) -> Result<Option<BirthRegistration>> {
    c.query_one(
        &format!("SELECT {BIRTH_COLS} WHERE b.id = $1"),
        &[id.into()],
    )?
    .map(|r| to_birth(&r))
    .transpose()
}

/// The registrations of families living in `area`, newest first.
pub fn births_in(
    c: &mut dyn Conn,
    area: &RegionCode,
    limit: i64,
) -> Result<Vec<BirthRegistration>> {
    let (lo, hi) = area_bounds(area);
    c.query(
        &format!(
            "SELECT {BIRTH_COLS} WHERE b.residence_code >= $1 AND b.residence_code < $2 \
             ORDER BY b.year DESC, b.office_code, b.seq DESC LIMIT $3"
        ),
        &[lo, hi, limit.into()],
    )?
    .iter()
    .map(|r| to_birth(r))
    .collect()
}

// ---- certificates -----------------------------------------------------------------

/// A certificate as read back, with the holders' and the child's names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Certificate {
    pub id: i64,
    pub number: String,
    pub issued_on: Date,
    pub holder1_no: String,
    pub holder1_name: String,
    pub holder2_no: Option<String>,
    pub holder2_name: Option<String>,
    pub child_no: String,
    pub child_name: String,
    pub region_code: String,
    pub status: Status,
    pub version: i64,
}

const CERT_COLS: &str = "c.id, c.number, c.issued_on, c.holder1_no, h1.name, c.holder2_no, h2.name, \
    c.child_no, ch.name, c.region_code, c.status, c.version \
    FROM certificates c JOIN persons h1 ON h1.person_no = c.holder1_no \
    LEFT JOIN persons h2 ON h2.person_no = c.holder2_no JOIN persons ch ON ch.person_no = c.child_no";

fn to_certificate(r: &[Value]) -> Result<Certificate> {
    Ok(Certificate {
        id: int(&r[0], "id")?,
        number: text(&r[1], "number")?,
        issued_on: date(&r[2], "issued_on")?,
        holder1_no: text(&r[3], "holder1")?,
        holder1_name: text(&r[4], "holder1 name")?,
        holder2_no: r[5].text(),
        holder2_name: r[6].text(),
        child_no: text(&r[7], "child")?,
        child_name: text(&r[8], "child name")?,
        region_code: text(&r[9], "region")?,
        status: r[10]
            .as_str()
            .and_then(Status::parse)
            .ok_or_else(|| bad("status"))?,
        version: int(&r[11], "version")?,
    })
}

pub fn certificate(c: &mut dyn Conn, id: i64) -> Result<Option<Certificate>> {
    c.query_one(&format!("SELECT {CERT_COLS} WHERE c.id = $1"), &[id.into()])?
        .map(|r| to_certificate(&r))
        .transpose()
}

pub fn certificate_by_number(c: &mut dyn Conn, number: &str) -> Result<Option<i64>> {
    Ok(c.query_one(
        "SELECT id FROM certificates WHERE number = $1",
        &[number.into()],
    )?
    .and_then(|r| r[0].int()))
}

/// The certificates of `area`, by number.
pub fn certificates_in(
    c: &mut dyn Conn,
    area: &RegionCode,
    limit: i64,
) -> Result<Vec<Certificate>> {
    let (lo, hi) = area_bounds(area);
    c.query(
        &format!(
            "SELECT {CERT_COLS} WHERE c.region_code >= $1 AND c.region_code < $2 ORDER BY c.number LIMIT $3"
        ),
        &[lo, hi, limit.into()],
    )?
    .iter()
    .map(|r| to_certificate(r))
    .collect()
}

/// A certificate as entered.
#[derive(Debug, Clone)]
pub struct CertificateRow<'a> {
    pub number: &'a str,
    pub issued_on: Date,
    pub holder1_no: &'a str,
    pub holder2_no: Option<&'a str>,
    pub child_no: &'a str,
    pub region_code: &'a str,
}

pub fn insert_certificate(tx: &mut Tx<'_>, c: &CertificateRow<'_>) -> Result<i64> {
    let by = tx.actor().username.clone();
    tx.conn()
        .query_one(
            "INSERT INTO certificates (number, issued_on, holder1_no, holder2_no, child_no, region_code, \
             status, version, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, 'valid', 1, $7, $8) \
             RETURNING id",
            &[
                c.number.into(),
                c.issued_on.into(),
                c.holder1_no.into(),
                c.holder2_no.into(),
                c.child_no.into(),
                c.region_code.into(),
                by.into(),
                renkou_store::now().into(),
            ],
        )?
        .and_then(|r| r[0].int())
        .ok_or_else(|| bad("certificate id"))
}

/// Sets a certificate's status and version.
pub fn update_certificate(tx: &mut Tx<'_>, id: i64, status: Status, version: i64) -> Result<()> {
    tx.conn().exec(
        "UPDATE certificates SET status = $1, version = $2 WHERE id = $3",
        &[status.code().into(), version.into(), id.into()],
    )?;
    Ok(())
}

/// One line of a certificate's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryLine {
    pub action: Action,
    pub on_date: Date,
    pub reason: String,
    pub version: i64,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

pub fn insert_history(
    tx: &mut Tx<'_>,
    certificate_id: i64,
    action: Action,
    on: Date,
    reason: &str,
    version: i64,
) -> Result<()> {
    let by = tx.actor().username.clone();
    tx.conn().exec(
        "INSERT INTO certificate_history (certificate_id, action, on_date, reason, version, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            certificate_id.into(),
            action.code().into(),
            on.into(),
            reason.into(),
            version.into(),
            by.into(),
            renkou_store::now().into(),
        ],
    )?;
    Ok(())
}

pub fn history(c: &mut dyn Conn, certificate_id: i64) -> Result<Vec<HistoryLine>> {
    c.query(
        "SELECT action, on_date, reason, version, recorded_by, recorded_at FROM certificate_history \
         WHERE certificate_id = $1 ORDER BY id",
        &[certificate_id.into()],
    )?
    .iter()
    .map(|r| {
        Ok(HistoryLine {
            action: r[0]
                .as_str()
                .and_then(Action::parse)
                .ok_or_else(|| bad("action"))?,
            on_date: date(&r[1], "on_date")?,
            reason: text(&r[2], "reason")?,
            version: int(&r[3], "version")?,
            recorded_by: text(&r[4], "recorded_by")?,
            recorded_at: r[5].time().ok_or_else(|| bad("recorded_at"))?,
        })
    })
    .collect()
}

/// Logs one public verification: when, what it found, the certificate when the
/// code was genuine. Nothing else (no address, no code).
pub fn log_verification(
    tx: &mut Tx<'_>,
    certificate_id: Option<i64>,
    outcome: Outcome,
) -> Result<()> {
    tx.conn().exec(
        "INSERT INTO certificate_verifications (at, certificate_id, outcome) VALUES ($1, $2, $3)",
        &[
            renkou_store::now().into(),
            certificate_id.into(),
            outcome.code().into(),
        ],
    )?;
    Ok(())
}

/// A certificate's verifications: (when, outcome), newest first.
pub fn verifications(
    c: &mut dyn Conn,
    certificate_id: i64,
) -> Result<Vec<(DateTime<Utc>, Outcome)>> {
    c.query(
        "SELECT at, outcome FROM certificate_verifications WHERE certificate_id = $1 ORDER BY id DESC LIMIT 100",
        &[certificate_id.into()],
    )?
    .iter()
    .map(|r| {
        Ok((
            r[0].time().ok_or_else(|| bad("at"))?,
            r[1].as_str().and_then(Outcome::parse).ok_or_else(|| bad("outcome"))?,
        ))
    })
    .collect()
}

/// How many verifications found `outcome` (all certificates; forged codes name none).
pub fn verification_count(c: &mut dyn Conn, outcome: Outcome) -> Result<i64> {
    c.query_one(
        "SELECT COUNT(*) FROM certificate_verifications WHERE outcome = $1",
        &[outcome.code().into()],
    )?
    .and_then(|r| r[0].int())
    .ok_or_else(|| bad("count"))
}
