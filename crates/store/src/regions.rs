//! The region tree, effective-dated: a region exists on days in valid_from..valid_to,
//! so figures for an earlier year resolve to the boundaries of their time.

use crate::conn::{Conn, Row};
use crate::error::{Result, StoreError};
use crate::value::Value;
use crate::Store;
use renkou_domain::{Date, Region, RegionCode};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RegionCounts {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

const COLS: &str = "code, name, valid_from, valid_to, successor_code";

fn to_region(r: &Row) -> Result<Region> {
    let code = r[0].as_str().unwrap_or_default();
    Ok(Region {
        code: RegionCode::parse(code).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: r[1].text().unwrap_or_default(),
        valid_from: r[2].date(),
        valid_to: r[3].date(),
        successor: r[4]
            .as_str()
            .map(RegionCode::parse)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

impl crate::Tx<'_> {
    /// Inserts or updates regions. Only the county's administrator (or the server's
    /// operator) changes the tree.
    pub fn upsert_regions(&mut self, regions: &[Region]) -> Result<RegionCounts> {
        if self
            .actor()
            .scope
            .as_ref()
            .is_some_and(|s| !s.role.manages_accounts())
        {
            return Err(StoreError::Forbidden);
        }
        upsert(self.conn(), regions)
    }
}

impl Store {
    /// Inserts or updates regions in one transaction, unaudited: for fixtures and
    /// the demo. Parents must be in `regions` or already in the register (the
    /// import use case checks this and names the rows).
    pub fn upsert_regions(&self, regions: &[Region]) -> Result<RegionCounts> {
        self.transaction(|c| upsert(c, regions))
    }

    /// Every region, ordered by code.
    pub fn regions(&self) -> Result<Vec<Region>> {
        self.with(|c| {
            c.query(&format!("SELECT {COLS} FROM regions ORDER BY code"), &[])?
                .iter()
                .map(to_region)
                .collect()
        })
    }

    pub fn region(&self, code: &RegionCode) -> Result<Option<Region>> {
        self.with(|c| region(c, code))
    }

    /// The regions directly under `code` that exist on `day` (all of them if `None`).
    pub fn child_regions(&self, code: &RegionCode, day: Option<Date>) -> Result<Vec<Region>> {
        self.with(|c| {
            let rows = c.query(
                &format!("SELECT {COLS} FROM regions WHERE parent_code = $1 ORDER BY code"),
                &[code.as_str().into()],
            )?;
            let all: Vec<Region> = rows.iter().map(to_region).collect::<Result<_>>()?;
            Ok(all
                .into_iter()
                .filter(|r| day.is_none_or(|d| r.exists_on(d)))
                .collect())
        })
    }
}

fn upsert(c: &mut dyn Conn, regions: &[Region]) -> Result<RegionCounts> {
    let mut counts = RegionCounts::default();
    // The top of the tree (a county, or a province in a provincial install)
    // has no parent in the register.
    let mut known: std::collections::HashSet<String> = c
        .query("SELECT code FROM regions", &[])?
        .into_iter()
        .filter_map(|r| r[0].text())
        .collect();
    known.extend(regions.iter().map(|r| r.code.to_string()));
    for r in regions {
        let mut p = params(r);
        if !r
            .code
            .parent()
            .is_some_and(|pc| known.contains(pc.as_str()))
        {
            p[6] = Value::Null;
        }
        let existing = c.query_one(
            &format!("SELECT {COLS} FROM regions WHERE code = $1"),
            &[r.code.as_str().into()],
        )?;
        match existing {
            Some(row) if to_region(&row)? == *r => counts.unchanged += 1,
            Some(_) => {
                c.exec(
                    "UPDATE regions SET name = $2, valid_from = $3, valid_to = $4, successor_code = $5 WHERE code = $1",
                    &p[..5],
                )?;
                counts.changed += 1;
            }
            None => {
                c.exec(
                    "INSERT INTO regions (code, name, valid_from, valid_to, successor_code, level, parent_code) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &p,
                )?;
                counts.new += 1;
            }
        }
    }
    Ok(counts)
}

pub(crate) fn region(c: &mut dyn Conn, code: &RegionCode) -> Result<Option<Region>> {
    c.query_one(
        &format!("SELECT {COLS} FROM regions WHERE code = $1"),
        &[code.as_str().into()],
    )?
    .as_ref()
    .map(to_region)
    .transpose()
}

fn params(r: &Region) -> Vec<Value> {
    vec![
        r.code.as_str().into(),
        r.name.as_str().into(),
        r.valid_from.into(),
        r.valid_to.into(),
        r.successor.as_ref().map(|s| s.to_string()).into(),
        r.level().as_str().into(),
        r.code.parent().map(|p| p.to_string()).into(),
    ]
}

/// Where a region's people are found on `day`: the region itself while it exists,
/// else its successor (followed through several merges).
pub fn resolve_on(regions: &[Region], code: &RegionCode, day: Date) -> Option<RegionCode> {
    let mut cur = code.clone();
    for _ in 0..16 {
        let r = regions.iter().find(|r| r.code == cur)?;
        if r.exists_on(day) {
            return Some(cur);
        }
        match (&r.successor, r.valid_to) {
            (Some(s), Some(to)) if day >= to => cur = s.clone(),
            _ => return None,
        }
    }
    None
}
