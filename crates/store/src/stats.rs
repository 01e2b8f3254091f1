//! The indicators' input read from the register: every person's region, sex,
//! residence, birth and death dates, the linked mother's birth date and the birth
//! order the register derives (never stored: `ROW_NUMBER()` over the mother's
//! children by birth date, then person number, the rule of
//! `renkou_domain::birth_order`).
//!
//! One streaming query, the same SQL on both backends ([`stat_rows_sql`]); only
//! the decoding of its rows has a path per backend, because a county of two million
//! persons must load in well under a second and the generic [`crate::Value`] rows
//! would allocate several strings per person. The store knows nothing of the
//! indicators engine: it hands back plain [`StatRow`]s whose region is an index
//! into [`StatRows::region_codes`], and the app maps them to the engine's input.
//!
//! [`StatRows::version`] is the register's [`RegisterVersion`] (last event and
//! number of events), read *before* the persons: every change to a person is an
//! event, so a caller may keep the rows and reuse them while
//! [`Store::register_version`] still returns it (the persons can only be newer
//! than the key, never older).

use crate::conn::Conn;
use crate::error::{Result, StoreError};
use crate::rusqlite;
use crate::{Backend, Pool, Store};
use renkou_domain::{Date, Residence, Sex};
use std::collections::HashMap;

/// The loader's query. `$1` is the first birth date for which the mother's birth
/// date and the birth order are looked up (see [`Store::stat_rows`]). Birth order
/// is the rank of the child among its mother's children by (birth date, person
/// number): the count of siblings at or before it, which equals
/// `ROW_NUMBER() OVER (PARTITION BY mother_no ORDER BY birth_date, person_no)`
/// (`Store::birth_orders`; a test checks they agree) but costs one index range per
/// birth instead of sorting the register. A voided record (注销) counts nowhere: it
/// is not a row, and it is not a sibling in anyone's birth order. Dates come back as ISO text on SQLite and
/// DATE on PostgreSQL; `{COLLATE}` makes the person-number tie-break bytewise on
/// both backends (PostgreSQL would otherwise use the database's locale).
const STAT_ROWS_SQL: &str = "SELECT p.region_code, p.sex, p.residence, p.birth_date, p.death_date, \
     CASE WHEN p.birth_date >= $1 AND p.mother_no IS NOT NULL THEN \
       (SELECT m.birth_date FROM persons m WHERE m.person_no = p.mother_no) END, \
     CASE WHEN p.birth_date >= $1 AND p.mother_no IS NOT NULL THEN \
       (SELECT COUNT(*) FROM persons s WHERE s.mother_no = p.mother_no \
        AND s.voided_by IS NULL \
        AND (s.birth_date < p.birth_date OR (s.birth_date = p.birth_date AND s.person_no{COLLATE} <= p.person_no))) END, \
     p.person_no \
     FROM persons p WHERE p.voided_by IS NULL";

/// The SQL of the loader for `backend` (public for the benchmark's notes and tests).
pub fn stat_rows_sql(backend: Backend) -> String {
    STAT_ROWS_SQL.replace(
        "{COLLATE}",
        match backend {
            Backend::Sqlite => "",
            Backend::Postgres => " COLLATE \"C\"",
        },
    )
}

/// SQLite's upper limit for a memory map is 2 GB unless compiled otherwise; the
/// pragma takes the smaller of the two.
const SQLITE_MMAP_ON: &str = "PRAGMA mmap_size = 17179869184";

/// The day used for "every birth" (`births_from: None`): before any register.
fn earliest() -> Date {
    Date::from_ymd_opt(1, 1, 1).expect("0001-01-01")
}

/// One person as the indicators see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatRow {
    /// Index into [`StatRows::region_codes`].
    pub region: u32,
    pub sex: Sex,
    pub residence: Residence,
    pub birth_date: Date,
    pub death_date: Option<Date>,
    /// The linked mother's birth date; `None` when no mother is linked, or when the
    /// person was born before [`StatRows::births_from`].
    pub mother_birth_date: Option<Date>,
    /// 孩次 as the register derives it; `None` when no mother is linked, or when
    /// the person was born before [`StatRows::births_from`].
    pub birth_order: Option<u32>,
}

