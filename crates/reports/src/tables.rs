//! This domain's SQL: the template versions and the archive, read through the
//! store's `Conn` and written through the kernel's `Tx` with their audit entries.

use chrono::{DateTime, Utc};
use renkou_domain::RegionCode;
use renkou_store::{AuditAction, AuditNote, RecordKind, Result, Store, StoreError, Tx, Value};

/// The audit log's names for this domain's records.
pub const REPORT: RecordKind = RecordKind::new("report", "报告", "report");
pub const REPORT_TEMPLATE: RecordKind =
    RecordKind::new("report_template", "报告模板", "report template");
pub const REPORT_SCHEDULE: RecordKind =
    RecordKind::new("report_schedule", "定时报告", "report schedule");
pub const RECORD_KINDS: &[RecordKind] = &[REPORT, REPORT_TEMPLATE, REPORT_SCHEDULE];

/// The verb of a report made ("generated" is not among the kernel's).
pub const GENERATE: AuditAction = AuditAction::new("generate", "生成", "generate");
/// The verb of a report sent up or received.
pub const SUBMIT: AuditAction = AuditAction::new("submit", "报送", "submit");
pub const ACTIONS: &[AuditAction] = &[GENERATE, SUBMIT];

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRow {
    pub id: i64,
    pub kind: String,
    pub body: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A report to archive.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub kind: &'a str,
    pub region: &'a RegionCode,
    pub period: &'a str,
    pub format: &'a str,
    pub register_version: i64,
    pub template_id: Option<i64>,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
}

/// An archived report, without its file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ArchivedReport {
    pub id: i64,
    pub kind: String,
    pub region_code: String,
    pub period: String,
    pub format: String,
    pub register_version: i64,
    pub template_id: Option<i64>,
    pub generated_by: String,
    pub generated_at: DateTime<Utc>,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub status: String,
    pub status_by: Option<String>,
    pub status_at: Option<DateTime<Utc>>,
}

const ARCHIVE_COLS: &str = "id, kind, region_code, period, format, register_version, template_id, \
     generated_by, generated_at, file_name, sha256, size, status, status_by, status_at";

fn to_archived(r: &[Value]) -> Result<ArchivedReport> {
    let bad = || StoreError::Corrupt("report_archive row".into());
    Ok(ArchivedReport {
        id: r[0].int().ok_or_else(bad)?,
        kind: r[1].text().ok_or_else(bad)?,
        region_code: r[2].text().ok_or_else(bad)?,
        period: r[3].text().ok_or_else(bad)?,
        format: r[4].text().ok_or_else(bad)?,
        register_version: r[5].int().ok_or_else(bad)?,
        template_id: r[6].int(),
        generated_by: r[7].text().ok_or_else(bad)?,
        generated_at: r[8].time().ok_or_else(bad)?,
        file_name: r[9].text().ok_or_else(bad)?,
        sha256: r[10].text().ok_or_else(bad)?,
        size: r[11].int().ok_or_else(bad)?,
        status: r[12].text().ok_or_else(bad)?,
        status_by: r[13].text(),
        status_at: r[14].time(),
    })
}

fn to_template(r: &[Value]) -> Result<TemplateRow> {
    let bad = || StoreError::Corrupt("report_templates row".into());
    Ok(TemplateRow {
        id: r[0].int().ok_or_else(bad)?,
        kind: r[1].text().ok_or_else(bad)?,
        body: r[2].text().ok_or_else(bad)?,
        created_by: r[3].text().ok_or_else(bad)?,
        created_at: r[4].time().ok_or_else(bad)?,
    })
}

/// Archives a generated report with its audit entry; returns its id.
pub fn archive(tx: &mut Tx<'_>, r: &NewReport<'_>) -> Result<i64> {
    let username = tx.actor().username.clone();
    let id = tx
        .conn()
        .query_one(
            "INSERT INTO report_archive (kind, region_code, period, format, register_version, template_id, \
             generated_by, generated_at, file_name, sha256, size, content) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            &[
                r.kind.into(),
                r.region.as_str().into(),
                r.period.into(),
                r.format.into(),
                r.register_version.into(),
                r.template_id.into(),
                username.as_str().into(),
                renkou_store::now().into(),
                r.file_name.into(),
                r.sha256.into(),
                (r.content.len() as i64).into(),
                Value::Bytes(r.content.to_vec()),
            ],
        )?
        .and_then(|row| row[0].int())
        .ok_or_else(|| StoreError::Corrupt("report id".into()))?;
    let fields = format!(
        "kind={} region={} period={} format={} version={} sha256={}",
        r.kind, r.region, r.period, r.format, r.register_version, r.sha256
    );
    tx.audit(AuditNote {
        action: GENERATE,
        record: REPORT,
        record_id: &id.to_string(),
        fields: &fields,
    })?;
    Ok(id)
}

