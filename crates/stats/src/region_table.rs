//! The region tree the engine aggregates over: codes, names, levels and parent
//! indices (county → townships → villages), held as parallel vectors indexed by
//! `u32` so persons can carry a 4-byte region index instead of a code.
//!
//! Entries are sorted by (level, code), so every parent has a smaller index than
//! its children: rolling counts up is then a single reverse sweep.

use renkou_domain::{RegionCode, RegionLevel};
use std::collections::HashMap;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegionTableError {
    #[error("区划表为空 / the region table is empty")]
    Empty,
    #[error("区划“{0}”重复 / region {0} appears twice")]
    Duplicate(RegionCode),
    #[error("区划表有多个顶级区划（{0} 与 {1}） / the region table has more than one root ({0} and {1})")]
    SeveralRoots(RegionCode, RegionCode),
    #[error("区划“{code}”的上级“{parent}”不在区划表中 / the parent {parent} of region {code} is not in the table")]
    MissingParent {
        code: RegionCode,
        parent: RegionCode,
    },
}

/// The regions of one county (or any subtree), parents before children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionTable {
    codes: Vec<RegionCode>,
    names: Vec<String>,
    levels: Vec<RegionLevel>,
    parents: Vec<Option<u32>>,
    index: HashMap<RegionCode, u32>,
}

impl RegionTable {
    /// Builds the table from (code, name) pairs in any order. Exactly one region
    /// (the coarsest, normally the county) may lack its parent in the table; every
    /// other region's parent code must be present, so no person can be silently
    /// left out of a roll-up.
    pub fn build(
        regions: impl IntoIterator<Item = (RegionCode, String)>,
    ) -> Result<Self, RegionTableError> {
        let mut v: Vec<(RegionCode, String)> = regions.into_iter().collect();
        if v.is_empty() {
            return Err(RegionTableError::Empty);
        }
        v.sort_by(|a, b| (a.0.level(), &a.0).cmp(&(b.0.level(), &b.0)));
        let mut index = HashMap::with_capacity(v.len());
        for (i, (code, _)) in v.iter().enumerate() {
            if index.insert(code.clone(), i as u32).is_some() {
                return Err(RegionTableError::Duplicate(code.clone()));
            }
        }
        let mut parents = Vec::with_capacity(v.len());
        for (i, (code, _)) in v.iter().enumerate() {
            let parent = code.parent().and_then(|p| index.get(&p).copied());
            if parent.is_none() && i > 0 {
                let root = &v[0].0;
                if code.level() == root.level() {
                    return Err(RegionTableError::SeveralRoots(root.clone(), code.clone()));
                }
                return Err(RegionTableError::MissingParent {
                    code: code.clone(),
                    parent: code.parent().unwrap_or_else(|| code.clone()),
                });
            }
            parents.push(parent);
        }
        let levels = v.iter().map(|(c, _)| c.level()).collect();
        let (codes, names) = v.into_iter().unzip();
        Ok(RegionTable {
            codes,
            names,
            levels,
            parents,
            index,
        })
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The root's index (the county in a county table): always 0.
    pub fn root(&self) -> u32 {
        0
    }

    pub fn index_of(&self, code: &RegionCode) -> Option<u32> {
        self.index.get(code).copied()
    }

    pub fn code(&self, i: u32) -> &RegionCode {
        &self.codes[i as usize]
    }

    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    pub fn level(&self, i: u32) -> RegionLevel {
        self.levels[i as usize]
    }

    pub fn parent(&self, i: u32) -> Option<u32> {
        self.parents[i as usize]
    }

    /// Parent indices by region index (`None` for the root), for roll-ups.
    pub fn parents(&self) -> &[Option<u32>] {
        &self.parents
    }

    /// The direct children of region `i` (the drill-down from a county to its
    /// townships, from a township to its villages), in code order.
    pub fn children(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        (0..self.len() as u32).filter(move |&c| self.parents[c as usize] == Some(i))
    }

    /// Every region of one level (all villages, all townships), in code order.
    pub fn at_level(&self, level: RegionLevel) -> impl Iterator<Item = u32> + '_ {
        (0..self.len() as u32).filter(move |&c| self.levels[c as usize] == level)
    }

    /// Whether region `outer` contains region `inner` (a region contains itself).
    pub fn contains(&self, outer: u32, inner: u32) -> bool {
        let mut cur = Some(inner);
        while let Some(c) = cur {
            if c == outer {
                return true;
            }
            cur = self.parents[c as usize];
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn parents_precede_children_whatever_the_input_order() {
        let t = RegionTable::build([
            (c("349901101201"), "甲村".into()),
            (c("349901101000"), "一镇".into()),
            (c("349901000000"), "县".into()),
            (c("349901102000"), "二镇".into()),
        ])
        .unwrap();
        assert_eq!(t.code(0), &c("349901000000"));
        let v = t.index_of(&c("349901101201")).unwrap();
        let tw = t.index_of(&c("349901101000")).unwrap();
        assert_eq!(t.parent(v), Some(tw));
        assert_eq!(t.parent(tw), Some(0));
        assert!(t.contains(0, v));
        assert!(!t.contains(t.index_of(&c("349901102000")).unwrap(), v));
        assert_eq!(t.children(0).count(), 2);
    }

    #[test]
    fn a_village_without_its_township_is_refused() {
        let e = RegionTable::build([
            (c("349901000000"), "县".into()),
            (c("349901101201"), "甲村".into()),
        ])
        .unwrap_err();
        assert!(matches!(e, RegionTableError::MissingParent { .. }), "{e}");
        let e = RegionTable::build([
            (c("349901000000"), "县".into()),
            (c("340825000000"), "县2".into()),
        ])
        .unwrap_err();
        assert!(matches!(e, RegionTableError::SeveralRoots(..)), "{e}");
    }
}
