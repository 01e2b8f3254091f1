//! Opening the database with every domain's tables: the one place the binary
//! composes the kernel's migrations with the domains' (`renkou_web::migrations`).

use renkou_store::Store;

/// Opens the database and creates or upgrades every table; returns the migrations
/// applied.
pub fn init(url: &str) -> Result<(Store, Vec<String>), renkou_store::StoreError> {
    let store = Store::open(url)?;
    let applied = store.migrate(&renkou_web::migrations())?;
    Ok((store, applied))
}

/// Opens an existing register (refusing one `renkou init` has not created) and
/// applies any migration a newer version added.
pub fn open(url: &str) -> Result<Store, renkou_store::StoreError> {
    let store = Store::open(url)?;
    store.require_initialised()?;
    store.migrate(&renkou_web::migrations())?;
    Ok(store)
}
