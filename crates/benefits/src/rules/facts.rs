//! 事实: what the rules decide on — the register's facts about persons and families,
//! and the attested facts the register does not hold.
//!
//! The register's facts arrive as a [`Register`]: flat, `Copy` [`PersonFacts`] (16
//! bytes: sex, birth, death, the region of registration before any move) in one
//! vector, with the 人员编号, ID numbers and registration moves in parallel vectors,
//! so a run over two million persons reads one small struct per person and touches
//! the rest only for the few it considers. Regions are interned as [`RegionId`]s.
//!
//! Attested facts ([`Attested`]) are facts a person or an office vouches for with a
//! document: the household registration type as of a date (农业户口), no
//! out-of-policy birth in 1973-2001 (only as the historical condition of 奖励扶助,
//! never anything else), a disability grade with its certificate, a legal adoption.
//! Each carries who recorded it, when, and on what document.

use crate::rules::Date;
use renkou_domain::{EventKind, IdNumber, PersonRecord, RegionCode, Sex};
use std::collections::HashMap;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FactsError {
    #[error("人员编号“{0}”重复 / person number \"{0}\" given twice")]
    DuplicatePerson(String),
    #[error(
        "人员{0}的迁移日期早于出生或未按时间排序 / person {0}: moves before birth or out of order"
    )]
    MovesOutOfOrder(String),
    #[error("人员{0}的事件中没有建档或出生 / person {0}: no registration or birth event")]
    NoStart(String),
}

/// Index of a person in a [`Register`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonIdx(pub u32);

/// Index of an interned region code in a [`Register`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionId(pub u32);

/// The register's facts about one person that the rules read on every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonFacts {
    pub sex: Sex,
    pub birth_date: Date,
    pub death_date: Option<Date>,
    /// 户籍所在地: where the person's household was registered before their first
    /// move in [`Register::moves`] (at birth, or when they entered the register).
    pub region: RegionId,
}

/// A change of household registration (户口迁移) on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub date: Date,
    /// The new region of registration; `None` when it left the register's county
    /// (迁出本县).
    pub to: Option<RegionId>,
}

/// The register's facts for a run.
#[derive(Debug, Clone, Default)]
pub struct Register {
    facts: Vec<PersonFacts>,
    person_ids: Vec<String>,
    id_numbers: Vec<Option<IdNumber>>,
    /// `(start, len)` into `moves`, per person.
    move_spans: Vec<(u32, u32)>,
    moves: Vec<Move>,
    regions: Vec<RegionCode>,
    region_ids: HashMap<RegionCode, RegionId>,
    by_person_id: HashMap<String, PersonIdx>,
}

impl Register {
    pub fn new() -> Register {
        Register::default()
    }

    pub fn with_capacity(persons: usize) -> Register {
        Register {
            facts: Vec::with_capacity(persons),
            person_ids: Vec::with_capacity(persons),
            id_numbers: Vec::with_capacity(persons),
            move_spans: Vec::with_capacity(persons),
            by_person_id: HashMap::with_capacity(persons),
            ..Register::default()
        }
    }

    /// The id of a region code, interning it on first use.
    pub fn region(&mut self, code: &RegionCode) -> RegionId {
        if let Some(id) = self.region_ids.get(code) {
            return *id;
        }
        let id = RegionId(self.regions.len() as u32);
        self.regions.push(code.clone());
        self.region_ids.insert(code.clone(), id);
        id
    }

    pub fn region_code(&self, id: RegionId) -> &RegionCode {
        &self.regions[id.0 as usize]
    }

    pub fn regions(&self) -> &[RegionCode] {
        &self.regions
    }

    /// Adds a person. `moves` are their registration moves in date order, none
    /// before birth. A 人员编号 may appear once: two villages proposing the same
    /// register person is one person, and the caller passes them once.
    pub fn add(
        &mut self,
        person_id: &str,
        id_number: Option<IdNumber>,
        facts: PersonFacts,
        moves: &[Move],
    ) -> Result<PersonIdx, FactsError> {
        if self.by_person_id.contains_key(person_id) {
            return Err(FactsError::DuplicatePerson(person_id.to_string()));
        }
        let ordered = moves.windows(2).all(|w| w[0].date <= w[1].date)
            && moves.first().is_none_or(|m| m.date >= facts.birth_date);
        if !ordered {
            return Err(FactsError::MovesOutOfOrder(person_id.to_string()));
        }
        let idx = PersonIdx(self.facts.len() as u32);
        self.facts.push(facts);
        self.person_ids.push(person_id.to_string());
        self.id_numbers.push(id_number);
        self.move_spans
            .push((self.moves.len() as u32, moves.len() as u32));
        self.moves.extend_from_slice(moves);
        self.by_person_id.insert(person_id.to_string(), idx);
        Ok(idx)
    }

