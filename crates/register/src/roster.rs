//! Importing a village's own roster (花名册) as the office keeps it: no person,
//! household or region numbers. The user picks the village (or a column holds
//! it); the register numbers persons and households; a household is a block of
//! rows under its head (户主), or the rows sharing a 户号 or 户主姓名 where the
//! file has one. A re-import (next month's roster) finds the same people again by
//! ID number, then by name and birth date (and household where names repeat), and
//! says before anything is written what will be added, what changes field by
//! field, and who is missing from the new file (listed for a person to decide,
//! never deleted). Changes are correction events. Everything, with its audit
//! entry and the column mapping the office used, is one transaction.

use crate::error::AppError;
use renkou_domain::event::EventKind;
use renkou_domain::person::Field;
use renkou_domain::quality::{QualityIssue, QualityKind};
use renkou_domain::{
    Date, MaritalStatus, PersonRecord, RegionCode, RegionLevel, Relation, Residence, Sex,
};
use renkou_interchange::rejects::file_name;
use renkou_interchange::roster::{BirthCell, MappedColumn, RosterLine, RosterPerson, RosterReader};
use renkou_interchange::schema::ROSTER_COLUMNS;
use renkou_interchange::RowError;
use renkou_store::value::Value;
use renkou_store::{Actor, AuditAction, AuditNote, RecordKind, Store, StoreError};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// How to read and where to put a roster.
#[derive(Debug, Clone)]
pub struct RosterOptions {
    /// The village the roster belongs to; without it a column must hold each
    /// row's village (code or name).
    pub village: Option<RegionCode>,
    pub sheet: Option<String>,
    /// The field each file column is read as (by position, "" for none), as the
    /// user chose it; without it the office's remembered mapping for these
    /// headers, else the synonym table.
    pub mapping: Option<Vec<String>>,
    pub dry_run: bool,
    pub actor: Actor,
}

/// One column and what it was read as.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ColumnMapping {
    pub position: usize,
    pub header: String,
    /// The field's name (`birth_date`), or None when the column is not read.
    pub field: Option<&'static str>,
    pub field_zh: Option<&'static str>,
}

/// A person the roster adds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Added {
    pub row: u64,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub relation: Option<Relation>,
    /// The household they join: an existing household's number, or None for
    /// a new one.
    pub household_no: Option<String>,
    /// The roster row of the first member of their household (a new household
    /// is named by it).
    pub household_row: u64,
    /// Filled in once committed.
    pub person_no: Option<String>,
}

/// A person of the register the roster found again, with what it changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Changed {
    pub row: u64,
    pub person_no: String,
    pub name: String,
    /// (field, old, new) in the interchange spelling.
    pub fields: Vec<(Field, String, String)>,
}

/// A field where the roster differs from an edit made in the register after the
/// person's last file: the register's value is kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Kept {
    pub row: u64,
    pub person_no: String,
    pub name: String,
    pub field: Field,
    pub register: String,
    pub file: String,
}

/// The fields set by events after the person's last file (an import or a
/// roster), by a form, the API or a reviewer's fix.
fn edited_since_last_file(store: &Store, person_no: &str) -> Result<HashSet<Field>, AppError> {
    let events = store.person_events(person_no)?;
    let last_file = events
        .iter()
        .rposition(|e| e.import_id.is_some() || e.event.source.starts_with("roster:"))
        .map_or(0, |i| i + 1);
    Ok(events[last_file..]
        .iter()
        .flat_map(|e| e.event.kind.fields())
        .collect())
}

/// A person of the village the new roster does not list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Missing {
    pub person_no: String,
    pub name: String,
    pub household_no: String,
}

/// What a roster would do (a preview) or did (committed).
#[derive(Debug, Clone, Default)]
pub struct RosterReport {
    pub file: String,
    pub mapping: Vec<ColumnMapping>,
    /// The headers as one key (the mapping is remembered under it).
    pub headers_key: String,
    /// Whether the mapping came from the office's remembered one.
    pub mapping_remembered: bool,
    pub added: Vec<Added>,
    pub changed: Vec<Changed>,
    pub unchanged: usize,
    pub missing: Vec<Missing>,
    /// Fields kept at the register's newer value.
    pub kept: Vec<Kept>,
    pub households_new: usize,
    /// Skipped rows and other remarks (not errors).
    pub notes: Vec<String>,
    /// Data-quality items the import puts on the list: (row, kind, message).
    pub quality: Vec<(u64, QualityKind, String)>,
    pub errors: Vec<RowError>,
    pub committed: bool,
}

