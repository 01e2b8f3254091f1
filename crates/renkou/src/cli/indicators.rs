//! `renkou indicators`: the catalogue of indicators.md for a region and period,
//! computed from the register, as JSON (default, to stdout), CSV or xlsx.
//!
//! ```sh
//! renkou indicators --region 349901 --year 2024                  # county + townships, JSON
//! renkou indicators --region 349901101 --year 2024 --level village --format csv --out t.csv
//! renkou indicators --region 349901 --year 2024 --quarter 2 --format xlsx --out q2.xlsx
//! renkou indicators --region 349901 --from 2024-01-01 --to 2024-06-30
//! ```

use anyhow::{bail, Context, Result};
use clap::Args;
use renkou_domain::parse_date;
use renkou_indicators::figures::{self as ind, Format, Level, StatCache};
use renkou_stats::Period;
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct IndicatorsArgs {
    /// 区划代码（6、9 或 12 位）/ region code (6, 9 or 12 digits)
    #[arg(long)]
    pub region: String,
    /// 年份 / year
    #[arg(long)]
    pub year: Option<i32>,
    /// 季度 1-4（需 --year）/ quarter 1-4 (with --year)
    #[arg(long, conflicts_with = "month")]
    pub quarter: Option<u32>,
    /// 月份 1-12（需 --year）/ month 1-12 (with --year)
    #[arg(long)]
    pub month: Option<u32>,
    /// 起始日期（与 --to 同用，代替 --year）/ first day of a custom period (with --to, instead of --year)
    #[arg(long, requires = "to", conflicts_with = "year")]
    pub from: Option<String>,
    /// 结束日期（含）/ last day of a custom period, inclusive
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// 层级：village、township、county 或 all（默认：本区划及其直接下级）/
    /// level: village, township, county or all (default: the region and its direct children)
    #[arg(long)]
    pub level: Option<String>,
    /// 格式：json、csv 或 xlsx / format: json, csv or xlsx
    #[arg(long, default_value = "json")]
    pub format: String,
    /// 输出文件（默认标准输出；xlsx 必须指定）/ output file (default stdout; required for xlsx)
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn period(a: &IndicatorsArgs) -> Result<Period> {
    let p = match (a.year, &a.from, &a.to) {
        (_, Some(from), Some(to)) => {
            let from = parse_date(from).map_err(|e| anyhow::anyhow!("--from: {e}"))?;
            let to = parse_date(to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
            Period::range(from, to)?
        }
        (Some(y), _, _) => match (a.quarter, a.month) {
            (Some(q), _) => Period::quarter(y, q)?,
            (_, Some(m)) => Period::month(y, m)?,
            _ => Period::try_year(y)?,
        },
        _ => bail!("需要 --year 或 --from/--to / --year or --from/--to is required"),
    };
    if a.year.is_none() && (a.quarter.is_some() || a.month.is_some()) {
        bail!("--quarter/--month 需要 --year / --quarter and --month need --year");
    }
    Ok(p)
}

pub fn run(db: &str, args: &IndicatorsArgs) -> Result<()> {
    let region = ind::parse_region(&args.region).map_err(|e| anyhow::anyhow!("--region: {e}"))?;
    let format = Format::parse(&args.format).map_err(|e| anyhow::anyhow!("--format: {e}"))?;
    let level = match &args.level {
        Some(l) => Level::parse(l).map_err(|e| anyhow::anyhow!("--level: {e}"))?,
        None => Level::default(),
    };
    let period = period(args)?;
    if format == Format::Xlsx && args.out.is_none() {
        bail!("xlsx 需要 --out 文件 / --format xlsx needs --out FILE");
    }
    let store = crate::db::open(db)?;
    let rows = ind::indicators(&store, &StatCache::new(), &region, period, level)?;
    match &args.out {
        Some(path) => {
            let users = renkou_indicators::views::user_indicators(&store)?;
            ind::write_file(&rows, path, format, &users)
                .with_context(|| format!("写入 / writing {}", path.display()))?;
            eprintln!(
                "已写出 {} 行到 {} / wrote {} rows to {}",
                rows.len(),
                path.display(),
                rows.len(),
                path.display()
            );
        }
        None => {
            let out = std::io::stdout().lock();
            let out = std::io::BufWriter::new(out);
            match format {
                Format::Json => ind::write_json(&rows, out)?,
                Format::Csv => ind::write_csv(&rows, out)?,
                Format::Xlsx => unreachable!("checked above"),
            }
        }
    }
    Ok(())
}
