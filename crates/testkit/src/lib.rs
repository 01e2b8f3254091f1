//! renkou-testkit: what the tests of every crate share. One synthetic county, the
//! fixture every integration test builds on:
//!
//! - the region tree: 演示县 349901 with 甲镇 (一村, 二村, and 旧村, merged into 一村
//!   on 2020-01-01) and 乙乡 (三村): two townships, so a test can reach into
//!   another village of the same township and into another township;
//! - [`register`], a hand-made register whose figures for 2024 are worked out in
//!   its comments (mothers, twins, a death on the reference day, an inflow, a
//!   person registered in the merged village);
//! - builders for more persons, and [`load`] through the real import session.
//!
//! Names are synthetic and ID numbers are built on 349901, which no county has.
//! The databases come from `renkou_store::testing` (a fresh SQLite file and a fresh
//! PostgreSQL schema per test).

use renkou_domain::{
    Date, IdNumber, MaritalStatus, PersonRecord, Region, RegionCode, Residence, Sex,
};
use renkou_store::{Actor, ImportMeta, Store};

pub use renkou_store::testing::{databases, TestDb};

pub fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd_opt(y, m, dd).expect("a valid test date")
}

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("a valid test region code")
}

pub fn region(c: &str, name: &str) -> Region {
    Region {
        code: code(c),
        name: name.into(),
        valid_from: None,
        valid_to: None,
        successor: None,
    }
}

pub const COUNTY: &str = "349901000000";
pub const TOWN_A: &str = "349901101000";
pub const V1: &str = "349901101201";
pub const V2: &str = "349901101202";
pub const TOWN_B: &str = "349901102000";
pub const V3: &str = "349901102201";
/// Merged into V1 on 2020-01-01; nobody should ever be reported here for 2024.
pub const V_OLD: &str = "349901101203";

pub fn tree() -> Vec<Region> {
    let mut old = region(V_OLD, "旧村");
    old.valid_to = Some(d(2020, 1, 1));
    old.successor = Some(code(V1));
    vec![
        region(COUNTY, "演示县"),
        region(TOWN_A, "甲镇"),
        region(V1, "一村"),
        region(V2, "二村"),
        region(TOWN_B, "乙乡"),
        region(V3, "三村"),
        old,
    ]
}

/// The household every builder puts a person of `village` in.
pub fn household_of(village: &str) -> String {
    format!("H-{village}")
}

pub fn person(no: &str, sex: Sex, birth: Date, village: &str) -> PersonRecord {
    PersonRecord {
        person_no: no.into(),
        name: format!("测试{no}"),
        sex,
        birth_date: birth,
        id_number: None,
        household_no: household_of(village),
        region_code: code(village),
        marital_status: MaritalStatus::NotStated,
        mother_no: None,
        father_no: None,
        residence: Residence::Resident,
        phone: None,
        death_date: None,
        relation: None,
    }
}

/// [`person`] with an ID number that agrees with the birth date and sex.
pub fn with_id(mut p: PersonRecord, sequence: u16) -> PersonRecord {
    let seq = match p.sex {
        Sex::Male => sequence | 1,
        _ => sequence & !1,
    };
    p.id_number = Some(IdNumber::compose(349901, p.birth_date, seq));
    p
}

pub fn child(no: &str, sex: Sex, birth: Date, village: &str, mother: &str) -> PersonRecord {
    let mut p = person(no, sex, birth, village);
    p.mother_no = Some(mother.into());
    p
}

