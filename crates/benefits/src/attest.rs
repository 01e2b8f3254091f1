//! Attested facts (证明事实): recording a fact the register does not hold, with its
//! document, in one transaction with its audit entry; and reading a person's facts.
//! The person must be in the recorder's area (outside it the answer is "no such
//! person", as for a number nobody has).

use crate::error::Error;
use crate::tables::{self, NewFact, StoredFact, FACT};
use renkou_store::{Actor, AuditAction, AuditNote, Store, StoreError};

/// Records an attested fact; returns its id.
pub fn record_fact(store: &Store, actor: &Actor, fact: &NewFact) -> Result<i64, Error> {
    let value = fact.kind.normalise(&fact.value).map_err(Error::Invalid)?;
    if fact.document.trim().is_empty() {
        return Err(Error::Invalid(
            "证明文件不能为空（名称和编号） / the document (title and number) is required".into(),
        ));
    }
    // As the API describes it (the fuzzer found 222 characters accepted).
    if fact.document.chars().count() > 200 {
        return Err(Error::Invalid(
            "证明文件最多 200 字 / the document: at most 200 characters".into(),
        ));
    }
    store.write(actor, |tx| {
        let person = tx
            .person(&fact.person_no)?
            .ok_or_else(|| StoreError::NoPerson(fact.person_no.clone()))?;
        if !tx.actor().can_write(&person.region_code) {
            return Err(Error::Store(StoreError::Forbidden));
        }
        let id = tables::insert_fact(tx, fact, &value, person.region_code.as_str())?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: FACT,
            record_id: &id.to_string(),
            fields: &format!(
                "person={};kind={};as_of={}",
                fact.person_no,
                fact.kind.code(),
                fact.as_of
            ),
        })?;
        Ok(id)
    })
}

/// A person's attested facts, oldest first; `None` when the person is not in the
/// reader's area.
pub fn facts_of(
    store: &Store,
    actor: &Actor,
    person_no: &str,
) -> Result<Option<Vec<StoredFact>>, Error> {
    let Some(p) = store.person(person_no)? else {
        return Ok(None);
    };
    if !actor.can_read(&p.region_code) {
        return Ok(None);
    }
    Ok(Some(store.with(|c| tables::facts_of(c, person_no))?))
}
