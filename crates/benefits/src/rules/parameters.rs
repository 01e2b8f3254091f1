//! 参数: the dated, referenced values every benefit rule reads, in versioned layers.
//!
//! This module owns the parameter model, the shipped national baselines
//! (`national.toml`, compiled in) and how a county's layers merge over them. No
//! amount, age or date of a program is a constant in code: a rule asks "the value of
//! key K on day D" and gets the value with its reference.
//!
//! The model follows OpenFisca's: a parameter is a key with a unit and a list of
//! values, each valid from a day (and, optionally, to a day; otherwise until the next
//! value of the same layer starts), each with its own reference (a document number
//! or a link) and whether the county has confirmed it.
//!
//! Layers are the versions. Version 1 is the national baseline; every county overlay
//! (provincial top-ups, the county's own table) and every later edit is one more
//! layer on top. A lookup walks the layers from the newest down and takes the first
//! value in force on the day, so an edit that starts on a day cannot change any day
//! before it: earlier periods compute as they did (a test in `tests/`). An earlier
//! version stays reproducible with [`Parameters::at_version`]; receipts name the
//! version they used.
//!
//! A top-up is its own parameter with `adds_to = "<key>"`: [`Parameters::amount`]
//! adds every top-up in force on the day to the base amount and returns each part
//! with its reference.

use crate::rules::money::Yuan;
use crate::rules::Date;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// The shipped national baselines (version 1 of every county's parameters).
pub const NATIONAL_TOML: &str = include_str!("national.toml");

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParameterError {
    #[error("参数文件无法解析：{0} / parameter file not understood: {0}")]
    File(String),
    #[error("参数“{key}”：{problem} / parameter \"{key}\": {problem_en}")]
    Invalid {
        key: String,
        problem: String,
        problem_en: String,
    },
    #[error("参数“{key}”在{on}没有有效值 / parameter \"{key}\" has no value in force on {on}")]
    Missing { key: String, on: Date },
    #[error("参数“{key}”的值类型应为{expected} / parameter \"{key}\" should hold {expected}")]
    WrongType { key: String, expected: &'static str },
    #[error("没有第{0}版参数 / there is no parameter version {0}")]
    NoSuchVersion(u32),
}

fn invalid(key: &str, problem: &str, problem_en: &str) -> ParameterError {
    ParameterError::Invalid {
        key: key.to_string(),
        problem: problem.to_string(),
        problem_en: problem_en.to_string(),
    }
}

/// What a value measures; it also fixes how the value is written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 元/年: a yearly amount, paid as monthly slots ([`Yuan::month_share_of_year`]).
    YuanPerYear,
    /// 元/月
    YuanPerMonth,
    /// 周岁: an age in completed years.
    Years,
    /// 残疾等级: a disability grade, 1 (most severe) to 4.
    Grade,
    /// 日期
    Date,
    /// 是/否
    Flag,
    /// One of a rule's named options (e.g. how an age threshold counts).
    Choice,
}

impl Unit {
    pub fn is_money(self) -> bool {
        matches!(self, Unit::YuanPerYear | Unit::YuanPerMonth)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Unit::YuanPerYear => "元/年",
            Unit::YuanPerMonth => "元/月",
            Unit::Years => "周岁",
            Unit::Grade => "级",
            Unit::Date => "日期",
            Unit::Flag => "是否",
            Unit::Choice => "选项",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Unit::YuanPerYear => "yuan/year",
            Unit::YuanPerMonth => "yuan/month",
            Unit::Years => "years of age",
            Unit::Grade => "grade",
            Unit::Date => "date",
            Unit::Flag => "yes/no",
            Unit::Choice => "option",
        }
    }
}

/// One value, typed by its parameter's unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(untagged)]
pub enum Value {
    Amount(Yuan),
    Count(u32),
    Date(Date),
    Flag(bool),
    Choice(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Amount(y) => write!(f, "{y}"),
            Value::Count(n) => write!(f, "{n}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Flag(b) => f.write_str(if *b { "true" } else { "false" }),
            Value::Choice(c) => f.write_str(c),
        }
    }
}

