//! The forms of the township's daily work beyond the single event: voiding a
//! record entered by mistake (注销) and revoking a wrong event (撤销), a person
//! moving in from elsewhere (迁入, a bride marrying in), the household's head
//! changed, a household split (分户) or merged (合户), and the person picker the
//! forms search with (a small JSON endpoint, own area only). Handlers parse, call
//! `renkou_register::{void, events, households}` and render; records come checked
//! against the account's area by the extractors.

use crate::error::WebError;
use crate::extract::{CsrfForm, Current, HouseholdOf, WritableArea, WritablePerson};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use renkou_domain::event::EventKind;
use renkou_domain::{PersonRecord, Region, Relation};
use renkou_register::duplicates::Duplicate;
use renkou_register::events::{MoveInInput, Saved};
use renkou_register::households::{self, HouseholdInput};
use std::collections::HashMap;

/// A form's refusal as a message, or the error itself when it is not the user's.
fn message(l: L, e: renkou_register::AppError) -> Result<String, WebError> {
    match WebError::from(e) {
        WebError::BadRequest(m) | WebError::Refused(m) => Ok(l.half(&m)),
        other => Err(other),
    }
}

/// A likely duplicate as a form lists it.
pub struct DupRow {
    pub person_no: String,
    pub name: String,
    pub birth_date: String,
    pub why: String,
}

pub fn dup_rows(l: L, found: Vec<Duplicate>) -> Vec<DupRow> {
    found
        .into_iter()
        .map(|d| DupRow {
            why: l
                .s(
                    d.why,
                    match d.why {
                        "同一母亲30天内已有出生登记" => {
                            "the same mother has a birth within 30 days"
                        }
                        "公民身份号码相同" => "the same ID number",
                        _ => "the same name and birth date in the village",
                    },
                )
                .to_string(),
            person_no: d.person_no,
            name: d.name,
            birth_date: d.birth_date.to_string(),
        })
        .collect()
}

