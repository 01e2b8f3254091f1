//! `renkou link` and `renkou dedupe`: record linkage on plain files, no database.
//!
//! `renkou link` on two births files reconciles them (`renkou_linkage::reconcile`):
//! the left file's duplicated rows are found with the right file as second source
//! and every one of them links to the one birth (many-to-one within the left file,
//! one-to-one between distinct births); it prints both fits' checks and the
//! summary, and `--save-model` / `--model` keep and reuse the pair of models.
//! Persons files are linked one-to-one. `renkou dedupe FILE [--with OTHER]`
//! prints its fit and the pairs kept apart as twins.
//!
//! Everything that can be refused is refused before any linkage work starts: the
//! options (thresholds, `--explain` pairs, the output folder, the model file), then
//! the input files (read whole through the interchange reader, so a bad row is
//! found before the first comparison), then the ids named by `--explain`.

use anyhow::{bail, Context, Result};
use clap::Args;
use renkou_linkage::{
    explain, read_records_sheet, write_links, EntityKind, FitReport, Link, LinkOptions, LinkOutput,
    LinkRecord, LinkStatus, SavedModels, Thresholds,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args, Clone, Debug)]
pub struct LinkArgs {
    /// 左文件 / left file (births.csv or persons.csv, CSV or xlsx)
    pub left: PathBuf,
    /// 右文件 / right file
    pub right: PathBuf,
    #[command(flatten)]
    pub opts: CommonArgs,
}

#[derive(Args, Clone, Debug)]
pub struct DedupeArgs {
    /// 文件 / the file to deduplicate
    pub file: PathBuf,
    /// 另一来源（如医院记录），用来分辨双胞胎与重复 / a second source of the same births (the hospital's), which tells twins from duplicates
    #[arg(long, value_name = "OTHER")]
    pub with: Option<PathBuf>,
    #[command(flatten)]
    pub opts: CommonArgs,
}

#[derive(Args, Clone, Debug)]
pub struct CommonArgs {
    /// 输出的匹配结果文件 / where to write links.csv
    #[arg(long, value_name = "FILE", default_value = "links.csv")]
    pub out: PathBuf,
    /// 自动匹配阈值（概率）/ accept threshold: pairs at or above this probability are `auto` [default: 0.5, or the model's]
    #[arg(long, value_name = "P")]
    pub accept: Option<f64>,
    /// 复核阈值（概率）/ review threshold: pairs at or above it (below accept) are `review` [default: 0.2, or the model's]
    #[arg(long, value_name = "P")]
    pub review: Option<f64>,
    /// 保存训练得到的模型（匹配与查重两个）/ save the trained models (linking and deduplicating, JSON) to FILE
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// 使用已保存的模型，不再训练 / use saved models instead of training on these files
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// 解释一对记录的得分（可重复）/ explain the score of a pair, field by field (repeatable)
    #[arg(long, value_name = "LEFT_ID:RIGHT_ID")]
    pub explain: Vec<String>,
    /// 打印分块报告与各状态数量 / print the blocking report (pairs per rule) and counts per status
    #[arg(long)]
    pub report: bool,
    /// xlsx 工作表名（默认第一个）/ the xlsx sheet to read (default: the first)
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

/// Below this many candidate pairs, a model trained on them is not to be trusted.
const FEW_PAIRS: u64 = 200;

/// What is known before the files are read.
struct Prepared {
    options: LinkOptions,
    explain: Vec<(String, String)>,
}

/// A model file: one model (older files) or the pair `--save-model` writes.
fn load_models(p: &Path) -> Result<SavedModels> {
    SavedModels::load(p).map_err(one_line)
}

fn prepare(o: &CommonArgs) -> Result<Prepared> {
    for (flag, v) in [("--accept", o.accept), ("--review", o.review)] {
        if let Some(p) = v {
            if !(p > 0.0 && p < 1.0) {
                bail!("{flag} {p}: 阈值应为 0 与 1 之间的概率 / a threshold is a probability strictly between 0 and 1");
            }
        }
    }
    let explain = o
        .explain
        .iter()
        .map(|s| parse_pair(s))
        .collect::<Result<Vec<_>>>()?;
    for out in std::iter::once(&o.out).chain(&o.save_model) {
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                bail!(
                    "{}: 输出目录不存在 / the output folder does not exist",
                    dir.display()
                );
            }
        }
    }
    let saved = match &o.model {
        Some(p) => Some(load_models(p)?),
        None => None,
    };
    let (model, dedupe_model) = match saved {
        Some(s) => (s.link, s.dedupe),
        None => (None, None),
    };
    let base = model
        .as_ref()
        .or(dedupe_model.as_ref())
        .map(|m| m.thresholds)
        .unwrap_or_default();
    let t = Thresholds {
        accept: o.accept.unwrap_or(base.accept),
        review: o.review.unwrap_or(base.review),
    };
    if t.review > t.accept {
        bail!(
            "复核阈值 {} 大于自动匹配阈值 {}，应满足 0 < --review ≤ --accept < 1 / the review threshold {} is above the accept threshold {}: need 0 < --review ≤ --accept < 1",
            t.review, t.accept, t.review, t.accept
        );
    }
    Ok(Prepared {
        options: LinkOptions {
            thresholds: Some(t),
            model,
            dedupe_model,
            ..Default::default()
        },
        explain,
    })
}

