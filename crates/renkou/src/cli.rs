//! The command line: `renkou init | regions | import | export | demo | serve | …`.

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use renkou_app::import::{ImportOptions, ImportReport};
use renkou_app::AppError;
use renkou_domain::RegionCode;
use renkou_interchange::write::OutFormat;
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
    Link(crate::link_cli::LinkArgs),
    /// 查找一个文件内的重复记录 / find duplicates within one file, no database
    Dedupe(crate::link_cli::DedupeArgs),
    /// 指标 / indicators of indicators.md for a region and period
    Indicators(crate::indicators_cli::IndicatorsArgs),
    /// 出生记录来源（医院、户籍、村台帐）/ sources of births (hospital, hukou, ledger)
    Source {
        #[command(subcommand)]
        command: crate::reconcile_cli::SourceCommand,
    },
    /// 核对来源与登记 / reconcile a source against the register
    Reconcile(crate::reconcile_cli::ReconcileArgs),
    /// 核对的准确率与两系统估计 / accuracy and dual-system estimate of a reconciliation
    Accuracy(crate::reconcile_cli::AccuracyArgs),
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
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 校验哈希链 / check the hash chain
    Verify,
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
}

#[derive(Subcommand)]
enum ImportWhat {
    /// 人员 persons.csv/xlsx
    Persons(ImportArgs),
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
    if let Some(AppError::InvalidRows { file, errors }) = e.downcast_ref::<AppError>() {
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

fn recorded_by() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
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
        recorded_by: recorded_by(),
        dry_run: a.dry_run,
        scope: None,
    };
    match cli.command {
        Command::Init => {
            let (store, applied) = renkou_app::init(&db)?;
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
                let store = renkou_app::open(&db)?;
                let (c, n) = renkou_app::import::import_regions(
                    &store,
                    &file,
                    &ImportOptions {
                        sheet,
                        recorded_by: recorded_by(),
                        ..Default::default()
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
                let store = renkou_app::open(&db)?;
                let region = region_arg(&region)?;
                let format = format_arg(&format)?;
                let out = out.unwrap_or_else(|| {
                    PathBuf::from(format!("regions-{}.{}", region.prefix(), ext(format)))
                });
                let n = renkou_app::export::export_regions(&store, &region, &out, format)?;
                println!(
                    "已导出 {n} 个区划到 {} / exported {n} regions",
                    out.display()
                );
            }
        },
        Command::Import { what } => {
            let store = renkou_app::open(&db)?;
            let bar = crate::progress::Bar::new();
            let dry_run = match &what {
                ImportWhat::Persons(a) => a.dry_run,
                ImportWhat::Births { args, .. } => args.dry_run,
            };
            let report = match what {
                ImportWhat::Persons(a) => {
                    renkou_app::import::import_persons(&store, &a.file, &opts(&a), &bar)?
                }
                ImportWhat::Births { args, source } => renkou_app::import::import_births(
                    &store,
                    &args.file,
                    &source,
                    &opts(&args),
                    &bar,
                )?,
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
                let store = renkou_app::open(&db)?;
                let region = region_arg(&region)?;
                let format = format_arg(&format)?;
                let out = out.unwrap_or_else(|| {
                    PathBuf::from(format!("persons-{}.{}", region.prefix(), ext(format)))
                });
                let bar = crate::progress::Bar::new();
                let n = renkou_app::export::export_persons(
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
            let store = renkou_app::open(&db)?;
            crate::web::serve(store, &args.listen)?;
        }
        Command::Up { demo: d, serve } => {
            let (store, _) = renkou_app::init(&db)?;
            if store.counts()?.persons == 0 {
                drop(store);
                demo(&db, &d)?;
            } else {
                println!("数据库已有数据，跳过演示县 / the register has data; demo skipped");
            }
            let store = renkou_app::open(&db)?;
            crate::web::serve(store, &serve.listen)?;
        }
        Command::Verify => {
            let store = renkou_app::open(&db)?;
            let n = renkou_app::verify::verify_register(&store)?;
            println!("核对通过：{n} 人的现状与事件一致 / verified: the current state of {n} persons equals the fold of their events");
        }
        Command::Quality { region } => {
            let store = renkou_app::open(&db)?;
            let region = region_arg(&region)?;
            let issues = store.quality_issues(&region)?;
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
            AuditCommand::Verify => {
                let store = renkou_app::open(&db)?;
                match store.verify_audit()? {
                    Ok((n, head)) => println!(
                        "审计日志完整：{n} 条，末条哈希 {head} / audit log intact: {n} entries, head hash {head}"
                    ),
                    Err(b) => anyhow::bail!(
                        "审计日志在第 {} 条处断裂：{} / the audit log is broken at entry {}: {}",
                        b.seq,
                        b.reason,
                        b.seq,
                        b.reason
                    ),
                }
            }
        },
        Command::Link(args) => crate::link_cli::link(&args)?,
        Command::Dedupe(args) => crate::link_cli::dedupe(&args)?,
        Command::Indicators(args) => crate::indicators_cli::run(&db, &args)?,
        Command::Source { command } => crate::reconcile_cli::source(&db, command)?,
        Command::Reconcile(args) => crate::reconcile_cli::reconcile(&db, &args)?,
        Command::Accuracy(args) => crate::reconcile_cli::accuracy(&db, &args)?,
        Command::Bench { what } => crate::bench::run(what)?,
    }
    Ok(())
}

fn user(db: &str, command: UserCommand) -> Result<()> {
    use renkou_app::accounts;
    use renkou_domain::account::Role;
    let store = renkou_app::open(db)?;
    let find = |name: &str| -> Result<renkou_store::accounts::Account> {
        store
            .account_by_name(name)?
            .ok_or_else(|| anyhow::anyhow!("没有账户 {name} / no account {name}"))
    };
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
            let a = accounts::add_user(
                &store,
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
            let a = find(&username)?;
            accounts::check_new_password(&username, &password)?;
            store.set_password(a.id, &accounts::hash_password(&password)?, true)?;
            println!("已重设 {username} 的密码，下次登录须修改 / password reset; it must be changed at next login");
        }
        UserCommand::Disable { username } => {
            store.set_disabled(find(&username)?.id, true)?;
            println!("已停用 {username} / disabled");
        }
        UserCommand::Enable { username } => {
            store.set_disabled(find(&username)?.id, false)?;
            println!("已启用 {username} / enabled");
        }
        UserCommand::Token { username, name } => {
            let a = find(&username)?;
            let mut b = [0u8; 32];
            rand::Rng::fill(&mut rand::rng(), &mut b);
            let token: String = b.iter().map(|x| format!("{x:02x}")).collect();
            store.create_api_token(a.id, &name, &token)?;
            println!("{token}");
            eprintln!("请妥善保存，此令牌不会再次显示 / keep it safe: it is not shown again");
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
    let spec = renkou_app::demo::spec(args.persons, args.seed);
    if let Some(dir) = &args.out {
        let (regions, persons) = renkou_app::demo::write_files(&spec, dir, &bar)
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
    let (store, _) = renkou_app::init(db)?;
    let r = renkou_app::demo::load(&store, &spec, &bar)?;
    println!(
        "演示县已载入 {}：{} 个区划，{} 人，{} 户 / demo county loaded: {} regions, {} persons, {} households",
        store.location, r.regions, r.persons, r.households, r.regions, r.persons, r.households
    );
    println!(
        "演示账户（初始密码 {}，首次登录须修改）/ demo accounts (initial password {}, to be changed at first login):",
        renkou_app::accounts::DEMO_PASSWORD,
        renkou_app::accounts::DEMO_PASSWORD
    );
    for (name, role, region) in renkou_app::accounts::demo_accounts(&store)? {
        println!(
            "  {name:<14} {} / {}  {region}",
            role.name_zh(),
            role.as_str()
        );
    }
    Ok(())
}
