//! renkou-app: the use cases of the register, combining the interchange files, the
//! store and the engines: create a database, import regions, persons and source
//! births, export persons, load a demo county. The CLI and the web layer are thin
//! wrappers over these functions.

pub mod accounts;
pub mod demo;
pub mod error;
pub mod export;
pub mod import;
pub mod indicator_export;
pub mod indicator_report;
pub mod indicators;
pub mod progress;
pub mod reconcile;
pub mod search;
pub mod targets;
pub mod user_indicators;
pub mod verify;

pub use error::AppError;
pub use progress::{NoProgress, Progress};

use renkou_store::Store;

/// Opens the database and creates or upgrades the register's tables.
pub fn init(url: &str) -> Result<(Store, Vec<String>), AppError> {
    let store = Store::open(url)?;
    let applied = store.migrate()?;
    Ok((store, applied))
}

/// Opens an existing register, refusing one that `renkou init` has not created.
pub fn open(url: &str) -> Result<Store, AppError> {
    let store = Store::open(url)?;
    store.require_initialised()?;
    Ok(store)
}
