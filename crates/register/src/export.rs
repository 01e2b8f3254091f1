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
    store.for_each_live_person_in(region, &mut |p| {
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

// --- files for people ------------------------------------------------------------

use renkou_domain::{Date, PersonRecord};
use renkou_interchange::sheet::{col, Cell, Column, SheetSpec, SheetWriter};
use std::collections::HashMap;

/// The persons file for people: persons.csv's fourteen columns under their
/// Chinese headers, in words (男, 已婚, 常住, 妻), dates as date cells, numbers and
/// the ID number as text. It reads back through the persons importer unchanged
/// (labels, the title row and date cells are all understood).
pub fn person_columns() -> Vec<Column> {
    vec![
        col("人员编号", 12),
        col("姓名", 10),
        col("性别", 6),
        col("出生日期", 12),
        col("公民身份号码", 21),
        col("户编号", 12),
        col("区划代码", 14),
        col("婚姻状况", 9),
        col("母亲编号", 12),
        col("父亲编号", 12),
        col("居住状态", 9),
        col("联系电话", 14),
        col("死亡日期", 12),
        col("与户主关系", 10),
    ]
}

/// A person as a row of [`person_columns`].
pub fn person_row(p: &PersonRecord) -> Vec<Cell> {
    vec![
        Cell::code(p.person_no.clone()),
        Cell::text(p.name.clone()),
        Cell::text(p.sex.name_zh()),
        Cell::Date(p.birth_date),
        Cell::code(
            p.id_number
                .as_ref()
                .map(|i| i.to_string())
                .unwrap_or_default(),
        ),
        Cell::code(p.household_no.clone()),
        Cell::code(p.region_code.to_string()),
        Cell::text(p.marital_status.name_zh()),
        Cell::code(p.mother_no.clone().unwrap_or_default()),
        Cell::code(p.father_no.clone().unwrap_or_default()),
        Cell::text(p.residence.name_zh()),
        Cell::code(p.phone.clone().unwrap_or_default()),
        Cell::date(p.death_date),
        Cell::text(p.relation.map(|r| r.name_zh()).unwrap_or_default()),
    ]
}

/// The title of a file for people: the area's name, what, and the day.
pub fn title(area: &str, what: &str, today: Date) -> String {
    use chrono::Datelike;
    format!(
        "{area}{what}（{}年{}月{}日导出）",
        today.year(),
        today.month(),
        today.day()
    )
}

/// The households file for people: 户编号, 户主姓名, 所属村, 区划代码, 人数
/// (living members), one row per household of `region`, by number.
pub fn household_columns() -> Vec<Column> {
    vec![
        col("户编号", 12),
        col("户主姓名", 10),
        col("所属村", 14),
        col("区划代码", 14),
        col("人数", 6),
    ]
}

/// The rows of [`household_columns`] for `region`.
pub fn household_rows(store: &Store, region: &RegionCode) -> Result<Vec<Vec<Cell>>, AppError> {
    let names = region_names(store)?;
    let (lo, hi) = renkou_store::prefix_range(region.prefix());
    let rows = store.with(|c| {
        c.query(
            "SELECT household_no, MIN(region_code), \
             SUM(CASE WHEN death_date IS NULL THEN 1 ELSE 0 END), \
             MIN(CASE WHEN relation = '02' AND death_date IS NULL THEN name END) \
             FROM persons WHERE region_code >= $1 AND region_code < $2 AND voided_by IS NULL \
             GROUP BY household_no ORDER BY household_no",
            &[lo.into(), hi.into()],
        )
    })?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let code = r[1].text().unwrap_or_default();
            vec![
                Cell::code(r[0].text().unwrap_or_default()),
                Cell::text(r[3].text().unwrap_or_default()),
                Cell::text(names.get(&code).cloned().unwrap_or_default()),
                Cell::code(code),
                Cell::Int(r[2].int().unwrap_or(0)),
            ]
        })
        .collect())
}

