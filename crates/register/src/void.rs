//! 注销 and 撤销: mistakes undone by events, never by deleting anything.
//!
//! A record entered by mistake (the same birth saved twice) is voided with a
//! reason: the person keeps their page and history, but from that event on they
//! count in no indicator, list or birth order (the store leaves `voided_by`
//! persons out of every read), so the mother's other children take their orders
//! back. A wrong event (a death, a marriage, a move entered on the wrong person)
//! is revoked: the register puts back exactly the values it replaced
//! (`renkou_domain::event::revocation`). Revoking the void puts the person back.
//! Each is one transaction with its audit entry, checked against the writer's area.

use crate::error::AppError;
use renkou_domain::event::EventKind;
use renkou_store::{Actor, AuditAction, AuditNote, RecordKind, Store};

fn reason_of(reason: &str) -> Result<String, AppError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(AppError::Invalid(
            "请填写原因 / a reason is required".into(),
        ));
    }
    Ok(r.to_string())
}

/// Voids a record entered by mistake. Returns the void's event number.
pub fn void_record(
    store: &Store,
    actor: &Actor,
    person_no: &str,
    reason: &str,
) -> Result<i64, AppError> {
    let reason = reason_of(reason)?;
    store.write(actor, |tx| {
        if tx.voided_by(person_no)?.is_some() {
            return Err(AppError::Invalid(
                "此记录已注销 / the record is already void".into(),
            ));
        }
        let seq = tx.record_event(person_no, EventKind::Void { reason }, "web")?;
        tx.audit(AuditNote {
            action: AuditAction::VOID,
            record: RecordKind::PERSON,
            record_id: person_no,
            fields: &format!("void #{seq}"),
        })?;
        Ok(seq)
    })
}

/// Revokes event `seq` of a person (a void included: the person counts again).
/// A marriage recorded on both spouses is revoked on both. Returns the
/// revocation's event number.
pub fn revoke_event(
    store: &Store,
    actor: &Actor,
    person_no: &str,
    seq: i64,
    reason: &str,
) -> Result<i64, AppError> {
    let reason = reason_of(reason)?;
    store.write(actor, |tx| {
        let history = tx.history(person_no)?;
        let target = history
            .iter()
            .find(|(s, _)| *s == seq)
            .map(|(_, e)| e.clone())
            .ok_or_else(|| {
                AppError::Invalid(format!(
                    "找不到该人员的第 {seq} 号事件 / person has no event {seq}"
                ))
            })?;
        let revoke = |seq: i64| EventKind::Revoke {
            seq,
            revoked: String::new(),
            reason: reason.clone(),
            changes: Vec::new(),
        };
        let done = tx.record_event(person_no, revoke(seq), "web")?;
        tx.audit(AuditNote {
            action: AuditAction::VOID,
            record: RecordKind::PERSON,
            record_id: person_no,
            fields: &format!("revoke #{seq}"),
        })?;
        // The spouse's side of the same marriage.
        if let EventKind::Marriage {
            date,
            spouse_no: Some(spouse),
            ..
        } = &target
        {
            if tx.person(spouse)?.is_some() {
                let theirs = tx.history(spouse)?;
                let revoked = renkou_domain::event::revoked_seqs(
                    &theirs.iter().map(|(s, e)| (*s, e)).collect::<Vec<_>>(),
                );
                let other = theirs.iter().rev().find(|(s, e)| {
                    !revoked.contains(s)
                        && matches!(e, EventKind::Marriage { date: d, spouse_no: Some(n), .. }
                            if d == date && n == person_no)
                });
                if let Some((other_seq, _)) = other {
                    tx.record_event(spouse, revoke(*other_seq), "web")?;
                    tx.audit(AuditNote {
                        action: AuditAction::VOID,
                        record: RecordKind::PERSON,
                        record_id: spouse,
                        fields: &format!("revoke #{other_seq}"),
                    })?;
                }
            }
        }
        Ok::<_, AppError>(done)
    })
}

/// Which of a person's events are revoked, and by which event: (revoked, by).
pub fn revocations(events: &[(i64, EventKind)]) -> Vec<(i64, i64)> {
    events
        .iter()
        .filter_map(|(by, e)| match e {
            EventKind::Revoke { seq, .. } => Some((*seq, *by)),
            _ => None,
        })
        .collect()
}
