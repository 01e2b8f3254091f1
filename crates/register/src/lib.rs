//! renkou-register: the register domain. The use cases of the population register
//! itself: imports of the region tree and of persons (rosters, registries), exports,
//! the events of daily work and births entered by hand with their rules, households,
//! search, the data-quality list, accounts, the invariant check, and the demo county.
//! The CLI and the web layer are thin wrappers over these functions.
//!
//! Its tables are the kernel's (regions, households, persons, events, accounts,
//! the audit log); every write goes through the kernel's `Store::write`, whose `Tx`
//! checks the writer's area against every value written.

pub mod accounts;
pub mod demo;
pub mod duplicates;
pub mod error;
pub mod events;
pub mod export;
pub mod households;
pub mod import;
pub mod quality;
pub mod roster;
pub mod search;
pub mod void;

pub use error::AppError;
