//! 独生子女父母光荣证: the register of the certificates the office has issued (its
//! number and day, the holders, the child), with their history — issued, printed
//! again (换发: the earlier documents become void), revoked with a reason — and the
//! public verification of the QR code printed on a document.
//!
//! The code names the certificate and the version of the printed document, signed
//! with the county's key ([`crate::key`]). The public page shows, for a genuine
//! code, only what the document itself shows (number, day, holders' and child's
//! names) and whether it is still valid; for anything else it shows nothing but
//! "cannot be verified". Every verification is logged with its time and outcome,
//! never the caller's address or the names.

use crate::error::Error;
use crate::key::CertificateKey;
use crate::rules::{outcome, Action, Outcome, Status};
use crate::tables::{self, Certificate, CertificateRow, HistoryLine, CERTIFICATE, REPLACE};
use renkou_domain::{Date, RegionCode};
use renkou_store::{Actor, AuditAction, AuditNote, Store, StoreError};

/// A certificate as entered from the paper register.
#[derive(Debug, Clone)]
pub struct NewCertificate {
    pub number: String,
    pub issued_on: Date,
    pub holder1_no: String,
    pub holder2_no: Option<String>,
    pub child_no: String,
}

/// Enters an issued certificate; returns its id.
pub fn enter(store: &Store, actor: &Actor, c: &NewCertificate) -> Result<i64, Error> {
    let number = c.number.trim();
    if number.is_empty() || number.chars().count() > 40 {
        return Err(Error::Field(
            "证号不能为空，不超过 40 字",
            "the certificate number is required, at most 40 characters",
        ));
    }
    let holder2 = c
        .holder2_no
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    store.write(actor, |tx| {
        let holder = tx
            .person(c.holder1_no.trim())?
            .ok_or_else(|| StoreError::NoPerson(c.holder1_no.clone()))?;
        if !tx.actor().can_write(&holder.region_code) {
            return Err(Error::Store(StoreError::Forbidden));
        }
        for no in [Some(c.child_no.trim()), holder2].into_iter().flatten() {
            tx.person(no)?
                .ok_or_else(|| StoreError::NoPerson(no.to_string()))?;
        }
        if tables::certificate_by_number(tx.conn(), number)?.is_some() {
            return Err(Error::DuplicateCertificate(number.into()));
        }
        let id = tables::insert_certificate(
            tx,
            &CertificateRow {
                number,
                issued_on: c.issued_on,
                holder1_no: c.holder1_no.trim(),
                holder2_no: holder2,
                child_no: c.child_no.trim(),
                region_code: holder.region_code.as_str(),
            },
        )?;
        tables::insert_history(tx, id, Action::Issued, c.issued_on, "", 1)?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: CERTIFICATE,
            record_id: &id.to_string(),
            fields: &format!(
                "number={number};holder1={};holder2={};child={}",
                c.holder1_no.trim(),
                holder2.unwrap_or("-"),
                c.child_no.trim()
            ),
        })?;
        Ok(id)
    })
}

/// A certificate when it belongs to the reader's area.
pub fn certificate(store: &Store, actor: &Actor, id: i64) -> Result<Option<Certificate>, Error> {
    let Some(c) = store.with(|c| tables::certificate(c, id))? else {
        return Ok(None);
    };
    let Ok(code) = RegionCode::parse(&c.region_code) else {
        return Ok(None);
    };
    Ok(actor.can_read(&code).then_some(c))
}

/// The certificates of `area` (inside the reader's), by number.
pub fn certificates(
    store: &Store,
    actor: &Actor,
    area: &RegionCode,
    limit: i64,
) -> Result<Vec<Certificate>, Error> {
    if !actor.can_read(area) {
        return Err(Error::Store(StoreError::Forbidden));
    }
    Ok(store.with(|c| tables::certificates_in(c, area, limit))?)
}

/// A certificate's history, oldest first (the caller has checked the area).
pub fn history(store: &Store, certificate: &Certificate) -> Result<Vec<HistoryLine>, Error> {
    Ok(store.with(|c| tables::history(c, certificate.id))?)
}

fn reason_of(reason: &str) -> Result<&str, Error> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 200 {
        return Err(Error::Field(
            "原因不能为空，不超过 200 字",
            "the reason is required, at most 200 characters",
        ));
    }
    Ok(r)
}

