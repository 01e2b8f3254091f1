//! Reading births.csv / persons.csv into [`LinkRecord`]s and writing links.csv, for
//! `renkou link` / `renkou dedupe` on plain files with no database.
//!
//! Everything that can make a file unusable is checked before any linkage work
//! starts: the encoding (UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 as
//! Excel and WPS save it on Chinese Windows), the header (English or Chinese names,
//! any order, required columns present), the row shapes and the uniqueness of record
//! ids. Values themselves are not rejected: a malformed date or ID number is exactly
//! what linkage must tolerate, and it becomes a missing or partial comparison.
//! Unknown columns are ignored here (the interchange importer keeps them in a side
//! table; linkage has no use for them).
//!
//! TODO(xlsx): .xlsx input comes through the interchange crate, which will hand over
//! records; this reader recognises an xlsx file and says so.

use crate::record::{EntityKind, LinkRecord};
use crate::{Link, LinkError};
use std::collections::HashSet;
use std::path::Path;

/// Column slots of [`LinkRecord`] and their English / Chinese header names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    Id,
    Name,
    Sex,
    BirthDate,
    IdNumber,
    BirthOrder,
    MotherName,
    MotherId,
    MotherBirthDate,
    FatherName,
    FatherId,
    Region,
    Place,
    Source,
}

struct Column {
    slot: Slot,
    en: &'static str,
    zh: &'static str,
    required: bool,
}

const BIRTH_COLUMNS: &[Column] = &[
    Column {
        slot: Slot::Id,
        en: "record_id",
        zh: "记录编号",
        required: true,
    },
    Column {
        slot: Slot::Name,
        en: "child_name",
        zh: "婴儿姓名",
        required: false,
    },
    Column {
        slot: Slot::Sex,
        en: "child_sex",
        zh: "婴儿性别",
        required: true,
    },
    Column {
        slot: Slot::BirthDate,
        en: "birth_date",
        zh: "出生日期",
        required: true,
    },
    Column {
        slot: Slot::BirthOrder,
        en: "birth_order",
        zh: "孩次",
        required: false,
    },
    Column {
        slot: Slot::MotherName,
        en: "mother_name",
        zh: "母亲姓名",
        required: true,
    },
    Column {
        slot: Slot::MotherId,
        en: "mother_id_number",
        zh: "母亲身份号码",
        required: true,
    },
    Column {
        slot: Slot::MotherBirthDate,
        en: "mother_birth_date",
        zh: "母亲出生日期",
        required: false,
    },
    Column {
        slot: Slot::FatherName,
        en: "father_name",
        zh: "父亲姓名",
        required: false,
    },
    Column {
        slot: Slot::FatherId,
        en: "father_id_number",
        zh: "父亲身份号码",
        required: false,
    },
    Column {
        slot: Slot::Region,
        en: "region_code",
        zh: "区划代码",
        required: true,
    },
    Column {
        slot: Slot::Place,
        en: "place",
        zh: "出生地点",
        required: false,
    },
    Column {
        slot: Slot::Source,
        en: "source",
        zh: "来源",
        required: false,
    },
];

const PERSON_COLUMNS: &[Column] = &[
    Column {
        slot: Slot::Id,
        en: "person_id",
        zh: "人员编号",
        required: true,
    },
    Column {
        slot: Slot::Name,
        en: "name",
        zh: "姓名",
        required: true,
    },
    Column {
        slot: Slot::Sex,
        en: "sex",
        zh: "性别",
        required: true,
    },
    Column {
        slot: Slot::BirthDate,
        en: "birth_date",
        zh: "出生日期",
        required: true,
    },
    Column {
        slot: Slot::IdNumber,
        en: "id_number",
        zh: "公民身份号码",
        required: true,
    },
    Column {
        slot: Slot::Region,
        en: "region_code",
        zh: "区划代码",
        required: true,
    },
];

/// Decodes a whole file: BOM-marked UTF-8/UTF-16, plain UTF-8, else GB18030.
fn decode(path: &Path, bytes: &[u8]) -> Result<String, LinkError> {
    let p = || path.display().to_string();
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(LinkError::NotCsv {
            path: p(),
            why_zh: "这是 xlsx/zip 文件，请另存为 CSV 或通过导入功能读取".into(),
            why_en: "this is an xlsx/zip file; save it as CSV or load it through the importer"
                .into(),
        });
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).map_err(|_| LinkError::Encoding { path: p() });
    }
    for (bom, enc) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return enc
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|c| c.into_owned())
                .ok_or(LinkError::Encoding { path: p() });
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    if bytes.contains(&0) {
        return Err(LinkError::Encoding { path: p() });
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
        .ok_or(LinkError::Encoding { path: p() })
}

