//! Persons and their events: reads of the current state and the event history, and
//! the two statements every write ends with (append the event, write the state);
//! recording an event goes through [`crate::Tx`].

use crate::conn::{Conn, Row};
use crate::error::{Result, StoreError};
use crate::value::Value;
use crate::Store;
use renkou_domain::event::{EventKind, PersonEvent};
use renkou_domain::{Date, IdNumber, MaritalStatus, PersonRecord, RegionCode, Residence, Sex};

pub(crate) const PERSON_COLS: &str = "person_no, name, sex, birth_date, id_number, household_no, \
     region_code, marital_status, mother_no, father_no, residence, phone, death_date, relation";

/// An event as stored, with its sequence number and import (if any).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub event: PersonEvent,
    pub import_id: Option<i64>,
}

/// A child with the birth order the register derives for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChildOrder {
    pub person_no: String,
    pub birth_date: Date,
    pub birth_order: u32,
}

pub(crate) fn to_person(r: &[Value]) -> Result<PersonRecord> {
    let bad = |what: &str| StoreError::Corrupt(format!("persons.{what}"));
    Ok(PersonRecord {
        person_no: r[0].text().ok_or_else(|| bad("person_no"))?,
        name: r[1].text().unwrap_or_default(),
        sex: Sex::from_code(r[2].int().unwrap_or(0)),
        birth_date: r[3].date().ok_or_else(|| bad("birth_date"))?,
        id_number: r[4]
            .as_str()
            .map(IdNumber::parse)
            .transpose()
            .map_err(|_| bad("id_number"))?,
        household_no: r[5].text().unwrap_or_default(),
        region_code: RegionCode::parse(r[6].as_str().unwrap_or_default())
            .map_err(|_| bad("region_code"))?,
        marital_status: MaritalStatus::from_code(r[7].int().unwrap_or(90)),
        mother_no: r[8].text(),
        father_no: r[9].text(),
        residence: Residence::parse(r[10].as_str().unwrap_or_default())
            .map_err(|_| bad("residence"))?,
        phone: r[11].text(),
        death_date: r[12].date(),
        relation: r[13]
            .as_str()
            .map(renkou_domain::Relation::parse)
            .transpose()
            .map_err(|_| bad("relation"))?,
    })
}

/// The 14 person columns as parameters, in [`PERSON_COLS`] order.
pub(crate) fn person_params(p: &PersonRecord) -> Vec<Value> {
    vec![
        p.person_no.as_str().into(),
        p.name.as_str().into(),
        Value::Int(p.sex.code() as i64),
        p.birth_date.into(),
        p.id_number.as_ref().map(|i| i.to_string()).into(),
        p.household_no.as_str().into(),
        p.region_code.as_str().into(),
        Value::Int(p.marital_status.code() as i64),
        p.mother_no.clone().into(),
        p.father_no.clone().into(),
        p.residence.as_str().into(),
        p.phone.clone().into(),
        p.death_date.into(),
        p.relation.map(|r| r.code()).into(),
    ]
}

pub(crate) fn load_person(c: &mut dyn Conn, no: &str) -> Result<Option<PersonRecord>> {
    c.query_one(
        &format!("SELECT {PERSON_COLS} FROM persons WHERE person_no = $1"),
        &[no.into()],
    )?
    .as_deref()
    .map(to_person)
    .transpose()
}

pub(crate) fn to_event(r: &Row) -> Result<StoredEvent> {
    let payload = r[2].as_str().unwrap_or_default();
    let kind: EventKind = serde_json::from_str(payload)
        .map_err(|e| StoreError::Corrupt(format!("events.payload: {e}")))?;
    Ok(StoredEvent {
        seq: r[0].int().unwrap_or(0),
        event: PersonEvent {
            person_no: r[1].text().unwrap_or_default(),
            kind,
            recorded_by: r[3].text().unwrap_or_default(),
            recorded_at: r[4]
                .time()
                .map(|t| t.to_rfc3339())
                .or_else(|| r[4].text())
                .unwrap_or_default(),
            source: r[5].text().unwrap_or_default(),
        },
        import_id: r[6].int(),
    })
}

const EVENT_COLS: &str = "seq, person_no, payload, recorded_by, recorded_at, source, import_id";
/// [`EVENT_COLS`] of an events table named `e`.
pub(crate) const EVENT_COLS_E: &str =
    "e.seq, e.person_no, e.payload, e.recorded_by, e.recorded_at, e.source, e.import_id";

