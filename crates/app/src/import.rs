//! Importing interchange files into the register, all or nothing.
//!
//! Every row is checked (fields, duplicates, region codes, parent links) and every
//! problem reported as file:row:column. By default one bad row means nothing is
//! written; with `skip_invalid` the good rows load and the bad ones are written,
//! with a reason column, to a file beside the input. Suspicious but possible facts
//! (an ID number disagreeing with the stated birth date, a very young mother) load
//! and go on the data-quality list.

use crate::error::AppError;
use crate::progress::Progress;
use renkou_domain::quality::{self, QualityIssue};
use renkou_domain::{Date, PersonRecord, Region, RegionLevel, Sex};
use renkou_interchange::write::{OutFormat, TableWriter};
use renkou_interchange::{births, persons, regions, FileKind, Row, RowError, TableReader};
use renkou_store::regions::RegionCounts;
use renkou_store::{ImportCounts, ImportMeta, PersonImport, Store};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// xlsx sheet to read (default: the first).
    pub sheet: Option<String>,
    /// Load the good rows and write the bad ones to `<input>.rejected.csv`.
    pub skip_invalid: bool,
    /// Account recorded as the author of the events.
    pub recorded_by: String,
    /// Check everything and write nothing (a preview): the transaction is rolled
    /// back at the end.
    pub dry_run: bool,
    /// Only rows living in this region may be imported (the importing account's
    /// area); others are errors.
    pub scope: Option<renkou_domain::RegionCode>,
}

fn outside_scope(
    scope: &Option<renkou_domain::RegionCode>,
    code: &renkou_domain::RegionCode,
) -> bool {
    scope.as_ref().is_some_and(|s| !s.contains(code))
}

fn scope_message(code: &renkou_domain::RegionCode) -> String {
    format!("区划代码 {code} 不在您的辖区内 / region code {code} is outside your area")
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub file: String,
    pub counts: ImportCounts,
    /// Rows rejected under `skip_invalid`, with where they were written.
    pub rejected_rows: usize,
    pub rejected_file: Option<PathBuf>,
    pub extra_columns: Vec<String>,
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn rejected_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    path.with_file_name(format!("{stem}.rejected.csv"))
}

/// Rejected rows: the original cells plus the reasons, beside the input file.
struct Rejects {
    path: PathBuf,
    rows: Vec<(Vec<String>, String)>,
    headers: Vec<String>,
}