impl RosterReport {
    /// A summary line in Chinese (for the CLI and the page's heading).
    pub fn summary_zh(&self) -> String {
        format!(
            "新增 {} 人（新户 {} 户），变更 {} 人，无变化 {} 人，新文件中缺少 {} 人，数据质量待核 {} 条",
            self.added.len(),
            self.households_new,
            self.changed.len(),
            self.unchanged,
            self.missing.len(),
            self.quality.len()
        )
    }

    /// [`RosterReport::summary_zh`] in English (for an English page).
    pub fn summary_en(&self) -> String {
        format!(
            "{} added ({} new households), {} changed, {} unchanged, {} missing from the new file, {} data-quality items to check",
            self.added.len(),
            self.households_new,
            self.changed.len(),
            self.unchanged,
            self.missing.len(),
            self.quality.len()
        )
    }
}

/// The remembered mapping of an office (the actor's area, "" for the operator)
/// for a set of headers.
pub fn remembered_mapping(
    store: &Store,
    actor: &Actor,
    headers_key: &str,
) -> Result<Option<Vec<String>>, AppError> {
    let area = actor.area().map(|a| a.to_string()).unwrap_or_default();
    let row = store.with(|c| {
        c.query_one(
            "SELECT mapping FROM roster_mappings WHERE area = $1 AND headers_key = $2",
            &[area.as_str().into(), headers_key.into()],
        )
    })?;
    Ok(row
        .and_then(|r| r[0].text())
        .and_then(|t| serde_json::from_str(&t).ok()))
}

fn scope_refusal(code: &RegionCode) -> AppError {
    AppError::Store(StoreError::OutsideArea(format!(
        "区划 {code} 不在您的辖区内 / region {code} is outside your area"
    )))
}

/// The villages rows can name: by code, and by name within the actor's area.
struct Villages {
    by_code: HashMap<String, RegionCode>,
    by_name: HashMap<String, Vec<RegionCode>>,
}

impl Villages {
    fn load(store: &Store, actor: &Actor) -> Result<Villages, AppError> {
        let mut v = Villages {
            by_code: HashMap::new(),
            by_name: HashMap::new(),
        };
        for r in store.regions()? {
            if r.level() != RegionLevel::Village || r.valid_to.is_some() {
                continue;
            }
            v.by_code.insert(r.code.to_string(), r.code.clone());
            if actor.can_write(&r.code) {
                v.by_name.entry(r.name.clone()).or_default().push(r.code);
            }
        }
        Ok(v)
    }

    /// The village a cell names, or why not.
    fn resolve(&self, cell: &str, actor: &Actor) -> Result<RegionCode, String> {
        let t = cell.trim();
        if t.bytes().all(|b| b.is_ascii_digit()) {
            return match self.by_code.get(t) {
                Some(c) if actor.can_write(c) => Ok(c.clone()),
                Some(c) => Err(format!(
                    "区划 {c} 不在您的辖区内 / region {c} is outside your area"
                )),
                None => Err(format!(
                    "区划代码 {t} 不是登记中的村 / region code {t} is not a village of the register"
                )),
            };
        }
        match self.by_name.get(t).map(Vec::as_slice) {
            Some([one]) => Ok(one.clone()),
            Some([_, _, ..]) => Err(
                "辖区内有多个同名的村，请改填区划代码 / several villages of your area have this name; give the region code".into(),
            ),
            _ => Err("辖区内没有这个村 / no village of your area has this name".into()),
        }
    }
}

/// A roster row made ready: the person's village, resolved birth date and sex.
struct Row {
    p: RosterPerson,
    village: RegionCode,
    birth: Date,
    sex: Sex,
    issues: Vec<(QualityKind, String)>,
    block: usize,
}

