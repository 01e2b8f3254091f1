//! 兑现发放 (payment cycles) on the web, Chinese first: the cycles of the account's
//! area with the form to draft one; a cycle's page (state with who and when, the
//! lines as cards on a phone, the bank files with their SHA-256, the signature
//! sheet as xlsx and PDF, the results upload and each import's classes); a bank
//! account recorded from the person's benefits page. The JSON API gives the same.
//! Handlers parse, call `renkou_benefits::payments`, render.

use crate::api::{ApiError, ApiJson, ApiQuery};
use crate::error::WebError;
use crate::extract::{ApiUser, Caller, CsrfForm, CsrfMultipart, Current, PersonOf};
use crate::i18n::L;
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Json;
use renkou_benefits::payments::{
    self, Cycle, CycleRequest, ImportReport, Line, NewAccount, RowClass,
};
use renkou_benefits::rules::{Month, Program};
use renkou_domain::{parse_date, RegionCode};

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
        Route::get("/benefits/cycles", Access::Session, &[], get(index)),
        Route::post("/benefits/cycles", Access::Session, &[], post(draft)),
        Route::get(
            "/benefits/cycles/{id}",
            Access::Session,
            &[BenefitCycle],
            get(cycle),
        ),
        Route::post(
            "/benefits/cycles/{id}/step",
            Access::Session,
            &[BenefitCycle],
            post(step),
        ),
        Route::post(
            "/benefits/cycles/{id}/results",
            Access::Session,
            &[BenefitCycle],
            post(results),
        ),
        Route::get(
            "/benefits/cycles/{id}/file",
            Access::Session,
            &[BenefitCycle],
            get(file),
        ),
        Route::post(
            "/persons/{no}/benefits/accounts",
            Access::Session,
            &[Person],
            post(add_account),
        ),
        Route::post("/api/v1/benefits/cycles", Access::Api, &[], post(api_draft)),
        Route::get(
            "/api/v1/benefits/cycles/{id}",
            Access::Api,
            &[BenefitCycle],
            get(api_cycle),
        ),
        Route::post(
            "/api/v1/benefits/cycles/{id}/state",
            Access::Api,
            &[BenefitCycle],
            post(api_step),
        ),
        Route::post(
            "/api/v1/benefits/cycles/{id}/results",
            Access::Api,
            &[BenefitCycle],
            post(api_results),
        ),
    ]
}

/// The URL's `{id}`: a payment cycle whose area lies inside the caller's.
pub struct CycleOf<U: Caller> {
    pub user: U,
    pub cycle: Cycle,
}

impl<U: Caller> FromRequestParts<AppState> for CycleOf<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let id: i64 =
            Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, state)
                .await
                .ok()
                .and_then(|Path(m)| m.get("id").and_then(|v| v.parse().ok()))
                .ok_or(WebError::NotFound)?;
        let (store, actor) = (state.store.clone(), user.actor());
        let cycle = blocking(move || Ok(payments::cycle_in_scope(&store, &actor, id)?))
            .await?
            .ok_or(WebError::NotFound)?;
        Ok(CycleOf { user, cycle })
    }
}

fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Local::now().year()
}

// --- the cycles of the area, and the draft form ----------------------------------

