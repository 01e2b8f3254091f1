//! Scans beside a person's attested facts: the list with an upload form per fact
//! (`/persons/{no}/benefits/scans`) and the download (`/benefit-scans/{id}`), both
//! checked against the account's area (404 outside it, as for nothing).

use crate::error::WebError;
use crate::extract::{path_param, CsrfMultipart, Current, PersonOf};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_benefits::attest;
use renkou_benefits::scans::{self, ScanInfo};
use renkou_benefits::tables::StoredFact;
use renkou_domain::PersonRecord;

pub struct FactWithScans {
    pub fact: StoredFact,
    pub kind_zh: &'static str,
    pub scans: Vec<ScanInfo>,
}

#[derive(Template)]
#[template(path = "benefits/scans.html")]
struct ScansPage {
    l: L,
    me: Current,
    p: PersonRecord,
    facts: Vec<FactWithScans>,
    can_write: bool,
    error: String,
}

fn page(
    state: &AppState,
    me: &Current,
    p: PersonRecord,
    error: String,
) -> Result<ScansPage, WebError> {
    let facts =
        attest::facts_of(&state.store, &me.actor(), &p.person_no)?.ok_or(WebError::NotFound)?;
    let mut scans = scans::scans_of_person(&state.store, &p.person_no)?;
    let facts = facts
        .into_iter()
        .map(|fact| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut scans)
                .into_iter()
                .partition(|s| s.fact_id == fact.id);
            scans = rest;
            FactWithScans {
                kind_zh: fact.kind.name_zh(),
                fact,
                scans: mine,
            }
        })
        .collect();
    Ok(ScansPage {
        l: me.l,
        can_write: me.actor().can_write(&p.region_code),
        me: me.clone(),
        p,
        facts,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    PersonOf { user: me, person }: PersonOf<Current>,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || page(&state, &me, person, String::new())).await?;
    Ok(Html(page.render()?))
}

/// Uploads a scan beside one of the person's facts; a refusal shows on the page.
pub async fn upload(
    State(state): State<AppState>,
    PersonOf { person, .. }: PersonOf<Current>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let me = form.me.clone();
    let fact: Option<i64> = form.get("fact").trim().parse().ok();
    let file = form.file;
    let no = person.person_no.clone();
    let r = blocking(move || {
        let l = me.l;
        let err = match (fact, file) {
            (Some(fact), Some(file)) => {
                // The fact must be this person's (the page offers only theirs).
                let theirs = attest::facts_of(&state.store, &me.actor(), &person.person_no)?
                    .is_some_and(|fs| fs.iter().any(|f| f.id == fact));
                if !theirs {
                    return Err(WebError::NotFound);
                }
                match scans::upload(
                    &state.store,
                    &me.actor(),
                    fact,
                    &file.file_name,
                    &file.bytes,
                ) {
                    Ok(_) => return Ok(None),
                    Err(renkou_benefits::Error::Store(s)) => return Err(s.into()),
                    Err(e) => l.half(&e.to_string()),
                }
            }
            _ => l
                .s("请选择证明事实和文件", "choose a fact and a file")
                .to_string(),
        };
        Ok(Some(page(&state, &me, person, err)?))
    })
    .await?;
    Ok(match r {
        None => Redirect::to(&format!("/persons/{no}/benefits/scans")).into_response(),
        Some(p) => Html(p.render()?).into_response(),
    })
}

async fn id_of(parts: &mut Parts, state: &AppState) -> Result<i64, WebError> {
    path_param(parts, state, "id")
        .await
        .and_then(|v| v.parse().ok())
        .ok_or(WebError::NotFound)
}

/// The scan's bytes as stored, as an attachment (never shown inline).
pub async fn download(
    State(state): State<AppState>,
    me: Current,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    let (mut parts, _) = request.into_parts();
    let id = id_of(&mut parts, &state).await?;
    let (info, bytes) = blocking(move || Ok(scans::download(&state.store, &me.actor(), id)?))
        .await?
        .ok_or(WebError::NotFound)?;
    let ext = match info.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    Ok((
        [
            (CONTENT_TYPE, info.content_type.clone()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"scan-{}.{ext}\"", info.id),
            ),
        ],
        bytes,
    )
        .into_response())
}
