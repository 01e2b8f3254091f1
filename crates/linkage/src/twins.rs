//! Twins are not duplicates: the rules that keep two records of one mother's
//! delivery apart when deduplicating a source.
//!
//! To the match model, twins and a duplicated row look alike: same mother, same
//! village, same day, and often no name yet for either child (names are given
//! late). Calling a twin a duplicate deletes a real child from the statistics, while
//! missing a duplicate leaves one row too many for a reviewer to find; so the rule
//! leans to twins. Two records of one mother born on the same or adjacent days are
//! twins ([`twin_rule`]) when they differ in birth order, sex or child's name, unless
//! strong evidence says they are one child: the same name (exactly or by sound) with
//! only one other field off, which is what a row copied with one slip looks like.
//!
//! A second source decides what the records alone cannot ([`SecondSource`]). When
//! two rows are linked to two different births of the other source, they are two
//! children, whatever they have in common: a duplicate group never holds more
//! children than the other source says the mother had that day. When the other
//! source has one birth of that mother that day, linked to one of the rows and
//! fitting both, a different birth order or sex on one row is taken for a slip
//! (the rows are one child); different names are not.

use crate::compare::{compare_dates, compare_ids, compare_names, compare_order, compare_parents};
use crate::names::NameFeat;
use crate::record::Features;
use serde::Serialize;

/// Why two records were kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TwinReason {
    /// Same mother and day, different birth orders.
    BirthOrders,
    /// Same mother and day, different sexes.
    Sexes,
    /// Same mother and day, different names (not one slip apart).
    Names,
    /// The second source has a birth for each of them.
    SecondSource,
}

impl TwinReason {
    pub fn name_zh(self) -> &'static str {
        match self {
            TwinReason::BirthOrders => "同母同日，孩次不同",
            TwinReason::Sexes => "同母同日，性别不同",
            TwinReason::Names => "同母同日，姓名不同",
            TwinReason::SecondSource => "另一来源中分别对应两个出生",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            TwinReason::BirthOrders => "same mother and day, different birth orders",
            TwinReason::Sexes => "same mother and day, different sexes",
            TwinReason::Names => "same mother and day, different names",
            TwinReason::SecondSource => "linked to two different births of the other source",
        }
    }
}

/// Whether the records name one family: the parents' fields agree (both parents,
/// the mother, or one piece of evidence and nothing against).
pub fn same_family(a: &Features, b: &Features) -> bool {
    matches!(compare_parents(a, b), Some(0..=2))
}

/// Family evidence strong enough for an automatic duplicate: the parents agree on
/// two pieces of evidence (level 0 or 1), or on one that is the mother's name
/// written alike (exactly, or by sound or form).
pub fn strong_family(a: &Features, b: &Features) -> bool {
    match compare_parents(a, b) {
        Some(0 | 1) => true,
        Some(2) => matches!(compare_names(&a.mother_name, &b.mother_name), Some(0 | 1)),
        _ => false,
    }
}

/// How two names relate, as far as telling twins from a slip goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    /// Missing or a milk name on a side: says nothing.
    Unknown,
    /// Identical, or alike character by character (sound or form).
    Same,
    /// A character left out or two swapped: a clerk's slip.
    Slip,
    /// Different names, or one character different in a name of the same length
    /// (张子涵 / 张子轩: twins are often named so).
    Different,
}

fn names(a: &NameFeat, b: &NameFeat) -> Names {
    match compare_names(a, b) {
        None => Names::Unknown,
        Some(0 | 1) => Names::Same,
        Some(2) => {
            let swapped = a.chars.len() == b.chars.len() && {
                let (mut x, mut y) = (a.chars.to_vec(), b.chars.to_vec());
                x.sort_unstable();
                y.sort_unstable();
                x == y
            };
            if a.chars.len() != b.chars.len() || swapped {
                Names::Slip
            } else {
                Names::Different
            }
        }
        Some(_) => Names::Different,
    }
}

