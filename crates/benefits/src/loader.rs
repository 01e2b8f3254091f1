//! Reading the register for a run: the persons a program can consider, with their
//! registration moves, families (from the mother and father links) and attested
//! facts, as the rules' [`Register`] and [`Family`]s.
//!
//! Speed: a childcare run reads only the birth cohorts the age limit lets in (one
//! scan of `persons` with a date range, a few percent of a county), flags in the
//! same query whoever has a move event, and reads the events of those few only.
//! 奖励扶助 and 特别扶助 read the persons that are a parent or a child in the
//! register's links.

use crate::error::Error;
use crate::rules::facts::{registration_history, FactsError};
use crate::rules::{
    Attested, Child, ChildOrigin, Disability, Family, HouseholdRegistration, LegalAdoption, Move,
    NoOutOfPolicyBirth1973To2001, Parameters, Parent, PersonFacts, PersonIdx, Program, Register,
    RegistrationKind,
};
use crate::tables::{self, FactKind, StoredFact};
use renkou_domain::{Date, EventKind, IdNumber, RegionCode, Sex};
use renkou_store::{Backend, Conn, Store, StoreError, Value};
use std::collections::HashMap;

/// What a run reads from the database.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub register: Register,
    /// 奖励扶助 and 特别扶助: the register's families; empty for 育儿补贴.
    pub families: Vec<Family>,
}

const PERSON_SQL: &str =
    "SELECT p.person_no, p.sex, p.birth_date, p.death_date, p.region_code, p.id_number, \
     p.mother_no, p.father_no, \
     CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.person_no = p.person_no \
       AND e.kind IN ('move_in', 'household_change')) THEN 1 ELSE 0 END \
     FROM persons p";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("persons.{what}"))
}

struct Raw {
    person_no: String,
    facts: (Sex, Date, Option<Date>),
    region: String,
    id_number: Option<IdNumber>,
    mother: Option<String>,
    father: Option<String>,
    moved: bool,
}

fn raw(r: Vec<Value>) -> Result<Raw, StoreError> {
    let mut it = r.into_iter();
    let mut next = || it.next().unwrap_or(Value::Null);
    let person_no = next().text().ok_or_else(|| corrupt("person_no"))?;
    let sex = Sex::from_code(next().int().unwrap_or(0));
    let birth = next().date().ok_or_else(|| corrupt("birth_date"))?;
    let death = next().date();
    let region = next().text().ok_or_else(|| corrupt("region_code"))?;
    let id_number = next().as_str().and_then(|s| IdNumber::parse(s).ok());
    let mother = next().text();
    let father = next().text();
    let moved = next().int() == Some(1);
    Ok(Raw {
        person_no,
        facts: (sex, birth, death),
        region,
        id_number,
        mother,
        father,
        moved,
    })
}

/// The earliest birth date a childcare run for `year` can consider: the largest
/// age limit in force in any month of the year, counted back from its January.
fn childcare_window(params: &Parameters, year: i32) -> Result<(Date, Date), Error> {
    let mut limit = 0;
    for m in crate::rules::Month::year_months(year) {
        if params.amount("childcare.amount", m.first_day())?.is_some() {
            limit = limit.max(params.count("childcare.age_limit", m.first_day())?.0);
        }
    }
    let first = Date::from_ymd_opt(year - limit as i32, 1, 1)
        .ok_or_else(|| Error::Invalid(format!("年份 {year} 无效 / year {year} is invalid")))?;
    let last = Date::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| Error::Invalid(format!("年份 {year} 无效 / year {year} is invalid")))?;
    Ok((first, last))
}