/// Changes a certificate of the writer's area in one transaction with its history
/// line and audit entry.
fn change(
    store: &Store,
    actor: &Actor,
    id: i64,
    action: Action,
    on: Date,
    reason: &str,
) -> Result<i64, Error> {
    let reason = reason_of(reason)?;
    store.write(actor, |tx| {
        let c = tables::certificate(tx.conn(), id)?.ok_or(Error::NotFound)?;
        let code = RegionCode::parse(&c.region_code).map_err(|_| Error::NotFound)?;
        if !tx.actor().can_read(&code) {
            return Err(Error::NotFound);
        }
        if !tx.actor().can_write(&code) {
            return Err(Error::Store(StoreError::Forbidden));
        }
        if c.status == Status::Revoked {
            return Err(Error::Revoked);
        }
        let (status, version, audit) = match action {
            Action::Replaced => (Status::Valid, c.version + 1, REPLACE),
            Action::Revoked => (Status::Revoked, c.version, AuditAction::VOID),
            Action::Issued => unreachable!("a certificate is issued once, by `enter`"),
        };
        tables::update_certificate(tx, id, status, version)?;
        tables::insert_history(tx, id, action, on, reason, version)?;
        tx.audit(AuditNote {
            action: audit,
            record: CERTIFICATE,
            record_id: &id.to_string(),
            fields: &format!("version={version};on={on}"),
        })?;
        Ok(version)
    })
}

/// Prints the certificate again (lost, damaged): a new version whose code is the
/// only one that verifies as valid from now on. Returns the new version.
pub fn replace(
    store: &Store,
    actor: &Actor,
    id: i64,
    on: Date,
    reason: &str,
) -> Result<i64, Error> {
    change(store, actor, id, Action::Replaced, on, reason)
}

/// Revokes the certificate with a reason; its codes verify as revoked.
pub fn revoke(store: &Store, actor: &Actor, id: i64, on: Date, reason: &str) -> Result<(), Error> {
    change(store, actor, id, Action::Revoked, on, reason).map(|_| ())
}

/// What the public page shows for a genuine code: what the document shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Shown {
    pub number: String,
    pub issued_on: Date,
    pub holders: Vec<String>,
    pub child: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub outcome: Outcome,
    /// `None` unless the code is genuine.
    pub shown: Option<Shown>,
}

/// Verifies a code anyone scanned, and logs it (time and outcome; the certificate
/// when the code is genuine). A code that is malformed, signed with another key,
/// altered, or names no certificate answers [`Outcome::Forged`] and nothing else.
pub fn verify(store: &Store, key: &CertificateKey, code: &str) -> Result<Verification, Error> {
    let found = match key.verify(code) {
        Some((id, version)) => store
            .with(|c| tables::certificate(c, id))?
            .filter(|c| version >= 1 && version <= c.version)
            .map(|c| (outcome(c.status, c.version, version), c)),
        None => None,
    };
    let public = Actor::operator("公众验证");
    let cert_id = found.as_ref().map(|(_, c)| c.id);
    let v = match found {
        Some((o, c)) => Verification {
            outcome: o,
            shown: Some(Shown {
                number: c.number.clone(),
                issued_on: c.issued_on,
                holders: std::iter::once(c.holder1_name.clone())
                    .chain(c.holder2_name.clone())
                    .collect(),
                child: c.child_name.clone(),
            }),
        },
        None => Verification {
            outcome: Outcome::Forged,
            shown: None,
        },
    };
    store.write(&public, |tx| {
        tables::log_verification(tx, cert_id, v.outcome)?;
        Ok::<_, Error>(())
    })?;
    Ok(v)
}

/// The verification URL printed on version `version` of a certificate:
/// `{base}/verify/{code}`.
pub fn verification_url(base: &str, key: &CertificateKey, id: i64, version: i64) -> String {
    format!(
        "{}/verify/{}",
        base.trim_end_matches('/'),
        key.code(id, version)
    )
}

/// The QR code of `text` as a self-contained SVG.
pub fn qr_svg(text: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|_| Error::Field("二维码内容过长", "the QR code's text is too long"))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build())
}
