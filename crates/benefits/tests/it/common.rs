//! Hand-made families for the rule tests: synthetic names only (none are needed),
//! ID numbers built on the test address code 349901, regions of a test county
//! 349901 with two townships.
#![allow(dead_code)]

use renkou_benefits::rules::*;
use renkou_domain::{IdNumber, RegionCode, Sex};

pub const COUNTY: &str = "349901000000";
pub const TOWNSHIP_1: &str = "349901101000";
/// Two villages of township 1 and one of township 2.
pub const VILLAGE_A: &str = "349901101201";
pub const VILLAGE_B: &str = "349901101202";
pub const VILLAGE_C: &str = "349901102201";
/// A village of another county.
pub const ELSEWHERE: &str = "349902101201";

pub fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd_opt(y, m, dd).unwrap()
}

pub fn rc(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

pub fn y(s: &str) -> Yuan {
    Yuan::parse(s).unwrap()
}

pub fn m(year: i32, month: u32) -> Month {
    Month::new(year, month)
}

/// A register being built, with a running ID sequence so every person has a
/// distinct, valid test ID number.
pub struct Town {
    pub reg: Register,
    seq: u16,
}

impl Town {
    pub fn new() -> Town {
        Town {
            reg: Register::new(),
            seq: 0,
        }
    }

    /// A person registered in `region`; `moves` are (day, new region or None for
    /// "out of the county").
    pub fn person(
        &mut self,
        id: &str,
        sex: Sex,
        born: Date,
        died: Option<Date>,
        region: &str,
        moves: &[(Date, Option<&str>)],
    ) -> PersonIdx {
        self.seq += 2;
        let seq = match sex {
            Sex::Male => self.seq + 1,
            _ => self.seq,
        };
        let id_number = IdNumber::compose(349901, born, seq);
        self.person_with_id(id, Some(id_number), sex, born, died, region, moves)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn person_with_id(
        &mut self,
        id: &str,
        id_number: Option<IdNumber>,
        sex: Sex,
        born: Date,
        died: Option<Date>,
        region: &str,
        moves: &[(Date, Option<&str>)],
    ) -> PersonIdx {
        let region = self.reg.region(&rc(region));
        let moves: Vec<Move> = moves
            .iter()
            .map(|(date, to)| Move {
                date: *date,
                to: to.map(|t| self.reg.region(&rc(t))),
            })
            .collect();
        self.reg
            .add(
                id,
                id_number,
                PersonFacts {
                    sex,
                    birth_date: born,
                    death_date: died,
                    region,
                },
                &moves,
            )
            .unwrap()
    }

    /// A child living in `region` with no moves.
    pub fn child(
        &mut self,
        id: &str,
        sex: Sex,
        born: Date,
        died: Option<Date>,
        region: &str,
    ) -> PersonIdx {
        self.person(id, sex, born, died, region, &[])
    }
}

pub fn attested<T>(fact: T) -> Attested<T> {
    Attested::new(
        fact,
        "village-worker-test",
        "2025-01-05T09:00:00+08:00",
        "测试证明 第001号",
    )
}

pub fn rural() -> Option<Attested<HouseholdRegistration>> {
    Some(attested(HouseholdRegistration {
        kind: RegistrationKind::Agricultural,
        as_of: d(2004, 1, 1),
    }))
}

pub fn urban() -> Option<Attested<HouseholdRegistration>> {
    Some(attested(HouseholdRegistration {
        kind: RegistrationKind::NonAgricultural,
        as_of: d(2004, 1, 1),
    }))
}

pub fn parent(p: PersonIdx, registration: Option<Attested<HouseholdRegistration>>) -> Parent {
    Parent {
        person: p,
        registration,
    }
}

pub fn born_child(p: PersonIdx) -> Child {
    Child {
        person: p,
        origin: ChildOrigin::Born,
        disability: None,
    }
}

pub fn disabled_child(p: PersonIdx, grade: u8, since: Date) -> Child {
    Child {
        person: p,
        origin: ChildOrigin::Born,
        disability: Some(attested(Disability {
            grade,
            certificate_no: "3499012000010100001".to_string(),
            since,
        })),
    }
}

pub fn no_out_of_policy() -> Option<Attested<NoOutOfPolicyBirth1973To2001>> {
    Some(attested(NoOutOfPolicyBirth1973To2001))
}

/// The months due, as (month, amount) pairs.
pub fn due(d: &Determination) -> Vec<(Month, Yuan)> {
    d.due.iter().map(|x| (x.month, x.amount)).collect()
}

/// Every month of `year` from `from` to `to`, each at `amount`.
pub fn months(year: i32, from: u32, to: u32, amount: &str) -> Vec<(Month, Yuan)> {
    (from..=to)
        .map(|mm| (Month::new(year, mm), y(amount)))
        .collect()
}
