//! renkou-domain: the population register's types and rules, with no I/O.
//!
//! Everything here parses on construction (an [`IdNumber`] cannot hold an invalid
//! number, a [`RegionCode`] cannot hold a malformed code) so the layers above never
//! re-check. The register is event-sourced: [`event::PersonEvent`]s are the truth and
//! [`event::fold`] derives a person's current state from them.

pub mod account;
pub mod birth;
pub mod birth_order;
pub mod codes;
pub mod date;
pub mod event;
pub mod id_number;
pub mod person;
pub mod progress;
pub mod quality;
pub mod region;
pub mod rules;

pub use birth::SourceBirth;
pub use codes::{MaritalStatus, Relation, Residence, Sex};
pub use date::{parse_date, Date};
pub use event::{EventKind, PersonEvent};
pub use id_number::{IdNumber, IdNumberError};
pub use person::{PersonRecord, PersonState};
pub use region::{Region, RegionCode, RegionCodeError, RegionLevel};
