//! `renkou benefits cycle …` and `renkou benefits account …`: payment cycles
//! (兑现发放) from the terminal — draft a cycle over the approved, unpaid month
//! slots, write its bank files (kept as written, with their SHA-256) and its
//! signature sheet (xlsx, and PDF through the binary's engine), mark it sent,
//! import the bank's results (every row classified; the same file twice changes
//! nothing), close it; and record the bank account a beneficiary is paid into.

use anyhow::{anyhow, Context, Result};
use clap::Subcommand;
use renkou_benefits::payments::{self, Cycle, CycleRequest, NewAccount, RowClass};
use renkou_benefits::rules::{Month, Program};
use renkou_domain::{parse_date, RegionCode};
use renkou_store::{Actor, Store};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum AccountCommand {
    /// 登记银行账户（须有证明材料）/ record a bank account from its document
    Add {
        /// 享受人的人员编号（育儿补贴：子女）/ the beneficiary's person number (childcare: the child)
        #[arg(long)]
        person: String,
        /// 户名 / the account holder's name
        #[arg(long)]
        holder_name: String,
        /// 户主身份证号码 / the holder's ID number
        #[arg(long)]
        holder_id: String,
        /// 账号 / account number
        #[arg(long)]
        account: String,
        /// 开户银行 / bank
        #[arg(long)]
        bank: String,
        /// 登记日期 / as of (YYYY-MM-DD)
        #[arg(long)]
        as_of: String,
        /// 证明材料名称和编号 / the document: title and number
        #[arg(long)]
        document: String,
    },
    /// 列出一个人的银行账户 / list a person's bank accounts
    List {
        #[arg(long)]
        person: String,
    },
}

#[derive(Subcommand)]
pub enum CycleCommand {
    /// 编制发放批次 / draft a payment cycle
    Draft {
        /// childcare | reward | special
        #[arg(long)]
        program: String,
        /// 区划代码 / region code
        #[arg(long)]
        region: String,
        /// 起始月份 YYYY-MM / first month
        #[arg(long)]
        from: String,
        /// 截止月份 YYYY-MM / last month
        #[arg(long)]
        to: String,
    },
    /// 列出发放批次 / list cycles
    List {
        #[arg(long)]
        region: Option<String>,
    },
    /// 批次详情（JSON）/ a cycle and its lines as JSON
    Show {
        #[arg(long)]
        id: i64,
    },
    /// 写出银行代发文件和签字表 / write the bank files and the signature sheet
    Files {
        #[arg(long)]
        id: i64,
        /// 输出目录 / output folder
        #[arg(long)]
        out: PathBuf,
        /// 只要某村的签字表 / the signature sheet of one village only
        #[arg(long)]
        village: Option<String>,
        /// 不生成 PDF / no PDF
        #[arg(long)]
        no_pdf: bool,
    },
    /// 报送银行 / mark sent to the bank
    Send {
        #[arg(long)]
        id: i64,
    },
    /// 导入银行结果（CSV 或 xlsx）/ import the bank's results
    Import {
        #[arg(long)]
        id: i64,
        file: PathBuf,
        /// 输出每行的分类（JSON）/ print every row's class as JSON
        #[arg(long)]
        json: bool,
    },
    /// 结清 / close
    Close {
        #[arg(long)]
        id: i64,
    },
    /// 作废（仅已编制）/ discard a drafted cycle
    Discard {
        #[arg(long)]
        id: i64,
    },
}