#[derive(Template)]
#[template(path = "benefits/cycles.html")]
struct IndexPage {
    l: L,
    names: crate::regions::RegionNames,
    me: Current,
    cycles: Vec<Cycle>,
    programs: Vec<(&'static str, &'static str, &'static str)>,
    year: i32,
    error: String,
}

impl IndexPage {
    fn region_name(&self, code: impl std::fmt::Display) -> String {
        self.names.name(&code.to_string())
    }
}

fn index_page(state: &AppState, me: &Current, error: String) -> Result<IndexPage, WebError> {
    Ok(IndexPage {
        names: crate::regions::RegionNames::load(state)?,
        l: me.l,
        cycles: payments::cycles(&state.store, &me.actor(), &me.scope.region, 100)?,
        me: me.clone(),
        programs: super::pages::programs(),
        year: this_year(),
        error,
    })
}

pub async fn index(State(state): State<AppState>, me: Current) -> Result<Html<String>, WebError> {
    let page = blocking(move || index_page(&state, &me, String::new())).await?;
    Ok(Html(page.render()?))
}

#[derive(serde::Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    program: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn parse_draft(f: &DraftForm, default_area: &RegionCode) -> Result<CycleRequest, String> {
    let program = Program::parse(&f.program).ok_or("请选择项目 / choose a program".to_string())?;
    let area = match f.region.trim() {
        "" => default_area.clone(),
        r => RegionCode::parse_prefix(r).map_err(|e| e.to_string())?,
    };
    let month = |s: &str| Month::parse(s.trim()).map_err(|e| e.to_string());
    Ok(CycleRequest {
        program,
        area,
        first: month(&f.from)?,
        last: month(&f.to)?,
    })
}

pub async fn draft(
    State(state): State<AppState>,
    CsrfForm { me, form: f }: CsrfForm<DraftForm>,
) -> Result<Response, WebError> {
    let parsed = parse_draft(&f, &me.scope.region);
    let outcome = blocking(move || {
        let req = match parsed {
            Ok(r) => r,
            Err(e) => return Ok(Err(index_page(&state, &me, me.l.half(&e))?)),
        };
        match payments::draft(&state.store, &me.actor(), &req) {
            Ok(id) => Ok(Ok(id)),
            Err(renkou_benefits::Error::Store(renkou_store::StoreError::Forbidden)) => {
                Err(WebError::Forbidden)
            }
            Err(e) => Ok(Err(index_page(&state, &me, me.l.half(&e.to_string()))?)),
        }
    })
    .await?;
    Ok(match outcome {
        Ok(id) => Redirect::to(&format!("/benefits/cycles/{id}")).into_response(),
        Err(page) => (StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response(),
    })
}

// --- one cycle ---------------------------------------------------------------------

/// A class of an import as the page shows it.
pub(crate) struct ClassLine {
    pub zh: &'static str,
    pub en: &'static str,
    pub count: i64,
    pub amount: String,
}

pub(crate) struct ImportShown {
    pub file: String,
    pub sha256: String,
    pub by: String,
    pub at: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "benefits/cycle.html")]
struct CyclePage {
    l: L,
    names: crate::regions::RegionNames,
    me: Current,
    c: Cycle,
    area_name: String,
    lines: Vec<Line>,
    villages: Vec<(String, String)>,
    can_write: bool,
    pdf: bool,
    message: String,
    error: String,
    report: Option<ImportReport>,
    classes: Vec<ClassLine>,
    odd_rows: Vec<String>,
    imports: Vec<ImportShown>,
}

impl CyclePage {
    fn region_name(&self, code: impl std::fmt::Display) -> String {
        self.names.name(&code.to_string())
    }
}

