//! Reads for the application's in-memory person search index: the newest event
//! sequence number, and the persons whose events arrived after a given one, so the
//! index can follow the event log without rereading the register.
//!
//! Each call is one statement, so the persons it returns and the sequence numbers it
//! reports come from one snapshot of the database.

use crate::error::Result;
use crate::persons::{to_person, PERSON_COLS};
use crate::Store;
use renkou_domain::PersonRecord;
use std::collections::HashMap;

/// The persons touched by the events of a range of sequence numbers, each in its
/// current state, with the sequence numbers of the events seen (ascending).
#[derive(Debug, Clone, Default)]
pub struct ChangedPersons {
    pub persons: Vec<PersonRecord>,
    pub seqs: Vec<i64>,
}

fn joined_cols() -> String {
    PERSON_COLS
        .split(',')
        .map(|c| format!("p.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// The sequence number of the newest event, 0 for an empty register. Cheap (the
    /// maximum of the primary key): callers poll it to see whether anything changed.
    /// On PostgreSQL a smaller number can commit after a larger one; see
    /// `PersonIndex` for how the search index copes.
    pub fn last_event_seq(&self) -> Result<i64> {
        self.with(|c| {
            Ok(c.query_one("SELECT MAX(seq) FROM events", &[])?
                .and_then(|r| r[0].int())
                .unwrap_or(0))
        })
    }

    /// Streams every person of the register in storage order, voided records
    /// included (the search shows them marked, so that a void can be found and
    /// revoked). Unlike [`Store::for_each_live_person_in`] there is no `ORDER BY`,
    /// so SQLite does not sort a county in a temporary b-tree first: for building
    /// in-memory indexes.
    pub fn for_each_person_unordered(
        &self,
        f: &mut dyn FnMut(PersonRecord) -> Result<()>,
    ) -> Result<()> {
        self.with(|c| {
            c.query_each(
                &format!("SELECT {PERSON_COLS} FROM persons"),
                &[],
                &mut |r| f(to_person(&r)?),
            )
        })
    }

    /// The persons with an event after `seq`, in their current state, and the newest
    /// sequence number seen (`seq` itself when nothing is newer).
    pub fn persons_changed_since(&self, seq: i64) -> Result<(Vec<PersonRecord>, i64)> {
        let changed = self.persons_changed_after(seq)?;
        let last = changed.seqs.last().copied().unwrap_or(seq).max(seq);
        Ok((changed.persons, last))
    }

    /// The persons with an event after `after`, in their current state, with the
    /// sequence numbers seen.
    pub fn persons_changed_after(&self, after: i64) -> Result<ChangedPersons> {
        self.changed_persons("e.seq > $1", &[after.into()])
    }

    /// The persons with an event whose sequence number lies in one of `ranges`
    /// (inclusive), in their current state, with the sequence numbers seen: one
    /// statement for every gap a search index is waiting on, however many (on
    /// PostgreSQL a transaction that drew a lower number may commit after one that
    /// drew a higher number).
    pub fn persons_changed_in(&self, ranges: &[(i64, i64)]) -> Result<ChangedPersons> {
        if ranges.is_empty() {
            return Ok(ChangedPersons::default());
        }
        let cond = (0..ranges.len())
            .map(|i| format!("(e.seq >= ${} AND e.seq <= ${})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(" OR ");
        let params: Vec<crate::Value> = ranges
            .iter()
            .flat_map(|&(lo, hi)| [lo.into(), hi.into()])
            .collect();
        self.changed_persons(&cond, &params)
    }

    /// The persons of the events matching `condition` (on `e.seq`), each once.
    fn changed_persons(&self, condition: &str, params: &[crate::Value]) -> Result<ChangedPersons> {
        let sql = format!(
            "SELECT e.seq, {} FROM events e JOIN persons p ON p.person_no = e.person_no \
             WHERE {condition} ORDER BY e.seq",
            joined_cols()
        );
        self.with(|c| {
            let mut out = ChangedPersons::default();
            // One person with several new events is returned once.
            let mut seen: HashMap<String, ()> = HashMap::new();
            c.query_each(&sql, params, &mut |r| {
                out.seqs.push(r[0].int().unwrap_or(0));
                let p = to_person(&r[1..])?;
                if seen.insert(p.person_no.clone(), ()).is_none() {
                    out.persons.push(p);
                }
                Ok(())
            })?;
            Ok(out)
        })
    }

    /// The sequence numbers of the events after `seq`, ascending (to find gaps in the
    /// most recent numbers when an index is built).
    pub fn event_seqs_since(&self, seq: i64) -> Result<Vec<i64>> {
        self.with(|c| {
            let mut out = Vec::new();
            c.query_each(
                "SELECT seq FROM events WHERE seq > $1 ORDER BY seq",
                &[seq.into()],
                &mut |r| {
                    out.push(r[0].int().unwrap_or(0));
                    Ok(())
                },
            )?;
            Ok(out)
        })
    }
}