fn row_error(file: &str, line: u64, column: &str, message: String) -> RowError {
    RowError {
        file: file.to_string(),
        row: line,
        column: column.to_string(),
        message,
    }
}

/// Reads the roster, maps it, matches it against the register, and plans (and
/// unless `dry_run`, writes) the import. Row errors are in the report; a report
/// with errors is never committed ([`import_roster`] turns them into an error).
pub fn plan_roster(
    store: &Store,
    path: &Path,
    opts: &RosterOptions,
) -> Result<RosterReport, AppError> {
    store.require_initialised()?;
    let actor = &opts.actor;
    if actor
        .scope
        .as_ref()
        .is_some_and(|s| !s.role.edits_personal_records())
    {
        return Err(AppError::Invalid(
            "您的账户只能查看，不能导入 / your account reads only and cannot import".into(),
        ));
    }
    let villages = Villages::load(store, actor)?;
    if let Some(v) = &opts.village {
        if !villages.by_code.contains_key(v.as_str()) {
            return Err(AppError::Invalid(format!(
                "区划代码 {v} 不是登记中的村 / region code {v} is not a village of the register"
            )));
        }
        if !actor.can_write(v) {
            return Err(scope_refusal(v));
        }
    }
    let mut reader = RosterReader::open(path, opts.sheet.as_deref())?;
    let file = reader.table.file.clone();
    let headers_key = reader.headers_key();
    let mut remembered = false;
    match &opts.mapping {
        Some(m) => reader.set_mapping_names(m)?,
        None => {
            if let Some(m) = remembered_mapping(store, actor, &headers_key)? {
                if reader.set_mapping_names(&m).is_ok() {
                    remembered = true;
                }
            }
        }
    }
    let mapping: Vec<ColumnMapping> = reader
        .mapping()
        .into_iter()
        .map(
            |MappedColumn {
                 position,
                 header,
                 field,
             }| ColumnMapping {
                position,
                header,
                field: field.map(|c| c.name),
                field_zh: field.map(|c| c.zh),
            },
        )
        .collect();
    let mapped = |name: &str| mapping.iter().any(|m| m.field == Some(name));
    let header_of = |name: &str| {
        mapping
            .iter()
            .find(|m| m.field == Some(name))
            .map(|m| m.header.clone())
            .unwrap_or_else(|| {
                ROSTER_COLUMNS
                    .iter()
                    .find(|c| c.name == name)
                    .map_or(name, |c| c.zh)
                    .to_string()
            })
    };
    if opts.village.is_none() && !mapped("region") {
        return Err(AppError::Invalid(
            "请选择这份花名册所属的村（--village 区划代码），或在文件中给出“所属村”列 / choose the village the roster belongs to (--village CODE) or give a village column".into(),
        ));
    }
    let mut report = RosterReport {
        file: file.clone(),
        mapping: mapping.clone(),
        headers_key: headers_key.clone(),
        mapping_remembered: remembered,
        ..Default::default()
    };

    // Read every row.
    let mut rows: Vec<Row> = Vec::new();
    while let Some(line) = reader.next_line()? {
        let p = match line {
            Ok(RosterLine::Person(p)) => p,
            Ok(RosterLine::Skipped { .. }) => continue,
            Err(e) => {
                report.errors.extend(e);
                continue;
            }
        };
        let village = match (&p.region, &opts.village) {
            (Some(cell), _) if mapped("region") => match villages.resolve(cell, actor) {
                Ok(v) => v,
                Err(m) => {
                    report
                        .errors
                        .push(row_error(&file, p.line, &header_of("region"), m));
                    continue;
                }
            },
            (_, Some(v)) => v.clone(),
            (_, None) => {
                report.errors.push(row_error(
                    &file,
                    p.line,
                    &header_of("region"),
                    "所属村为空 / the village is empty".into(),
                ));
                continue;
            }
        };
        let r = p.resolve();
        let Some(birth) = r.birth_date else {
            report.errors.push(row_error(
                &file,
                p.line,
                &header_of("birth_date"),
                "出生年月和身份证号码都为空，无法登记 / neither a birth date nor an ID number is given".into(),
            ));
            continue;
        };
        rows.push(Row {
            p,
            village,
            birth,
            sex: r.sex,
            issues: r.issues,
            block: 0,
        });
    }
    report.notes.extend(reader.notes().iter().cloned());

    // Households: blocks of rows.
    let grouping = mapped("household_key") || mapped("head_name") || mapped("relation");
    if !grouping {
        report.notes.push(
            "文件没有户号、户主姓名或与户主关系列：每人各为一户 / the file has no household, head or relation column: each person is a household of their own".into(),
        );
    }
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();
    let mut current: Option<usize> = None;
    let mut prev_head: Option<String> = None;
    let mut prev_village: Option<RegionCode> = None;
    let mut assigned: Vec<usize> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let same_village = prev_village.as_ref() == Some(&r.village);
        let cont = current.filter(|_| same_village);
        let new_block = |blocks: &mut Vec<Vec<usize>>| {
            blocks.push(Vec::new());
            blocks.len() - 1
        };
        let b = if !grouping {
            new_block(&mut blocks)
        } else if let Some(k) = &r.p.household_key {
            match by_key.get(&(r.village.to_string(), k.clone())) {
                Some(b) => *b,
                None => {
                    let b = new_block(&mut blocks);
                    by_key.insert((r.village.to_string(), k.clone()), b);
                    b
                }
            }
        } else if let Some(h) = &r.p.head_name {
            match cont {
                Some(b) if prev_head.as_ref() == Some(h) => b,
                _ => new_block(&mut blocks),
            }
        } else if r.p.relation.is_some_and(Relation::is_head) {
            new_block(&mut blocks)
        } else {
            match cont {
                Some(b) => b,
                None => {
                    report.notes.push(format!(
                        "第{}行上方没有户主行，从该行起算作新的一户 / row {} has no head row above it and starts a household",
                        r.p.line, r.p.line
                    ));
                    new_block(&mut blocks)
                }
            }
        };
        if r.p.head_name.is_some() {
            prev_head = r.p.head_name.clone();
        } else if r.p.relation.is_some_and(Relation::is_head) {
            prev_head = Some(r.p.name.clone());
        }
        prev_village = Some(r.village.clone());
        blocks[b].push(i);
        current = Some(b);
        assigned.push(b);
    }
    for (r, b) in rows.iter_mut().zip(assigned) {
        r.block = b;
    }

    // The register's persons of those villages.
    let mut register: Vec<PersonRecord> = Vec::new();
    let mut seen_villages: HashSet<String> = HashSet::new();
    for r in &rows {
        if seen_villages.insert(r.village.to_string()) {
            store.for_each_live_person_in(&r.village, &mut |p| {
                register.push(p);
                Ok(())
            })?;
        }
    }
    if let Some(v) = &opts.village {
        if seen_villages.insert(v.to_string()) {
            store.for_each_live_person_in(v, &mut |p| {
                register.push(p);
                Ok(())
            })?;
        }
    }
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut by_name_birth: HashMap<(String, Date), Vec<usize>> = HashMap::new();
    for (i, p) in register.iter().enumerate() {
        if let Some(id) = &p.id_number {
            by_id.insert(id.to_string(), i);
        }
        by_name_birth
            .entry((p.name.clone(), p.birth_date))
            .or_default()
            .push(i);
    }
    // Matches: by ID number first, then by name and birth date.
    let mut matched: Vec<Option<usize>> = vec![None; rows.len()];
    let mut taken: HashMap<usize, u64> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(k) =
            r.p.id_number
                .as_ref()
                .and_then(|id| by_id.get(&id.to_string()))
        {
            matched[i] = Some(*k);
        }
    }
    for i in 0..rows.len() {
        if matched[i].is_some() {
            continue;
        }
        let r = &rows[i];
        let month_only =
            matches!(r.p.birth, Some(BirthCell::Month { .. })) && r.p.id_number.is_none();
        let candidates: Vec<usize> = if month_only {
            let cell = r.p.birth.unwrap_or(BirthCell::Day(r.birth));
            register
                .iter()
                .enumerate()
                .filter(|(_, p)| p.name == r.p.name && cell.agrees_with(p.birth_date))
                .map(|(k, _)| k)
                .collect()
        } else {
            by_name_birth
                .get(&(r.p.name.clone(), r.birth))
                .cloned()
                .unwrap_or_default()
        };
        // A person with a different ID number is someone else.
        let candidates: Vec<usize> = candidates
            .into_iter()
            .filter(|k| {
                r.p.id_number.is_none()
                    || register[*k].id_number.is_none()
                    || register[*k].id_number == r.p.id_number
            })
            .collect();
        let pick = match candidates.as_slice() {
            [] => None,
            [one] => Some(*one),
            many => {
                // Where names and birth dates repeat, the household decides.
                let households: HashSet<&str> = blocks[r.block]
                    .iter()
                    .filter_map(|j| matched[*j])
                    .map(|k| register[k].household_no.as_str())
                    .collect();
                let in_household: Vec<usize> = many
                    .iter()
                    .copied()
                    .filter(|k| households.contains(register[*k].household_no.as_str()))
                    .collect();
                match in_household.as_slice() {
                    [one] => Some(*one),
                    _ => {
                        report.errors.push(row_error(
                            &file,
                            r.p.line,
                            &header_of("name"),
                            "本村登记中有多位同名、同出生日期的人员，无法确定是哪一位，请补填身份证号码 / several persons of the village have this name and birth date; give the ID number".into(),
                        ));
                        None
                    }
                }
            }
        };
        matched[i] = pick;
    }
    for (i, m) in matched.iter().enumerate() {
        if let Some(k) = m {
            if let Some(first) = taken.insert(*k, rows[i].p.line) {
                report.errors.push(row_error(
                    &file,
                    rows[i].p.line,
                    &header_of("name"),
                    format!(
                        "与第{first}行是登记中的同一人 / the same person of the register as row {first}"
                    ),
                ));
            }
        }
    }

    // What changes, what is added, who is missing.
    let reason = format!(
        "花名册导入更正 / corrected by roster {}",
        cut(&file_name(path), 120)
    );
    let mut household_of_block: Vec<Option<String>> = vec![None; blocks.len()];
    for (b, members) in blocks.iter().enumerate() {
        // The household the matched members are in; the head's first.
        let mut hh: Vec<(bool, String)> = members
            .iter()
            .filter_map(|j| {
                matched[*j].map(|k| {
                    (
                        !rows[*j].p.relation.is_some_and(Relation::is_head),
                        register[k].household_no.clone(),
                    )
                })
            })
            .collect();
        hh.sort();
        household_of_block[b] = hh.into_iter().next().map(|(_, h)| h);
    }
    let mut plans: Vec<Plan> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let p = &r.p;
        let mut next = match matched[i] {
            Some(k) => register[k].clone(),
            None => PersonRecord {
                person_no: String::new(),
                name: p.name.clone(),
                sex: r.sex,
                birth_date: r.birth,
                id_number: p.id_number.clone(),
                household_no: household_of_block[r.block].clone().unwrap_or_default(),
                region_code: r.village.clone(),
                marital_status: p.marital_status.unwrap_or(MaritalStatus::NotStated),
                mother_no: None,
                father_no: None,
                residence: p.residence.unwrap_or(Residence::Resident),
                phone: p.phone.clone(),
                death_date: None,
                relation: p.relation,
            },
        };
        let mut issues = r.issues.clone();
        match matched[i] {
            Some(k) => {
                let old = &register[k];
                next.name = p.name.clone();
                if p.sex.is_some() || p.id_number.is_some() {
                    next.sex = r.sex;
                }
                // A month-only date that agrees with the register's day keeps the day.
                let keeps_day = p.id_number.is_none()
                    && p.birth.is_some_and(|b| {
                        matches!(b, BirthCell::Month { .. }) && b.agrees_with(old.birth_date)
                    });
                if keeps_day {
                    next.birth_date = old.birth_date;
                    issues.retain(|(k, _)| *k != QualityKind::BirthDateMonthOnly);
                } else {
                    next.birth_date = r.birth;
                }
                if p.id_number.is_some() {
                    next.id_number = p.id_number.clone();
                }
                if let Some(m) = p.marital_status {
                    next.marital_status = m;
                }
                if let Some(m) = p.residence {
                    next.residence = m;
                }
                if p.phone.is_some() {
                    next.phone = p.phone.clone();
                }
                if p.relation.is_some() {
                    next.relation = p.relation;
                }
                let mut fields = old.diff(&next);
                if !fields.is_empty() {
                    // An older roster does not silently undo a newer edit: a field
                    // set by a form, the API or a fix after this person's last file
                    // keeps the register's value, and the preview says so.
                    let newer = edited_since_last_file(store, &old.person_no)?;
                    fields.retain(|(f, reg, file)| {
                        if !newer.contains(f) {
                            return true;
                        }
                        report.kept.push(Kept {
                            row: p.line,
                            person_no: old.person_no.clone(),
                            name: old.name.clone(),
                            field: *f,
                            register: reg.clone(),
                            file: file.clone(),
                        });
                        false
                    });
                }
                if fields.is_empty() {
                    report.unchanged += 1;
                } else {
                    report.changed.push(Changed {
                        row: p.line,
                        person_no: old.person_no.clone(),
                        name: old.name.clone(),
                        fields: fields.clone(),
                    });
                }
                plans.push(Plan {
                    row: i,
                    existing: Some(old.person_no.clone()),
                    fields,
                    person: next,
                    issues,
                });
            }
            None => {
                report.added.push(Added {
                    row: p.line,
                    name: p.name.clone(),
                    sex: next.sex,
                    birth_date: next.birth_date,
                    relation: p.relation,
                    household_no: household_of_block[r.block].clone(),
                    household_row: rows[blocks[r.block][0]].p.line,
                    person_no: None,
                });
                plans.push(Plan {
                    row: i,
                    existing: None,
                    fields: Vec::new(),
                    person: next,
                    issues,
                });
            }
        }
    }
    report.households_new = household_of_block.iter().filter(|h| h.is_none()).count();
    // A person found again but listed under another household: households are
    // changed by their own events (户变更, 分户), not by a roster; said here.
    for (i, r) in rows.iter().enumerate() {
        if let (Some(k), Some(h)) = (matched[i], &household_of_block[r.block]) {
            let p = &register[k];
            if &p.household_no != h {
                report.notes.push(format!(
                    "第{}行（{}）在登记中属于户 {}，花名册中列在户 {} 下：户未自动变更，如已分户或换户请登记户变更 / row {}: person {} is in household {} in the register but listed under {}; not changed",
                    r.p.line, p.person_no, p.household_no, h, r.p.line, p.person_no, p.household_no, h
                ));
            }
        }
    }
    // A new person whose ID number a person of another village of the area holds
    // (moved in, or a mistake): said before anything is written, and listed.
    for (i, r) in rows.iter().enumerate() {
        let Some(id) = r.p.id_number.as_ref().filter(|_| matched[i].is_none()) else {
            continue;
        };
        let holders = store.with(|c| {
            c.query(
                "SELECT person_no, region_code FROM persons WHERE id_number = $1 AND voided_by IS NULL",
                &[id.to_string().into()],
            )
        })?;
        for h in holders {
            let (Some(no), Some(region)) = (h[0].text(), h[1].text()) else {
                continue;
            };
            let readable = RegionCode::parse(&region).is_ok_and(|c| actor.can_read(&c));
            if readable {
                report.notes.push(format!(
                    "第{}行的身份证号码已登记在辖区内另一村（{region}）的人员 {no} 名下：将作为新人员登记并列入待核；如是迁入，请先在系统中办理迁入 / row {}: the ID number is registered to person {no} of another village of your area ({region})",
                    r.p.line, r.p.line
                ));
                report.quality.push((
                    r.p.line,
                    QualityKind::DuplicateIdNumber,
                    format!("身份证号码与人员 {no} 相同，请核实 / the ID number is the same as person {no}'s"),
                ));
            }
        }
    }
    let found: HashSet<usize> = matched.iter().flatten().copied().collect();
    for (k, p) in register.iter().enumerate() {
        if !found.contains(&k) && p.death_date.is_none() {
            report.missing.push(Missing {
                person_no: p.person_no.clone(),
                name: p.name.clone(),
                household_no: p.household_no.clone(),
            });
        }
    }
    for pl in &plans {
        let line = rows[pl.row].p.line;
        for (k, m) in &pl.issues {
            report.quality.push((line, *k, m.clone()));
        }
        if pl.existing.is_none() {
            for q in renkou_domain::quality::check_person(&pl.person) {
                report.quality.push((line, q.kind, q.message));
            }
        }
    }
    report.quality.sort_by_key(|q| q.0);
    report.errors.sort_by_key(|e| e.row);
    if opts.dry_run || !report.errors.is_empty() {
        return Ok(report);
    }

    // Write: heads (first members) of new households first, so the others join.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|i| {
        let r = &rows[plans[*i].row];
        let first_new = plans[*i].existing.is_none()
            && household_of_block[r.block].is_none()
            && !r.p.relation.is_some_and(Relation::is_head);
        (r.block, first_new, r.p.line)
    });
    let area = actor.area().map(|a| a.to_string()).unwrap_or_default();
    let mapping_json = serde_json::to_string(&reader.mapping_names()).unwrap_or_default();
    let source = format!("roster:{}", cut(&file_name(path), 180));
    let numbers = store.write(actor, |tx| {
        let mut numbers: HashMap<usize, String> = HashMap::new();
        let mut new_households: HashMap<usize, String> = HashMap::new();
        for &i in &order {
            let pl = &plans[i];
            let r = &rows[pl.row];
            let no = match &pl.existing {
                Some(no) => {
                    for (field, old, new) in &pl.fields {
                        tx.record_event(
                            no,
                            EventKind::Correction {
                                field: *field,
                                old: old.clone(),
                                new: new.clone(),
                                reason: reason.clone(),
                            },
                            &source,
                        )?;
                    }
                    no.clone()
                }
                None => {
                    let mut p = pl.person.clone();
                    if p.household_no.is_empty() {
                        if let Some(h) = new_households.get(&r.block) {
                            p.household_no = h.clone();
                        }
                    }
                    let no = tx.register_from_file(p, &source, r.p.extra.as_deref())?;
                    if !new_households.contains_key(&r.block) && household_of_block[r.block].is_none() {
                        let hh = tx
                            .person(&no)?
                            .map(|p| p.household_no)
                            .ok_or_else(|| StoreError::NoPerson(no.clone()))?;
                        new_households.insert(r.block, hh);
                    }
                    no
                }
            };
            for (kind, message) in &pl.issues {
                tx.flag(&QualityIssue {
                    person_no: no.clone(),
                    kind: *kind,
                    message: message.clone(),
                })?;
            }
            numbers.insert(i, no);
        }
        tx.conn().exec(
            "INSERT INTO roster_mappings (area, headers_key, mapping, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (area, headers_key) DO UPDATE SET mapping = $3, updated_by = $4, updated_at = $5",
            &[
                area.as_str().into(),
                headers_key.as_str().into(),
                mapping_json.as_str().into(),
                actor.username.as_str().into(),
                Value::from(renkou_store::now()),
            ],
        )?;
        let villages: Vec<String> = {
            let mut v: Vec<String> = rows.iter().map(|r| r.village.to_string()).collect();
            v.sort();
            v.dedup();
            v
        };
        tx.audit(AuditNote {
            action: AuditAction::IMPORT,
            record: RecordKind::IMPORT,
            record_id: "",
            fields: &format!(
                "roster file={} villages={} new={} corrected={} unchanged={} missing={} households_new={}",
                cut(&file_name(path), 120),
                villages.join(","),
                report.added.len(),
                report.changed.len(),
                report.unchanged,
                report.missing.len(),
                report.households_new
            ),
        })?;
        Ok::<_, AppError>(numbers)
    })?;
    let mut k = 0;
    for (i, pl) in plans.iter().enumerate() {
        if pl.existing.is_none() {
            if let Some(a) = report.added.get_mut(k) {
                a.person_no = numbers.get(&i).cloned();
            }
            k += 1;
        }
    }
    report.committed = true;
    Ok(report)
}