/// What identifies a state of the register's persons: every change to a person
/// is an event and events are never deleted, so two reads with the same last
/// sequence number and the same number of events saw the same persons. The count
/// is needed on PostgreSQL only, where a transaction may commit a smaller `seq`
/// after a larger one is already visible; SQLite has one writer, so its
/// sequence numbers commit in order and `events` is left 0 there (counting two
/// million events would cost more than the rest of the check).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RegisterVersion {
    pub last_event: i64,
    pub events: i64,
}

/// Every person of the register, with the distinct region codes they refer to.
#[derive(Debug, Clone, Default)]
pub struct StatRows {
    /// The distinct `region_code`s of the persons, in first-seen order.
    pub region_codes: Vec<String>,
    pub rows: Vec<StatRow>,
    /// The register's version read *before* the persons: the persons are that
    /// version or newer, never older.
    pub version: RegisterVersion,
    /// Mothers' birth dates and birth orders are filled for persons born on or
    /// after this day (`None`: for everyone).
    pub births_from: Option<Date>,
    /// A 64-bit hash of each row's person number (same order as `rows`): what
    /// [`Store::refresh_stat_rows`] finds a changed person's row by, at 8 bytes a
    /// person instead of the number itself.
    pub person_keys: Vec<u64>,
    /// person key → row, built on the first refresh (a one-off CLI run never
    /// needs it). `None` until then.
    key_index: Option<HashMap<u64, u32>>,
}

/// How [`Store::refresh_stat_rows`] brought the rows up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// No event since the rows were read.
    Unchanged,
    /// Only the rows of the persons the new events touched (and their mothers'
    /// other children) were read again: this many.
    Incremental(usize),
    /// Everything was read again (many events, a late commit on PostgreSQL, or
    /// two person numbers with the same key).
    Reloaded,
}

/// Above this many new events a full read is cheaper than the targeted one
/// (a bulk import has just run).
const MAX_INCREMENTAL_EVENTS: usize = 20_000;

/// FNV-1a: deterministic across runs and cheap on short ASCII person numbers;
/// collisions are detected when the index is built, never trusted.
fn person_key(no: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in no {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl StatRows {
    /// Builds the person-key index [`Store::refresh_stat_rows`] needs (a server
    /// calls it right after loading, so the first refresh after an event does not
    /// pay for it). False when two person numbers share a key: then every refresh
    /// is a full read.
    pub fn build_key_index(&mut self) -> bool {
        if self.key_index.is_some() {
            return true;
        }
        let mut index = HashMap::with_capacity(self.person_keys.len());
        for (i, &k) in self.person_keys.iter().enumerate() {
            if index.insert(k, i as u32).is_some() {
                return false;
            }
        }
        self.key_index = Some(index);
        true
    }

    /// Whether these rows can serve a computation that needs mothers and birth
    /// orders of births from `births_from` on.
    /// The region code each of `person_nos` is registered in, in these rows
    /// (`None` for a number the rows do not hold). One pass over the rows.
    pub fn regions_of(&self, person_nos: &[&str]) -> Vec<Option<&str>> {
        let mut wanted: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, no) in person_nos.iter().enumerate() {
            wanted.entry(person_key(no.as_bytes())).or_default().push(i);
        }
        let mut out = vec![None; person_nos.len()];
        if wanted.is_empty() {
            return out;
        }
        for (row, key) in self.rows.iter().zip(&self.person_keys) {
            if let Some(at) = wanted.get(key) {
                for &i in at {
                    out[i] = Some(self.region_codes[row.region as usize].as_str());
                }
            }
        }
        out
    }

    pub fn covers(&self, births_from: Option<Date>) -> bool {
        match (self.births_from, births_from) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(have), Some(want)) => have <= want,
        }
    }
}

