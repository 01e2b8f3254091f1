//! One-to-one assignment when linking two sources: each birth (or person) in one
//! source describes at most one in the other.
//!
//! Greedy by weight: take the scored pairs from the highest weight down and keep a
//! pair when neither record is taken yet. Greedy is a 1/2-approximation of the best
//! total weight in general, but here the conflicts are small and local (twins, a
//! mother's two births, a duplicated ledger row) and the true partner of a record is
//! almost always its single highest-weight candidate, so an optimal (Hungarian)
//! assignment changes nothing measurable: the bench prints how many conflict
//! components exist at all. It is also easy to explain to a clerk: "this pair was
//! taken because it scored higher than that one".

use crate::blocking::{unpack, PairId};

/// A scored candidate pair.
#[derive(Debug, Clone, Copy)]
pub struct Scored {
    pub pair: PairId,
    pub weight: f64,
    pub probability: f64,
}

/// Keeps pairs with probability ≥ `min_probability`, one partner per record, highest
/// weight first (ties broken by pair order, so the result is deterministic).
pub fn one_to_one(
    scored: &[Scored],
    n_left: usize,
    n_right: usize,
    min_probability: f64,
) -> Vec<Scored> {
    let mut cand: Vec<Scored> = scored
        .iter()
        .copied()
        .filter(|s| s.probability >= min_probability)
        .collect();
    cand.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.pair.cmp(&b.pair))
    });
    let mut used_l = vec![false; n_left];
    let mut used_r = vec![false; n_right];
    let mut out = Vec::new();
    for s in cand {
        let (l, r) = unpack(s.pair);
        if !used_l[l as usize] && !used_r[r as usize] {
            used_l[l as usize] = true;
            used_r[r as usize] = true;
            out.push(s);
        }
    }
    out.sort_by_key(|s| s.pair);
    out
}

/// How many records take part in a conflict (more than one candidate at or above
/// `min_probability`) on either side: the only place where the choice of assignment
/// algorithm can matter.
pub fn conflicts(
    scored: &[Scored],
    n_left: usize,
    n_right: usize,
    min_probability: f64,
) -> (usize, usize) {
    let mut cl = vec![0u32; n_left];
    let mut cr = vec![0u32; n_right];
    for s in scored.iter().filter(|s| s.probability >= min_probability) {
        let (l, r) = unpack(s.pair);
        cl[l as usize] += 1;
        cr[r as usize] += 1;
    }
    (
        cl.iter().filter(|&&c| c > 1).count(),
        cr.iter().filter(|&&c| c > 1).count(),
    )
}

/// Pairs at or above `min_probability` whose two records have no other candidate at
/// that level.
pub fn sole_candidates(
    scored: &[Scored],
    n_left: usize,
    n_right: usize,
    min_probability: f64,
) -> std::collections::HashSet<PairId> {
    let mut cl = vec![0u32; n_left];
    let mut cr = vec![0u32; n_right];
    let above = || scored.iter().filter(|s| s.probability >= min_probability);
    for s in above() {
        let (l, r) = unpack(s.pair);
        cl[l as usize] += 1;
        cr[r as usize] += 1;
    }
    above()
        .filter(|s| {
            let (l, r) = unpack(s.pair);
            cl[l as usize] == 1 && cr[r as usize] == 1
        })
        .map(|s| s.pair)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocking::pack;

    #[test]
    fn greedy_takes_the_best_partner() {
        let s = |l, r, w: f64| Scored {
            pair: pack(l, r),
            weight: w,
            probability: crate::model::prob(w),
        };
        // Twins: left 0/1 both score with right 0/1; the true pairs score higher.
        let scored = vec![
            s(0, 0, 20.0),
            s(0, 1, 8.0),
            s(1, 0, 7.0),
            s(1, 1, 19.0),
            s(2, 2, -5.0),
        ];
        let got = one_to_one(&scored, 3, 3, 0.5);
        let pairs: Vec<_> = got.iter().map(|x| unpack(x.pair)).collect();
        assert_eq!(pairs, vec![(0, 0), (1, 1)]);
        assert_eq!(conflicts(&scored, 3, 3, 0.5), (2, 2));
    }
}
