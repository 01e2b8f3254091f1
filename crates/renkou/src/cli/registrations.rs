//! `renkou registrations`: 生育登记 and the 光荣证 register from the terminal.
//!
//! ```sh
//! renkou registrations birth add --applicant couple --mother M1 --father F1 --marriage married \
//!     --residence 349901101201 --expected 2025-10-01 [--on 2025-03-01]     # prints the number
//! renkou registrations birth list --region 349901101
//! renkou registrations book start --office 349901101000 --year 2025 --first 418
//! renkou registrations certificate add --number "湘独证 0012345" --issued-on 2020-03-08 --holder M1 --holder2 F1 --child C1
//! renkou registrations certificate list --region 349901
//! renkou registrations certificate replace --id 3 --reason 原证遗失
//! renkou registrations certificate revoke --id 3 --reason …
//! renkou registrations certificate code --id 3 --base-url https://renkou.example.cn --svg qr.svg
//! renkou registrations certificate verify CODE                                # what the public page says, as JSON
//! ```

use anyhow::{anyhow, Result};
use clap::Subcommand;
use renkou_domain::{parse_date, Date, RegionCode};
use renkou_registrations::births::{self, NewRegistration};
use renkou_registrations::certificates::{self, NewCertificate};
use renkou_registrations::key::{self, CertificateKey};
use renkou_registrations::rules::{Applicant, Marriage};
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum RegistrationsCommand {
    /// 生育登记 / birth registrations
    Birth {
        #[command(subcommand)]
        command: BirthCommand,
    },
    /// 登记簿（县级：接续纸质登记簿的编号）/ the office books (county: continue a paper book)
    Book {
        #[command(subcommand)]
        command: BookCommand,
    },
    /// 独生子女父母光荣证 / only-child parents' certificates
    Certificate {
        #[command(subcommand)]
        command: CertificateCommand,
    },
}

// Parsed once from the command line: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum BirthCommand {
    /// 登记（不设审批）并打印登记号 / register (no approval step) and print the number
    Add {
        /// couple | single_mother | single_father
        #[arg(long)]
        applicant: String,
        #[arg(long)]
        mother: Option<String>,
        #[arg(long)]
        father: Option<String>,
        /// married | unmarried | divorced | widowed | not_stated（本人申报 / as declared）
        #[arg(long, default_value = "not_stated")]
        marriage: String,
        /// 居住地村（居）区划代码 / the village the family lives in
        #[arg(long)]
        residence: String,
        #[arg(long, default_value = "")]
        address: String,
        /// 预产期 / expected date (YYYY-MM-DD)
        #[arg(long)]
        expected: Option<String>,
        /// 出生日期 / birth date (YYYY-MM-DD)
        #[arg(long)]
        born: Option<String>,
        /// 子女人员编号 / the child's person number
        #[arg(long)]
        child: Option<String>,
        /// 登记日期（默认今天）/ registration day (default today)
        #[arg(long)]
        on: Option<String>,
    },
    /// 列出一个区划的登记（JSON）/ list an area's registrations (JSON)
    List {
        #[arg(long)]
        region: String,
    },
}

#[derive(Subcommand)]
pub enum BookCommand {
    /// 设定一个乡镇某年度登记簿的起始编号（该年尚无登记时）/ set where a township's book for a year starts
    Start {
        #[arg(long)]
        office: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        first: i64,
    },
    /// 列出登记簿（JSON）/ list the books (JSON)
    List {
        #[arg(long)]
        region: String,
    },
}

#[derive(Subcommand)]
pub enum CertificateCommand {
    /// 录入已发证书，打印其编号 / enter an issued certificate; prints its id
    Add {
        #[arg(long)]
        number: String,
        #[arg(long)]
        issued_on: String,
        /// 持证人人员编号 / holder's person number
        #[arg(long)]
        holder: String,
        #[arg(long)]
        holder2: Option<String>,
        #[arg(long)]
        child: String,
    },
    /// 列出证书（JSON）/ list certificates (JSON)
    List {
        #[arg(long)]
        region: String,
    },
    /// 换发（旧证二维码作废）/ print again (the old QR codes become void)
    Replace {
        #[arg(long)]
        id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        on: Option<String>,
    },
    /// 注销 / revoke
    Revoke {
        #[arg(long)]
        id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        on: Option<String>,
    },
    /// 打印证书的核验网址，可写出二维码 SVG / print the verification URL, optionally the QR code as SVG
    Code {
        #[arg(long)]
        id: i64,
        /// 公开核验页所在网址 / where the public page is reached
        #[arg(long, env = "RENKOU_PUBLIC_URL", default_value = "https://localhost")]
        base_url: String,
        #[arg(long)]
        svg: Option<PathBuf>,
    },
    /// 核验一个码或网址（与公开核验页相同，JSON）/ verify a code or URL as the public page does (JSON)
    Verify { code: String },
}

