//! Explanations: for any pair, the per-field comparison level and the weight it
//! contributed, so that a clerk can see why two rows were (or were not) linked.
//! Printed by the CLI (`--explain`) through [`Explanation`]'s `Display`, and
//! serialisable for the web UI.

use crate::compare::{compare, level_of, Field, ParentPart, FIELDS, MISSING, PARENT_PARTS};
use crate::model::{prob, Model};
use crate::record::{Features, LinkRecord};
use crate::LinkStatus;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Serialize)]
pub struct FieldExplanation {
    pub field: Field,
    pub field_zh: &'static str,
    pub field_en: &'static str,
    pub left: String,
    pub right: String,
    /// `None` when either side is missing (no weight).
    pub level: Option<u8>,
    pub level_zh: &'static str,
    pub level_en: &'static str,
    pub m: Option<f64>,
    pub u: Option<f64>,
    pub weight: f64,
}

/// One part of the composite parents' field: its own level, no weight of its own.
#[derive(Debug, Clone, Serialize)]
pub struct PartExplanation {
    pub part: ParentPart,
    pub part_zh: &'static str,
    pub part_en: &'static str,
    pub left: String,
    pub right: String,
    pub level: Option<u8>,
    pub level_zh: &'static str,
    pub level_en: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub left_id: String,
    pub right_id: String,
    /// Fields with a value on at least one side.
    pub fields: Vec<FieldExplanation>,
    /// The parts behind the parents' level (those with a value on either side).
    pub parent_parts: Vec<PartExplanation>,
    /// The non-match class the per-field weights are measured against (the one most
    /// likely for this pair: `related` for a sibling, `unrelated` for a stranger).
    pub against: String,
    /// log2(prior of match / prior of that class).
    pub prior_weight: f64,
    /// What the other non-match classes add (total − prior − Σ field weights).
    pub mixture_weight: f64,
    pub match_weight: f64,
    pub match_probability: f64,
    /// What the thresholds make of it (`None` = below review, not linked).
    pub status: Option<LinkStatus>,
}

fn raw(r: &LinkRecord, f: Field) -> &str {
    match f {
        Field::Name => &r.name,
        Field::Sex => &r.sex,
        Field::BirthDate => &r.birth_date,
        Field::BirthOrder => &r.birth_order,
        Field::IdNumber => &r.id_number,
        Field::Parents => "",
        Field::Region => &r.region_code,
    }
}

fn raw_part(r: &LinkRecord, p: ParentPart) -> &str {
    match p {
        ParentPart::MotherName => &r.mother_name,
        ParentPart::MotherId => &r.mother_id_number,
        ParentPart::MotherBirthDate => &r.mother_birth_date,
        ParentPart::FatherName => &r.father_name,
        ParentPart::FatherId => &r.father_id_number,
    }
}

const NOT_COUNTED: (&str, &str) = ("缺失或乳名，不计", "missing or milk name, not counted");

/// Explains one pair under a model.
pub fn explain(model: &Model, left: &LinkRecord, right: &LinkRecord) -> Explanation {
    explain_features(
        model,
        left,
        right,
        &Features::new(left),
        &Features::new(right),
    )
}

/// Explains the pair named by its record ids (what `renkou link --explain L,R` needs).
pub fn explain_by_id(
    model: &Model,
    left: &[LinkRecord],
    right: &[LinkRecord],
    left_id: &str,
    right_id: &str,
) -> Result<Explanation, crate::LinkError> {
    let find = |rs: &[LinkRecord], id: &str| {
        rs.iter()
            .find(|r| r.record_id == id)
            .cloned()
            .ok_or_else(|| crate::LinkError::UnknownId { id: id.to_string() })
    };
    Ok(explain(
        model,
        &find(left, left_id)?,
        &find(right, right_id)?,
    ))
}