fn region_names(store: &Store) -> Result<HashMap<String, String>, AppError> {
    Ok(store
        .regions()?
        .into_iter()
        .map(|r| (r.code.to_string(), r.name))
        .collect())
}

/// 民族, 文化程度 and 备注 as a roster gave them (kept with the person, under the
/// file's own headers), found through the roster's synonym table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterExtras {
    pub ethnicity: String,
    pub education: String,
    pub note: String,
}

impl RosterExtras {
    /// From the JSON object a roster import kept (`{"民族":"汉族",…}`).
    pub fn from_json(json: &str) -> RosterExtras {
        let mut out = RosterExtras::default();
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json)
        else {
            return out;
        };
        for (k, v) in map {
            let Some(v) = v.as_str() else { continue };
            let slot = match renkou_interchange::schema::roster_synonym(&k) {
                Some("ethnicity") => &mut out.ethnicity,
                Some("education") => &mut out.education,
                Some("note") => &mut out.note,
                _ => continue,
            };
            if slot.is_empty() {
                *slot = v.to_string();
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.ethnicity.is_empty() && self.education.is_empty() && self.note.is_empty()
    }
}

/// The roster extras of one person (empty when none were kept).
pub fn person_extras(store: &Store, person_no: &str) -> Result<RosterExtras, AppError> {
    let row = store.with(|c| {
        c.query_one(
            "SELECT extra FROM persons WHERE person_no = $1",
            &[person_no.into()],
        )
    })?;
    Ok(row
        .and_then(|r| r[0].text())
        .map(|j| RosterExtras::from_json(&j))
        .unwrap_or_default())
}

fn extras_in(
    store: &Store,
    region: &RegionCode,
) -> Result<HashMap<String, RosterExtras>, AppError> {
    let (lo, hi) = renkou_store::prefix_range(region.prefix());
    let rows = store.with(|c| {
        c.query(
            "SELECT person_no, extra FROM persons WHERE region_code >= $1 AND region_code < $2 AND extra IS NOT NULL",
            &[lo.into(), hi.into()],
        )
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r[0].text()?, RosterExtras::from_json(&r[1].text()?))))
        .collect())
}

/// The roster (花名册) in the columns offices keep, households as blocks under
/// their head; for an area above a village, 所属村 last.
pub fn roster_columns(with_village: bool) -> Vec<Column> {
    let mut c = vec![
        col("序号", 6),
        col("户主姓名", 10),
        col("姓名", 10),
        col("与户主关系", 10),
        col("性别", 6),
        col("出生年月", 12),
        col("身份证号码", 21),
        col("民族", 8),
        col("文化程度", 9),
        col("婚姻状况", 9),
        col("居住状态", 9),
        col("联系电话", 14),
        col("备注", 18),
    ];
    if with_village {
        c.push(col("所属村", 14));
    }
    c
}

/// One household of a roster: its number and living members, head first.
#[derive(Debug, Clone)]
pub struct RosterHousehold {
    pub household_no: String,
    pub village: String,
    pub head_name: String,
    pub members: Vec<(PersonRecord, RosterExtras)>,
}

