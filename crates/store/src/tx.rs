//! The one write seam. [`Store::write`] opens a transaction and hands the caller a
//! [`Tx`]: recording an event, registering a person, appending an audit entry and a
//! domain's own statements all go through it and commit together, or none of them
//! does (the closure's error, a rule's refusal or a crash rolls everything back).
//!
//! Architecture invariant: a `Tx` belongs to an [`Actor`], and every event it
//! records is checked against the actor's area twice, against the record as it is
//! (outside the area it answers "no such person", as if it did not exist) and
//! against every value the event writes (village, household, parents, spouse), by
//! the register's rules of `renkou_domain::rules`. No caller can forget the check:
//! there is no other way to write an event outside a bulk import, and imports check
//! the same rules row by row.

use crate::audit::{append, AuditAuthor, AuditKey, AuditNote};
use crate::conn::{Conn, SqliteConn};
use crate::error::{Result, StoreError};
use crate::persons::{append_event, load_person, write_state};
use crate::value::Value;
use crate::{Backend, Pool, Store};
use renkou_domain::account::Scope;
use renkou_domain::event::{apply, EventKind, PersonEvent};
use renkou_domain::quality::QualityIssue;
use renkou_domain::rules::{self, Entry, Facts, Found, HouseholdFact, IdHolder};
use renkou_domain::{PersonRecord, RegionCode};

/// Who is writing, from where, and within which area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Account name (recorded on every event and audit entry).
    pub username: String,
    /// The client's address, or `local` for the command line.
    pub address: String,
    /// The account's role and area; `None` for the operator of the server at its
    /// command line, who may write anywhere.
    pub scope: Option<Scope>,
}

impl Actor {
    /// The person at the server's command line.
    pub fn operator(username: impl Into<String>) -> Actor {
        Actor {
            username: username.into(),
            address: "local".into(),
            scope: None,
        }
    }

    /// An account logged in to the web or the API.
    pub fn account(username: impl Into<String>, address: impl Into<String>, scope: Scope) -> Actor {
        Actor {
            username: username.into(),
            address: address.into(),
            scope: Some(scope),
        }
    }

    pub fn can_read(&self, code: &RegionCode) -> bool {
        self.scope.as_ref().is_none_or(|s| s.can_read(code))
    }

    pub fn can_write(&self, code: &RegionCode) -> bool {
        self.scope.as_ref().is_none_or(|s| s.can_write(code))
    }

    /// The area the actor is limited to, if any.
    pub fn area(&self) -> Option<&RegionCode> {
        self.scope.as_ref().map(|s| &s.region)
    }
}

fn voided_by(c: &mut dyn Conn, person_no: &str) -> Result<Option<i64>> {
    Ok(c.query_one(
        "SELECT voided_by FROM persons WHERE person_no = $1",
        &[person_no.into()],
    )?
    .and_then(|r| r[0].int()))
}

/// A transaction in progress; see the module's documentation.
pub struct Tx<'a> {
    c: &'a mut dyn Conn,
    actor: &'a Actor,
    key: &'a AuditKey,
    today: renkou_domain::Date,
}