/// Interns region codes; rows of one household tend to come together, so the last
/// code is checked before the map.
#[derive(Default)]
struct Regions {
    codes: Vec<String>,
    index: HashMap<String, u32>,
    last: Option<u32>,
}

impl Regions {
    #[inline]
    fn get(&mut self, code: &str) -> u32 {
        if let Some(i) = self.last {
            if self.codes[i as usize] == code {
                return i;
            }
        }
        let i = match self.index.get(code) {
            Some(&i) => i,
            None => {
                let i = self.codes.len() as u32;
                self.codes.push(code.to_string());
                self.index.insert(code.to_string(), i);
                i
            }
        };
        self.last = Some(i);
        i
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("persons.{what}"))
}

/// `YYYY-MM-DD` without going through a format string (the hot path of the load).
#[inline]
fn iso_date(b: &[u8]) -> Option<Date> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return std::str::from_utf8(b)
            .ok()
            .and_then(|s| Date::parse_from_str(s, "%Y-%m-%d").ok());
    }
    let n = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    Date::from_ymd_opt(n(0..4)? as i32, n(5..7)?, n(8..10)?)
}

#[inline]
fn residence(s: &[u8]) -> Result<Residence> {
    match s {
        b"resident" => Ok(Residence::Resident),
        b"outflow" => Ok(Residence::Outflow),
        b"inflow" => Ok(Residence::Inflow),
        _ => Err(corrupt("residence")),
    }
}

pub(crate) fn register_version(c: &mut dyn Conn) -> Result<RegisterVersion> {
    // SQLite has one writer at a time, so sequence numbers commit in order and the
    // last one is enough; PostgreSQL needs the count as well (see RegisterVersion).
    // On PostgreSQL the count comes from `event_tally` (kept by a trigger, one
    // row per inserting statement), not from COUNT(*) over every event.
    let sql = match c.backend() {
        Backend::Sqlite => "SELECT MAX(seq), 0 FROM events",
        Backend::Postgres => {
            "SELECT (SELECT MAX(seq) FROM events), (SELECT COALESCE(SUM(events), 0)::BIGINT FROM event_tally)"
        }
    };
    let r = c.query_one(sql, &[])?;
    let get = |i: usize| r.as_ref().and_then(|r| r[i].int()).unwrap_or(0);
    Ok(RegisterVersion {
        last_event: get(0),
        events: get(1),
    })
}

impl Store {
    // `Store::last_event_seq` lives in search.rs.

    /// The register's current [`RegisterVersion`]: a key for anything derived
    /// from the persons.
    pub fn register_version(&self) -> Result<RegisterVersion> {
        self.with(register_version)
    }

    /// Reads the indicators' input of every person in one streaming query.
    ///
    /// The indicators need a mother's birth date and a birth order only for the
    /// births of the period they count, so these two are looked up only for
    /// persons born on or after `births_from` (`None`: for everyone, slower on a
    /// large register). Everything else is read for every person.
    pub fn stat_rows(&self, births_from: Option<Date>) -> Result<StatRows> {
        let mut regions = Regions::default();
        let mut rows = Vec::new();
        let mut keys = Vec::new();
        let from = births_from.unwrap_or_else(earliest);
        let version;
        match &self.pool {
            Pool::Sqlite(p) => {
                let c = p.get()?;
                version = register_version(&mut crate::conn::SqliteConn(&c))?;
                // Persons are never deleted, so the largest rowid is their number
                // (one index probe, where COUNT(*) would read the whole table);
                // reserving it saves growing a 50 MB vector by copies.
                let n: Option<i64> =
                    c.query_row("SELECT MAX(rowid) FROM persons", [], |r| r.get(0))?;
                rows.reserve(n.unwrap_or(0).max(0) as usize);
                keys.reserve(n.unwrap_or(0).max(0) as usize);
                // Read the file through a memory map for this scan: no copy of
                // every page into SQLite's cache (measured: a tenth of the load).
                c.execute_batch(SQLITE_MMAP_ON)?;
                let scan = (|| -> Result<()> {
                    let mut st = c.prepare_cached(&stat_rows_sql(Backend::Sqlite))?;
                    st.raw_bind_parameter(1, crate::Value::Date(from))?;
                    let mut it = st.raw_query();
                    while let Some(r) = it.next()? {
                        rows.push(sqlite_row(r, &mut regions)?);
                        keys.push(match r.get_ref(7)? {
                            rusqlite::types::ValueRef::Text(t) => person_key(t),
                            _ => return Err(corrupt("person_no")),
                        });
                    }
                    Ok(())
                })();
                c.execute_batch("PRAGMA mmap_size = 0")?;
                scan?;
            }
            Pool::Postgres(p) => {
                use postgres::fallible_iterator::FallibleIterator;
                let mut c = p.get()?;
                version = register_version(&mut *c)?;
                let sql = stat_rows_sql(Backend::Postgres);
                let st = c.client.prepare(&sql)?;
                let mut it = c
                    .client
                    .query_raw(&st, [&from as &(dyn postgres::types::ToSql + Sync)])?;
                while let Some(r) = it.next()? {
                    rows.push(pg_row(&r, &mut regions)?);
                    let no: &str = r.try_get(7)?;
                    keys.push(person_key(no.as_bytes()));
                }
            }
        }
        Ok(StatRows {
            region_codes: regions.codes,
            rows,
            version,
            births_from,
            person_keys: keys,
            key_index: None,
        })
    }

