//! The benefits pages, Chinese first: the runs of the account's area with the form
//! to start one (育儿补贴 / 奖励扶助 / 特别扶助, area, year); a run's rows (who is
//! considered, eligible or not, months, amount, the reason in words); a person's
//! month ledger per program with what is due, paid and owed either way, and their
//! attested facts with the form to record one.

use super::RunOf;
use crate::error::WebError;
use crate::extract::{CsrfForm, Current, PersonOf};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_benefits::rules::{Month, Program, Yuan};
use renkou_benefits::runs::{self, Request, RunPage};
use renkou_benefits::slots::{self, Balance};
use renkou_benefits::tables::{FactKind, NewFact, RunInfo, Slot, StoredFact};
use renkou_benefits::{attest, roster};
use renkou_domain::{parse_date, PersonRecord, RegionCode};

const PAGE_SIZE: i64 = 100;

/// The programs as the forms offer them: (code, 中文, English).
pub(crate) fn programs() -> Vec<(&'static str, &'static str, &'static str)> {
    Program::ALL
        .iter()
        .map(|p| {
            (
                p.code(),
                p.name_zh(),
                match p {
                    Program::Childcare => "childcare subsidy",
                    Program::Reward => "reward assistance",
                    Program::Special => "special assistance",
                },
            )
        })
        .collect()
}

/// The year a run defaults to: the current one.
fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Local::now().year()
}

// --- index: runs and the form to start one ------------------------------------

#[derive(Template)]
#[template(path = "benefits/index.html")]
struct IndexPage {
    l: L,
    me: Current,
    runs: Vec<RunInfo>,
    programs: Vec<(&'static str, &'static str, &'static str)>,
    year: i32,
    error: String,
    /// Candidates from the register's events (`review.rs`).
    candidates: Vec<renkou_benefits::review::Candidate>,
    names: crate::regions::RegionNames,
}

impl IndexPage {
    fn region_name(&self, code: impl std::fmt::Display) -> String {
        self.names.name(&code.to_string())
    }
}

fn index_page(state: &AppState, me: &Current, error: String) -> Result<IndexPage, WebError> {
    let runs = runs::recent_runs(&state.store, &me.actor(), &me.scope.region, 50)?;
    Ok(IndexPage {
        l: me.l,
        me: me.clone(),
        runs,
        programs: programs(),
        year: this_year(),
        error,
        names: crate::regions::RegionNames::load(state)?,
        candidates: super::review::candidates_of(state, me)?,
    })
}

pub async fn index(
    State(state): State<AppState>,
    current: Current,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || index_page(&state, &current, String::new())).await?;
    Ok(Html(page.render()?))
}

#[derive(serde::Deserialize)]
pub struct RunForm {
    #[serde(default)]
    program: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    year: String,
}

/// Starts a run over an area inside the account's and saves it (rows, receipts,
/// month slots); a refusal is shown on the index page.
pub async fn start_run(
    State(state): State<AppState>,
    CsrfForm { me, form: f }: CsrfForm<RunForm>,
) -> Result<Response, WebError> {
    let parsed = (|| -> Result<Request, String> {
        let program =
            Program::parse(&f.program).ok_or("请选择项目 / choose a program".to_string())?;
        let region = match f.region.trim() {
            "" => me.scope.region.clone(),
            r => RegionCode::parse_prefix(r).map_err(|e| e.to_string())?,
        };
        let year = f
            .year
            .trim()
            .parse()
            .map_err(|_| "年度应为四位数字 / the year must be four digits".to_string())?;
        Ok(Request {
            program,
            area: region,
            year,
        })
    })();
    let outcome = blocking(move || {
        let req = match parsed {
            Ok(r) => r,
            Err(e) => return Ok(Err(index_page(&state, &me, e)?)),
        };
        let params = renkou_benefits::layers::effective(&state.store)?;
        match runs::run_and_save(&state.store, &me.actor(), &req, &params) {
            Ok((id, _)) => Ok(Ok(id)),
            Err(renkou_benefits::Error::Store(renkou_store::StoreError::Forbidden)) => {
                Err(WebError::Forbidden)
            }
            Err(e) => Ok(Err(index_page(&state, &me, e.to_string())?)),
        }
    })
    .await?;
    Ok(match outcome {
        Ok(id) => Redirect::to(&format!("/benefits/runs/{id}")).into_response(),
        Err(page) => Html(page.render()?).into_response(),
    })
}