/// The hand-made register; the figures for 2024 (reference day 2024-07-01) are
/// worked out in the comments.
pub fn register() -> Vec<PersonRecord> {
    let mut f1 = person("F1", Sex::Male, d(1992, 1, 1), V1);
    f1.residence = Residence::Outflow; // not in P
    let mut d1 = person("D1", Sex::Male, d(1940, 1, 1), V1);
    d1.death_date = Some(d(2024, 7, 1)); // dies on the reference day: not in P; a 2024 death
    let mut e1 = person("E1", Sex::Female, d(1950, 1, 1), V3);
    e1.death_date = Some(d(2023, 12, 31)); // a 2023 death
    let mut i1 = person("I1", Sex::Male, d(1980, 5, 5), V3);
    i1.residence = Residence::Inflow; // in P
    vec![
        // 一村: P = M1, C1, C2, W2, W3 = 5
        person("M1", Sex::Female, d(1994, 3, 10), V1), // 30 on the day: W(30-34)
        child("C1", Sex::Male, d(2019, 5, 1), V1, "M1"), // order 1
        child("C2", Sex::Female, d(2024, 2, 10), V1, "M1"), // birth, order 2, mother 29
        f1,
        person("W2", Sex::Female, d(2005, 6, 30), V1), // 19: W(15-19)
        person("W3", Sex::Female, d(1974, 7, 2), V1),  // 49 (50 the next day): W(45-49)
        d1,
        // 二村: P = M2 = 1
        person("M2", Sex::Female, d(1990, 1, 1), V2), // 34: W(30-34)
        // Twins on the same day: orders by person number (K1 in 三村 is order 1).
        child("T1", Sex::Female, d(2024, 9, 9), V2, "M2"), // order 2, mother 34
        child("T2", Sex::Male, d(2024, 9, 9), V2, "M2"),   // order 3, mother 34
        person("N1", Sex::Female, d(2024, 12, 31), V2),    // birth, no mother: no order
        // 三村: P = K1, I1 = 2
        child("K1", Sex::Male, d(2016, 1, 1), V3, "M2"),
        i1,
        e1,
        // Registered in the merged village: counts in its successor 一村 (P 5 → 6).
        person("O1", Sex::Male, d(1960, 1, 1), V_OLD),
    ]
}

/// Loads the region tree and `persons` through the real import session.
pub fn load(store: &Store, persons: &[PersonRecord]) {
    store
        .upsert_regions(&tree())
        .expect("load the test region tree");
    let mut s = store
        .begin_person_import(ImportMeta {
            kind: "persons",
            file_name: "hand.csv".into(),
            source: None,
            actor: Actor::operator("test"),
        })
        .expect("begin the test import");
    for p in persons {
        s.push(p, None).expect("push a test person");
    }
    s.commit(&[], &[], |_, _| Ok(()))
        .expect("commit the test import");
}

/// A fresh database of each backend with the kernel's tables and those of the
/// given domains.
pub fn stores(domains: &[&renkou_store::Migrations]) -> Vec<(TestDb, Store)> {
    databases()
        .into_iter()
        .map(|db| {
            let s = db.store_with(domains);
            (db, s)
        })
        .collect()
}

/// Records an event as given, as the server's operator (fixtures' births and
/// registrations keep their own numbers; an account could not do this).
pub fn record(store: &Store, e: &renkou_domain::PersonEvent) -> renkou_store::Result<i64> {
    store.write(&Actor::operator(e.recorded_by.clone()), |tx| tx.record(e))
}

/// A generated county of `persons` (the demo's generator, deterministic by
/// `seed`) loaded through the import session, for tests that need volume.
pub fn load_demo(store: &Store, persons: usize, seed: u64) {
    let county = renkou_demo::DemoCounty::new(renkou_demo::DemoSpec::new(persons, seed));
    store
        .upsert_regions(&county.regions())
        .expect("load the demo region tree");
    let mut s = store
        .begin_person_import(ImportMeta {
            kind: "persons",
            file_name: "demo.csv".into(),
            source: None,
            actor: Actor::operator("demo"),
        })
        .expect("begin the demo import");
    for p in county.persons() {
        s.push(&p, None).expect("push a demo person");
    }
    s.commit(&[], &[], |_, _| Ok(()))
        .expect("commit the demo import");
}
