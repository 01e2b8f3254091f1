// Helpers shared by the integration tests (included with `mod common;`).
#![allow(dead_code)]

use renkou_domain::{Date, RegionCode, Residence, Sex};
use renkou_stats::{RegionTable, StatPerson};

pub fn d(y: i32, m: u32, dd: u32) -> Date {
    Date::from_ymd_opt(y, m, dd).unwrap()
}

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

pub const COUNTY: &str = "349901000000";
pub const T1: &str = "349901101000";
pub const V11: &str = "349901101201";
pub const V12: &str = "349901101202";
pub const T2: &str = "349901102000";
pub const V21: &str = "349901102201";

pub fn table() -> RegionTable {
    RegionTable::build([
        (code(V21), "丙村".to_string()),
        (code(COUNTY), "某县".to_string()),
        (code(T1), "一镇".to_string()),
        (code(V11), "甲村".to_string()),
        (code(V12), "乙村".to_string()),
        (code(T2), "二镇".to_string()),
    ])
    .unwrap()
}

pub fn person(t: &RegionTable, region: &str, sex: Sex, born: Date) -> StatPerson {
    StatPerson {
        region: t.index_of(&code(region)).unwrap(),
        sex,
        residence: Residence::Resident,
        birth_date: born,
        death_date: None,
        mother_birth_date: None,
        birth_order: None,
    }
}

pub fn child(
    t: &RegionTable,
    region: &str,
    sex: Sex,
    born: Date,
    mother: Date,
    order: u32,
) -> StatPerson {
    StatPerson {
        mother_birth_date: Some(mother),
        birth_order: Some(order),
        ..person(t, region, sex, born)
    }
}

/// The hand-computed register of tests/hand_computed.rs; see the comments there.
pub fn register(t: &RegionTable) -> Vec<StatPerson> {
    use Sex::{Female as F, Male as M};
    let m1 = d(1995, 3, 10);
    let m2 = d(2009, 7, 1);
    let o1 = d(1990, 5, 5);
    let m3 = d(1974, 7, 1);
    let m4 = d(1974, 7, 2);
    let m5 = d(2000, 1, 1);
    vec![
        // --- 甲村 V11
        person(t, V11, F, m1),
        child(t, V11, M, d(2024, 3, 5), m1, 2), // twin, order 2
        child(t, V11, F, d(2024, 3, 5), m1, 3), // twin, order 3
        child(t, V11, M, d(2020, 1, 1), m1, 1), // M1's first, not a 2024 birth
        person(t, V11, F, m2),                  // 15th birthday on 1 July
        child(t, V11, F, d(2024, 7, 1), m2, 1), // born on her mother's 15th birthday
        person(t, V11, M, d(2024, 11, 20)),     // no linked mother
        StatPerson {
            residence: Residence::Outflow,
            ..person(t, V11, F, o1)
        },
        StatPerson {
            residence: Residence::Outflow,
            ..child(t, V11, F, d(2024, 2, 2), o1, 1)
        },
        StatPerson {
            death_date: Some(d(2024, 3, 1)),
            ..person(t, V11, M, d(1940, 1, 1))
        },
        StatPerson {
            death_date: Some(d(2024, 7, 1)),
            ..person(t, V11, F, d(1950, 1, 1))
        },
        StatPerson {
            death_date: Some(d(2024, 7, 2)),
            ..person(t, V11, M, d(1950, 6, 1))
        },
        StatPerson {
            death_date: Some(d(2023, 12, 31)),
            ..person(t, V11, M, d(1930, 1, 1))
        },
        person(t, V11, M, d(2025, 1, 1)), // born after the year
        // --- 乙村 V12
        person(t, V12, F, m3),                  // 50 on 1 July
        child(t, V12, M, d(2024, 7, 1), m3, 4), // born on mother's 50th birthday
        person(t, V12, F, m4),                  // 49 on 1 July
        child(t, V12, F, d(2024, 7, 1), m4, 1),
        person(t, V12, F, d(2004, 2, 29)), // leap day: 20 on 1 July 2024
        person(t, V12, M, d(1980, 1, 1)),
        // --- 丙村 V21
        person(t, V21, M, d(1985, 1, 1)),
        StatPerson {
            residence: Residence::Inflow,
            ..person(t, V21, F, d(1990, 7, 1))
        },
        person(t, V21, F, d(1987, 1, 1)),
        person(t, V21, F, d(1982, 6, 30)),
        // --- attached directly to 二镇 T2
        person(t, T2, F, m5),
        child(t, T2, M, d(2024, 12, 31), m5, 1),
    ]
}
