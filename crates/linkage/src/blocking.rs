//! Blocking: which pairs are compared at all. Several rules each produce the pairs
//! that share a key; their union is the candidate set, so a pair missed by one rule
//! (a typo in the mother's ID number) is caught by another (same birth date and
//! township). Cost grows with the sum of block sizes squared, which for keys this
//! specific is roughly linear in the number of records; a cap on a single block's
//! pairs keeps one pathological key (every record with the same default date) from
//! turning it quadratic, and the report says when that happened.

use crate::record::{hash64, Features};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// Same mother's ID number (canonical form; legacy numbers upgraded).
    MotherId,
    /// Same birth date and same township (first 9 digits of the region code).
    BirthDateTownship,
    /// Same pinyin of the mother's name and same mother's birth year.
    MotherPinyinBirthYear,
    /// Same pinyin of the mother's name and same birth date of the child: catches a
    /// birth whose mother's ID number is missing or miswritten on one side and
    /// whose region is not comparable (the hospital wrote her household county).
    MotherPinyinBirthDate,
    /// Same pinyin of the mother's name and same township: catches the same when
    /// the child's date slipped by a day as well.
    MotherPinyinTownship,
    /// Same own ID number (persons).
    IdNumber,
    /// Same pinyin of the name and same birth year (persons).
    NamePinyinBirthYear,
}

impl BlockingRule {
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            BlockingRule::MotherId => ("母亲身份号码相同", "same mother's ID number"),
            BlockingRule::BirthDateTownship => {
                ("出生日期相同且同乡镇", "same birth date and township")
            }
            BlockingRule::MotherPinyinBirthYear => (
                "母亲姓名拼音相同且母亲出生年份相同",
                "same mother's name pinyin and mother's birth year",
            ),
            BlockingRule::MotherPinyinBirthDate => (
                "母亲姓名拼音相同且出生日期相同",
                "same mother's name pinyin and birth date",
            ),
            BlockingRule::MotherPinyinTownship => (
                "母亲姓名拼音相同且同乡镇",
                "same mother's name pinyin and township",
            ),
            BlockingRule::IdNumber => ("身份号码相同", "same ID number"),
            BlockingRule::NamePinyinBirthYear => (
                "姓名拼音相同且出生年份相同",
                "same name pinyin and birth year",
            ),
        }
    }

    /// The rules used by default for births (any side a births file).
    pub fn births_default() -> Vec<BlockingRule> {
        vec![
            BlockingRule::MotherId,
            BlockingRule::BirthDateTownship,
            BlockingRule::MotherPinyinBirthYear,
            BlockingRule::MotherPinyinBirthDate,
            BlockingRule::MotherPinyinTownship,
        ]
    }

    /// The rules used by default for persons.
    pub fn persons_default() -> Vec<BlockingRule> {
        vec![
            BlockingRule::IdNumber,
            BlockingRule::BirthDateTownship,
            BlockingRule::NamePinyinBirthYear,
        ]
    }

    pub fn key(self, f: &Features) -> Option<u64> {
        let mix = |parts: &[u64]| {
            let mut b = Vec::with_capacity(parts.len() * 8 + 1);
            b.push(self as u8);
            for p in parts {
                b.extend_from_slice(&p.to_le_bytes());
            }
            hash64(&b)
        };
        match self {
            BlockingRule::MotherId => f.mother_id.key().map(|k| mix(&[k])),
            BlockingRule::IdNumber => f.id.key().map(|k| mix(&[k])),
            BlockingRule::BirthDateTownship => {
                let d = f.birth_date?.num_days_from_ce() as u64;
                let t = f.region?.township_key()?;
                Some(mix(&[d, t]))
            }
            BlockingRule::MotherPinyinBirthYear => {
                if f.mother_name.is_empty() {
                    return None;
                }
                let y = f.mother_birth_date?.year() as u64;
                Some(mix(&[f.mother_name.pinyin_key, y]))
            }
            BlockingRule::MotherPinyinBirthDate => {
                if f.mother_name.is_empty() {
                    return None;
                }
                let d = f.birth_date?.num_days_from_ce() as u64;
                Some(mix(&[f.mother_name.pinyin_key, d]))
            }
            BlockingRule::MotherPinyinTownship => {
                if f.mother_name.is_empty() {
                    return None;
                }
                let t = f.region?.township_key()?;
                Some(mix(&[f.mother_name.pinyin_key, t]))
            }
            BlockingRule::NamePinyinBirthYear => {
                if f.name.is_empty() {
                    return None;
                }
                let y = f.birth_date?.year() as u64;
                Some(mix(&[f.name.pinyin_key, y]))
            }
        }
    }
}

/// What one rule contributed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleReport {
    pub rule: BlockingRule,
    /// Pairs the rule produced on its own.
    pub pairs: u64,
    /// Of those, pairs that no earlier rule had produced.
    pub new_pairs: u64,
    /// Blocks skipped because they alone would produce more than the cap.
    pub skipped_blocks: u64,
    pub skipped_pairs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockingReport {
    pub rules: Vec<RuleReport>,
    /// Pairs after the union.
    pub candidate_pairs: u64,
    /// Pairs a full comparison would have needed.
    pub all_pairs: u128,
}

impl fmt::Display for BlockingReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "分块规则 / blocking rules:")?;
        for r in &self.rules {
            let (zh, en) = r.rule.describe();
            write!(
                f,
                "  {zh} / {en}: {} 对 pairs, 新增 new {}",
                r.pairs, r.new_pairs
            )?;
            if r.skipped_blocks > 0 {
                write!(
                    f,
                    " (跳过过大分块 skipped {} oversized blocks, {} pairs)",
                    r.skipped_blocks, r.skipped_pairs
                )?;
            }
            writeln!(f)?;
        }
        write!(
            f,
            "  合计候选对 / candidate pairs: {} (全部对 of all {} pairs)",
            self.candidate_pairs, self.all_pairs
        )
    }
}

