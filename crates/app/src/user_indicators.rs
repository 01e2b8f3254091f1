//! User-defined indicators (自定义指标): a county statistician writes a numerator
//! and a denominator over the catalogue's counts (the language of
//! `renkou_stats::formula`); it is validated, saved, and from then on computed on
//! every page and export like a built-in indicator.

use crate::error::AppError;
use renkou_domain::account::{Role, Scope};
use renkou_stats::{UserIndicator, UserIndicatorDef};
use renkou_store::targets::UserIndicatorRow;
use renkou_store::Store;

/// Only the county defines indicators, so every township's figures mean the same.
pub fn may_define(scope: &Scope) -> bool {
    matches!(scope.role, Role::CountyAdmin | Role::CountyStatistician)
        && scope.region.level() <= renkou_domain::RegionLevel::County
}

fn refused() -> AppError {
    AppError::Invalid(
        "只有县级管理员或统计人员可以定义指标 / only county administrators and statisticians define indicators"
            .into(),
    )
}

/// Validates and saves `def` (new, or replacing the definition with that code).
pub fn define(
    store: &Store,
    scope: &Scope,
    def: &UserIndicatorDef,
    username: &str,
    address: &str,
) -> Result<UserIndicator, AppError> {
    if !may_define(scope) {
        return Err(refused());
    }
    let compiled = def
        .compile()
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let json = serde_json::to_string(def).map_err(|e| AppError::Invalid(e.to_string()))?;
    store.save_user_indicator(&def.code, &json, username, address)?;
    Ok(compiled)
}

/// Retires an indicator: no longer computed; its targets and history stay.
pub fn retire(
    store: &Store,
    scope: &Scope,
    code: &str,
    username: &str,
    address: &str,
) -> Result<bool, AppError> {
    if !may_define(scope) {
        return Err(refused());
    }
    Ok(store.retire_user_indicator(code, username, address)?)
}

/// The saved indicators with their definitions (retired ones too, marked).
pub fn list(store: &Store) -> Result<Vec<(UserIndicatorRow, Option<UserIndicatorDef>)>, AppError> {
    Ok(store
        .user_indicators(true)?
        .into_iter()
        .map(|r| {
            let def = serde_json::from_str(&r.definition).ok();
            (r, def)
        })
        .collect())
}