pub fn account(db: &str, me: &Actor, command: AccountCommand) -> Result<()> {
    let store = crate::db::open(db)?;
    match command {
        AccountCommand::Add {
            person,
            holder_name,
            holder_id,
            account,
            bank,
            as_of,
            document,
        } => {
            let as_of = parse_date(&as_of).map_err(|e| anyhow!("--as-of: {e}"))?;
            let id = payments::record_account(
                &store,
                me,
                &NewAccount {
                    person_no: person.clone(),
                    holder_name,
                    holder_id_number: holder_id,
                    account_no: account,
                    bank,
                    as_of,
                    document,
                },
            )?;
            println!("已登记银行账户 {id}（人员 {person}）/ bank account {id} recorded");
        }
        AccountCommand::List { person } => {
            let list = payments::accounts_of(&store, me, &person)?
                .ok_or_else(|| anyhow!("找不到人员 {person} / no person {person}"))?;
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
    }
    Ok(())
}

fn month(s: &str, arg: &str) -> Result<Month> {
    Month::parse(s).map_err(|e| anyhow!("{arg}: {e}"))
}

fn cycle_of(store: &Store, me: &Actor, id: i64) -> Result<Cycle> {
    payments::cycle_in_scope(store, me, id)?
        .ok_or_else(|| anyhow!("找不到发放批次 {id} / no payment cycle {id}"))
}

fn summary(c: &Cycle) -> String {
    format!(
        "发放批次 {}：{} {} {}—{}，{}，{} 人 {} 个月份，合计 {} 元；无银行账户 {} 人 / cycle {}: {} persons, {} slots, {} yuan",
        c.id,
        c.program.name_zh(),
        c.region_code,
        c.first_month,
        c.last_month,
        c.state.name_zh(),
        c.persons,
        c.slots,
        c.total,
        c.without_account.len(),
        c.id,
        c.persons,
        c.slots,
        c.total
    )
}

pub fn run(db: &str, me: &Actor, command: CycleCommand) -> Result<()> {
    let store = crate::db::open(db)?;
    match command {
        CycleCommand::Draft {
            program,
            region,
            from,
            to,
        } => {
            let program = Program::parse(&program).ok_or_else(|| {
                anyhow!("--program 应为 childcare、reward 或 special / --program must be childcare, reward or special")
            })?;
            let area = RegionCode::parse_prefix(&region).map_err(|e| anyhow!("--region: {e}"))?;
            let id = payments::draft(
                &store,
                me,
                &CycleRequest {
                    program,
                    area,
                    first: month(&from, "--from")?,
                    last: month(&to, "--to")?,
                },
            )?;
            let c = cycle_of(&store, me, id)?;
            println!("{}", summary(&c));
            for (kind, name, sha) in &c.files {
                println!("  {kind}: {name} sha256 {sha}");
            }
            if !c.without_account.is_empty() {
                println!(
                    "  无银行账户，未列入 / no bank account, left out: {}",
                    c.without_account.join(" ")
                );
            }
        }
        CycleCommand::List { region } => {
            let area = match region {
                Some(r) => RegionCode::parse_prefix(&r).map_err(|e| anyhow!("--region: {e}"))?,
                None => match me.area() {
                    Some(a) => a.clone(),
                    None => crate::bench::first_region(
                        &store.regions()?,
                        renkou_domain::RegionLevel::County,
                        None,
                    )?,
                },
            };
            for c in payments::cycles(&store, me, &area, 200)? {
                println!("{}", summary(&c));
            }
        }
        CycleCommand::Show { id } => {
            let c = cycle_of(&store, me, id)?;
            let lines = store.with(|conn| payments::lines(conn, id, None))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({"cycle": c, "lines": lines}))?
            );
        }
        CycleCommand::Files {
            id,
            out,
            village,
            no_pdf,
        } => {
            let c = cycle_of(&store, me, id)?;
            std::fs::create_dir_all(&out).with_context(|| out.display().to_string())?;
            for kind in ["bank_csv", "bank_xlsx"] {
                if let Some((name, sha, bytes)) = payments::bank_file(&store, &c, kind)? {
                    let p = out.join(&name);
                    std::fs::write(&p, &bytes).with_context(|| p.display().to_string())?;
                    println!("{} sha256 {sha}", p.display());
                }
            }
            let area = village
                .map(|v| RegionCode::parse_prefix(&v).map_err(|e| anyhow!("--village: {e}")))
                .transpose()?;
            let sheet = payments::signature_sheet(&store, &c, area.as_ref())?;
            let stem = format!("发放批次{id}_兑现资金签字表");
            let xlsx = payments::signature_xlsx(&sheet, c.created_at.date_naive())?;
            let p = out.join(format!("{stem}.xlsx"));
            std::fs::write(&p, xlsx).with_context(|| p.display().to_string())?;
            println!("{}", p.display());
            if !no_pdf {
                match crate::pdf::lazy() {
                    Some(w) => {
                        let pdf = w
                            .write_pdf(&payments::signature_document(&sheet))
                            .map_err(|e| anyhow!("PDF: {e}"))?;
                        let p = out.join(format!("{stem}.pdf"));
                        std::fs::write(&p, pdf).with_context(|| p.display().to_string())?;
                        println!("{}", p.display());
                    }
                    None => eprintln!(
                        "此程序编译时未带 PDF 功能，只写出 xlsx / built without PDF: xlsx only"
                    ),
                }
            }
        }
        CycleCommand::Send { id } => {
            let c = cycle_of(&store, me, id)?;
            payments::send(&store, me, &c)?;
            println!("发放批次 {id} 已报送银行 / cycle {id} sent to the bank");
        }
        CycleCommand::Import { id, file, json } => {
            let c = cycle_of(&store, me, id)?;
            let display = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.display().to_string());
            let r = payments::import_results(&store, me, &c, &file, &display)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
                return Ok(());
            }
            println!("{display}（sha256 {}）：{} 行", r.sha256, r.rows.len());
            for class in RowClass::ALL {
                let t = r.classes.get(&class).copied().unwrap_or_default();
                println!(
                    "  {} / {}: {} 行，{} 元",
                    class.name_zh(),
                    class.name_en(),
                    t.count,
                    t.amount
                );
            }
            for row in r
                .rows
                .iter()
                .filter(|x| !matches!(x.class, RowClass::Paid | RowClass::Failed))
            {
                println!(
                    "  {display}:{}: {}{}",
                    row.row,
                    row.class.name_zh(),
                    row.batch_amount
                        .map(|b| format!("（批次金额 {b}，文件 {}）", row.amount))
                        .unwrap_or_default()
                );
            }
            if let Some(ct) = r.file_control_total {
                let ok = if ct == r.file_rows_total {
                    "相符"
                } else {
                    "不符"
                };
                println!(
                    "  文件合计行 {ct} 元，各行之和 {} 元：{ok}",
                    r.file_rows_total
                );
            }
            println!(
                "批次 {} 行 {} 元 = 已发放 {} 行 {} 元 + 失败 {} 行 {} 元 + 未回 {} 行 {} 元：{}",
                r.batch.count,
                r.batch.amount,
                r.paid.count,
                r.paid.amount,
                r.failed.count,
                r.failed.amount,
                r.unanswered.count,
                r.unanswered.amount,
                if r.reconciles() {
                    "平衡"
                } else {
                    "不平衡"
                }
            );
            println!(
                "本次更新 {} 行，{} 个月份记为已发放 / {} lines changed, {} slots marked paid",
                r.lines_changed, r.slots_paid, r.lines_changed, r.slots_paid
            );
        }
        CycleCommand::Close { id } => {
            let c = cycle_of(&store, me, id)?;
            payments::close(&store, me, &c)?;
            println!("发放批次 {id} 已结清 / cycle {id} closed");
        }
        CycleCommand::Discard { id } => {
            let c = cycle_of(&store, me, id)?;
            payments::discard(&store, me, &c)?;
            println!("发放批次 {id} 已作废 / cycle {id} discarded");
        }
    }
    Ok(())
}
