//! `renkou source import`, `renkou reconcile` and `renkou accuracy`: the
//! reconciliation workflow from the terminal (the review queue is in the web UI).
//!
//! ```sh
//! renkou source import hospital.xlsx --kind hospital --name 县医院2024 --region 349901101 --from 2024-01-01 --to 2024-12-31
//! renkou source list
//! renkou reconcile --source 1 [--region 349901101201] [--from … --to …] [--out items.csv] [--refit]
//! renkou accuracy --reconciliation 1 [--format json]
//! renkou source model save --reconciliation 1     # the county's reviewed models
//! renkou source model clear --county 349901000000
//! ```
//!
//! A source is imported as it came: cells that do not parse (an ID number with a
//! wrong check digit, a 15-digit number, a date that cannot exist, a village the
//! region tree does not know) are kept as written and counted per reason; only
//! rows that describe no birth are refused (`--skip-invalid` loads the rest and
//! writes those rows beside the file).

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};
use renkou_domain::{parse_date, Date, RegionCode};
use renkou_interchange::write::{OutFormat, TableWriter};
use renkou_reconciliation::rules::{ItemClass, SourceKind};
use renkou_reconciliation::tables::{ItemFilter, ReconciliationTables};
use renkou_reconciliation::workflow::{self as reconcile, AreaRow, SourceSpec};
use renkou_store::ImportOptions;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum SourceCommand {
    /// 导入来源出生记录 births.csv/xlsx / import a source's births file
    Import(SourceImportArgs),
    /// 列出来源 / list the sources
    List,
    /// 本县审核过的核对模型 / the county's reviewed linkage models
    #[command(subcommand)]
    Model(ModelCommand),
}

#[derive(Subcommand)]
pub enum ModelCommand {
    /// 把某次核对所用的模型保存为本县模型，此后本县核对直接使用 / save the models a reconciliation used as its county's: later reconciliations of the county use them
    Save {
        #[arg(long)]
        reconciliation: i64,
    },
    /// 删除本县模型，此后重新在每次记录上拟合 / remove the county's saved models: reconciliations fit their own again
    Clear {
        #[arg(long)]
        county: String,
    },
}

#[derive(Args)]
pub struct SourceImportArgs {
    file: PathBuf,
    /// hospital（出生医学证明）| hukou（户籍）| ledger（村台帐）| other
    #[arg(long)]
    kind: String,
    /// 来源名称 / the source's name (importing the same name again revises it)
    #[arg(long)]
    name: String,
    /// 来源覆盖的区划 / the area the source covers
    #[arg(long)]
    region: String,
    /// 时期起点 / first day of the period
    #[arg(long)]
    from: String,
    /// 时期终点（含）/ last day of the period, inclusive
    #[arg(long)]
    to: String,
    #[arg(long)]
    sheet: Option<String>,
    /// 导入可用的行，把无法使用的行写入 <文件>.rejected.csv / load the usable rows and write the refused ones to <file>.rejected.csv
    #[arg(long)]
    skip_invalid: bool,
    /// 只检查，不写入 / check only, write nothing
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args)]
pub struct ReconcileArgs {
    /// 来源编号（见 renkou source list）/ source id (see `renkou source list`)
    #[arg(long)]
    source: i64,
    /// 核对区划（默认：来源的区划）/ area to reconcile (default: the source's)
    #[arg(long)]
    region: Option<String>,
    #[arg(long, requires = "to")]
    from: Option<String>,
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// 把全部条目写入 CSV/xlsx / write every item to a CSV or xlsx file
    #[arg(long)]
    out: Option<PathBuf>,
    /// 即使本县已保存模型，也在本次记录上重新拟合 / fit the models on these records even when the county has saved ones
    #[arg(long)]
    refit: bool,
}

#[derive(Args)]
pub struct AccuracyArgs {
    /// 核对编号 / reconciliation id
    #[arg(long)]
    reconciliation: i64,
    /// text | json
    #[arg(long, default_value = "text")]
    format: String,
}

fn date_arg(flag: &str, s: &str) -> Result<Date> {
    parse_date(s).map_err(|e| anyhow!("--{flag}: {e}"))
}

fn region_arg(s: &str) -> Result<RegionCode> {
    RegionCode::parse_prefix(s).map_err(|e| anyhow!("--region: {e}"))
}