/// A value as the file spells it: a string, an integer or a boolean. Floating
/// point is refused outright, so `value = 82.5` cannot silently become 82.4999….
#[derive(Debug, Clone, PartialEq, Eq)]
enum RawValue {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl<'de> serde::Deserialize<'de> for RawValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RawValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, an integer or a boolean (amounts with decimals as strings, e.g. \"82.50\")")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawValue, E> {
                Ok(RawValue::Str(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawValue, E> {
                Ok(RawValue::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawValue, E> {
                i64::try_from(v)
                    .map(RawValue::Int)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<RawValue, E> {
                Ok(RawValue::Bool(v))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<RawValue, E> {
                Err(E::custom(
                    "floating-point numbers are not allowed: write an amount with decimals as a string, e.g. \"82.50\"",
                ))
            }
        }
        d.deserialize_any(V)
    }
}

impl RawValue {
    fn typed(&self, key: &str, unit: Unit) -> Result<Value, ParameterError> {
        let wrong = |expected| ParameterError::WrongType {
            key: key.to_string(),
            expected,
        };
        Ok(match (unit, self) {
            (Unit::YuanPerYear | Unit::YuanPerMonth, RawValue::Str(s)) => {
                Value::Amount(Yuan::parse(s).map_err(|_| wrong("金额 / an amount"))?)
            }
            (Unit::YuanPerYear | Unit::YuanPerMonth, RawValue::Int(n)) => {
                Value::Amount(Yuan::new(*n))
            }
            (Unit::Years | Unit::Grade, RawValue::Int(n)) => {
                Value::Count(u32::try_from(*n).map_err(|_| wrong("非负整数 / a whole number"))?)
            }
            (Unit::Date, RawValue::Str(s)) => {
                Value::Date(renkou_domain::parse_date(s).map_err(|_| wrong("日期 / a date"))?)
            }
            (Unit::Flag, RawValue::Bool(b)) => Value::Flag(*b),
            (Unit::Choice, RawValue::Str(s)) => Value::Choice(s.trim().to_string()),
            (Unit::YuanPerYear | Unit::YuanPerMonth, _) => return Err(wrong("金额 / an amount")),
            (Unit::Years | Unit::Grade, _) => return Err(wrong("非负整数 / a whole number")),
            (Unit::Date, _) => return Err(wrong("日期 / a date")),
            (Unit::Flag, _) => return Err(wrong("true/false")),
            (Unit::Choice, _) => return Err(wrong("选项名 / an option name")),
        })
    }
}

/// One value of a parameter over a span of days.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DatedValue {
    pub valid_from: Date,
    /// The last day it is in force (inclusive, as documents write "至2011年12月31日").
    /// `None`: until the next value of the same layer starts, or for ever.
    pub valid_to: Option<Date>,
    pub value: Value,
    /// Document number or link that sets this value. Required for every value.
    pub reference: String,
    /// The county has checked this value against its source and accepts it. Shipped
    /// values a national document states exactly are `true`; an interpretation
    /// (where sources differ) or a figure not checked is `false` until the county
    /// confirms it in a layer of its own.
    pub confirmed_by_county: bool,
    /// Why a value is unconfirmed, or what else an editor should know.
    pub note: Option<String>,
}

/// A parameter as one layer states it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Parameter {
    /// `program.name[.sub]`, e.g. `childcare.amount`, `special.amount.rural.death`.
    pub key: String,
    /// The name in the documents' words; may be left out for a key an earlier layer
    /// already defines.
    pub label: Option<String>,
    pub unit: Option<Unit>,
    /// This parameter is a top-up (加发/提标部分) added to another money parameter.
    pub adds_to: Option<String>,
    /// In order of `valid_from`, not overlapping.
    pub values: Vec<DatedValue>,
}

/// Who made a layer, when, and from when it may change anything.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerMeta {
    /// Short name shown in receipts: `national`, `county-2025-01`, …
    pub name: String,
    pub title: String,
    pub recorded_by: String,
    /// RFC 3339 or a date, as the store records it.
    pub recorded_at: String,
    /// When set, every value of the layer starts on or after this day: the layer is
    /// "a change from this date on" and provably leaves earlier days alone.
    pub effective_from: Option<Date>,
}

/// One version step: the national baseline, a county overlay, or one edit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Layer {
    pub meta: LayerMeta,
    pub parameters: Vec<Parameter>,
}

// ---- the file format --------------------------------------------------------

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLayer {
    layer: FileMeta,
    #[serde(default)]
    parameter: Vec<FileParameter>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMeta {
    name: String,
    title: String,
    recorded_by: String,
    recorded_at: String,
    effective_from: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileParameter {
    key: String,
    label: Option<String>,
    unit: Option<Unit>,
    adds_to: Option<String>,
    values: Vec<FileValue>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileValue {
    valid_from: String,
    valid_to: Option<String>,
    value: RawValue,
    reference: String,
    confirmed_by_county: bool,
    note: Option<String>,
}

fn date_of(key: &str, s: &str) -> Result<Date, ParameterError> {
    renkou_domain::parse_date(s).map_err(|e| invalid(key, &e.to_string(), &e.to_string()))
}

impl Layer {
    /// Parses a layer file. Units of keys defined in an earlier layer are resolved
    /// when the layer is pushed ([`Parameters::push`]); here each value is typed by
    /// the unit the file gives, or kept for later typing when it gives none.
    pub fn from_toml(text: &str, earlier: Option<&Parameters>) -> Result<Layer, ParameterError> {
        let file: FileLayer =
            basic_toml::from_str(text).map_err(|e| ParameterError::File(e.to_string()))?;
        let effective_from = match &file.layer.effective_from {
            Some(s) => Some(date_of("layer.effective_from", s)?),
            None => None,
        };
        let mut parameters = Vec::with_capacity(file.parameter.len());
        for p in file.parameter {
            let unit = p
                .unit
                .or_else(|| earlier.and_then(|e| e.definition(&p.key)).map(|d| d.unit))
                .ok_or_else(|| {
                    invalid(
                        &p.key,
                        "新参数须写明单位（unit）",
                        "a new parameter needs a unit",
                    )
                })?;
            let mut values = Vec::with_capacity(p.values.len());
            for v in p.values {
                values.push(DatedValue {
                    valid_from: date_of(&p.key, &v.valid_from)?,
                    valid_to: match &v.valid_to {
                        Some(s) => Some(date_of(&p.key, s)?),
                        None => None,
                    },
                    value: v.value.typed(&p.key, unit)?,
                    reference: v.reference,
                    confirmed_by_county: v.confirmed_by_county,
                    note: v.note,
                });
            }
            parameters.push(Parameter {
                key: p.key,
                label: p.label,
                unit: Some(unit),
                adds_to: p.adds_to,
                values,
            });
        }
        Ok(Layer {
            meta: LayerMeta {
                name: file.layer.name,
                title: file.layer.title,
                recorded_by: file.layer.recorded_by,
                recorded_at: file.layer.recorded_at,
                effective_from,
            },
            parameters,
        })
    }

    /// One edit as its own layer: `key` takes `value` from `valid_from` on. The
    /// layer's `effective_from` is that day, so the edit cannot reach back.
    #[allow(clippy::too_many_arguments)]
    pub fn change_from(
        name: &str,
        recorded_by: &str,
        recorded_at: &str,
        key: &str,
        valid_from: Date,
        value: Value,
        reference: &str,
        confirmed_by_county: bool,
    ) -> Layer {
        Layer {
            meta: LayerMeta {
                name: name.to_string(),
                title: format!("{key} 自 {valid_from} 起调整"),
                recorded_by: recorded_by.to_string(),
                recorded_at: recorded_at.to_string(),
                effective_from: Some(valid_from),
            },
            parameters: vec![Parameter {
                key: key.to_string(),
                label: None,
                unit: None,
                adds_to: None,
                values: vec![DatedValue {
                    valid_from,
                    valid_to: None,
                    value,
                    reference: reference.to_string(),
                    confirmed_by_county,
                    note: None,
                }],
            }],
        }
    }

    /// Checks the layer on its own: references present, spans ordered and
    /// not overlapping, nothing before `effective_from`.
    fn check_alone(&self) -> Result<(), ParameterError> {
        let mut seen = std::collections::HashSet::new();
        for p in &self.parameters {
            if p.key.trim().is_empty() {
                return Err(invalid("", "参数键为空", "empty key"));
            }
            if !seen.insert(p.key.as_str()) {
                return Err(invalid(
                    &p.key,
                    "同一层中重复定义",
                    "defined twice in one layer",
                ));
            }
            if p.values.is_empty() {
                return Err(invalid(&p.key, "没有任何值", "has no values"));
            }
            for (i, v) in p.values.iter().enumerate() {
                if v.reference.trim().is_empty() {
                    return Err(invalid(
                        &p.key,
                        &format!("{}起的值缺少依据（reference）", v.valid_from),
                        &format!("the value from {} has no reference", v.valid_from),
                    ));
                }
                if v.valid_to.is_some_and(|t| t < v.valid_from) {
                    return Err(invalid(
                        &p.key,
                        &format!("{}起的值止于开始之前", v.valid_from),
                        &format!("the value from {} ends before it starts", v.valid_from),
                    ));
                }
                if let Some(next) = p.values.get(i + 1) {
                    if next.valid_from <= v.valid_from
                        || v.valid_to.is_some_and(|t| t >= next.valid_from)
                    {
                        return Err(invalid(
                            &p.key,
                            "值的有效期须按时间先后排列且不重叠",
                            "values must be in date order and must not overlap",
                        ));
                    }
                }
                if let Some(from) = self.meta.effective_from {
                    if v.valid_from < from {
                        return Err(invalid(
                            &p.key,
                            &format!("本层自{from}起生效，不能修改{}", v.valid_from),
                            &format!(
                                "the layer takes effect on {from} and cannot change {}",
                                v.valid_from
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

// ---- the merged view ---------------------------------------------------------

/// What a key is: its unit, label and what it tops up, from the earliest layer that
/// defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub unit: Unit,
    pub label: String,
    pub adds_to: Option<String>,
}

/// A value found for a day, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    pub key: &'a str,
    pub label: &'a str,
    pub unit: Unit,
    /// The layer's name (`national`, or the county's overlay).
    pub layer: &'a str,
    pub value: &'a DatedValue,
    /// The last day this value is in force in its layer (its `valid_to`, or the day
    /// before the layer's next value); `None` when open.
    pub in_force_to: Option<Date>,
}

/// An amount on a day: the base value and every top-up in force.
#[derive(Debug, Clone)]
pub struct Amount<'a> {
    pub total: Yuan,
    /// The base value first, then the top-ups in key order.
    pub parts: Vec<Found<'a>>,
}

/// The parameters of a county: the national baseline and the county's layers on top.
#[derive(Debug, Clone)]
pub struct Parameters {
    layers: Vec<Arc<Layer>>,
    definitions: HashMap<String, Definition>,
    /// Top-up keys per base key, sorted.
    top_ups: HashMap<String, Vec<String>>,
}

impl Parameters {
    /// Version 1: the shipped national baseline.
    pub fn national() -> Parameters {
        let layer =
            Layer::from_toml(NATIONAL_TOML, None).expect("the shipped national.toml parses");
        let mut p = Parameters::empty();
        p.push(layer).expect("the shipped national.toml is valid");
        p
    }

    /// No layers at all (for building a county's parameters from stored layers).
    pub fn empty() -> Parameters {
        Parameters {
            layers: Vec::new(),
            definitions: HashMap::new(),
            top_ups: HashMap::new(),
        }
    }

    /// Adds a layer on top; returns the new version number.
    pub fn push(&mut self, layer: Layer) -> Result<u32, ParameterError> {
        layer.check_alone()?;
        let mut definitions = self.definitions.clone();
        for p in &layer.parameters {
            match definitions.get(&p.key) {
                Some(d) => {
                    if p.unit.is_some_and(|u| u != d.unit) {
                        return Err(invalid(
                            &p.key,
                            &format!("单位与已有定义（{}）不同", d.unit.name_zh()),
                            "unit differs from the existing definition",
                        ));
                    }
                    if p.adds_to.is_some() && p.adds_to != d.adds_to {
                        return Err(invalid(
                            &p.key,
                            "不能改变加发对象（adds_to）",
                            "cannot change what it adds to",
                        ));
                    }
                }
                None => {
                    let unit = p.unit.ok_or_else(|| {
                        invalid(&p.key, "新参数须写明单位", "a new parameter needs a unit")
                    })?;
                    let label = p.label.clone().ok_or_else(|| {
                        invalid(
                            &p.key,
                            "新参数须写明名称（label）",
                            "a new parameter needs a label",
                        )
                    })?;
                    definitions.insert(
                        p.key.clone(),
                        Definition {
                            unit,
                            label,
                            adds_to: p.adds_to.clone(),
                        },
                    );
                }
            }
        }
        // Every value must be of its key's unit (an edit built in code has no file
        // to type it).
        for p in &layer.parameters {
            let unit = definitions[&p.key].unit;
            if let Some(v) = p.values.iter().find(|v| !fits(unit, &v.value)) {
                return Err(invalid(
                    &p.key,
                    &format!("{}起的值不是{}", v.valid_from, unit.name_zh()),
                    &format!("the value from {} is not of the key's unit", v.valid_from),
                ));
            }
        }
        // Top-ups must add money to money of the same unit.
        for (key, d) in &definitions {
            if let Some(base) = &d.adds_to {
                match definitions.get(base) {
                    Some(b) if b.unit == d.unit && d.unit.is_money() && b.adds_to.is_none() => {}
                    _ => {
                        return Err(invalid(
                            key,
                            &format!("加发对象“{base}”不存在、不是同单位金额或本身是加发"),
                            &format!("\"{base}\" is not a base amount of the same unit"),
                        ))
                    }
                }
            }
        }
        let mut top_ups: HashMap<String, Vec<String>> = HashMap::new();
        for (key, d) in &definitions {
            if let Some(base) = &d.adds_to {
                top_ups.entry(base.clone()).or_default().push(key.clone());
            }
        }
        for v in top_ups.values_mut() {
            v.sort();
        }
        self.layers.push(Arc::new(layer));
        self.definitions = definitions;
        self.top_ups = top_ups;
        Ok(self.version())
    }

    /// This plus one layer.
    pub fn with(mut self, layer: Layer) -> Result<Parameters, ParameterError> {
        self.push(layer)?;
        Ok(self)
    }

    /// The number of layers: 1 for the national baseline alone.
    pub fn version(&self) -> u32 {
        self.layers.len() as u32
    }

    /// The parameters as they stood at an earlier version (a past run's receipt names
    /// it), so that run can be recomputed exactly.
    pub fn at_version(&self, version: u32) -> Result<Parameters, ParameterError> {
        if version == 0 || version > self.version() {
            return Err(ParameterError::NoSuchVersion(version));
        }
        let mut p = Parameters::empty();
        for l in &self.layers[..version as usize] {
            p.push((**l).clone())?;
        }
        Ok(p)
    }

    pub fn layers(&self) -> impl Iterator<Item = &Layer> {
        self.layers.iter().map(|l| &**l)
    }

    pub fn definition(&self, key: &str) -> Option<&Definition> {
        self.definitions.get(key)
    }

    /// The value of `key` in force on `day`: the newest layer that has one wins.
    pub fn get(&self, key: &str, day: Date) -> Option<Found<'_>> {
        let def = self.definitions.get(key)?;
        for layer in self.layers.iter().rev() {
            let Some(p) = layer.parameters.iter().find(|p| p.key == key) else {
                continue;
            };
            for (i, v) in p.values.iter().enumerate() {
                let implicit_end = p.values.get(i + 1).and_then(|n| n.valid_from.pred_opt());
                let end = v.valid_to.or(implicit_end);
                if v.valid_from <= day && end.is_none_or(|e| day <= e) {
                    return Some(Found {
                        key: &p.key,
                        label: &def.label,
                        unit: def.unit,
                        layer: &layer.meta.name,
                        value: v,
                        in_force_to: end,
                    });
                }
            }
        }
        None
    }

    /// Like [`Parameters::get`], but a missing value is an error.
    pub fn require(&self, key: &str, day: Date) -> Result<Found<'_>, ParameterError> {
        self.get(key, day).ok_or_else(|| ParameterError::Missing {
            key: key.to_string(),
            on: day,
        })
    }

    /// A money parameter on `day` with every top-up in force added; `None` when the
    /// base has no value that day (the program is not in force then).
    pub fn amount(&self, key: &str, day: Date) -> Result<Option<Amount<'_>>, ParameterError> {
        let Some(base) = self.get(key, day) else {
            return Ok(None);
        };
        let mut total = money(&base)?;
        let mut parts = vec![base];
        for t in self.top_ups.get(key).into_iter().flatten() {
            if let Some(f) = self.get(t, day) {
                total += money(&f)?;
                parts.push(f);
            }
        }
        Ok(Some(Amount { total, parts }))
    }

    pub fn count(&self, key: &str, day: Date) -> Result<(u32, Found<'_>), ParameterError> {
        let f = self.require(key, day)?;
        match f.value.value {
            Value::Count(n) => Ok((n, f)),
            _ => Err(wrong(key, "整数 / a whole number")),
        }
    }

    pub fn date(&self, key: &str, day: Date) -> Result<(Date, Found<'_>), ParameterError> {
        let f = self.require(key, day)?;
        match f.value.value {
            Value::Date(d) => Ok((d, f)),
            _ => Err(wrong(key, "日期 / a date")),
        }
    }

    pub fn flag(&self, key: &str, day: Date) -> Result<(bool, Found<'_>), ParameterError> {
        let f = self.require(key, day)?;
        match f.value.value {
            Value::Flag(b) => Ok((b, f)),
            _ => Err(wrong(key, "是/否 / a flag")),
        }
    }

    pub fn choice(&self, key: &str, day: Date) -> Result<(&str, Found<'_>), ParameterError> {
        let f = self.require(key, day)?;
        match &f.value.value {
            Value::Choice(c) => Ok((c.as_str(), f)),
            _ => Err(wrong(key, "选项 / an option")),
        }
    }
}

fn fits(unit: Unit, value: &Value) -> bool {
    matches!(
        (unit, value),
        (Unit::YuanPerYear | Unit::YuanPerMonth, Value::Amount(_))
            | (Unit::Years | Unit::Grade, Value::Count(_))
            | (Unit::Date, Value::Date(_))
            | (Unit::Flag, Value::Flag(_))
            | (Unit::Choice, Value::Choice(_))
    )
}

fn wrong(key: &str, expected: &'static str) -> ParameterError {
    ParameterError::WrongType {
        key: key.to_string(),
        expected,
    }
}

fn money(f: &Found<'_>) -> Result<Yuan, ParameterError> {
    match f.value.value {
        Value::Amount(y) => Ok(y),
        _ => Err(wrong(f.key, "金额 / an amount")),
    }
}

/// A parameter value as a receipt records it: owned, with its reference and layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct UsedValue {
    pub key: String,
    pub label: String,
    pub layer: String,
    pub valid_from: Date,
    pub in_force_to: Option<Date>,
    pub value: Value,
    pub unit: Unit,
    pub reference: String,
    pub confirmed_by_county: bool,
}

impl From<Found<'_>> for UsedValue {
    fn from(f: Found<'_>) -> UsedValue {
        UsedValue {
            key: f.key.to_string(),
            label: f.label.to_string(),
            layer: f.layer.to_string(),
            valid_from: f.value.valid_from,
            in_force_to: f.in_force_to,
            value: f.value.value.clone(),
            unit: f.unit,
            reference: f.value.reference.clone(),
            confirmed_by_county: f.value.confirmed_by_county,
        }
    }
}

impl fmt::Display for UsedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} = {} {}（{}起，{}{}）",
            self.key,
            self.label,
            self.value,
            self.unit.name_zh(),
            self.valid_from,
            self.reference,
            if self.confirmed_by_county {
                ""
            } else {
                "；县未确认"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> Date {
        Date::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn the_shipped_baseline_parses_and_every_value_has_a_reference() {
        let p = Parameters::national();
        assert_eq!(p.version(), 1);
        for l in p.layers() {
            for par in &l.parameters {
                for v in &par.values {
                    assert!(!v.reference.trim().is_empty(), "{}", par.key);
                }
            }
        }
    }

    #[test]
    fn values_follow_their_dates() {
        let p = Parameters::national();
        // 600 yuan a year from 2004, 960 from 2012 (the 2011 raise).
        let v = |day| p.amount("reward.amount", day).unwrap().unwrap().total;
        assert_eq!(v(d(2004, 1, 1)), Yuan::new(600));
        assert_eq!(v(d(2011, 12, 31)), Yuan::new(600));
        assert_eq!(v(d(2012, 1, 1)), Yuan::new(960));
        assert!(p
            .amount("reward.amount", d(2003, 12, 31))
            .unwrap()
            .is_none());
        assert!(p
            .amount("childcare.amount", d(2024, 12, 31))
            .unwrap()
            .is_none());
        assert_eq!(
            p.amount("childcare.amount", d(2025, 1, 1))
                .unwrap()
                .unwrap()
                .total,
            Yuan::new(3600)
        );
    }

    const TOP_UP: &str = r#"
[layer]
name = "county-2025"
title = "某县2025年提标"
recorded_by = "county-admin"
recorded_at = "2025-03-01"

[[parameter]]
key = "reward.top_up.province"
label = "省级奖励扶助提标"
unit = "yuan_per_year"
adds_to = "reward.amount"
  [[parameter.values]]
  valid_from = "2025-01-01"
  value = "240"
  reference = "省卫健委 省财政厅 文件（测试用）"
  confirmed_by_county = true
"#;

    #[test]
    fn a_top_up_adds_to_its_base_with_its_own_reference() {
        let nat = Parameters::national();
        let layer = Layer::from_toml(TOP_UP, Some(&nat)).unwrap();
        let p = nat.with(layer).unwrap();
        assert_eq!(p.version(), 2);
        let a = p.amount("reward.amount", d(2025, 6, 1)).unwrap().unwrap();
        // 960 national + 240 provincial = 1200.
        assert_eq!(a.total, Yuan::new(1200));
        assert_eq!(a.parts.len(), 2);
        assert_eq!(a.parts[1].layer, "county-2025");
        // Before the top-up starts, the baseline alone.
        let a = p.amount("reward.amount", d(2024, 6, 1)).unwrap().unwrap();
        assert_eq!(a.total, Yuan::new(960));
        // Version 1 is still there to recompute an old run.
        let v1 = p.at_version(1).unwrap();
        assert_eq!(
            v1.amount("reward.amount", d(2025, 6, 1))
                .unwrap()
                .unwrap()
                .total,
            Yuan::new(960)
        );
    }

    #[test]
    fn bad_layers_are_refused() {
        let nat = Parameters::national();
        // No reference.
        let t = TOP_UP.replace(
            "reference = \"省卫健委 省财政厅 文件（测试用）\"",
            "reference = \" \"",
        );
        let l = Layer::from_toml(&t, Some(&nat)).unwrap();
        assert!(matches!(
            nat.clone().with(l),
            Err(ParameterError::Invalid { .. })
        ));
        // A float is not an amount.
        let t = TOP_UP.replace("value = \"240\"", "value = 240.5");
        assert!(matches!(
            Layer::from_toml(&t, Some(&nat)),
            Err(ParameterError::File(_))
        ));
        // A top-up of a non-money parameter.
        let t = TOP_UP.replace(
            "adds_to = \"reward.amount\"",
            "adds_to = \"reward.min_age\"",
        );
        let l = Layer::from_toml(&t, Some(&nat)).unwrap();
        assert!(nat.clone().with(l).is_err());
        // An edit "from 2025-07-01" cannot carry a value from earlier.
        let mut l = Layer::change_from(
            "edit",
            "admin",
            "2025-06-01",
            "reward.amount",
            d(2025, 7, 1),
            Value::Amount(Yuan::new(1000)),
            "测试",
            true,
        );
        l.parameters[0].values[0].valid_from = d(2025, 1, 1);
        assert!(nat.clone().with(l).is_err());
        // A unit that contradicts the definition.
        let t = TOP_UP.replace(
            "key = \"reward.top_up.province\"",
            "key = \"reward.min_age\"",
        );
        let l = Layer::from_toml(&t, Some(&nat)).unwrap();
        assert!(nat.with(l).is_err());
    }
}
