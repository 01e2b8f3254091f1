//! The command line: `renkou init | regions | import | export | demo | serve | …`.

pub mod benefits;
pub mod benefits_cycle;
pub mod benefits_employer;
pub mod benefits_parameters;
pub mod indicators;
pub mod linkage;
pub mod reconciliation;
pub mod registrations;
pub mod reports;
pub mod roster;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use renkou_domain::RegionCode;
use renkou_interchange::write::OutFormat;
use renkou_register::AppError;
use renkou_store::{Actor, ImportOptions, ImportReport};
use std::path::PathBuf;
use std::process::ExitCode;

/// How many row errors are printed to the terminal; the full list goes to a file.
const MAX_PRINTED_ERRORS: usize = 1000;

#[derive(Parser)]
#[command(
    name = "renkou",
    version,
    about = "人口与家庭服务信息系统 / population and family-services information system"
)]
struct Cli {
    /// 数据库：SQLite 文件路径，或 postgres://… / database: a SQLite file path or a postgres:// URL
    #[arg(
        long,
        global = true,
        env = "RENKOU_DATABASE_URL",
        default_value = "renkou.db"
    )]
    database: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 创建或升级数据库 / create or upgrade the database
    Init,
    /// 区划 / the region tree
    Regions {
        #[command(subcommand)]
        command: RegionsCommand,
    },
    /// 导入人员或出生记录 / import persons or source births
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// 导出 / export
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// 生成演示县并载入数据库 / generate a synthetic demo county and load it
    Demo(DemoArgs),
    /// 启动网页服务 / serve the web UI
    Serve(ServeArgs),
    /// 一键启动：建库、载入演示县（若为空）、启动网页 / set up and serve in one step
    Up {
        #[command(flatten)]
        demo: DemoArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// 核对：现状表等于事件折叠结果 / verify that current state equals the fold of events
    Verify,
    /// 数据质量待核清单 / the data-quality list
    Quality {
        #[arg(long)]
        region: String,
    },
    /// 账户 / accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// 审计日志 / the audit log
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// 匹配两个文件（出生或人员）/ link two files (births or persons), no database
    Link(crate::cli::linkage::LinkArgs),
    /// 查找一个文件内的重复记录 / find duplicates within one file, no database
    Dedupe(crate::cli::linkage::DedupeArgs),
    /// 指标 / indicators of indicators.md for a region and period
    Indicators(crate::cli::indicators::IndicatorsArgs),
    /// 出生记录来源（医院、户籍、村台帐）/ sources of births (hospital, hukou, ledger)
    Source {
        #[command(subcommand)]
        command: crate::cli::reconciliation::SourceCommand,
    },
    /// 核对来源与登记 / reconcile a source against the register
    Reconcile(crate::cli::reconciliation::ReconcileArgs),
    /// 核对的准确率与两系统估计 / accuracy and dual-system estimate of a reconciliation
    Accuracy(crate::cli::reconciliation::AccuracyArgs),
    /// 扶助与补贴：资格认定、证明事实、月台账 / benefits: eligibility, attested facts, the month ledger
    Benefits {
        #[command(subcommand)]
        command: crate::cli::benefits::BenefitsCommand,
    },
    /// 报告：报表、目标差距表、工作总结、数据质量报告及其档案 / reports and their archive
    Report {
        #[command(subcommand)]
        command: crate::cli::reports::ReportCommand,
    },
    /// 生育登记与独生子女父母光荣证 / birth registrations and only-child parents' certificates
    Registrations {
        #[command(subcommand)]
        command: crate::cli::registrations::RegistrationsCommand,
    },
    /// 性能测试 / benchmarks
    Bench {
        #[command(subcommand)]
        what: crate::bench::BenchWhat,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// 新建账户（首次登录须改密码）/ add an account (the password must be changed at first login)
    Add {
        username: String,
        /// county_admin | county_statistician | township_staff | village_worker
        #[arg(long)]
        role: String,
        /// 账户范围：区划代码 / the account's area: a region code
        #[arg(long)]
        region: String,
        #[arg(long)]
        display_name: Option<String>,
        /// 初始密码；缺省从环境变量 RENKOU_PASSWORD 读取 / initial password (default: $RENKOU_PASSWORD)
        #[arg(long, env = "RENKOU_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// 重设密码（首次登录须再改）/ reset a password (to be changed at next login)
    Passwd {
        username: String,
        #[arg(long, env = "RENKOU_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// 停用账户 / disable an account
    Disable { username: String },
    /// 启用账户 / enable an account again
    Enable { username: String },
    /// 列出账户 / list accounts
    List,
    /// 为账户创建 API 令牌（只显示一次）/ create an API token for an account (shown once)
    Token {
        username: String,
        #[arg(long, default_value = "api")]
        name: String,
        /// 有效天数 / days the token lives
        #[arg(long, default_value_t = renkou_register::accounts::TOKEN_DAYS)]
        days: i64,
    },
    /// 列出账户的 API 令牌 / list an account's API tokens
    Tokens { username: String },
    /// 撤销一个 API 令牌 / revoke one API token
    RevokeToken { username: String, id: i64 },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 校验哈希链（可对照先前保存的检查点）/ check the chain (against a checkpoint saved earlier)
    Verify {
        /// 先前由 `renkou audit checkpoint` 写出的文件 / a file written earlier by `renkou audit checkpoint`
        #[arg(long)]
        checkpoint: Option<PathBuf>,
    },
    /// 写出已签名的检查点（请保存在本机以外）/ write a signed checkpoint of the chain's head (keep it off this machine)
    Checkpoint {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum RegionsCommand {
    /// 导入区划文件 regions.csv/xlsx / import a regions file
    Import {
        file: PathBuf,
        #[arg(long)]
        sheet: Option<String>,
    },
    /// 导出区划 / export the region tree
    Export {
        #[arg(long)]
        region: String,
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Args, Clone)]
struct ImportArgs {
    file: PathBuf,
    /// xlsx 工作表名 / xlsx sheet name (default: first sheet)
    #[arg(long)]
    sheet: Option<String>,
    /// 跳过错误行，写入 FILE.rejected.csv / load good rows, write bad ones to FILE.rejected.csv
    #[arg(long)]
    skip_invalid: bool,
    /// 只检查，不写入 / check the whole file, write nothing
    #[arg(long)]
    dry_run: bool,
    /// 用文件中的值覆盖上次导入后在系统中做的修改（默认保留并列出）/ let the file's values replace edits made in the register since the last import (by default they are kept and listed)
    #[arg(long)]
    overwrite_newer: bool,
}

#[derive(Subcommand)]
enum ImportWhat {
    /// 人员 persons.csv/xlsx，或村里自己的花名册（无人员编号时用 --village 指定所属村）/ persons, or a village's own roster (with --village)
    Persons {
        #[command(flatten)]
        args: ImportArgs,
        /// 花名册所属村的区划代码 / the village a roster belongs to (region code)
        #[arg(long)]
        village: Option<String>,
    },
    /// 出生记录 births.csv/xlsx
    Births {
        #[command(flatten)]
        args: ImportArgs,
        /// 来源名称，如 医院出生医学证明 / name of the source
        #[arg(long)]
        source: String,
    },
}

#[derive(Subcommand)]
enum ExportWhat {
    /// 人员 / persons in the interchange format
    Persons {
        /// 区划代码（6、9 或 12 位）/ region code (6, 9 or 12 digits)
        #[arg(long)]
        region: String,
        #[arg(long, default_value = "csv")]
        format: String,
        /// 输出文件 / output file (default persons-<region>.<format>)
        #[arg(long)]
        out: Option<PathBuf>,
        /// 中文表头 / Chinese headers
        #[arg(long)]
        zh_headers: bool,
    },
}

#[derive(Args, Clone)]
pub struct DemoArgs {
    /// 人数 / number of persons
    #[arg(long, default_value_t = 20_000)]
    pub persons: usize,
    /// 随机种子 / seed (same seed, same county)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 另写出 regions.csv 和 persons.csv 到此目录 / also write regions.csv and persons.csv here
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 只写文件，不载入数据库 / write the files only, do not load the database
    #[arg(long)]
    pub files_only: bool,
}

#[derive(Args, Clone)]
pub struct ServeArgs {
    /// 监听地址 / address to listen on
    #[arg(long, default_value = "127.0.0.1:8080", env = "RENKOU_LISTEN")]
    pub listen: String,
}

pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RENKOU_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(1)
        }
    }
}

fn report(e: &anyhow::Error) {
    // The register's and reconciliation's imports refuse rows alike.
    let rows = match (
        e.downcast_ref::<AppError>(),
        e.downcast_ref::<renkou_reconciliation::Error>(),
    ) {
        (Some(AppError::InvalidRows { file, errors }), _)
        | (_, Some(renkou_reconciliation::Error::InvalidRows { file, errors })) => {
            Some((file, errors))
        }
        _ => None,
    };
    if let Some((file, errors)) = rows {
        for err in errors.iter().take(MAX_PRINTED_ERRORS) {
            eprintln!("{err}");
        }
        if errors.len() > MAX_PRINTED_ERRORS {
            let path = PathBuf::from(format!("{file}.errors.txt"));
            let all: String = errors.iter().map(|e| format!("{e}\n")).collect();
            match std::fs::write(&path, all) {
                Ok(()) => eprintln!(
                    "……另有 {} 处错误，完整清单见 {} / … {} more errors, full list in {}",
                    errors.len() - MAX_PRINTED_ERRORS,
                    path.display(),
                    errors.len() - MAX_PRINTED_ERRORS,
                    path.display()
                ),
                Err(_) => eprintln!("…… {} more", errors.len() - MAX_PRINTED_ERRORS),
            }
        }
        eprintln!("错误 / error: {e}");
        return;
    }
    eprintln!("错误 / error: {e:#}");
}

/// Who writes from the command line: the machine's operator, unrestricted.
pub(crate) fn operator() -> Actor {
    Actor::operator(format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    ))
}

fn region_arg(s: &str) -> Result<RegionCode> {
    RegionCode::parse_prefix(s).map_err(|e| anyhow::anyhow!("--region: {e}"))
}

fn format_arg(s: &str) -> Result<OutFormat> {
    OutFormat::parse(s)
        .ok_or_else(|| anyhow::anyhow!("--format 应为 csv 或 xlsx / --format must be csv or xlsx"))
}

fn print_report(r: &ImportReport) {
    let c = &r.counts;
    println!(
        "{}: 读取 {} 行，新增 {}，未变 {}，更正 {}，事件 {}，待核质量问题 {} / read {}, new {}, unchanged {}, corrected {}, events {}, quality issues {}",
        r.file, c.read, c.new, c.unchanged, c.corrected, c.events, c.quality_issues,
        c.read, c.new, c.unchanged, c.corrected, c.events, c.quality_issues
    );
    if !r.extra_columns.is_empty() {
        println!(
            "保留了未知列 / kept unknown columns: {}",
            r.extra_columns.join(", ")
        );
    }
    if let Some(p) = &r.rejected_file {
        println!(
            "跳过 {} 行，原因见 {} / skipped {} rows, reasons in {}",
            r.rejected_rows,
            p.display(),
            r.rejected_rows,
            p.display()
        );
    }
}

fn run(cli: Cli) -> Result<()> {
    let db = cli.database.clone();
    let opts = |a: &ImportArgs| ImportOptions {
        sheet: a.sheet.clone(),
        skip_invalid: a.skip_invalid,
        dry_run: a.dry_run,
        actor: operator(),
        overwrite_newer: a.overwrite_newer,
    };
    match cli.command {
        Command::Init => {
            let (store, applied) = crate::db::init(&db)?;
            if applied.is_empty() {
                println!("数据库已是最新 / database {} is up to date", store.location);
            } else {
                println!(
                    "已创建/升级数据库 {}（{}） / database ready, applied {}",
                    store.location,
                    store.backend().name(),
                    applied.join(", ")
                );
            }
        }
        Command::Regions { command } => match command {
            RegionsCommand::Import { file, sheet } => {
                let store = crate::db::open(&db)?;
                let (c, n) = renkou_register::import::import_regions(
                    &store,
                    &file,
                    &ImportOptions {
                        sheet,
                        ..ImportOptions::by(operator())
                    },
                )?;
                println!(
                    "{}: {n} 个区划，新增 {}，变更 {}，未变 {} / {n} regions: {} new, {} changed, {} unchanged",
                    file.display(), c.new, c.changed, c.unchanged, c.new, c.changed, c.unchanged
                );
            }
            RegionsCommand::Export {
                region,
                format,
                out,
            } => {
                let store = crate::db::open(&db)?;
                let region = region_arg(&region)?;
                let format = format_arg(&format)?;
                let out = out.unwrap_or_else(|| {
                    PathBuf::from(format!("regions-{}.{}", region.prefix(), ext(format)))
                });
                let n = renkou_register::export::export_regions(&store, &region, &out, format)?;
                println!(
                    "已导出 {n} 个区划到 {} / exported {n} regions",
                    out.display()
                );
            }
        },
        Command::Import { what } => {
            let store = crate::db::open(&db)?;
            let bar = crate::progress::Bar::new();
            let dry_run = match &what {
                ImportWhat::Persons { args, .. } => args.dry_run,
                ImportWhat::Births { args, .. } => args.dry_run,
            };
            let report = match what {
                ImportWhat::Persons { args, village } => {
                    if village.is_some()
                        || renkou_register::roster::is_roster(&args.file, args.sheet.as_deref())
                    {
                        return roster::import(&store, &args.file, args.sheet, village, dry_run);
                    }
                    renkou_register::import::import_persons(&store, &args.file, &opts(&args), &bar)?
                }
                ImportWhat::Births { args, source } => {
                    let i = renkou_reconciliation::sources::import_births_as(
                        &store,
                        &args.file,
                        &source,
                        &opts(&args),
                        &bar,
                        None,
                    )?;
                    // How many records were kept as written, per flag.
                    reconciliation::print_flagged_counts(&i);
                    i.report
                }
            };
            print_report(&report);
            if dry_run {
                println!("（仅检查，未写入 / checked only, nothing written）");
            }
        }
        Command::Export { what } => match what {
            ExportWhat::Persons {
                region,
                format,
                out,
                zh_headers,
            } => {
                let store = crate::db::open(&db)?;
                let region = region_arg(&region)?;
                let format = format_arg(&format)?;
                let out = out.unwrap_or_else(|| {
                    PathBuf::from(format!("persons-{}.{}", region.prefix(), ext(format)))
                });
                let bar = crate::progress::Bar::new();
                let n = renkou_register::export::export_persons(
                    &store, &region, &out, format, zh_headers, &bar,
                )?;
                println!(
                    "已导出 {n} 人到 {} / exported {n} persons to {}",
                    out.display(),
                    out.display()
                );
            }
        },
        Command::Demo(args) => demo(&db, &args)?,
        Command::Serve(args) => {
            let store = crate::db::open(&db)?;
            crate::web::serve(store, &args.listen)?;
        }
        Command::Up { demo: d, serve } => {
            let (store, _) = crate::db::init(&db)?;
            if store.counts()?.persons == 0 {
                drop(store);
                demo(&db, &d)?;
            } else {
                println!("数据库已有数据，跳过演示县 / the register has data; demo skipped");
            }
            let store = crate::db::open(&db)?;
            crate::web::serve(store, &serve.listen)?;
        }
        Command::Verify => {
            let store = crate::db::open(&db)?;
            let n = renkou_store::verify::verify_register(&store)?;
            println!("核对通过：{n} 人的现状与事件一致 / verified: the current state of {n} persons equals the fold of their events");
        }
        Command::Quality { region } => {
            let store = crate::db::open(&db)?;
            let region = region_arg(&region)?;
            let scan = renkou_register::quality::scan(&store, &operator(), &region)?;
            println!(
                "按现行规则检查：发现 {} 条，新增到待核清单 {} 条 / checked against the rules: {} found, {} newly listed",
                scan.found.len(),
                scan.added,
                scan.found.len(),
                scan.added
            );
            let issues = renkou_register::quality::open_issues(&store, &region)?;
            for q in &issues {
                println!(
                    "{}\t{}\t{}",
                    q.issue.person_no,
                    q.issue.kind.as_str(),
                    q.issue.message
                );
            }
            println!("共 {} 条待核 / {} open issues", issues.len(), issues.len());
        }
        Command::User { command } => user(&db, command)?,
        Command::Audit { command } => match command {
            AuditCommand::Verify { checkpoint } => {
                let store = crate::db::open(&db)?;
                let result = match &checkpoint {
                    Some(path) => {
                        let text = std::fs::read_to_string(path)
                            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                        let cp: renkou_store::audit::Checkpoint = serde_json::from_str(&text)
                            .map_err(|e| {
                                anyhow::anyhow!(
                                    "{}: 不是检查点文件 / not a checkpoint file: {e}",
                                    path.display()
                                )
                            })?;
                        store.verify_audit_against(&cp)?
                    }
                    None => store.verify_audit()?,
                };
                match result {
                    Ok(h) => {
                        println!(
                            "审计日志完整：{} 条（其中 {} 条为启用密钥前的记录），末条 #{}，哈希 {} / audit log intact: {} entries ({} from before the audit key), last #{}, hash {}",
                            h.entries, h.unkeyed, h.seq, h.hash, h.entries, h.unkeyed, h.seq, h.hash
                        );
                        if checkpoint.is_some() {
                            println!("与检查点一致 / consistent with the checkpoint");
                        }
                    }
                    Err(b) => anyhow::bail!(
                        "审计日志在第 {} 条处有问题：{} / the audit log fails at entry {}: {}",
                        b.seq,
                        b.reason,
                        b.seq,
                        b.reason
                    ),
                }
            }
            AuditCommand::Checkpoint { out } => {
                let store = crate::db::open(&db)?;
                let cp = store.audit_checkpoint()?.map_err(|b| {
                    anyhow::anyhow!(
                        "审计日志在第 {} 条处断裂，不能签发检查点：{} / the chain is broken at entry {}, no checkpoint: {}",
                        b.seq, b.reason, b.seq, b.reason
                    )
                })?;
                let json = serde_json::to_string_pretty(&cp)?;
                match out {
                    Some(p) => {
                        std::fs::write(&p, format!("{json}\n"))
                            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
                        println!("{}", cp.line());
                        println!("检查点已写入 {}，请保存在本机以外 / checkpoint written; keep it off this machine", p.display());
                    }
                    None => println!("{json}"),
                }
            }
        },
        Command::Link(args) => crate::cli::linkage::link(&args)?,
        Command::Dedupe(args) => crate::cli::linkage::dedupe(&args)?,
        Command::Indicators(args) => crate::cli::indicators::run(&db, &args)?,
        Command::Source { command } => crate::cli::reconciliation::source(&db, command)?,
        Command::Reconcile(args) => crate::cli::reconciliation::reconcile(&db, &args)?,
        Command::Accuracy(args) => crate::cli::reconciliation::accuracy(&db, &args)?,
        Command::Benefits { command } => crate::cli::benefits::run(&db, command)?,
        Command::Report { command } => crate::cli::reports::run(&db, command)?,
        Command::Registrations { command } => crate::cli::registrations::run(&db, command)?,
        Command::Bench { what } => crate::bench::run(what)?,
    }
    Ok(())
}

fn user(db: &str, command: UserCommand) -> Result<()> {
    use renkou_domain::account::Role;
    use renkou_register::accounts;
    let store = crate::db::open(db)?;
    let me = operator();
    match command {
        UserCommand::Add {
            username,
            role,
            region,
            display_name,
            password,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role 应为 county_admin、county_statistician、township_staff 或 village_worker / unknown role")
            })?;
            accounts::check_new_password(&username, &password).or_else(|e| {
                if password == accounts::DEMO_PASSWORD {
                    Ok(())
                } else {
                    Err(e)
                }
            })?;
            let region = region_arg(&region)?;
            let a = accounts::create_account(
                &store,
                &me,
                &username,
                display_name.as_deref().unwrap_or(&username),
                role,
                &region,
                &password,
            )?;
            println!(
                "已新建账户 {}（{}，{}）/ account added",
                a.username,
                a.role.name_zh(),
                a.region
            );
        }
        UserCommand::Passwd { username, password } => {
            accounts::check_new_password(&username, &password)?;
            accounts::reset_password(&store, &me, &username, &password)?;
            println!("已重设 {username} 的密码，下次登录须修改 / password reset; it must be changed at next login");
        }
        UserCommand::Disable { username } => {
            accounts::set_disabled(&store, &me, &username, true)?;
            println!("已停用 {username} / disabled");
        }
        UserCommand::Enable { username } => {
            accounts::set_disabled(&store, &me, &username, false)?;
            println!("已启用 {username} / enabled");
        }
        UserCommand::Token {
            username,
            name,
            days,
        } => {
            let token = accounts::create_token(&store, &me, &username, &name, days)?;
            println!("{token}");
            eprintln!(
                "请妥善保存，此令牌不会再次显示，{days} 天后失效 / keep it safe: it is not shown again, and expires in {days} days"
            );
        }
        UserCommand::Tokens { username } => {
            let a = store
                .account_by_name(&username)?
                .ok_or_else(|| anyhow::anyhow!("没有账户 {username} / no account {username}"))?;
            for t in store.api_tokens(a.id)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.created_at.format("%Y-%m-%d"),
                    t.expires_at.format("%Y-%m-%d"),
                    if t.revoked {
                        "已撤销 / revoked"
                    } else if t.expires_at <= chrono::Utc::now() {
                        "已过期 / expired"
                    } else {
                        "有效 / live"
                    }
                );
            }
        }
        UserCommand::RevokeToken { username, id } => {
            if accounts::revoke_token(&store, &me, &username, id)? {
                println!("已撤销令牌 {id} / token {id} revoked");
            } else {
                anyhow::bail!("{username} 没有有效的令牌 {id} / {username} has no live token {id}");
            }
        }
        UserCommand::List => {
            for a in store.accounts()? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    a.username,
                    a.role.as_str(),
                    a.region,
                    a.display_name,
                    if a.disabled {
                        "\t(停用/disabled)"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    Ok(())
}

fn ext(f: OutFormat) -> &'static str {
    match f {
        OutFormat::Csv => "csv",
        OutFormat::Xlsx => "xlsx",
    }
}