/// Appends one event row; returns its sequence number.
pub(crate) fn append_event(
    c: &mut dyn Conn,
    e: &PersonEvent,
    recorded_at: chrono::DateTime<chrono::Utc>,
    import_id: Option<i64>,
) -> Result<i64> {
    let payload =
        serde_json::to_string(&e.kind).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let row = c.query_one(
        "INSERT INTO events (person_no, kind, occurred_on, payload, recorded_by, recorded_at, source, import_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
        &[
            e.person_no.as_str().into(),
            e.kind.as_str().into(),
            e.kind.occurred_on().into(),
            payload.into(),
            e.recorded_by.as_str().into(),
            recorded_at.into(),
            e.source.as_str().into(),
            import_id.into(),
        ],
    )?;
    row.and_then(|r| r[0].int())
        .ok_or_else(|| StoreError::Corrupt("INSERT INTO events returned no seq".into()))
}

pub(crate) fn ensure_household(c: &mut dyn Conn, p: &PersonRecord) -> Result<()> {
    c.exec(
        "INSERT INTO households (household_no, region_code) VALUES ($1, $2) ON CONFLICT (household_no) DO NOTHING",
        &[p.household_no.as_str().into(), p.region_code.as_str().into()],
    )?;
    Ok(())
}

/// Writes the current state of a person after event `seq`.
pub(crate) fn write_state(
    c: &mut dyn Conn,
    p: &PersonRecord,
    seq: i64,
    existed: bool,
    extra: Option<&str>,
) -> Result<()> {
    ensure_household(c, p)?;
    let mut params = person_params(p);
    params.push(Value::Int(seq));
    if existed {
        c.exec(
            "UPDATE persons SET name = $2, sex = $3, birth_date = $4, id_number = $5, household_no = $6, \
             region_code = $7, marital_status = $8, mother_no = $9, father_no = $10, residence = $11, \
             phone = $12, death_date = $13, relation = $14, last_event = $15 WHERE person_no = $1",
            &params,
        )?;
    } else {
        params.push(extra.into());
        c.exec(
            &format!(
                "INSERT INTO persons ({PERSON_COLS}, last_event, extra) VALUES \
                 ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            ),
            &params,
        )?;
    }
    Ok(())
}

/// Birth date, sex and village of those of `nos` who are in the register.
pub(crate) fn lookup_birth_sex(
    c: &mut dyn Conn,
    nos: &[String],
) -> Result<std::collections::HashMap<String, (Date, Sex, RegionCode)>> {
    let mut out = std::collections::HashMap::new();
    for chunk in nos.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let params: Vec<Value> = chunk.iter().map(|n| n.as_str().into()).collect();
        for row in c.query(
            &format!(
                "SELECT person_no, birth_date, sex, region_code FROM persons WHERE person_no IN ({})",
                list.join(", ")
            ),
            &params,
        )? {
            if let (Some(no), Some(d), Ok(r)) = (
                row[0].text(),
                row[1].date(),
                RegionCode::parse(row[3].as_str().unwrap_or_default()),
            ) {
                out.insert(no, (d, Sex::from_code(row[2].int().unwrap_or(0)), r));
            }
        }
    }
    Ok(out)
}

impl Store {
    /// Of `nos`, the persons in the register who live outside `area`.
    pub fn persons_outside(
        &self,
        nos: &[String],
        area: Option<&RegionCode>,
    ) -> Result<std::collections::HashSet<String>> {
        let Some(area) = area else {
            return Ok(Default::default());
        };
        Ok(self
            .with(|c| lookup_birth_sex(c, nos))?
            .into_iter()
            .filter(|(_, (_, _, r))| !area.contains(r))
            .map(|(k, _)| k)
            .collect())
    }

    /// Birth date and sex of those of `nos` who are in the register and in `area`
    /// (all of them without one).
    pub fn lookup_birth_sex(
        &self,
        nos: &[String],
        area: Option<&RegionCode>,
    ) -> Result<std::collections::HashMap<String, (Date, Sex)>> {
        Ok(self
            .with(|c| lookup_birth_sex(c, nos))?
            .into_iter()
            .filter(|(_, (_, _, r))| area.is_none_or(|a| a.contains(r)))
            .map(|(k, (d, s, _))| (k, (d, s)))
            .collect())
    }