    /// Adds a register person with their registration history from their events
    /// (see [`registration_history`]); with no events, the record's region and no
    /// moves.
    pub fn add_record(
        &mut self,
        record: &PersonRecord,
        events: &[EventKind],
    ) -> Result<PersonIdx, FactsError> {
        let (first, changes) = if events.is_empty() {
            (record.region_code.clone(), Vec::new())
        } else {
            registration_history(events)
                .ok_or_else(|| FactsError::NoStart(record.person_no.clone()))?
        };
        let region = self.region(&first);
        let moves: Vec<Move> = changes
            .iter()
            .map(|(date, to)| Move {
                date: *date,
                to: Some(self.region(to)),
            })
            .collect();
        self.add(
            &record.person_no,
            record.id_number.clone(),
            PersonFacts {
                sex: record.sex,
                birth_date: record.birth_date,
                death_date: record.death_date,
                region,
            },
            &moves,
        )
    }

    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    /// All persons' facts, indexed by [`PersonIdx`].
    pub fn all_facts(&self) -> &[PersonFacts] {
        &self.facts
    }

    pub fn facts(&self, p: PersonIdx) -> &PersonFacts {
        &self.facts[p.0 as usize]
    }

    /// 人员编号
    pub fn person_id(&self, p: PersonIdx) -> &str {
        &self.person_ids[p.0 as usize]
    }

    pub fn id_number(&self, p: PersonIdx) -> Option<&IdNumber> {
        self.id_numbers[p.0 as usize].as_ref()
    }

    pub fn find(&self, person_id: &str) -> Option<PersonIdx> {
        self.by_person_id.get(person_id).copied()
    }

    pub fn moves(&self, p: PersonIdx) -> &[Move] {
        let (s, n) = self.move_spans[p.0 as usize];
        &self.moves[s as usize..(s + n) as usize]
    }

    /// Where the person is registered at the start of `day`: moves dated before it
    /// have happened, a move on the day itself has not yet. `None`: out of the county.
    pub fn region_at_start_of(&self, p: PersonIdx, day: Date) -> Option<RegionId> {
        let mut r = Some(self.facts(p).region);
        for m in self.moves(p) {
            if m.date < day {
                r = m.to;
            } else {
                break;
            }
        }
        r
    }
}

/// The region of registration a person started with and its later changes, from
/// their events: the region of the registration or birth, then every move-in or
/// household change that names a new region. A correction of the region fixes the
/// region in force at that point (it was wrong, not moved).
///
/// `MoveOut` does not change it: in the register that event means the person lives
/// elsewhere (流出) while the household registration stays; a registration that
/// leaves the county shows as a move-in elsewhere or is passed in as a [`Move`] with
/// `to: None`.
pub fn registration_history(events: &[EventKind]) -> Option<(RegionCode, Vec<(Date, RegionCode)>)> {
    let mut first: Option<RegionCode> = None;
    let mut changes: Vec<(Date, RegionCode)> = Vec::new();
    for e in events {
        match e {
            EventKind::Registered { person } | EventKind::Birth { person } => {
                first.get_or_insert_with(|| person.region_code.clone());
            }
            EventKind::MoveIn {
                date,
                region_code: Some(r),
                ..
            }
            | EventKind::HouseholdChange {
                date,
                region_code: Some(r),
                ..
            } => changes.push((*date, r.clone())),
            EventKind::Correction {
                field: renkou_domain::person::Field::RegionCode,
                new,
                ..
            } => {
                if let Ok(r) = RegionCode::parse(new) {
                    match changes.last_mut() {
                        Some(last) => last.1 = r,
                        None => first = Some(r),
                    }
                }
            }
            _ => {}
        }
    }
    changes.sort_by_key(|c| c.0);
    first.map(|f| (f, changes))
}

// ---- attested facts ------------------------------------------------------------

/// Who vouched for a fact, when, and on what document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Attestation {
    /// Account name of the worker who recorded it.
    pub recorded_by: String,
    /// RFC 3339 timestamp or date.
    pub recorded_at: String,
    /// The document: its title and number (户口簿, 残疾人证号, 收养登记证, 村委会证明…).
    pub document: String,
}

/// A fact with its attestation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Attested<T> {
    pub fact: T,
    pub attestation: Attestation,
}

impl<T> Attested<T> {
    pub fn new(fact: T, recorded_by: &str, recorded_at: &str, document: &str) -> Attested<T> {
        Attested {
            fact,
            attestation: Attestation {
                recorded_by: recorded_by.to_string(),
                recorded_at: recorded_at.to_string(),
                document: document.to_string(),
            },
        }
    }
}

