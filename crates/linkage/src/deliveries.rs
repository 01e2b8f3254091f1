//! A mother's multiple delivery in the other source: the records of one source that
//! describe it are assigned to its births jointly, not one pair at a time.
//!
//! One-to-one assignment breaks on exactly the deliveries where it matters. A
//! village ledger with twins and one of them entered twice has three rows for the
//! hospital's two births; one-to-one gives the copy of the first twin the second
//! twin's certificate (it was free), and the second twin's own row then looks like
//! a duplicate of the copy. Taking the rows of one mother's day together, the
//! question becomes "which row is which child?", and the answer has a constraint
//! one pair cannot see: every birth of the delivery is described by at least one
//! row when there are rows enough (the ledger misses a child far more rarely than
//! it enters one twice).
//!
//! The assignment also says how sure it is. Every assignment within a Bayes factor
//! of 2 of the best one (1 bit, the swap rule of [`crate::assign::swap_confidence`])
//! is taken as possible; a row whose birth differs between them is unsure, and so is
//! a pair of rows that are one child in some and two in others. Unsure pairs go to a
//! reviewer rather than being merged or kept apart by a coin toss.

use crate::assign::Scored;
use crate::blocking::unpack;
use crate::compare::{compare, compare_dates, Field, FIELDS, MISSING};
use crate::model::Scorer;
use crate::record::Features;
use crate::twins;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Whether two records' dates allow them to describe one delivery: within a month
/// (a day mistyped, the second twin after midnight) or day and month swapped. A
/// mother's next delivery is months away, so this does not join siblings.
fn within_delivery(a: &Features, b: &Features) -> bool {
    match (a.birth_date, b.birth_date) {
        (Some(x), Some(y)) => {
            (x - y).num_days().abs() <= 31 || compare_dates(a.birth_date, b.birth_date) == Some(2)
        }
        _ => false,
    }
}

/// What an assignment costs beyond its pairs' weights (bits): a second row for one
/// birth (the source entered a child twice), and a birth no row describes (the
/// source missed a child). All are rare, so a delivery's rows are read as its
/// births, one each, unless their fields say otherwise by more than these.
const COPY_BITS: f64 = -5.0;
const MISSED_BITS: f64 = -4.0;
/// And a row that describes none of the births: a child the other source missed
/// (a third of triplets), as rare as a birth this source missed.
const UNMATCHED_BITS: f64 = -4.0;
/// A copy that differs from its other row in birth order or sex carries a slip,
/// rarer than a clean copy.
const SLIP_BITS: f64 = -3.0;
/// A row and a birth whose given names are two names (see [`solve`]).
const OTHER_NAME_BITS: f64 = -8.0;

/// Largest delivery group solved exactly: (rows + 1)^births assignments are tried.
const MAX_ROWS: usize = 6;
const MAX_BIRTHS: usize = 4;
/// Assignments this many bits below the best are still possible (Bayes factor 2).
const MARGIN_BITS: f64 = 1.0;

/// The joint assignment of the rows of one side (left) to the births of a multiple
/// delivery of the other (right).
#[derive(Debug, Clone, Default)]
pub struct DeliveryAssignment {
    /// Each left row of a solved delivery → the right birth it describes in the best
    /// assignment (copies of one child share it); a row that fits none is absent.
    pub birth_of: HashMap<u32, u32>,
    /// Left rows whose birth is not the same in every possible assignment (their
    /// `birth_of` is the best guess).
    pub unsure_rows: HashSet<u32>,
    /// Pairs of left rows (smaller index first) that are one child in some possible
    /// assignment and two in another.
    pub unsure_pairs: HashSet<(u32, u32)>,
    /// The right births and the left rows of solved deliveries.
    pub births: HashSet<u32>,
    pub rows: HashSet<u32>,
}

impl DeliveryAssignment {
    pub fn solved(&self, left: u32) -> bool {
        self.rows.contains(&left)
    }
    pub fn unsure_pair(&self, a: u32, b: u32) -> bool {
        self.unsure_pairs.contains(&(a.min(b), a.max(b)))
    }
}