    /// The indicators' input as the register stood just after event `seq`
    /// ([`Store::for_each_person_as_of`]): the same rows [`Store::stat_rows`] read
    /// at that version (birth orders and mothers' birth dates derived by the same
    /// rule, from the persons of that version), for regenerating a figure after
    /// later corrections. Slower than the current-state read (every event is
    /// folded), and meant for one report at a time.
    pub fn stat_rows_as_of(&self, seq: i64, births_from: Option<Date>) -> Result<StatRows> {
        struct P {
            no: String,
            region: u32,
            sex: Sex,
            residence: Residence,
            birth: Date,
            death: Option<Date>,
            mother: Option<String>,
        }
        let mut regions = Regions::default();
        let mut persons: Vec<P> = Vec::new();
        self.for_each_person_as_of(seq, &mut |p| {
            persons.push(P {
                region: regions.get(p.region_code.as_str()),
                no: p.person_no,
                sex: p.sex,
                residence: p.residence,
                birth: p.birth_date,
                death: p.death_date,
                mother: p.mother_no,
            });
            Ok(())
        })?;
        let from = births_from.unwrap_or_else(earliest);
        let birth_of: HashMap<&str, Date> =
            persons.iter().map(|p| (p.no.as_str(), p.birth)).collect();
        // Each mother's children of that version, ranked as the register ranks them.
        let mut children: HashMap<&str, Vec<(&str, Date)>> = HashMap::new();
        for p in &persons {
            if let Some(m) = &p.mother {
                children
                    .entry(m.as_str())
                    .or_default()
                    .push((p.no.as_str(), p.birth));
            }
        }
        let mut order: HashMap<&str, u32> = HashMap::new();
        for kids in children.values() {
            for (no, o) in renkou_domain::birth_order::derive(kids.iter().copied()) {
                order.insert(no, o);
            }
        }
        let rows = persons
            .iter()
            .map(|p| {
                let counted = p.birth >= from && p.mother.is_some();
                StatRow {
                    region: p.region,
                    sex: p.sex,
                    residence: p.residence,
                    birth_date: p.birth,
                    death_date: p.death,
                    mother_birth_date: counted
                        .then(|| p.mother.as_deref().and_then(|m| birth_of.get(m).copied()))
                        .flatten(),
                    birth_order: counted.then(|| order.get(p.no.as_str()).copied()).flatten(),
                }
            })
            .collect();
        let person_keys = persons
            .iter()
            .map(|p| person_key(p.no.as_bytes()))
            .collect();
        Ok(StatRows {
            region_codes: regions.codes,
            rows,
            version: RegisterVersion {
                last_event: seq,
                events: 0,
            },
            births_from,
            person_keys,
            key_index: None,
        })
    }

