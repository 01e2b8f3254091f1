//! 资格认定 (eligibility runs): for a program, an area and a year, read the register
//! ([`crate::loader`]), apply the program's rule over the parameters, and — when the
//! run is saved — store the run, one row per person considered with its receipt,
//! and the month slots it found due, with the audit entry, in one transaction.
//!
//! Scope: the run's area must lie inside the actor's area; saving needs an account
//! that may change records there (a county statistician reads runs, does not
//! start them).

use crate::error::Error;
use crate::loader::{self, Loaded};
use crate::rules::{
    childcare, reward, special, DecidingFact, Determination, Ending, Finding, MissingFact, Month,
    Parameters, Program, Run, Yuan,
};
use crate::tables::{self, DueSlot, NewRun, NewRunRow, RunInfo, RunRow, RUN};
use renkou_domain::RegionCode;
use renkou_store::{Actor, AuditAction, AuditNote, Store};
use std::time::Instant;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub program: Program,
    pub area: RegionCode,
    pub year: i32,
}

/// A computed run with what it was computed from.
#[derive(Debug, Clone)]
pub struct Computed {
    pub run: Run,
    pub loaded: Loaded,
    /// Seconds spent reading the register and applying the rule.
    pub load_seconds: f64,
    pub compute_seconds: f64,
}

/// The rule's revision for a program.
pub fn rule_of(program: Program) -> &'static str {
    match program {
        Program::Childcare => childcare::RULE,
        Program::Reward => reward::RULE,
        Program::Special => special::RULE,
    }
}

/// Refuses an area outside the actor's, or one the region tree does not have.
pub fn check_area(store: &Store, actor: &Actor, area: &RegionCode) -> Result<(), Error> {
    if !actor.can_read(area) {
        return Err(Error::OutsideArea(area.to_string()));
    }
    if store.region(area)?.is_none() {
        return Err(Error::UnknownRegion(area.to_string()));
    }
    Ok(())
}

fn check_year(year: i32) -> Result<(), Error> {
    if !(1990..=2100).contains(&year) {
        return Err(Error::Invalid(format!(
            "年份 {year} 超出范围（1990-2100） / year {year} out of range (1990-2100)"
        )));
    }
    Ok(())
}

/// Computes a run without saving it.
pub fn compute(
    store: &Store,
    actor: &Actor,
    req: &Request,
    params: &Parameters,
) -> Result<Computed, Error> {
    check_area(store, actor, &req.area)?;
    check_year(req.year)?;
    let t = Instant::now();
    let loaded = loader::load(store, req.program, req.year, params)?;
    let load_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let run = apply(&loaded, req, params)?;
    let compute_seconds = t.elapsed().as_secs_f64();
    Ok(Computed {
        run,
        loaded,
        load_seconds,
        compute_seconds,
    })
}

/// The program's rule over what was loaded.
pub fn apply(loaded: &Loaded, req: &Request, params: &Parameters) -> Result<Run, Error> {
    Ok(match req.program {
        Program::Childcare => childcare::run(&loaded.register, &req.area, req.year, params)?,
        Program::Reward => reward::run(
            &loaded.register,
            &loaded.families,
            &req.area,
            req.year,
            params,
        )?,
        Program::Special => special::run(
            &loaded.register,
            &loaded.families,
            &req.area,
            req.year,
            params,
        )?,
    })
}

/// The region a person's row belongs to: the last month due, else where they
/// were registered at the end of the year, else where they started.
pub fn row_region<'a>(computed: &'a Computed, d: &Determination) -> &'a RegionCode {
    let reg = &computed.loaded.register;
    if let Some(last) = d.due.last() {
        return computed.run.region_code(last.region);
    }
    let end = Month::new(computed.run.year, 12).last_day();
    let r = reg
        .region_at_start_of(d.person, end)
        .unwrap_or(reg.facts(d.person).region);
    reg.region_code(r)
}

#[derive(serde::Serialize)]
struct DueJson {
    month: Month,
    amount: Yuan,
}

/// A row's receipt as stored (the run's parameter values are stored once on the
/// run and joined back by [`receipt`]).
#[derive(serde::Serialize)]
struct RowReceipt<'a> {
    rule: &'static str,
    parameters_version: u32,
    facts: &'a [DecidingFact],
    findings: &'a [Finding],
    would_qualify_with: &'a [MissingFact],
    ending: &'a Option<Ending>,
    due: Vec<DueJson>,
    needs_review: bool,
}

fn row_receipt(d: &Determination) -> String {
    serde_json::to_string(&RowReceipt {
        rule: d.receipt.rule,
        parameters_version: d.receipt.parameters_version,
        facts: &d.receipt.facts,
        findings: &d.findings,
        would_qualify_with: &d.would_qualify_with,
        ending: &d.ending,
        due: d
            .due
            .iter()
            .map(|m| DueJson {
                month: m.month,
                amount: m.amount,
            })
            .collect(),
        needs_review: d.needs_review,
    })
    .expect("a receipt serialises")
}

