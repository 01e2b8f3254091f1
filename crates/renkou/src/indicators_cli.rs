//! `renkou indicators`: the catalogue of indicators.md for a region and period.
//! (Filled in by the indicators work; see crates/stats.)

use anyhow::Result;
use clap::Args;

#[derive(Args, Clone, Debug)]
pub struct IndicatorsArgs {
    /// 区划代码（6、9 或 12 位）/ region code (6, 9 or 12 digits)
    #[arg(long)]
    pub region: String,
    /// 年份 / year
    #[arg(long)]
    pub year: i32,
}

pub fn run(_db: &str, _args: &IndicatorsArgs) -> Result<()> {
    anyhow::bail!("尚未实现 / not implemented yet")
}