/// The twin rule on the two records alone: `Some(reason)` when they are two
/// children of one delivery rather than one child written twice.
pub fn twin_rule(a: &Features, b: &Features) -> Option<TwinReason> {
    if !same_family(a, b) {
        return None;
    }
    // Same or adjacent day; a missing date cannot tell, so it does not clear them.
    if compare_dates(a.birth_date, b.birth_date).is_some_and(|l| l > 1) {
        return None;
    }
    let orders = compare_order(a.birth_order, b.birth_order).is_some_and(|l| l > 0);
    let sexes = matches!((a.sex, b.sex), (Some(x), Some(y)) if x != y);
    let n = names(&a.name, &b.name);
    let signals = usize::from(orders) + usize::from(sexes);
    match n {
        Names::Different => Some(TwinReason::Names),
        // The same name with one field off is a row copied with a slip.
        Names::Same | Names::Slip if signals <= 1 => None,
        _ if orders => Some(TwinReason::BirthOrders),
        _ if sexes => Some(TwinReason::Sexes),
        _ => None,
    }
}

/// Whether two records' names agree as one child's would: the same name (exactly,
/// by sound or form) or a slip apart, both given and neither a milk name.
pub fn names_agree(a: &Features, b: &Features) -> bool {
    matches!(names(&a.name, &b.name), Names::Same | Names::Slip)
}

/// Whether the question "one child or two?" arises at all: same or adjacent day (or
/// no date to tell), and no agreeing names to answer it.
pub fn same_day_unnamed(a: &Features, b: &Features) -> bool {
    compare_dates(a.birth_date, b.birth_date).is_none_or(|l| l <= 1) && !names_agree(a, b)
}

/// What the records alone can offer instead: both give the same birth order and the
/// same sex (twins mostly differ in one of them; a missing value proves nothing).
pub fn alone_corroborates(a: &Features, b: &Features) -> bool {
    compare_order(a.birth_order, b.birth_order) == Some(0)
        && matches!((a.sex, b.sex), (Some(x), Some(y)) if x == y)
}

/// Whether two records name one mother: her ID number the same or one slip apart,
/// or her name alike and her birth date the same.
pub fn same_mother(a: &Features, b: &Features) -> bool {
    matches!(compare_ids(&a.mother_id, &b.mother_id), Some(0 | 1))
        || (matches!(compare_names(&a.mother_name, &b.mother_name), Some(0 | 1))
            && compare_dates(a.mother_birth_date, b.mother_birth_date) == Some(0))
}

/// Whether the record gives the child's name (not a milk name or a placeholder).
pub fn named(a: &Features) -> bool {
    !a.name.chars.is_empty() && !a.name.milk
}

/// Whether both records give the child's sex and the sexes differ.
pub fn sexes_differ(a: &Features, b: &Features) -> bool {
    matches!((a.sex, b.sex), (Some(x), Some(y)) if x != y)
}

/// Whether both children's names are given and are two names (not a slip apart):
/// the one thing that tells two children from one on the records alone.
pub fn names_differ(a: &Features, b: &Features) -> bool {
    names(&a.name, &b.name) == Names::Different
}

/// Pairs of two sources that are each the only record of one mother within a day
/// on its side, among the candidate pairs (`pairs`, left × right). Whatever the
/// fields say, such a pair is that mother's one delivery in both sources: for it
/// to be two children, each source would have to have missed a different twin.
/// Pairs whose children carry two different names are left out.
pub fn sole_deliveries(
    left: &[Features],
    right: &[Features],
    pairs: impl Iterator<Item = (u32, u32)>,
) -> Vec<(u32, u32)> {
    let near = |l: u32, r: u32| {
        let (a, b) = (&left[l as usize], &right[r as usize]);
        compare_dates(a.birth_date, b.birth_date).is_some_and(|d| d <= 1) && same_mother(a, b)
    };
    let near: Vec<(u32, u32)> = pairs.filter(|&(l, r)| near(l, r)).collect();
    let (mut nl, mut nr) = (vec![0u8; left.len()], vec![0u8; right.len()]);
    for &(l, r) in &near {
        nl[l as usize] = nl[l as usize].saturating_add(1);
        nr[r as usize] = nr[r as usize].saturating_add(1);
    }
    near.into_iter()
        .filter(|&(l, r)| {
            nl[l as usize] == 1
                && nr[r as usize] == 1
                && !names_differ(&left[l as usize], &right[r as usize])
        })
        .collect()
}

