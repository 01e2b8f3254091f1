//! The county's parameter layers in the database (参数层): the shipped national
//! baseline is version 1, and every change a county records — a provincial or county
//! top-up, a value changed from a date — is one more layer, stored as its layer file
//! (`benefit_parameter_layers`), never updated, audited in the transaction that adds
//! it. [`effective`] rebuilds the county's parameters (every version reachable with
//! `Parameters::at_version`); runs read them, so a run's receipt names the version.
//!
//! A stored layer must say from which day it takes effect, and none of its values
//! may start before that day (the rules' own check), so a raise from July cannot
//! change what January to June computed. Only county accounts (and the operator)
//! add layers: parameters are the county's to confirm.

use crate::error::Error;
use crate::rules::parameters::Unit;
use crate::rules::{Layer, Parameters};
use renkou_domain::account::Role;
use renkou_domain::{Date, RegionLevel};
use renkou_store::{Actor, AuditAction, AuditNote, Conn, RecordKind, Store, StoreError, Value};

/// The audit log's name for a stored layer.
pub const LAYER: RecordKind =
    RecordKind::new("benefit_parameter_layer", "补贴参数层", "parameter layer");

/// A layer as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredLayer {
    pub id: i64,
    /// The parameters' version this layer makes (2 for the first stored one).
    pub version: u32,
    pub name: String,
    pub title: String,
    pub effective_from: Option<Date>,
    pub recorded_by: String,
    pub recorded_at: String,
    pub layer_toml: String,
}

fn county_only(actor: &Actor) -> Result<(), Error> {
    match &actor.scope {
        None => Ok(()),
        Some(s)
            if s.region.level() <= RegionLevel::County
                && matches!(s.role, Role::CountyAdmin | Role::CountyStatistician) =>
        {
            Ok(())
        }
        Some(_) => Err(Error::Store(StoreError::Forbidden)),
    }
}

fn stored(c: &mut dyn Conn) -> Result<Vec<StoredLayer>, StoreError> {
    let rows = c.query(
        "SELECT id, name, title, effective_from, recorded_by, recorded_at, layer_toml \
         FROM benefit_parameter_layers ORDER BY id",
        &[],
    )?;
    let bad = || StoreError::Corrupt("benefit_parameter_layers".into());
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(StoredLayer {
                id: r[0].int().ok_or_else(bad)?,
                version: i as u32 + 2,
                name: r[1].text().ok_or_else(bad)?,
                title: r[2].text().ok_or_else(bad)?,
                effective_from: r[3].date(),
                recorded_by: r[4].text().ok_or_else(bad)?,
                recorded_at: r[5]
                    .time()
                    .map(|t| t.to_rfc3339())
                    .or_else(|| r[5].text())
                    .ok_or_else(bad)?,
                layer_toml: r[6].text().ok_or_else(bad)?,
            })
        })
        .collect()
}

/// The stored layers, oldest first.
pub fn list(store: &Store) -> Result<Vec<StoredLayer>, Error> {
    Ok(store.with(stored)?)
}

fn build(layers: &[StoredLayer]) -> Result<Parameters, Error> {
    let mut p = Parameters::national();
    for l in layers {
        let layer = Layer::from_toml(&l.layer_toml, Some(&p))?;
        p = p.with(layer)?;
    }
    Ok(p)
}

/// The county's parameters now: the national baseline and every stored layer.
pub fn effective(store: &Store) -> Result<Parameters, Error> {
    build(&list(store)?)
}

