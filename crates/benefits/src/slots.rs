//! 月台账 (the month ledger) in the database: one slot per person, program and month
//! (a UNIQUE constraint, so two villages proposing the same person make one slot),
//! due from the latest run and paid at most once, whoever pays it: the payment is a
//! conditional update inside the payer's transaction, with its audit entry.

use crate::error::Error;
use crate::rules::{LedgerError, Month, MonthSlot, Program, Yuan};
use crate::tables::{self, Slot, PAY, SLOT};
use renkou_store::{Actor, AuditNote, Store, StoreError};

/// Pays one due slot its due amount in `batch` (发放批次); refuses a slot already
/// paid or not due.
pub fn pay(
    store: &Store,
    actor: &Actor,
    person_no: &str,
    program: Program,
    month: Month,
    batch: &str,
) -> Result<Yuan, Error> {
    if batch.trim().is_empty() {
        return Err(Error::Invalid(
            "发放批次不能为空 / the payment batch is required".into(),
        ));
    }
    store.write(actor, |tx| {
        let person = tx
            .person(person_no)?
            .ok_or_else(|| StoreError::NoPerson(person_no.to_string()))?;
        if !tx.actor().can_write(&person.region_code) {
            return Err(Error::Store(StoreError::Forbidden));
        }
        let slot = MonthSlot {
            person: person_no.to_string(),
            program,
            month,
        };
        let Some(amount) = tables::pay_slot(tx, person_no, program, month, batch)? else {
            let now = tables::slot(tx.conn(), person_no, program, month)?;
            return Err(match now {
                Some(s) if s.paid_batch.is_some() => LedgerError::AlreadyPaid(slot).into(),
                _ => LedgerError::NotDue(slot).into(),
            });
        };
        tx.audit(AuditNote {
            action: PAY,
            record: SLOT,
            record_id: &format!("{person_no}/{}/{month}", program.code()),
            fields: &format!("amount={amount};batch={batch}"),
        })?;
        Ok(amount)
    })
}

/// A person's month ledger (every program), or `None` when the person is not in
/// the reader's area.
pub fn ledger_of(
    store: &Store,
    actor: &Actor,
    person_no: &str,
) -> Result<Option<Vec<Slot>>, Error> {
    let Some(p) = store.person(person_no)? else {
        return Ok(None);
    };
    if !actor.can_read(&p.region_code) {
        return Ok(None);
    }
    Ok(Some(store.with(|c| tables::slots_of(c, person_no))?))
}

/// What a person's ledger adds up to for one program: due, paid, and the balance
/// (due − paid: back-pay when positive, claw-back when negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Balance {
    pub due_months: u32,
    pub due: Yuan,
    pub paid_months: u32,
    pub paid: Yuan,
    pub balance: Yuan,
}

pub fn balance(slots: &[Slot], program: Program, through: Month) -> Balance {
    let mut b = Balance::default();
    for s in slots
        .iter()
        .filter(|s| s.program == program && s.month <= through)
    {
        if let Some(a) = s.due_amount {
            b.due_months += 1;
            b.due += a;
        }
        if let Some(a) = s.paid_amount {
            b.paid_months += 1;
            b.paid += a;
        }
    }
    b.balance = b.due - b.paid;
    b
}
