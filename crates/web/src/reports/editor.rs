//! The template editor (county roles only; 404 to anyone else): a report
//! template's text, a preview of what it makes for an area and period, saving it
//! as a new version. A template that does not parse or run is shown with its line
//! and what is wrong, in the page's language; the page never fails with a 500 for
//! what was typed.

use crate::error::WebError;
use crate::extract::{Area, CsrfForm, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_domain::RegionCode;
use renkou_reports::preview::{self, PreviewBlock};
use renkou_reports::{templates, Format, Kind, Request};

#[derive(Template)]
#[template(path = "reports/editor.html")]
struct EditorPage {
    l: L,
    me: Current,
    code: String,
    name: String,
    kinds: Vec<(&'static str, &'static str)>,
    kind: &'static str,
    period: String,
    body: String,
    /// The version in use: `None` is the shipped default.
    version: Option<i64>,
    blocks: Vec<PreviewBlock>,
    /// The line the error is on (0: none known) and the message.
    error_line: usize,
    error: String,
    /// The text of the line the error is on.
    error_text: String,
    notice: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EditorQuery {
    kind: String,
    period: String,
    notice: Option<String>,
}

fn last_year() -> String {
    use chrono::Datelike;
    (chrono::Local::now().year() - 1).to_string()
}

struct Input {
    kind: Kind,
    period: String,
    body: Option<String>,
    notice: String,
}

/// The template's preview for the area and period.
fn try_preview(
    state: &AppState,
    code: &RegionCode,
    kind: Kind,
    period: &str,
    body: &str,
) -> Result<Vec<PreviewBlock>, renkou_reports::Error> {
    let source = super::RegisterFigures {
        store: &state.store,
        cache: &state.stats,
    };
    let period = period
        .parse()
        .map_err(|e: renkou_stats::PeriodError| renkou_reports::Error::Invalid(e.to_string()))?;
    preview::preview(
        &source,
        &Request {
            kind,
            region: code.clone(),
            period,
            format: Format::Docx,
            as_of: None,
        },
        body,
    )
}

fn render(
    state: &AppState,
    me: Current,
    code: &RegionCode,
    input: Input,
) -> Result<String, WebError> {
    let l = me.l;
    let store = &state.store;
    let current = templates::current(store, input.kind)?;
    let body = input.body.unwrap_or_else(|| current.body.clone());
    let outcome = try_preview(state, code, input.kind, &input.period, &body);
    let (blocks, error_line, error) = match outcome {
        Ok(b) => (b, 0, String::new()),
        Err(renkou_reports::Error::Store(e)) => return Err(e.into()),
        Err(e @ renkou_reports::Error::Template { line, .. }) => {
            (Vec::new(), line, l.half(&e.to_string()))
        }
        Err(e) => (Vec::new(), 0, l.half(&e.to_string())),
    };
    let error_text = if error_line > 0 {
        body.lines()
            .nth(error_line - 1)
            .map(|s| s.chars().take(200).collect())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let page = EditorPage {
        code: code.to_string(),
        name: store.region(code)?.map(|r| r.name).unwrap_or_default(),
        kinds: Kind::ALL.iter().map(|k| (k.code(), k.name_zh())).collect(),
        kind: input.kind.code(),
        period: input.period,
        body,
        version: current.id,
        blocks,
        error_line,
        error,
        error_text,
        notice: input.notice,
        l,
        me,
    };
    Ok(page.render()?)
}

fn may_edit(me: &Current) -> Result<(), WebError> {
    if templates::may_edit(&me.actor()) {
        Ok(())
    } else {
        Err(WebError::NotFound)
    }
}

pub async fn page(
    State(state): State<AppState>,
    Area { user, code }: Area<Current>,
    Query(q): Query<EditorQuery>,
) -> Result<Html<String>, WebError> {
    may_edit(&user)?;
    let kind = Kind::parse(&q.kind).unwrap_or(Kind::Summary);
    let period = if q.period.trim().is_empty() {
        last_year()
    } else {
        q.period.chars().take(40).collect()
    };
    let notice = q.notice.unwrap_or_default();
    Ok(Html(
        blocking(move || {
            render(
                &state,
                user,
                &code,
                Input {
                    kind,
                    period,
                    body: None,
                    notice,
                },
            )
        })
        .await?,
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EditorForm {
    kind: String,
    period: String,
    body: String,
    /// "save" saves a new version; anything else previews.
    action: String,
}

pub async fn post(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    CsrfForm { me, form }: CsrfForm<EditorForm>,
) -> Result<Response, WebError> {
    may_edit(&me)?;
    let kind = Kind::parse(&form.kind).map_err(|e| WebError::BadRequest(e.to_string()))?;
    // Browsers send CRLF from a textarea; the template is kept with LF.
    let body = form.body.replace("\r\n", "\n");
    let period: String = form.period.chars().take(40).collect();
    blocking(move || {
        // Saved only when it runs: a template that previews without an error.
        if form.action == "save" && try_preview(&state, &code, kind, &period, &body).is_ok() {
            match templates::save(&state.store, &me.actor(), kind, &body) {
                Ok(id) => {
                    return Ok(Redirect::to(&format!(
                        "/reports/{code}/template?kind={}&period={}&notice={}",
                        kind.code(),
                        super::pages::url_encode(&period),
                        super::pages::url_encode(&format!("已保存为新版本 #{id}"))
                    ))
                    .into_response())
                }
                Err(renkou_reports::Error::Store(e)) => return Err(e.into()),
                // Not saved: shown below with the preview's error and line.
                Err(_) => {}
            }
        }
        Ok(Html(render(
            &state,
            me,
            &code,
            Input {
                kind,
                period,
                body: Some(body),
                notice: String::new(),
            },
        )?)
        .into_response())
    })
    .await
}
