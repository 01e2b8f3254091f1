//! Exporting the register in the interchange formats, readable by our own importer.

use crate::error::AppError;
use renkou_domain::progress::Progress;
use renkou_domain::RegionCode;
use renkou_interchange::write::{person_cells, region_cells, OutFormat, TableWriter};
use renkou_interchange::FileKind;
use renkou_store::Store;
use std::path::Path;

/// Writes the persons living in `region` to `path`; returns how many.
pub fn export_persons(
    store: &Store,
    region: &RegionCode,
    path: &Path,
    format: OutFormat,
    zh_headers: bool,
    progress: &dyn Progress,
) -> Result<u64, AppError> {
    let mut w = TableWriter::for_kind(path, format, FileKind::Persons, zh_headers)?;
    let mut n = 0u64;
    progress.start("导出人员 / exporting persons", 0);
    store.for_each_person_in(region, &mut |p| {
        w.write_row(&person_cells(&p))
            .map_err(|e| renkou_store::StoreError::Invalid(e.to_string()))?;
        n += 1;
        if n.is_multiple_of(8192) {
            progress.set(n);
        }
        Ok(())
    })?;
    w.finish()?;
    progress.finish();
    Ok(n)
}

/// Writes the region tree under `region` (inclusive) to `path`.
pub fn export_regions(
    store: &Store,
    region: &RegionCode,
    path: &Path,
    format: OutFormat,
) -> Result<u64, AppError> {
    let mut w = TableWriter::for_kind(path, format, FileKind::Regions, false)?;
    let mut n = 0;
    for r in store.regions()? {
        if region.contains(&r.code) {
            w.write_row(&region_cells(&r))?;
            n += 1;
        }
    }
    w.finish()?;
    Ok(n)
}

/// Writes an export with `write` (a file of `region`'s persons or households for
/// download) and records it in the audit log — exports carry personal data out of
/// the system — with what and how many rows `write` returned.
pub fn audited_export<T>(
    store: &Store,
    actor: &renkou_store::Actor,
    region: &RegionCode,
    what: &str,
    write: impl FnOnce() -> Result<(T, usize), AppError>,
) -> Result<T, AppError> {
    let (out, rows) = write()?;
    let fields = format!("{what}={rows}");
    let fields = fields.as_str();
    store.audit(
        actor,
        renkou_store::AuditNote {
            action: renkou_store::AuditAction::EXPORT,
            record: renkou_store::RecordKind::REGION,
            record_id: region.as_str(),
            fields,
        },
    )?;
    Ok(out)
}
