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

/// As [`one_to_one`], but within each conflict component (records joined by pairs
/// at or above `min_probability`) of at most [`EXACT_LIMIT`] records a side, the
/// assignment with the highest total weight is taken instead of the greedy one.
/// Greedy can take a twin's wrong sibling first when one source misreports the
/// birth order of one twin (that pair then scores highest), and the true pairs are
/// left with what remains; the best total prefers both true pairs. Larger
/// components (rare) keep the greedy choice. Each pair's contribution is its
/// weight above the threshold's, so that keeping a pair never lowers the total
/// and exactly what greedy would keep is kept, only better matched.
pub fn one_to_one_best(
    scored: &[Scored],
    n_left: usize,
    n_right: usize,
    min_probability: f64,
) -> Vec<Scored> {
    let cand: Vec<Scored> = scored
        .iter()
        .copied()
        .filter(|s| s.probability >= min_probability)
        .collect();
    // Components by union-find over left and right nodes (right offset by n_left).
    let mut parent: Vec<usize> = (0..n_left + n_right).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for s in &cand {
        let (l, r) = unpack(s.pair);
        let (a, b) = (
            root(&mut parent, l as usize),
            root(&mut parent, n_left + r as usize),
        );
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut comps: std::collections::HashMap<usize, Vec<Scored>> = Default::default();
    for s in &cand {
        let (l, _) = unpack(s.pair);
        let c = root(&mut parent, l as usize);
        comps.entry(c).or_default().push(*s);
    }
    let floor = logit2(min_probability);
    let mut out = Vec::with_capacity(n_left.min(n_right));
    for (_, pairs) in comps {
        if pairs.len() == 1 {
            out.push(pairs[0]);
            continue;
        }
        let mut lefts: Vec<u32> = pairs.iter().map(|s| unpack(s.pair).0).collect();
        let mut rights: Vec<u32> = pairs.iter().map(|s| unpack(s.pair).1).collect();
        lefts.sort_unstable();
        lefts.dedup();
        rights.sort_unstable();
        rights.dedup();
        if lefts.len() > EXACT_LIMIT || rights.len() > EXACT_LIMIT {
            out.extend(one_to_one(&pairs, n_left, n_right, min_probability));
            continue;
        }
        out.extend(best_assignment(&pairs, &lefts, &rights, floor));
    }
    out.sort_by_key(|s| s.pair);
    out
}

/// The largest conflict component solved exactly, records per side.
pub const EXACT_LIMIT: usize = 10;

fn logit2(p: f64) -> f64 {
    (p / (1.0 - p)).log2()
}

/// Exact maximum-weight assignment of a small component: dynamic programming over
/// the left records with the set of rights taken so far.
fn best_assignment(pairs: &[Scored], lefts: &[u32], rights: &[u32], floor: f64) -> Vec<Scored> {
    let nr = rights.len();
    let ri = |r: u32| rights.iter().position(|&x| x == r).unwrap_or(0);
    // Per left record, its options (right position, gain, pair).
    let options: Vec<Vec<(usize, f64, Scored)>> = lefts
        .iter()
        .map(|&l| {
            let mut v: Vec<(usize, f64, Scored)> = pairs
                .iter()
                .filter(|s| unpack(s.pair).0 == l)
                .map(|s| (ri(unpack(s.pair).1), s.weight - floor + 1e-9, *s))
                .collect();
            v.sort_by_key(|o| o.0);
            v
        })
        .collect();
    let states = 1usize << nr;
    // best[i][mask]: best total for lefts i.. given rights in mask are taken.
    let mut best = vec![vec![0.0f64; states]; lefts.len() + 1];
    for i in (0..lefts.len()).rev() {
        for mask in 0..states {
            let mut v = best[i + 1][mask];
            for &(r, g, _) in &options[i] {
                if mask & (1 << r) == 0 {
                    v = v.max(g + best[i + 1][mask | (1 << r)]);
                }
            }
            best[i][mask] = v;
        }
    }
    let mut out = Vec::new();
    let mut mask = 0usize;
    for i in 0..lefts.len() {
        let target = best[i][mask];
        if (best[i + 1][mask] - target).abs() < 1e-12 {
            continue;
        }
        for &(r, g, s) in &options[i] {
            if mask & (1 << r) == 0 && (g + best[i + 1][mask | (1 << r)] - target).abs() < 1e-9 {
                out.push(s);
                mask |= 1 << r;
                break;
            }
        }
    }
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

/// How sure the assignment is of each kept pair against swapping partners with
/// another kept pair: for kept (a, x) and (b, y) where (a, y) and (b, x) are
/// candidates too, the log-odds of the chosen assignment over the swap are
/// `w(a,x) + w(b,y) − w(a,y) − w(b,x)` bits, and the pair's probability of being
/// right is at most `1 / (1 + 2^−Δ)`. Twins whose records cannot be told apart
/// (same sex, no names) come out near Δ = 0: a coin toss the pairwise probability
/// does not show. Returns, per kept pair (by position), that bound (1 when no swap
/// competes).
pub fn swap_confidence(kept: &[Scored], scored: &[Scored]) -> Vec<f64> {
    use std::collections::HashMap;
    let weight: HashMap<PairId, f64> = scored.iter().map(|s| (s.pair, s.weight)).collect();
    let mut by_left: HashMap<u32, usize> = HashMap::new();
    let mut by_right: HashMap<u32, usize> = HashMap::new();
    for (k, s) in kept.iter().enumerate() {
        let (l, r) = unpack(s.pair);
        by_left.insert(l, k);
        by_right.insert(r, k);
    }
    // Candidates per left record, for the swaps to look at.
    let mut cands: HashMap<u32, Vec<u32>> = HashMap::new();
    for s in scored {
        let (l, r) = unpack(s.pair);
        if by_left.contains_key(&l) {
            cands.entry(l).or_default().push(r);
        }
    }
    let mut out = vec![1.0f64; kept.len()];
    for (k, s) in kept.iter().enumerate() {
        let (a, x) = unpack(s.pair);
        for &y in cands.get(&a).map(Vec::as_slice).unwrap_or_default() {
            let Some(&j) = by_right.get(&y) else { continue };
            if j == k {
                continue;
            }
            let (b, _) = unpack(kept[j].pair);
            let (Some(&w_ay), Some(&w_bx)) = (
                weight.get(&crate::blocking::pack(a, y)),
                weight.get(&crate::blocking::pack(b, x)),
            ) else {
                continue;
            };
            let delta = s.weight + kept[j].weight - w_ay - w_bx;
            let c = 1.0 / (1.0 + (-delta).exp2());
            out[k] = out[k].min(c);
            out[j] = out[j].min(c);
        }
    }
    out
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

    #[test]
    fn the_best_total_beats_greedy_on_a_misreported_twin() {
        let s = |l, r, w: f64| Scored {
            pair: pack(l, r),
            weight: w,
            probability: crate::model::prob(w),
        };
        // Left 0 fits right 1 best (one source wrote the twin's birth order), but
        // taking it leaves left 1 with a poor pair: the true pairs sum higher.
        let scored = vec![s(0, 0, 12.0), s(0, 1, 14.0), s(1, 0, 3.0), s(1, 1, 11.0)];
        let greedy: Vec<_> = one_to_one(&scored, 2, 2, 0.5)
            .iter()
            .map(|x| unpack(x.pair))
            .collect();
        assert_eq!(greedy, vec![(0, 1), (1, 0)]);
        let best: Vec<_> = one_to_one_best(&scored, 2, 2, 0.5)
            .iter()
            .map(|x| unpack(x.pair))
            .collect();
        assert_eq!(best, vec![(0, 0), (1, 1)]);
        // A record with a single candidate keeps it.
        let lone = one_to_one_best(&[s(2, 2, 1.0)], 3, 3, 0.5);
        assert_eq!(lone.len(), 1);
    }
}