    /// The void in force on a person (the number of its 注销 event), if any.
    pub fn voided_by(&self, no: &str) -> Result<Option<i64>> {
        self.with(|c| {
            Ok(c.query_one(
                "SELECT voided_by FROM persons WHERE person_no = $1",
                &[no.into()],
            )?
            .and_then(|r| r[0].int()))
        })
    }

    /// Every voided person with the number of the void in force (for `verify`).
    pub fn voided_persons(&self) -> Result<Vec<(String, i64)>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT person_no, voided_by FROM persons WHERE voided_by IS NOT NULL",
                &[],
            )?
            .iter()
            .filter_map(|r| Some((r[0].text()?, r[1].int()?)))
            .collect())
        })
    }

    pub fn person(&self, no: &str) -> Result<Option<PersonRecord>> {
        self.with(|c| load_person(c, no))
    }

    /// A person's events in the order they were recorded.
    pub fn person_events(&self, no: &str) -> Result<Vec<StoredEvent>> {
        self.with(|c| {
            c.query(
                &format!("SELECT {EVENT_COLS} FROM events WHERE person_no = $1 ORDER BY seq"),
                &[no.into()],
            )?
            .iter()
            .map(to_event)
            .collect()
        })
    }

    /// Streams every record whose village lies in `region`, ordered by person
    /// number, the voided ones (注销) included: for what must see the register's
    /// rows as they are (a check that a refused write changed nothing). Anything
    /// shown or handed to people (lists, exports, prints, matching a file's rows)
    /// reads [`Store::for_each_live_person_in`]: a voided record counts nowhere.
    pub fn for_each_person_in_including_voided(
        &self,
        region: &RegionCode,
        f: &mut dyn FnMut(PersonRecord) -> Result<()>,
    ) -> Result<()> {
        let (lo, hi) = crate::prefix_range(region.prefix());
        self.with(|c| {
            c.query_each(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE region_code >= $1 AND region_code < $2 ORDER BY person_no"
                ),
                &[lo.into(), hi.into()],
                &mut |r| f(to_person(&r)?),
            )
        })
    }

    /// Streams the live persons whose village lies in `region`, ordered by person
    /// number: the register as it counts, without the records voided as wrongly
    /// entered (see [`Store::for_each_person_in_including_voided`]).
    pub fn for_each_live_person_in(
        &self,
        region: &RegionCode,
        f: &mut dyn FnMut(PersonRecord) -> Result<()>,
    ) -> Result<()> {
        let (lo, hi) = crate::prefix_range(region.prefix());
        self.with(|c| {
            c.query_each(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE region_code >= $1 AND region_code < $2 \
                     AND voided_by IS NULL ORDER BY person_no"
                ),
                &[lo.into(), hi.into()],
                &mut |r| f(to_person(&r)?),
            )
        })
    }

    /// Every person number with its events, in person and sequence order: for the
    /// invariant check that the current state equals the fold of the events.
    pub fn for_each_event(&self, f: &mut dyn FnMut(StoredEvent) -> Result<()>) -> Result<()> {
        self.with(|c| {
            c.query_each(
                &format!("SELECT {EVENT_COLS} FROM events ORDER BY person_no, seq"),
                &[],
                &mut |r| f(to_event(&r)?),
            )
        })
    }

    /// Streams every person as the register held them just after event `seq`: the
    /// fold of their events numbered `seq` or less, persons whose first event came
    /// later left out. Events are never deleted or changed, so this is the state a
    /// figure computed at register version `seq` was computed from, whatever
    /// corrections came after (what a report regenerated "as of" reads). Persons
    /// arrive grouped, in the database's order of person numbers.
    pub fn for_each_person_as_of(
        &self,
        seq: i64,
        f: &mut dyn FnMut(PersonRecord) -> Result<()>,
    ) -> Result<()> {
        self.with(|c| {
            // (person, state, whether a void was in force at `seq`)
            let mut current: Option<(String, PersonRecord, bool)> = None;
            c.query_each(
                "SELECT person_no, payload FROM events WHERE seq <= $1 ORDER BY person_no, seq",
                &[seq.into()],
                &mut |r| {
                    let no = r[0].as_str().unwrap_or_default();
                    let kind: EventKind =
                        serde_json::from_str(r[1].as_str().unwrap_or_default())
                            .map_err(|e| StoreError::Corrupt(format!("events.payload: {e}")))?;
                    let void = |was: bool| match &kind {
                        EventKind::Void { .. } => true,
                        EventKind::Revoke { revoked, .. } if revoked == "void" => false,
                        _ => was,
                    };
                    match current.take() {
                        Some((cur, state, voided)) if cur == no => {
                            let next = renkou_domain::event::apply(Some(state), &kind)?;
                            current = Some((cur, next, void(voided)));
                        }
                        prev => {
                            // A voided record (注销) was not part of the register.
                            if let Some((_, state, false)) = prev {
                                f(state)?;
                            }
                            let first = renkou_domain::event::apply(None, &kind)?;
                            current = Some((no.to_string(), first, void(false)));
                        }
                    }
                    Ok(())
                },
            )?;
            if let Some((_, state, false)) = current {
                f(state)?;
            }
            Ok(())
        })
    }

    /// A mother's children with the birth order the register derives: rank by birth
    /// date, then person number (see `renkou_domain::birth_order`).
    pub fn children_of(&self, mother_no: &str) -> Result<Vec<ChildOrder>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT person_no, birth_date FROM persons WHERE mother_no = $1 AND voided_by IS NULL",
                &[mother_no.into()],
            )?;
            let kids: Vec<(String, Date)> = rows
                .iter()
                .filter_map(|r| Some((r[0].text()?, r[1].date()?)))
                .collect();
            Ok(
                renkou_domain::birth_order::derive(kids.iter().map(|(n, d)| (n.as_str(), *d)))
                    .into_iter()
                    .map(|(no, order)| ChildOrder {
                        person_no: no.to_string(),
                        birth_date: kids
                            .iter()
                            .find(|k| k.0 == no)
                            .map(|k| k.1)
                            .unwrap_or_default(),
                        birth_order: order,
                    })
                    .collect(),
            )
        })
    }

    /// Birth orders of every child with a linked mother, computed in SQL by the same
    /// rule as `renkou_domain::birth_order` (a test checks they agree).
    pub fn birth_orders(&self) -> Result<Vec<(String, u32)>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT person_no, ROW_NUMBER() OVER (PARTITION BY mother_no ORDER BY birth_date, person_no) \
                 FROM persons WHERE mother_no IS NOT NULL AND voided_by IS NULL ORDER BY person_no",
                &[],
            )?
            .into_iter()
            .filter_map(|r| Some((r[0].text()?, r[1].int()? as u32)))
            .collect())
        })
    }

    /// Persons with numbers in `lo..=hi`, in number order (for batched checks).
    pub fn persons_between(&self, lo: &str, hi: &str) -> Result<Vec<PersonRecord>> {
        self.with(|c| {
            c.query(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE person_no >= $1 AND person_no <= $2 ORDER BY person_no"
                ),
                &[lo.into(), hi.into()],
            )?
            .iter()
            .map(|r| to_person(r))
            .collect()
        })
    }

    /// Persons and households per township (9-digit prefix), for summaries.
    pub fn persons_per_township(&self) -> Result<std::collections::HashMap<String, (i64, i64)>> {
        self.with(|c| {
            let mut out = std::collections::HashMap::new();
            for r in c.query(
                "SELECT SUBSTR(region_code, 1, 9), COUNT(*), COUNT(DISTINCT household_no) FROM persons \
                 WHERE voided_by IS NULL GROUP BY SUBSTR(region_code, 1, 9)",
                &[],
            )? {
                if let (Some(t), Some(p), Some(h)) = (r[0].text(), r[1].int(), r[2].int()) {
                    out.insert(format!("{t}000"), (p, h));
                }
            }
            Ok(out)
        })
    }

    /// Whether a household of this number exists (members or not).
    pub fn household_exists(&self, household_no: &str) -> Result<bool> {
        self.with(|c| {
            Ok(c.query_one(
                "SELECT 1 FROM households WHERE household_no = $1",
                &[household_no.into()],
            )?
            .is_some())
        })
    }

    /// Members of a household, oldest first.
    pub fn household_members(&self, household_no: &str) -> Result<Vec<PersonRecord>> {
        self.with(|c| {
            c.query(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE household_no = $1 AND voided_by IS NULL ORDER BY birth_date, person_no"
                ),
                &[household_no.into()],
            )?
            .iter()
            .map(|r| to_person(r))
            .collect()
        })
    }
}
