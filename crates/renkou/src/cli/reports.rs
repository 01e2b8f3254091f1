//! `renkou report`: the reports of renkou-reports from the command line, made from
//! the register's figures (the same source as the web pages), archived with the
//! register version they were computed from.
//!
//! ```sh
//! renkou report summary --region 349901 --period 2024 --format docx --out 总结.docx
//! renkou report statistical --region 349901101 --period 2024Q3 --format xlsx --out 报表.xlsx
//! renkou report gaps --region 349901 --period 2024 --format pdf --out 差距.pdf --as-of 1234
//! renkou report archive                        # the archive, newest first
//! renkou report get 7 --out 7.docx             # an archived file
//! renkou report regenerate 7 --out again.docx  # the same report as of its version
//! renkou report template summary --show        # the template in use
//! renkou report template summary --set mine.txt
//! renkou report submit 7 / renkou report receive 7
//! renkou report schedule add statistical --region 349901101 --every monthly --day 5 \
//!     --to role:township_staff@349901101 --to user:wang
//! renkou report schedule list / renkou report schedule remove 3
//! renkou report run-due [--today 2026-02-05]    # what the server does every minute
//! ```

use anyhow::{anyhow, Context, Result};
use clap::{Args, Subcommand};
use renkou_indicators::figures::StatCache;
use renkou_reports::archive;
use renkou_reports::{templates, Format, Kind, Request};
use renkou_web::reports::RegisterFigures;
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct GenerateArgs {
    /// 区划代码（6、9 或 12 位）/ region code (6, 9 or 12 digits)
    #[arg(long)]
    pub region: String,
    /// 期间：2024、2024Q3 或 2024-09 / period: 2024, 2024Q3 or 2024-09
    #[arg(long)]
    pub period: String,
    /// 格式：docx、pdf 或 xlsx / format: docx, pdf or xlsx
    #[arg(long, default_value = "docx")]
    pub format: String,
    /// 输出文件 / output file
    #[arg(long)]
    pub out: PathBuf,
    /// 按登记版本（事件编号）重算 / compute as the register stood after this event number
    #[arg(long)]
    pub as_of: Option<i64>,
}

#[derive(Subcommand, Clone, Debug)]
pub enum ReportCommand {
    /// 人口统计报表 / the statistical form (births by sex and order, deaths, moves, rates)
    Statistical(GenerateArgs),
    /// 目标差距表 / target · actual · gap
    Gaps(GenerateArgs),
    /// 工作总结 / the work summary
    Summary(GenerateArgs),
    /// 数据质量报告 / the data-quality report
    Quality(GenerateArgs),
    /// 报告档案 / the archive of generated reports
    Archive {
        /// 以 JSON 输出 / print JSON
        #[arg(long)]
        json: bool,
    },
    /// 取出存档的报告文件 / write an archived report's file
    Get {
        id: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// 按存档时的登记版本重新生成 / make an archived report again as of its version
    Regenerate {
        id: i64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 报告模板：显示或保存新版本 / show a template or save a new version of it
    Template {
        kind: String,
        /// 显示当前模板 / print the template in use
        #[arg(long, conflicts_with = "set")]
        show: bool,
        /// 保存此文件为新版本 / save this file as its new version
        #[arg(long)]
        set: Option<PathBuf>,
    },
    /// 报送（草稿 → 已报送）/ submit (drafted → submitted)
    Submit { id: i64 },
    /// 接收（已报送 → 县已接收）/ receive (submitted → received)
    Receive { id: i64 },
    /// 定时报告 / report schedules
    Schedule {
        #[command(subcommand)]
        command: ScheduleCommand,
    },
    /// 生成到期的定时报告（服务器每分钟做一次）/ make the scheduled reports that are due (what the server does every minute)
    RunDue {
        /// 按此日期计算（默认今天）/ the date to run as (default: today)
        #[arg(long)]
        today: Option<String>,
    },
}

#[derive(Subcommand, Clone, Debug)]
pub enum ScheduleCommand {
    /// 设置定时报告 / add a schedule
    Add {
        /// statistical、gaps、summary 或 quality
        kind: String,
        #[arg(long)]
        region: String,
        /// monthly、quarterly 或 yearly
        #[arg(long)]
        every: String,
        /// 期末后下个月的第几日（1–28）/ day of the month after the period ends (1–28)
        #[arg(long, default_value_t = 5)]
        day: u32,
        #[arg(long, default_value = "docx")]
        format: String,
        /// 接收人：user:账号 或 role:角色@区划（可多次）/ recipient: user:NAME or role:ROLE@CODE (repeatable)
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        /// 从此日起计（默认今天）/ counted from this day (default: today)
        #[arg(long)]
        starts: Option<String>,
    },
    /// 列出定时报告 / list the schedules
    List {
        #[arg(long)]
        json: bool,
    },
    /// 删除定时报告（已生成的报告保留）/ remove a schedule (its reports stay)
    Remove { id: i64 },
}

fn date_arg(name: &str, s: Option<&str>) -> Result<renkou_domain::Date> {
    match s {
        None => Ok(chrono::Local::now().date_naive()),
        Some(s) => renkou_domain::Date::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            anyhow!("{name}：应为日期，如 2026-02-05 / {name}: a date such as 2026-02-05")
        }),
    }
}