/// `LEFT_ID:RIGHT_ID` (a comma works too).
fn parse_pair(s: &str) -> Result<(String, String)> {
    let split = s.split_once(':').or_else(|| s.split_once(','));
    match split {
        Some((l, r)) if !l.trim().is_empty() && !r.trim().is_empty() => {
            Ok((l.trim().to_string(), r.trim().to_string()))
        }
        _ => bail!("--explain {s}: 应为 左编号:右编号 / expected LEFT_ID:RIGHT_ID"),
    }
}

/// The engine's error as one line: its message already carries the cause, and
/// anyhow's `{:#}` would print the I/O cause a second time.
fn one_line(e: renkou_linkage::LinkError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn read(path: &Path, sheet: Option<&str>) -> Result<Vec<LinkRecord>> {
    read_records_sheet(path, sheet).map_err(one_line)
}

fn position(records: &[LinkRecord], file: &Path, id: &str) -> Result<usize> {
    records
        .iter()
        .position(|r| r.record_id == id)
        .with_context(|| {
            format!(
                "{}: 找不到编号为“{id}”的记录（--explain） / no record with id \"{id}\" (--explain)",
                file.display()
            )
        })
}

fn births(records: &[LinkRecord]) -> bool {
    !records.is_empty() && records.iter().all(|r| r.kind == EntityKind::Birth)
}

pub fn link(args: &LinkArgs) -> Result<()> {
    let start = Instant::now();
    let o = &args.opts;
    let p = prepare(o)?;
    let sheet = o.sheet.as_deref();
    let left = read(&args.left, sheet)?;
    let right = read(&args.right, sheet)?;
    let pairs = p
        .explain
        .iter()
        .map(|(l, r)| {
            Ok((
                position(&left, &args.left, l)?,
                position(&right, &args.right, r)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    // Births: reconciled, the left file's duplicates linked to their birth too.
    // Persons: one-to-one.
    let (out, summary) = if births(&left) && births(&right) {
        let mut r = renkou_linkage::reconcile(&left, &right, &p.options);
        if let Some(path) = &o.save_model {
            r.models().save(path).map_err(one_line)?;
        }
        let out = LinkOutput {
            links: std::mem::take(&mut r.links),
            model: r.link_model.clone(),
            fit: r.link_fit.clone(),
            blocking: r.link_blocking.clone(),
            conflicts: (0, 0),
            twins: Vec::new(),
            timings: r.timings.clone(),
        };
        (out, Some(r))
    } else {
        let out = renkou_linkage::link(&left, &right, &p.options);
        if let Some(path) = &o.save_model {
            out.model.save(path).map_err(one_line)?;
        }
        (out, None)
    };
    finish(o, &out, &left, &right, &pairs)?;
    print_fit(&out.fit);
    if let Some(r) = &summary {
        print_fit(&r.dedupe_fit);
        let s = &r.summary;
        println!(
            "左文件内重复 / duplicates in the left file: {} 组 groups, {} 行 rows（其中 {} 行关联到同一出生 / {} linked to their birth）；按双胞胎分开 / kept apart as twins: {}；自动 / auto {}，待复核 / review {}",
            s.duplicate_groups,
            s.duplicate_rows,
            s.duplicate_links,
            s.duplicate_links,
            s.twins_kept_apart,
            s.auto_links,
            s.review_links
        );
    }
    let (auto, review) = counts(&out.links);
    let secs = start.elapsed().as_secs_f64();
    let (l, r) = (args.left.display(), args.right.display());
    println!(
        "匹配完成：左文件 {l}（{} 条）与右文件 {r}（{} 条），候选对 {} 对，{}；写出 {} 条匹配（自动匹配 {auto}，待复核 {review}）到 {}，用时 {secs:.2} 秒。",
        left.len(),
        right.len(),
        out.blocking.candidate_pairs,
        model_zh(o),
        out.links.len(),
        o.out.display(),
    );
    println!(
        "Linked {l} ({} records) with {r} ({} records): {} candidate pairs, {}; {} links ({auto} auto, {review} review) written to {} in {secs:.2} s.",
        left.len(),
        right.len(),
        out.blocking.candidate_pairs,
        model_en(o),
        out.links.len(),
        o.out.display(),
    );
    Ok(())
}

/// A fit's checks: printed in full when it did not pass or fell back, else in one line.
fn print_fit(f: &FitReport) {
    if f.fell_back() || !f.passed() {
        println!("{f}");
    } else {
        println!("{}", renkou_reconciliation::trust::fit_line(f));
    }
}

pub fn dedupe(args: &DedupeArgs) -> Result<()> {
    let start = Instant::now();
    let o = &args.opts;
    let p = prepare(o)?;
    let records = read(&args.file, o.sheet.as_deref())?;
    let pairs = p
        .explain
        .iter()
        .map(|(a, b)| {
            Ok((
                position(&records, &args.file, a)?,
                position(&records, &args.file, b)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let other = match &args.with {
        Some(w) => Some(read(w, o.sheet.as_deref())?),
        None => None,
    };
    let out = match &other {
        Some(other) => renkou_linkage::dedupe_with(&records, other, &p.options),
        None => {
            // Alone, the saved deduplication model (or a single older model).
            let mut options = p.options.clone();
            options.model = options.dedupe_model.take().or(options.model.take());
            renkou_linkage::dedupe(&records, &options)
        }
    };
    if let Some(path) = &o.save_model {
        out.model.save(path).map_err(one_line)?;
    }
    finish(o, &out, &records, &records, &pairs)?;
    print_fit(&out.fit);
    println!(
        "按双胞胎（多胞胎）分开的记录对 / pairs kept apart as twins (multiples): {}{}",
        out.twins.len(),
        match &args.with {
            Some(w) => format!("（参照 / with {}）", w.display()),
            None => String::new(),
        }
    );
    let (auto, review) = counts(&out.links);
    let (groups, members) = groups(&out.links, records.len());
    let secs = start.elapsed().as_secs_f64();
    let f = args.file.display();
    if args.with.is_none() && review > 0 {
        // Alone, a row copied before the child had a name and twins written with one
        // birth order look the same: those pairs wait for a reviewer or a second source.
        println!(
            "提示：同母同日、姓名未填的记录对无法仅凭本文件区分重复与双胞胎，已列为待复核；用 --with 医院出生记录 可自动判定。"
        );
        println!(
            "Note: pairs of one mother and day without names cannot be told apart (a copied row, or twins) from this file alone and are listed for review; --with the hospital's births file decides them."
        );
    }
    println!(
        "查重完成：{f}（{} 条），候选对 {} 对，{}；发现 {groups} 组重复（涉及 {members} 条记录），写出 {} 对（自动匹配 {auto}，待复核 {review}）到 {}，用时 {secs:.2} 秒。",
        records.len(),
        out.blocking.candidate_pairs,
        model_zh(o),
        out.links.len(),
        o.out.display(),
    );
    println!(
        "Deduplicated {f} ({} records): {} candidate pairs, {}; {groups} groups of duplicates ({members} records), {} pairs ({auto} auto, {review} review) written to {} in {secs:.2} s.",
        records.len(),
        out.blocking.candidate_pairs,
        model_en(o),
        out.links.len(),
        o.out.display(),
    );
    Ok(())
}

/// Writes links.csv and the model, prints the report and the explanations.
fn finish(
    o: &CommonArgs,
    out: &LinkOutput,
    left: &[LinkRecord],
    right: &[LinkRecord],
    explain_pairs: &[(usize, usize)],
) -> Result<()> {
    write_links(&o.out, &out.links).map_err(one_line)?;
    let pairs = out.blocking.candidate_pairs;
    if o.model.is_none() && pairs < FEW_PAIRS {
        eprintln!(
            "注意：只有 {pairs} 个候选对，在其上训练的模型不可靠，可用 --model 使用在较大文件上训练的模型 / note: only {pairs} candidate pairs; a model trained on so few is unreliable: consider --model with one trained on larger files"
        );
    }
    if o.report {
        print_report(out);
    }
    for &(l, r) in explain_pairs {
        let e = explain(&out.model, &left[l], &right[r]);
        println!("{e}");
        let written = out.links.iter().find(|x| {
            (x.left_index, x.right_index) == (l, r)
                || (std::ptr::eq(left, right) && (x.left_index, x.right_index) == (r, l))
        });
        match written {
            Some(x) => println!(
                "  写入 {} 的状态 / in {}: {} {}",
                o.out.display(),
                o.out.display(),
                x.status.name_zh(),
                x.status.as_str()
            ),
            None => println!(
                "  未写入 {} / not in {}{}",
                o.out.display(),
                o.out.display(),
                if e.status.is_some() {
                    "（另一对得分更高或未成组 / another pair scored higher, or not grouped）"
                } else {
                    ""
                }
            ),
        }
        println!();
    }
    Ok(())
}

fn print_report(out: &LinkOutput) {
    println!("{}", out.blocking);
    let (auto, review) = counts(&out.links);
    let t = out.model.thresholds;
    println!("按状态 / per status:");
    println!(
        "  {} auto (≥ {}): {auto}",
        LinkStatus::Auto.name_zh(),
        t.accept
    );
    println!(
        "  {} review ({} – {}): {review}",
        LinkStatus::Review.name_zh(),
        t.review,
        t.accept
    );
    let (cl, cr) = out.conflicts;
    if cl + cr > 0 {
        println!(
            "  有多个候选的记录 / records with more than one candidate ≥ review: 左 left {cl}, 右 right {cr}"
        );
    }
    let tr = &out.model.training;
    if tr.iterations > 0 {
        println!(
            "模型 / model: EM {} 次迭代 iterations{}，{} 种比较模式 distinct patterns",
            tr.iterations,
            if tr.converged {
                "，已收敛 converged"
            } else {
                "，未收敛 NOT converged"
            },
            tr.distinct_patterns
        );
    }
    let stages: Vec<String> = out
        .timings
        .iter()
        .map(|(s, t)| format!("{s} {t:.2}s"))
        .collect();
    println!("用时 / time: {}", stages.join(", "));
    println!();
}

fn counts(links: &[Link]) -> (usize, usize) {
    let auto = links
        .iter()
        .filter(|l| l.status == LinkStatus::Auto)
        .count();
    (auto, links.len() - auto)
}

/// Groups of duplicates (connected by `auto` pairs) and the records in them.
fn groups(links: &[Link], n: usize) -> (usize, usize) {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for l in links.iter().filter(|l| l.status == LinkStatus::Auto) {
        let (a, b) = (
            root(&mut parent, l.left_index),
            root(&mut parent, l.right_index),
        );
        if a != b {
            parent[a] = b;
        }
    }
    let mut size = vec![0usize; n];
    for i in 0..n {
        let r = root(&mut parent, i);
        size[r] += 1;
    }
    let multi = size.iter().filter(|&&s| s > 1);
    (multi.clone().count(), multi.sum())
}

fn model_zh(o: &CommonArgs) -> String {
    let mut s = match &o.model {
        Some(p) => format!("使用模型 {}", p.display()),
        None => "模型在本次文件上训练".to_string(),
    };
    if let Some(p) = &o.save_model {
        s.push_str(&format!("，已保存到 {}", p.display()));
    }
    s
}

fn model_en(o: &CommonArgs) -> String {
    let mut s = match &o.model {
        Some(p) => format!("model loaded from {}", p.display()),
        None => "model trained on these files".to_string(),
    };
    if let Some(p) = &o.save_model {
        s.push_str(&format!(", saved to {}", p.display()));
    }
    s
}