// --- one run ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "benefits/run.html")]
struct RunTemplate {
    l: L,
    me: Current,
    page: RunPage,
    roster: Vec<RosterLine>,
    message: String,
    program_zh: &'static str,
    eligible_only: bool,
    next: Option<i64>,
    prev: Option<i64>,
    names: crate::regions::RegionNames,
}

impl RunTemplate {
    fn region_name(&self, code: impl std::fmt::Display) -> String {
        self.names.name(&code.to_string())
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RunQuery {
    offset: Option<i64>,
    eligible: Option<String>,
}

/// A roster row as the run page shows it.
pub(crate) struct RosterLine {
    pub person_no: String,
    pub name: String,
    pub region_code: String,
    pub state: &'static str,
    pub notice: String,
    pub objection: String,
    pub resolution: String,
}

fn roster_lines(
    state: &AppState,
    me: &Current,
    run: &RunInfo,
) -> Result<Vec<RosterLine>, WebError> {
    let area = runs::visible_area(&me.actor(), run)?;
    Ok(roster::roster(&state.store, &me.actor(), run, &area)?
        .into_iter()
        .map(|r| RosterLine {
            notice: match (r.notice_from, r.notice_days) {
                (Some(f), Some(d)) => format!("{f} 起 {d} 天"),
                _ => String::new(),
            },
            objection: r.objection.unwrap_or_default(),
            resolution: r.resolution.unwrap_or_default(),
            person_no: r.person_no,
            name: r.name,
            region_code: r.region_code,
            state: r.state.name_zh(),
        })
        .collect())
}

pub async fn run(
    State(state): State<AppState>,
    RunOf { user: me, run }: RunOf<Current>,
    Query(q): Query<RunQuery>,
) -> Result<Html<String>, WebError> {
    let offset = q.offset.unwrap_or(0).max(0);
    let eligible_only = q.eligible.as_deref() == Some("1");
    let page =
        blocking(move || run_template(&state, me, run, eligible_only, offset, String::new()))
            .await?;
    Ok(Html(page.render()?))
}

fn run_template(
    state: &AppState,
    me: Current,
    run: RunInfo,
    eligible_only: bool,
    offset: i64,
    message: String,
) -> Result<RunTemplate, WebError> {
    {
        let program_zh = run.program.name_zh();
        let roster = roster_lines(state, &me, &run)?;
        let page = runs::run_page(
            &state.store,
            &me.actor(),
            run,
            eligible_only,
            PAGE_SIZE,
            offset,
        )?;
        let shown = if eligible_only {
            page.eligible
        } else {
            page.considered
        };
        Ok(RunTemplate {
            l: me.l,
            me,
            next: (offset + PAGE_SIZE < shown).then_some(offset + PAGE_SIZE),
            prev: (offset > 0).then_some((offset - PAGE_SIZE).max(0)),
            page,
            roster,
            message,
            program_zh,
            eligible_only,
            names: crate::regions::RegionNames::load(state)?,
        })
    }
}

#[derive(serde::Deserialize)]
pub struct RosterForm {
    #[serde(default)]
    step: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    upheld: String,
}

/// One step of the roster: propose, check, notice, approve (for an area), object
/// or resolve (for a person); the outcome or the refusal is shown on the run page.
pub async fn roster_step(
    State(state): State<AppState>,
    RunOf { run, .. }: RunOf<Current>,
    CsrfForm { me, form: f }: CsrfForm<RosterForm>,
) -> Result<Response, WebError> {
    let page = blocking(move || {
        let actor = me.actor();
        let today = chrono::Local::now().date_naive();
        let outcome = (|| -> Result<String, String> {
            let area = || -> Result<RegionCode, String> {
                match f.region.trim() {
                    "" => runs::visible_area(&actor, &run).map_err(|e| e.to_string()),
                    r => RegionCode::parse_prefix(r).map_err(|e| e.to_string()),
                }
            };
            let e = |e: renkou_benefits::Error| e.to_string();
            let n = match f.step.as_str() {
                "propose" => roster::propose(&state.store, &actor, &run, &area()?).map_err(e)?,
                "check" => roster::check(&state.store, &actor, &run, &area()?).map_err(e)?,
                "notice" => {
                    let from = parse_date(f.from.trim()).map_err(|e| e.to_string())?;
                    let days: u32 = f.days.trim().parse().map_err(|_| {
                        "公示天数应为整数 / days must be a whole number".to_string()
                    })?;
                    roster::start_notice(&state.store, &actor, &run, &area()?, from, days)
                        .map_err(e)?
                }
                "approve" => {
                    roster::approve(&state.store, &actor, &run, &area()?, today).map_err(e)?
                }
                "object" => {
                    roster::object(&state.store, &actor, &run, f.person.trim(), &f.text)
                        .map_err(e)?;
                    1
                }
                "resolve" => {
                    roster::resolve(
                        &state.store,
                        &actor,
                        &run,
                        f.person.trim(),
                        &f.text,
                        f.upheld == "1",
                    )
                    .map_err(e)?;
                    1
                }
                _ => return Err("未知的步骤 / unknown step".into()),
            };
            Ok(format!("已处理 {n} 条 / {n} rows"))
        })();
        let message = outcome.unwrap_or_else(|e| e);
        run_template(&state, me, run, false, 0, message)
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "benefits/notice.html")]
struct NoticePage {
    l: L,
    program_zh: &'static str,
    year: i32,
    area: String,
    lines: Vec<roster::NoticeLine>,
}

/// The printable public notice (公示): name, village and program only.
pub async fn notice(
    State(state): State<AppState>,
    RunOf { user: me, run }: RunOf<Current>,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || {
        let area = runs::visible_area(&me.actor(), &run)?;
        let lines = roster::notice(&state.store, &me.actor(), &run, &area)?;
        Ok(NoticePage {
            l: me.l,
            program_zh: run.program.name_zh(),
            year: run.year,
            area: state
                .store
                .region(&area)?
                .map(|r| r.name)
                .unwrap_or_default(),
            lines,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

// --- a person's ledger and facts ------------------------------------------------

/// One program's part of a person's ledger.
pub(crate) struct ProgramLedger {
    pub name_zh: &'static str,
    pub code: &'static str,
    pub slots: Vec<SlotRow>,
    pub balance: Balance,
}

/// A slot as the page shows it.
pub(crate) struct SlotRow {
    pub month: String,
    pub region_code: String,
    pub due: String,
    pub paid: String,
    pub batch: String,
    pub run: Option<i64>,
}

/// An attested fact as the page shows it.
pub(crate) struct FactRow {
    pub kind: FactKind,
    pub value: String,
    pub as_of: String,
    pub document: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

impl From<&StoredFact> for FactRow {
    fn from(f: &StoredFact) -> FactRow {
        FactRow {
            kind: f.kind,
            value: f.value.clone(),
            as_of: f.as_of.to_string(),
            document: f.document.clone(),
            recorded_by: f.recorded_by.clone(),
            recorded_at: crate::i18n::minute(&f.recorded_at),
        }
    }
}

#[derive(Template)]
#[template(path = "benefits/person.html")]
pub(crate) struct PersonPage {
    l: L,
    names: crate::regions::RegionNames,
    me: Current,
    p: PersonRecord,
    ledgers: Vec<ProgramLedger>,
    facts: Vec<FactRow>,
    kinds: Vec<(&'static str, &'static str)>,
    can_write: bool,
    error: String,
    message: String,
    /// Bank accounts and payment lines (`payments.rs`).
    accounts: Vec<renkou_benefits::payments::Account>,
    payments: Vec<super::payments::PaymentRow>,
    /// Every decision with its receipt and roster steps (`review.rs`).
    decisions: Vec<super::review::DecisionRow>,
    pdf: bool,
}

impl PersonPage {
    fn region_name(&self, code: impl std::fmt::Display) -> String {
        self.names.name(&code.to_string())
    }
}

pub(crate) fn ledgers(slots: Vec<Slot>) -> Vec<ProgramLedger> {
    let through = Month::of(chrono::Local::now().date_naive());
    Program::ALL
        .iter()
        .filter_map(|p| {
            let mine: Vec<Slot> = slots.iter().filter(|s| s.program == *p).cloned().collect();
            if mine.is_empty() {
                return None;
            }
            let last = mine.iter().map(|s| s.month).max().unwrap_or(through);
            Some(ProgramLedger {
                name_zh: p.name_zh(),
                code: p.code(),
                balance: slots::balance(&mine, *p, last.max(through)),
                slots: mine
                    .iter()
                    .map(|s| SlotRow {
                        month: s.month.to_string(),
                        region_code: s.region_code.clone(),
                        due: money(&s.due_amount),
                        paid: money(&s.paid_amount),
                        batch: s.paid_batch.clone().unwrap_or_default(),
                        run: s.due_run_id,
                    })
                    .collect(),
            })
        })
        .collect()
}

pub(crate) fn person_page(
    state: &AppState,
    me: &Current,
    p: PersonRecord,
    error: String,
    message: String,
) -> Result<PersonPage, WebError> {
    let actor = me.actor();
    let slots = slots::ledger_of(&state.store, &actor, &p.person_no)?.ok_or(WebError::NotFound)?;
    let facts = attest::facts_of(&state.store, &actor, &p.person_no)?.ok_or(WebError::NotFound)?;
    let (accounts, payments) = super::payments::person_parts(state, me, &p.person_no)?;
    Ok(PersonPage {
        names: crate::regions::RegionNames::load(state)?,
        accounts,
        payments,
        decisions: super::review::decisions_of(state, me, &p.person_no)?,
        pdf: state.pdf.is_some(),
        l: me.l,
        can_write: me.scope.can_write(&p.region_code),
        me: me.clone(),
        p,
        ledgers: ledgers(slots),
        facts: facts.iter().map(FactRow::from).collect(),
        kinds: FactKind::ALL
            .iter()
            .map(|k| (k.code(), me.l.s(k.name_zh(), k.name_en())))
            .collect(),
        error,
        message,
    })
}

pub async fn person(
    State(state): State<AppState>,
    PersonOf { user: me, person }: PersonOf<Current>,
) -> Result<Html<String>, WebError> {
    let page =
        blocking(move || person_page(&state, &me, person, String::new(), String::new())).await?;
    Ok(Html(page.render()?))
}

#[derive(serde::Deserialize)]
pub struct FactForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    document: String,
}

pub async fn add_fact(
    State(state): State<AppState>,
    PersonOf { person, .. }: PersonOf<Current>,
    CsrfForm { me, form: f }: CsrfForm<FactForm>,
) -> Result<Response, WebError> {
    let page = blocking(move || {
        let fact = (|| -> Result<NewFact, String> {
            Ok(NewFact {
                person_no: person.person_no.clone(),
                kind: FactKind::parse(&f.kind).ok_or("请选择事实类型 / choose a kind of fact")?,
                value: if f.value.trim().is_empty() {
                    "yes".into()
                } else {
                    f.value.clone()
                },
                as_of: parse_date(f.as_of.trim()).map_err(|e| e.to_string())?,
                document: f.document.trim().to_string(),
            })
        })();
        let result = fact.and_then(|fact| {
            attest::record_fact(&state.store, &me.actor(), &fact).map_err(|e| match e {
                renkou_benefits::Error::Store(renkou_store::StoreError::Forbidden) => {
                    "无权修改 / not allowed to change this".to_string()
                }
                e => e.to_string(),
            })
        });
        match result {
            Ok(id) => person_page(
                &state,
                &me,
                person,
                String::new(),
                format!("已记录证明事实 {id} / attested fact {id} recorded"),
            ),
            Err(e) => person_page(&state, &me, person, e, String::new()),
        }
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

/// Yuan or a dash, for the ledger's cells.
pub(crate) fn money(v: &Option<Yuan>) -> String {
    v.map(|y| y.to_string()).unwrap_or_else(|| "—".into())
}
