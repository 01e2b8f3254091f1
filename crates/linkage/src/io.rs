//! Reading births.csv / persons.csv into [`LinkRecord`]s and writing links.csv, for
//! `renkou link` / `renkou dedupe` on plain files with no database.
//!
//! Reading goes through the project's one table reader, `renkou-interchange`'s
//! [`TableReader`], so linkage accepts exactly what the importers accept: CSV in UTF-8
//! (with or without BOM), UTF-16 with BOM or GB18030/GBK as Excel and WPS save it on
//! Chinese Windows, or .xlsx (first sheet or a named one); English or Chinese headers
//! in any order, a title row above the header. Everything that makes a file unusable
//! (not found, empty, binary, unknown encoding, no header, missing columns, empty or
//! duplicate record ids) is reported before any linkage work starts, Chinese first.
//!
//! Values are taken as raw text ([`Row::cell`]), never through the typed parsers: a
//! malformed date or an ID number with a typo is exactly what linkage must tolerate,
//! and it becomes a missing or partial comparison. Unknown columns are ignored (the
//! importer keeps them in a side table; linkage has no use for them).
//!
//! Births or persons? The file is a births file when it has a record_id (记录编号)
//! column, else a persons file when it has person_id (人员编号).

use crate::record::{EntityKind, LinkRecord};
use crate::{Link, LinkError};
use renkou_interchange::{FileError, FileKind, Row, TableReader};
use std::collections::HashSet;
use std::path::Path;

/// Where each [`LinkRecord`] field comes from, per kind: (interchange column, field).
type Setter = fn(&mut LinkRecord) -> &mut String;

const BIRTH_FIELDS: &[(&str, Setter)] = &[
    ("record_id", |r| &mut r.record_id),
    ("child_name", |r| &mut r.name),
    ("child_sex", |r| &mut r.sex),
    ("birth_date", |r| &mut r.birth_date),
    ("birth_order", |r| &mut r.birth_order),
    ("mother_name", |r| &mut r.mother_name),
    ("mother_id_number", |r| &mut r.mother_id_number),
    ("mother_birth_date", |r| &mut r.mother_birth_date),
    ("father_name", |r| &mut r.father_name),
    ("father_id_number", |r| &mut r.father_id_number),
    ("region_code", |r| &mut r.region_code),
    ("place", |r| &mut r.place),
    ("source", |r| &mut r.source),
];

const PERSON_FIELDS: &[(&str, Setter)] = &[
    ("person_id", |r| &mut r.record_id),
    ("name", |r| &mut r.name),
    ("sex", |r| &mut r.sex),
    ("birth_date", |r| &mut r.birth_date),
    ("id_number", |r| &mut r.id_number),
    ("region_code", |r| &mut r.region_code),
];

/// Columns linkage needs beyond those the interchange format itself requires: without
/// them there is too little left to compare.
const BIRTH_NEEDED: &[&str] = &["mother_name", "mother_id_number", "region_code"];
const PERSON_NEEDED: &[&str] = &["id_number"];

/// The columns written by [`write_records`]: persons files carry `household_id`
/// (required by the interchange format, empty here) so that they read back.
const PERSON_WRITTEN: &[&str] = &[
    "person_id",
    "name",
    "sex",
    "birth_date",
    "id_number",
    "household_id",
    "region_code",
];

fn names_missing(e: &FileError, column: &str) -> bool {
    match e {
        FileError::MissingColumns { missing, .. } => missing
            .split('、')
            .any(|m| m.ends_with(&format!("/{column}"))),
        FileError::NoHeader { .. } => true,
        _ => false,
    }
}