/// Adds a layer file (TOML, the format of `national.toml` with a `[layer]` table that
/// has `effective_from`); returns the new version.
pub fn add_layer(store: &Store, actor: &Actor, toml: &str) -> Result<u32, Error> {
    county_only(actor)?;
    store.write(actor, |tx| {
        // Read and check inside the write, so two editors never both make version N.
        let existing = stored(tx.conn())?;
        let before = build(&existing)?;
        let layer = Layer::from_toml(toml, Some(&before))?;
        let Some(from) = layer.meta.effective_from else {
            return Err(Error::Invalid(
                "参数层须写明生效日期（layer.effective_from），且其中的值都不早于该日 / a layer needs layer.effective_from, and none of its values may start before it".into(),
            ));
        };
        if existing.iter().any(|l| l.name == layer.meta.name) || layer.meta.name == "national" {
            return Err(Error::Invalid(format!(
                "参数层名称“{0}”已使用 / the layer name \"{0}\" is taken",
                layer.meta.name
            )));
        }
        let version = before.with(layer.clone())?.version();
        let by = tx.actor().username.clone();
        let id = tx
            .conn()
            .query_one(
                "INSERT INTO benefit_parameter_layers (name, title, layer_toml, effective_from, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    layer.meta.name.as_str().into(),
                    layer.meta.title.as_str().into(),
                    toml.into(),
                    Value::from(from),
                    by.into(),
                    renkou_store::now().into(),
                ],
            )?
            .and_then(|r| r[0].int())
            .ok_or_else(|| StoreError::Corrupt("benefit_parameter_layers.id".into()))?;
        let keys: Vec<&str> = layer.parameters.iter().map(|p| p.key.as_str()).collect();
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: LAYER,
            record_id: &id.to_string(),
            fields: &format!("version={version};from={from};keys={}", keys.join(",")),
        })?;
        Ok(version)
    })
}

#[derive(serde::Serialize)]
struct FileLayer<'a> {
    layer: FileMeta<'a>,
    parameter: Vec<FileParameter<'a>>,
}

#[derive(serde::Serialize)]
struct FileMeta<'a> {
    name: String,
    title: String,
    recorded_by: &'a str,
    recorded_at: String,
    effective_from: String,
}

#[derive(serde::Serialize)]
struct FileParameter<'a> {
    key: &'a str,
    values: Vec<FileValue<'a>>,
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum Raw {
    Str(String),
    Int(i64),
    Bool(bool),
}

#[derive(serde::Serialize)]
struct FileValue<'a> {
    valid_from: String,
    value: Raw,
    reference: &'a str,
    confirmed_by_county: bool,
}

/// One change as its own layer: `key` takes `value` (written as the key's unit
/// reads it: `4800`, `82.50`, `3`, `2025-07-01`, `true`) from `from` on, with the
/// document that sets it. Returns the new version.
pub fn change_value(
    store: &Store,
    actor: &Actor,
    key: &str,
    from: Date,
    value: &str,
    reference: &str,
    confirmed_by_county: bool,
) -> Result<u32, Error> {
    county_only(actor)?;
    let current = effective(store)?;
    let unit = current.definition(key).map(|d| d.unit).ok_or_else(|| {
        Error::Invalid(format!("没有参数“{key}” / there is no parameter \"{key}\""))
    })?;
    let v = value.trim();
    let raw = match unit {
        Unit::Years | Unit::Grade => Raw::Int(v.parse().map_err(|_| {
            Error::Invalid(format!(
                "参数“{key}”的值应为整数 / \"{key}\" takes a whole number"
            ))
        })?),
        Unit::Flag => Raw::Bool(match v {
            "true" | "是" | "yes" => true,
            "false" | "否" | "no" => false,
            _ => {
                return Err(Error::Invalid(format!(
                    "参数“{key}”的值应为 是 或 否 / \"{key}\" takes true or false"
                )))
            }
        }),
        _ => Raw::Str(v.to_string()),
    };
    if reference.trim().is_empty() {
        return Err(Error::Invalid(
            "每个值都须写明依据（文件号或链接）/ every value needs a reference (document number or link)".into(),
        ));
    }
    let version = current.version() + 1;
    let text = basic_toml::to_string(&FileLayer {
        layer: FileMeta {
            name: format!("county-v{version}"),
            title: format!("{key} 自 {from} 起调整"),
            recorded_by: &actor.username,
            recorded_at: renkou_store::now().to_rfc3339(),
            effective_from: from.to_string(),
        },
        parameter: vec![FileParameter {
            key,
            values: vec![FileValue {
                valid_from: from.to_string(),
                value: raw,
                reference: reference.trim(),
                confirmed_by_county,
            }],
        }],
    })
    .map_err(|e| Error::Invalid(e.to_string()))?;
    add_layer(store, actor, &text)
}
