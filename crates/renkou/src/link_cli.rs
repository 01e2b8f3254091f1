//! `renkou link` and `renkou dedupe`: record linkage on plain files, no database.
//! (Filled in by the linkage work; see crates/linkage.)

use anyhow::Result;
use clap::Args;

#[derive(Args, Clone, Debug)]
pub struct LinkArgs {
    /// 左文件 / left file (births.csv or persons.csv, CSV or xlsx)
    pub left: std::path::PathBuf,
    /// 右文件 / right file
    pub right: std::path::PathBuf,
}

#[derive(Args, Clone, Debug)]
pub struct DedupeArgs {
    /// 文件 / the file to deduplicate
    pub file: std::path::PathBuf,
}

pub fn link(_args: &LinkArgs) -> Result<()> {
    anyhow::bail!("尚未实现 / not implemented yet")
}

pub fn dedupe(_args: &DedupeArgs) -> Result<()> {
    anyhow::bail!("尚未实现 / not implemented yet")
}
