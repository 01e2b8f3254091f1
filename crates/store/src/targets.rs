//! Targets (目标值) per indicator, region and year, versioned, and the saved
//! definitions of user-defined indicators (自定义指标).
//!
//! A target is never updated in place: setting one supersedes the current row and
//! inserts the new value, in one transaction with its audit entry, so the history
//! of a target (every value, who set it, when) stays readable. What a target and
//! its gap mean is the stats engine's; here they are rows.

use crate::audit::{append, AuditRecord};
use crate::conn::Conn;
use crate::error::{Result, StoreError};
use crate::value::Value;
use crate::Store;
use chrono::{DateTime, Utc};
use renkou_domain::RegionCode;

/// One version of a target, as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TargetRow {
    pub id: i64,
    pub indicator: String,
    pub region_code: String,
    pub year: i32,
    /// `lower` | `higher` | `band`.
    pub direction: String,
    pub value: f64,
    pub band_low: Option<f64>,
    pub band_high: Option<f64>,
    pub note: String,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
    /// `None` for the current version.
    pub superseded_at: Option<DateTime<Utc>>,
    pub superseded_by: Option<String>,
}

/// A target to set (the new current version for its indicator, region and year).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetInput {
    pub indicator: String,
    pub region: RegionCode,
    pub year: i32,
    pub direction: String,
    pub value: f64,
    pub band_low: Option<f64>,
    pub band_high: Option<f64>,
    pub note: String,
}

/// A saved user-defined indicator; `definition` is the engine's JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UserIndicatorRow {
    pub code: String,
    pub definition: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub retired: bool,
}

const TARGET_COLS: &str = "id, indicator, region_code, year, direction, value, band_low, band_high, note, set_by, set_at, superseded_at, superseded_by";

fn to_target(r: &[Value]) -> Result<TargetRow> {
    let bad = || StoreError::Corrupt("indicator_targets row".into());
    Ok(TargetRow {
        id: r[0].int().ok_or_else(bad)?,
        indicator: r[1].text().ok_or_else(bad)?,
        region_code: r[2].text().ok_or_else(bad)?,
        year: r[3].int().ok_or_else(bad)? as i32,
        direction: r[4].text().ok_or_else(bad)?,
        value: r[5].real().ok_or_else(bad)?,
        band_low: r[6].real(),
        band_high: r[7].real(),
        note: r[8].text().unwrap_or_default(),
        set_by: r[9].text().ok_or_else(bad)?,
        set_at: r[10].time().ok_or_else(bad)?,
        superseded_at: r[11].time(),
        superseded_by: r[12].text(),
    })
}

fn opt(v: Option<f64>) -> Value {
    v.map(Value::Real).unwrap_or(Value::Null)
}

/// Marks the current version of a target superseded; the number of rows (0 or 1).
fn supersede(
    c: &mut dyn Conn,
    indicator: &str,
    region: &str,
    year: i32,
    username: &str,
) -> Result<u64> {
    c.exec(
        "UPDATE indicator_targets SET superseded_at = $1, superseded_by = $2 \
         WHERE region_code = $3 AND year = $4 AND indicator = $5 AND superseded_at IS NULL",
        &[
            crate::now().into(),
            username.into(),
            region.into(),
            (year as i64).into(),
            indicator.into(),
        ],
    )
}

/// Targets are not personal data: the values go into the audit entry.
fn audit_target(
    c: &mut dyn Conn,
    region: &str,
    fields: &str,
    username: &str,
    address: &str,
) -> Result<i64> {
    append(
        c,
        &AuditRecord {
            username,
            action: "update",
            record_type: "target",
            record_id: region,
            fields,
            address,
        },
    )
}

/// Supersedes the current version (if any) and inserts `t`, with its audit entry.
fn set_on(c: &mut dyn Conn, t: &TargetInput, username: &str, address: &str) -> Result<i64> {
    let now = crate::now();
    let region = t.region.to_string();
    supersede(c, &t.indicator, &region, t.year, username)?;
    let id = c
        .query_one(
            "INSERT INTO indicator_targets (indicator, region_code, year, direction, value, band_low, band_high, note, set_by, set_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            &[
                t.indicator.as_str().into(),
                region.as_str().into(),
                (t.year as i64).into(),
                t.direction.as_str().into(),
                Value::Real(t.value),
                opt(t.band_low),
                opt(t.band_high),
                t.note.as_str().into(),
                username.into(),
                now.into(),
            ],
        )?
        .and_then(|r| r[0].int())
        .ok_or_else(|| StoreError::Corrupt("target id".into()))?;
    let fields = format!(
        "indicator={} year={} direction={} value={}",
        t.indicator, t.year, t.direction, t.value
    );
    audit_target(c, &region, &fields, username, address)?;
    Ok(id)
}

impl Store {
    /// Sets one target (a new version); returns its id.
    pub fn set_target(&self, t: &TargetInput, username: &str, address: &str) -> Result<i64> {
        self.transaction(|c| set_on(c, t, username, address))
    }