pub fn demo(db: &str, args: &DemoArgs) -> Result<()> {
    let bar = crate::progress::Bar::new();
    let spec = renkou_register::demo::spec(args.persons, args.seed);
    if let Some(dir) = &args.out {
        let (regions, persons) = renkou_register::demo::write_files(&spec, dir, &bar)
            .with_context(|| format!("写入演示文件 / writing demo files to {}", dir.display()))?;
        println!(
            "已写出 {} 和 {} / wrote {} and {}",
            regions.display(),
            persons.display(),
            regions.display(),
            persons.display()
        );
    }
    if args.files_only {
        return Ok(());
    }
    let (store, _) = crate::db::init(db)?;
    let r = renkou_register::demo::load(&store, &spec, &bar)?;
    println!(
        "演示县已载入 {}：{} 个区划，{} 人，{} 户 / demo county loaded: {} regions, {} persons, {} households",
        store.location, r.regions, r.persons, r.households, r.regions, r.persons, r.households
    );
    println!(
        "演示账户（初始密码 {}，首次登录须修改）/ demo accounts (initial password {}, to be changed at first login):",
        renkou_register::accounts::DEMO_PASSWORD,
        renkou_register::accounts::DEMO_PASSWORD
    );
    for (name, role, region) in renkou_register::accounts::demo_accounts(&store)? {
        println!(
            "  {name:<14} {} / {}  {region}",
            role.name_zh(),
            role.as_str()
        );
    }
    Ok(())
}
