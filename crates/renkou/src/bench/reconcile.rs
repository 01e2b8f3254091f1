//! `renkou bench reconcile`: how well reconciliation classifies, on generated
//! sources whose truth is known (`renkou_linkage::generate`): a village ledger with
//! duplicated rows plays the source, the hospital register plays the register. The
//! classes of every record are scored against the truth, and the Chapman estimate
//! against the true number of births.

use anyhow::Result;
use renkou_linkage::generate::{self, BirthsConfig};
use renkou_linkage::LinkStatus;
use renkou_reconciliation::workflow::{match_records, structure, Slot};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

fn ratio(a: usize, b: usize) -> String {
    if b == 0 {
        "—".into()
    } else {
        format!("{:.4}", a as f64 / b as f64)
    }
}

pub fn run(births: usize, seed: u64) -> Result<()> {
    let cfg = BirthsConfig {
        seed,
        births,
        townships: (births / 500).clamp(1, 20) as u32,
        villages_per_township: 10,
        ..Default::default()
    };
    let g = generate::births(&cfg);
    let (source, register) = (&g.ledger, &g.hospital);
    let t = Instant::now();
    let m = match_records(source, register, &renkou_linkage::LinkOptions::default());
    let secs = t.elapsed().as_secs_f64();
    let (slots, linked_register) =
        structure(source.len(), register.len(), &m.links, &m.duplicate_of);

    let se = &g.ledger_entity;
    let re = &g.hospital_entity;
    let in_register: HashSet<u32> = re.iter().copied().collect();
    let in_source: HashSet<u32> = se.iter().copied().collect();
    let mut per_entity: HashMap<u32, usize> = HashMap::new();
    for &e in se {
        *per_entity.entry(e).or_default() += 1;
    }

    // Pairs: a predicted pair is right when both records are one birth.
    let (mut pairs, mut pairs_right, mut uncertain, mut uncertain_right) = (0, 0, 0, 0);
    let mut found: HashSet<u32> = HashSet::new();
    // A duplicate row's link to its birth is the birth's, counted once.
    for l in m
        .links
        .iter()
        .filter(|l| m.duplicate_of[l.left_index].is_none())
    {
        let right = se[l.left_index] == re[l.right_index];
        if l.status == LinkStatus::Auto {
            pairs += 1;
            if right {
                pairs_right += 1;
                found.insert(se[l.left_index]);
            }
        } else {
            uncertain += 1;
            if right {
                uncertain_right += 1;
            }
        }
    }
    let pairable = in_source.intersection(&in_register).count();
    // Source-only: right when the birth is missing from the register.
    let so: Vec<usize> = (0..source.len())
        .filter(|&i| slots[i] == Slot::SourceOnly)
        .collect();
    let so_right: HashSet<u32> = so
        .iter()
        .map(|&i| se[i])
        .filter(|e| !in_register.contains(e))
        .collect();
    let so_true = in_source.difference(&in_register).count();
    let so_right_records = so
        .iter()
        .filter(|&&i| !in_register.contains(&se[i]))
        .count();
    // Register-only: right when the birth is missing from the source.
    let ro: Vec<usize> = (0..register.len())
        .filter(|&j| !linked_register[j])
        .collect();
    let ro_right = ro.iter().filter(|&&j| !in_source.contains(&re[j])).count();
    let ro_true = in_register.difference(&in_source).count();
    // Duplicates: right when another source record is the same birth.
    let dup: Vec<usize> = (0..source.len())
        .filter(|&i| matches!(slots[i], Slot::Duplicate(_)))
        .collect();
    let dup_right = dup.iter().filter(|&&i| per_entity[&se[i]] > 1).count();
    let dup_true = source.len() - in_source.len();

    println!(
        "生成 / generated: {} births, source (ledger) {} records, register (hospital) {} records, seed {seed}",
        births,
        source.len(),
        register.len()
    );
    println!(
        "link + dedupe: {secs:.2} s ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!("class\tpredicted\tprecision\trecall");
    println!(
        "pair (agree/disagree)\t{pairs}\t{}\t{}",
        ratio(pairs_right, pairs),
        ratio(found.len(), pairable)
    );
    println!(
        "uncertain\t{uncertain}\t{} (share that is one birth)\t—",
        ratio(uncertain_right, uncertain)
    );
    println!(
        "source_only\t{}\t{}\t{}",
        so.len(),
        ratio(so_right_records, so.len()),
        ratio(so_right.len(), so_true)
    );
    println!(
        "register_only\t{}\t{}\t{}",
        ro.len(),
        ratio(ro_right, ro.len()),
        ratio(ro_right, ro_true)
    );
    println!(
        "duplicate\t{}\t{}\t{}",
        dup.len(),
        ratio(dup_right, dup.len()),
        ratio(dup_right, dup_true)
    );
    // Chapman from the predicted classes (uncertain pairs counted as matched, as a
    // reviewer would mostly confirm them) against the truth.
    let n1 = register.len() as u64;
    let n2 = (source.len() - dup.len()) as u64;
    let matched = m
        .links
        .iter()
        .filter(|l| m.duplicate_of[l.left_index].is_none())
        .count() as u64;
    if let Some(c) = renkou_stats::chapman(n1, n2, matched) {
        let true_n = in_source.union(&in_register).count();
        println!(
            "Chapman: n1 {n1} n2 {n2} m {matched} → N̂ {:.1} (95% {:.1}–{:.1}); births in either source {true_n}, generated {births}",
            c.estimate, c.interval.low, c.interval.high
        );
    }
    Ok(())
}