pub fn source(db: &str, cmd: SourceCommand) -> Result<()> {
    let store = crate::db::open(db)?;
    match cmd {
        SourceCommand::Import(a) => {
            let kind = SourceKind::parse(&a.kind).ok_or_else(|| {
                anyhow!("--kind 应为 hospital、hukou、ledger 或 other / --kind must be hospital, hukou, ledger or other")
            })?;
            let spec = SourceSpec {
                kind,
                name: a.name.clone(),
                region: region_arg(&a.region)?,
                from: date_arg("from", &a.from)?,
                to: date_arg("to", &a.to)?,
            };
            let opts = ImportOptions {
                sheet: a.sheet.clone(),
                skip_invalid: a.skip_invalid,
                dry_run: a.dry_run,
                ..ImportOptions::by(crate::cli::operator())
            };
            let bar = crate::progress::Bar::new();
            let imported = reconcile::import_source(&store, &a.file, &spec, &opts, &bar)?;
            let (r, id) = (&imported.report, imported.source_id);
            let c = &r.counts;
            println!(
                "{}: 来源 {} 读取 {} 行，新增 {}，未变 {}，修订 {} / source {}: read {}, new {}, unchanged {}, revised {}",
                r.file,
                id.unwrap_or_default(),
                c.read,
                c.new,
                c.unchanged,
                c.corrected,
                id.unwrap_or_default(),
                c.read,
                c.new,
                c.unchanged,
                c.corrected
            );
            print_flagged(&imported);
            if a.dry_run {
                println!("（仅检查，未写入 / checked only, nothing written）");
            }
        }
        SourceCommand::Model(ModelCommand::Save { reconciliation }) => {
            let county =
                reconcile::save_county_model(&store, reconciliation, &crate::cli::operator())?;
            println!(
                "已把核对 {reconciliation} 的模型保存为 {county} 的本县模型，此后该县的核对直接使用（--refit 可重新拟合）/ the models of reconciliation {reconciliation} are now {county}'s: its reconciliations use them (--refit fits anew)"
            );
        }
        SourceCommand::Model(ModelCommand::Clear { county }) => {
            let county = region_arg(&county)?;
            let gone = reconcile::clear_county_model(&store, &county, &crate::cli::operator())?;
            if gone {
                println!("已删除 {county} 的本县模型 / {county}'s saved models removed");
            } else {
                println!("{county} 没有保存的模型 / {county} has no saved models");
            }
        }
        SourceCommand::List => {
            println!("id\tkind\tname\tregion\tfrom\tto\trows\tfile");
            for s in store.sources()? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    s.id,
                    s.kind,
                    s.name,
                    s.region_code,
                    s.period_from,
                    s.period_to,
                    s.rows,
                    s.file_name
                );
            }
        }
    }
    Ok(())
}

/// What was kept as written, per reason, and what was refused.
pub fn print_flagged(i: &renkou_reconciliation::sources::SourceImport) {
    print_flagged_counts(i);
    let r = &i.report;
    if r.rejected_rows > 0 {
        for e in &i.refused {
            println!("  {e}");
        }
    }
}