pub fn request(kind: Kind, a: &GenerateArgs) -> Result<Request> {
    let region = renkou_indicators::figures::parse_region(&a.region)
        .map_err(|e| anyhow!("--region: {e}"))?;
    let period = a
        .period
        .parse()
        .map_err(|e: renkou_stats::PeriodError| anyhow!("--period: {e}"))?;
    let format = Format::parse(&a.format).map_err(|e| anyhow!("--format: {e}"))?;
    Ok(Request {
        kind,
        region,
        period,
        format,
        as_of: a.as_of,
    })
}

fn write_out(path: &PathBuf, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("写入 / writing {}", path.display()))
}

pub fn run(db: &str, command: ReportCommand) -> Result<()> {
    let store = crate::db::open(db)?;
    let me = super::operator();
    let cache = StatCache::new();
    let source = RegisterFigures {
        store: &store,
        cache: &cache,
    };
    let generate = |kind: Kind, a: &GenerateArgs| -> Result<()> {
        let req = request(kind, a)?;
        let pdf = crate::pdf::engine_for(req.format)?;
        let g = archive::generate(&store, &me, &source, &req, pdf.as_deref())?;
        write_out(&a.out, &g.bytes)?;
        println!(
            "已生成 {}（存档 #{}，登记版本 {}，SHA-256 {}）/ wrote {} (archive #{}, register version {}, sha256 {})",
            a.out.display(),
            g.id,
            g.register_version,
            g.sha256,
            a.out.display(),
            g.id,
            g.register_version,
            g.sha256
        );
        Ok(())
    };
    match command {
        ReportCommand::Statistical(a) => generate(Kind::Statistical, &a)?,
        ReportCommand::Gaps(a) => generate(Kind::Gaps, &a)?,
        ReportCommand::Summary(a) => generate(Kind::Summary, &a)?,
        ReportCommand::Quality(a) => generate(Kind::Quality, &a)?,
        ReportCommand::Archive { json } => {
            let list = archive::list(&store, &me)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!(
                    "编号\t种类\t区划\t期间\t格式\t登记版本\t生成人\t生成时间\t状态\tSHA-256\t文件"
                );
                for r in &list {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        r.id,
                        r.kind,
                        r.region_code,
                        r.period,
                        r.format,
                        r.register_version,
                        r.generated_by,
                        r.generated_at.format("%Y-%m-%d %H:%M:%S"),
                        archive::status_zh(&r.status),
                        r.sha256,
                        r.file_name
                    );
                }
            }
        }
        ReportCommand::Get { id, out } => {
            let (r, bytes) = archive::file(&store, &me, id)?
                .ok_or_else(|| anyhow!("报告 {id} 不存在 / no report {id}"))?;
            write_out(&out, &bytes)?;
            println!("{}\t{}", r.sha256, out.display());
        }
        ReportCommand::Regenerate { id, out } => {
            let r = archive::archived(&store, &me, id)?
                .ok_or_else(|| anyhow!("报告 {id} 不存在 / no report {id}"))?;
            let format = Format::parse(&r.format)?;
            let pdf = crate::pdf::engine_for(format)?;
            let g = archive::regenerate(&store, &me, &source, id, pdf.as_deref())?;
            if let Some(out) = &out {
                write_out(out, &g.bytes)?;
            }
            let same = if g.sha256 == r.sha256 {
                "相同 / same"
            } else {
                "不同 / different"
            };
            println!(
                "存档 #{} 按登记版本 {} 重新生成为 #{}：SHA-256 {}（与原件{}）/ report #{} regenerated as of version {} as #{}: sha256 {}",
                id, g.register_version, g.id, g.sha256, same, id, g.register_version, g.id, g.sha256
            );
        }
        ReportCommand::Template { kind, show, set } => {
            let kind = Kind::parse(&kind)?;
            match set {
                Some(path) => {
                    let body = std::fs::read_to_string(&path)
                        .with_context(|| format!("读取 / reading {}", path.display()))?;
                    let id = templates::save(&store, &me, kind, &body)?;
                    println!(
                        "已保存模板 {} 的新版本 #{id} / saved template version #{id}",
                        kind.code()
                    );
                }
                None => {
                    let _ = show;
                    print!("{}", templates::current(&store, kind)?.body);
                }
            }
        }
        ReportCommand::Submit { id } => {
            let r = archive::advance(&store, &me, id, "submitted")?;
            println!(
                "报告 #{} {} / report #{} {}",
                r.id,
                archive::status_zh(&r.status),
                r.id,
                r.status
            );
        }
        ReportCommand::Schedule { command } => schedule(&store, &me, command)?,
        ReportCommand::RunDue { today } => {
            let today = date_arg("--today", today.as_deref())?;
            let pdf = crate::pdf::lazy();
            let runs = renkou_reports::schedules::run_due(&store, &source, pdf.as_deref(), today)?;
            let mut failed = 0;
            for r in &runs {
                match (&r.report_id, &r.error) {
                    (Some(id), _) => println!(
                        "定时 #{} {}：已生成报告 #{id}，通知 {} 人 / schedule #{} {}: report #{id}, {} notices",
                        r.schedule_id, r.period, r.notices, r.schedule_id, r.period, r.notices
                    ),
                    (None, Some(e)) => {
                        failed += 1;
                        eprintln!("定时 #{} {}：{e}", r.schedule_id, r.period)
                    }
                    (None, None) => {}
                }
            }
            if runs.is_empty() {
                println!("没有到期的定时报告 / nothing due");
            }
            if failed > 0 {
                return Err(anyhow!(
                    "{failed} 份定时报告未能生成 / {failed} scheduled reports failed"
                ));
            }
        }
        ReportCommand::Receive { id } => {
            let r = archive::advance(&store, &me, id, "received")?;
            println!(
                "报告 #{} {} / report #{} {}",
                r.id,
                archive::status_zh(&r.status),
                r.id,
                r.status
            );
        }
    }
    Ok(())
}