    /// Sets many targets in one transaction (an imported targets file): all or none.
    pub fn set_targets(&self, ts: &[TargetInput], username: &str, address: &str) -> Result<usize> {
        self.transaction(|c| {
            for t in ts {
                set_on(c, t, username, address)?;
            }
            Ok(ts.len())
        })
    }

    /// Removes a target: its current version is superseded and none replaces it.
    /// Returns whether there was one.
    pub fn clear_target(
        &self,
        indicator: &str,
        region: &RegionCode,
        year: i32,
        username: &str,
        address: &str,
    ) -> Result<bool> {
        let region = region.to_string();
        self.transaction(|c| {
            let n = supersede(c, indicator, &region, year, username)?;
            if n > 0 {
                let fields = format!("indicator={indicator} year={year} cleared");
                audit_target(c, &region, &fields, username, address)?;
            }
            Ok(n > 0)
        })
    }

    /// The current targets of `year` for `region` and every region inside it.
    pub fn targets_in(&self, region: &RegionCode, year: i32) -> Result<Vec<TargetRow>> {
        let (lo, hi) = crate::prefix_range(region.prefix());
        self.with(|c| {
            c.query(
                &format!(
                    "SELECT {TARGET_COLS} FROM indicator_targets \
                     WHERE region_code >= $1 AND region_code < $2 AND year = $3 AND superseded_at IS NULL \
                     ORDER BY region_code, indicator"
                ),
                &[lo.into(), hi.into(), (year as i64).into()],
            )?
            .iter()
            .map(|r| to_target(r))
            .collect()
        })
    }

    /// Every version of one target, newest first.
    pub fn target_history(
        &self,
        indicator: &str,
        region: &RegionCode,
        year: i32,
    ) -> Result<Vec<TargetRow>> {
        self.with(|c| {
            c.query(
                &format!(
                    "SELECT {TARGET_COLS} FROM indicator_targets \
                     WHERE indicator = $1 AND region_code = $2 AND year = $3 ORDER BY id DESC"
                ),
                &[
                    indicator.into(),
                    region.to_string().into(),
                    (year as i64).into(),
                ],
            )?
            .iter()
            .map(|r| to_target(r))
            .collect()
        })
    }

    /// Saves (creates or replaces) a user-defined indicator's definition.
    pub fn save_user_indicator(
        &self,
        code: &str,
        definition: &str,
        username: &str,
        address: &str,
    ) -> Result<()> {
        self.transaction(|c| {
            let now = crate::now();
            let exists = c
                .query_one(
                    "SELECT code FROM user_indicators WHERE code = $1",
                    &[code.into()],
                )?
                .is_some();
            if exists {
                c.exec(
                    "UPDATE user_indicators SET definition = $1, updated_by = $2, updated_at = $3, retired = 0 WHERE code = $4",
                    &[definition.into(), username.into(), now.into(), code.into()],
                )?;
            } else {
                c.exec(
                    "INSERT INTO user_indicators (code, definition, created_by, created_at, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $3, $4)",
                    &[code.into(), definition.into(), username.into(), now.into()],
                )?;
            }
            append(
                c,
                &AuditRecord {
                    username,
                    action: if exists { "update" } else { "create" },
                    record_type: "user_indicator",
                    record_id: code,
                    fields: definition,
                    address,
                },
            )?;
            Ok(())
        })
    }

    /// Retires a user-defined indicator (kept, no longer computed).
    pub fn retire_user_indicator(&self, code: &str, username: &str, address: &str) -> Result<bool> {
        self.transaction(|c| {
            let n = c.exec(
                "UPDATE user_indicators SET retired = 1, updated_by = $1, updated_at = $2 WHERE code = $3 AND retired = 0",
                &[username.into(), crate::now().into(), code.into()],
            )?;
            if n > 0 {
                append(
                    c,
                    &AuditRecord {
                        username,
                        action: "update",
                        record_type: "user_indicator",
                        record_id: code,
                        fields: "retired",
                        address,
                    },
                )?;
            }
            Ok(n > 0)
        })
    }

    /// The user-defined indicators, in code order; `retired` ones only when asked.
    pub fn user_indicators(&self, include_retired: bool) -> Result<Vec<UserIndicatorRow>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT code, definition, created_by, created_at, updated_by, updated_at, retired \
                 FROM user_indicators ORDER BY code",
                &[],
            )?;
            let bad = || StoreError::Corrupt("user_indicators row".into());
            let mut out = Vec::new();
            for r in rows {
                let retired = r[6].int().unwrap_or(0) != 0;
                if retired && !include_retired {
                    continue;
                }
                out.push(UserIndicatorRow {
                    code: r[0].text().ok_or_else(bad)?,
                    definition: r[1].text().ok_or_else(bad)?,
                    created_by: r[2].text().ok_or_else(bad)?,
                    created_at: r[3].time().ok_or_else(bad)?,
                    updated_by: r[4].text().ok_or_else(bad)?,
                    updated_at: r[5].time().ok_or_else(bad)?,
                    retired,
                });
            }
            Ok(out)
        })
    }
}
