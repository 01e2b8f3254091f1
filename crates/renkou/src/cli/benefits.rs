//! `renkou benefits`: eligibility runs (育儿补贴, 奖励扶助, 特别扶助), attested facts
//! and the month ledger from the terminal.
//!
//! ```sh
//! renkou benefits eligibility --program childcare --region 349901 --year 2025          # JSON to stdout
//! renkou benefits eligibility --program reward --region 349901101 --year 2025 --format xlsx --out reward.xlsx
//! renkou benefits eligibility --program childcare --region 349901 --year 2025 --parameters county.toml --save
//! renkou benefits fact add --person P00000012 --kind household_registration --value 农业 --as-of 2004-01-01 --document "户口簿 第0012号"
//! renkou benefits fact list --person P00000012
//! renkou benefits ledger --person P00000012
//! renkou benefits pay --person P00000012 --program childcare --month 2025-01 --batch 2025-01
//! renkou benefits account add --person P00000012 --holder-name 王某 --holder-id 349901… --account 6217… --bank 某农商银行 --as-of 2025-01-05 --document "银行卡复印件"
//! renkou benefits cycle draft --program childcare --region 349901101 --from 2025-01 --to 2025-06
//! renkou benefits cycle files --id 1 --out 批次1/        # 银行代发 CSV + xlsx, 签字表 xlsx + PDF
//! renkou benefits cycle send --id 1
//! renkou benefits cycle import --id 1 银行结果.xlsx
//! renkou benefits cycle close --id 1
//! ```

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use renkou_benefits::export::{self, Format};
use renkou_benefits::rules::{Layer, Month, Parameters, Program};
use renkou_benefits::runs::{self, Request};
use renkou_benefits::tables::{FactKind, NewFact};
use renkou_benefits::{attest, roster, slots};
use renkou_domain::{parse_date, RegionCode};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum BenefitsCommand {
    /// 资格认定：每个被考虑的人一行 / an eligibility run: one row per person considered
    Eligibility(EligibilityArgs),
    /// 证明事实（户口性质、1973-2001无政策外生育、残疾等级、合法收养）/ attested facts
    Fact {
        #[command(subcommand)]
        command: FactCommand,
    },
    /// 一个人的月台账 / a person's month ledger
    Ledger {
        #[arg(long)]
        person: String,
    },
    /// 名册：申报、审核、公示、审批、异议 / the roster of a saved run: propose, check, notice, approve, objections
    Roster(RosterArgs),
    /// 县级补贴参数：列出、自某日起调整、添加参数层 / the county's parameters: list, change from a day, add a layer
    Parameters {
        #[command(subcommand)]
        command: crate::cli::benefits_parameters::ParametersCommand,
    },
    /// 单位计生待遇：某人某年应得什么、为什么 / an employer's entitlements: what a staff member is owed for a year, and why
    Employer(crate::cli::benefits_employer::EmployerArgs),
    /// 银行账户（证明材料登记）/ bank accounts of beneficiaries, attested
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// 发放批次：编制、文件、报送银行、导入结果、结清 / payment cycles
    Cycle {
        #[command(subcommand)]
        command: super::benefits_cycle::CycleCommand,
    },
    /// 发放一个月份（每月只能发放一次）/ pay one month slot (once)
    Pay {
        #[arg(long)]
        person: String,
        /// childcare | reward | special
        #[arg(long)]
        program: String,
        /// YYYY-MM
        #[arg(long)]
        month: String,
        /// 发放批次 / payment batch
        #[arg(long)]
        batch: String,
    },
}

#[derive(Args)]
pub struct EligibilityArgs {
    /// childcare（育儿补贴）| reward（奖励扶助）| special（特别扶助）
    #[arg(long)]
    program: String,
    /// 区划代码（6、9 或 12 位）/ region code (6, 9 or 12 digits)
    #[arg(long)]
    region: String,
    /// 年度 / year
    #[arg(long)]
    year: i32,
    /// json | csv | xlsx
    #[arg(long, default_value = "json")]
    format: String,
    /// 输出文件（默认标准输出；xlsx 必须指定）/ output file (default stdout; required for xlsx)
    #[arg(long)]
    out: Option<PathBuf>,
    /// 县级参数层（TOML，可多次），叠加在国家基线上 / county parameter layers (TOML, repeatable) over the national baseline
    #[arg(long)]
    parameters: Vec<PathBuf>,
    /// 保存认定批次并写入月台账 / save the run and take its slots into the month ledger
    #[arg(long)]
    save: bool,
}

