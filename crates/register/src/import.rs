//! Importing interchange files into the register, all or nothing.
//!
//! Every row is checked (fields, duplicates, region codes, parent links) and every
//! problem reported as file:row:column. By default one bad row means nothing is
//! written; with `skip_invalid` the good rows load and the bad ones are written,
//! with a reason column, to a file beside the input. Suspicious but possible facts
//! (an ID number disagreeing with the stated birth date, a very young mother) load
//! and go on the data-quality list.

use crate::error::AppError;
use renkou_domain::progress::Progress;
use renkou_domain::quality::{self, QualityIssue};
use renkou_domain::{Date, PersonRecord, Region, RegionCode, RegionLevel, Sex};
use renkou_interchange::rejects::{file_name, sorted_errors, Rejects};
use renkou_interchange::{persons, regions, FileKind, Row, RowError, TableReader};
use renkou_store::persons::StoredEvent;
use renkou_store::regions::RegionCounts;
use renkou_store::{
    AuditAction, AuditNote, Conflict, ImportMeta, ImportOptions, ImportReport, PersonImport,
    RecordKind, Store,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;

fn scope_message(code: &RegionCode) -> String {
    format!("区划代码 {code} 不在您的辖区内 / region code {code} is outside your area")
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
    if opts
        .actor
        .scope
        .as_ref()
        .is_some_and(|s| !s.role.manages_accounts())
    {
        return Err(AppError::Invalid(
            "只有县管理员可以导入区划 / only the county administrator imports regions".into(),
        ));
    }
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
    let file = reader.file.clone();
    let counts = store.write(&opts.actor, |tx| {
        let counts = tx.upsert_regions(&regions)?;
        tx.audit(AuditNote {
            action: AuditAction::IMPORT,
            record: RecordKind::REGION,
            record_id: "",
            fields: &format!(
                "regions file={file} new={} changed={} unchanged={}",
                counts.new, counts.changed, counts.unchanged
            ),
        })?;
        Ok::<_, AppError>(counts)
    })?;
    Ok((counts, n))
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
    conflicts: Vec<Conflict>,
}

/// One pass over the file. With a session, valid rows not in `skip` are loaded.
fn scan_persons(
    store: &Store,
    reader: &mut TableReader,
    mut session: Option<&mut PersonImport>,
    skip: &HashSet<u64>,
    region_codes: &HashSet<String>,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<Scan, AppError> {
    let area = opts.actor.area();
    let mut scan = Scan::default();
    // Edits made in the register after a person's last import, which an older
    // file must not silently undo; and the current state of those persons.
    let (edits, edited_now) = match session.as_deref_mut() {
        Some(s) => {
            let edits = s.edits_since_import()?;
            let nos: Vec<String> = edits.keys().cloned().collect();
            let now = s.current(&nos)?;
            (edits, now)
        }
        None => Default::default(),
    };
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
        let mut p: PersonRecord = match persons::parse(reader, &row) {
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
        } else if area.is_some_and(|a| !a.contains(&p.region_code)) {
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
        if let (Some(events), Some(now)) = (edits.get(&p.person_no), edited_now.get(&p.person_no)) {
            protect_newer(
                &mut p,
                now,
                events,
                row.line,
                opts.overwrite_newer,
                &mut scan.conflicts,
            );
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

    // A scoped importer's file may not name a person of another area: not to
    // change them, nor to learn from the answer what the register holds on them.
    if area.is_some() {
        let nos: Vec<String> = seen.keys().cloned().collect();
        let outside = match session.as_deref_mut() {
            Some(s) => s.outside_area(&nos)?,
            None => store.persons_outside(&nos, area)?,
        };
        for no in outside {
            if let Some(s) = seen.get(&no) {
                scan.errors.entry(s.row).or_default().push(RowError {
                    file: reader.file.clone(),
                    row: s.row,
                    column: header_of(reader, "person_id"),
                    message: format!(
                        "人员编号 {no} 已属于您辖区以外的人员，不能导入或修改 / person_id {no} belongs to a person outside your area and cannot be imported or changed"
                    ),
                });
            }
        }
    }

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
        None => store.lookup_birth_sex(&outside, area)?,
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

/// Keeps the register's value of every field an edit after the person's last
/// import set, where the file says otherwise (unless the importer chose the
/// file's values), and records each such field.
fn protect_newer(
    p: &mut PersonRecord,
    now: &PersonRecord,
    events: &[StoredEvent],
    row: u64,
    overwrite: bool,
    out: &mut Vec<Conflict>,
) {
    let mut done = HashSet::new();
    for e in events.iter().rev() {
        for field in e.event.kind.fields() {
            if !done.insert(field) {
                continue;
            }
            let (register, file) = (now.get(field), p.get(field));
            if register == file {
                continue;
            }
            out.push(Conflict {
                row,
                person_no: p.person_no.clone(),
                field,
                register: register.clone(),
                file,
                edited_by: e.event.recorded_by.clone(),
                edited_at: e.event.recorded_at.clone(),
                overwritten: overwrite,
            });
            if !overwrite {
                // The register's own value always parses back.
                let _ = p.set(field, &register);
            }
        }
    }
}

/// Loads persons.csv/xlsx into the register in one transaction.
pub fn import_persons(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, AppError> {
    Ok(import_persons_refused(store, path, opts, progress)?.report)
}

/// What a persons import did, with the errors of the rows it left out.
#[derive(Debug, Clone)]
pub struct PersonsImport {
    pub report: ImportReport,
    /// Under `skip_invalid`, every refused row's errors in row order: a web
    /// user has no rejected-rows file to open, so the job lists them.
    pub refused: Vec<RowError>,
}

/// [`import_persons`], keeping the refused rows' errors.
pub fn import_persons_refused(
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<PersonsImport, AppError> {
    store.require_initialised()?;
    let open = || TableReader::open(path, FileKind::Persons, opts.sheet.as_deref());
    let mut reader = open()?;
    let region_codes: HashSet<String> = store
        .regions()?
        .into_iter()
        .map(|r| r.code.to_string())
        .collect();
    if opts
        .actor
        .scope
        .as_ref()
        .is_some_and(|s| !s.role.edits_personal_records())
    {
        return Err(AppError::Invalid(
            "您的账户只能查看，不能导入 / your account reads only and cannot import".into(),
        ));
    }
    let meta = ImportMeta {
        kind: "persons",
        file_name: file_name(path),
        source: None,
        actor: opts.actor.clone(),
    };
    let extra_columns: Vec<String> = reader.extra_columns().into_iter().map(|(_, h)| h).collect();
    let mut skip = HashSet::new();
    let mut rejects = None;
    let mut refused = Vec::new();
    if opts.skip_invalid || opts.actor.area().is_some() {
        // First pass finds the bad rows; the second loads the rest. An importer
        // with an area always checks first: a row naming a person of another
        // area must be a row error before anything reaches the session.
        let scan = scan_persons(
            store,
            &mut reader,
            None,
            &skip,
            &region_codes,
            opts,
            progress,
        )?;
        if !opts.skip_invalid && !scan.errors.is_empty() {
            return Err(AppError::InvalidRows {
                file: reader.file.clone(),
                errors: sorted_errors(scan.errors),
            });
        }
        let mut rj = Rejects::new(path, &reader);
        let mut reader2 = open()?;
        let mut row = Row::default();
        while reader2.next_row(&mut row)? {
            if let Some(e) = scan.errors.get(&row.line) {
                rj.add(&row, e);
            }
        }
        skip = scan.errors.keys().copied().collect();
        refused = sorted_errors(scan.errors);
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
        opts,
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
        return Ok(PersonsImport {
            report: ImportReport {
                file: reader.file.clone(),
                counts: renkou_store::ImportCounts {
                    read: scan.pushed,
                    quality_issues: scan.quality.len() as u64,
                    ..Default::default()
                },
                rejected_rows: skip.len(),
                rejected_file: None,
                extra_columns,
                conflicts: scan.conflicts,
            },
            refused,
        });
    }
    progress.start("提交 / committing", 0);
    let file = reader.file.clone();
    let counts = session.commit(&scan.quality, &extra_columns, |tx, c| {
        tx.audit(AuditNote {
            action: AuditAction::IMPORT,
            record: RecordKind::IMPORT,
            record_id: &c.import_id.to_string(),
            fields: &format!(
                "persons file={file} read={} new={} corrected={} unchanged={} rejected={}",
                c.read,
                c.new,
                c.corrected,
                c.unchanged,
                skip.len()
            ),
        })?;
        Ok(())
    })?;
    progress.finish();
    let rejected_file = match &rejects {
        Some(r) => r.write()?,
        None => None,
    };
    Ok(PersonsImport {
        report: ImportReport {
            file: reader.file.clone(),
            counts,
            rejected_rows: skip.len(),
            rejected_file,
            extra_columns,
            conflicts: scan.conflicts,
        },
        refused,
    })
}