/// What a second source says about the records of the one being deduplicated: for
/// each record, the other source's birth it is linked to (one-to-one), if any; and
/// for each birth of the other source, how many other births it has of that mother
/// within a day that no record is linked to (0: every birth of the other source
/// that day is accounted for).
#[derive(Debug, Clone, Default)]
pub struct SecondSource {
    pub partner: Vec<Option<u32>>,
    pub others_free: Vec<u32>,
    /// (record, other source's birth) pairs that score at least at review level.
    pub compatible: std::collections::HashSet<(u32, u32)>,
    /// Pairs of records (smaller first) of one multiple delivery that are one child
    /// in one possible assignment to its births and two in another: a reviewer's.
    pub unsure: std::collections::HashSet<(u32, u32)>,
    /// Records of a multiple delivery of the other source that were assigned to its
    /// births jointly ([`crate::deliveries`]): for them, `partner` is that
    /// assignment's, copies included, and only it can call two of them one child.
    pub joint: std::collections::HashSet<u32>,
}

impl SecondSource {
    /// Whether the other source leaves open if the two are one child or two.
    pub fn unsure(&self, a: usize, b: usize) -> bool {
        let (a, b) = (a.min(b) as u32, a.max(b) as u32);
        self.unsure.contains(&(a, b))
    }

    /// Two records linked to two different births of the other source.
    pub fn apart(&self, a: usize, b: usize) -> bool {
        if self.unsure(a, b) {
            return false;
        }
        matches!(
            (self.partner.get(a), self.partner.get(b)),
            (Some(Some(x)), Some(Some(y))) if x != y
        )
    }

    /// A record linked to no birth of the other source.
    pub fn unlinked(&self, a: usize) -> bool {
        !matches!(self.partner.get(a), Some(Some(_)))
    }

    /// One of the records is linked to a birth of the other source, the other is
    /// linked to none, and the other source has no birth of that mother that day
    /// left for it (one birth, or twins both linked elsewhere): so the unlinked
    /// record repeats a child already counted.
    pub fn one_birth(&self, a: usize, b: usize) -> bool {
        if self.apart(a, b) {
            return false;
        }
        let p = |i: usize| self.partner.get(i).copied().flatten();
        p(a).or(p(b))
            .is_some_and(|h| self.others_free.get(h as usize) == Some(&0))
    }

    /// The other source's one birth that day, linked to one of the records, and
    /// both records fit it (review level or above): strong evidence that a
    /// different birth order or sex on one of them is a slip, not a second child.
    pub fn one_child(&self, a: usize, b: usize) -> bool {
        let p = |i: usize| self.partner.get(i).copied().flatten();
        if self.joint.contains(&(a as u32)) || self.joint.contains(&(b as u32)) {
            return p(a).is_some() && p(a) == p(b) && !self.unsure(a, b);
        }
        if !self.one_birth(a, b) {
            return false;
        }
        let Some(h) = p(a).or(p(b)) else {
            return false;
        };
        let fits = |i: usize| p(i) == Some(h) || self.compatible.contains(&(i as u32, h));
        fits(a) && fits(b)
    }