#[derive(Args)]
pub struct RosterArgs {
    /// propose | check | notice | approve | object | resolve | show | print
    step: String,
    /// 认定批次编号（--save 时显示）/ the saved run's id
    #[arg(long)]
    run: i64,
    /// 区划（默认：批次的区划）/ area (default: the run's)
    #[arg(long)]
    region: Option<String>,
    /// 公示起始日 / first day of the notice (notice)
    #[arg(long)]
    from: Option<String>,
    /// 公示天数 / days of the notice (notice)
    #[arg(long, default_value_t = 7)]
    days: u32,
    /// 人员编号（object、resolve）/ person number (object, resolve)
    #[arg(long)]
    person: Option<String>,
    /// 异议内容或处理理由 / the objection, or the reason of the resolution
    #[arg(long)]
    text: Option<String>,
    /// 异议成立，撤回该人（resolve）/ the objection is upheld: withdraw the person (resolve)
    #[arg(long)]
    upheld: bool,
}

pub use super::benefits_cycle::AccountCommand;

#[derive(Subcommand)]
pub enum FactCommand {
    /// 记录一项证明事实 / record an attested fact
    Add {
        /// 人员编号（残疾、收养记在子女名下）/ person number (disability and adoption: the child's)
        #[arg(long)]
        person: String,
        /// household_registration | no_out_of_policy_birth | disability | legal_adoption
        #[arg(long)]
        kind: String,
        /// agricultural/non_agricultural（农业/非农业）; 残疾等级 1-4; yes
        #[arg(long, default_value = "yes")]
        value: String,
        /// 事实成立的日期 / the day the fact holds from (YYYY-MM-DD)
        #[arg(long)]
        as_of: String,
        /// 证明文件名称和编号 / the document: title and number
        #[arg(long)]
        document: String,
    },
    /// 列出一个人的证明事实 / list a person's attested facts
    List {
        #[arg(long)]
        person: String,
    },
}

fn program_arg(s: &str) -> Result<Program> {
    Program::parse(s).ok_or_else(|| {
        anyhow!("--program 应为 childcare、reward 或 special / --program must be childcare, reward or special")
    })
}

/// The county's parameters (the national baseline and the layers stored in the
/// database) with the given layer files on top, in order.
fn parameters(store: &renkou_store::Store, files: &[PathBuf]) -> Result<Parameters> {
    let mut p = renkou_benefits::layers::effective(store)?;
    for f in files {
        let text = std::fs::read_to_string(f).with_context(|| format!("{}", f.display()))?;
        let layer =
            Layer::from_toml(&text, Some(&p)).map_err(|e| anyhow!("{}: {e}", f.display()))?;
        p = p.with(layer).map_err(|e| anyhow!("{}: {e}", f.display()))?;
    }
    Ok(p)
}