/// How many records were kept as written with each flag (`renkou import births`
/// prints these before its usual report, which names the refused rows).
pub fn print_flagged_counts(i: &renkou_reconciliation::sources::SourceImport) {
    if i.flagged_total > 0 {
        println!(
            "保留原样并标记的记录 / records kept as written with a flag: {}",
            i.flagged_total
        );
    }
    for (f, n) in &i.flagged {
        println!("  {}\t{n}\t{} / {}", f.as_str(), f.name_zh(), f.name_en());
    }
    let r = &i.report;
    if r.rejected_rows > 0 {
        println!(
            "未导入的行 / rows refused: {}{}",
            r.rejected_rows,
            r.rejected_file
                .as_ref()
                .map(|p| format!("（已写入 / written to {}）", p.display()))
                .unwrap_or_default()
        );
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn chapman_text(r: &AreaRow) -> String {
    match &r.chapman {
        Some(c) => format!(
            "N̂ {:.1} (95% {:.1}–{:.1})，两者均漏 / missed by both {:.1}",
            c.estimate, c.interval.low, c.interval.high, c.missed_by_both
        ),
        None => "—".into(),
    }
}

pub fn reconcile(db: &str, a: &ReconcileArgs) -> Result<()> {
    let store = crate::db::open(db)?;
    let region = a.region.as_deref().map(region_arg).transpose()?;
    let period = match (&a.from, &a.to) {
        (Some(f), Some(t)) => Some((date_arg("from", f)?, date_arg("to", t)?)),
        _ => None,
    };
    let opts = reconcile::ReconcileOptions {
        refit: a.refit,
        ..Default::default()
    };
    let r = reconcile::reconcile_with(
        &store,
        a.source,
        region,
        period,
        &opts,
        &crate::cli::operator(),
    )?;
    println!(
        "核对 {}：{} {}–{}，登记出生 {}，来源记录 {} / reconciliation {}: register births {}, source records {}",
        r.reconciliation_id,
        r.region,
        r.from,
        r.to,
        r.register_births,
        r.source_records,
        r.reconciliation_id,
        r.register_births,
        r.source_records
    );
    for c in ItemClass::ALL {
        println!(
            "{}\t{}\t{} / {}",
            c.as_str(),
            r.classes.get(&c).copied().unwrap_or(0),
            c.name_zh(),
            c.name_en()
        );
    }
    let t = &r.tally;
    println!(
        "准确率 / accuracy: {} ({} / {})；待复核 / pending {}",
        pct(r.accuracy),
        t.agreeing,
        t.source,
        t.pending
    );
    if let Some(c) = &r.chapman {
        println!(
            "两系统估计 / dual-system estimate: N̂ = {:.1} (95% {:.1}–{:.1})，n1 {} n2 {} m {}，两者均漏 / missed by both {:.1}",
            c.estimate, c.interval.low, c.interval.high, c.n1, c.n2, c.m, c.missed_by_both
        );
    }
    println!("可信度 / how far to trust it:");
    print!("{}", r.trust);
    if r.trust.fell_back() {
        for f in [&r.trust.link_fit, &r.trust.dedupe_fit] {
            if f.fell_back() {
                println!("{f}");
            }
        }
    }
    println!("匹配用时 / linkage time: {:.2} s", r.linkage_seconds);
    if let Some(out) = &a.out {
        let format = match out.extension().and_then(|e| e.to_str()) {
            Some("xlsx") => OutFormat::Xlsx,
            _ => OutFormat::Csv,
        };
        let mut w = TableWriter::create(
            out,
            format,
            &[
                "item_id",
                "class",
                "source_record_id",
                "person_id",
                "duplicate_of",
                "match_probability",
                "differing_fields",
                "village_code",
                "status",
            ],
        )?;
        let mut offset = 0;
        loop {
            let (items, total) = store.reconciliation_items(
                r.reconciliation_id,
                &ItemFilter {
                    offset,
                    limit: 1000,
                    ..Default::default()
                },
            )?;
            for it in &items {
                w.write_row(&[
                    it.id.to_string(),
                    it.class.as_str().to_string(),
                    it.source_record_id.clone().unwrap_or_default(),
                    it.person_no.clone().unwrap_or_default(),
                    it.duplicate_of.clone().unwrap_or_default(),
                    it.match_probability
                        .map(|p| format!("{p:.4}"))
                        .unwrap_or_default(),
                    it.diffs
                        .iter()
                        .map(|d| d.as_str())
                        .collect::<Vec<_>>()
                        .join(";"),
                    it.village_code.clone(),
                    it.status.as_str().to_string(),
                ])?;
            }
            offset += items.len() as i64;
            if items.is_empty() || offset >= total {
                break;
            }
        }
        w.finish()?;
        println!("条目已写入 / items written to {}", out.display());
    }
    Ok(())
}

pub fn accuracy(db: &str, a: &AccuracyArgs) -> Result<()> {
    let store = crate::db::open(db)?;
    store.reconciliation(a.reconciliation)?.ok_or_else(|| {
        anyhow!(
            "找不到核对 {} / no reconciliation {}",
            a.reconciliation,
            a.reconciliation
        )
    })?;
    let acc = reconcile::accuracy(&store, a.reconciliation, None)?;
    if a.format == "json" {
        println!("{}", serde_json::to_string_pretty(&acc)?);
        return Ok(());
    }
    println!("区划/region\t名称/name\t登记/n1\t来源/n2\t匹配/m\t一致/agree\t准确率/accuracy\t待处理/open\t两系统估计/Chapman");
    for r in acc
        .villages
        .iter()
        .chain(&acc.townships)
        .chain(std::iter::once(&acc.total))
    {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.region_code,
            r.name,
            r.tally.register,
            r.tally.source,
            r.tally.matched,
            r.tally.agreeing,
            pct(r.accuracy),
            r.open,
            chapman_text(r)
        );
    }
    Ok(())
}
