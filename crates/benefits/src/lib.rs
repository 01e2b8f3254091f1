//! renkou-benefits: the benefits domain — the national programs 育儿补贴 (childcare
//! subsidy), 奖励扶助 (rural reward assistance) and 特别扶助 (special assistance), and
//! the entitlements an employer grants to holders of the 独生子女父母光荣证.
//!
//! It owns the tables `benefit_facts` (attested facts with their evidence),
//! `benefit_runs` and `benefit_run_rows` (eligibility runs, one row per person
//! considered with its receipt) and `benefit_slots` (the month ledger: one slot per
//! person, program and month, paid once) and `benefit_roster` (a run's roster
//! through its states) ([`tables`], [`MIGRATIONS`]), and reads
//! the register through the kernel's store.
//!
//! - [`rules`]: pure — parameters as dated, referenced, versioned data; the facts
//!   they decide on; eligibility with receipts; the month-slot ledger; an
//!   employer's rule file;
//! - [`loader`]: the register read for a run (fast: a childcare run reads only the
//!   birth cohorts its age limit lets in);
//! - [`payments`]: payment cycles (兑现发放) over the month slots, bank accounts
//!   as attested data, the bank batch file and the signature sheet, the bank's
//!   results imported back and classified (tables of migration 0013);
//! - [`review`]: two runs compared, candidates from the register's events, one
//!   file per person (一人一卷) and its document;
//! - use cases: [`attest`] (record attested facts), [`runs`] (run, save, read
//!   eligibility runs), [`slots`] (the month ledger: pay once, a person's ledger),
//!   [`roster`] (village proposes → township checks → 公示 → county approves,
//!   objections resolved with a reason).
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

pub mod attest;
pub mod employer_file;
pub mod error;
pub mod export;
pub mod layers;
pub mod loader;
pub mod payments;
pub mod review;
pub mod roster;
pub mod rules;
pub mod runs;
pub mod scans;
pub mod slots;
pub mod tables;

pub use error::Error;

use renkou_store::{Migration, Migrations};

/// This domain's tables, for `Store::migrate`.
pub const MIGRATIONS: Migrations = Migrations {
    domain: "benefits",
    list: &[
        Migration {
            name: "0007_benefits",
            sqlite: include_str!("../migrations/sqlite/0007_benefits.sql"),
            postgres: include_str!("../migrations/postgres/0007_benefits.sql"),
        },
        Migration {
            name: "0013_benefit_payments",
            sqlite: include_str!("../migrations/sqlite/0013_benefit_payments.sql"),
            postgres: include_str!("../migrations/postgres/0013_benefit_payments.sql"),
        },
        Migration {
            name: "0014_benefit_layers_scans",
            sqlite: include_str!("../migrations/sqlite/0014_benefit_layers_scans.sql"),
            postgres: include_str!("../migrations/postgres/0014_benefit_layers_scans.sql"),
        },
    ],
};