pub fn run(db: &str, command: BenefitsCommand) -> Result<()> {
    let me = crate::cli::operator();
    match command {
        BenefitsCommand::Eligibility(a) => {
            let program = program_arg(&a.program)?;
            let area = RegionCode::parse_prefix(&a.region).map_err(|e| anyhow!("--region: {e}"))?;
            let format = Format::parse(&a.format).ok_or_else(|| {
                anyhow!("--format 应为 json、csv 或 xlsx / --format must be json, csv or xlsx")
            })?;
            if format == Format::Xlsx && a.out.is_none() {
                bail!("xlsx 需要 --out 文件 / --format xlsx needs --out FILE");
            }
            let store = crate::db::open(db)?;
            let params = parameters(&store, &a.parameters)?;
            let req = Request {
                program,
                area,
                year: a.year,
            };
            let computed = runs::compute(&store, &me, &req, &params)?;
            if a.save {
                let id = runs::save(&store, &me, &computed)?;
                eprintln!("已保存认定批次 {id} / saved eligibility run {id}");
            }
            let rows: Vec<_> = computed.run.rows().collect();
            match &a.out {
                Some(path) => {
                    export::write_file(&rows, path, format)?;
                    eprintln!(
                        "{}：考虑 {} 人，符合 {} 人，合计 {} 元；已写出 {} / considered {}, eligible {}, total {} yuan; wrote {}",
                        program.name_zh(),
                        rows.len(),
                        computed.run.eligible().count(),
                        computed.run.total(),
                        path.display(),
                        rows.len(),
                        computed.run.eligible().count(),
                        computed.run.total(),
                        path.display()
                    );
                }
                None => {
                    let out = std::io::BufWriter::new(std::io::stdout().lock());
                    match format {
                        Format::Json => export::write_json(&rows, out)?,
                        Format::Csv => export::write_csv(&rows, out)?,
                        Format::Xlsx => unreachable!("checked above"),
                    }
                }
            }
        }
        BenefitsCommand::Fact { command } => {
            let store = crate::db::open(db)?;
            match command {
                FactCommand::Add {
                    person,
                    kind,
                    value,
                    as_of,
                    document,
                } => {
                    let kind = FactKind::parse(&kind).ok_or_else(|| {
                        anyhow!("--kind 应为 household_registration、no_out_of_policy_birth、disability 或 legal_adoption / unknown kind")
                    })?;
                    let as_of = parse_date(&as_of).map_err(|e| anyhow!("--as-of: {e}"))?;
                    let id = attest::record_fact(
                        &store,
                        &me,
                        &NewFact {
                            person_no: person.clone(),
                            kind,
                            value,
                            as_of,
                            document,
                        },
                    )?;
                    println!(
                        "已记录证明事实 {id}（人员 {person}，{}）/ attested fact {id} recorded",
                        kind.name_zh()
                    );
                }
                FactCommand::List { person } => {
                    let facts = attest::facts_of(&store, &me, &person)?
                        .ok_or_else(|| anyhow!("找不到人员 {person} / no person {person}"))?;
                    println!("{}", serde_json::to_string_pretty(&facts)?);
                }
            }
        }
        BenefitsCommand::Ledger { person } => {
            let store = crate::db::open(db)?;
            let slots = slots::ledger_of(&store, &me, &person)?
                .ok_or_else(|| anyhow!("找不到人员 {person} / no person {person}"))?;
            println!("{}", serde_json::to_string_pretty(&slots)?);
        }
        BenefitsCommand::Roster(a) => roster_step(db, &me, a)?,
        BenefitsCommand::Employer(a) => crate::cli::benefits_employer::run(&a)?,
        BenefitsCommand::Parameters { command } => {
            crate::cli::benefits_parameters::run(db, command)?
        }
        BenefitsCommand::Account { command } => super::benefits_cycle::account(db, &me, command)?,
        BenefitsCommand::Cycle { command } => super::benefits_cycle::run(db, &me, command)?,
        BenefitsCommand::Pay {
            person,
            program,
            month,
            batch,
        } => {
            let program = program_arg(&program)?;
            let month = Month::parse(&month).map_err(|e| anyhow!("--month: {e}"))?;
            let store = crate::db::open(db)?;
            let amount = slots::pay(&store, &me, &person, program, month, &batch)?;
            println!(
                "已发放 {person} {} {month}：{amount} 元（批次 {batch}）/ paid {amount} yuan",
                program.name_zh()
            );
        }
    }
    Ok(())
}

fn roster_step(db: &str, me: &renkou_store::Actor, a: RosterArgs) -> Result<()> {
    let store = crate::db::open(db)?;
    let run = runs::run_in_scope(&store, me, a.run)?
        .ok_or_else(|| anyhow!("找不到认定批次 {} / no eligibility run {}", a.run, a.run))?;
    let area = match &a.region {
        Some(r) => RegionCode::parse_prefix(r).map_err(|e| anyhow!("--region: {e}"))?,
        None => RegionCode::parse(&run.region_code)?,
    };
    let person = || {
        a.person
            .clone()
            .ok_or_else(|| anyhow!("需要 --person / --person is required"))
    };
    let text = || {
        a.text
            .clone()
            .ok_or_else(|| anyhow!("需要 --text / --text is required"))
    };
    let n = match a.step.as_str() {
        "propose" => roster::propose(&store, me, &run, &area)?,
        "check" => roster::check(&store, me, &run, &area)?,
        "notice" => {
            let from = a
                .from
                .as_deref()
                .ok_or_else(|| anyhow!("需要 --from / --from is required"))?;
            let from = parse_date(from).map_err(|e| anyhow!("--from: {e}"))?;
            roster::start_notice(&store, me, &run, &area, from, a.days)?
        }
        "approve" => roster::approve(&store, me, &run, &area, chrono::Local::now().date_naive())?,
        "object" => {
            roster::object(&store, me, &run, &person()?, &text()?)?;
            1
        }
        "resolve" => {
            roster::resolve(&store, me, &run, &person()?, &text()?, a.upheld)?;
            1
        }
        "show" => {
            println!("{}", serde_json::to_string_pretty(&roster::roster(&store, me, &run, &area)?)?);
            return Ok(());
        }
        "print" => {
            println!("{}", serde_json::to_string_pretty(&roster::notice(&store, me, &run, &area)?)?);
            return Ok(());
        }
        s => bail!("未知的步骤 {s}（propose、check、notice、approve、object、resolve、show、print）/ unknown step"),
    };
    println!("已处理 {n} 条 / {n} rows");
    Ok(())
}
