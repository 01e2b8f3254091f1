//! linkage-bench: accuracy and speed of the linkage engine on generated data.
//!
//! ```text
//! linkage-bench births  [--n 20000] [--seed 7] [--dir DIR]   # link + dedupe, metrics, times
//! linkage-bench persons [--n 1000000] [--seed 11] --dir DIR  # write persons files + truth
//! linkage-bench link-files LEFT RIGHT --out LINKS [--truth-left T --truth-right T]
//! linkage-bench table [--sizes township,county,prefecture] [--seeds 1,2,3] [--json FILE]
//! linkage-bench fit-defaults [--seeds 1,2,3,4] [--births 16000] [--persons 60000] --out DIR
//! ```
//! `table` is the measurement on both generators (`renkou_linkage::bench`);
//! `fit-defaults` re-estimates the shipped default models (`renkou_linkage::defaults`).
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
        Some("table") => table(&args),
        Some("inspect") => inspect(&args),
        Some("fit-defaults") => fit_defaults(&args),
        _ => Err("usage: linkage-bench births|persons|link-files|table|fit-defaults …".to_string()),
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

fn list<T: std::str::FromStr>(
    args: &[String],
    name: &str,
    default: &str,
) -> Result<Vec<T>, String> {
    arg(args, name)
        .unwrap_or_else(|| default.to_string())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| format!("{name} {s}: not understood"))
        })
        .collect()
}

fn table(args: &[String]) -> Result<(), String> {
    use renkou_linkage::bench::{self, Size};
    let sizes: Vec<Size> = arg(args, "--sizes")
        .unwrap_or_else(|| "township,county,prefecture".into())
        .split(',')
        .map(|s| {
            Size::parse(s.trim()).ok_or(format!("--sizes {s}: township, county or prefecture"))
        })
        .collect::<Result<_, _>>()?;
    let seeds: Vec<u64> = list(args, "--seeds", "1,2,3")?;
    let mut cases = bench::cases(&sizes, &seeds);
    if let Some(g) = arg(args, "--generator") {
        cases.retain(|c| c.generator.name() == g);
    }
    let opts = LinkOptions::default();
    let mut rows = Vec::new();
    for c in &cases {
        let row = bench::measure(c, &opts);
        let one = bench::BenchReport {
            build: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            rows: vec![row.clone()],
        };
        // Print as measured: the prefecture cases take a while.
        let text = one.to_string();
        println!("{}", text.lines().last().unwrap_or_default());
        rows.push(row);
    }
    let report = bench::BenchReport {
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        rows,
    };
    println!();
    println!("{report}");
    if let Some(p) = arg(args, "--json") {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(&p, text).map_err(|e| format!("{p}: {e}"))?;
    }
    println!("peak RSS {:.0} MB", peak_rss_mb());
    Ok(())
}