/// Reads what a run of `program` for `year` needs.
pub fn load(
    store: &Store,
    program: Program,
    year: i32,
    params: &Parameters,
) -> Result<Loaded, Error> {
    let (sql, args): (String, Vec<Value>) = match program {
        Program::Childcare => {
            let (first, last) = childcare_window(params, year)?;
            (
                format!("{PERSON_SQL} WHERE p.birth_date >= $1 AND p.birth_date <= $2 AND p.voided_by IS NULL"),
                vec![first.into(), last.into()],
            )
        }
        Program::Reward | Program::Special => (
            format!(
                "{PERSON_SQL} WHERE p.voided_by IS NULL AND (p.mother_no IS NOT NULL OR p.father_no IS NOT NULL \
                 OR p.person_no IN (SELECT mother_no FROM persons WHERE mother_no IS NOT NULL) \
                 OR p.person_no IN (SELECT father_no FROM persons WHERE father_no IS NOT NULL))"
            ),
            Vec::new(),
        ),
    };
    let mut rows: Vec<Raw> = Vec::new();
    let mut attested: Vec<StoredFact> = Vec::new();
    let mut histories: HashMap<String, History> = HashMap::new();
    store.with(|c| {
        let sqlite = c.backend() == Backend::Sqlite;
        if sqlite {
            // One scan of the file: read it through a memory map, not SQLite's cache.
            c.batch("PRAGMA mmap_size = 17179869184")?;
        }
        let scan = c.query_each(&sql, &args, &mut |r| {
            rows.push(raw(r)?);
            Ok(())
        });
        if sqlite {
            c.batch("PRAGMA mmap_size = 0")?;
        }
        scan?;
        let moved: Vec<&str> = rows
            .iter()
            .filter(|r| r.moved)
            .map(|r| r.person_no.as_str())
            .collect();
        histories = read_histories(c, &moved)?;
        if program != Program::Childcare {
            attested = tables::all_facts(c)?;
        }
        Ok(())
    })?;
    // In 人员编号 order (bytewise on both backends), sorted here rather than by
    // the database: an ORDER BY would make SQLite walk the primary-key index and
    // look up every person of the county in it.
    rows.sort_unstable_by(|a, b| a.person_no.cmp(&b.person_no));
    let mut register = Register::with_capacity(rows.len());
    for r in &rows {
        let (first, changes) = match histories.remove(&r.person_no) {
            Some(h) => h,
            None => (
                RegionCode::parse(&r.region).map_err(|_| corrupt("region_code"))?,
                Vec::new(),
            ),
        };
        let region = register.region(&first);
        let moves: Vec<Move> = changes
            .iter()
            .filter(|(date, _)| *date >= r.facts.1)
            .map(|(date, to)| Move {
                date: *date,
                to: Some(register.region(to)),
            })
            .collect();
        register.add(
            &r.person_no,
            r.id_number.clone(),
            PersonFacts {
                sex: r.facts.0,
                birth_date: r.facts.1,
                death_date: r.facts.2,
                region,
            },
            &moves,
        )?;
    }
    let families = match program {
        Program::Childcare => Vec::new(),
        _ => families(&register, &rows, &attested),
    };
    Ok(Loaded { register, families })
}

/// A person's first region of registration and its later changes.
type History = (RegionCode, Vec<(Date, RegionCode)>);

/// The registration history of each person in `persons` from their events.
fn read_histories(
    c: &mut dyn Conn,
    persons: &[&str],
) -> Result<HashMap<String, History>, StoreError> {
    let mut out = HashMap::new();
    for chunk in persons.chunks(400) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let params: Vec<Value> = chunk.iter().map(|p| Value::from(*p)).collect();
        let mut events: HashMap<String, Vec<EventKind>> = HashMap::new();
        c.query_each(
            &format!(
                "SELECT person_no, payload FROM events WHERE person_no IN ({}) ORDER BY person_no, seq",
                list.join(", ")
            ),
            &params,
            &mut |r| {
                let no = r[0].text().ok_or_else(|| corrupt("events.person_no"))?;
                let kind: EventKind = serde_json::from_str(r[1].as_str().unwrap_or_default())
                    .map_err(|_| StoreError::Corrupt(format!("events.payload of {no}")))?;
                events.entry(no).or_default().push(kind);
                Ok(())
            },
        )?;
        for (no, evs) in events {
            let h = registration_history(&evs)
                .ok_or_else(|| StoreError::Corrupt(FactsError::NoStart(no.clone()).to_string()))?;
            out.insert(no, h);
        }
    }
    Ok(out)
}

/// The latest attested fact of each (person, kind).
fn latest(attested: &[StoredFact]) -> HashMap<(&str, FactKind), &StoredFact> {
    let mut m = HashMap::new();
    // Oldest first: a later one replaces an earlier one.
    for f in attested {
        m.insert((f.person_no.as_str(), f.kind), f);
    }
    m
}