    /// Counts, for each record of the other source, its other births of one mother
    /// within a day that are not `linked`: from candidate pairs within it (`pairs`,
    /// indices into `features`) of one family within a day of each other.
    pub fn free_births(features: &[Features], pairs: &[u64], linked: &[bool]) -> Vec<u32> {
        let mut n = vec![0u32; features.len()];
        for &p in pairs {
            let (a, b) = crate::blocking::unpack(p);
            let (fa, fb) = (&features[a as usize], &features[b as usize]);
            let near = compare_dates(fa.birth_date, fb.birth_date).is_some_and(|l| l <= 1);
            if near && same_family(fa, fb) {
                n[a as usize] += u32::from(!linked[b as usize]);
                n[b as usize] += u32::from(!linked[a as usize]);
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::LinkRecord;

    fn rec(name: &str, sex: &str, date: &str, order: &str) -> Features {
        Features::new(&LinkRecord {
            name: name.into(),
            sex: sex.into(),
            birth_date: date.into(),
            birth_order: order.into(),
            mother_name: "陈丽".into(),
            mother_id_number: "349901199001010024".into(),
            region_code: "349901101201".into(),
            ..Default::default()
        })
    }

    #[test]
    fn twins_with_a_name_missing_are_twins() {
        let a = rec("陈子涵", "1", "2024-03-05", "2");
        let b = rec("", "1", "2024-03-05", "3");
        assert_eq!(twin_rule(&a, &b), Some(TwinReason::BirthOrders));
        // One born after midnight.
        let c = rec("", "2", "2024-03-06", "3");
        assert_eq!(twin_rule(&a, &c), Some(TwinReason::BirthOrders));
        // Named as twins often are: one character differs.
        let d = rec("陈子轩", "1", "2024-03-05", "2");
        assert_eq!(twin_rule(&a, &d), Some(TwinReason::Names));
        let e = rec("", "2", "2024-03-05", "3");
        assert_eq!(twin_rule(&b, &e), Some(TwinReason::Sexes));
    }

    #[test]
    fn a_row_copied_with_one_slip_is_not_a_twin() {
        let a = rec("陈子涵", "1", "2024-03-05", "2");
        // Birth order slipped, same name.
        assert_eq!(twin_rule(&a, &rec("陈子涵", "1", "2024-03-05", "3")), None);
        // A homophone, and the sex slipped.
        assert_eq!(twin_rule(&a, &rec("陈子寒", "2", "2024-03-05", "2")), None);
        // A character left out.
        assert_eq!(twin_rule(&a, &rec("陈子", "1", "2024-03-05", "2")), None);
        // Nothing differs but the missing name.
        assert_eq!(twin_rule(&a, &rec("", "1", "2024-03-05", "2")), None);
        // Same name but two fields off: twins are not named alike, but two slips in
        // one copy are rarer still than a twin named like its sibling.
        assert_eq!(
            twin_rule(&a, &rec("陈子涵", "2", "2024-03-05", "3")),
            Some(TwinReason::BirthOrders)
        );
        // Another day entirely: not a twin question (siblings).
        assert_eq!(twin_rule(&a, &rec("", "1", "2025-01-05", "3")), None);
    }

    #[test]
    fn the_second_source_separates_linked_records() {
        let s = SecondSource {
            partner: vec![Some(4), Some(5), None, Some(4), Some(6), None],
            others_free: vec![0, 0, 0, 0, 0, 1, 0],
            compatible: [(2, 4)].into_iter().collect(),
            unsure: Default::default(),
            joint: Default::default(),
        };
        assert!(s.apart(0, 1));
        assert!(!s.apart(0, 2));
        assert!(!s.apart(0, 3));
        // One birth that day, linked to one of the two: one child.
        assert!(s.one_birth(0, 2));
        assert!(s.one_birth(4, 5));
        // The other source has twins that day: no say.
        assert!(!s.one_birth(1, 2));
        // Linked to two births, or to none.
        assert!(!s.one_birth(0, 1));
        assert!(!s.one_birth(2, 5));
        // Strong evidence needs both records to fit that birth.
        assert!(s.one_child(0, 2));
        assert!(!s.one_child(4, 5));
    }
}
