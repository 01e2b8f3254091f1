//! `renkou benefits parameters`: the county's benefit parameters in the database.
//! Every change is a new version (a layer on the national baseline) that acts from
//! its effective day on; nothing before it changes.
//!
//! ```sh
//! renkou benefits parameters list                      # every value by version, JSON
//! renkou benefits parameters change --key childcare.amount --from 2025-07-01 --value 4800 --reference "某县卫健〔2025〕12号"
//! renkou benefits parameters add --file county-topup.toml   # a layer file with layer.effective_from
//! ```

use anyhow::{Context, Result};
use clap::Subcommand;
use renkou_benefits::layers;
use renkou_domain::parse_date;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ParametersCommand {
    /// 列出各版本的参数值（JSON）/ every value by version (JSON)
    List,
    /// 自某日起调整一个值（新的一版）/ change one value from a day (a new version)
    Change {
        #[arg(long)]
        key: String,
        /// 生效日期 / the first day (YYYY-MM-DD)
        #[arg(long)]
        from: String,
        #[arg(long)]
        value: String,
        /// 依据：文件号或链接 / the document number or link that sets it
        #[arg(long)]
        reference: String,
        /// 尚未经县级核实 / not yet confirmed by the county
        #[arg(long)]
        unconfirmed: bool,
    },
    /// 添加参数层文件（省、县加发）/ add a layer file (a provincial or county top-up)
    Add {
        #[arg(long)]
        file: PathBuf,
    },
}

pub fn run(db: &str, command: ParametersCommand) -> Result<()> {
    let me = crate::cli::operator();
    let store = crate::db::open(db)?;
    match command {
        ParametersCommand::List => {
            let p = layers::effective(&store)?;
            let layers: Vec<_> = p.layers().collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "version": p.version(),
                    "layers": layers,
                }))?
            );
        }
        ParametersCommand::Change {
            key,
            from,
            value,
            reference,
            unconfirmed,
        } => {
            let from = parse_date(&from).map_err(|e| anyhow::anyhow!("--from: {e}"))?;
            let v =
                layers::change_value(&store, &me, &key, from, &value, &reference, !unconfirmed)?;
            println!("第 {v} 版：{key} 自 {from} 起为 {value} / version {v}");
        }
        ParametersCommand::Add { file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("{}", file.display()))?;
            let v = layers::add_layer(&store, &me, &text)
                .with_context(|| format!("{}", file.display()))?;
            println!("第 {v} 版 / version {v}");
        }
    }
    Ok(())
}
