//! Sources of births (来源): a births file (a village ledger, a hospital's birth
//! certificates, a household-registration extract) imported as one source, its
//! records kept as the source reported them (`source_births`, a kernel table, with
//! every re-import's revision), and, for reconciliation, the source's description
//! (kind, area, period) in this domain's `sources` table, written in the same
//! transaction as the records and the import's audit entry.

use crate::error::Error;
use crate::tables::{self, SourceMeta};
use renkou_domain::birth::SourceFlag;
use renkou_domain::progress::Progress;
use renkou_domain::RegionCode;
use renkou_interchange::rejects::{file_name, sorted_errors, Rejects};
use renkou_interchange::{births, persons, FileKind, Row, RowError, TableReader};
use renkou_store::{
    AuditAction, AuditNote, ImportMeta, ImportOptions, ImportReport, RecordKind, Store,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// What a source import did: the kernel's report, the source's id (when it was
/// described), and how many records were kept with a cell as written, per reason.
#[derive(Debug, Clone, Default)]
pub struct SourceImport {
    pub report: ImportReport,
    pub source_id: Option<i64>,
    /// Records per flag, in the flags' order.
    pub flagged: Vec<(SourceFlag, u64)>,
    /// The first [`MAX_SHOWN`] flagged records (spreadsheet row, record id, flags),
    /// for a preview.
    pub flagged_rows: Vec<FlaggedRow>,
    /// The refused rows' errors (all of them under `skip_invalid`), first
    /// [`MAX_SHOWN`].
    pub refused: Vec<RowError>,
    /// Records kept with at least one flag.
    pub flagged_total: u64,
}

/// How many flagged records and refused rows a report lists one by one.
pub const MAX_SHOWN: usize = 200;

#[derive(Debug, Clone)]
pub struct FlaggedRow {
    pub row: u64,
    pub record_id: String,
    pub flags: Vec<SourceFlag>,
}

fn scope_message(code: &RegionCode) -> String {
    format!("区划代码 {code} 不在您的辖区内 / region code {code} is outside your area")
}

/// Loads a births.csv/xlsx from one source (hospital, ledger, household registration),
/// its records kept as the source wrote them (`renkou_interchange::births`): a cell
/// that does not parse, or a village the region tree does not know, is stored raw
/// and flagged. Refused, with file:row:column, are only rows that describe no
/// birth, a duplicate record id, and a village outside the importer's area; with
/// `skip_invalid` the rest is loaded and the refused rows are written beside the
/// file.
pub fn import_births(
    store: &Store,
    path: &Path,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, Error> {
    Ok(import_births_as(store, path, source, opts, progress, None)?.report)
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
) -> Result<SourceImport, Error> {
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
    let mut flagged: std::collections::BTreeMap<SourceFlag, u64> = Default::default();
    let mut flagged_rows = Vec::new();
    let mut flagged_total = 0u64;
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
        let mut parsed = births::parse(&reader, &row);
        if let Ok(b) = &mut parsed {
            // A village the tree does not know (another county's mother, a slip) is
            // the source's word: kept as written, flagged.
            if let Some(r) = b
                .region_code
                .take_if(|r| !region_codes.contains(r.as_str()))
            {
                b.raw.region_code = Some(r.to_string());
                b.flag(SourceFlag::RegionUnknown);
            }
            if let Some(r) = &b.region_code {
                if opts.actor.area().is_some_and(|a| !a.contains(r)) {
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
                // "No mother" is how many sources are; it is not a cell kept raw.
                let kept: Vec<SourceFlag> = b
                    .flags
                    .iter()
                    .copied()
                    .filter(|f| !matches!(f, SourceFlag::MotherMissing | SourceFlag::SexMissing))
                    .collect();
                for f in &b.flags {
                    *flagged.entry(*f).or_default() += 1;
                }
                if !kept.is_empty() {
                    flagged_total += 1;
                    if flagged_rows.len() < MAX_SHOWN {
                        flagged_rows.push(FlaggedRow {
                            row: row.line,
                            record_id: b.record_id.clone(),
                            flags: b.flags.clone(),
                        });
                    }
                }
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
    let flagged: Vec<(SourceFlag, u64)> = flagged.into_iter().collect();
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
        let rejected_rows = errors.len();
        return Ok(SourceImport {
            report: ImportReport {
                file: reader.file.clone(),
                counts,
                rejected_rows,
                rejected_file: None,
                extra_columns,
                conflicts: Vec::new(),
            },
            source_id: None,
            flagged,
            flagged_rows,
            refused: shown(errors),
            flagged_total,
        });
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
    let rejected_rows = errors.len();
    Ok(SourceImport {
        report: ImportReport {
            file: reader.file.clone(),
            counts,
            rejected_rows,
            rejected_file,
            extra_columns,
            conflicts: Vec::new(),
        },
        source_id,
        flagged,
        flagged_rows,
        refused: shown(errors),
        flagged_total,
    })
}

fn shown(errors: HashMap<u64, Vec<RowError>>) -> Vec<RowError> {
    let mut all = sorted_errors(errors);
    all.truncate(MAX_SHOWN);
    all
}