    /// The moves (迁入 `true`, 迁出 `false`) that happened in `first..=last` by
    /// their date, among the events numbered `max_seq` or less (`None`: all), as
    /// (person number, moved in). The region they count in is the person's in the
    /// rows the figures come from ([`StatRows::regions_of`]), so a report "as of"
    /// a version counts them where that version had the person.
    pub fn move_events(
        &self,
        first: Date,
        last: Date,
        max_seq: Option<i64>,
    ) -> Result<Vec<(String, bool)>> {
        let max = max_seq.unwrap_or(i64::MAX);
        self.with(|c| {
            // Revocations and voids are few: read them and leave out the moves
            // revoked, and the moves of persons voided, as of `max_seq`.
            let mut revoked = std::collections::HashSet::new();
            let mut voided: HashMap<String, bool> = HashMap::new();
            for r in c.query(
                "SELECT seq, person_no, kind, payload FROM events WHERE kind IN ('void', 'revoke') \
                 AND seq <= $1 ORDER BY seq",
                &[max.into()],
            )? {
                let no = r[1].text().unwrap_or_default();
                if r[2].as_str() == Some("void") {
                    voided.insert(no, true);
                } else if let Ok(renkou_domain::EventKind::Revoke { seq, revoked: what, .. }) =
                    serde_json::from_str(r[3].as_str().unwrap_or_default())
                {
                    revoked.insert(seq);
                    if what == "void" {
                        voided.insert(no, false);
                    }
                }
            }
            Ok(c.query(
                "SELECT person_no, kind, seq FROM events WHERE kind IN ('move_in', 'move_out') \
                 AND occurred_on >= $1 AND occurred_on <= $2 AND seq <= $3",
                &[first.into(), last.into(), max.into()],
            )?
            .iter()
            .filter(|r| r[2].int().is_none_or(|s| !revoked.contains(&s)))
            .filter_map(|r| Some((r[0].text()?, r[1].as_str()? == "move_in")))
            .filter(|(no, _)| voided.get(no) != Some(&true))
            .collect())
        })
    }