// --- 注销 / 撤销 ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "register/void_form.html")]
struct VoidPage {
    l: L,
    me: Current,
    p: PersonRecord,
    /// `None`: void the record; `Some`: revoke this event (number, kind, summary).
    event: Option<(i64, String)>,
    error: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SeqQuery {
    seq: i64,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ReasonInput {
    reason: String,
    seq: i64,
}

pub async fn void_form(
    WritablePerson {
        user: me,
        person: p,
    }: WritablePerson<Current>,
) -> Result<Html<String>, WebError> {
    Ok(Html(
        VoidPage {
            l: me.l,
            me,
            p,
            event: None,
            error: String::new(),
        }
        .render()?,
    ))
}

pub async fn void(
    State(state): State<AppState>,
    WritablePerson { person: p, .. }: WritablePerson<Current>,
    CsrfForm { me, form }: CsrfForm<ReasonInput>,
) -> Result<Response, WebError> {
    blocking(move || {
        match renkou_register::void::void_record(
            &state.store,
            &me.actor(),
            &p.person_no,
            &form.reason,
        ) {
            Ok(_) => Ok(Redirect::to(&format!("/persons/{}", p.person_no)).into_response()),
            Err(e) => {
                let error = message(me.l, e)?;
                let page = VoidPage {
                    l: me.l,
                    me,
                    p,
                    event: None,
                    error,
                };
                Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
            }
        }
    })
    .await
}

/// The event `seq` of `p` as the revoke form names it.
fn event_name(
    state: &AppState,
    l: L,
    p: &PersonRecord,
    seq: i64,
) -> Result<(i64, String), WebError> {
    let e = state
        .store
        .person_events(&p.person_no)?
        .into_iter()
        .find(|e| e.seq == seq)
        .ok_or(WebError::NotFound)?;
    let name = l.s(e.event.kind.name_zh(), e.event.kind.name_en());
    Ok((
        seq,
        format!(
            "#{seq} {name} {}",
            super::pages::summary_of(l, &e.event.kind)
        ),
    ))
}

pub async fn revoke_form(
    State(state): State<AppState>,
    WritablePerson {
        user: me,
        person: p,
    }: WritablePerson<Current>,
    Query(q): Query<SeqQuery>,
) -> Result<Html<String>, WebError> {
    blocking(move || {
        let event = Some(event_name(&state, me.l, &p, q.seq)?);
        Ok(Html(
            VoidPage {
                l: me.l,
                me,
                p,
                event,
                error: String::new(),
            }
            .render()?,
        ))
    })
    .await
}

pub async fn revoke(
    State(state): State<AppState>,
    WritablePerson { person: p, .. }: WritablePerson<Current>,
    CsrfForm { me, form }: CsrfForm<ReasonInput>,
) -> Result<Response, WebError> {
    blocking(move || {
        match renkou_register::void::revoke_event(
            &state.store,
            &me.actor(),
            &p.person_no,
            form.seq,
            &form.reason,
        ) {
            Ok(_) => Ok(Redirect::to(&format!("/persons/{}", p.person_no)).into_response()),
            Err(e) => {
                let error = message(me.l, e)?;
                let event = Some(event_name(&state, me.l, &p, form.seq)?);
                let page = VoidPage {
                    l: me.l,
                    me,
                    p,
                    event,
                    error,
                };
                Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
            }
        }
    })
    .await
}

// --- 迁入 -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "register/move_in_form.html")]
struct MoveInPage {
    l: L,
    me: Current,
    region: Region,
    f: MoveInInput,
    error: String,
    dups: Vec<DupRow>,
    relations: Vec<(String, &'static str)>,
}

/// Every relation code with its label in the page's language.
fn relation_choices(l: L) -> Vec<(String, &'static str)> {
    Relation::all()
        .map(|(r, zh)| (r.code(), l.s(zh, r.name_en())))
        .collect()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct MoveInQuery {
    household: String,
    spouse: String,
}

pub async fn move_in_form(
    State(state): State<AppState>,
    WritableArea { user: me, code }: WritableArea<Current>,
    Query(q): Query<MoveInQuery>,
) -> Result<Html<String>, WebError> {
    blocking(move || {
        let region = state.store.region(&code)?.ok_or(WebError::NotFound)?;
        Ok(Html(
            MoveInPage {
                l: me.l,
                relations: relation_choices(me.l),
                me,
                region,
                f: MoveInInput {
                    household_no: q.household,
                    spouse_no: q.spouse,
                    ..Default::default()
                },
                error: String::new(),
                dups: Vec::new(),
            }
            .render()?,
        ))
    })
    .await
}

pub async fn move_in(
    State(state): State<AppState>,
    WritableArea { code, .. }: WritableArea<Current>,
    CsrfForm { me, form }: CsrfForm<MoveInInput>,
) -> Result<Response, WebError> {
    blocking(move || {
        let region = state.store.region(&code)?.ok_or(WebError::NotFound)?;
        let (error, dups) = match renkou_register::events::record_move_in(
            &state.store,
            &me.actor(),
            &code,
            &form,
        ) {
            Ok(Saved::Done(no)) => {
                return Ok(Redirect::to(&format!("/persons/{no}")).into_response())
            }
            Ok(Saved::Check(found)) => (String::new(), dup_rows(me.l, found)),
            Err(e) => (message(me.l, e)?, Vec::new()),
        };
        let status = if dups.is_empty() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        let page = MoveInPage {
            l: me.l,
            relations: relation_choices(me.l),
            me,
            region,
            f: form,
            error,
            dups,
        };
        Ok((status, Html(page.render()?)).into_response())
    })
    .await
}

// --- 户主变更 / 分户 / 合户 ---------------------------------------------------------

pub struct MemberRow {
    pub p: PersonRecord,
    /// The relation to the (new) head the form proposes, as a code.
    pub suggested: String,
}

#[derive(Template)]
#[template(path = "register/household_form.html")]
struct HouseholdFormPage {
    l: L,
    me: Current,
    household_no: String,
    action: &'static str,
    title: String,
    head: String,
    into: String,
    members: Vec<MemberRow>,
    relations: Vec<(String, &'static str)>,
    error: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct HouseholdQuery {
    head: String,
    into: String,
}

fn household_title(l: L, action: &str) -> String {
    match action {
        "head" => l.s("变更户主", "Change the head"),
        "split" => l.s("分户", "Split the household"),
        _ => l.s("合户（并入另一户）", "Merge into another household"),
    }
    .to_string()
}

/// The members with the relation proposed to `head` (the merge target's head for
/// a merge).
fn member_rows(
    state: &AppState,
    me: &Current,
    members: &[PersonRecord],
    head: &str,
    into: &str,
) -> Result<Vec<MemberRow>, WebError> {
    let mut all = members.to_vec();
    let mut head_no = head.to_string();
    if !into.is_empty() {
        let target: Vec<PersonRecord> = state
            .store
            .household_members(into)?
            .into_iter()
            .filter(|p| me.scope.can_read(&p.region_code))
            .collect();
        if let Some(h) = target.iter().find(|p| p.relation == Some(Relation::HEAD)) {
            head_no = h.person_no.clone();
        }
        all.extend(target);
    }
    let spouses = households::spouses(&state.store, &all)?;
    let head_p = all.iter().find(|p| p.person_no == head_no).cloned();
    Ok(members
        .iter()
        .map(|m| MemberRow {
            suggested: head_p
                .as_ref()
                .and_then(|h| households::suggest_relation(m, h, &all, &spouses))
                .or(if head_p.is_none() { m.relation } else { None })
                .map(|r| r.code())
                .unwrap_or_default(),
            p: m.clone(),
        })
        .collect())
}

async fn household_form(
    state: AppState,
    me: Current,
    no: String,
    members: Vec<PersonRecord>,
    action: &'static str,
    q: HouseholdQuery,
) -> Result<Html<String>, WebError> {
    if !members.iter().any(|m| me.scope.can_write(&m.region_code)) {
        return Err(WebError::NotFound);
    }
    blocking(move || {
        // A split starts with no head chosen (the household's head stays).
        let head = if q.head.is_empty() && action != "split" {
            members
                .iter()
                .find(|m| m.relation == Some(Relation::HEAD))
                .map(|m| m.person_no.clone())
                .unwrap_or_default()
        } else {
            q.head.clone()
        };
        let rows = member_rows(&state, &me, &members, &head, &q.into)?;
        Ok(Html(
            HouseholdFormPage {
                title: household_title(me.l, action),
                l: me.l,
                relations: relation_choices(me.l),
                me,
                household_no: no,
                action,
                head,
                into: q.into,
                members: rows,
                error: String::new(),
            }
            .render()?,
        ))
    })
    .await
}

async fn household_post(
    state: AppState,
    no: String,
    members: Vec<PersonRecord>,
    action: &'static str,
    me: Current,
    form: HashMap<String, String>,
) -> Result<Response, WebError> {
    if !members.iter().any(|m| me.scope.can_write(&m.region_code)) {
        return Err(WebError::NotFound);
    }
    blocking(move || {
        let actor = me.actor();
        let into = form.get("into").cloned().unwrap_or_default();
        let outcome = HouseholdInput::from_form(&form).and_then(|f| match action {
            "head" => households::change_head(&state.store, &actor, &no, &f).map(|_| no.clone()),
            "split" => households::split(&state.store, &actor, &no, &f),
            _ => households::merge(&state.store, &actor, &no, into.trim(), &f)
                .map(|_| into.trim().to_string()),
        });
        match outcome {
            Ok(target) => Ok(Redirect::to(&format!("/households/{target}")).into_response()),
            Err(e) => {
                let error = message(me.l, e)?;
                let head = form.get("head").cloned().unwrap_or_default();
                let rows = member_rows(&state, &me, &members, &head, into.trim())?;
                let page = HouseholdFormPage {
                    title: household_title(me.l, action),
                    l: me.l,
                    relations: relation_choices(me.l),
                    me,
                    household_no: no,
                    action,
                    head,
                    into,
                    members: rows,
                    error,
                };
                Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
            }
        }
    })
    .await
}

macro_rules! household_action {
    ($get:ident, $post:ident, $action:literal) => {
        pub async fn $get(
            State(state): State<AppState>,
            HouseholdOf {
                user: me,
                household_no,
                members,
            }: HouseholdOf<Current>,
            Query(q): Query<HouseholdQuery>,
        ) -> Result<Html<String>, WebError> {
            household_form(state, me, household_no, members, $action, q).await
        }

        pub async fn $post(
            State(state): State<AppState>,
            HouseholdOf {
                household_no,
                members,
                ..
            }: HouseholdOf<Current>,
            CsrfForm { me, form }: CsrfForm<HashMap<String, String>>,
        ) -> Result<Response, WebError> {
            household_post(state, household_no, members, $action, me, form).await
        }
    };
}

household_action!(head_form, change_head, "head");
household_action!(split_form, split, "split");
household_action!(merge_form, merge, "merge");

// --- the person picker ------------------------------------------------------------

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PickQuery {
    q: String,
    /// `1` or `2`: only men or only women.
    sex: String,
}

#[derive(serde::Serialize)]
pub struct Pick {
    person_no: String,
    name: String,
    sex: &'static str,
    birth_date: String,
    household_no: String,
    id_tail: String,
    /// The village's name, so a picker names places rather than codes.
    village: String,
}

/// Persons of the account's own area matching what was typed (name, number, the
/// last digits of an ID number), at most 10, living and not voided: what the
/// forms' pickers offer.
pub async fn pick(
    State(state): State<AppState>,
    me: Current,
    Query(q): Query<PickQuery>,
) -> Result<Json<Vec<Pick>>, WebError> {
    let text: String = q.q.trim().chars().take(50).collect();
    if text.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let area = me.scope.region.clone();
    let hits = blocking(move || {
        let hits =
            renkou_register::search::find(state.search.get(), &state.store, &text, &area, 30)?;
        let mut out = Vec::new();
        let mut names = std::collections::HashMap::new();
        for h in hits {
            if out.len() >= 10 {
                break;
            }
            if !h.alive || !me.scope.can_read(&h.region_code) {
                continue;
            }
            if (q.sex == "1" && h.sex != renkou_domain::Sex::Male)
                || (q.sex == "2" && h.sex != renkou_domain::Sex::Female)
            {
                continue;
            }
            if state.store.voided_by(&h.person_no)?.is_some() {
                continue;
            }
            out.push(Pick {
                village: super::pages::village_name(&state, &mut names, &h.region_code)?,
                sex: me.l.s(h.sex.name_zh(), h.sex.name_en()),
                birth_date: h.birth_date.to_string(),
                household_no: h.household_no,
                id_tail: h.id_tail.unwrap_or_default(),
                person_no: h.person_no,
                name: h.name,
            });
        }
        Ok(out)
    })
    .await?;
    Ok(Json(hits))
}

/// Whether an event can still be revoked from the history (not a start, not a
/// revocation, not revoked already).
pub fn revocable(kind: &EventKind, seq: i64, revoked: &[(i64, i64)]) -> bool {
    !matches!(
        kind,
        EventKind::Registered { .. } | EventKind::Birth { .. } | EventKind::Revoke { .. }
    ) && !revoked.iter().any(|(s, _)| *s == seq)
}