/// 户口性质: agricultural (农业) or non-agricultural (非农业) registration. Since the
/// 2014 household-registration reform the distinction is historical, so the fact is
/// "as of a date".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationKind {
    /// 农业户口 (or defined as a rural resident, 界定为农村居民)
    Agricultural,
    /// 非农业户口 (城镇)
    NonAgricultural,
}

impl RegistrationKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            RegistrationKind::Agricultural => "农业户口",
            RegistrationKind::NonAgricultural => "非农业户口",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct HouseholdRegistration {
    pub kind: RegistrationKind,
    pub as_of: Date,
}

/// The historical condition of 奖励扶助: no birth against the policy of the time in
/// 1973-2001. Recorded only as this positive attestation; the system keeps no record
/// of out-of-policy births.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct NoOutOfPolicyBirth1973To2001;

/// 残疾等级 with its certificate (残疾人证).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Disability {
    /// 1 (most severe) to 4.
    pub grade: u8,
    pub certificate_no: String,
    /// The day the grade was assessed or the certificate issued.
    pub since: Date,
}

/// 合法收养: the adoption registration (收养登记).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct LegalAdoption {
    pub registered_on: Date,
    pub certificate_no: String,
}

// ---- families --------------------------------------------------------------------

/// A family as 奖励扶助 and 特别扶助 see it: one or two parents and their children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub parents: Vec<Parent>,
    pub children: Vec<Child>,
    /// Attested for the couple.
    pub no_out_of_policy_birth: Option<Attested<NoOutOfPolicyBirth1973To2001>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    pub person: PersonIdx,
    pub registration: Option<Attested<HouseholdRegistration>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    pub person: PersonIdx,
    pub origin: ChildOrigin,
    pub disability: Option<Attested<Disability>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildOrigin {
    Born,
    /// Adopted; `None` until the legal adoption is attested.
    Adopted(Option<Attested<LegalAdoption>>),
}

impl Child {
    /// The day the child became the family's: birth, or the adoption's registration
    /// (an unattested adoption counts from birth: the child is in the family either
    /// way, only its legality is unproven).
    pub fn joined_on(&self, register: &Register) -> Date {
        let born = register.facts(self.person).birth_date;
        match &self.origin {
            ChildOrigin::Adopted(Some(a)) => a.fact.registered_on.max(born),
            _ => born,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use renkou_domain::{MaritalStatus, Residence};

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd_opt(y, m, dd).unwrap()
    }

    fn rc(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn moves_take_effect_after_their_day() {
        let mut r = Register::new();
        let a = r.region(&rc("349901101201"));
        let b = r.region(&rc("349901101202"));
        let p = r
            .add(
                "P1",
                None,
                PersonFacts {
                    sex: Sex::Female,
                    birth_date: d(2024, 1, 5),
                    death_date: None,
                    region: a,
                },
                &[Move {
                    date: d(2025, 6, 15),
                    to: Some(b),
                }],
            )
            .unwrap();
        assert_eq!(r.region_at_start_of(p, d(2025, 6, 15)), Some(a));
        assert_eq!(r.region_at_start_of(p, d(2025, 6, 16)), Some(b));
        assert!(matches!(
            r.add("P1", None, *r.facts(p), &[]),
            Err(FactsError::DuplicatePerson(_))
        ));
    }

    #[test]
    fn registration_history_follows_the_events() {
        let person = PersonRecord {
            person_no: "P1".into(),
            name: "测试甲".into(),
            sex: Sex::Male,
            birth_date: d(2023, 3, 1),
            id_number: None,
            household_no: "H1".into(),
            region_code: rc("349901101201"),
            marital_status: MaritalStatus::Unmarried,
            mother_no: None,
            father_no: None,
            residence: Residence::Resident,
            phone: None,
            death_date: None,
            relation: None,
        };
        let events = vec![
            EventKind::Birth {
                person: person.clone(),
            },
            EventKind::MoveOut {
                date: d(2024, 1, 1),
                destination: Some("外省".into()),
            },
            EventKind::MoveIn {
                date: d(2025, 4, 2),
                residence: Residence::Resident,
                origin: None,
                region_code: Some(rc("349901102203")),
                household_no: Some("H7".into()),
            },
        ];
        let (first, changes) = registration_history(&events).unwrap();
        assert_eq!(first, rc("349901101201"));
        assert_eq!(changes, vec![(d(2025, 4, 2), rc("349901102203"))]);
        let mut r = Register::new();
        let p = r.add_record(&person, &events).unwrap();
        assert_eq!(r.moves(p).len(), 1);
        assert_eq!(r.region_code(r.facts(p).region), &rc("349901101201"));
    }
}
