//! The county's benefit parameters page: every value in force or scheduled, by
//! version (the national baseline is version 1; each county layer one more), with
//! its validity and reference; and, for county accounts, the forms to change a
//! value from a date or to add a layer file (a provincial or county top-up). Every
//! change is a new layer (`renkou_benefits::layers`): earlier periods keep their
//! results.

use crate::error::WebError;
use crate::extract::{CsrfForm, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_benefits::layers::{self, StoredLayer};
use renkou_domain::account::Role;
use renkou_domain::{parse_date, RegionLevel};

/// One value of one layer, as the page lists it.
pub struct ValueLine {
    pub version: usize,
    pub layer: String,
    pub key: String,
    pub label: String,
    pub from: String,
    pub to: String,
    pub value: String,
    pub unit: &'static str,
    pub reference: String,
    pub confirmed: bool,
}

#[derive(Template)]
#[template(path = "benefits/parameters.html")]
struct ParametersPage {
    l: L,
    me: Current,
    values: Vec<ValueLine>,
    keys: Vec<(String, String)>,
    stored: Vec<StoredLayer>,
    version: u32,
    can_edit: bool,
    error: String,
}

fn can_edit(me: &Current) -> bool {
    me.scope.region.level() <= RegionLevel::County
        && matches!(me.scope.role, Role::CountyAdmin | Role::CountyStatistician)
}

fn page(state: &AppState, me: &Current, error: String) -> Result<ParametersPage, WebError> {
    let params = layers::effective(&state.store)?;
    let mut values = Vec::new();
    for (i, layer) in params.layers().enumerate() {
        for p in &layer.parameters {
            let def = params.definition(&p.key);
            for v in &p.values {
                values.push(ValueLine {
                    version: i + 1,
                    layer: layer.meta.name.clone(),
                    key: p.key.clone(),
                    label: def.map(|d| d.label.clone()).unwrap_or_default(),
                    from: v.valid_from.to_string(),
                    to: v.valid_to.map(|d| d.to_string()).unwrap_or_default(),
                    value: v.value.to_string(),
                    unit: def
                        .map(|d| me.l.s(d.unit.name_zh(), d.unit.name_en()))
                        .unwrap_or(""),
                    reference: v.reference.clone(),
                    confirmed: v.confirmed_by_county,
                });
            }
        }
    }
    let mut keys: Vec<(String, String)> = values
        .iter()
        .map(|v| (v.key.clone(), v.label.clone()))
        .collect();
    keys.sort();
    keys.dedup_by(|a, b| a.0 == b.0);
    Ok(ParametersPage {
        l: me.l,
        me: me.clone(),
        values,
        keys,
        stored: layers::list(&state.store)?,
        version: params.version(),
        can_edit: can_edit(me),
        error,
    })
}

pub async fn index(State(state): State<AppState>, me: Current) -> Result<Html<String>, WebError> {
    let p = blocking(move || page(&state, &me, String::new())).await?;
    Ok(Html(p.render()?))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    key: String,
    from: String,
    value: String,
    reference: String,
    confirmed: String,
}

async fn outcome(
    state: AppState,
    me: Current,
    f: impl FnOnce(&AppState, &Current) -> Result<(), String> + Send + 'static,
) -> Result<Response, WebError> {
    if !can_edit(&me) {
        return Err(WebError::Forbidden);
    }
    let r = blocking(move || match f(&state, &me) {
        Ok(()) => Ok(None),
        Err(e) => Ok(Some(page(&state, &me, e)?)),
    })
    .await?;
    Ok(match r {
        None => Redirect::to("/benefits/parameters").into_response(),
        Some(p) => Html(p.render()?).into_response(),
    })
}

/// A value changed from a date on: one new layer.
pub async fn change(
    State(state): State<AppState>,
    CsrfForm { me, form }: CsrfForm<ChangeForm>,
) -> Result<Response, WebError> {
    outcome(state, me, move |state, me| {
        let from = parse_date(form.from.trim()).map_err(|_| {
            me.l.s(
                "生效日期应为 2025-07-01 这样的日期",
                "the day must be a date like 2025-07-01",
            )
            .to_string()
        })?;
        layers::change_value(
            &state.store,
            &me.actor(),
            form.key.trim(),
            from,
            &form.value,
            &form.reference,
            form.confirmed == "yes",
        )
        .map(|_| ())
        .map_err(|e| me.l.half(&e.to_string()))
    })
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LayerForm {
    toml: String,
}

/// A layer file (a top-up, the county's table) pasted as text.
pub async fn add_layer(
    State(state): State<AppState>,
    CsrfForm { me, form }: CsrfForm<LayerForm>,
) -> Result<Response, WebError> {
    outcome(state, me, move |state, me| {
        if form.toml.len() > 256 * 1024 {
            return Err(me
                .l
                .s("参数层文件过大", "the layer file is too large")
                .into());
        }
        layers::add_layer(&state.store, &me.actor(), &form.toml)
            .map(|_| ())
            .map_err(|e| me.l.half(&e.to_string()))
    })
    .await
}
