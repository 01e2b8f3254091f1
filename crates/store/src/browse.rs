//! Reads for browsing the register in the web UI: an area's summary, recent changes,
//! and paged, filtered, sorted lists of persons and households. Every query is
//! bounded by a region prefix (the caller's scope).

use crate::error::Result;
use crate::persons::{to_person, PERSON_COLS};
use crate::value::Value;
use crate::Store;
use renkou_domain::{Date, PersonRecord, RegionCode};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AreaSummary {
    /// Alive today and living here (resident or inflow).
    pub population: i64,
    pub households: i64,
    pub births_this_year: i64,
    pub deaths_this_year: i64,
    /// Registered here, living elsewhere (流出).
    pub living_away: i64,
    pub open_quality_issues: i64,
}

/// Filters of a persons list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFilter {
    pub sex: Option<i64>,
    pub residence: Option<String>,
    pub marital_status: Option<i64>,
    /// Born in `born_from..=born_to` (an age band, computed by the caller).
    pub born_from: Option<Date>,
    pub born_to: Option<Date>,
    /// Only the living.
    pub alive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonSort {
    Number,
    Name,
    BirthDate,
    Household,
}

impl PersonSort {
    /// Whether `s` names a sort order (`parse` takes anything else as the default).
    pub fn is_known(s: &str) -> bool {
        matches!(
            s,
            "" | "number" | "person_no" | "name" | "birth_date" | "household"
        )
    }