    /// Brings rows read by [`Store::stat_rows`] up to date with the register.
    ///
    /// The indicators page must show an event's effect at once without reading two
    /// million persons again after every birth, so only the persons the new events
    /// touched are read again: each changed person, the children of a changed
    /// person (their mother's birth date may have changed), and every child of a
    /// changed person's mother, present or former (a new, removed or re-dated child
    /// shifts its siblings' birth orders). Rows are replaced by person, new persons
    /// appended. Whatever cannot be done that way is a full read ([`Refresh`]).
    pub fn refresh_stat_rows(&self, rows: &mut StatRows) -> Result<Refresh> {
        let now = self.register_version()?;
        if now == rows.version {
            return Ok(Refresh::Unchanged);
        }
        let events = self.with(|c| {
            c.query(
                &format!(
                    "SELECT seq, person_no, payload FROM events WHERE seq > $1 ORDER BY seq LIMIT {}",
                    MAX_INCREMENTAL_EVENTS + 1
                ),
                &[rows.version.last_event.into()],
            )
        })?;
        let last = events
            .last()
            .and_then(|r| r[0].int())
            .unwrap_or(rows.version.last_event);
        let seen = RegisterVersion {
            last_event: last,
            events: match self.backend() {
                Backend::Sqlite => 0,
                Backend::Postgres => rows.version.events + events.len() as i64,
            },
        };
        // A version other than the one these events make up means a transaction
        // committed a number below the last one seen (PostgreSQL), or more events
        // arrived meanwhile: read everything rather than guess.
        if events.len() > MAX_INCREMENTAL_EVENTS || self.register_version()? != seen {
            *rows = self.stat_rows(rows.births_from)?;
            return Ok(Refresh::Reloaded);
        }
        let mut changed: Vec<String> = Vec::new();
        let mut former_mothers: Vec<String> = Vec::new();
        for r in &events {
            let no = r[1].text().ok_or_else(|| corrupt("events.person_no"))?;
            if !changed.contains(&no) {
                changed.push(no);
            }
            let payload = r[2].as_str().unwrap_or_default();
            if let Ok(renkou_domain::EventKind::Correction {
                field: renkou_domain::person::Field::MotherId,
                old,
                ..
            }) = serde_json::from_str(payload)
            {
                if !old.is_empty() && !former_mothers.contains(&old) {
                    former_mothers.push(old);
                }
            }
        }
        if !rows.build_key_index() {
            // Two person numbers share a key: rows cannot be found by it.
            *rows = self.stat_rows(rows.births_from)?;
            return Ok(Refresh::Reloaded);
        }
        let fresh = self.affected_stat_rows(&changed, &former_mothers, rows.births_from)?;
        let n = fresh.len();
        // A changed person the read no longer returns was voided: their row goes.
        {
            let returned: std::collections::HashSet<&str> =
                fresh.iter().map(|(no, _, _)| no.as_str()).collect();
            let index = rows.key_index.as_mut().expect("built above");
            for no in changed.iter().filter(|no| !returned.contains(no.as_str())) {
                let key = person_key(no.as_bytes());
                if let Some(i) = index.remove(&key) {
                    let i = i as usize;
                    rows.rows.swap_remove(i);
                    rows.person_keys.swap_remove(i);
                    if i < rows.rows.len() {
                        index.insert(rows.person_keys[i], i as u32);
                    }
                }
            }
        }
        let mut region_index: HashMap<String, u32> = rows
            .region_codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i as u32))
            .collect();
        let index = rows.key_index.as_mut().expect("built above");
        for (no, region, mut row) in fresh {
            row.region = match region_index.get(&region) {
                Some(&i) => i,
                None => {
                    let i = rows.region_codes.len() as u32;
                    rows.region_codes.push(region.clone());
                    region_index.insert(region, i);
                    i
                }
            };
            let key = person_key(no.as_bytes());
            match index.get(&key) {
                Some(&i) => rows.rows[i as usize] = row,
                None => {
                    index.insert(key, rows.rows.len() as u32);
                    rows.rows.push(row);
                    rows.person_keys.push(key);
                }
            }
        }
        rows.version = seen;
        Ok(Refresh::Incremental(n))
    }

    /// The stat rows (with person number and region code) of the persons in
    /// `changed`, of their children, and of every child of their mothers and of
    /// `former_mothers`.
    fn affected_stat_rows(
        &self,
        changed: &[String],
        former_mothers: &[String],
        births_from: Option<Date>,
    ) -> Result<Vec<(String, String, StatRow)>> {
        let from = crate::Value::Date(births_from.unwrap_or_else(earliest));
        let base = stat_rows_sql(self.backend());
        let mut out: Vec<(String, String, StatRow)> = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        // `$first, $first+1, …` for a list of n parameters.
        let list = |first: usize, n: usize| {
            (first..first + n)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // Bounded lists keep every statement's parameter count small on both
        // backends, and one condition per statement lets each use its index
        // (PostgreSQL plans an OR of them as a scan of every person).
        let mut mothers: Vec<String> = former_mothers.to_vec();
        for chunk in changed.chunks(200) {
            let keys: Vec<crate::Value> = chunk.iter().map(|s| s.as_str().into()).collect();
            let mut params = vec![from.clone()];
            params.extend(keys.iter().cloned());
            let a = list(2, chunk.len());
            // The changed persons themselves, then their children.
            for cond in ["p.person_no", "p.mother_no"] {
                let sql = format!("{base} AND {cond} IN ({a})");
                self.read_affected(&sql, &params, &mut out, &mut seen)?;
            }
            let sql = format!(
                "SELECT DISTINCT mother_no FROM persons WHERE person_no IN ({}) AND mother_no IS NOT NULL",
                list(1, chunk.len())
            );
            for r in self.with(|c| c.query(&sql, &keys))? {
                if let Some(m) = r[0].text() {
                    if !mothers.contains(&m) {
                        mothers.push(m);
                    }
                }
            }
        }
        // Every child of a changed person's mother, present or former: their
        // birth orders may have shifted.
        for chunk in mothers.chunks(200) {
            let mut params = vec![from.clone()];
            params.extend(chunk.iter().map(|s| s.as_str().into()));
            let sql = format!("{base} AND p.mother_no IN ({})", list(2, chunk.len()));
            self.read_affected(&sql, &params, &mut out, &mut seen)?;
        }
        Ok(out)
    }

    fn read_affected(
        &self,
        sql: &str,
        params: &[crate::Value],
        out: &mut Vec<(String, String, StatRow)>,
        seen: &mut std::collections::HashSet<String>,
    ) -> Result<()> {
        let rows = self.with(|c| c.query(sql, params))?;
        for r in rows {
            let no = r[7].text().ok_or_else(|| corrupt("person_no"))?;
            if !seen.insert(no.clone()) {
                continue;
            }
            let region = r[0].text().ok_or_else(|| corrupt("region_code"))?;
            let row = StatRow {
                region: 0,
                sex: Sex::from_code(r[1].int().unwrap_or(0)),
                residence: residence(r[2].as_str().unwrap_or_default().as_bytes())?,
                birth_date: r[3].date().ok_or_else(|| corrupt("birth_date"))?,
                death_date: r[4].date(),
                mother_birth_date: r[5].date(),
                birth_order: r[6].int().map(|o| o as u32),
            };
            out.push((no, region, row));
        }
        Ok(())
    }
}

