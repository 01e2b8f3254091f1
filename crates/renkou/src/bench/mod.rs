//! `renkou bench …`: measured figures for the closing notes. Each measured step runs
//! the real binary as a child process, so its wall time and peak memory (from the
//! kernel's rusage of the child) are exactly what a user would see.

pub mod benefits;
pub mod indicators;
pub mod linkage;
pub mod pages;
pub mod reconcile;
pub mod reports;
pub mod web;
pub mod workflow;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Subcommand)]
pub enum BenchWhat {
    /// 指标：全目录、所有区划、一年（热库，5 次取中位数）/ the full indicator catalogue for every region, one year
    Indicators {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 2025)]
        year: i32,
    },
    /// 育儿补贴资格认定：全县一年（载入与计算分计）/ childcare eligibility for the whole county, one year (load and compute)
    Benefits {
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 2025)]
        year: i32,
        /// 发放批次基准的人数（0 不做；在单独的临时数据库上）/ beneficiaries of the payment-cycle benchmark (0: skip; on a temporary database of its own)
        #[arg(long, default_value_t = 50_000)]
        cycle_persons: usize,
    },
    /// 指标页面：各页面渲染时间，以及新登记出生后的页面 / indicator pages' render times, also right after new births
    Pages {
        /// 已有数据库（如 2,000,000 人的演示县；会写入几条出生）/ an existing database (a few births are written)
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 2025)]
        year: i32,
    },
    /// 网页负载：并发会话查找、查看人员、登记出生 / the web app under concurrent sessions
    Web {
        /// 已有数据库（如 1,000,000 人的演示县）/ an existing database
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 50)]
        sessions: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// 出生登记在请求中的比例 / share of requests that register a birth
        #[arg(long, default_value_t = 0.05)]
        birth_share: f64,
    },
    /// 导入速度：生成演示县文件，导入 SQLite 与 PostgreSQL，并与 sqlite3 .import 比较 /
    /// import speed into SQLite and PostgreSQL, compared with the sqlite3 shell's .import
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        persons: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// 工作目录 / working folder (files are reused between runs)
        #[arg(long, default_value = "bench-data")]
        dir: PathBuf,
        /// PostgreSQL 服务器地址；空则跳过 / PostgreSQL server URL; empty to skip
        #[arg(
            long,
            env = "RENKOU_BENCH_POSTGRES",
            default_value = "postgres://postgres@127.0.0.1:5432/test"
        )]
        postgres: String,
    },
    /// 报告：县工作总结（各乡镇分村报表、五张图）的 .docx 与 PDF 用时 /
    /// the county's work summary (every township's table, five charts) as .docx and PDF
    Reports {
        /// 已有数据库（如 2,000,000 人的演示县）/ an existing database
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 2025)]
        year: i32,
    },
    /// 核对质量：引擎生成器的村台帐与医院记录（任意出生数）经整个核对流程，按类别计精确率与召回率；两种生成器、三种规模见 bench linkage --workflow-sizes /
    /// reconciliation quality on the engine generator's sources (any number of births) through the workflow: precision and recall per class; both generators and three sizes: bench linkage --workflow-sizes
    Reconcile {
        #[arg(long, default_value_t = 4000)]
        births: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// 匹配引擎：两种生成器、各规模与种子的测量表，以及整个核对流程对照真相（各类别精确率与召回率、Chapman 估计与真实出生数）/
    /// the linkage measurement on both generators, sizes and seeds, and a year reconciled through the workflow scored against the truth (precision and recall per class, Chapman against the true number of births)
    Linkage {
        /// 测量表的规模：township,county,prefecture 或 none / the table's sizes: township,county,prefecture or none
        #[arg(long, default_value = "township,county")]
        sizes: String,
        #[arg(long, default_value = "1,2,3")]
        seeds: String,
        /// engine | independent（默认两者 / default both）
        #[arg(long)]
        generator: Option<String>,
        /// 把测量表与核对流程的结果写成 JSON / write the table and the workflow cases as JSON
        #[arg(long)]
        json: Option<PathBuf>,
        /// 完整核对流程的规模：township,county,prefecture 或 none / sizes reconciled through the workflow: township,county,prefecture or none
        #[arg(long, default_value = "county")]
        workflow_sizes: String,
        /// 完整核对流程的种子 / seeds reconciled through the workflow
        #[arg(long, alias = "county-seed", default_value = "1")]
        workflow_seeds: String,
    },
}