fn cycle_page(
    state: &AppState,
    me: &Current,
    c: Cycle,
    message: String,
    error: String,
    report: Option<ImportReport>,
) -> Result<CyclePage, WebError> {
    let names = crate::regions::RegionNames::load(state)?;
    let lines = state.store.with(|conn| payments::lines(conn, c.id, None))?;
    let mut villages: Vec<(String, String)> = lines
        .iter()
        .map(|l| (l.region_code.clone(), names.name(&l.region_code)))
        .collect();
    villages.sort();
    villages.dedup();
    let classes = report
        .as_ref()
        .map(|r| {
            RowClass::ALL
                .iter()
                .map(|k| {
                    let t = r.classes.get(k).copied().unwrap_or_default();
                    ClassLine {
                        zh: k.name_zh(),
                        en: k.name_en(),
                        count: t.count,
                        amount: t.amount.to_string(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let odd_rows = report
        .as_ref()
        .map(|r| {
            r.rows
                .iter()
                .filter(|x| !matches!(x.class, RowClass::Paid | RowClass::Failed))
                .map(|x| {
                    format!(
                        "{}:{}: {}{}",
                        r.file,
                        x.row,
                        me.l.s(x.class.name_zh(), x.class.name_en()),
                        x.batch_amount
                            .map(|b| format!(
                                " ({} {b} / {} {})",
                                me.l.s("批次", "batch"),
                                me.l.s("文件", "file"),
                                x.amount
                            ))
                            .unwrap_or_default()
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let imports = payments::imports(&state.store, &c)?
        .into_iter()
        .map(|i| ImportShown {
            at: crate::i18n::minute(&i.at),
            summary: summarise(me.l, &i.summary),
            file: i.file,
            sha256: i.sha256,
            by: i.by,
        })
        .collect();
    let area = RegionCode::parse(&c.region_code).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(CyclePage {
        area_name: names.name(&c.region_code),
        names,
        l: me.l,
        can_write: me.scope.can_write(&area),
        me: me.clone(),
        c,
        lines,
        villages,
        pdf: state.pdf.is_some(),
        message,
        error,
        report,
        classes,
        odd_rows,
        imports,
    })
}

/// An import's stored summary in words: "已发放 2 · 发放失败 1 · …".
fn summarise(l: L, json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let mut parts = Vec::new();
    for k in RowClass::ALL {
        let key = format!("{k:?}");
        if let Some(n) = v["classes"][&key]["count"].as_i64() {
            parts.push(format!("{} {n}", l.s(k.name_zh(), k.name_en())));
        }
    }
    if let Some(n) = v["lines_changed"].as_i64() {
        parts.push(format!("{} {n}", l.s("更新行数", "lines changed")));
    }
    parts.join(" · ")
}

pub async fn cycle(
    State(state): State<AppState>,
    CycleOf { user: me, cycle }: CycleOf<Current>,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || cycle_page(&state, &me, cycle, String::new(), String::new(), None))
        .await?;
    Ok(Html(page.render()?))
}

#[derive(serde::Deserialize)]
pub struct StepForm {
    #[serde(default)]
    step: String,
}

/// 报送银行 / 结清 / 作废; the outcome or the refusal on the cycle's page.
pub async fn step(
    State(state): State<AppState>,
    CycleOf { cycle, .. }: CycleOf<Current>,
    CsrfForm { me, form: f }: CsrfForm<StepForm>,
) -> Result<Response, WebError> {
    let page = blocking(move || {
        let actor = me.actor();
        let done = match f.step.as_str() {
            "send" => payments::send(&state.store, &actor, &cycle)
                .map(|_| ("已报送银行", "sent to the bank")),
            "close" => payments::close(&state.store, &actor, &cycle).map(|_| ("已结清", "closed")),
            "discard" => {
                payments::discard(&state.store, &actor, &cycle).map(|_| ("已作废", "discarded"))
            }
            _ => Err(renkou_benefits::Error::Invalid(
                "未知的步骤 / unknown step".into(),
            )),
        };
        let fresh =
            payments::cycle_in_scope(&state.store, &actor, cycle.id)?.ok_or(WebError::NotFound)?;
        match done {
            Ok((zh, en)) => cycle_page(
                &state,
                &me,
                fresh,
                me.l.s(zh, en).to_string(),
                String::new(),
                None,
            ),
            Err(renkou_benefits::Error::Store(renkou_store::StoreError::Forbidden)) => {
                Err(WebError::Forbidden)
            }
            Err(e) => cycle_page(
                &state,
                &me,
                fresh,
                String::new(),
                me.l.half(&e.to_string()),
                None,
            ),
        }
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

/// The bank's results file (CSV or xlsx): classified and recorded, the report shown.
pub async fn results(
    State(state): State<AppState>,
    CycleOf { cycle, .. }: CycleOf<Current>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let me = form.me.clone();
    let upload = form
        .file
        .filter(|f| !f.bytes.is_empty())
        .ok_or_else(|| WebError::BadRequest(me.l.s("请选择文件", "choose a file").into()))?;
    let (name, bytes) = (upload.file_name, upload.bytes);
    let (page, ok) = blocking(move || {
        let dir = crate::register::imports::TempDir::new("bank-results")?;
        let path = dir.path().join(&name);
        std::fs::write(&path, &bytes).map_err(|e| WebError::Internal(e.to_string()))?;
        let outcome = payments::import_results(&state.store, &me.actor(), &cycle, &path, &name);
        let fresh = payments::cycle_in_scope(&state.store, &me.actor(), cycle.id)?
            .ok_or(WebError::NotFound)?;
        match outcome {
            Ok(r) => {
                let msg = if r.lines_changed == 0 {
                    me.l.s(
                        "此文件已导入过，未作改动",
                        "this file was imported before: nothing changed",
                    )
                    .to_string()
                } else {
                    format!(
                        "{} {}",
                        me.l.s("已导入，更新行数", "imported; lines changed"),
                        r.lines_changed
                    )
                };
                Ok((
                    cycle_page(&state, &me, fresh, msg, String::new(), Some(r))?,
                    true,
                ))
            }
            Err(renkou_benefits::Error::Store(renkou_store::StoreError::Forbidden)) => {
                Err(WebError::Forbidden)
            }
            Err(e) => {
                let shown = e
                    .to_string()
                    .lines()
                    .map(|l| me.l.half(l))
                    .collect::<Vec<_>>()
                    .join("\n");
                Ok((
                    cycle_page(&state, &me, fresh, String::new(), shown, None)?,
                    false,
                ))
            }
        }
    })
    .await?;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct FileQuery {
    kind: String,
    village: Option<String>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn attachment(name: &str) -> String {
    // RFC 5987 for the Chinese file name, an ASCII fallback.
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!(
        "attachment; filename=\"cycle.{}\"; filename*=UTF-8''{encoded}",
        name.rsplit('.').next().unwrap_or("bin")
    )
}

/// A file of the cycle: `bank_csv`, `bank_xlsx` (as kept, its hash in a header),
/// `sign_xlsx`, `sign_pdf` (the signature sheet, optionally of one village).
pub async fn file(
    State(state): State<AppState>,
    CycleOf { user: me, cycle }: CycleOf<Current>,
    Query(q): Query<FileQuery>,
) -> Result<Response, WebError> {
    let village = match q
        .village
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(v) => {
            Some(RegionCode::parse_prefix(v).map_err(|e| WebError::BadRequest(e.to_string()))?)
        }
        None => None,
    };
    let pdf = state.pdf.clone();
    let l = me.l;
    let (name, ctype, bytes, sha) = blocking(move || match q.kind.as_str() {
        "bank_csv" | "bank_xlsx" => {
            let (name, sha, bytes) =
                payments::bank_file(&state.store, &cycle, &q.kind)?.ok_or(WebError::NotFound)?;
            let ctype = if q.kind == "bank_csv" {
                "text/csv; charset=utf-8"
            } else {
                XLSX
            };
            Ok((name, ctype, bytes, Some(sha)))
        }
        "sign_xlsx" | "sign_pdf" => {
            let sheet = payments::signature_sheet(&state.store, &cycle, village.as_ref())?;
            let stem = format!("发放批次{}_兑现资金签字表", cycle.id);
            if q.kind == "sign_xlsx" {
                let bytes = payments::signature_xlsx(&sheet, cycle.created_at.date_naive())?;
                Ok((format!("{stem}.xlsx"), XLSX, bytes, None))
            } else {
                let w = pdf.ok_or_else(|| {
                    WebError::BadRequest(
                        l.s("此服务器未带 PDF 功能", "this server was built without PDF")
                            .into(),
                    )
                })?;
                let bytes = w
                    .write_pdf(&payments::signature_document(&sheet))
                    .map_err(WebError::Internal)?;
                Ok((format!("{stem}.pdf"), "application/pdf", bytes, None))
            }
        }
        _ => Err(WebError::BadRequest(
            l.s("未知的文件", "unknown file").into(),
        )),
    })
    .await?;
    let mut resp = (
        [
            (CONTENT_TYPE, ctype.to_string()),
            (CONTENT_DISPOSITION, attachment(&name)),
        ],
        bytes,
    )
        .into_response();
    if let Some(sha) = sha {
        if let Ok(v) = sha.parse() {
            resp.headers_mut().insert("x-sha256", v);
        }
    }
    Ok(resp)
}

// --- a bank account, from the person's benefits page -------------------------------

#[derive(serde::Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    holder_name: String,
    #[serde(default)]
    holder_id: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    bank: String,
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    document: String,
}

pub async fn add_account(
    State(state): State<AppState>,
    PersonOf { person, .. }: PersonOf<Current>,
    CsrfForm { me, form: f }: CsrfForm<AccountForm>,
) -> Result<Response, WebError> {
    let page = blocking(move || {
        let as_of = parse_date(f.as_of.trim()).map_err(|e| e.to_string());
        let r = as_of.and_then(|as_of| {
            payments::record_account(
                &state.store,
                &me.actor(),
                &NewAccount {
                    person_no: person.person_no.clone(),
                    holder_name: f.holder_name,
                    holder_id_number: f.holder_id,
                    account_no: f.account,
                    bank: f.bank,
                    as_of,
                    document: f.document,
                },
            )
            .map_err(|e| match e {
                renkou_benefits::Error::Store(renkou_store::StoreError::Forbidden) => {
                    "无权修改 / not allowed to change this".to_string()
                }
                e => e.to_string(),
            })
        });
        match r {
            Ok(id) => super::pages::person_page(
                &state,
                &me,
                person,
                String::new(),
                format!(
                    "{} {id}",
                    me.l.s("已登记银行账户", "bank account recorded:")
                ),
            ),
            Err(e) => super::pages::person_page(&state, &me, person, me.l.half(&e), String::new()),
        }
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

/// A payment line of a person, as their benefits page shows it.
pub(crate) struct PaymentRow {
    pub cycle: i64,
    /// Whether the reader may open the cycle (its area inside theirs).
    pub visible: bool,
    pub program: &'static str,
    pub period: String,
    pub months: i64,
    pub amount: String,
    pub account: String,
    pub result: String,
}

/// A person's bank accounts and payment lines, for their benefits page.
pub(crate) fn person_parts(
    state: &AppState,
    me: &Current,
    person_no: &str,
) -> Result<(Vec<payments::Account>, Vec<PaymentRow>), WebError> {
    let actor = me.actor();
    let accounts = payments::accounts_of(&state.store, &actor, person_no)?.unwrap_or_default();
    let l = me.l;
    let rows = payments::lines_of_person(&state.store, &actor, person_no)?
        .unwrap_or_default()
        .into_iter()
        .map(|(c, x)| PaymentRow {
            cycle: c.id,
            visible: RegionCode::parse(&c.region_code).is_ok_and(|a| actor.can_read(&a)),
            program: if l.en {
                c.program.code()
            } else {
                c.program.name_zh()
            },
            period: format!("{}—{}", c.first_month, c.last_month),
            months: x.months,
            amount: x.amount.to_string(),
            account: x.account_no,
            result: match x.result.as_deref() {
                Some("paid") => l.s("已发放", "paid").to_string(),
                Some(_) => format!(
                    "{}：{}",
                    l.s("失败", "failed"),
                    x.reason.unwrap_or_default()
                ),
                None if c.state == payments::CycleState::Discarded => {
                    l.s("批次已作废", "cycle discarded").to_string()
                }
                None => l.s(c.state.name_zh(), c.state.name_en()).to_string(),
            },
        })
        .collect();
    Ok((accounts, rows))
}

// --- the JSON API ------------------------------------------------------------------

#[derive(serde::Deserialize)]
struct DraftBody {
    program: String,
    region: String,
    from: String,
    to: String,
}

#[derive(serde::Serialize)]
struct CycleBody {
    cycle: Cycle,
    lines: Vec<Line>,
}

async fn api_draft(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<DraftBody>,
) -> Result<(StatusCode, Json<CycleBody>), ApiError> {
    let area = RegionCode::parse_prefix(b.region.trim())
        .map_err(|e| ApiError(WebError::BadRequest(e.to_string())))?;
    let req = parse_draft(
        &DraftForm {
            program: b.program,
            region: b.region,
            from: b.from,
            to: b.to,
        },
        &area,
    )
    .map_err(|e| ApiError(WebError::BadRequest(e)))?;
    let body = blocking(move || {
        let actor = user.actor();
        let id = payments::draft(&state.store, &actor, &req)?;
        let cycle =
            payments::cycle_in_scope(&state.store, &actor, id)?.ok_or(WebError::NotFound)?;
        let lines = state.store.with(|c| payments::lines(c, id, None))?;
        Ok(CycleBody { cycle, lines })
    })
    .await?;
    Ok((StatusCode::CREATED, Json(body)))
}

async fn api_cycle(
    State(state): State<AppState>,
    CycleOf { cycle, .. }: CycleOf<ApiUser>,
) -> Result<Json<CycleBody>, ApiError> {
    let body = blocking(move || {
        let lines = state.store.with(|c| payments::lines(c, cycle.id, None))?;
        Ok(CycleBody { cycle, lines })
    })
    .await?;
    Ok(Json(body))
}

#[derive(serde::Deserialize)]
struct StepBody {
    step: String,
}

/// 报送银行 / 结清 / 作废 through the API; the cycle as it is afterwards.
async fn api_step(
    State(state): State<AppState>,
    CycleOf { user, cycle }: CycleOf<ApiUser>,
    ApiJson(b): ApiJson<StepBody>,
) -> Result<Json<CycleBody>, ApiError> {
    let body = blocking(move || {
        let actor = user.actor();
        match b.step.as_str() {
            "send" => payments::send(&state.store, &actor, &cycle)?,
            "close" => payments::close(&state.store, &actor, &cycle)?,
            "discard" => payments::discard(&state.store, &actor, &cycle)?,
            _ => {
                return Err(WebError::BadRequest(
                    "step 应为 send、close 或 discard / step must be send, close or discard".into(),
                ))
            }
        }
        let cycle =
            payments::cycle_in_scope(&state.store, &actor, cycle.id)?.ok_or(WebError::NotFound)?;
        let lines = state.store.with(|c| payments::lines(c, cycle.id, None))?;
        Ok(CycleBody { cycle, lines })
    })
    .await?;
    Ok(Json(body))
}

#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ResultsQuery {
    /// The file's name; its extension tells the format (.csv or .xlsx).
    file_name: Option<String>,
}

/// The bank's results file (the body) through the API: classified and recorded as
/// on the page, the report as JSON; a file or a cycle that refuses it is a 422
/// with each line of the refusal (a bad cell as `file:row:field`).
async fn api_results(
    State(state): State<AppState>,
    CycleOf { user, cycle }: CycleOf<ApiUser>,
    ApiQuery(q): ApiQuery<ResultsQuery>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    if body.is_empty() {
        return Err(ApiError(WebError::BadRequest(
            "请求体为空 / the request body is empty".into(),
        )));
    }
    let name =
        crate::register::imports::safe_file_name(q.file_name.as_deref().unwrap_or("results.csv"));
    Ok(blocking(move || {
        let dir = crate::register::imports::TempDir::new("api-bank-results")?;
        let path = dir.path().join(&name);
        std::fs::write(&path, &body).map_err(|e| WebError::Internal(e.to_string()))?;
        match payments::import_results(&state.store, &user.actor(), &cycle, &path, &name) {
            Ok(r) => Ok(Json(r).into_response()),
            Err(renkou_benefits::Error::Invalid(m)) => {
                let errors: Vec<&str> = m.lines().filter(|l| !l.trim().is_empty()).collect();
                Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(serde_json::json!({
                        "error": "refused",
                        "message": format!("未导入任何结果 / nothing was imported: {}", errors.first().copied().unwrap_or("")),
                        "errors": errors,
                    })),
                )
                    .into_response())
            }
            Err(e) => Err(e.into()),
        }
    })
    .await?)
}
