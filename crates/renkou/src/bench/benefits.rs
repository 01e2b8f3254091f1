//! `renkou bench benefits`: a 育儿补贴 eligibility run for the whole county of an
//! existing database (make one with `renkou --database big.db demo --persons
//! 2000000 --seed 7`), as `renkou benefits eligibility` computes it.
//!
//! Prints, for one cold and the median of 5 warm runs:
//! - load: reading the register for the run (`renkou_benefits::loader::load`: the
//!   birth cohorts the age limit lets in, their moves);
//! - compute: the rule over them (`childcare::run`);
//! - persons considered, eligible, and the total.
//!
//! Nothing is written. Run it once per backend.

use anyhow::Result;
use renkou_benefits::rules::{Parameters, Program};
use renkou_benefits::runs::{self, Request};
use renkou_domain::{Date, RegionLevel};

const RUNS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

pub fn run(db: &str, year: i32) -> Result<()> {
    let store = crate::db::open(db)?;
    let regions = store.regions()?;
    let county = crate::bench::first_region(&regions, RegionLevel::County, None)?;
    let persons = store.counts()?.persons;
    println!(
        "育儿补贴资格认定基准 / childcare eligibility benchmark: {} ({}), {persons} persons, county {county}, year {year}",
        store.location,
        store.backend().name()
    );
    let me = crate::cli::operator();
    let params = Parameters::national();
    let req = Request {
        program: Program::Childcare,
        area: county,
        year,
    };
    let (mut load, mut compute, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..=RUNS {
        let c = runs::compute(&store, &me, &req, &params)?;
        if i == 0 {
            println!(
                "first run: load {:.3} s, compute {:.3} s; considered {}, eligible {}, total {} yuan",
                c.load_seconds,
                c.compute_seconds,
                c.run.determinations.len(),
                c.run.eligible().count(),
                c.run.total()
            );
            continue;
        }
        load.push(c.load_seconds);
        compute.push(c.compute_seconds);
        total.push(c.load_seconds + c.compute_seconds);
    }
    println!(
        "median of {RUNS} warm runs: load {:.3} s, compute {:.3} s, total {:.3} s",
        median(load),
        median(compute),
        median(total)
    );
    Ok(())
}

/// `renkou bench benefits --cycle-persons N`: a payment cycle of N beneficiaries on
/// a fresh SQLite database of its own (it writes): N children of the demo county's
/// villages, all under 3 in the year, a saved 育儿补贴 run approved through the
/// roster, an attested account each. Timed, as a township would do it:
/// - draft: the amounts from the slots, the bank CSV and xlsx written and kept;
/// - signature sheet: the 兑现资金签字表 of the whole cycle as xlsx;
/// - import: the bank's results (every 50th line failed) read, classified and
///   recorded.
pub fn cycle(persons: usize, year: i32) -> Result<()> {
    use renkou_benefits::payments::{self, CycleRequest, NewAccount, RowClass};
    use renkou_benefits::rules::Month;
    use renkou_domain::{IdNumber, MaritalStatus, PersonRecord, Residence, Sex};
    use std::time::Instant;
    if persons == 0 {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    // RENKOU_BENCH_KEEP=DIR keeps the benchmark's database there (to look into it).
    let keep = std::env::var("RENKOU_BENCH_KEEP").ok();
    let db = match &keep {
        Some(k) => std::path::PathBuf::from(k).join("cycle.db"),
        None => dir.path().join("cycle.db"),
    };
    let db = db.to_string_lossy().into_owned();
    let (store, _) = crate::db::init(&db)?;
    // The test county 349901: 4 townships of 10 villages (fictitious codes).
    let region = |code: String, name: String| -> Result<renkou_domain::Region> {
        Ok(renkou_domain::Region {
            code: renkou_domain::RegionCode::parse(&code)?,
            name,
            valid_from: None,
            valid_to: None,
            successor: None,
        })
    };
    let mut tree = vec![region("349901000000".into(), "测试县".into())?];
    let mut villages = Vec::new();
    for t in 1..=4 {
        tree.push(region(
            format!("349901{:03}000", 100 + t),
            format!("测试{t}镇"),
        )?);
        for v in 1..=10 {
            let r = region(
                format!("349901{:03}{:03}", 100 + t, 200 + v),
                format!("测试{t}镇{v}村"),
            )?;
            villages.push(r.code.clone());
            tree.push(r);
        }
    }
    store.upsert_regions(&tree)?;
    let first_day = Date::from_ymd_opt(year - 2, 1, 1).unwrap_or_default();
    let t0 = Instant::now();
    let mut import = store.begin_person_import(renkou_store::ImportMeta {
        kind: "persons",
        file_name: "bench-cycle.csv".into(),
        source: None,
        actor: renkou_store::Actor::operator("bench"),
    })?;
    for i in 0..persons {
        let v = &villages[i % villages.len()];
        let born = first_day + chrono::Duration::days((i % 700) as i64);
        import.push(
            &PersonRecord {
                person_no: format!("B{i:07}"),
                name: format!("测试儿童{i}"),
                sex: if i % 2 == 0 { Sex::Female } else { Sex::Male },
                birth_date: born,
                id_number: None,
                household_no: format!("HB{i:07}"),
                region_code: v.clone(),
                marital_status: MaritalStatus::NotStated,
                mother_no: None,
                father_no: None,
                residence: Residence::Resident,
                phone: None,
                death_date: None,
                relation: None,
            },
            None,
        )?;
    }
    import.commit(&[], &[], |_, _| Ok(()))?;
    let me = crate::cli::operator();
    let area = crate::bench::first_region(&store.regions()?, RegionLevel::County, None)?;
    let (run_id, c) = runs::run_and_save(
        &store,
        &me,
        &Request {
            program: Program::Childcare,
            area: area.clone(),
            year,
        },
        &Parameters::national(),
    )?;
    let run =
        runs::run_in_scope(&store, &me, run_id)?.ok_or_else(|| anyhow::anyhow!("run {run_id}"))?;
    renkou_benefits::roster::propose(&store, &me, &run, &area)?;
    renkou_benefits::roster::check(&store, &me, &run, &area)?;
    let notice = Date::from_ymd_opt(year, 1, 1).unwrap_or_default();
    renkou_benefits::roster::start_notice(&store, &me, &run, &area, notice, 7)?;
    renkou_benefits::roster::approve(
        &store,
        &me,
        &run,
        &area,
        notice + chrono::Duration::days(30),
    )?;
    let holder_born = Date::from_ymd_opt(1990, 1, 1).unwrap_or_default();
    let accounts: Vec<NewAccount> = (0..persons)
        .map(|i| NewAccount {
            person_no: format!("B{i:07}"),
            holder_name: format!("测试家长{i}"),
            holder_id_number: IdNumber::compose(
                349901,
                holder_born + chrono::Duration::days((i / 500) as i64),
                (i % 500) as u16 * 2,
            )
            .as_str()
            .to_string(),
            account_no: format!("62170000{i:010}"),
            bank: "测试农商银行".into(),
            as_of: notice,
            document: "银行卡复印件".into(),
        })
        .collect();
    payments::record_accounts(&store, &me, &accounts)?;
    println!(
        "发放批次基准 / payment cycle benchmark: {persons} children loaded, run {run_id} ({} eligible, {} yuan) approved, accounts recorded in {:.1} s",
        c.run.eligible().count(),
        c.run.total(),
        t0.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let id = payments::draft(
        &store,
        &me,
        &CycleRequest {
            program: Program::Childcare,
            area: area.clone(),
            first: Month::new(year, 1),
            last: Month::new(year, 12),
        },
    )?;
    let draft_s = t.elapsed().as_secs_f64();
    let cycle =
        payments::cycle_in_scope(&store, &me, id)?.ok_or_else(|| anyhow::anyhow!("cycle {id}"))?;
    let t = Instant::now();
    let sheet = payments::signature_sheet(&store, &cycle, None)?;
    let xlsx = payments::signature_xlsx(&sheet, cycle.created_at.date_naive())?;
    let sheet_s = t.elapsed().as_secs_f64();
    payments::send(&store, &me, &cycle)?;
    let cycle =
        payments::cycle_in_scope(&store, &me, id)?.ok_or_else(|| anyhow::anyhow!("cycle {id}"))?;
    // The bank's answer: every 50th line failed.
    let lines = store.with(|c| payments::lines(c, id, None))?;
    let mut text = String::from("序号,户名,账号,身份证号码,金额,结果,失败原因\n");
    for l in &lines {
        let failed = l.line % 50 == 0;
        text.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            l.line,
            l.holder_name,
            l.account_no,
            l.holder_id_number,
            l.amount,
            if failed { "失败" } else { "成功" },
            if failed { "账户已冻结" } else { "" }
        ));
    }
    let results = dir.path().join("results.csv");
    std::fs::write(&results, text)?;
    let t = Instant::now();
    let r = payments::import_results(&store, &me, &cycle, &results, "results.csv")?;
    let import_s = t.elapsed().as_secs_f64();
    println!(
        "cycle {id}: {} lines, {} slots, {} yuan; bank CSV+xlsx written and kept in the draft; signature sheet {} rows, {} KB xlsx",
        cycle.persons,
        cycle.slots,
        cycle.total,
        sheet.rows.len(),
        xlsx.len() / 1024
    );
    println!(
        "results: paid {} ({} yuan), failed {} ({} yuan), reconciles: {}",
        r.count(RowClass::Paid),
        r.paid.amount,
        r.count(RowClass::Failed),
        r.failed.amount,
        r.reconciles()
    );
    println!(
        "draft (compute + bank files) {draft_s:.2} s, signature sheet {sheet_s:.2} s, import results {import_s:.2} s; total {:.2} s",
        draft_s + sheet_s + import_s
    );
    Ok(())
}
