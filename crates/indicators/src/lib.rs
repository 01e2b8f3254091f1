//! renkou-indicators: the indicators domain. Where an area stands: the catalogue of
//! indicators.md computed from the register for any region and period, kept fresh as
//! events arrive ([`figures::StatCache`]); what the indicator pages show
//! ([`views`]); targets and the gap dashboard ([`targets`]); the county's own
//! indicators ([`user_indicators`]); the tables as xlsx ([`export`]).
//!
//! It owns the tables `indicator_targets` and `user_indicators` ([`tables`],
//! [`MIGRATIONS`]) and reads the register only through the kernel's store.

pub mod error;
pub mod export;
pub mod figures;
pub mod tables;
pub mod targets;
pub mod user_indicators;
pub mod views;

pub use error::Error;

use renkou_store::{Migration, Migrations};

/// This domain's tables, for `Store::migrate`.
pub const MIGRATIONS: Migrations = Migrations {
    domain: "indicators",
    list: &[Migration {
        // The name it had before the domain had a home, so existing databases
        // know it is applied.
        name: "0003_indicators",
        sqlite: include_str!("../migrations/sqlite/0003_indicators.sql"),
        postgres: include_str!("../migrations/postgres/0003_indicators.sql"),
    }],
};
