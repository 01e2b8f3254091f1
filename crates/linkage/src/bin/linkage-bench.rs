//! linkage-bench: accuracy and speed of the linkage engine on generated data.
//!
//! ```text
//! linkage-bench births  [--n 20000] [--seed 7] [--dir DIR]   # link + dedupe, metrics, times
//! linkage-bench persons [--n 1000000] [--seed 11] --dir DIR  # write persons files + truth
//! linkage-bench link-files LEFT RIGHT --out LINKS [--truth-left T --truth-right T]
//! ```
//! `link-files` is the CLI's path (read, link, write) in a fresh process, so that the
//! wall time and peak RSS (VmHWM) it prints are those of `renkou link`.

use renkou_linkage::eval::{evaluate_dedupe, evaluate_links};
use renkou_linkage::generate::{self, BirthsConfig, PersonsConfig};
use renkou_linkage::{
    dedupe, explain, link, read_records, write_links, write_records, LinkOptions, LinkOutput,
    LinkStatus,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn print_out(what: &str, out: &LinkOutput) {
    println!("== {what}");
    println!("{}", out.blocking);
    let t = &out.model.training;
    println!(
        "EM: {} candidate pairs, {} distinct patterns, {} iterations, converged {}, lambda {:.4}",
        t.candidate_pairs,
        t.distinct_patterns,
        t.iterations,
        t.converged,
        out.model.lambda()
    );
    let times: Vec<String> = out
        .timings
        .iter()
        .map(|(n, s)| format!("{n} {:.3}s", s))
        .collect();
    println!("stages: {}", times.join(", "));
    println!(
        "records with >1 candidate at review level: left {}, right {}",
        out.conflicts.0, out.conflicts.1
    );
}

fn print_model(model: &renkou_linkage::Model) {
    for c in &model.classes {
        println!("  class {:<10} prior {:.4}", c.name, c.prior);
    }
    for (k, c) in model.classes.iter().enumerate().skip(1) {
        for &f in &model.fields {
            let w: Vec<String> = (0..f.n_levels())
                .map(|l| format!("{:+.1}", model.field_weight(k, f, l as u8)))
                .collect();
            println!(
                "  weights vs {:<10} {:<12} {}",
                c.name,
                f.name_en(),
                w.join(" ")
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("births") => births(&args),
        Some("persons") => persons(&args),
        Some("link-files") => link_files(&args),
        _ => Err("usage: linkage-bench births|persons|link-files …".to_string()),
    };
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(2);
    }
}

fn births(args: &[String]) -> Result<(), String> {
    let n: usize = arg(args, "--n")
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let seed: u64 = arg(args, "--seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let cfg = BirthsConfig {
        seed,
        births: n,
        ..Default::default()
    };
    let t0 = Instant::now();
    let g = generate::births(&cfg);
    println!(
        "generated {} births: ledger {} rows, hospital {} rows ({:.2}s)",
        n,
        g.ledger.len(),
        g.hospital.len(),
        t0.elapsed().as_secs_f64()
    );
    if let Some(dir) = arg(args, "--dir") {
        let d = PathBuf::from(dir);
        std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
        write_records(&d.join("ledger.csv"), &g.ledger).map_err(|e| e.to_string())?;
        write_records(&d.join("hospital.csv"), &g.hospital).map_err(|e| e.to_string())?;
        generate::write_truth(&d.join("ledger_truth.csv"), &g.ledger, &g.ledger_entity)
            .map_err(|e| e.to_string())?;
        generate::write_truth(
            &d.join("hospital_truth.csv"),
            &g.hospital,
            &g.hospital_entity,
        )
        .map_err(|e| e.to_string())?;
        println!(
            "wrote ledger.csv, hospital.csv and truth files to {}",
            d.display()
        );
    }
    let mut opts = LinkOptions::default();
    if let (Some(a), Some(r)) = (arg(args, "--accept"), arg(args, "--review")) {
        opts.thresholds = Some(renkou_linkage::Thresholds {
            accept: a.parse().map_err(|_| "--accept")?,
            review: r.parse().map_err(|_| "--review")?,
        });
    }
    if let Some(k) = arg(args, "--classes") {
        opts.train.non_match_classes = k.parse().map_err(|_| "--classes")?;
    }

    let t = Instant::now();
    let out = link(&g.ledger, &g.hospital, &opts);
    let secs = t.elapsed().as_secs_f64();
    print_out("link ledger × hospital", &out);
    println!("link wall time (in memory, features to links): {secs:.3}s");
    let auto = out.links.iter().filter(|l| l.status == LinkStatus::Auto);
    let m = evaluate_links(
        auto.map(|l| (l.left_index, l.right_index)),
        &g.ledger_entity,
        &g.hospital_entity,
    );
    println!("linkage @accept {:.2}: {m}", out.model.thresholds.accept);
    let m = evaluate_links(
        out.links.iter().map(|l| (l.left_index, l.right_index)),
        &g.ledger_entity,
        &g.hospital_entity,
    );
    println!(
        "linkage @review {:.2} (auto+review): {m}",
        out.model.thresholds.review
    );
    for x in [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999] {
        let m = evaluate_links(
            out.links
                .iter()
                .filter(|l| l.match_probability >= x)
                .map(|l| (l.left_index, l.right_index)),
            &g.ledger_entity,
            &g.hospital_entity,
        );
        println!("  sweep p≥{x}: {m}");
    }
    print_model(&out.model);
    let t = Instant::now();
    let d = dedupe(&g.ledger, &opts);
    let secs = t.elapsed().as_secs_f64();
    print_out("dedupe ledger", &d);
    println!("dedupe wall time: {secs:.3}s");
    print_model(&d.model);
    let m = evaluate_dedupe(
        d.links
            .iter()
            .filter(|l| l.status == LinkStatus::Auto)
            .map(|l| (l.left_index, l.right_index)),
        &g.ledger_entity,
    );
    println!("dedupe @accept {:.2}: {m}", d.model.thresholds.accept);
    let show: usize = arg(args, "--explain-errors")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if show > 0 {
        let fps = d.links.iter().filter(|l| {
            l.status == LinkStatus::Auto
                && g.ledger_entity[l.left_index] != g.ledger_entity[l.right_index]
        });
        for l in fps.take(show) {
            println!(
                "dedupe FP: {}",
                explain(&d.model, &g.ledger[l.left_index], &g.ledger[l.right_index])
            );
        }
        let dl: std::collections::HashSet<(usize, usize)> = d
            .links
            .iter()
            .filter(|l| l.status == LinkStatus::Auto)
            .map(|l| (l.left_index, l.right_index))
            .collect();
        let mut shown = 0;
        'outer: for i in 0..g.ledger.len() {
            for j in i + 1..g.ledger.len() {
                if g.ledger_entity[i] == g.ledger_entity[j] && !dl.contains(&(i, j)) {
                    println!(
                        "dedupe FN: {}",
                        explain(&d.model, &g.ledger[i], &g.ledger[j])
                    );
                    shown += 1;
                    if shown >= show {
                        break 'outer;
                    }
                }
            }
        }
        let fps = out.links.iter().filter(|l| {
            l.status == LinkStatus::Auto
                && g.ledger_entity[l.left_index] != g.hospital_entity[l.right_index]
        });
        for l in fps.take(show) {
            println!(
                "link FP: {}",
                explain(
                    &out.model,
                    &g.ledger[l.left_index],
                    &g.hospital[l.right_index]
                )
            );
        }
        let linked: std::collections::HashSet<u32> = out
            .links
            .iter()
            .filter(|l| {
                l.status == LinkStatus::Auto
                    && g.ledger_entity[l.left_index] == g.hospital_entity[l.right_index]
            })
            .map(|l| g.ledger_entity[l.left_index])
            .collect();
        let mut n = 0;
        for (i, e) in g.ledger_entity.iter().enumerate() {
            if n >= show || linked.contains(e) {
                continue;
            }
            if let Some(j) = g.hospital_entity.iter().position(|x| x == e) {
                println!(
                    "link FN: {}",
                    explain(&out.model, &g.ledger[i], &g.hospital[j])
                );
                n += 1;
            }
        }
    }
    for x in [0.5, 0.8, 0.9, 0.95, 0.99] {
        let m = evaluate_dedupe(
            d.links
                .iter()
                .filter(|l| l.match_probability >= x)
                .map(|l| (l.left_index, l.right_index)),
            &g.ledger_entity,
        );
        println!("  sweep p≥{x}: {m}");
    }
    println!("peak RSS {:.0} MB", peak_rss_mb());
    Ok(())
}

fn persons(args: &[String]) -> Result<(), String> {
    let n: usize = arg(args, "--n")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = arg(args, "--seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(11);
    let dir = PathBuf::from(arg(args, "--dir").ok_or("--dir DIR is required")?);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let g = generate::persons(&PersonsConfig {
        seed,
        persons: n,
        ..Default::default()
    });
    let e = |e: renkou_linkage::LinkError| e.to_string();
    write_records(&dir.join("registry.csv"), &g.registry).map_err(e)?;
    write_records(&dir.join("ledger_persons.csv"), &g.ledger).map_err(e)?;
    generate::write_truth(
        &dir.join("registry_truth.csv"),
        &g.registry,
        &g.registry_entity,
    )
    .map_err(e)?;
    generate::write_truth(
        &dir.join("ledger_persons_truth.csv"),
        &g.ledger,
        &g.ledger_entity,
    )
    .map_err(e)?;
    println!(
        "wrote registry.csv ({}) and ledger_persons.csv ({}) to {} in {:.1}s",
        g.registry.len(),
        g.ledger.len(),
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn link_files(args: &[String]) -> Result<(), String> {
    let (left, right) = match (args.get(2), args.get(3)) {
        (Some(l), Some(r)) => (PathBuf::from(l), PathBuf::from(r)),
        _ => return Err("link-files LEFT RIGHT --out LINKS".into()),
    };
    let out_path = PathBuf::from(arg(args, "--out").ok_or("--out LINKS is required")?);
    let t = Instant::now();
    let e = |e: renkou_linkage::LinkError| e.to_string();
    let (l, r) = rayon::join(|| read_records(&left), || read_records(&right));
    let (l, r) = (l.map_err(e)?, r.map_err(e)?);
    let t_read = t.elapsed().as_secs_f64();
    let out = link(&l, &r, &LinkOptions::default());
    write_links(&out_path, &out.links).map_err(e)?;
    let total = t.elapsed().as_secs_f64();
    print_out(&format!("link {} × {}", l.len(), r.len()), &out);
    println!(
        "read {t_read:.2}s; total wall time read+link+write {total:.2}s; {} links; peak RSS (VmHWM) {:.0} MB",
        out.links.len(),
        peak_rss_mb()
    );
    if let (Some(tl), Some(tr)) = (arg(args, "--truth-left"), arg(args, "--truth-right")) {
        let le = generate::read_truth(Path::new(&tl), &l).map_err(e)?;
        let re = generate::read_truth(Path::new(&tr), &r).map_err(e)?;
        let auto = out.links.iter().filter(|x| x.status == LinkStatus::Auto);
        let m = evaluate_links(auto.map(|x| (x.left_index, x.right_index)), &le, &re);
        println!("linkage @accept {:.2}: {m}", out.model.thresholds.accept);
        let m = evaluate_links(
            out.links.iter().map(|x| (x.left_index, x.right_index)),
            &le,
            &re,
        );
        println!("linkage @review {:.2}: {m}", out.model.thresholds.review);
    }
    Ok(())
}