fn sqlite_row(r: &rusqlite::Row<'_>, regions: &mut Regions) -> Result<StatRow> {
    use rusqlite::types::ValueRef as V;
    let text = |i: usize| -> Result<Option<&[u8]>> {
        Ok(match r.get_ref(i)? {
            V::Text(t) | V::Blob(t) => Some(t),
            _ => None,
        })
    };
    let date = |i: usize, what: &str| -> Result<Option<Date>> {
        text(i)?
            .map(|t| iso_date(t).ok_or_else(|| corrupt(what)))
            .transpose()
    };
    let region = text(0)?.ok_or_else(|| corrupt("region_code"))?;
    let region = regions.get(std::str::from_utf8(region).map_err(|_| corrupt("region_code"))?);
    let sex = match r.get_ref(1)? {
        V::Integer(i) => Sex::from_code(i),
        _ => Sex::Unknown,
    };
    let residence = residence(text(2)?.ok_or_else(|| corrupt("residence"))?)?;
    Ok(StatRow {
        region,
        sex,
        residence,
        birth_date: date(3, "birth_date")?.ok_or_else(|| corrupt("birth_date"))?,
        death_date: date(4, "death_date")?,
        mother_birth_date: date(5, "birth_date")?,
        birth_order: match r.get_ref(6)? {
            V::Integer(i) => Some(i as u32),
            _ => None,
        },
    })
}

fn pg_row(r: &postgres::Row, regions: &mut Regions) -> Result<StatRow> {
    let region: &str = r.try_get(0)?;
    let sex: i64 = r.try_get(1)?;
    let residence_s: &str = r.try_get(2)?;
    let order: Option<i64> = r.try_get(6)?;
    Ok(StatRow {
        region: regions.get(region),
        sex: Sex::from_code(sex),
        residence: residence(residence_s.as_bytes())?,
        birth_date: r.try_get(3)?,
        death_date: r.try_get(4)?,
        mother_birth_date: r.try_get(5)?,
        birth_order: order.map(|o| o as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_parse_like_chrono() {
        let d = Date::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(iso_date(b"2024-02-29"), Some(d));
        assert_eq!(iso_date(b"2023-02-29"), None);
        // Not the stored form: falls back to chrono, and agrees with it.
        assert_eq!(
            iso_date(b"2024-2-29"),
            Date::parse_from_str("2024-2-29", "%Y-%m-%d").ok()
        );
        assert_eq!(iso_date(b"20x4-02-29"), None);
    }
}