/// Saves a new version of a template with its audit entry; returns its id.
pub fn save_template(tx: &mut Tx<'_>, kind: &str, body: &str) -> Result<i64> {
    let username = tx.actor().username.clone();
    let id = tx
        .conn()
        .query_one(
            "INSERT INTO report_templates (kind, body, created_by, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
            &[
                kind.into(),
                body.into(),
                username.as_str().into(),
                renkou_store::now().into(),
            ],
        )?
        .and_then(|row| row[0].int())
        .ok_or_else(|| StoreError::Corrupt("template id".into()))?;
    tx.audit(AuditNote {
        action: AuditAction::UPDATE,
        record: REPORT_TEMPLATE,
        record_id: &id.to_string(),
        fields: &format!("kind={kind} chars={}", body.chars().count()),
    })?;
    Ok(id)
}

/// Moves an archived report from `from` to `status` (submitted, received), with
/// its audit entry; whether it was in `from`.
pub fn set_status(tx: &mut Tx<'_>, id: i64, from: &str, status: &str) -> Result<bool> {
    let username = tx.actor().username.clone();
    let n = tx.conn().exec(
        "UPDATE report_archive SET status = $1, status_by = $2, status_at = $3 WHERE id = $4 AND status = $5",
        &[
            status.into(),
            username.as_str().into(),
            renkou_store::now().into(),
            id.into(),
            from.into(),
        ],
    )?;
    if n > 0 {
        tx.audit(AuditNote {
            action: SUBMIT,
            record: REPORT,
            record_id: &id.to_string(),
            fields: &format!("status={status}"),
        })?;
    }
    Ok(n > 0)
}

/// Reads of this domain's tables.
pub trait ReportTables {
    fn latest_template(&self, kind: &str) -> Result<Option<TemplateRow>>;
    fn template(&self, id: i64) -> Result<Option<TemplateRow>>;
    /// The archived reports of `area` and the regions inside it (every one for
    /// `None`), newest first.
    fn archived_reports(&self, area: Option<&RegionCode>) -> Result<Vec<ArchivedReport>>;
    fn archived_report(&self, id: i64) -> Result<Option<ArchivedReport>>;
    /// The file of an archived report.
    fn archived_file(&self, id: i64) -> Result<Option<Vec<u8>>>;
}

impl ReportTables for Store {
    fn latest_template(&self, kind: &str) -> Result<Option<TemplateRow>> {
        self.with(|c| {
            c.query_one(
                "SELECT id, kind, body, created_by, created_at FROM report_templates \
                 WHERE kind = $1 ORDER BY id DESC LIMIT 1",
                &[kind.into()],
            )?
            .map(|r| to_template(&r))
            .transpose()
        })
    }

    fn template(&self, id: i64) -> Result<Option<TemplateRow>> {
        self.with(|c| {
            c.query_one(
                "SELECT id, kind, body, created_by, created_at FROM report_templates WHERE id = $1",
                &[id.into()],
            )?
            .map(|r| to_template(&r))
            .transpose()
        })
    }

    fn archived_reports(&self, area: Option<&RegionCode>) -> Result<Vec<ArchivedReport>> {
        self.with(|c| {
            let rows = match area {
                Some(a) => {
                    let (lo, hi) = renkou_store::prefix_range(a.prefix());
                    c.query(
                        &format!(
                            "SELECT {ARCHIVE_COLS} FROM report_archive \
                             WHERE region_code >= $1 AND region_code < $2 ORDER BY id DESC"
                        ),
                        &[lo.into(), hi.into()],
                    )?
                }
                None => c.query(
                    &format!("SELECT {ARCHIVE_COLS} FROM report_archive ORDER BY id DESC"),
                    &[],
                )?,
            };
            rows.iter().map(|r| to_archived(r)).collect()
        })
    }

    fn archived_report(&self, id: i64) -> Result<Option<ArchivedReport>> {
        self.with(|c| {
            c.query_one(
                &format!("SELECT {ARCHIVE_COLS} FROM report_archive WHERE id = $1"),
                &[id.into()],
            )?
            .map(|r| to_archived(&r))
            .transpose()
        })
    }

    fn archived_file(&self, id: i64) -> Result<Option<Vec<u8>>> {
        self.with(|c| {
            Ok(c.query_one(
                "SELECT content FROM report_archive WHERE id = $1",
                &[id.into()],
            )?
            .and_then(|r| r[0].bytes().map(<[u8]>::to_vec)))
        })
    }
}
