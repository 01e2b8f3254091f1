//! Reviewing on the web: two eligibility runs compared (`/benefits/runs/{id}/compare
//! ?with=N`), the candidates the register's events make (on the benefits page,
//! each with a button that runs the check for the person's village), and one file
//! per person (一人一卷) as PDF (`/persons/{no}/benefits/file`).

use super::RunOf;
use crate::error::WebError;
use crate::extract::{Current, PersonOf};
use crate::i18n::L;
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use renkou_benefits::review::{self, Candidate, Difference};
use renkou_benefits::runs;
use renkou_benefits::tables::RunInfo;

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
        Route::get(
            "/benefits/runs/{id}/compare",
            Access::Session,
            &[BenefitRun],
            get(compare),
        ),
        Route::get(
            "/persons/{no}/benefits/file",
            Access::Session,
            &[Person],
            get(file_pdf),
        ),
    ]
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CompareQuery {
    with: Option<String>,
}

#[derive(Template)]
#[template(path = "benefits/compare.html")]
struct ComparePage {
    l: L,
    names: crate::regions::RegionNames,
    me: Current,
    later: RunInfo,
    earlier: Option<RunInfo>,
    others: Vec<RunInfo>,
    diff: Vec<Difference>,
    error: String,
}

impl ComparePage {
    fn region_name(&self, code: impl std::fmt::Display) -> String {
        self.names.name(&code.to_string())
    }
}

/// The run against an earlier one of the same program (by default the latest
/// earlier run of the same program, year and area).
pub async fn compare(
    State(state): State<AppState>,
    RunOf { user: me, run }: RunOf<Current>,
    Query(q): Query<CompareQuery>,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || {
        let actor = me.actor();
        let others: Vec<RunInfo> = runs::recent_runs(&state.store, &actor, &me.scope.region, 50)?
            .into_iter()
            .filter(|r| r.program == run.program && r.id != run.id)
            .collect();
        let chosen = match q.with.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let id: i64 = s.parse().map_err(|_| WebError::NotFound)?;
                Some(runs::run_in_scope(&state.store, &actor, id)?.ok_or(WebError::NotFound)?)
            }
            None => others
                .iter()
                .filter(|r| r.id < run.id && r.year == run.year && r.region_code == run.region_code)
                .max_by_key(|r| r.id)
                .cloned(),
        };
        let (diff, error) = match &chosen {
            Some(e) => match review::compare(&state.store, &actor, e, &run) {
                Ok(d) => (d, String::new()),
                Err(e) => (Vec::new(), me.l.half(&e.to_string())),
            },
            None => (Vec::new(), String::new()),
        };
        Ok(ComparePage {
            names: crate::regions::RegionNames::load(&state)?,
            l: me.l,
            me,
            later: run,
            earlier: chosen,
            others,
            diff,
            error,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

/// The candidates of the caller's area over the last year, for the benefits page.
pub(crate) fn candidates_of(state: &AppState, me: &Current) -> Result<Vec<Candidate>, WebError> {
    let today = chrono::Local::now().date_naive();
    Ok(review::candidates(
        &state.store,
        &me.actor(),
        &me.scope.region,
        today,
        365,
    )?)
}

/// One file per person as PDF (the page is `/persons/{no}/benefits`).
pub async fn file_pdf(
    State(state): State<AppState>,
    PersonOf { user: me, person }: PersonOf<Current>,
) -> Result<Response, WebError> {
    let pdf = state.pdf.clone().ok_or_else(|| {
        WebError::BadRequest(
            me.l.s("此服务器未带 PDF 功能", "this server was built without PDF")
                .into(),
        )
    })?;
    let no = person.person_no.clone();
    let bytes = blocking(move || {
        let d = review::dossier(&state.store, &me.actor(), &person.person_no)?
            .ok_or(WebError::NotFound)?;
        let village = state
            .store
            .region(&person.region_code)?
            .map(|r| r.name)
            .unwrap_or_default();
        pdf.write_pdf(&review::dossier_document(&d, &village))
            .map_err(WebError::Internal)
    })
    .await?;
    Ok((
        [
            (CONTENT_TYPE, "application/pdf".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{no}-benefits.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A decision as the person's page shows it.
pub(crate) struct DecisionRow {
    pub run: i64,
    pub program: &'static str,
    pub year: i32,
    pub eligible: bool,
    pub months: u32,
    pub amount: String,
    pub reason: String,
    pub roster: String,
    /// The receipt's entries, `key: value`.
    pub receipt: Vec<String>,
    pub by: String,
}

pub(crate) fn decisions_of(
    state: &AppState,
    me: &Current,
    person_no: &str,
) -> Result<Vec<DecisionRow>, WebError> {
    let l = me.l;
    let Some(d) = review::dossier(&state.store, &me.actor(), person_no)? else {
        return Ok(Vec::new());
    };
    Ok(d.decisions
        .into_iter()
        .map(|x| {
            let mut roster = x
                .roster_state
                .map(|s| s.name_zh().to_string())
                .unwrap_or_else(|| l.s("未申报", "not proposed").to_string());
            if let (Some(f), Some(n)) = (x.notice_from, x.notice_days) {
                roster.push_str(&format!(
                    "；{} {f} {} {n} {}",
                    l.s("公示", "notice"),
                    l.s("起", "for"),
                    l.s("天", "days")
                ));
            }
            if let Some(o) = &x.objection {
                roster.push_str(&format!("；{}：{o}", l.s("异议", "objection")));
            }
            if let Some(r) = &x.resolution {
                roster.push_str(&format!("；{}：{r}", l.s("处理", "resolved")));
            }
            let receipt = review::receipt_lines(&x.receipt);
            DecisionRow {
                run: x.run.id,
                program: if l.en {
                    x.run.program.code()
                } else {
                    x.run.program.name_zh()
                },
                year: x.run.year,
                eligible: x.eligible,
                months: x.months,
                amount: x.amount.to_string(),
                reason: l.half(&x.reason),
                roster,
                receipt,
                by: x.run.created_by,
            }
        })
        .collect())
}