fn attestation<T>(fact: T, f: &StoredFact) -> Attested<T> {
    Attested::new(
        fact,
        &f.recorded_by,
        &f.recorded_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        &f.document,
    )
}

fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        parent[i as usize] = parent[parent[i as usize] as usize];
        i = parent[i as usize];
    }
    i
}

/// Families from the links: parents who share a child are one family, and its
/// children are every child of any of them. Attested facts fill in each parent's
/// registration type, the couple's 1973-2001 attestation (of either parent), each
/// child's disability and legal adoption.
fn families(register: &Register, rows: &[Raw], attested: &[StoredFact]) -> Vec<Family> {
    let facts = latest(attested);
    let n = register.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut is_parent = vec![false; n];
    let mut child_links: Vec<(PersonIdx, Vec<PersonIdx>)> = Vec::new();
    for r in rows {
        let ps: Vec<PersonIdx> = [&r.mother, &r.father]
            .into_iter()
            .flatten()
            .filter_map(|no| register.find(no))
            .collect();
        if ps.is_empty() {
            continue;
        }
        let child = register.find(&r.person_no).expect("added above");
        for p in &ps {
            is_parent[p.0 as usize] = true;
        }
        if let [a, b] = ps[..] {
            let (ra, rb) = (find(&mut parent, a.0), find(&mut parent, b.0));
            if ra != rb {
                parent[ra.max(rb) as usize] = ra.min(rb);
            }
        }
        child_links.push((child, ps));
    }
    let mut by_root: HashMap<u32, usize> = HashMap::new();
    let mut out: Vec<(Vec<PersonIdx>, Vec<PersonIdx>)> = Vec::new();
    for i in 0..n as u32 {
        if !is_parent[i as usize] {
            continue;
        }
        let root = find(&mut parent, i);
        let k = *by_root.entry(root).or_insert_with(|| {
            out.push((Vec::new(), Vec::new()));
            out.len() - 1
        });
        out[k].0.push(PersonIdx(i));
    }
    for (child, ps) in &child_links {
        let root = find(&mut parent, ps[0].0);
        let k = by_root[&root];
        out[k].1.push(*child);
    }
    out.into_iter()
        .map(|(parents, children)| {
            let no_out_of_policy = parents
                .iter()
                .filter_map(|p| facts.get(&(register.person_id(*p), FactKind::NoOutOfPolicyBirth)))
                .max_by_key(|f| (f.as_of, f.id))
                .map(|f| attestation(NoOutOfPolicyBirth1973To2001, f));
            Family {
                parents: parents
                    .iter()
                    .map(|p| Parent {
                        person: *p,
                        registration: facts
                            .get(&(register.person_id(*p), FactKind::HouseholdRegistration))
                            .map(|f| {
                                attestation(
                                    HouseholdRegistration {
                                        kind: if f.value == "agricultural" {
                                            RegistrationKind::Agricultural
                                        } else {
                                            RegistrationKind::NonAgricultural
                                        },
                                        as_of: f.as_of,
                                    },
                                    f,
                                )
                            }),
                    })
                    .collect(),
                children: children
                    .iter()
                    .map(|c| {
                        let id = register.person_id(*c);
                        Child {
                            person: *c,
                            origin: match facts.get(&(id, FactKind::LegalAdoption)) {
                                Some(f) => ChildOrigin::Adopted(Some(attestation(
                                    LegalAdoption {
                                        registered_on: f.as_of,
                                        certificate_no: f.document.clone(),
                                    },
                                    f,
                                ))),
                                None => ChildOrigin::Born,
                            },
                            disability: facts.get(&(id, FactKind::Disability)).map(|f| {
                                attestation(
                                    Disability {
                                        grade: f.value.parse().unwrap_or(4),
                                        certificate_no: f.document.clone(),
                                        since: f.as_of,
                                    },
                                    f,
                                )
                            }),
                        }
                    })
                    .collect(),
                no_out_of_policy_birth: no_out_of_policy,
            }
        })
        .collect()
}
