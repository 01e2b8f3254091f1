//! User-defined indicators (自定义指标): a county statistician writes a numerator
//! and a denominator over the catalogue's counts (the language of
//! `renkou_stats::formula`); it is validated, saved, and from then on computed on
//! every page and export like a built-in indicator.

use crate::error::Error;
use crate::tables::{self, IndicatorTables, UserIndicatorRow};
use renkou_domain::account::{Role, Scope};
use renkou_stats::{UserIndicator, UserIndicatorDef};
use renkou_store::{Actor, Store};

/// Only the county defines indicators, so every township's figures mean the same.
pub fn may_define(scope: &Scope) -> bool {
    matches!(scope.role, Role::CountyAdmin | Role::CountyStatistician)
        && scope.region.level() <= renkou_domain::RegionLevel::County
}

fn actor_may_define(actor: &Actor) -> bool {
    actor.scope.as_ref().is_none_or(may_define)
}

fn refused() -> Error {
    Error::Invalid(
        "只有县级管理员或统计人员可以定义指标 / only county administrators and statisticians define indicators"
            .into(),
    )
}

/// Validates and saves `def` (new, or replacing the definition with that code).
pub fn define(
    store: &Store,
    actor: &Actor,
    def: &UserIndicatorDef,
) -> Result<UserIndicator, Error> {
    if !actor_may_define(actor) {
        return Err(refused());
    }
    let compiled = def.compile().map_err(|e| Error::Invalid(e.to_string()))?;
    let json = serde_json::to_string(def).map_err(|e| Error::Invalid(e.to_string()))?;
    store.write(actor, |tx| {
        tables::save_user_indicator(tx, &def.code, &json)
    })?;
    Ok(compiled)
}

/// Retires an indicator: no longer computed; its targets and history stay.
pub fn retire(store: &Store, actor: &Actor, code: &str) -> Result<bool, Error> {
    if !actor_may_define(actor) {
        return Err(refused());
    }
    Ok(store.write(actor, |tx| tables::retire_user_indicator(tx, code))?)
}

/// The saved indicators with their definitions (retired ones too, marked).
pub fn list(store: &Store) -> Result<Vec<(UserIndicatorRow, Option<UserIndicatorDef>)>, Error> {
    Ok(store
        .user_indicators(true)?
        .into_iter()
        .map(|r| {
            let def = serde_json::from_str(&r.definition).ok();
            (r, def)
        })
        .collect())
}
