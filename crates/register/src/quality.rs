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