/// Solves every group of left rows and right births of one mother within a day
/// (from the candidate pairs `scored`) where the right side has two births or more
/// and the left two rows or more. Pairs below `review_weight` are not possible.
///
/// `kept` is the one-to-one assignment: a delivery whose birth it gives to a row
/// outside the group (one whose family fields are too sparse to join it) is left
/// to it, so that no row loses its partner to the joint solution.
pub fn assign(
    fl: &[Features],
    fr: &[Features],
    scored: &[Scored],
    kept: &[Scored],
    scorer: &Scorer,
    review_weight: f64,
) -> DeliveryAssignment {
    let near: Vec<&Scored> = scored
        .iter()
        .filter(|s| {
            let (l, r) = unpack(s.pair);
            let (a, b) = (&fl[l as usize], &fr[r as usize]);
            within_delivery(a, b) && twins::same_family(a, b)
        })
        .collect();
    // Components over left rows and right births (right offset by fl.len()).
    let mut parent: Vec<usize> = (0..fl.len() + fr.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for s in &near {
        let (l, r) = unpack(s.pair);
        let (x, y) = (
            root(&mut parent, l as usize),
            root(&mut parent, fl.len() + r as usize),
        );
        if x != y {
            parent[x.max(y)] = x.min(y);
        }
    }
    let mut groups: BTreeMap<usize, (Vec<u32>, Vec<u32>)> = BTreeMap::new();
    for s in &near {
        let (l, r) = unpack(s.pair);
        let g = groups.entry(root(&mut parent, l as usize)).or_default();
        if !g.0.contains(&l) {
            g.0.push(l);
        }
        if !g.1.contains(&r) {
            g.1.push(r);
        }
    }
    let weight: HashMap<(u32, u32), f64> = near
        .iter()
        .filter(|s| s.weight >= review_weight)
        .map(|s| (unpack(s.pair), s.weight))
        .collect();
    let kept_by: HashMap<u32, u32> = kept
        .iter()
        .map(|s| {
            let (l, r) = unpack(s.pair);
            (r, l)
        })
        .collect();
    let mut out = DeliveryAssignment::default();
    for (rows, births) in groups.into_values() {
        let claimed_outside = births
            .iter()
            .any(|r| kept_by.get(r).is_some_and(|l| !rows.contains(l)));
        if claimed_outside
            || births.len() < 2
            || rows.len() < 2
            || rows.len() > MAX_ROWS
            || births.len() > MAX_BIRTHS
        {
            continue;
        }
        // Ledgers often write both twins with one birth order (the delivery's):
        // when every row of the delivery gives the same order, the order cannot say
        // which row is which child, and only the other fields are compared.
        let orders: Vec<u32> = rows
            .iter()
            .filter_map(|&l| fl[l as usize].birth_order)
            .collect();
        let one_order = orders.len() >= 2 && orders.iter().all(|&o| o == orders[0]);
        let order_field = 4 * FIELDS
            .iter()
            .position(|f| *f == Field::BirthOrder)
            .unwrap_or(3);
        // The group's own pairs (looked up, not the whole map copied per group).
        let mut own: HashMap<(u32, u32), f64> = HashMap::new();
        for &l in &rows {
            for &r in &births {
                let Some(&w) = weight.get(&(l, r)) else {
                    continue;
                };
                let w = if one_order {
                    let p = compare(&fl[l as usize], &fr[r as usize]);
                    scorer.weight(p | (u64::from(MISSING) << order_field))
                } else {
                    w
                };
                own.insert((l, r), w);
            }
        }
        out.rows.extend(rows.iter().copied());
        solve(fl, fr, &rows, &births, &own, &mut out);
    }
    out
}

/// One delivery: every assignment of `rows` to `births` (or to none) that describes
/// as many births as possible, copies of one child allowed where their names do
/// not say two children; the best by total weight, and those within the margin.
fn solve(
    fl: &[Features],
    fr: &[Features],
    rows: &[u32],
    births: &[u32],
    weight: &HashMap<(u32, u32), f64>,
    out: &mut DeliveryAssignment,
) {
    // A row whose given name is another than a birth's is hardly that child: twins
    // are named alike (严家薇 / 严家怡), and the pair's weight, made for typos
    // between any two records, reads one character apart as agreement. Not ruled
    // out (an unknown nickname reads as a name), but it costs.
    let options: Vec<Vec<(Option<usize>, f64)>> = rows
        .iter()
        .map(|&l| {
            let mut o = vec![(None, 0.0)];
            for (k, &r) in births.iter().enumerate() {
                if let Some(&w) = weight.get(&(l, r)) {
                    let named_apart = twins::names_differ(&fl[l as usize], &fr[r as usize]);
                    o.push((Some(k), w + if named_apart { OTHER_NAME_BITS } else { 0.0 }));
                }
            }
            o
        })
        .collect();
    // What two rows of one birth cost besides the copy: nothing when they say it
    // two children, each slip (birth order, sex) that one copy would carry.
    let join = |i: usize, j: usize| -> Option<f64> {
        let (a, b) = (&fl[rows[i] as usize], &fl[rows[j] as usize]);
        if twins::names_differ(a, b) || (twins::sexes_differ(a, b) && !twins::names_agree(a, b)) {
            return None;
        }
        let order =
            crate::compare::compare_order(a.birth_order, b.birth_order).is_some_and(|l| l > 0);
        Some(
            SLIP_BITS
                * (f64::from(u8::from(order)) + f64::from(u8::from(twins::sexes_differ(a, b)))),
        )
    };
    let mut all: Vec<(f64, Vec<Option<usize>>)> = Vec::new();
    let mut cur: Vec<Option<usize>> = Vec::with_capacity(rows.len());
    #[allow(clippy::too_many_arguments)]
    fn walk(
        i: usize,
        births: usize,
        options: &[Vec<(Option<usize>, f64)>],
        join: &dyn Fn(usize, usize) -> Option<f64>,
        cur: &mut Vec<Option<usize>>,
        score: f64,
        all: &mut Vec<(f64, Vec<Option<usize>>)>,
    ) {
        if i == options.len() {
            let mapped = cur.iter().flatten().count();
            let mut used: Vec<usize> = cur.iter().flatten().copied().collect();
            used.sort_unstable();
            used.dedup();
            let copies = (mapped - used.len()) as f64;
            let missed = (births - used.len()) as f64;
            let unmatched = (cur.len() - mapped) as f64;
            all.push((
                score + copies * COPY_BITS + missed * MISSED_BITS + unmatched * UNMATCHED_BITS,
                cur.clone(),
            ));
            return;
        }
        'option: for &(b, w) in &options[i] {
            let mut extra = 0.0;
            if let Some(b) = b {
                for j in (0..i).filter(|&j| cur[j] == Some(b)) {
                    match join(i, j) {
                        Some(x) => extra += x,
                        None => continue 'option,
                    }
                }
            }
            cur.push(b);
            walk(i + 1, births, options, join, cur, score + w + extra, all);
            cur.pop();
        }
    }
    walk(0, births.len(), &options, &join, &mut cur, 0.0, &mut all);
    if all.is_empty() {
        return;
    }
    let best = all.iter().map(|a| a.0).fold(f64::NEG_INFINITY, f64::max);
    let possible: Vec<&Vec<Option<usize>>> = all
        .iter()
        .filter(|a| a.0 >= best - MARGIN_BITS)
        .map(|a| &a.1)
        .collect();
    let Some(first) = all.iter().filter(|a| a.0 == best).map(|a| &a.1).min() else {
        return;
    };
    out.births.extend(births.iter().copied());
    for (i, &l) in rows.iter().enumerate() {
        if let Some(b) = first[i] {
            out.birth_of.insert(l, births[b]);
        }
        if possible.iter().any(|p| p[i] != first[i]) {
            out.unsure_rows.insert(l);
        }
        for (j, &m) in rows.iter().enumerate().skip(i + 1) {
            let same = |p: &Vec<Option<usize>>| p[i].is_some() && p[i] == p[j];
            let s0 = same(first);
            if possible.iter().any(|p| same(p) != s0) {
                out.unsure_pairs.insert((l.min(m), l.max(m)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocking::pack;
    use crate::record::LinkRecord;

    fn rec(name: &str, sex: &str, order: &str) -> Features {
        Features::new(&LinkRecord {
            name: name.into(),
            sex: sex.into(),
            birth_date: "2024-05-07".into(),
            birth_order: order.into(),
            mother_name: "余怡琳".into(),
            mother_id_number: "429903200011157865".into(),
            region_code: "429903109002".into(),
            ..Default::default()
        })
    }

    fn scorer() -> Scorer {
        crate::defaults::shipped(crate::Task::BirthsLink).scorer()
    }

    fn scored(w: &[((u32, u32), f64)]) -> Vec<Scored> {
        w.iter()
            .map(|&((l, r), w)| Scored {
                pair: pack(l, r),
                weight: w,
                probability: crate::model::prob(w),
            })
            .collect()
    }

    #[test]
    fn the_copy_of_one_twin_does_not_take_the_other_twins_birth() {
        // Ledger: twin A named, a copy of A without a name, twin B named.
        // Hospital: A, B. One-to-one would give the copy B (free, and it scores
        // well enough); jointly, B's own row takes B and the copy joins A.
        let fl = vec![
            rec("何一俊", "1", "1"),
            rec("", "1", "1"),
            rec("何一菲", "2", "1"),
        ];
        let fr = vec![rec("何一俊", "1", "1"), rec("何一菲", "2", "1")];
        let s = scored(&[
            ((0, 0), 20.0),
            ((0, 1), 2.0),
            ((1, 0), 9.0),
            ((1, 1), 6.0),
            ((2, 0), 1.0),
            ((2, 1), 19.0),
        ]);
        let a = assign(&fl, &fr, &s, &[], &scorer(), -2.0);
        assert_eq!(a.birth_of.get(&0), Some(&0));
        assert_eq!(a.birth_of.get(&1), Some(&0));
        assert_eq!(a.birth_of.get(&2), Some(&1));
        assert!(a.unsure_rows.is_empty() && a.unsure_pairs.is_empty());
    }

    #[test]
    fn rows_that_cannot_be_told_apart_are_unsure() {
        // Two unnamed rows, two hospital twins that score alike with both: which is
        // which is a coin toss, but that they are two children is certain.
        let fl = vec![rec("", "2", "2"), rec("", "2", "2")];
        let fr = vec![rec("", "2", "2"), rec("", "2", "3")];
        let s = scored(&[((0, 0), 10.0), ((0, 1), 9.8), ((1, 0), 9.9), ((1, 1), 9.7)]);
        let a = assign(&fl, &fr, &s, &[], &scorer(), -2.0);
        assert!(a.unsure_rows.contains(&0) && a.unsure_rows.contains(&1));
        assert!(
            !a.unsure_pair(0, 1),
            "two children in every possible assignment"
        );
        // The hospital with one birth only: nothing to solve here.
        let one = scored(&[((0, 0), 10.0), ((1, 0), 9.9)]);
        assert!(assign(&fl, &fr, &one, &[], &scorer(), -2.0)
            .birth_of
            .is_empty());
    }
}