/// Saves a computed run: the run, its rows with their receipts, and its due slots
/// into the month ledger, audited, in one transaction. Returns the run's id.
pub fn save(store: &Store, actor: &Actor, computed: &Computed) -> Result<i64, Error> {
    let run = &computed.run;
    if !actor.can_write(&run.area) {
        return Err(Error::Store(renkou_store::StoreError::Forbidden));
    }
    let values = run
        .determinations
        .first()
        .map(|d| serde_json::to_string(&*d.receipt.values).expect("values serialise"))
        .unwrap_or_else(|| "[]".into());
    let regions: Vec<&RegionCode> = run
        .determinations
        .iter()
        .map(|d| row_region(computed, d))
        .collect();
    let reasons: Vec<String> = run.determinations.iter().map(|d| d.reason()).collect();
    let receipts: Vec<String> = run.determinations.iter().map(row_receipt).collect();
    let rows: Vec<NewRunRow<'_>> = run
        .determinations
        .iter()
        .enumerate()
        .map(|(i, d)| NewRunRow {
            person_no: &d.person_id,
            region_code: regions[i].as_str(),
            eligible: d.eligible(),
            months: d.months(),
            amount: d.amount,
            reason: &reasons[i],
            needs_review: d.needs_review,
            receipt: &receipts[i],
        })
        .collect();
    let due: Vec<DueSlot<'_>> = run
        .determinations
        .iter()
        .flat_map(|d| {
            d.due.iter().map(move |m| DueSlot {
                person_no: &d.person_id,
                month: m.month,
                region_code: run.region_code(m.region).as_str(),
                amount: m.amount,
            })
        })
        .collect();
    let considered: Vec<&str> = run
        .determinations
        .iter()
        .map(|d| d.person_id.as_str())
        .collect();
    let eligible = run.eligible().count() as i64;
    store.write(actor, |tx| {
        let id = tables::insert_run(
            tx,
            &NewRun {
                program: run.program,
                region_code: run.area.as_str(),
                year: run.year,
                rule: rule_of(run.program),
                parameters_version: run.parameters_version,
                parameter_values: &values,
                considered: considered.len() as i64,
                eligible,
                total: run.total(),
            },
        )?;
        tables::insert_run_rows(tx, id, &rows)?;
        tables::take_run_slots(tx, id, run.program, &run.area, run.year, &considered, &due)?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: RUN,
            record_id: &id.to_string(),
            fields: &format!(
                "program={};region={};year={};considered={};eligible={};slots={}",
                run.program.code(),
                run.area,
                run.year,
                considered.len(),
                eligible,
                due.len()
            ),
        })?;
        Ok(id)
    })
}

/// Computes and saves.
pub fn run_and_save(
    store: &Store,
    actor: &Actor,
    req: &Request,
    params: &Parameters,
) -> Result<(i64, Computed), Error> {
    let computed = compute(store, actor, req, params)?;
    let id = save(store, actor, &computed)?;
    Ok((id, computed))
}

/// A stored run the actor may read: its area inside the actor's, or the actor's
/// area inside the run's (a village worker reads their village's rows of a
/// county run). `None` otherwise, as for a run that does not exist.
pub fn run_in_scope(store: &Store, actor: &Actor, id: i64) -> Result<Option<RunInfo>, Error> {
    let Some(run) = store.with(|c| tables::run_info(c, id))? else {
        return Ok(None);
    };
    let code = RegionCode::parse(&run.region_code)?;
    let visible = match actor.area() {
        None => true,
        Some(a) => a.contains(&code) || code.contains(a),
    };
    Ok(visible.then_some(run))
}

/// The part of a run's area the actor sees.
pub fn visible_area(actor: &Actor, run: &RunInfo) -> Result<RegionCode, Error> {
    let code = RegionCode::parse(&run.region_code)?;
    Ok(match actor.area() {
        Some(a) if code.contains(a) => a.clone(),
        _ => code,
    })
}

/// A page of a run's rows the actor may see, with the count, eligible count and
/// total of all of them.
pub struct RunPage {
    pub run: RunInfo,
    pub area: RegionCode,
    pub considered: i64,
    pub eligible: i64,
    pub total: Yuan,
    pub rows: Vec<RunRow>,
}

pub fn run_page(
    store: &Store,
    actor: &Actor,
    run: RunInfo,
    eligible_only: bool,
    limit: i64,
    offset: i64,
) -> Result<RunPage, Error> {
    let area = visible_area(actor, &run)?;
    let (considered, eligible, total, rows) = store.with(|c| {
        let (n, e, t) = tables::run_totals(c, run.id, &area)?;
        let rows = tables::run_rows(c, run.id, &area, eligible_only, limit, offset)?;
        Ok((n, e, t, rows))
    })?;
    Ok(RunPage {
        run,
        area,
        considered,
        eligible,
        total,
        rows,
    })
}

/// Runs the actor may see whose area touches `area`, newest first.
pub fn recent_runs(
    store: &Store,
    actor: &Actor,
    area: &RegionCode,
    limit: i64,
) -> Result<Vec<RunInfo>, Error> {
    check_area(store, actor, area)?;
    Ok(store.with(|c| tables::runs_touching(c, area, limit))?)
}

/// A row's full receipt: the stored row receipt with the run's parameter values.
pub fn receipt(store: &Store, run_id: i64, row: &RunRow) -> Result<serde_json::Value, Error> {
    let values = store
        .with(|c| tables::run_parameter_values(c, run_id))?
        .unwrap_or_else(|| "[]".into());
    let mut r: serde_json::Value = serde_json::from_str(&row.receipt)
        .map_err(|_| Error::Invalid(format!("认定批次 {run_id} 的凭据无法读取")))?;
    if let Some(o) = r.as_object_mut() {
        o.insert(
            "parameter_values".into(),
            serde_json::from_str(&values).unwrap_or(serde_json::Value::Null),
        );
    }
    Ok(r)
}