/// As [`fn@explain`], with features already computed.
pub fn explain_features(
    model: &Model,
    left: &LinkRecord,
    right: &LinkRecord,
    fl: &Features,
    fr: &Features,
) -> Explanation {
    let p = compare(fl, fr);
    let k = model.closest_non_match(p);
    let prior_weight = (model.lambda() / model.classes[k].prior).log2();
    let mut fields = Vec::new();
    let mut total = prior_weight;
    for (i, &f) in FIELDS.iter().enumerate() {
        let (a, b) = (raw(left, f), raw(right, f));
        let l = level_of(p, i);
        if a.is_empty() && b.is_empty() && l == MISSING {
            continue;
        }
        let (level, zh, en, m, u, w) = if l == MISSING {
            (None, NOT_COUNTED.0, NOT_COUNTED.1, None, None, 0.0)
        } else {
            let (zh, en) = f.levels()[l as usize];
            let w = model.field_weight(k, f, l);
            (
                Some(l),
                zh,
                en,
                Some(model.m(f)[l as usize]),
                Some(model.u(k, f)[l as usize]),
                w,
            )
        };
        total += w;
        fields.push(FieldExplanation {
            field: f,
            field_zh: f.name_zh(),
            field_en: f.name_en(),
            left: a.to_string(),
            right: b.to_string(),
            level,
            level_zh: zh,
            level_en: en,
            m,
            u,
            weight: w,
        });
    }
    let mut parent_parts = Vec::new();
    for part in PARENT_PARTS {
        let (a, b) = (raw_part(left, part), raw_part(right, part));
        if a.is_empty() && b.is_empty() {
            continue;
        }
        let level = part.compare(fl, fr);
        let (zh, en) = level
            .map(|l| part.levels()[l as usize])
            .unwrap_or(NOT_COUNTED);
        parent_parts.push(PartExplanation {
            part,
            part_zh: part.name_zh(),
            part_en: part.name_en(),
            left: a.to_string(),
            right: b.to_string(),
            level,
            level_zh: zh,
            level_en: en,
        });
    }
    let weight = model.scorer().weight(p);
    let mixture_weight = weight - total;
    let probability = prob(weight);
    let t = model.thresholds;
    let status = if probability >= t.accept {
        Some(LinkStatus::Auto)
    } else if probability >= t.review {
        Some(LinkStatus::Review)
    } else {
        None
    };
    Explanation {
        left_id: left.record_id.clone(),
        right_id: right.record_id.clone(),
        fields,
        parent_parts,
        against: model.classes[k].name.clone(),
        prior_weight,
        mixture_weight,
        match_weight: weight,
        match_probability: probability,
        status,
    }
}

/// ID numbers are shown with their middle masked: the explanation names the kind of
/// difference, the digits need not reach a terminal or a log.
fn shown(is_id: bool, v: &str) -> String {
    if v.is_empty() {
        return "—".to_string();
    }
    if is_id && v.len() > 10 && v.is_ascii() {
        let n = v.len();
        return format!("{}{}{}", &v[..6], "*".repeat(n - 10), &v[n - 4..]);
    }
    v.to_string()
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let against = match self.against.as_str() {
            "related" => "相关的非匹配（同一家庭的另一出生等） / related non-match (another birth of the family, …)",
            "twin" => "同一家庭同日出生（双胞胎等） / same family, same day (twins, …)",
            _ => "无关的非匹配 / unrelated non-match",
        };
        writeln!(
            f,
            "比对说明 / match explanation: {} ↔ {}",
            self.left_id, self.right_id
        )?;
        writeln!(f, "  权重相对于 / weights against: {against}")?;
        for x in &self.fields {
            if x.field == Field::Parents {
                writeln!(
                    f,
                    "  {} {} → {} / {}  {:+.2}",
                    x.field_zh, x.field_en, x.level_zh, x.level_en, x.weight
                )?;
                for p in &self.parent_parts {
                    let is_id = matches!(p.part, ParentPart::MotherId | ParentPart::FatherId);
                    writeln!(
                        f,
                        "      {} {}: {} | {} → {} / {}",
                        p.part_zh,
                        p.part_en,
                        shown(is_id, &p.left),
                        shown(is_id, &p.right),
                        p.level_zh,
                        p.level_en
                    )?;
                }
                continue;
            }
            writeln!(
                f,
                "  {} {}: {} | {} → {} / {}  {:+.2}",
                x.field_zh,
                x.field_en,
                shown(x.field == Field::IdNumber, &x.left),
                shown(x.field == Field::IdNumber, &x.right),
                x.level_zh,
                x.level_en,
                x.weight
            )?;
        }
        writeln!(f, "  先验 prior: {:+.2}", self.prior_weight)?;
        writeln!(
            f,
            "  其他非匹配类 / other non-match classes: {:+.2}",
            self.mixture_weight
        )?;
        let status = match self.status {
            Some(s) => format!("{} {}", s.name_zh(), s.as_str()),
            None => "不链接 not linked".to_string(),
        };
        write!(
            f,
            "  合计权重 total weight {:+.2} → 匹配概率 probability {:.6} → {}",
            self.match_weight, self.match_probability, status
        )
    }
}