impl Rejects {
    fn new(path: &Path, reader: &TableReader) -> Self {
        Rejects {
            path: rejected_path(path),
            rows: Vec::new(),
            headers: reader.headers.clone(),
        }
    }
    fn add(&mut self, row: &Row, errors: &[RowError]) {
        let reason = errors
            .iter()
            .map(|e| format!("{}: {}", e.column, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut cells: Vec<String> = row.cells().map(str::to_string).collect();
        cells.resize(self.headers.len(), String::new());
        self.rows.push((cells, reason));
    }
    fn write(&self) -> Result<Option<PathBuf>, AppError> {
        if self.rows.is_empty() {
            return Ok(None);
        }
        let mut headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
        headers.push("原因/reason");
        let mut w = TableWriter::create(&self.path, OutFormat::Csv, &headers)?;
        for (cells, reason) in &self.rows {
            let mut r = cells.clone();
            r.push(reason.clone());
            w.write_row(&r)?;
        }
        w.finish()?;
        Ok(Some(self.path.clone()))
    }
}

// --- regions -------------------------------------------------------------

/// Loads regions.csv/xlsx. Every region's parent must be in the file or already in
/// the register (a county needs none); any bad row and nothing is written.
pub fn import_regions(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
) -> Result<(RegionCounts, usize), AppError> {
    store.require_initialised()?;
    let mut reader = TableReader::open(path, FileKind::Regions, opts.sheet.as_deref())?;
    let mut row = Row::default();
    let mut parsed: Vec<(u64, Region)> = Vec::new();
    let mut errors = Vec::new();
    while reader.next_row(&mut row)? {
        match regions::parse(&reader, &row) {
            Ok(r) => parsed.push((row.line, r)),
            Err(e) => errors.extend(e),
        }
    }
    let known: HashSet<String> = store
        .regions()?
        .into_iter()
        .map(|r| r.code.to_string())
        .collect();
    let mut in_file: HashMap<String, u64> = HashMap::new();
    let err = |row: u64, column: &str, message: String| RowError {
        file: reader.file.clone(),
        row,
        column: reader
            .index(column)
            .map(|i| reader.header(i).to_string())
            .unwrap_or_else(|| column.to_string()),
        message,
    };
    for (line, r) in &parsed {
        if let Some(first) = in_file.insert(r.code.to_string(), *line) {
            errors.push(err(
                *line,
                "region_code",
                format!("区划代码 {} 与第{first}行重复 / duplicate region code {} (also at row {first})", r.code, r.code),
            ));
        }
    }
    let exists = |c: &str| in_file.contains_key(c) || known.contains(c);
    for (line, r) in &parsed {
        let needs_parent = r.level() > RegionLevel::County;
        if let Some(parent) = r.code.parent().filter(|_| needs_parent) {
            if !exists(parent.as_str()) {
                errors.push(err(
                    *line,
                    "region_code",
                    format!("上级区划 {parent} 不在文件中，也不在登记中 / parent region {parent} is neither in the file nor in the register"),
                ));
            }
        }
        if let Some(s) = &r.successor {
            if !exists(s.as_str()) {
                errors.push(err(
                    *line,
                    "successor_code",
                    format!("继承区划 {s} 不存在 / successor region {s} does not exist"),
                ));
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(AppError::InvalidRows {
            file: reader.file.clone(),
            errors,
        });
    }
    let regions: Vec<Region> = parsed.into_iter().map(|(_, r)| r).collect();
    let n = regions.len();
    Ok((store.upsert_regions(&regions)?, n))
}

// --- persons -------------------------------------------------------------

struct Seen {
    row: u64,
    birth: Date,
    sex: Sex,
}

struct ParentRef {
    row: u64,
    child_no: String,
    child_birth: Date,
    parent_no: String,
    mother: bool,
}

/// What one pass over a persons file found.
#[derive(Default)]
struct Scan {
    /// Errors by row.
    errors: HashMap<u64, Vec<RowError>>,
    quality: Vec<QualityIssue>,
    /// Rows handed to the session.
    pushed: u64,
}

/// One pass over the file. With a session, valid rows not in `skip` are loaded.
fn scan_persons(
    store: &Store,
    reader: &mut TableReader,
    mut session: Option<&mut PersonImport>,
    skip: &HashSet<u64>,
    region_codes: &HashSet<String>,
    scope: &Option<renkou_domain::RegionCode>,
    progress: &dyn Progress,
) -> Result<Scan, AppError> {
    let mut scan = Scan::default();
    let extra_cols = reader.extra_columns();
    let mut seen: HashMap<String, Seen> = HashMap::new();
    let mut refs: Vec<ParentRef> = Vec::new();
    let mut row = Row::default();
    let mut n = 0u64;
    progress.start("读取人员 / reading persons", reader.progress().1);
    let header_of = |reader: &TableReader, col: &str| {
        reader
            .index(col)
            .map(|i| reader.header(i).to_string())
            .unwrap_or_else(|| col.to_string())
    };
    while reader.next_row(&mut row)? {
        n += 1;
        if n.is_multiple_of(8192) {
            progress.set(reader.progress().0);
        }
        if skip.contains(&row.line) {
            continue;
        }
        let p: PersonRecord = match persons::parse(reader, &row) {
            Ok(p) => p,
            Err(e) => {
                scan.errors.entry(row.line).or_default().extend(e);
                continue;
            }
        };
        let mut row_errors = Vec::new();
        if !region_codes.contains(p.region_code.as_str()) {
            row_errors.push(RowError {
                file: reader.file.clone(),
                row: row.line,
                column: header_of(reader, "region_code"),
                message: format!(
                    "区划代码 {} 不在区划表中，请先导入区划 / region code {} is not in the region tree; import regions first",
                    p.region_code, p.region_code
                ),
            });
        } else if outside_scope(scope, &p.region_code) {
            row_errors.push(RowError {
                file: reader.file.clone(),
                row: row.line,
                column: header_of(reader, "region_code"),
                message: scope_message(&p.region_code),
            });
        }
        if let Some(first) = seen.get(&p.person_no) {
            row_errors.push(RowError {
                file: reader.file.clone(),
                row: row.line,
                column: header_of(reader, "person_id"),
                message: format!(
                    "人员编号 {} 与第{}行重复 / duplicate person_id {} (also at row {})",
                    p.person_no, first.row, p.person_no, first.row
                ),
            });
        }
        if !row_errors.is_empty() {
            scan.errors.entry(row.line).or_default().extend(row_errors);
            continue;
        }
        for (no, mother) in [(&p.mother_no, true), (&p.father_no, false)] {
            if let Some(no) = no {
                refs.push(ParentRef {
                    row: row.line,
                    child_no: p.person_no.clone(),
                    child_birth: p.birth_date,
                    parent_no: no.clone(),
                    mother,
                });
            }
        }
        scan.quality.extend(quality::check_person(&p));
        seen.insert(
            p.person_no.clone(),
            Seen {
                row: row.line,
                birth: p.birth_date,
                sex: p.sex,
            },
        );
        if let Some(s) = session.as_deref_mut() {
            let extra = persons::extras(reader, &extra_cols, &row);
            s.push(&p, extra.as_deref())?;
        }
        scan.pushed += 1;
    }
    progress.finish();

    // Parent links: to a row of this file, or to a person already in the register.
    let outside: Vec<String> = refs
        .iter()
        .filter(|r| !seen.contains_key(&r.parent_no))
        .map(|r| r.parent_no.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let register = match session {
        Some(s) => s.lookup(&outside)?,
        None => store.lookup_birth_sex(&outside)?,
    };
    // A parent whose own row is bad cannot be linked to; repeat until no new row
    // falls (a grandmother's bad row takes the mother's and then the child's).
    let mut bad_rows: HashSet<u64> = scan.errors.keys().copied().collect();
    loop {
        let mut fell = false;
        for r in &refs {
            if bad_rows.contains(&r.row) {
                continue;
            }
            let col = header_of(reader, if r.mother { "mother_id" } else { "father_id" });
            let (zh, en) = if r.mother {
                ("母亲", "mother")
            } else {
                ("父亲", "father")
            };
            let found = match seen.get(&r.parent_no) {
                Some(s) if bad_rows.contains(&s.row) => Err(format!(
                    "{zh}（第{}行）有错误未导入 / the {en}'s row {} is invalid",
                    s.row, s.row
                )),
                Some(s) => Ok((s.birth, s.sex)),
                None => register.get(&r.parent_no).copied().ok_or_else(|| {
                    format!(
                        "{zh}编号 {} 在文件和登记中都找不到 / {en}_id {} is neither in the file nor in the register",
                        r.parent_no, r.parent_no
                    )
                }),
            };
            let message = match found {
                Err(m) => Some(m),
                Ok((_, sex)) if r.mother && sex == Sex::Male => Some(format!(
                    "母亲编号 {} 指向男性 / mother_id {} points to a male person",
                    r.parent_no, r.parent_no
                )),
                Ok((_, sex)) if !r.mother && sex == Sex::Female => Some(format!(
                    "父亲编号 {} 指向女性 / father_id {} points to a female person",
                    r.parent_no, r.parent_no
                )),
                Ok(_) => None,
            };
            if let Some(message) = message {
                scan.errors.entry(r.row).or_default().push(RowError {
                    file: reader.file.clone(),
                    row: r.row,
                    column: col,
                    message,
                });
                bad_rows.insert(r.row);
                fell = true;
            }
        }
        if !fell {
            break;
        }
    }
    for r in &refs {
        if bad_rows.contains(&r.row) {
            continue;
        }
        let birth = seen
            .get(&r.parent_no)
            .map(|s| s.birth)
            .or_else(|| register.get(&r.parent_no).map(|x| x.0));
        if let Some(b) = birth {
            scan.quality.extend(quality::check_parent(
                &r.child_no,
                r.child_birth,
                b,
                r.mother,
            ));
        }
    }
    scan.quality.retain(|q| {
        seen.get(&q.person_no)
            .is_some_and(|s| !bad_rows.contains(&s.row))
    });
    Ok(scan)
}

/// Rows a dry run would load: the rows it pushed.
fn scan_rows(scan: &Scan, _skipped: usize) -> u64 {
    scan.pushed
}

fn sorted_errors(errors: HashMap<u64, Vec<RowError>>) -> Vec<RowError> {
    let mut rows: Vec<(u64, Vec<RowError>)> = errors.into_iter().collect();
    rows.sort_by_key(|(r, _)| *r);
    rows.into_iter().flat_map(|(_, e)| e).collect()
}

/// Loads persons.csv/xlsx into the register in one transaction.
pub fn import_persons(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, AppError> {
    store.require_initialised()?;
    let open = || TableReader::open(path, FileKind::Persons, opts.sheet.as_deref());
    let mut reader = open()?;
    let region_codes: HashSet<String> = store
        .regions()?
        .into_iter()
        .map(|r| r.code.to_string())
        .collect();
    let meta = ImportMeta {
        kind: "persons",
        file_name: file_name(path),
        source: None,
        recorded_by: opts.recorded_by.clone(),
    };
    let extra_columns: Vec<String> = reader.extra_columns().into_iter().map(|(_, h)| h).collect();
    let mut skip = HashSet::new();
    let mut rejects = None;
    if opts.skip_invalid {
        // First pass finds the bad rows; the second loads the rest.
        let scan = scan_persons(
            store,
            &mut reader,
            None,
            &skip,
            &region_codes,
            &opts.scope,
            progress,
        )?;
        let mut rj = Rejects::new(path, &reader);
        let mut reader2 = open()?;
        let mut row = Row::default();
        while reader2.next_row(&mut row)? {
            if let Some(e) = scan.errors.get(&row.line) {
                rj.add(&row, e);
            }
        }
        skip = scan.errors.keys().copied().collect();
        rejects = Some(rj);
        reader = open()?;
    }
    let mut session = store.begin_person_import(meta)?;
    let scan = scan_persons(
        store,
        &mut reader,
        Some(&mut session),
        &skip,
        &region_codes,
        &opts.scope,
        progress,
    )?;
    if !scan.errors.is_empty() {
        drop(session);
        return Err(AppError::InvalidRows {
            file: reader.file.clone(),
            errors: sorted_errors(scan.errors),
        });
    }
    if opts.dry_run {
        drop(session);
        return Ok(ImportReport {
            file: reader.file.clone(),
            counts: renkou_store::ImportCounts {
                read: scan_rows(&scan, skip.len()),
                quality_issues: scan.quality.len() as u64,
                ..Default::default()
            },
            rejected_rows: skip.len(),
            rejected_file: None,
            extra_columns,
        });
    }
    progress.start("提交 / committing", 0);
    let counts = session.commit(&scan.quality, &extra_columns)?;
    progress.finish();
    let rejected_file = match &rejects {
        Some(r) => r.write()?,
        None => None,
    };
    Ok(ImportReport {
        file: reader.file.clone(),
        counts,
        rejected_rows: skip.len(),
        rejected_file,
        extra_columns,
    })
}

// --- births --------------------------------------------------------------

/// Loads a births.csv/xlsx from one source (hospital, ledger, household registration).
pub fn import_births(
    store: &Store,
    path: &Path,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, AppError> {
    Ok(import_births_as(store, path, source, opts, progress, None)?.0)
}

/// [`import_births`], and with `source_meta` the source's description stored in the
/// same transaction (reconciliation's source import); returns the source's id then.
pub(crate) fn import_births_as(
    store: &Store,
    path: &Path,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Progress,
    source_meta: Option<&renkou_store::reconcile::SourceMeta>,
) -> Result<(ImportReport, Option<i64>), AppError> {
    store.require_initialised()?;
    if source.trim().is_empty() {
        return Err(AppError::Invalid(
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
        recorded_by: opts.recorded_by.clone(),
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
                } else if outside_scope(&opts.scope, r) {
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
        return Err(AppError::InvalidRows {
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
            },
            None,
        ));
    }
    let (counts, source_id) = match source_meta {
        Some(m) => {
            let (c, id) = session.commit_source(m, &extra_columns)?;
            (c, Some(id))
        }
        None => (session.commit(&extra_columns)?, None),
    };
    let rejected_file = rejects.write()?;
    Ok((
        ImportReport {
            file: reader.file.clone(),
            counts,
            rejected_rows: errors.len(),
            rejected_file,
            extra_columns,
        },
        source_id,
    ))
}