    pub fn parse(s: &str) -> PersonSort {
        match s {
            "name" => PersonSort::Name,
            "birth_date" => PersonSort::BirthDate,
            "household" => PersonSort::Household,
            _ => PersonSort::Number,
        }
    }
    fn sql(self) -> &'static str {
        match self {
            PersonSort::Number => "person_no",
            PersonSort::Name => "name, person_no",
            PersonSort::BirthDate => "birth_date, person_no",
            PersonSort::Household => "household_no, birth_date, person_no",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecentEvent {
    pub seq: i64,
    pub person_no: String,
    /// The person's name now.
    pub person_name: String,
    pub kind: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HouseholdRow {
    pub household_no: String,
    pub region_code: String,
    pub members: i64,
}

fn filter_sql(region: &RegionCode, f: &PersonFilter) -> (String, Vec<Value>) {
    let (lo, hi) = crate::prefix_range(region.prefix());
    let mut sql = String::from("region_code >= $1 AND region_code < $2");
    let mut params: Vec<Value> = vec![lo.into(), hi.into()];
    let add = |cond: &str, v: Value, params: &mut Vec<Value>, sql: &mut String| {
        params.push(v);
        sql.push_str(&format!(" AND {cond} ${}", params.len()));
    };
    if let Some(s) = f.sex {
        add("sex =", Value::Int(s), &mut params, &mut sql);
    }
    if let Some(r) = &f.residence {
        add("residence =", r.as_str().into(), &mut params, &mut sql);
    }
    if let Some(m) = f.marital_status {
        add("marital_status =", Value::Int(m), &mut params, &mut sql);
    }
    if let Some(d) = f.born_from {
        add("birth_date >=", d.into(), &mut params, &mut sql);
    }
    if let Some(d) = f.born_to {
        add("birth_date <=", d.into(), &mut params, &mut sql);
    }
    if f.alive {
        sql.push_str(" AND death_date IS NULL");
    }
    // A voided record (注销) is in no list; its page stays reachable by number.
    sql.push_str(" AND voided_by IS NULL");
    (sql, params)
}

impl Store {
    pub fn area_summary(&self, region: &RegionCode, today: Date) -> Result<AreaSummary> {
        use chrono::Datelike;
        let (lo, hi) = crate::prefix_range(region.prefix());
        let y0 = Date::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        let y1 = Date::from_ymd_opt(today.year() + 1, 1, 1).unwrap_or(today);
        self.with(|c| {
            let r = c
                .query_one(
                    "SELECT \
                       SUM(CASE WHEN death_date IS NULL AND residence <> 'outflow' THEN 1 ELSE 0 END), \
                       COUNT(DISTINCT household_no), \
                       SUM(CASE WHEN birth_date >= $3 AND birth_date < $4 THEN 1 ELSE 0 END), \
                       SUM(CASE WHEN death_date >= $3 AND death_date < $4 THEN 1 ELSE 0 END), \
                       SUM(CASE WHEN death_date IS NULL AND residence = 'outflow' THEN 1 ELSE 0 END) \
                     FROM persons WHERE region_code >= $1 AND region_code < $2 AND voided_by IS NULL",
                    &[lo.clone().into(), hi.clone().into(), y0.into(), y1.into()],
                )?
                .unwrap_or_default();
            let q = c
                .query_one(
                    "SELECT COUNT(*) FROM quality_issues q JOIN persons p ON p.person_no = q.person_no \
                     WHERE q.status = 'open' AND p.region_code >= $1 AND p.region_code < $2 \
                     AND p.voided_by IS NULL",
                    &[lo.into(), hi.into()],
                )?
                .and_then(|r| r[0].int())
                .unwrap_or(0);
            let n = |i: usize| r.get(i).and_then(|v| v.int()).unwrap_or(0);
            Ok(AreaSummary {
                population: n(0),
                households: n(1),
                births_this_year: n(2),
                deaths_this_year: n(3),
                living_away: n(4),
                open_quality_issues: q,
            })
        })
    }

    /// The newest events about persons living in `region`.
    pub fn recent_events(&self, region: &RegionCode, limit: i64) -> Result<Vec<RecentEvent>> {
        let (lo, hi) = crate::prefix_range(region.prefix());
        self.with(|c| {
            Ok(c.query(
                "SELECT e.seq, e.person_no, e.kind, e.recorded_by, e.recorded_at, e.source, p.name FROM events e \
                 JOIN persons p ON p.person_no = e.person_no \
                 WHERE p.region_code >= $1 AND p.region_code < $2 ORDER BY e.seq DESC LIMIT $3",
                &[lo.into(), hi.into(), Value::Int(limit)],
            )?
            .into_iter()
            .map(|r| RecentEvent {
                seq: r[0].int().unwrap_or(0),
                person_no: r[1].text().unwrap_or_default(),
                person_name: r[6].text().unwrap_or_default(),
                kind: r[2].text().unwrap_or_default(),
                recorded_by: r[3].text().unwrap_or_default(),
                recorded_at: r[4].time().map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string()).or_else(|| r[4].text()).unwrap_or_default(),
                source: r[5].text().unwrap_or_default(),
            })
            .collect())
        })
    }

    /// One page of persons in `region` matching `filter`, and the total count.
    pub fn list_persons(
        &self,
        region: &RegionCode,
        filter: &PersonFilter,
        sort: PersonSort,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<PersonRecord>, i64)> {
        let (cond, mut params) = filter_sql(region, filter);
        self.with(|c| {
            let total = c
                .query_one(&format!("SELECT COUNT(*) FROM persons WHERE {cond}"), &params)?
                .and_then(|r| r[0].int())
                .unwrap_or(0);
            params.push(Value::Int(limit));
            params.push(Value::Int(offset));
            let n = params.len();
            let rows = c.query(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE {cond} ORDER BY {} LIMIT ${} OFFSET ${n}",
                    sort.sql(),
                    n - 1
                ),
                &params,
            )?;
            let persons = rows.iter().map(|r| to_person(r)).collect::<Result<_>>()?;
            Ok((persons, total))
        })
    }

    /// Streams every person in `region` matching `filter` (for exports of a list).
    pub fn for_each_listed_person(
        &self,
        region: &RegionCode,
        filter: &PersonFilter,
        sort: PersonSort,
        f: &mut dyn FnMut(PersonRecord) -> Result<()>,
    ) -> Result<()> {
        let (cond, params) = filter_sql(region, filter);
        self.with(|c| {
            c.query_each(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE {cond} ORDER BY {}",
                    sort.sql()
                ),
                &params,
                &mut |r| f(to_person(&r)?),
            )
        })
    }