/// A candidate pair packed as `left << 32 | right` (indices into the two sides).
pub type PairId = u64;

pub fn pack(l: u32, r: u32) -> PairId {
    ((l as u64) << 32) | r as u64
}
pub fn unpack(p: PairId) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

fn keyed(features: &[Features], rule: BlockingRule) -> Vec<(u64, u32)> {
    use rayon::prelude::*;
    let mut v: Vec<(u64, u32)> = features
        .par_iter()
        .enumerate()
        .filter_map(|(i, f)| rule.key(f).map(|k| (k, i as u32)))
        .collect();
    v.par_sort_unstable();
    v
}

/// Candidate pairs between two sources (`right = None` deduplicates `left`: pairs
/// `i < j` within it). Returns the sorted, unique pairs and the per-rule report.
pub fn candidates(
    left: &[Features],
    right: Option<&[Features]>,
    rules: &[BlockingRule],
    max_block_pairs: u64,
) -> (Vec<PairId>, BlockingReport) {
    use rayon::prelude::*;
    let mut union: Vec<PairId> = Vec::new();
    let mut reports = Vec::new();
    for &rule in rules {
        let kl = keyed(left, rule);
        let mut skipped_blocks = 0u64;
        let mut skipped_pairs = 0u64;
        let mut pairs: Vec<PairId> = Vec::new();
        match right {
            Some(right) => {
                let kr = keyed(right, rule);
                let (mut i, mut j) = (0, 0);
                while i < kl.len() && j < kr.len() {
                    let (a, b) = (kl[i].0, kr[j].0);
                    if a < b {
                        i += 1;
                    } else if b < a {
                        j += 1;
                    } else {
                        let ie = i + kl[i..].iter().take_while(|x| x.0 == a).count();
                        let je = j + kr[j..].iter().take_while(|x| x.0 == a).count();
                        let n = ((ie - i) * (je - j)) as u64;
                        if n > max_block_pairs {
                            skipped_blocks += 1;
                            skipped_pairs += n;
                        } else {
                            for x in &kl[i..ie] {
                                for y in &kr[j..je] {
                                    pairs.push(pack(x.1, y.1));
                                }
                            }
                        }
                        i = ie;
                        j = je;
                    }
                }
            }
            None => {
                let mut i = 0;
                while i < kl.len() {
                    let a = kl[i].0;
                    let ie = i + kl[i..].iter().take_while(|x| x.0 == a).count();
                    let m = (ie - i) as u64;
                    let n = m * m.saturating_sub(1) / 2;
                    if n > max_block_pairs {
                        skipped_blocks += 1;
                        skipped_pairs += n;
                    } else {
                        for x in i..ie {
                            for y in x + 1..ie {
                                let (p, q) = (kl[x].1.min(kl[y].1), kl[x].1.max(kl[y].1));
                                pairs.push(pack(p, q));
                            }
                        }
                    }
                    i = ie;
                }
            }
        }
        pairs.par_sort_unstable();
        pairs.dedup();
        let new_pairs = count_not_in(&pairs, &union);
        reports.push(RuleReport {
            rule,
            pairs: pairs.len() as u64,
            new_pairs,
            skipped_blocks,
            skipped_pairs,
        });
        union = merge_union(&union, &pairs);
    }
    let n = left.len() as u128;
    let all_pairs = match right {
        Some(r) => n * r.len() as u128,
        None => n * n.saturating_sub(1) / 2,
    };
    let report = BlockingReport {
        rules: reports,
        candidate_pairs: union.len() as u64,
        all_pairs,
    };
    (union, report)
}

fn count_not_in(a: &[PairId], sorted: &[PairId]) -> u64 {
    let mut j = 0;
    let mut n = 0;
    for &x in a {
        while j < sorted.len() && sorted[j] < x {
            j += 1;
        }
        if j >= sorted.len() || sorted[j] != x {
            n += 1;
        }
    }
    n
}

fn merge_union(a: &[PairId], b: &[PairId]) -> Vec<PairId> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Features, LinkRecord};

    fn rec(mid: &str, date: &str, region: &str) -> Features {
        Features::new(&LinkRecord {
            mother_id_number: mid.into(),
            birth_date: date.into(),
            region_code: region.into(),
            ..Default::default()
        })
    }

    #[test]
    fn rules_union_and_report() {
        let l = vec![
            rec("34990119491231007X", "2024-01-01", "349901101201"),
            rec("349901194912310071", "2024-01-02", "349901101201"),
        ];
        let r = vec![
            rec("34990119491231007X", "2024-01-01", "349901101000"),
            rec("", "2024-01-02", "349901101202"),
        ];
        let (pairs, rep) = candidates(&l, Some(&r), &BlockingRule::births_default(), 1000);
        assert_eq!(pairs, vec![pack(0, 0), pack(1, 1)]);
        assert_eq!(rep.rules[0].pairs, 1);
        assert_eq!(rep.rules[1].pairs, 2);
        assert_eq!(rep.rules[1].new_pairs, 1);
        assert_eq!(rep.candidate_pairs, 2);

        let (dp, _) = candidates(&l, None, &[BlockingRule::BirthDateTownship], 1000);
        assert!(dp.is_empty());
        let (_, rep) = candidates(&l, Some(&r), &[BlockingRule::BirthDateTownship], 0);
        assert_eq!(rep.rules[0].skipped_blocks, 2);
    }
}