fn fit_defaults(args: &[String]) -> Result<(), String> {
    let seeds: Vec<u64> = list(args, "--seeds", "1,2,3,4")?;
    let births: usize = arg(args, "--births")
        .and_then(|s| s.parse().ok())
        .unwrap_or(16_000);
    let persons: usize = arg(args, "--persons")
        .and_then(|s| s.parse().ok())
        .unwrap_or(60_000);
    let dir = PathBuf::from(arg(args, "--out").ok_or("--out DIR is required")?);
    let t = Instant::now();
    let models = renkou_linkage::defaults::estimate(&seeds, births, persons);
    for (m, name) in models
        .iter()
        .zip(["births-link", "births-dedupe", "persons-link"])
    {
        let p = dir.join(format!("{name}.json"));
        m.save(&p).map_err(|e| e.to_string())?;
        println!(
            "{name}: {} candidate pairs → {}",
            m.training.candidate_pairs,
            p.display()
        );
        print_model(m);
    }
    println!("estimated in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

/// Prints the fit reports and explains the errors of one case (development aid).
fn inspect(args: &[String]) -> Result<(), String> {
    use renkou_linkage::bench::{self, Case, Generator, Size};
    let generator = match arg(args, "--generator").as_deref() {
        Some("engine") => Generator::Engine,
        Some("harsh") => Generator::Harsh,
        _ => Generator::Independent,
    };
    let size =
        Size::parse(&arg(args, "--size").unwrap_or_else(|| "county".into())).ok_or("--size")?;
    let seed: u64 = arg(args, "--seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let show: usize = arg(args, "--show")
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let s = bench::sample(&Case {
        generator,
        size,
        seed,
    });
    let opts = LinkOptions::default();
    let r = renkou_linkage::reconcile(&s.ledger, &s.hospital, &opts);
    println!("{}\n{}", r.link_fit, r.dedupe_fit);
    println!("{:?}", r.summary);
    println!("{:?}", r.timings);
    let alone = dedupe(&s.ledger, &opts);
    println!("alone: {}", alone.fit);
    if args.iter().any(|a| a == "--model") {
        let mut o = opts.clone();
        o.fallback = false;
        let raw = dedupe(&s.ledger, &o);
        print_model(&raw.model);
        for c in &raw.model.classes {
            println!(
                "{} {:?}",
                c.name,
                c.levels
                    .iter()
                    .map(|v| v
                        .iter()
                        .map(|x| (x * 1000.0).round() / 1000.0)
                        .collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            );
        }
    }
    let lt = &s.ledger_truth;
    let ht = &s.hospital_truth;
    if let Some(ids) = arg(args, "--rows") {
        for id in ids.split(',') {
            let (side, i) = match s.ledger.iter().position(|x| x.record_id == id) {
                Some(i) => ("ledger", &s.ledger[i]),
                None => match s.hospital.iter().position(|x| x.record_id == id) {
                    Some(i) => ("hospital", &s.hospital[i]),
                    None => continue,
                },
            };
            println!("{side} {i:?}");
        }
        return Ok(());
    }
    if args.iter().any(|a| a == "--brief") {
        brief(&s, &r, &alone);
        return Ok(());
    }
    let auto: Vec<_> = r
        .duplicates
        .iter()
        .filter(|l| l.status == LinkStatus::Auto)
        .collect();
    let mut n = 0;
    for l in &auto {
        if lt[l.left_index].child != lt[l.right_index].child && n < show {
            n += 1;
            let (a, b) = (l.left_index, l.right_index);
            let hosp = |i: usize| {
                ht.iter()
                    .position(|t| t.child == lt[i].child)
                    .map(|j| s.hospital[j].record_id.clone())
            };
            let part = |i: usize| {
                r.links
                    .iter()
                    .find(|x| x.left_index == i)
                    .map(|x| x.right_id.clone())
            };
            println!(
                "DUP FP partners {:?} {:?}, hospital has {:?} {:?}",
                part(a),
                part(b),
                hosp(a),
                hosp(b)
            );
            let hi = |i: usize| ht.iter().position(|t| t.child == lt[i].child);
            if let (Some(x), Some(y)) = (hi(a), hi(b)) {
                let taken = |j: usize| {
                    r.links
                        .iter()
                        .filter(|l| l.right_index == j)
                        .map(|l| {
                            format!(
                                "{} {:?} same child {}",
                                l.left_id,
                                l.status,
                                lt[l.left_index].child == ht[j].child
                            )
                        })
                        .collect::<Vec<_>>()
                };
                println!(
                    "  hospital twins taken by {:?} / {:?}; hospital pair: {}",
                    taken(x),
                    taken(y),
                    explain(&r.dedupe_model, &s.hospital[x], &s.hospital[y])
                );
            }
            println!(
                "DUP FP (same delivery {}): {}",
                lt[l.left_index].delivery == lt[l.right_index].delivery,
                explain(
                    &r.dedupe_model,
                    &s.ledger[l.left_index],
                    &s.ledger[l.right_index]
                )
            );
        }
    }
    let found: std::collections::HashSet<(usize, usize)> =
        auto.iter().map(|l| (l.left_index, l.right_index)).collect();
    let mut by: std::collections::HashMap<u32, Vec<usize>> = Default::default();
    for (i, t) in lt.iter().enumerate() {
        by.entry(t.child).or_default().push(i);
    }
    let mut n = 0;
    for v in by.values().filter(|v| v.len() > 1) {
        let (a, b) = (v[0].min(v[1]), v[0].max(v[1]));
        if !found.contains(&(a, b)) && n < show {
            n += 1;
            let why = r
                .twins
                .iter()
                .find(|t| (t.left_index, t.right_index) == (a, b))
                .map(|t| format!("{:?}", t.reason))
                .unwrap_or_default();
            let st = r
                .duplicates
                .iter()
                .find(|l| (l.left_index, l.right_index) == (a, b))
                .map(|l| format!("{:?}", l.status))
                .unwrap_or_default();
            let why = format!(
                "{why} {st} partners {:?} {:?} hosp-of-child {:?}",
                r.links
                    .iter()
                    .find(|l| l.left_index == a)
                    .map(|l| &l.right_id),
                r.links
                    .iter()
                    .find(|l| l.left_index == b)
                    .map(|l| &l.right_id),
                ht.iter()
                    .position(|t| t.child == lt[a].child)
                    .map(|j| &s.hospital[j].record_id)
            );
            println!(
                "DUP FN {why}: {}",
                explain(&r.dedupe_model, &s.ledger[a], &s.ledger[b])
            );
        }
    }
    let mut n = 0;
    for l in alone.links.iter().filter(|l| l.status == LinkStatus::Auto) {
        if lt[l.left_index].delivery == lt[l.right_index].delivery
            && lt[l.left_index].child != lt[l.right_index].child
            && n < show
        {
            n += 1;
            println!(
                "ALONE TWIN MERGED: {}",
                explain(
                    &alone.model,
                    &s.ledger[l.left_index],
                    &s.ledger[l.right_index]
                )
            );
        }
    }
    let mut n = 0;
    let linked: std::collections::HashSet<(usize, usize)> = r
        .links
        .iter()
        .filter(|l| l.status == LinkStatus::Auto)
        .map(|l| (l.left_index, l.right_index))
        .collect();
    for l in r.links.iter().filter(|l| l.status == LinkStatus::Auto) {
        if lt[l.left_index].child != ht[l.right_index].child && n < show {
            n += 1;
            let (li, ri) = (l.left_index, l.right_index);
            println!(
                "LINK FP same-delivery {} same-mother {} dup_of {:?}: {}",
                lt[li].delivery == ht[ri].delivery,
                lt[li].mother == ht[ri].mother,
                r.duplicate_of[li],
                explain(&r.link_model, &s.ledger[li], &s.hospital[ri])
            );
        }
    }
    let mut hb: std::collections::HashMap<u32, usize> = Default::default();
    for (j, t) in ht.iter().enumerate() {
        hb.insert(t.child, j);
    }
    let mut n = 0;
    for (i, t) in lt.iter().enumerate() {
        if let Some(&j) = hb.get(&t.child) {
            if !linked.contains(&(i, j)) && n < show {
                n += 1;
                let other = r
                    .links
                    .iter()
                    .find(|l| l.left_index == i)
                    .map(|l| {
                        format!(
                            "linked to {} ({:?}) p {:.3}",
                            l.right_id, l.status, l.match_probability
                        )
                    })
                    .unwrap_or("unlinked".into());
                let taken = r
                    .links
                    .iter()
                    .filter(|l| l.right_index == j && l.left_index != i)
                    .map(|l| {
                        let o = &lt[l.left_index];
                        format!(
                            "{} ({:?}, same child {}, same delivery {})",
                            l.left_id,
                            l.status,
                            o.child == t.child,
                            o.delivery == t.delivery
                        )
                    })
                    .collect::<Vec<_>>();
                println!(
                    "LINK FN [{other}] right taken by {taken:?} dup_of {:?}: {}",
                    r.duplicate_of[i],
                    explain(&r.link_model, &s.ledger[i], &s.hospital[j])
                );
            }
        }
    }
    Ok(())
}

/// One line per twin pair merged (with the hospital as second source, and alone):
/// what each row says and what the hospital has of that delivery.
fn brief(
    s: &renkou_linkage::bench::Sample,
    r: &renkou_linkage::Reconciliation,
    alone: &LinkOutput,
) {
    let (lt, ht) = (&s.ledger_truth, &s.hospital_truth);
    let row = |i: usize| {
        let x = &s.ledger[i];
        format!(
            "{} {}|{}|{}|{}",
            x.record_id,
            if x.name.is_empty() { "-" } else { &x.name },
            x.sex,
            x.birth_date,
            x.birth_order
        )
    };
    let hosp_births = |i: usize| ht.iter().filter(|t| t.delivery == lt[i].delivery).count();
    let delivery_rows = |i: usize| lt.iter().filter(|t| t.delivery == lt[i].delivery).count();
    let partner = |i: usize| {
        r.links
            .iter()
            .find(|l| l.left_index == i)
            .map(|l| {
                let ok = ht[l.right_index].child == lt[i].child;
                format!(
                    "{}{} {}",
                    l.status.as_str(),
                    if ok { "" } else { "!" },
                    l.right_id
                )
            })
            .unwrap_or("-".into())
    };
    // Every automatic duplicate pair by what can be seen of it: right, twin, other.
    {
        use renkou_linkage::record::Features;
        use renkou_linkage::twins;
        let f: Vec<Features> = s.ledger.iter().map(Features::new).collect();
        let linked = |i: usize| {
            r.links
                .iter()
                .find(|l| l.left_index == i && r.duplicate_of[i].is_none())
                .map(|l| l.right_index)
        };
        let mut cats: std::collections::BTreeMap<String, (u32, u32, u32)> = Default::default();
        for l in r.duplicates.iter().filter(|l| l.status == LinkStatus::Auto) {
            let (a, b) = (l.left_index, l.right_index);
            let (fa, fb) = (&f[a], &f[b]);
            let given = |x: &renkou_linkage::LinkRecord| !x.name.trim().is_empty();
            let names = if twins::names_agree(fa, fb) {
                "names"
            } else if !given(&s.ledger[a]) && !given(&s.ledger[b]) {
                "nonames0"
            } else {
                "nonames1"
            };
            let order = match (fa.birth_order, fb.birth_order) {
                (Some(x), Some(y)) if x == y => "ord=",
                (Some(_), Some(_)) => "ord!",
                _ => "ord?",
            };
            let sex = match (fa.sex, fb.sex) {
                (Some(x), Some(y)) if x == y => "sex=",
                (Some(_), Some(_)) => "sex!",
                _ => "sex?",
            };
            let hosp = match (linked(a), linked(b)) {
                (None, None) => "h0",
                _ => "h1",
            };
            let key = format!("{hosp} {names} {order} {sex}");
            let e = cats.entry(key).or_default();
            if lt[a].child == lt[b].child {
                e.0 += 1;
            } else if lt[a].delivery == lt[b].delivery {
                e.1 += 1;
            } else {
                e.2 += 1;
            }
        }
        for (k, (ok, twin, other)) in cats {
            println!("CAT {k}: right {ok} twins {twin} other {other}");
        }
    }
    for (what, links) in [("WITH", &r.duplicates), ("ALONE", &alone.links)] {
        for l in links.iter().filter(|l| l.status == LinkStatus::Auto) {
            let (a, b) = (l.left_index, l.right_index);
            if lt[a].delivery == lt[b].delivery && lt[a].child != lt[b].child {
                let hosp_ids: Vec<&str> = ht
                    .iter()
                    .zip(&s.hospital)
                    .filter(|(t, _)| t.delivery == lt[a].delivery)
                    .map(|(_, h)| h.record_id.as_str())
                    .collect();
                let rows_ids: Vec<&str> = lt
                    .iter()
                    .zip(&s.ledger)
                    .filter(|(t, _)| t.delivery == lt[a].delivery)
                    .map(|(_, h)| h.record_id.as_str())
                    .collect();
                println!("  delivery rows {rows_ids:?} hospital {hosp_ids:?}");
                println!(
                    "{what} p={:.3} rows={} hosp={} [{}] {} / [{}] {}",
                    l.match_probability,
                    delivery_rows(a),
                    hosp_births(a),
                    row(a),
                    partner(a),
                    row(b),
                    partner(b),
                );
            }
        }
    }
}