/// Opens `path` as births or persons, whichever its header says.
fn open(path: &Path, sheet: Option<&str>) -> Result<(TableReader, EntityKind), LinkError> {
    let as_births = match TableReader::open(path, FileKind::Births, sheet) {
        Ok(t) => return Ok((t, EntityKind::Birth)),
        Err(e) => e,
    };
    // A births file lacking some other column, or a file that cannot be read at all
    // (not found, empty, binary, encoding, xlsx): that is the answer.
    if !names_missing(&as_births, "record_id") {
        return Err(as_births.into());
    }
    match TableReader::open(path, FileKind::Persons, sheet) {
        Ok(t) => Ok((t, EntityKind::Person)),
        Err(e) if names_missing(&e, "person_id") => Err(LinkError::NotInterchange {
            path: path.display().to_string(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Reads a births or persons file (CSV in any encoding Excel writes, or xlsx: its
/// first sheet). The kind follows from the header.
pub fn read_records(path: &Path) -> Result<Vec<LinkRecord>, LinkError> {
    read_records_sheet(path, None)
}

/// As [`read_records`]; `sheet` names the xlsx sheet to read (ignored for CSV).
pub fn read_records_sheet(path: &Path, sheet: Option<&str>) -> Result<Vec<LinkRecord>, LinkError> {
    let (mut t, kind) = open(path, sheet)?;
    let (fields, needed) = match kind {
        EntityKind::Birth => (BIRTH_FIELDS, BIRTH_NEEDED),
        EntityKind::Person => (PERSON_FIELDS, PERSON_NEEDED),
    };
    let missing: Vec<String> = needed
        .iter()
        .filter(|c| t.index(c).is_none())
        .filter_map(|c| t.column(c))
        .map(|c| format!("{}/{}", c.zh, c.name))
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns {
            file: t.file.clone(),
            missing: missing.join("、"),
        }
        .into());
    }
    let map: Vec<(usize, Setter)> = fields
        .iter()
        .filter_map(|&(name, set)| Some((t.index(name)?, set)))
        .collect();
    let id_pos = map[0].0;
    let id_header = t.header(id_pos).to_string();
    let width = t.headers.len();
    let row_error =
        |t: &TableReader, row: &Row, column: &str, zh: String, en: String| LinkError::Row {
            path: t.file.clone(),
            row: row.line,
            column: column.to_string(),
            why_zh: zh,
            why_en: en,
        };
    let mut out = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut row = Row::default();
    while t.next_row(&mut row)? {
        if let Some(extra) = row.cells().skip(width).position(|c| !c.trim().is_empty()) {
            let n = width + extra + 1;
            return Err(row_error(
                &t,
                &row,
                "",
                format!("第 {n} 列有内容，但表头只有 {width} 列（逗号或引号错位？）"),
                format!(
                    "a value in field {n} where the header has {width} (a stray comma or quote?)"
                ),
            ));
        }
        let mut r = LinkRecord {
            kind,
            ..Default::default()
        };
        for &(pos, set) in &map {
            *set(&mut r) = row.cell(pos).to_string();
        }
        if r.record_id.is_empty() {
            return Err(row_error(
                &t,
                &row,
                &id_header,
                "编号为空".into(),
                "empty id".into(),
            ));
        }
        if !seen.insert(r.record_id.clone()) {
            let (zh, en) = (
                format!("编号“{}”重复", r.record_id),
                format!("duplicate id \"{}\"", r.record_id),
            );
            return Err(row_error(&t, &row, &id_header, zh, en));
        }
        out.push(r);
    }
    Ok(out)
}

/// Writes links.csv: UTF-8 with BOM so that Excel opens it correctly.
pub fn write_links(path: &Path, links: &[Link]) -> Result<(), LinkError> {
    let io = |e: std::io::Error| LinkError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let mut w = csv::Writer::from_writer(Vec::with_capacity(links.len() * 48 + 64));
    let res = (|| -> Result<Vec<u8>, csv::Error> {
        w.write_record([
            "left_id",
            "right_id",
            "match_probability",
            "match_weight",
            "status",
        ])?;
        for l in links {
            w.write_record([
                l.left_id.as_str(),
                l.right_id.as_str(),
                &format!("{:.6}", l.match_probability),
                &format!("{:.2}", l.match_weight),
                l.status.as_str(),
            ])?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    })();
    let body = res.map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let mut out = Vec::with_capacity(body.len() + 3);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend_from_slice(&body);
    std::fs::write(path, out).map_err(io)
}

/// Writes records as births.csv or persons.csv (UTF-8 with BOM, English headers), for
/// the generator's files.
pub fn write_records(path: &Path, records: &[LinkRecord]) -> Result<(), LinkError> {
    let io = |e: std::io::Error| LinkError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let kind = records.first().map(|r| r.kind).unwrap_or_default();
    let mut w = csv::Writer::from_writer(Vec::with_capacity(records.len() * 160 + 64));
    let res = (|| -> Result<Vec<u8>, csv::Error> {
        match kind {
            EntityKind::Birth => {
                w.write_record(BIRTH_FIELDS.iter().map(|c| c.0))?;
                for r in records {
                    w.write_record([
                        &r.record_id,
                        &r.name,
                        &r.sex,
                        &r.birth_date,
                        &r.birth_order,
                        &r.mother_name,
                        &r.mother_id_number,
                        &r.mother_birth_date,
                        &r.father_name,
                        &r.father_id_number,
                        &r.region_code,
                        &r.place,
                        &r.source,
                    ])?;
                }
            }
            EntityKind::Person => {
                w.write_record(PERSON_WRITTEN)?;
                for r in records {
                    w.write_record([
                        r.record_id.as_str(),
                        &r.name,
                        &r.sex,
                        &r.birth_date,
                        &r.id_number,
                        "",
                        &r.region_code,
                    ])?;
                }
            }
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    })();
    let body = res.map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let mut out = Vec::with_capacity(body.len() + 3);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    out.extend_from_slice(&body);
    std::fs::write(path, out).map_err(io)
}