/// Imports a roster: like [`plan_roster`], but row errors are an error (nothing
/// is written).
pub fn import_roster(
    store: &Store,
    path: &Path,
    opts: &RosterOptions,
) -> Result<RosterReport, AppError> {
    let report = plan_roster(store, path, opts)?;
    if !report.errors.is_empty() {
        return Err(AppError::InvalidRows {
            file: report.file.clone(),
            errors: report.errors,
        });
    }
    Ok(report)
}

/// Whether a file is a roster rather than a persons file: its header has a
/// name column and no 人员编号.
pub fn is_roster(path: &Path, sheet: Option<&str>) -> bool {
    match RosterReader::open(path, sheet) {
        Ok(r) => RosterReader::looks_like_roster(&r.table.headers),
        Err(_) => false,
    }
}

struct Plan {
    row: usize,
    existing: Option<String>,
    fields: Vec<(Field, String, String)>,
    person: PersonRecord,
    issues: Vec<(QualityKind, String)>,
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The blank files the system accepts, as xlsx templates to download: the roster
/// (花名册, with its title row and a synthetic example household), and the
/// interchange files (persons, births, regions) with their Chinese headers.
pub fn template_xlsx(kind: renkou_interchange::FileKind) -> Result<Vec<u8>, AppError> {
    use renkou_interchange::FileKind;
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Invalid(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(kind.name_zh()).map_err(xerr)?;
    let text = Format::new().set_num_format("@");
    let bold = Format::new().set_bold();
    let columns: Vec<&str> = match kind {
        // In the order offices keep them.
        FileKind::Roster => vec![
            "序号",
            "户主姓名",
            "姓名",
            "与户主关系",
            "性别",
            "出生年月",
            "身份证号码",
            "民族",
            "文化程度",
            "婚姻状况",
            "居住状态",
            "联系电话",
            "备注",
        ],
        other => other.columns().iter().map(|c| c.zh).collect(),
    };
    let mut header_row = 0;
    if kind == FileKind::Roster {
        sheet
            .merge_range(
                0,
                0,
                0,
                columns.len() as u16 - 1,
                "XX村户籍人口花名册",
                &bold,
            )
            .map_err(xerr)?;
        header_row = 1;
    }
    for (c, h) in columns.iter().enumerate() {
        sheet
            .write_string_with_format(header_row, c as u16, *h, &bold)
            .map_err(xerr)?;
        // Every column as text, so Excel keeps ID numbers and 出生年月 as typed.
        sheet.set_column_format(c as u16, &text).map_err(xerr)?;
        sheet
            .set_column_width(c as u16, if h.contains("身份") { 22 } else { 12 })
            .map_err(xerr)?;
    }
    if kind == FileKind::Roster {
        // A synthetic example household (address code 349901, which no county has).
        let id = |y, m, d, seq| {
            renkou_domain::IdNumber::compose(
                349901,
                Date::from_ymd_opt(y, m, d).unwrap_or_default(),
                seq,
            )
            .to_string()
        };
        let head_id = id(1970, 5, 12, 11);
        let example: [[&str; 13]; 3] = [
            [
                "1",
                "张示例",
                "张示例",
                "户主",
                "男",
                "1970.05",
                head_id.as_str(),
                "汉族",
                "初中",
                "已婚",
                "常住",
                "",
                "示例行，导入前请删除",
            ],
            [
                "2",
                "",
                "李示例",
                "妻",
                "女",
                "1972年8月",
                "",
                "汉族",
                "小学",
                "已婚",
                "常住",
                "",
                "",
            ],
            [
                "3",
                "",
                "张小例",
                "子",
                "男",
                "199503",
                "",
                "汉族",
                "高中",
                "未婚",
                "外出",
                "",
                "",
            ],
        ];
        for (r, row) in example.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    sheet
                        .write_string(header_row + 1 + r as u32, c as u16, *v)
                        .map_err(xerr)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(header_row + 1, 0).map_err(xerr)?;
    book.save_to_buffer().map_err(xerr)
}