pub(crate) struct Measured {
    pub seconds: f64,
    pub peak_rss_mb: f64,
}

/// Runs the binary with `args`; returns wall time and the child's peak RSS.
/// The first region of `level` still in use inside `within` (the benchmarks'
/// county, township or village of a demo register).
pub fn first_region(
    regions: &[renkou_domain::Region],
    level: renkou_domain::RegionLevel,
    within: Option<&renkou_domain::RegionCode>,
) -> Result<renkou_domain::RegionCode> {
    regions
        .iter()
        .find(|r| {
            r.level() == level && r.valid_to.is_none() && within.is_none_or(|w| w.contains(&r.code))
        })
        .map(|r| r.code.clone())
        .with_context(|| {
            format!(
                "登记中没有{}级区划 / no {} in the register",
                level.as_str(),
                level.as_str()
            )
        })
}

pub(crate) fn run_child(args: &[&str]) -> Result<Measured> {
    let exe = std::env::current_exe().context("current_exe")?;
    let t = Instant::now();
    let status = Command::new(exe)
        .args(args)
        .env("RENKOU_LOG", "warn")
        .status()
        .context("spawn renkou")?;
    let seconds = t.elapsed().as_secs_f64();
    if !status.success() {
        bail!("renkou {} failed: {status}", args.join(" "));
    }
    Ok(Measured {
        seconds,
        peak_rss_mb: children_peak_rss_mb(),
    })
}

/// The largest peak RSS of any waited-for child so far (Linux reports KiB).
fn children_peak_rss_mb() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) == 0 {
            u.ru_maxrss as f64 / 1024.0
        } else {
            f64::NAN
        }
    }
}

pub fn run(what: BenchWhat) -> Result<()> {
    match what {
        BenchWhat::Indicators { database, year } => crate::bench::indicators::run(&database, year),
        BenchWhat::Pages { database, year } => crate::bench::pages::run(&database, year),
        BenchWhat::Benefits {
            database,
            year,
            cycle_persons,
        } => crate::bench::benefits::run(&database, year)
            .and_then(|()| crate::bench::benefits::cycle(cycle_persons, year)),
        BenchWhat::Web {
            database,
            sessions,
            seconds,
            birth_share,
        } => crate::bench::web::run(&database, sessions, seconds, birth_share),
        BenchWhat::Import {
            persons,
            seed,
            dir,
            postgres,
        } => import(persons, seed, &dir, &postgres),
        BenchWhat::Reconcile { births, seed } => crate::bench::reconcile::run(births, seed),
        BenchWhat::Linkage {
            sizes,
            seeds,
            generator,
            json,
            workflow_sizes,
            workflow_seeds,
        } => crate::bench::linkage::run(crate::bench::linkage::Args {
            sizes: &sizes,
            seeds: &seeds,
            generator: generator.as_deref(),
            json: json.as_deref(),
            workflow_sizes: &workflow_sizes,
            workflow_seeds: &workflow_seeds,
        }),
        BenchWhat::Reports { database, year } => crate::bench::reports::run(&database, year),
    }
}