    /// One page of the households of `region`, with their member counts.
    pub fn list_households(
        &self,
        region: &RegionCode,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<HouseholdRow>, i64)> {
        let (lo, hi) = crate::prefix_range(region.prefix());
        self.with(|c| {
            let total = c
                .query_one(
                    "SELECT COUNT(DISTINCT household_no) FROM persons WHERE region_code >= $1 AND region_code < $2 AND voided_by IS NULL",
                    &[lo.clone().into(), hi.clone().into()],
                )?
                .and_then(|r| r[0].int())
                .unwrap_or(0);
            let rows = c.query(
                "SELECT household_no, MIN(region_code), COUNT(*) FROM persons \
                 WHERE region_code >= $1 AND region_code < $2 AND voided_by IS NULL GROUP BY household_no \
                 ORDER BY household_no LIMIT $3 OFFSET $4",
                &[lo.into(), hi.into(), Value::Int(limit), Value::Int(offset)],
            )?;
            Ok((
                rows.into_iter()
                    .map(|r| HouseholdRow {
                        household_no: r[0].text().unwrap_or_default(),
                        region_code: r[1].text().unwrap_or_default(),
                        members: r[2].int().unwrap_or(0),
                    })
                    .collect(),
                total,
            ))
        })
    }
}

impl Store {
    /// Persons and households per child region of `region` (one level down).
    pub fn child_counts(
        &self,
        region: &RegionCode,
    ) -> Result<std::collections::HashMap<String, (i64, i64)>> {
        use renkou_domain::RegionLevel;
        let digits = match region.level() {
            RegionLevel::Province => 4,
            RegionLevel::Prefecture => 6,
            RegionLevel::County => 9,
            RegionLevel::Township => 12,
            _ => 15,
        };
        let (lo, hi) = crate::prefix_range(region.prefix());
        self.with(|c| {
            let mut out = std::collections::HashMap::new();
            for r in c.query(
                &format!(
                    "SELECT SUBSTR(region_code, 1, {digits}), COUNT(*), COUNT(DISTINCT household_no) FROM persons \
                     WHERE region_code >= $1 AND region_code < $2 AND death_date IS NULL AND voided_by IS NULL \
                     GROUP BY SUBSTR(region_code, 1, {digits})"
                ),
                &[lo.into(), hi.into()],
            )? {
                if let (Some(k), Some(p), Some(h)) = (r[0].text(), r[1].int(), r[2].int()) {
                    let key = if k.len() < 12 { format!("{k:0<12}") } else { k };
                    out.insert(key, (p, h));
                }
            }
            Ok(out)
        })
    }

    /// A plain search within `region`: a name prefix, or an exact person or household
    /// number, or the last digits of an ID number.
    pub fn search_persons_simple(
        &self,
        region: &RegionCode,
        q: &str,
        limit: i64,
    ) -> Result<Vec<PersonRecord>> {
        let (lo, hi) = crate::prefix_range(region.prefix());
        let q = q.trim();
        self.with(|c| {
            let rows = c.query(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE region_code >= $1 AND region_code < $2 AND \
                     ((name >= $3 AND name < $4) OR person_no = $3 OR household_no = $3 OR id_number = $5 OR id_number LIKE $6) \
                     ORDER BY name, person_no LIMIT $7"
                ),
                &[
                    lo.into(),
                    hi.into(),
                    q.into(),
                    format!("{q}\u{10FFFF}").into(),
                    q.to_uppercase().into(),
                    if q.len() >= 4 && q.bytes().all(|b| b.is_ascii_digit() || b == b'X' || b == b'x') {
                        format!("%{}", q.to_uppercase()).into()
                    } else {
                        // Matches no ID number (and PostgreSQL text cannot hold NUL).
                        Value::Text("-".into())
                    },
                    Value::Int(limit),
                ],
            )?;
            rows.iter().map(|r| to_person(r)).collect()
        })
    }
}

impl Store {
    /// Persons of `area` (not voided) who may be the one about to be entered: the
    /// same ID number, or the same name and birth date. For the warning a form
    /// shows before it saves.
    pub fn likely_same_persons(
        &self,
        area: &RegionCode,
        name: &str,
        birth_date: Option<Date>,
        id_number: Option<&str>,
    ) -> Result<Vec<PersonRecord>> {
        let (lo, hi) = crate::prefix_range(area.prefix());
        self.with(|c| {
            let rows = c.query(
                &format!(
                    "SELECT {PERSON_COLS} FROM persons WHERE region_code >= $1 AND region_code < $2 \
                     AND voided_by IS NULL AND ((name = $3 AND birth_date = $4) OR id_number = $5) \
                     ORDER BY person_no LIMIT 20"
                ),
                &[
                    lo.into(),
                    hi.into(),
                    name.trim().into(),
                    birth_date.into(),
                    // Matches no ID number when none is given.
                    id_number.unwrap_or("-").into(),
                ],
            )?;
            rows.iter().map(|r| to_person(r)).collect()
        })
    }
}