impl Store {
    /// Runs `f` in one transaction as `actor`: committed when it returns `Ok`,
    /// rolled back otherwise.
    pub fn write<T, E: From<StoreError>>(
        &self,
        actor: &Actor,
        f: impl FnOnce(&mut Tx<'_>) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let key = self.audit_key()?;
        match &self.pool {
            Pool::Sqlite(p) => {
                let c = p.get().map_err(StoreError::from)?;
                run(&mut SqliteConn(&c), actor, key, f)
            }
            Pool::Postgres(p) => {
                let mut c = p.get().map_err(StoreError::from)?;
                run(&mut *c, actor, key, f)
            }
        }
    }
}

pub(crate) fn run<T, E: From<StoreError>>(
    c: &mut dyn Conn,
    actor: &Actor,
    key: &AuditKey,
    f: impl FnOnce(&mut Tx<'_>) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    c.batch(crate::begin_sql(c.backend()))?;
    let mut tx = Tx {
        c,
        actor,
        key,
        today: chrono::Local::now().date_naive(),
    };
    match f(&mut tx) {
        Ok(v) => match tx.c.batch("COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                // A COMMIT that fails on SQLite (busy) leaves the transaction open.
                let _ = tx.c.batch("ROLLBACK");
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = tx.c.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Wraps a connection that already holds an open transaction (a bulk import's) so
/// that its last statements are written the same way.
pub(crate) fn within<T>(
    c: &mut dyn Conn,
    actor: &Actor,
    key: &AuditKey,
    f: impl FnOnce(&mut Tx<'_>) -> Result<T>,
) -> Result<T> {
    let mut tx = Tx {
        c,
        actor,
        key,
        today: chrono::Local::now().date_naive(),
    };
    f(&mut tx)
}

impl<'a> Tx<'a> {
    pub fn actor(&self) -> &Actor {
        self.actor
    }

    /// The transaction's connection, for a domain's own statements.
    pub fn conn(&mut self) -> &mut dyn Conn {
        self.c
    }

    pub fn backend(&self) -> Backend {
        self.c.backend()
    }

    /// Appends an audit entry by this transaction's actor.
    pub fn audit(&mut self, note: AuditNote<'_>) -> Result<i64> {
        append(
            self.c,
            self.key,
            AuditAuthor {
                username: &self.actor.username,
                address: &self.actor.address,
            },
            &note,
        )
    }

    /// A person as the register holds them inside this transaction, when they
    /// live in the actor's area (`None` otherwise, as for a number nobody has).
    pub fn person(&mut self, no: &str) -> Result<Option<PersonRecord>> {
        Ok(load_person(self.c, no)?.filter(|p| self.actor.can_read(&p.region_code)))
    }

    /// Records one event on a person: the fold checks the event's own rules
    /// (dying twice, a stale correction), [`rules::check_write`] the register's
    /// and the actor's area; then the event is appended and the current state
    /// updated. Returns the event's sequence number.
    pub fn record_event(&mut self, person_no: &str, kind: EventKind, source: &str) -> Result<i64> {
        let prev = load_person(self.c, person_no)?
            .filter(|p| self.actor.can_read(&p.region_code))
            .ok_or_else(|| StoreError::NoPerson(person_no.to_string()))?;
        if !self.actor.can_write(&prev.region_code) {
            return Err(StoreError::Forbidden);
        }
        if matches!(kind, EventKind::Registered { .. } | EventKind::Birth { .. }) {
            return Err(renkou_domain::event::FoldError::AlreadyRegistered.into());
        }
        let voided = self.voided_by(person_no)?;
        // A revocation is computed here from the person's history, whatever a
        // client sent: it puts back exactly what the revoked event replaced.
        let kind = match kind {
            EventKind::Revoke { seq, reason, .. } => {
                let history = self.history(person_no)?;
                let numbered: Vec<(i64, &EventKind)> =
                    history.iter().map(|(s, e)| (*s, e)).collect();
                renkou_domain::event::revocation(&numbered, seq, &reason)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?
            }
            other => other,
        };
        let unvoids = matches!(&kind, EventKind::Revoke { revoked, .. } if revoked == "void");
        if voided.is_some() && !unvoids {
            return Err(StoreError::Invalid(
                "此记录已注销，不能再登记事件（可先撤销注销）/ the record is void; revoke the void first"
                    .into(),
            ));
        }
        let voids = matches!(kind, EventKind::Void { .. });
        let next = apply(Some(prev.clone()), &kind)?;
        let issues = self.check(&kind, Some(&prev), &next)?;
        let seq = self.append(next, kind, source, Some(prev), issues, None)?;
        if voids || unvoids {
            self.c.exec(
                "UPDATE persons SET voided_by = $1 WHERE person_no = $2",
                &[
                    if voids { Value::Int(seq) } else { Value::Null },
                    person_no.into(),
                ],
            )?;
        }
        Ok(seq)
    }

    /// The void in force on a person (the number of its Void event), if any.
    pub fn voided_by(&mut self, person_no: &str) -> Result<Option<i64>> {
        voided_by(self.c, person_no)
    }

    /// A person's events with their numbers, in order, inside this transaction.
    pub fn history(&mut self, person_no: &str) -> Result<Vec<(i64, EventKind)>> {
        self.c
            .query(
                "SELECT seq, payload FROM events WHERE person_no = $1 ORDER BY seq",
                &[person_no.into()],
            )?
            .iter()
            .map(|r| {
                let kind: EventKind = serde_json::from_str(r[1].as_str().unwrap_or_default())
                    .map_err(|e| StoreError::Corrupt(format!("events.payload: {e}")))?;
                Ok((r[0].int().unwrap_or(0), kind))
            })
            .collect()
    }

    /// Records an event exactly as given, with its own person number: a birth or
    /// registration under a chosen number is the operator's (the command line,
    /// fixtures, imports replayed); an account's is refused, as it would let a
    /// client pick numbers. The same rules and area checks as [`Tx::record_event`].
    pub fn record(&mut self, e: &PersonEvent) -> Result<i64> {
        match &e.kind {
            EventKind::Birth { person } | EventKind::Registered { person } => {
                if self.actor.scope.is_some() {
                    return Err(StoreError::Forbidden);
                }
                if load_person(self.c, &e.person_no)?.is_some() {
                    return Err(renkou_domain::event::FoldError::AlreadyRegistered.into());
                }
                let next = apply(None, &e.kind)?;
                if next.person_no != e.person_no {
                    return Err(StoreError::Invalid(
                        "事件中的人员编号与人员不符 / the event's person number does not match"
                            .into(),
                    ));
                }
                let issues = self.check(&e.kind, None, person)?;
                self.append(next, e.kind.clone(), &e.source, None, issues, None)
            }
            kind => self.record_event(&e.person_no, kind.clone(), &e.source),
        }
    }

    /// Registers a person entered by hand who is not yet in the register (a
    /// mother or father moving in with a newborn, a bride marrying in). The
    /// register numbers them; returns the new person number.
    pub fn register_person(&mut self, person: PersonRecord, source: &str) -> Result<String> {
        self.record_new(person, false, source)
    }

    /// Registers a person read from a file (a village roster): numbered by the
    /// register like [`Tx::register_person`], with the rules of a file's facts
    /// (an ID number that contradicts the stated birth date or sex, or that
    /// another person holds, is listed for review instead of refused).
    /// `extra` holds the row's cells the register has no field for (a JSON
    /// object by header), kept beside the person as an import keeps them.
    pub fn register_from_file(
        &mut self,
        person: PersonRecord,
        source: &str,
        extra: Option<&str>,
    ) -> Result<String> {
        self.record_new_as(person, false, source, Entry::File, extra)
    }

    /// Puts a data-quality issue a use case found on the list (once per person
    /// and kind), in this transaction. The person must be of the actor's area.
    pub fn flag(&mut self, q: &QualityIssue) -> Result<()> {
        if self.person(&q.person_no)?.is_none() {
            return Err(StoreError::NoPerson(q.person_no.clone()));
        }
        self.c.exec(
            "INSERT INTO quality_issues (person_no, kind, message, import_id, created_at) VALUES ($1, $2, $3, NULL, $4) \
             ON CONFLICT (person_no, kind) DO NOTHING",
            &[
                q.person_no.as_str().into(),
                q.kind.as_str().into(),
                q.message.as_str().into(),
                crate::now().into(),
            ],
        )?;
        Ok(())
    }

    /// Records a birth entered by hand: the child gets a new person number
    /// ("W" and a number unique to this transaction), so concurrent births never
    /// collide and no client chooses a number. Returns it.
    pub fn record_birth(&mut self, child: PersonRecord, source: &str) -> Result<String> {
        self.record_new(child, true, source)
    }

    fn record_new(&mut self, p: PersonRecord, birth: bool, source: &str) -> Result<String> {
        self.record_new_as(p, birth, source, Entry::Direct, None)
    }

    fn record_new_as(
        &mut self,
        mut p: PersonRecord,
        birth: bool,
        source: &str,
        entry: Entry,
        extra: Option<&str>,
    ) -> Result<String> {
        if self
            .actor
            .scope
            .as_ref()
            .is_some_and(|s| !s.role.edits_personal_records())
        {
            return Err(StoreError::Forbidden);
        }
        // PostgreSQL: a sequence of its own, not the events' one, so that a birth
        // does not leave a hole in the event numbers (a hole is what a late commit
        // looks like to the search index, which re-checks holes).
        let sql = match self.c.backend() {
            Backend::Postgres => "SELECT nextval('person_no_seq')",
            Backend::Sqlite => "SELECT COALESCE(MAX(seq), 0) + 1 FROM events",
        };
        let n = self
            .c
            .query_one(sql, &[])?
            .and_then(|r| r[0].int())
            .ok_or_else(|| StoreError::Corrupt("person number sequence".into()))?;
        p.person_no = format!("W{n:09}");
        if load_person(self.c, &p.person_no)?.is_some() {
            return Err(StoreError::Invalid(format!(
                "人员编号 {} 已被占用 / person number {} is taken",
                p.person_no, p.person_no
            )));
        }
        if p.household_no.is_empty() {
            // A person entered on their own starts a household of their own.
            p.household_no = format!("H{}", p.person_no);
        }
        let kind = if birth {
            EventKind::Birth { person: p.clone() }
        } else {
            EventKind::Registered { person: p.clone() }
        };
        let issues = self.check_as(&kind, None, &p, entry)?;
        let no = p.person_no.clone();
        self.append(p, kind, source, None, issues, extra)?;
        Ok(no)
    }

    fn append(
        &mut self,
        next: PersonRecord,
        kind: EventKind,
        source: &str,
        prev: Option<PersonRecord>,
        issues: Vec<QualityIssue>,
        extra: Option<&str>,
    ) -> Result<i64> {
        let e = PersonEvent {
            person_no: next.person_no.clone(),
            kind,
            recorded_by: self.actor.username.clone(),
            recorded_at: String::new(),
            source: source.to_string(),
        };
        let seq = append_event(self.c, &e, crate::now(), None)?;
        write_state(self.c, &next, seq, prev.is_some(), extra)?;
        for q in &issues {
            self.c.exec(
                "INSERT INTO quality_issues (person_no, kind, message, import_id, created_at) VALUES ($1, $2, $3, NULL, $4) \
                 ON CONFLICT (person_no, kind) DO NOTHING",
                &[
                    q.person_no.as_str().into(),
                    q.kind.as_str().into(),
                    q.message.as_str().into(),
                    crate::now().into(),
                ],
            )?;
        }
        Ok(seq)
    }

    /// Looks up what the rules need and applies them.
    fn check(
        &mut self,
        kind: &EventKind,
        prev: Option<&PersonRecord>,
        next: &PersonRecord,
    ) -> Result<Vec<QualityIssue>> {
        self.check_as(kind, prev, next, Entry::Direct)
    }

    fn check_as(
        &mut self,
        kind: &EventKind,
        prev: Option<&PersonRecord>,
        next: &PersonRecord,
        entry: Entry,
    ) -> Result<Vec<QualityIssue>> {
        let region_known = self
            .c
            .query_one(
                "SELECT 1 FROM regions WHERE code = $1",
                &[next.region_code.as_str().into()],
            )?
            .is_some();
        let household = match self.c.query_one(
            "SELECT region_code FROM households WHERE household_no = $1",
            &[next.household_no.as_str().into()],
        )? {
            None => HouseholdFact::New,
            Some(r) => {
                let region = r[0].text().unwrap_or_default();
                match RegionCode::parse(&region) {
                    Ok(code) if self.actor.can_write(&code) => HouseholdFact::Here(region),
                    _ => HouseholdFact::Elsewhere,
                }
            }
        };
        let spouse = match kind {
            EventKind::Marriage {
                spouse_no: Some(s), ..
            } => Some(s.clone()),
            _ => None,
        };
        let mut found = |no: Option<&String>| -> Result<Option<Found>> {
            let Some(no) = no else { return Ok(None) };
            Ok(Some(match load_person(self.c, no)? {
                // A voided record is no one's mother, father or spouse: it counts
                // nowhere, like a number nobody has.
                Some(p)
                    if self.actor.can_read(&p.region_code) && voided_by(self.c, no)?.is_none() =>
                {
                    Found::Here {
                        sex: p.sex,
                        birth_date: p.birth_date,
                    }
                }
                _ => Found::Nowhere,
            }))
        };
        let mother = found(next.mother_no.as_ref())?;
        let father = found(next.father_no.as_ref())?;
        let spouse = found(spouse.as_ref())?;
        // A voided record holds no ID number: voiding a wrong entry and entering
        // the person again right is how a clerk corrects one.
        // Of several holders (a file's duplicates), one the writer may see is named.
        let id_held_by = match &next.id_number {
            Some(id) => {
                let holders = self.c.query(
                    "SELECT person_no, region_code FROM persons WHERE id_number = $1 AND person_no <> $2 \
                     AND voided_by IS NULL ORDER BY person_no LIMIT 20",
                    &[id.to_string().into(), next.person_no.as_str().into()],
                )?;
                let here = holders.iter().find_map(|r| {
                    RegionCode::parse(r[1].as_str().unwrap_or_default())
                        .is_ok_and(|c| self.actor.can_read(&c))
                        .then(|| r[0].text())
                        .flatten()
                });
                match here {
                    Some(no) => Some(IdHolder::Here(no)),
                    None if holders.is_empty() => None,
                    None => Some(IdHolder::Elsewhere),
                }
            }
            None => None,
        };
        let facts = Facts {
            region_known,
            region_in_area: self.actor.can_write(&next.region_code),
            household,
            mother,
            father,
            spouse,
            id_held_by,
            today: self.today,
        };
        rules::check_write(kind, prev, next, &facts, entry).map_err(|r| match r {
            rules::Refusal::RegionOutsideArea(_) | rules::Refusal::HouseholdOutsideArea(_) => {
                StoreError::OutsideArea(r.to_string())
            }
            other => StoreError::Refused(other),
        })
    }

    /// Runs a statement of the domain's own with parameters (shorthand).
    pub fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.c.exec(sql, params)
    }
}
