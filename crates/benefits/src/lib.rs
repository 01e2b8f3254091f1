//! renkou-benefits: the benefits domain — the national programs 育儿补贴 (childcare
//! subsidy), 奖励扶助 (rural reward assistance) and 特别扶助 (special assistance), and
//! the entitlements an employer grants to holders of the 独生子女父母光荣证.
//!
//! For now it holds only the pure rules ([`rules`]): parameters as dated, referenced,
//! versioned data; the facts they decide on; eligibility runs that propose who
//! qualifies month by month with a receipt; the month-slot ledger; an employer's rule
//! file. The tables, use cases, web pages and CLI come on top of them.
//!
//! ```
//! use renkou_benefits::rules::{childcare, Parameters, PersonFacts, Register};
//! use renkou_domain::{Date, RegionCode, Sex};
//! let mut register = Register::new();
//! let village = register.region(&RegionCode::parse("349901101201").unwrap());
//! let born = Date::from_ymd_opt(2024, 5, 10).unwrap();
//! register
//!     .add("P1", None, PersonFacts { sex: Sex::Female, birth_date: born, death_date: None, region: village }, &[])
//!     .unwrap();
//! let county = RegionCode::parse("349901000000").unwrap();
//! let run = childcare::run(&register, &county, 2025, &Parameters::national()).unwrap();
//! let row = run.determinations[0].row();
//! assert_eq!((row.months, row.amount.to_string()), (12, "3600.00".to_string()));
//! ```

pub mod rules;
