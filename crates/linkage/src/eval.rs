//! Scoring linkage results against a known truth (the generator's), as pairwise
//! precision, recall and F1.

use serde::Serialize;
use std::collections::HashSet;
use std::fmt;

#[derive(Debug, Clone, Copy, Serialize, Default)]
pub struct Metrics {
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "precision {:.5} recall {:.5} F1 {:.5} (TP {} FP {} FN {})",
            self.precision,
            self.recall,
            self.f1,
            self.true_positives,
            self.false_positives,
            self.false_negatives
        )
    }
}

/// Compares predicted pairs with true pairs. With `unordered`, (a, b) and (b, a) are
/// the same pair (deduplication).
pub fn evaluate<'a>(
    predicted: impl IntoIterator<Item = (&'a str, &'a str)>,
    truth: impl IntoIterator<Item = (&'a str, &'a str)>,
    unordered: bool,
) -> Metrics {
    let norm = |(a, b): (&'a str, &'a str)| {
        if unordered && b < a {
            (b, a)
        } else {
            (a, b)
        }
    };
    let truth: HashSet<(&str, &str)> = truth.into_iter().map(norm).collect();
    let pred: HashSet<(&str, &str)> = predicted.into_iter().map(norm).collect();
    let tp = pred.iter().filter(|p| truth.contains(*p)).count() as u64;
    let fp = pred.len() as u64 - tp;
    let fn_ = truth.len() as u64 - tp;
    let precision = if pred.is_empty() {
        1.0
    } else {
        tp as f64 / pred.len() as f64
    };
    let recall = if truth.is_empty() {
        1.0
    } else {
        tp as f64 / truth.len() as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Metrics {
        true_positives: tp,
        false_positives: fp,
        false_negatives: fn_,
        precision,
        recall,
        f1,
    }
}

/// Linkage against entity numbers: a link is right when both records describe one
/// entity; recall counts entities present on both sides that got a right link (a
/// duplicated row on one side cannot be linked twice under one-to-one, and is not
/// counted as missed).
pub fn evaluate_links(
    links: impl IntoIterator<Item = (usize, usize)>,
    left_entity: &[u32],
    right_entity: &[u32],
) -> Metrics {
    let right_set: HashSet<u32> = right_entity.iter().copied().collect();
    let linkable: HashSet<u32> = left_entity
        .iter()
        .copied()
        .filter(|e| right_set.contains(e))
        .collect();
    let mut found: HashSet<u32> = HashSet::new();
    let (mut tp, mut fp) = (0u64, 0u64);
    for (l, r) in links {
        if left_entity[l] == right_entity[r] {
            tp += 1;
            found.insert(left_entity[l]);
        } else {
            fp += 1;
        }
    }
    let precision = if tp + fp == 0 {
        1.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let recall = if linkable.is_empty() {
        1.0
    } else {
        found.len() as f64 / linkable.len() as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Metrics {
        true_positives: tp,
        false_positives: fp,
        false_negatives: (linkable.len() - found.len()) as u64,
        precision,
        recall,
        f1,
    }
}

/// Deduplication against entity numbers, pairwise.
pub fn evaluate_dedupe(pairs: impl IntoIterator<Item = (usize, usize)>, entity: &[u32]) -> Metrics {
    let mut by: std::collections::HashMap<u32, u64> = Default::default();
    for &e in entity {
        *by.entry(e).or_insert(0) += 1;
    }
    let truth: u64 = by.values().map(|&n| n * n.saturating_sub(1) / 2).sum();
    let pred: HashSet<(usize, usize)> = pairs
        .into_iter()
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    let tp = pred
        .iter()
        .filter(|(a, b)| entity[*a] == entity[*b])
        .count() as u64;
    let fp = pred.len() as u64 - tp;
    let precision = if pred.is_empty() {
        1.0
    } else {
        tp as f64 / pred.len() as f64
    };
    let recall = if truth == 0 {
        1.0
    } else {
        tp as f64 / truth as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Metrics {
        true_positives: tp,
        false_positives: fp,
        false_negatives: truth - tp,
        precision,
        recall,
        f1,
    }
}