fn date_arg(name: &str, s: Option<&str>) -> Result<Option<Date>> {
    s.map(|s| parse_date(s).map_err(|e| anyhow!("--{name}: {e}")))
        .transpose()
}

fn today() -> Date {
    chrono::Local::now().date_naive()
}

fn region(r: &str) -> Result<RegionCode> {
    RegionCode::parse_prefix(r).map_err(|e| anyhow!("--region: {e}"))
}

pub fn run(db: &str, command: RegistrationsCommand) -> Result<()> {
    let me = crate::cli::operator();
    let store = crate::db::open(db)?;
    match command {
        RegistrationsCommand::Birth { command } => match command {
            BirthCommand::Add {
                applicant,
                mother,
                father,
                marriage,
                residence,
                address,
                expected,
                born,
                child,
                on,
            } => {
                let r = NewRegistration {
                    applicant: Applicant::parse(&applicant).ok_or_else(|| {
                        anyhow!("--applicant 应为 couple、single_mother 或 single_father / --applicant must be couple, single_mother or single_father")
                    })?,
                    mother_no: mother,
                    father_no: father,
                    marriage: Marriage::parse(&marriage).ok_or_else(|| {
                        anyhow!("--marriage 应为 married、unmarried、divorced、widowed 或 not_stated / unknown --marriage")
                    })?,
                    residence: RegionCode::parse(&residence)
                        .map_err(|e| anyhow!("--residence: {e}"))?,
                    address,
                    expected_on: date_arg("expected", expected.as_deref())?,
                    born_on: date_arg("born", born.as_deref())?,
                    child_no: child,
                    registered_on: date_arg("on", on.as_deref())?.unwrap_or_else(today),
                };
                let (id, number) = births::register(&store, &me, &r)?;
                println!("{number}");
                eprintln!("已登记（记录 {id}）/ registered (record {id})");
            }
            BirthCommand::List { region: r } => {
                let list = births::registrations(&store, &me, &region(&r)?, 100_000)?;
                println!("{}", serde_json::to_string_pretty(&list)?);
            }
        },
        RegistrationsCommand::Book { command } => match command {
            BookCommand::Start {
                office,
                year,
                first,
            } => {
                let office = RegionCode::parse(&office).map_err(|e| anyhow!("--office: {e}"))?;
                births::start_book(&store, &me, &office, year, first)?;
                println!(
                    "{} {year} 年登记簿从 {first} 号开始 / the book starts at {first}",
                    office.as_str()
                );
            }
            BookCommand::List { region: r } => {
                let books = births::books(&store, &me, &region(&r)?)?;
                println!("{}", serde_json::to_string_pretty(&books)?);
            }
        },
        RegistrationsCommand::Certificate { command } => {
            let key = || CertificateKey::load_or_create(&key::path_for(&store.audit_key_path));
            match command {
                CertificateCommand::Add {
                    number,
                    issued_on,
                    holder,
                    holder2,
                    child,
                } => {
                    let id = certificates::enter(
                        &store,
                        &me,
                        &NewCertificate {
                            number,
                            issued_on: parse_date(&issued_on)
                                .map_err(|e| anyhow!("--issued-on: {e}"))?,
                            holder1_no: holder,
                            holder2_no: holder2,
                            child_no: child,
                        },
                    )?;
                    println!("{id}");
                }
                CertificateCommand::List { region: r } => {
                    let list = certificates::certificates(&store, &me, &region(&r)?, 1_000_000)?;
                    println!("{}", serde_json::to_string_pretty(&list)?);
                }
                CertificateCommand::Replace { id, reason, on } => {
                    let on = date_arg("on", on.as_deref())?.unwrap_or_else(today);
                    let v = certificates::replace(&store, &me, id, on, &reason)?;
                    println!("已换发，打印版本 {v} / replaced: printed version {v}");
                }
                CertificateCommand::Revoke { id, reason, on } => {
                    let on = date_arg("on", on.as_deref())?.unwrap_or_else(today);
                    certificates::revoke(&store, &me, id, on, &reason)?;
                    println!("已注销 / revoked");
                }
                CertificateCommand::Code { id, base_url, svg } => {
                    let c = certificates::certificate(&store, &me, id)?
                        .ok_or_else(|| anyhow!("找不到证书 {id} / no certificate {id}"))?;
                    let url = certificates::verification_url(&base_url, &key()?, c.id, c.version);
                    if let Some(path) = svg {
                        std::fs::write(&path, certificates::qr_svg(&url)?)
                            .map_err(|e| anyhow!("{}: {e}", path.display()))?;
                    }
                    println!("{url}");
                }
                CertificateCommand::Verify { code } => {
                    let code = code.rsplit('/').next().unwrap_or(&code).to_string();
                    let v = certificates::verify(&store, &key()?, &code)?;
                    println!("{}", serde_json::to_string_pretty(&v)?);
                }
            }
        }
    }
    Ok(())
}
