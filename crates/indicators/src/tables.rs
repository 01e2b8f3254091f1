//! Targets (目标值) per indicator, region and year, versioned, and the saved
//! definitions of user-defined indicators (自定义指标).
//!
//! A target is never updated in place: setting one supersedes the current row and
//! inserts the new value, in one transaction with its audit entry, so the history
//! of a target (every value, who set it, when) stays readable. What a target and
//! its gap mean is the stats engine's; here they are rows. The tables are this
//! domain's own (`migrations/`), written through the kernel's [`Tx`].

use chrono::{DateTime, Utc};
use renkou_domain::RegionCode;
use renkou_store::{
    AuditAction, AuditNote, Conn, RecordKind, Result, Store, StoreError, Tx, Value,
};

/// The audit log's names for this domain's records.
pub const TARGET: RecordKind = RecordKind::new("target", "目标值", "target");
pub const USER_INDICATOR: RecordKind =
    RecordKind::new("user_indicator", "自定义指标", "user-defined indicator");
pub const RECORD_KINDS: &[RecordKind] = &[TARGET, USER_INDICATOR];

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
            renkou_store::now().into(),
            username.into(),
            region.into(),
            (year as i64).into(),
            indicator.into(),
        ],
    )
}

/// Targets are not personal data: the values go into the audit entry.
fn audit_target(tx: &mut Tx<'_>, region: &str, fields: &str) -> Result<i64> {
    tx.audit(AuditNote {
        action: AuditAction::UPDATE,
        record: TARGET,
        record_id: region,
        fields,
    })
}

/// Supersedes the current version (if any) and inserts `t`, with its audit entry.
pub fn set_target(tx: &mut Tx<'_>, t: &TargetInput) -> Result<i64> {
    let now = renkou_store::now();
    let region = t.region.to_string();
    let username = tx.actor().username.clone();
    supersede(tx.conn(), &t.indicator, &region, t.year, &username)?;
    let id = tx
        .conn()
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
                username.as_str().into(),
                now.into(),
            ],
        )?
        .and_then(|r| r[0].int())
        .ok_or_else(|| StoreError::Corrupt("target id".into()))?;
    let fields = format!(
        "indicator={} year={} direction={} value={}",
        t.indicator, t.year, t.direction, t.value
    );
    audit_target(tx, &region, &fields)?;
    Ok(id)
}

/// Removes a target: its current version is superseded and none replaces it.
/// Returns whether there was one.
pub fn clear_target(
    tx: &mut Tx<'_>,
    indicator: &str,
    region: &RegionCode,
    year: i32,
) -> Result<bool> {
    let region = region.to_string();
    let username = tx.actor().username.clone();
    let n = supersede(tx.conn(), indicator, &region, year, &username)?;
    if n > 0 {
        let fields = format!("indicator={indicator} year={year} cleared");
        audit_target(tx, &region, &fields)?;
    }
    Ok(n > 0)
}

/// Reads of this domain's tables.
pub trait IndicatorTables {
    fn targets_in(&self, region: &RegionCode, year: i32) -> Result<Vec<TargetRow>>;
    fn target_history(
        &self,
        indicator: &str,
        region: &RegionCode,
        year: i32,
    ) -> Result<Vec<TargetRow>>;
    fn user_indicators(&self, include_retired: bool) -> Result<Vec<UserIndicatorRow>>;
}

impl IndicatorTables for Store {
    /// The current targets of `year` for `region` and every region inside it.
    fn targets_in(&self, region: &RegionCode, year: i32) -> Result<Vec<TargetRow>> {
        let (lo, hi) = renkou_store::prefix_range(region.prefix());
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
    fn target_history(
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

    /// The user-defined indicators, in code order; `retired` ones only when asked.
    fn user_indicators(&self, include_retired: bool) -> Result<Vec<UserIndicatorRow>> {
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

/// Saves (creates or replaces) a user-defined indicator's definition.
pub fn save_user_indicator(tx: &mut Tx<'_>, code: &str, definition: &str) -> Result<()> {
    let now = renkou_store::now();
    let username = tx.actor().username.clone();
    let c = tx.conn();
    let exists = c
        .query_one(
            "SELECT code FROM user_indicators WHERE code = $1",
            &[code.into()],
        )?
        .is_some();
    if exists {
        c.exec(
            "UPDATE user_indicators SET definition = $1, updated_by = $2, updated_at = $3, retired = 0 WHERE code = $4",
            &[definition.into(), username.as_str().into(), now.into(), code.into()],
        )?;
    } else {
        c.exec(
            "INSERT INTO user_indicators (code, definition, created_by, created_at, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $3, $4)",
            &[code.into(), definition.into(), username.as_str().into(), now.into()],
        )?;
    }
    tx.audit(AuditNote {
        action: if exists {
            AuditAction::UPDATE
        } else {
            AuditAction::CREATE
        },
        record: USER_INDICATOR,
        record_id: code,
        fields: definition,
    })?;
    Ok(())
}

/// Retires a user-defined indicator (kept, no longer computed).
pub fn retire_user_indicator(tx: &mut Tx<'_>, code: &str) -> Result<bool> {
    let username = tx.actor().username.clone();
    let n = tx.conn().exec(
        "UPDATE user_indicators SET retired = 1, updated_by = $1, updated_at = $2 WHERE code = $3 AND retired = 0",
        &[username.as_str().into(), renkou_store::now().into(), code.into()],
    )?;
    if n > 0 {
        tx.audit(AuditNote {
            action: AuditAction::UPDATE,
            record: USER_INDICATOR,
            record_id: code,
            fields: "retired",
        })?;
    }
    Ok(n > 0)
}
