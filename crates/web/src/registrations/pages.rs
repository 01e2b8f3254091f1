//! The registrations pages, Chinese first. Handlers parse the form, call a use case
//! of `renkou_registrations` and render; a refusal is shown on the page it came
//! from, in the page's language.

use super::{BirthOf, CertificateOf};
use crate::auth::{ClientAddr, RateLimiter};
use crate::error::WebError;
use crate::extract::{CsrfForm, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_domain::{parse_date, Date, RegionCode};
use renkou_registrations::births::{self, NewRegistration};
use renkou_registrations::certificates::{self, NewCertificate, Verification};
use renkou_registrations::key::{self, CertificateKey};
use renkou_registrations::rules::{Applicant, Marriage, Outcome};
use renkou_registrations::tables::{self, BirthRegistration, Book, Certificate, HistoryLine};
use std::sync::OnceLock;

fn today() -> Date {
    chrono::Local::now().date_naive()
}

/// The county's certificate key (see `renkou_registrations::key`).
fn certificate_key(state: &AppState) -> Result<CertificateKey, WebError> {
    Ok(CertificateKey::load_or_create(&key::path_for(
        &state.store.audit_key_path,
    ))?)
}

/// Where the public verification page is reached: `RENKOU_PUBLIC_URL`, else the
/// host this page was asked for, over https (a server is reached over https).
fn public_base(headers: &HeaderMap) -> String {
    if let Ok(u) = std::env::var("RENKOU_PUBLIC_URL") {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("https://{host}")
}

fn date_field(s: &str, zh: &str, en: &str, l: L) -> Result<Option<Date>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    parse_date(s).map(Some).map_err(|_| {
        format!(
            "{}{}",
            l.s(zh, en),
            l.s(
                "应为 2025-03-01 这样的日期",
                " must be a date like 2025-03-01"
            )
        )
    })
}

// --- birth registrations ---------------------------------------------------------

#[derive(Template)]
#[template(path = "registrations/index.html")]
struct IndexPage {
    l: L,
    me: Current,
    registrations: Vec<BirthRegistration>,
    books: Vec<Book>,
    applicants: &'static [Applicant],
    marriages: &'static [Marriage],
    today: Date,
    year: i32,
    county: bool,
    /// The villages the caller may register a family in (code, name), for the
    /// residence select; a clerk picks a name rather than typing a code.
    villages: Vec<(String, String)>,
    error: String,
}

fn index_page(state: &AppState, me: &Current, error: String) -> Result<IndexPage, WebError> {
    use chrono::Datelike;
    let actor = me.actor();
    Ok(IndexPage {
        l: me.l,
        me: me.clone(),
        registrations: births::registrations(&state.store, &actor, &me.scope.region, 200)?,
        books: births::books(&state.store, &actor, &me.scope.region)?,
        applicants: Applicant::ALL,
        marriages: Marriage::ALL,
        today: today(),
        year: today().year(),
        county: me.scope.role == renkou_domain::account::Role::CountyAdmin,
        villages: crate::regions::villages(state, me)?,
        error,
    })
}

pub async fn index(State(state): State<AppState>, me: Current) -> Result<Html<String>, WebError> {
    let page = blocking(move || index_page(&state, &me, String::new())).await?;
    Ok(Html(page.render()?))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BirthForm {
    applicant: String,
    mother_no: String,
    father_no: String,
    marriage: String,
    residence: String,
    address: String,
    expected_on: String,
    born_on: String,
    child_no: String,
    registered_on: String,
}

fn parse_birth(f: &BirthForm, l: L) -> Result<NewRegistration, String> {
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(NewRegistration {
        applicant: Applicant::parse(&f.applicant)
            .ok_or_else(|| l.s("请选择申请人", "choose who registers").to_string())?,
        mother_no: opt(&f.mother_no),
        father_no: opt(&f.father_no),
        marriage: Marriage::parse(&f.marriage).unwrap_or(Marriage::NotStated),
        residence: RegionCode::parse(f.residence.trim()).map_err(|_| {
            l.s(
                "居住地应为 12 位区划代码",
                "the residence must be a 12-digit region code",
            )
            .to_string()
        })?,
        address: f.address.clone(),
        expected_on: date_field(&f.expected_on, "预产期", "The expected date", l)?,
        born_on: date_field(&f.born_on, "出生日期", "The birth date", l)?,
        child_no: opt(&f.child_no),
        registered_on: date_field(&f.registered_on, "登记日期", "The registration date", l)?
            .unwrap_or_else(today),
    })
}

/// Records a registration and shows its confirmation; a refusal is shown on the
/// index page.
pub async fn register(
    State(state): State<AppState>,
    CsrfForm { me, form }: CsrfForm<BirthForm>,
) -> Result<Response, WebError> {
    let parsed = parse_birth(&form, me.l);
    let outcome = blocking(move || {
        let r = match parsed {
            Ok(r) => r,
            Err(e) => return Ok(Err(index_page(&state, &me, e)?)),
        };
        match births::register(&state.store, &me.actor(), &r) {
            Ok((id, _)) => Ok(Ok(id)),
            Err(renkou_registrations::Error::Store(s)) if !s.is_user_error() => Err(s.into()),
            Err(renkou_registrations::Error::Store(renkou_store::StoreError::Forbidden)) => {
                Err(WebError::Forbidden)
            }
            Err(e) => Ok(Err(index_page(&state, &me, me.l.half(&e.to_string()))?)),
        }
    })
    .await?;
    Ok(match outcome {
        Ok(id) => Redirect::to(&format!("/registrations/births/{id}")).into_response(),
        Err(page) => Html(page.render()?).into_response(),
    })
}

#[derive(Template)]
#[template(path = "registrations/confirmation.html")]
struct ConfirmationPage {
    l: L,
    me: Current,
    r: BirthRegistration,
}

/// The printable confirmation of a registration (回执).
pub async fn confirmation(BirthOf { me, registration }: BirthOf) -> Result<Html<String>, WebError> {
    Ok(Html(
        ConfirmationPage {
            l: me.l,
            me,
            r: registration,
        }
        .render()?,
    ))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BookForm {
    office: String,
    year: String,
    first: String,
}

/// A county starts a year's book where its paper book stopped.
pub async fn start_book(
    State(state): State<AppState>,
    CsrfForm { me, form }: CsrfForm<BookForm>,
) -> Result<Response, WebError> {
    let l = me.l;
    let parsed = (|| -> Result<(RegionCode, i32, i64), String> {
        Ok((
            RegionCode::parse(form.office.trim()).map_err(|_| {
                l.s(
                    "登记机关应为 12 位区划代码",
                    "the office must be a 12-digit region code",
                )
            })?,
            form.year
                .trim()
                .parse()
                .map_err(|_| l.s("年度应为四位数字", "the year must be four digits"))?,
            form.first.trim().parse().map_err(|_| {
                l.s(
                    "起始编号应为整数",
                    "the first number must be a whole number",
                )
            })?,
        ))
    })();
    let outcome = blocking(move || {
        let (office, year, first) = match parsed {
            Ok(p) => p,
            Err(e) => return Ok(Err(index_page(&state, &me, e)?)),
        };
        match births::start_book(&state.store, &me.actor(), &office, year, first) {
            Ok(()) => Ok(Ok(())),
            Err(renkou_registrations::Error::Store(s)) => Err(s.into()),
            Err(e) => Ok(Err(index_page(&state, &me, me.l.half(&e.to_string()))?)),
        }
    })
    .await?;
    Ok(match outcome {
        Ok(()) => Redirect::to("/registrations").into_response(),
        Err(page) => Html(page.render()?).into_response(),
    })
}

// --- certificates ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "registrations/certificates.html")]
struct CertificatesPage {
    l: L,
    me: Current,
    certificates: Vec<Certificate>,
    error: String,
}

fn certificates_page(
    state: &AppState,
    me: &Current,
    error: String,
) -> Result<CertificatesPage, WebError> {
    Ok(CertificatesPage {
        l: me.l,
        me: me.clone(),
        certificates: certificates::certificates(&state.store, &me.actor(), &me.scope.region, 500)?,
        error,
    })
}

pub async fn certificates(
    State(state): State<AppState>,
    me: Current,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || certificates_page(&state, &me, String::new())).await?;
    Ok(Html(page.render()?))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CertificateForm {
    number: String,
    issued_on: String,
    holder1_no: String,
    holder2_no: String,
    child_no: String,
}

/// Enters a certificate already issued on paper.
pub async fn enter(
    State(state): State<AppState>,
    CsrfForm { me, form }: CsrfForm<CertificateForm>,
) -> Result<Response, WebError> {
    let l = me.l;
    let parsed = date_field(&form.issued_on, "发证日期", "The issue date", l)
        .and_then(|d| d.ok_or_else(|| l.s("请填写发证日期", "give the issue date").to_string()));
    let outcome = blocking(move || {
        let issued_on = match parsed {
            Ok(d) => d,
            Err(e) => return Ok(Err(certificates_page(&state, &me, e)?)),
        };
        let c = NewCertificate {
            number: form.number.clone(),
            issued_on,
            holder1_no: form.holder1_no.trim().to_string(),
            holder2_no: Some(form.holder2_no.trim().to_string()).filter(|s| !s.is_empty()),
            child_no: form.child_no.trim().to_string(),
        };
        match certificates::enter(&state.store, &me.actor(), &c) {
            Ok(id) => Ok(Ok(id)),
            Err(renkou_registrations::Error::Store(s)) if !s.is_user_error() => Err(s.into()),
            Err(renkou_registrations::Error::Store(renkou_store::StoreError::Forbidden)) => {
                Err(WebError::Forbidden)
            }
            Err(e) => Ok(Err(certificates_page(
                &state,
                &me,
                me.l.half(&e.to_string()),
            )?)),
        }
    })
    .await?;
    Ok(match outcome {
        Ok(id) => Redirect::to(&format!("/certificates/{id}")).into_response(),
        Err(page) => Html(page.render()?).into_response(),
    })
}

#[derive(Template)]
#[template(path = "registrations/certificate.html")]
struct CertificatePage {
    l: L,
    me: Current,
    c: Certificate,
    history: Vec<HistoryLine>,
    verifications: Vec<(String, Outcome)>,
    can_write: bool,
    today: Date,
    error: String,
}

fn certificate_page(
    state: &AppState,
    me: &Current,
    c: Certificate,
    error: String,
) -> Result<CertificatePage, WebError> {
    let history = certificates::history(&state.store, &c)?;
    let verifications = state
        .store
        .with(|conn| tables::verifications(conn, c.id))?
        .into_iter()
        .map(|(t, o)| (crate::i18n::minute(&t), o))
        .collect();
    let can_write = RegionCode::parse(&c.region_code)
        .map(|r| me.actor().can_write(&r))
        .unwrap_or(false);
    Ok(CertificatePage {
        l: me.l,
        me: me.clone(),
        c,
        history,
        verifications,
        can_write,
        today: today(),
        error,
    })
}

pub async fn certificate(
    State(state): State<AppState>,
    CertificateOf { me, certificate }: CertificateOf,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || certificate_page(&state, &me, certificate, String::new())).await?;
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "registrations/document.html")]
struct DocumentPage {
    l: L,
    me: Current,
    c: Certificate,
    qr: String,
    url: String,
}

/// The printable document with its QR code (the current version's).
pub async fn document(
    State(state): State<AppState>,
    headers: HeaderMap,
    CertificateOf { me, certificate: c }: CertificateOf,
) -> Result<Html<String>, WebError> {
    let key = certificate_key(&state)?;
    let url = certificates::verification_url(&public_base(&headers), &key, c.id, c.version);
    let qr = certificates::qr_svg(&url)?;
    Ok(Html(
        DocumentPage {
            l: me.l,
            me,
            c,
            qr,
            url,
        }
        .render()?,
    ))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    on: String,
    reason: String,
}

async fn change(
    state: AppState,
    me: Current,
    c: Certificate,
    form: ChangeForm,
    revoke: bool,
) -> Result<Response, WebError> {
    let l = me.l;
    let on = date_field(&form.on, "日期", "The date", l).map(|d| d.unwrap_or_else(today));
    let id = c.id;
    let outcome = blocking(move || {
        let on = match on {
            Ok(d) => d,
            Err(e) => return Ok(Err(certificate_page(&state, &me, c, e)?)),
        };
        let r = if revoke {
            certificates::revoke(&state.store, &me.actor(), id, on, &form.reason)
        } else {
            certificates::replace(&state.store, &me.actor(), id, on, &form.reason).map(|_| ())
        };
        match r {
            Ok(()) => Ok(Ok(())),
            Err(renkou_registrations::Error::Store(s)) => Err(s.into()),
            Err(renkou_registrations::Error::NotFound) => Err(WebError::NotFound),
            Err(e) => Ok(Err(certificate_page(
                &state,
                &me,
                c,
                me.l.half(&e.to_string()),
            )?)),
        }
    })
    .await?;
    Ok(match outcome {
        Ok(()) => Redirect::to(&format!("/certificates/{id}")).into_response(),
        Err(page) => Html(page.render()?).into_response(),
    })
}

pub async fn replace(
    State(state): State<AppState>,
    CertificateOf { certificate, .. }: CertificateOf,
    CsrfForm { me, form }: CsrfForm<ChangeForm>,
) -> Result<Response, WebError> {
    change(state, me, certificate, form, false).await
}

pub async fn revoke(
    State(state): State<AppState>,
    CertificateOf { certificate, .. }: CertificateOf,
    CsrfForm { me, form }: CsrfForm<ChangeForm>,
) -> Result<Response, WebError> {
    change(state, me, certificate, form, true).await
}

// --- the public verification page ------------------------------------------------

#[derive(Template)]
#[template(path = "registrations/verify.html")]
struct VerifyPage {
    l: L,
    v: Verification,
}

/// Codes that did not verify, per address: 30 in the window, then refused for a
/// while (guessing a tag is hopeless anyway; this keeps the log readable).
fn verify_limiter() -> &'static RateLimiter {
    static LIMIT: OnceLock<RateLimiter> = OnceLock::new();
    LIMIT.get_or_init(|| RateLimiter::new(30))
}

/// Anyone who scanned a certificate: what the document shows when the code is
/// genuine, with whether it is still valid; nothing else otherwise. Logged.
pub async fn verify(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Html<String>, WebError> {
    if !verify_limiter().allow(&addr) {
        return Err(WebError::TooManyRequests);
    }
    let l = L::from_headers(&headers);
    let v = blocking(move || {
        let key = certificate_key(&state)?;
        let code: String = code.chars().take(200).collect();
        Ok(certificates::verify(&state.store, &key, &code)?)
    })
    .await?;
    if v.outcome == Outcome::Forged {
        verify_limiter().failed(&addr);
    }
    tracing::info!(outcome = v.outcome.code(), "certificate verification");
    Ok(Html(VerifyPage { l, v }.render()?))
}
