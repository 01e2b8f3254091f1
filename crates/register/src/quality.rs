//! The data-quality list (数据质量待核): what imports flagged, and a scan of the
//! register against the rules every write obeys now, so that records which got
//! in before (by an older import, through a path that skipped a rule) are found
//! and listed for a person to resolve. Nothing here changes a person.

use crate::error::AppError;
use renkou_domain::quality::QualityIssue;
use renkou_domain::RegionCode;
use renkou_store::quality::StoredQualityIssue;
use renkou_store::{Actor, AuditAction, AuditNote, RecordKind, Store};

/// What a scan found.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Every finding in the area.
    pub found: Vec<QualityIssue>,
    /// Of them, those not on the list before (now added to it).
    pub added: u64,
}

/// Scans `region` and puts what it finds on the list, audited.
pub fn scan(store: &Store, actor: &Actor, region: &RegionCode) -> Result<Scan, AppError> {
    if !actor.can_read(region) {
        return Err(AppError::Invalid(format!(
            "区划 {region} 不在您的辖区内 / region {region} is outside your area"
        )));
    }
    let found = store.scan_rules(region)?;
    let added = store.write(actor, |tx| {
        let n = tx.record_quality(&found)?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: RecordKind::QUALITY_ISSUE,
            record_id: region.as_str(),
            fields: &format!("scan found={} added={n}", found.len()),
        })?;
        Ok::<_, AppError>(n)
    })?;
    Ok(Scan { found, added })
}

/// The open issues of an area.
pub fn open_issues(
    store: &Store,
    region: &RegionCode,
) -> Result<Vec<StoredQualityIssue>, AppError> {
    Ok(store.quality_issues(region)?)
}

/// Issues of an area resolved most recently, newest first.
pub fn resolved_issues(
    store: &Store,
    region: &RegionCode,
    limit: i64,
) -> Result<Vec<StoredQualityIssue>, AppError> {
    Ok(store.resolved_quality_issues(region, limit)?)
}

/// The longest reason a resolution keeps.
pub const REASON_MAX: usize = 500;

/// Resolves an open issue with the reason a person gave (核实无误, 已更正, …),
/// audited in the same transaction. Only an account that edits personal records
/// in the person's village may; an issue outside the area is "not found", as if
/// it did not exist.
pub fn resolve(store: &Store, actor: &Actor, id: i64, reason: &str) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::Invalid(
            "请填写处理说明（如：已核实无误、已更正） / give the reason (checked and correct, corrected, …)".into(),
        ));
    }
    if reason.chars().count() > REASON_MAX || reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::Invalid(format!(
            "处理说明最多 {REASON_MAX} 个字 / the reason may have at most {REASON_MAX} characters"
        )));
    }
    let issue = store
        .quality_issue(id)?
        .filter(|q| RegionCode::parse(&q.region_code).is_ok_and(|r| actor.can_read(&r)))
        .ok_or_else(|| AppError::Invalid(format!("没有待核问题 {id} / no issue {id}")))?;
    let region = RegionCode::parse(&issue.region_code)
        .map_err(|_| AppError::Invalid(format!("没有待核问题 {id} / no issue {id}")))?;
    if !actor.can_write(&region) {
        return Err(renkou_store::StoreError::Forbidden.into());
    }
    if issue.status != "open" {
        return Err(AppError::Invalid(
            "该问题已处理 / this issue has already been resolved".into(),
        ));
    }
    store.write(actor, |tx| {
        if !tx.resolve_quality(id, reason)? {
            return Err(AppError::Invalid(
                "该问题已处理 / this issue has already been resolved".into(),
            ));
        }
        tx.audit(AuditNote {
            action: AuditAction::REVIEW,
            record: RecordKind::QUALITY_ISSUE,
            record_id: &id.to_string(),
            fields: &format!(
                "person={} kind={}",
                issue.issue.person_no,
                issue.issue.kind.as_str()
            ),
        })?;
        Ok(())
    })
}
