//! `renkou benefits employer`: what a staff member is owed by the employer for a
//! year and why (单位计生待遇), from the employer's rule file (default: the fifth
//! seed document's college, shipped with the benefits domain) and the staff
//! member's file (the employer's facts about them; see
//! `renkou_benefits::employer_file`).
//!
//! ```sh
//! renkou benefits employer --staff E-M-01.toml --year 2024                 # text, line by line with reasons
//! renkou benefits employer --staff E-M-01.toml --year 2024 --format json
//! renkou benefits employer --staff E-M-01.toml --year 2024 --rules college.toml
//! ```

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use renkou_benefits::employer_file::{statement_json, StaffFile};
use renkou_benefits::rules::employer::{owed, EmployerRules};
use std::path::PathBuf;

#[derive(Args)]
pub struct EmployerArgs {
    /// 职工档案（TOML 或 JSON）/ the staff member's file (TOML or JSON)
    #[arg(long)]
    staff: PathBuf,
    /// 年度 / year
    #[arg(long)]
    year: i32,
    /// 单位规则文件（默认：第五篇的学院规定）/ the employer's rule file (default: the fifth seed document's)
    #[arg(long)]
    rules: Option<PathBuf>,
    /// text | json
    #[arg(long, default_value = "text")]
    format: String,
}

pub fn run(a: &EmployerArgs) -> Result<()> {
    let rules = match &a.rules {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("{}", p.display()))?;
            EmployerRules::from_toml(&text).map_err(|e| anyhow!("{}: {e}", p.display()))?
        }
        None => EmployerRules::seed(),
    };
    let text =
        std::fs::read_to_string(&a.staff).with_context(|| format!("{}", a.staff.display()))?;
    let employee = StaffFile::parse(&text)
        .and_then(|f| f.employee())
        .map_err(|e| anyhow!("{}: {e}", a.staff.display()))?;
    let statement = owed(&rules, &employee, a.year);
    match a.format.as_str() {
        "text" => println!("{statement}"),
        "json" => println!(
            "{}",
            serde_json::to_string_pretty(&statement_json(&statement))?
        ),
        f => bail!("--format 应为 text 或 json（不是 {f}）/ --format must be text or json"),
    }
    Ok(())
}
