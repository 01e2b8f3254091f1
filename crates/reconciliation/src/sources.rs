//! Sources of births (来源): a births file (a village ledger, a hospital's birth
//! certificates, a household-registration extract) imported as one source, its
//! records kept as the source reported them (`source_births`, a kernel table, with
//! every re-import's revision), and, for reconciliation, the source's description
//! (kind, area, period) in this domain's `sources` table, written in the same
//! transaction as the records and the import's audit entry.

use crate::error::Error;
use crate::tables::{self, SourceMeta};
use renkou_domain::progress::Progress;
use renkou_domain::RegionCode;
use renkou_interchange::rejects::{file_name, sorted_errors, Rejects};
use renkou_interchange::{births, persons, FileKind, Row, RowError, TableReader};
use renkou_store::{
    AuditAction, AuditNote, ImportMeta, ImportOptions, ImportReport, RecordKind, Store,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;

fn scope_message(code: &RegionCode) -> String {
    format!("区划代码 {code} 不在您的辖区内 / region code {code} is outside your area")
}

/// Loads a births.csv/xlsx from one source (hospital, ledger, household registration).
pub fn import_births(
    store: &Store,
    path: &Path,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, Error> {
    Ok(import_births_as(store, path, source, opts, progress, None)?.0)
}

/// [`import_births`], and with `source_meta` the source's description stored in the
/// same transaction (reconciliation's source import); returns the source's id then.
pub fn import_births_as(
    store: &Store,
    path: &Path,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Progress,
    source_meta: Option<&SourceMeta>,
) -> Result<(ImportReport, Option<i64>), Error> {
    store.require_initialised()?;
    if source.trim().is_empty() {
        return Err(Error::Invalid(
            "请用 --source 注明出生记录的来源 / name the source of the births with --source".into(),
        ));
    }
    let mut reader = TableReader::open(path, FileKind::Births, opts.sheet.as_deref())?;
    let region_codes: HashSet<String> = store
        .regions()?
        .into_iter()
        .map(|r| r.code.to_string())
        .collect();
    let extra_cols = reader.extra_columns();
    let extra_columns: Vec<String> = extra_cols.iter().map(|(_, h)| h.clone()).collect();
    let meta = ImportMeta {
        kind: "births",
        file_name: file_name(path),
        source: Some(source.trim().to_string()),
        actor: opts.actor.clone(),
    };
    let mut session = store.begin_birth_import(meta)?;
    let mut errors: HashMap<u64, Vec<RowError>> = HashMap::new();
    let mut rejects = Rejects::new(path, &reader);
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut row = Row::default();
    let mut n = 0u64;
    progress.start("读取出生记录 / reading births", reader.progress().1);
    while reader.next_row(&mut row)? {
        n += 1;
        if n.is_multiple_of(4096) {
            progress.set(reader.progress().0);
        }
        let header = |c: &str| {
            reader
                .index(c)
                .map(|i| reader.header(i).to_string())
                .unwrap_or_else(|| c.to_string())
        };
        let mut row_errors = Vec::new();
        let parsed = births::parse(&reader, &row);
        if let Ok(b) = &parsed {
            if let Some(r) = &b.region_code {
                if !region_codes.contains(r.as_str()) {
                    row_errors.push(RowError {
                        file: reader.file.clone(),
                        row: row.line,
                        column: header("region_code"),
                        message: format!(
                            "区划代码 {r} 不在区划表中 / region code {r} is not in the region tree"
                        ),
                    });
                } else if opts.actor.area().is_some_and(|a| !a.contains(r)) {
                    row_errors.push(RowError {
                        file: reader.file.clone(),
                        row: row.line,
                        column: header("region_code"),
                        message: scope_message(r),
                    });
                }
            }
            if let Some(first) = seen.get(&b.record_id) {
                row_errors.push(RowError {
                    file: reader.file.clone(),
                    row: row.line,
                    column: header("record_id"),
                    message: format!(
                        "记录编号 {} 与第{first}行重复 / duplicate record_id {} (also at row {first})",
                        b.record_id, b.record_id
                    ),
                });
            }
        }
        match parsed {
            Ok(b) if row_errors.is_empty() => {
                seen.insert(b.record_id.clone(), row.line);
                let extra = persons::extras(&reader, &extra_cols, &row);
                session.push(&b, extra.as_deref())?;
            }
            Ok(_) => {
                rejects.add(&row, &row_errors);
                errors.insert(row.line, row_errors);
            }
            Err(e) => {
                rejects.add(&row, &e);
                errors.insert(row.line, e);
            }
        }
    }
    progress.finish();
    if !errors.is_empty() && !opts.skip_invalid {
        drop(session);
        return Err(Error::InvalidRows {
            file: reader.file.clone(),
            errors: sorted_errors(errors),
        });
    }
    if opts.dry_run {
        let mut counts = session.counts();
        counts.read = n;
        drop(session);
        return Ok((
            ImportReport {
                file: reader.file.clone(),
                counts,
                rejected_rows: errors.len(),
                rejected_file: None,
                extra_columns,
                conflicts: Vec::new(),
            },
            None,
        ));
    }
    let mut source_id = None;
    let (file, rejected) = (reader.file.clone(), errors.len());
    let counts = session.commit(&extra_columns, |tx, c| {
        if let Some(m) = source_meta {
            source_id = Some(tables::describe_source(tx, m, c.import_id)?);
        }
        tx.audit(AuditNote {
            action: AuditAction::IMPORT,
            record: RecordKind::IMPORT,
            record_id: &c.import_id.to_string(),
            fields: &format!(
                "births source_id={} file={file} read={} new={} revised={} unchanged={} rejected={rejected}",
                source_id.map(|i| i.to_string()).unwrap_or_default(),
                c.read,
                c.new,
                c.corrected,
                c.unchanged
            ),
        })?;
        Ok(())
    })?;
    let rejected_file = rejects.write()?;
    Ok((
        ImportReport {
            file: reader.file.clone(),
            counts,
            rejected_rows: errors.len(),
            rejected_file,
            extra_columns,
            conflicts: Vec::new(),
        },
        source_id,
    ))
}