/// Living members in the order a roster lists them: the head, then by
/// relation (spouse, children, …) and birth date.
fn roster_order(members: &mut [(PersonRecord, RosterExtras)]) {
    members.sort_by(|(a, _), (b, _)| {
        let key = |p: &PersonRecord| {
            (
                !p.relation.is_some_and(|r| r.is_head()),
                p.relation.map(|r| r.code()).unwrap_or_else(|| "99".into()),
                p.birth_date,
                p.person_no.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

/// The households of `region` for a roster, village by village, by household
/// number; only `household` when given. The dead are not listed.
pub fn roster_households(
    store: &Store,
    region: &RegionCode,
    household: Option<&str>,
) -> Result<Vec<RosterHousehold>, AppError> {
    let names = region_names(store)?;
    let extras = extras_in(store, region)?;
    let mut by_household: std::collections::BTreeMap<
        (String, String),
        Vec<(PersonRecord, RosterExtras)>,
    > = Default::default();
    store.for_each_live_person_in(region, &mut |p| {
        if p.death_date.is_none() && household.is_none_or(|h| h == p.household_no) {
            let e = extras.get(&p.person_no).cloned().unwrap_or_default();
            by_household
                .entry((p.region_code.to_string(), p.household_no.clone()))
                .or_default()
                .push((p, e));
        }
        Ok(())
    })?;
    Ok(by_household
        .into_iter()
        .map(|((village, household_no), mut members)| {
            roster_order(&mut members);
            let head_name = members
                .iter()
                .find(|(p, _)| p.relation.is_some_and(|r| r.is_head()))
                .or(members.first())
                .map(|(p, _)| p.name.clone())
                .unwrap_or_default();
            RosterHousehold {
                household_no,
                village: names.get(&village).cloned().unwrap_or(village),
                head_name,
                members,
            }
        })
        .collect())
}

/// The rows of a roster: 序号 running over the persons, 户主姓名 on every row of
/// the household (so a filter on it shows the whole household), 出生年月 as a
/// date cell (its day kept, so a re-import finds persons without an ID number
/// again by name and birth date).
pub fn roster_rows(households: &[RosterHousehold], with_village: bool) -> Vec<Vec<Cell>> {
    let mut out = Vec::new();
    let mut seq = 0i64;
    for h in households {
        for (p, e) in &h.members {
            seq += 1;
            let mut row = vec![
                Cell::Int(seq),
                Cell::text(h.head_name.clone()),
                Cell::text(p.name.clone()),
                Cell::text(p.relation.map(|r| r.name_zh()).unwrap_or_default()),
                Cell::text(p.sex.name_zh()),
                Cell::Date(p.birth_date),
                Cell::code(
                    p.id_number
                        .as_ref()
                        .map(|i| i.to_string())
                        .unwrap_or_default(),
                ),
                Cell::text(e.ethnicity.clone()),
                Cell::text(e.education.clone()),
                Cell::text(p.marital_status.name_zh()),
                Cell::text(p.residence.name_zh()),
                Cell::code(p.phone.clone().unwrap_or_default()),
                Cell::text(e.note.clone()),
            ];
            if with_village {
                row.push(Cell::text(h.village.clone()));
            }
            out.push(row);
        }
    }
    out
}

/// Writes a file for people: `spec`, then `rows`; returns how many rows.
pub fn write_sheet(
    path: &Path,
    format: OutFormat,
    spec: &SheetSpec,
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<u64, AppError> {
    let mut w = SheetWriter::create(path, format, spec)?;
    for r in rows {
        w.write_row(&r)?;
    }
    Ok(w.finish()?)
}

/// The roster of `region` (or of one household: its card, 户卡) for people,
/// written to `path`; returns how many persons.
pub fn export_roster(
    store: &Store,
    region: &RegionCode,
    household: Option<&str>,
    path: &Path,
    format: OutFormat,
    today: Date,
) -> Result<u64, AppError> {
    let area = store
        .region(region)?
        .map(|r| r.name)
        .unwrap_or_else(|| region.to_string());
    let with_village = region.level() != renkou_domain::RegionLevel::Village;
    let households = roster_households(store, region, household)?;
    let spec = match household {
        None => SheetSpec {
            title: title(&area, "户籍人口花名册", today),
            sheet: "花名册".into(),
            columns: roster_columns(with_village),
            landscape: true,
        },
        Some(h) => SheetSpec {
            title: format!(
                "{}（户编号 {h}，户主 {}）",
                title(&area, "户卡", today),
                households
                    .first()
                    .map(|h| h.head_name.as_str())
                    .unwrap_or("")
            ),
            sheet: "户卡".into(),
            columns: roster_columns(with_village),
            landscape: true,
        },
    };
    write_sheet(path, format, &spec, roster_rows(&households, with_village))
}
