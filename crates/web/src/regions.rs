//! Region names and choices that every domain's pages share: pages name areas
//! rather than show their codes, and forms offer the caller's villages by name.

use crate::error::WebError;
use crate::extract::Current;
use crate::AppState;

/// Region names by code, so that pages name areas rather than show their codes.
pub(crate) struct RegionNames(std::collections::HashMap<String, String>);

impl RegionNames {
    pub(crate) fn load(state: &AppState) -> Result<RegionNames, WebError> {
        Ok(RegionNames(
            state
                .store
                .regions()?
                .into_iter()
                .map(|r| (r.code.to_string(), r.name))
                .collect(),
        ))
    }
    /// The name of `code` (a 12-digit code or its prefix), else the code.
    pub(crate) fn name(&self, code: &str) -> String {
        let full = renkou_domain::RegionCode::parse(code)
            .map(|c| c.to_string())
            .unwrap_or_else(|_| code.to_string());
        self.0
            .get(&full)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

/// The villages the caller may write in (code, name), existing today: what a form
/// offers where a clerk would otherwise type a village code.
pub(crate) fn villages(state: &AppState, me: &Current) -> Result<Vec<(String, String)>, WebError> {
    let today = chrono::Local::now().date_naive();
    Ok(state
        .store
        .regions()?
        .into_iter()
        .filter(|r| {
            r.level() == renkou_domain::RegionLevel::Village
                && r.exists_on(today)
                && me.scope.can_write(&r.code)
        })
        .map(|r| (r.code.to_string(), r.name))
        .collect())
}
