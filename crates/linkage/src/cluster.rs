//! Deduplicating one source: records joined by accepted pairs form clusters (the
//! connected components), with a guard against chaining.
//!
//! Plain connected components chain: A≈B and B≈C put A and C together even when A and
//! C are twins who share everything but the name. So edges are taken from the highest
//! weight down, and two clusters merge only if every record of one matches every
//! record of the other at least at the review threshold (complete linkage, scored on
//! demand, which is cheap because duplicate clusters are tiny), and the merged cluster
//! stays within a size cap.

use crate::assign::Scored;
use crate::blocking::unpack;
use crate::compare::compare;
use crate::model::{prob, Scorer};
use crate::record::Features;

#[derive(Debug, Clone, Copy)]
pub struct ClusterOptions {
    /// Edges at or above this probability may join clusters.
    pub accept: f64,
    /// Every cross pair of a merge must reach this probability.
    pub review: f64,
    pub max_cluster_size: usize,
}

/// Returns, for each record, the id (smallest member index) of its cluster.
pub fn clusters(
    features: &[Features],
    scored: &[Scored],
    scorer: &Scorer,
    opts: &ClusterOptions,
) -> Vec<u32> {
    clusters_with(features, scored, scorer, opts, &|_, _| true)
}

/// As [`clusters`], with a constraint: two records for which `joinable` is false
/// never end up in one cluster (twins, records linked to two births of another
/// source, records of two mothers). It is checked on every cross pair of a merge,
/// like the review threshold, so no chain can get around it.
pub fn clusters_with(
    features: &[Features],
    scored: &[Scored],
    scorer: &Scorer,
    opts: &ClusterOptions,
    joinable: &dyn Fn(usize, usize) -> bool,
) -> Vec<u32> {
    let n = features.len();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
    let mut of: Vec<u32> = (0..n as u32).collect();
    let mut edges: Vec<&Scored> = scored
        .iter()
        .filter(|s| s.probability >= opts.accept)
        .collect();
    edges.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then_with(|| a.pair.cmp(&b.pair))
    });
    for e in edges {
        let (a, b) = unpack(e.pair);
        let (ca, cb) = (of[a as usize], of[b as usize]);
        if ca == cb {
            continue;
        }
        let (ma, mb) = (&members[ca as usize], &members[cb as usize]);
        if ma.len() + mb.len() > opts.max_cluster_size {
            continue;
        }
        let all_match = ma.iter().all(|&x| {
            mb.iter().all(|&y| {
                let (x, y) = (x as usize, y as usize);
                joinable(x.min(y), x.max(y))
                    && prob(scorer.weight(compare(&features[x], &features[y]))) >= opts.review
            })
        });
        if !all_match {
            continue;
        }
        let (keep, gone) = if ca < cb { (ca, cb) } else { (cb, ca) };
        let moved = std::mem::take(&mut members[gone as usize]);
        for &m in &moved {
            of[m as usize] = keep;
        }
        members[keep as usize].extend(moved);
    }
    of
}
