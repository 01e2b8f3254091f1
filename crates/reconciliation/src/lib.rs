//! renkou-reconciliation: the reconciliation domain (核对). A source's births (a
//! village ledger, a hospital register, a household-registration extract) are kept
//! as the source reported them ([`sources`]); reconciling a source against the
//! register links, deduplicates and classifies every register birth and every
//! source record ([`workflow`]), the rules of which are [`rules`]; reviewers
//! confirm, reject or fix items (a fix is a correction event of the register,
//! written through the kernel's `Tx`); accuracy and the dual-system estimate are
//! counted per village, township and in total.
//!
//! It owns the tables `sources`, `reconciliations` (with how far each is to be
//! trusted, [`trust`]), `reconciliation_items` and `linkage_models` (a county's
//! reviewed models) ([`tables`], [`MIGRATIONS`]); the source records themselves are
//! the kernel's `source_births`, kept as the source wrote them.

pub mod error;
pub mod rules;
pub mod sources;
pub mod tables;
pub mod trust;
pub mod workflow;

pub use error::Error;

use renkou_store::{Migration, Migrations};

/// This domain's tables, for `Store::migrate`.
pub const MIGRATIONS: Migrations = Migrations {
    domain: "reconciliation",
    list: &[
        Migration {
            // The name it had before the domain had a home, so existing databases
            // know it is applied.
            name: "0004_reconciliation",
            sqlite: include_str!("../migrations/sqlite/0004_reconciliation.sql"),
            postgres: include_str!("../migrations/postgres/0004_reconciliation.sql"),
        },
        Migration {
            name: "0008_reconciliation_trust",
            sqlite: include_str!("../migrations/sqlite/0008_reconciliation_trust.sql"),
            postgres: include_str!("../migrations/postgres/0008_reconciliation_trust.sql"),
        },
    ],
};
