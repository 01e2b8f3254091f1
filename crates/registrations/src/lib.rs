//! renkou-registrations: the papers a township office records and issues for
//! families — 生育登记 (birth registration) and the register of 独生子女父母光荣证
//! (only-child parents' certificates).
//!
//! Why a domain of its own and not part of benefits: neither decides money. A birth
//! registration is a service record (product.md: no approval step, no refusal for
//! the number of children), and a certificate is a document the office issued
//! whose authenticity anyone may check; benefits reads the register, never these
//! papers, and its rules do not change when a registration is recorded. Keeping
//! them apart also keeps the public verification page (the one route of the system
//! without a login that names a record) away from the domain that holds payments.
//!
//! It owns the tables ([`MIGRATIONS`], [`tables`]) `registration_sequences` (the
//! next number of each office's book per year), `birth_registrations`,
//! `certificates`, `certificate_history` and `certificate_verifications`.
//!
//! - [`rules`]: pure — registration numbers, the office of a village, the
//!   declared marriage, a certificate's status and the signed verification code;
//! - [`key`]: the county's certificate key (a file outside the database and the
//!   repository, like the audit key);
//! - use cases: [`births`] (register, list, a county's start of a year's book),
//!   [`certificates`] (enter, replace, revoke, list, verify, the QR code).

pub mod births;
pub mod certificates;
pub mod error;
pub mod key;
pub mod rules;
pub mod tables;

pub use error::Error;

use renkou_store::{Migration, Migrations};

/// This domain's tables, for `Store::migrate`.
pub const MIGRATIONS: Migrations = Migrations {
    domain: "registrations",
    list: &[Migration {
        name: "0014_registrations",
        sqlite: include_str!("../migrations/sqlite/0014_registrations.sql"),
        postgres: include_str!("../migrations/postgres/0014_registrations.sql"),
    }],
};