fn import(persons: usize, seed: u64, dir: &Path, pg: &str) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let data = dir.join(format!("demo-{persons}-{seed}"));
    let persons_csv = data.join("persons.csv");
    let regions_csv = data.join("regions.csv");
    let s = |p: &Path| p.to_string_lossy().into_owned();
    if !persons_csv.exists() {
        println!(
            "生成演示文件 / generating {persons} persons into {}",
            data.display()
        );
        let m = run_child(&[
            "demo",
            "--persons",
            &persons.to_string(),
            "--seed",
            &seed.to_string(),
            "--out",
            &s(&data),
            "--files-only",
        ])?;
        println!(
            "  {:.2} s ({:.0} persons/s)",
            m.seconds,
            persons as f64 / m.seconds
        );
    }
    let size_mb = std::fs::metadata(&persons_csv)?.len() as f64 / 1e6;
    let rows = persons as f64;
    println!("persons.csv: {rows} rows, {size_mb:.1} MB");

    // SQLite
    let db = dir.join("bench.db");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
    let dbs = s(&db);
    run_child(&["--database", &dbs, "init"])?;
    run_child(&["--database", &dbs, "regions", "import", &s(&regions_csv)])?;
    let m = run_child(&["--database", &dbs, "import", "persons", &s(&persons_csv)])?;
    let sqlite_rate = rows / m.seconds;
    println!(
        "SQLite import:      {:>7.2} s  {:>9.0} rows/s  peak RSS {:.0} MB",
        m.seconds, sqlite_rate, m.peak_rss_mb
    );
    let m2 = run_child(&["--database", &dbs, "import", "persons", &s(&persons_csv)])?;
    println!(
        "SQLite re-import:   {:>7.2} s  {:>9.0} rows/s  (same file, nothing changes)",
        m2.seconds,
        rows / m2.seconds
    );

    // The floor: the sqlite3 shell loading the same CSV into a bare table.
    let floor_db = dir.join("floor.db");
    let _ = std::fs::remove_file(&floor_db);
    let t = Instant::now();
    let out = Command::new("sqlite3")
        .arg(&floor_db)
        .arg(".mode csv")
        .arg(format!(".import {} persons_raw", s(&persons_csv)))
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let secs = t.elapsed().as_secs_f64();
            println!(
                "sqlite3 .import:    {:>7.2} s  {:>9.0} rows/s  (floor: no validation, no indexes, no events)",
                secs,
                rows / secs
            );
            println!(
                "ratio renkou/sqlite3 .import time: {:.2}×",
                m.seconds / secs
            );
        }
        _ => println!("sqlite3 shell not available: floor skipped"),
    }
    let _ = std::fs::remove_file(&floor_db);

    // PostgreSQL in a schema of its own.
    if !pg.is_empty() {
        let schema = format!("renkou_bench_{}", std::process::id());
        match postgres::Client::connect(pg, postgres::NoTls) {
            Ok(mut admin) => {
                admin.batch_execute(&format!("CREATE SCHEMA {schema}"))?;
                let url = with_search_path(pg, &schema);
                let r = (|| -> Result<()> {
                    run_child(&["--database", &url, "init"])?;
                    run_child(&["--database", &url, "regions", "import", &s(&regions_csv)])?;
                    let m =
                        run_child(&["--database", &url, "import", "persons", &s(&persons_csv)])?;
                    println!(
                        "PostgreSQL import:  {:>7.2} s  {:>9.0} rows/s  peak RSS {:.0} MB",
                        m.seconds,
                        rows / m.seconds,
                        m.peak_rss_mb
                    );
                    let m2 =
                        run_child(&["--database", &url, "import", "persons", &s(&persons_csv)])?;
                    println!(
                        "PostgreSQL re-import:{:>6.2} s  {:>9.0} rows/s",
                        m2.seconds,
                        rows / m2.seconds
                    );
                    Ok(())
                })();
                admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))?;
                r?;
            }
            Err(e) => println!("PostgreSQL not reachable ({e}); skipped"),
        }
    }
    Ok(())
}

/// Adds `options=-c search_path=SCHEMA` to a PostgreSQL URL.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}