fn schedule(
    store: &renkou_store::Store,
    me: &renkou_store::Actor,
    command: ScheduleCommand,
) -> Result<()> {
    use renkou_reports::schedules::{self, NewSchedule, PeriodKind, Recipient};
    match command {
        ScheduleCommand::Add {
            kind,
            region,
            every,
            day,
            format,
            to,
            starts,
        } => {
            let s = NewSchedule {
                kind: Kind::parse(&kind)?,
                region: renkou_indicators::figures::parse_region(&region)
                    .map_err(|e| anyhow!("--region: {e}"))?,
                period_kind: PeriodKind::parse(&every)?,
                format: Format::parse(&format)?,
                day,
                recipients: to
                    .iter()
                    .map(|r| Recipient::parse(r))
                    .collect::<Result<_, _>>()?,
                starts_on: date_arg("--starts", starts.as_deref())?,
            };
            let id = schedules::add(store, me, &s)?;
            println!("已设置定时报告 #{id} / schedule #{id} added");
        }
        ScheduleCommand::List { json } => {
            let list = schedules::list(store, me)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("编号\t报告\t区划\t频次\t生成日\t格式\t起始\t接收人");
                for s in &list {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        s.id,
                        s.kind.code(),
                        s.region_code,
                        s.period_kind.code(),
                        s.day,
                        s.format.code(),
                        s.starts_on,
                        s.recipients
                            .iter()
                            .map(Recipient::code)
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                }
            }
        }
        ScheduleCommand::Remove { id } => {
            if !schedules::remove(store, me, id)? {
                return Err(anyhow!("定时报告 {id} 不存在 / no schedule {id}"));
            }
            println!("已删除定时报告 #{id} / schedule #{id} removed");
        }
    }
    Ok(())
}