/// Reads a births.csv or persons.csv file (the kind follows from the header).
pub fn read_records(path: &Path) -> Result<Vec<LinkRecord>, LinkError> {
    let bytes = std::fs::read(path).map_err(|e| LinkError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    let text = decode(path, &bytes)?;
    drop(bytes);
    parse_records(path, &text)
}

/// Parses decoded CSV text (exposed for callers that decoded it themselves).
pub fn parse_records(path: &Path, text: &str) -> Result<Vec<LinkRecord>, LinkError> {
    let p = || path.display().to_string();
    let first_line = text.lines().next().unwrap_or("");
    // Excel's "Unicode text" export is tab-separated.
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(LinkError::Empty { path: p() });
    }
    let has = |c: &Column| headers.iter().position(|h| h == c.en || h == c.zh);
    let (kind, columns) = if has(&BIRTH_COLUMNS[0]).is_some() {
        (EntityKind::Birth, BIRTH_COLUMNS)
    } else if has(&PERSON_COLUMNS[0]).is_some() {
        (EntityKind::Person, PERSON_COLUMNS)
    } else {
        return Err(LinkError::NotInterchange { path: p() });
    };
    let mut map: Vec<(Slot, usize)> = Vec::new();
    let mut missing = Vec::new();
    for c in columns {
        match has(c) {
            Some(i) => map.push((c.slot, i)),
            None if c.required => missing.push(format!("{}（{}）", c.en, c.zh)),
            None => {}
        }
    }
    if !missing.is_empty() {
        return Err(LinkError::MissingColumns {
            path: p(),
            columns: missing.join(", "),
        });
    }
    let id_col = columns[0].en;
    let mut out = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, e)),
        }
        let row = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue; // blank lines Excel leaves at the end
        }
        let mut r = LinkRecord {
            kind,
            ..Default::default()
        };
        for &(slot, i) in &map {
            let v = rec.get(i).unwrap_or("").trim().to_string();
            let field = match slot {
                Slot::Id => &mut r.record_id,
                Slot::Name => &mut r.name,
                Slot::Sex => &mut r.sex,
                Slot::BirthDate => &mut r.birth_date,
                Slot::IdNumber => &mut r.id_number,
                Slot::BirthOrder => &mut r.birth_order,
                Slot::MotherName => &mut r.mother_name,
                Slot::MotherId => &mut r.mother_id_number,
                Slot::MotherBirthDate => &mut r.mother_birth_date,
                Slot::FatherName => &mut r.father_name,
                Slot::FatherId => &mut r.father_id_number,
                Slot::Region => &mut r.region_code,
                Slot::Place => &mut r.place,
                Slot::Source => &mut r.source,
            };
            *field = v;
        }
        if r.record_id.is_empty() {
            return Err(LinkError::Row {
                path: p(),
                row,
                column: id_col.to_string(),
                why_zh: "编号为空".into(),
                why_en: "empty id".into(),
            });
        }
        if !seen.insert(r.record_id.clone()) {
            return Err(LinkError::Row {
                path: p(),
                row,
                column: id_col.to_string(),
                why_zh: format!("编号“{}”重复", r.record_id),
                why_en: format!("duplicate id \"{}\"", r.record_id),
            });
        }
        out.push(r);
    }
    Ok(out)
}

fn csv_error(path: &Path, e: csv::Error) -> LinkError {
    let row = e.position().map(|p| p.line()).unwrap_or(0);
    let (why_zh, why_en) = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => (
            format!("列数为 {len}，表头为 {expected_len} 列"),
            format!("{len} fields where the header has {expected_len}"),
        ),
        _ => ("CSV 格式错误".to_string(), format!("malformed CSV: {e}")),
    };
    LinkError::Row {
        path: path.display().to_string(),
        row,
        column: String::new(),
        why_zh,
        why_en,
    }
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
                w.write_record(BIRTH_COLUMNS.iter().map(|c| c.en))?;
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
                w.write_record(PERSON_COLUMNS.iter().map(|c| c.en))?;
                for r in records {
                    w.write_record([
                        &r.record_id,
                        &r.name,
                        &r.sex,
                        &r.birth_date,
                        &r.id_number,
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
