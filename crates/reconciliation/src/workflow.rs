//! 核对 (reconciliation) use cases: import a source's births with its kind, area and
//! period; reconcile it against the register (link, deduplicate, classify every
//! register birth and every source record, store the items); review items (confirm,
//! reject, fix with a correction event, in bulk, assign); and the figures: counts per
//! class, progress per village, 出生统计准确率 and the dual-system (Chapman) estimate
//! per village, township and in total.
//!
//! The rules themselves (classes, differing fields, how decisions are counted) are
//! in [`crate::rules`], the estimate in `renkou_stats::capture`; this module only
//! combines them with the store and the linkage engine.

use crate::error::Error as AppError;
use crate::rules::{
    classify_pair, decision_allowed, differing, BirthFacts, Decision, DiffField, ItemClass,
    ReviewStatus, SourceKind, Tally, TallyItem,
};
use crate::sources::{import_births_as, SourceImport};
use crate::tables::{self, ReconciliationTables};
use crate::tables::{
    Item, ItemCount, NewItem, NewReconciliation, RegisterBirth, ReviewUpdate, SourceInfo,
    SourceMeta,
};
use crate::trust::{ModelSource, Trust};
use renkou_domain::birth::SourceFlag;
use renkou_domain::event::EventKind;
use renkou_domain::progress::Progress;
use renkou_domain::{Date, RegionCode, RegionLevel, SourceBirth};
use renkou_interchange::rejects::file_name;
use renkou_linkage::{EntityKind, LinkOptions, LinkRecord, LinkStatus, SavedModels};
use renkou_stats::{chapman, Chapman};
use renkou_store::Store;
use renkou_store::{Actor, ImportOptions};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What a source file is.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    pub kind: SourceKind,
    pub name: String,
    /// The area the source covers.
    pub region: RegionCode,
    pub from: Date,
    pub to: Date,
}

fn check_area(store: &Store, region: &RegionCode, actor: &Actor) -> Result<(), AppError> {
    if store.region(region)?.is_none() {
        return Err(AppError::Invalid(format!(
            "区划代码 {region} 不在区划表中 / region code {region} is not in the region tree"
        )));
    }
    if !actor.can_read(region) {
        return Err(AppError::Invalid(format!(
            "区划代码 {region} 不在您的辖区内 / region code {region} is outside your area"
        )));
    }
    Ok(())
}

fn check_period(from: Date, to: Date) -> Result<(), AppError> {
    if from > to {
        return Err(AppError::Invalid(format!(
            "时期起点 {from} 晚于终点 {to} / the period starts ({from}) after it ends ({to})"
        )));
    }
    Ok(())
}

/// Imports a births file (births.csv or xlsx, any encoding) as a source, records
/// kept as the source wrote them (a cell that does not parse is kept raw and
/// flagged, see `crate::sources`); rows that describe no birth are refused with
/// file:row:column, all or nothing unless `opts.skip_invalid`. Importing the same
/// source again adds and revises its records and updates its description.
pub fn import_source(
    store: &Store,
    path: &Path,
    spec: &SourceSpec,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<SourceImport, AppError> {
    store.require_initialised()?;
    let name = spec.name.trim();
    if name.is_empty() {
        return Err(AppError::Invalid("请注明来源名称 / name the source".into()));
    }
    check_area(store, &spec.region, &opts.actor)?;
    check_period(spec.from, spec.to)?;
    let meta = SourceMeta {
        name: name.to_string(),
        kind: spec.kind.as_str().to_string(),
        region: spec.region.clone(),
        from: spec.from,
        to: spec.to,
        file_name: file_name(path),
        imported_by: opts.actor.username.clone(),
    };
    import_births_as(store, path, name, opts, progress, Some(&meta))
}

/// The result of a reconciliation run.
#[derive(Debug, Clone, Serialize)]
pub struct ReconcileReport {
    pub reconciliation_id: i64,
    pub region: String,
    pub from: Date,
    pub to: Date,
    pub register_births: usize,
    pub source_records: usize,
    /// Items per class.
    pub classes: BTreeMap<ItemClass, u64>,
    pub tally: Tally,
    pub accuracy: Option<f64>,
    pub chapman: Option<Chapman>,
    /// How far to trust it: automatic and review decisions, the fits' checks.
    pub trust: Trust,
    /// Wall time of the linkage (link, dedupe, many-to-one) in seconds.
    pub linkage_seconds: f64,
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn source_record(b: &SourceBirth, source: &str) -> LinkRecord {
    LinkRecord {
        kind: EntityKind::Birth,
        record_id: b.record_id.clone(),
        name: opt(&b.child_name),
        sex: match (&b.raw.child_sex, b.child_sex) {
            (Some(raw), _) => raw.clone(),
            (None, renkou_domain::Sex::Unknown) if b.has(SourceFlag::SexMissing) => String::new(),
            (None, s) => s.code().to_string(),
        },
        // The cells as the source wrote them where they did not parse: the
        // engine compares a miswritten ID number or date by its characters.
        birth_date: b.birth_date_text(),
        id_number: String::new(),
        birth_order: b
            .raw
            .birth_order
            .clone()
            .or_else(|| b.reported_birth_order.map(|o| o.to_string()))
            .unwrap_or_default(),
        mother_name: opt(&b.mother_name),
        mother_id_number: b.mother_id_text(),
        mother_birth_date: b
            .raw
            .mother_birth_date
            .clone()
            .or_else(|| b.mother_birth_date.map(|d| d.to_string()))
            .unwrap_or_default(),
        father_name: opt(&b.father_name),
        father_id_number: b.father_id_text(),
        region_code: b.region_text(),
        place: opt(&b.place),
        source: source.to_string(),
    }
}

/// A register birth as a births record: the child with its parents, as a source
/// would report it (the child's own ID number is left out: sources of births have
/// none, and a field on one side only is no evidence).
pub fn register_record(r: &RegisterBirth) -> LinkRecord {
    LinkRecord {
        kind: EntityKind::Birth,
        record_id: r.person_no.clone(),
        name: r.name.clone(),
        sex: r.sex.code().to_string(),
        birth_date: r.birth_date.to_string(),
        id_number: String::new(),
        birth_order: r.birth_order.map(|o| o.to_string()).unwrap_or_default(),
        mother_name: opt(&r.mother_name),
        mother_id_number: opt(&r.mother_id_number),
        mother_birth_date: r
            .mother_birth_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        father_name: opt(&r.father_name),
        father_id_number: opt(&r.father_id_number),
        region_code: r.region_code.clone(),
        place: String::new(),
        source: "register".into(),
    }
}

fn source_facts(b: &SourceBirth) -> BirthFacts {
    BirthFacts {
        name: b.child_name.clone(),
        sex: Some(b.child_sex),
        birth_date: b.birth_date,
        birth_order: b.reported_birth_order,
        mother_id_number: Some(b.mother_id_text()).filter(|t| !t.is_empty()),
    }
}

fn register_facts(r: &RegisterBirth) -> BirthFacts {
    BirthFacts {
        name: Some(r.name.clone()),
        sex: Some(r.sex),
        birth_date: Some(r.birth_date),
        birth_order: r.birth_order,
        mother_id_number: r.mother_id_number.clone(),
    }
}

/// The village an item is counted in: the register's village for a matched pair,
/// else the record's own (a village group counts in its village).
fn village_of(code: &str, fallback: &RegionCode) -> String {
    match RegionCode::parse(code) {
        Ok(c) if c.level() == RegionLevel::VillageGroup => {
            c.at_level(RegionLevel::Village).to_string()
        }
        Ok(c) => c.to_string(),
        Err(_) => fallback.to_string(),
    }
}

/// What the linkage engine makes of a source against the register
/// (`renkou_linkage::reconcile`, the register as second source): the links, left =
/// source, right = register, many-to-one for the source's duplicate rows (each
/// links to the birth its standing row is) and one-to-one between distinct births,
/// those contested by a same-day rival demoted to review; which rows repeat which;
/// both models with their checks. Pure, on linkage records.
pub struct Matching {
    pub links: Vec<renkou_linkage::Link>,
    /// For each source record that repeats another, the standing record.
    pub duplicate_of: Vec<Option<usize>>,
    /// Links demoted to review because a same-day rival fits as well.
    pub contested: usize,
    /// The engine's whole result (models, fits, summary, twins kept apart).
    pub engine: renkou_linkage::Reconciliation,
}

impl Matching {
    /// The model the pairs were scored with.
    pub fn model(&self) -> &renkou_linkage::Model {
        &self.engine.link_model
    }
}

/// Links a source's records to the register's births, deduplicating the source
/// with the register as second source (two rows linked to two register births are
/// two children, never one duplicate group), and links every duplicate row to its
/// birth. `opts.model` / `opts.dedupe_model` skip EM (a county's saved models).
pub fn match_records(
    source: &[LinkRecord],
    register: &[LinkRecord],
    opts: &LinkOptions,
) -> Matching {
    let engine = renkou_linkage::reconcile(source, register, opts);
    let mut links = engine.links.clone();
    let demoted = contested(
        source,
        register,
        &links,
        &engine.link_model,
        &engine.duplicate_of,
    );
    for &i in &demoted {
        links[i].status = LinkStatus::Review;
    }
    Matching {
        links,
        duplicate_of: engine.duplicate_of.clone(),
        contested: demoted.len(),
        engine,
    }
}

/// Where a source record ends up, before its fields are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// In a pair: the index of its link.
    Pair(usize),
    /// A duplicate of this source record (its standing row); it may also link to
    /// that row's register birth.
    Duplicate(usize),
    SourceOnly,
}

/// The shape of a reconciliation: a slot per source record, and per register birth
/// whether any source record links to it. The rules:
/// - a source record that repeats another (the engine's `duplicate_of`) is a
///   duplicate of its standing row, linked or not;
/// - any other source record linked to a register birth is in a pair;
/// - any other source record is source-only; a register birth in no link is
///   register-only.
pub fn structure(
    n_source: usize,
    n_register: usize,
    links: &[renkou_linkage::Link],
    duplicate_of: &[Option<usize>],
) -> (Vec<Slot>, Vec<bool>) {
    let mut slots = vec![Slot::SourceOnly; n_source];
    let mut linked_register = vec![false; n_register];
    for (k, l) in links.iter().enumerate() {
        slots[l.left_index] = Slot::Pair(k);
        linked_register[l.right_index] = true;
    }
    for (i, d) in duplicate_of.iter().enumerate().take(n_source) {
        if let Some(s) = d {
            slots[i] = Slot::Duplicate(*s);
        }
    }
    (slots, linked_register)
}

/// Classifies every source record and every register birth: [`structure`], then a
/// pair is `uncertain` when its link is only at review level, else `agree` or
/// `disagree` by the statistical facts (`crate::rules::classify_pair`).
fn classify(
    source: &[SourceBirth],
    register: &[RegisterBirth],
    links: &[renkou_linkage::Link],
    duplicate_of: &[Option<usize>],
    possible: &HashMap<usize, PossibleDuplicate>,
    region: &RegionCode,
) -> Vec<NewItem> {
    let mut items = Vec::new();
    let (slots, linked_register) = structure(source.len(), register.len(), links, duplicate_of);
    let link_of: HashMap<usize, usize> = links
        .iter()
        .enumerate()
        .map(|(k, l)| (l.left_index, k))
        .collect();
    for (i, b) in source.iter().enumerate() {
        let own_village = b
            .region_code
            .as_ref()
            .map(|r| village_of(r.as_str(), region))
            .unwrap_or_else(|| region.to_string());
        if let Slot::Pair(k) = slots[i] {
            let l = &links[k];
            let r = &register[l.right_index];
            let diffs = differing(&source_facts(b), &register_facts(r));
            items.push(NewItem {
                class: classify_pair(l.status == LinkStatus::Auto, &diffs),
                source_record_id: Some(b.record_id.clone()),
                person_no: Some(r.person_no.clone()),
                duplicate_of: None,
                match_probability: Some(l.match_probability),
                match_weight: Some(l.match_weight),
                diffs,
                village_code: village_of(&r.region_code, region),
            });
        } else if let Slot::Duplicate(k) = slots[i] {
            // Linked to the birth its standing row is (many-to-one): counted once,
            // this row as 重报.
            let linked = link_of.get(&i).map(|&k| &links[k]);
            let r = linked.map(|l| &register[l.right_index]);
            items.push(NewItem {
                class: ItemClass::Duplicate,
                source_record_id: Some(b.record_id.clone()),
                person_no: r.map(|r| r.person_no.clone()),
                duplicate_of: Some(source[k].record_id.clone()),
                match_probability: linked.map(|l| l.match_probability),
                match_weight: linked.map(|l| l.match_weight),
                diffs: Vec::new(),
                village_code: r
                    .map(|r| village_of(&r.region_code, region))
                    .unwrap_or(own_village),
            });
        } else if let Some(p) = possible.get(&i) {
            // Might repeat another record of the source: queued with both records
            // and the dedupe model's score; a birth of its own until confirmed.
            items.push(NewItem {
                class: ItemClass::PossibleDuplicate,
                source_record_id: Some(b.record_id.clone()),
                person_no: None,
                duplicate_of: Some(source[p.of].record_id.clone()),
                match_probability: Some(p.probability),
                match_weight: Some(p.weight),
                diffs: Vec::new(),
                village_code: own_village,
            });
        } else {
            items.push(NewItem {
                class: ItemClass::SourceOnly,
                source_record_id: Some(b.record_id.clone()),
                person_no: None,
                duplicate_of: None,
                match_probability: None,
                match_weight: None,
                diffs: Vec::new(),
                village_code: own_village,
            });
        }
    }
    for (j, r) in register.iter().enumerate() {
        if !linked_register[j] {
            items.push(NewItem {
                class: ItemClass::RegisterOnly,
                source_record_id: None,
                person_no: Some(r.person_no.clone()),
                duplicate_of: None,
                match_probability: None,
                match_weight: None,
                diffs: Vec::new(),
                village_code: village_of(&r.region_code, region),
            });
        }
    }
    items
}

/// A source record that may repeat another: the other record, and the dedupe
/// model's score of the pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PossibleDuplicate {
    pub of: usize,
    pub probability: f64,
    pub weight: f64,
}

/// The engine's duplicate pairs left for review (between the thresholds, or not
/// corroborated; twins kept apart are not among them), each as one record that may
/// repeat another: the record of the pair that is linked to no register birth and
/// repeats nothing (the later one when both are such), at most once per record, the
/// best-scored pair first. A pair whose records are both linked or already
/// duplicates says nothing a reviewer could count.
pub fn possible_duplicates(m: &Matching) -> HashMap<usize, PossibleDuplicate> {
    let linked: std::collections::HashSet<usize> = m.links.iter().map(|l| l.left_index).collect();
    let free =
        |i: usize| !linked.contains(&i) && m.duplicate_of.get(i).is_some_and(Option::is_none);
    let mut review: Vec<&renkou_linkage::Link> = m
        .engine
        .duplicates
        .iter()
        .filter(|l| l.status == LinkStatus::Review)
        .collect();
    review.sort_by(|a, b| b.match_weight.total_cmp(&a.match_weight));
    let mut out: HashMap<usize, PossibleDuplicate> = HashMap::new();
    for l in review {
        let (a, b) = (
            l.left_index.min(l.right_index),
            l.left_index.max(l.right_index),
        );
        let (row, of) = if free(b) {
            (b, a)
        } else if free(a) {
            (a, b)
        } else {
            continue;
        };
        // The record it may repeat must stay a birth of its own.
        if out.contains_key(&row) || out.contains_key(&of) {
            continue;
        }
        out.insert(
            row,
            PossibleDuplicate {
                of,
                probability: l.match_probability,
                weight: l.match_weight,
            },
        );
    }
    out
}

/// How close (in bits of match weight) another register birth of the same day must
/// come for a link to be contested: a Bayes factor of 2.
const CONTEST_BITS: f64 = 1.0;

/// Links whose source record fits another register birth of the same birth day
/// about as well (within [`CONTEST_BITS`]): twins, or a record too sparse to tell
/// the children of one mother apart. The one-to-one assignment has to pick one and
/// the linkage engine accepts it, but for the register's statistics a reviewer must
/// say which child it is, so these pairs become `uncertain`. Returns indices into
/// `links`.
fn contested(
    left: &[LinkRecord],
    right: &[LinkRecord],
    links: &[renkou_linkage::Link],
    model: &renkou_linkage::Model,
    duplicate_of: &[Option<usize>],
) -> Vec<usize> {
    let scorer = model.scorer();
    let fr = renkou_linkage::record::prepare(right);
    let mut by_day: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, r) in right.iter().enumerate() {
        by_day.entry(r.birth_date.as_str()).or_default().push(j);
    }
    let mut out = Vec::new();
    for (k, l) in links.iter().enumerate() {
        // A duplicate row follows its standing row's link.
        if l.status != LinkStatus::Auto
            || duplicate_of.get(l.left_index).is_some_and(Option::is_some)
        {
            continue;
        }
        let fl = renkou_linkage::Features::new(&left[l.left_index]);
        let rivals = by_day
            .get(left[l.left_index].birth_date.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let contested = rivals.iter().any(|&j| {
            j != l.right_index
                && scorer.weight(renkou_linkage::compare::compare(&fl, &fr[j]))
                    >= l.match_weight - CONTEST_BITS
        });
        if contested {
            out.push(k);
        }
    }
    out
}

/// How a reconciliation is scored.
#[derive(Debug, Clone, Default)]
pub struct ReconcileOptions {
    /// Fit the models on this run's records even when the county has saved
    /// reviewed ones.
    pub refit: bool,
    /// The engine's options (thresholds; where EM starts, for testing the checks).
    pub linkage: LinkOptions,
}

/// The county whose saved models a reconciliation of `region` uses.
pub fn county_of(region: &RegionCode) -> Option<RegionCode> {
    (region.level() >= RegionLevel::County).then(|| region.at_level(RegionLevel::County))
}

/// Reconciles a source against the register for an area and period (by default
/// the source's own), stores the items and returns the counts.
pub fn reconcile(
    store: &Store,
    source_id: i64,
    region: Option<RegionCode>,
    period: Option<(Date, Date)>,
    actor: &Actor,
) -> Result<ReconcileReport, AppError> {
    reconcile_with(
        store,
        source_id,
        region,
        period,
        &ReconcileOptions::default(),
        actor,
    )
}

/// [`reconcile`] with its options: the county's saved models are used unless
/// `opts.refit`; otherwise both models are fitted on the run's records, checked,
/// and replaced by the shipped defaults when a check fails (the report says so).
pub fn reconcile_with(
    store: &Store,
    source_id: i64,
    region: Option<RegionCode>,
    period: Option<(Date, Date)>,
    opts: &ReconcileOptions,
    actor: &Actor,
) -> Result<ReconcileReport, AppError> {
    store.require_initialised()?;
    let src: SourceInfo = store.source(source_id)?.ok_or_else(|| {
        AppError::Invalid(format!("找不到来源 {source_id} / no source {source_id}"))
    })?;
    let region = match region {
        Some(r) => r,
        None => {
            RegionCode::parse(&src.region_code).map_err(|e| AppError::Invalid(e.to_string()))?
        }
    };
    check_area(store, &region, actor)?;
    let (from, to) = period.unwrap_or((src.period_from, src.period_to));
    check_period(from, to)?;
    let source = store.source_births_in(&src.name, &region, from, to)?;
    let register = store.register_births(&region, from, to)?;
    let left: Vec<LinkRecord> = source.iter().map(|b| source_record(b, &src.name)).collect();
    let right: Vec<LinkRecord> = register.iter().map(register_record).collect();
    let mut link_opts = opts.linkage.clone();
    let mut model_source = ModelSource::Fitted;
    if !opts.refit && link_opts.model.is_none() && link_opts.dedupe_model.is_none() {
        if let Some(county) = county_of(&region) {
            if let Some(saved) = store.county_models(&county)? {
                let m = SavedModels::from_json(&saved.models_json).map_err(|why| {
                    AppError::Invalid(format!(
                        "本县保存的核对模型无法读取（{why}），请重新保存或用 --refit / the county's saved models cannot be read ({why}): save them again or use --refit"
                    ))
                })?;
                link_opts.model = m.link;
                link_opts.dedupe_model = m.dedupe;
                model_source = ModelSource::County {
                    county: county.to_string(),
                    saved_by: saved.saved_by,
                    saved_at: saved.saved_at.format("%Y-%m-%d %H:%M").to_string(),
                    from: saved.reconciliation_id,
                };
            }
        }
    }
    let t = std::time::Instant::now();
    let m = match_records(&left, &right, &link_opts);
    let linkage_seconds = t.elapsed().as_secs_f64();
    let possible = possible_duplicates(&m);
    let items = classify(
        &source,
        &register,
        &m.links,
        &m.duplicate_of,
        &possible,
        &region,
    );
    let mut classes: BTreeMap<ItemClass, u64> = BTreeMap::new();
    let mut tally = Tally::default();
    for it in &items {
        *classes.entry(it.class).or_default() += 1;
        tally.add(TallyItem {
            class: it.class,
            status: ReviewStatus::Open,
            statistical_diff: it.diffs.iter().any(|d| d.is_statistical()),
        });
    }
    let n = |c: ItemClass| classes.get(&c).copied().unwrap_or(0);
    let e = &m.engine;
    let trust = Trust {
        auto_pairs: n(ItemClass::Agree) + n(ItemClass::Disagree),
        review_pairs: n(ItemClass::Uncertain),
        contested: m.contested as u64,
        duplicates: n(ItemClass::Duplicate),
        duplicates_linked: items
            .iter()
            .filter(|i| i.class == ItemClass::Duplicate && i.person_no.is_some())
            .count() as u64,
        review_duplicates: n(ItemClass::PossibleDuplicate),
        twins_kept_apart: e.summary.twins_kept_apart as u64,
        flagged_records: source
            .iter()
            .filter(|b| {
                b.flags
                    .iter()
                    .any(|f| !matches!(f, SourceFlag::MotherMissing | SourceFlag::SexMissing))
            })
            .count() as u64,
        model: model_source,
        link_fit: e.link_fit.clone(),
        dedupe_fit: e.dedupe_fit.clone(),
    };
    let new = NewReconciliation {
        source_id,
        region: region.clone(),
        from,
        to,
        register_births: register.len() as i64,
        source_births: source.len() as i64,
        model_json: m.model().to_json(),
        models_json: e.models().to_json(),
        trust_json: serde_json::to_string(&trust).unwrap_or_default(),
        created_by: actor.username.clone(),
    };
    let id = store.write(actor, |tx| tables::save_reconciliation(tx, &new, &items))?;
    Ok(ReconcileReport {
        reconciliation_id: id,
        region: region.to_string(),
        from,
        to,
        register_births: register.len(),
        source_records: source.len(),
        classes,
        tally,
        accuracy: tally.accuracy(),
        chapman: chapman(tally.register, tally.source, tally.matched),
        trust,
        linkage_seconds,
    })
}

/// Saves the models reconciliation `reconciliation_id` was scored with as its
/// county's reviewed models: that county's later reconciliations use them instead
/// of fitting their own (unless asked to refit). Only an account whose area holds
/// the whole county (or the operator) may.
pub fn save_county_model(
    store: &Store,
    reconciliation_id: i64,
    actor: &Actor,
) -> Result<RegionCode, AppError> {
    let rec = store.reconciliation(reconciliation_id)?.ok_or_else(|| {
        AppError::Invalid(format!(
            "找不到核对 {reconciliation_id} / no reconciliation {reconciliation_id}"
        ))
    })?;
    let region =
        RegionCode::parse(&rec.region_code).map_err(|e| AppError::Invalid(e.to_string()))?;
    let county = county_of(&region).ok_or_else(|| {
        AppError::Invalid(format!(
            "核对 {reconciliation_id} 的区划不在某县之内 / reconciliation {reconciliation_id} is not within a county"
        ))
    })?;
    if !actor.can_read(&county) {
        return Err(AppError::Invalid(format!(
            "只有全县范围的账号可以保存本县模型 / only an account for the whole county {county} can save its model"
        )));
    }
    if SavedModels::from_json(&rec.models_json).is_err() {
        return Err(AppError::Invalid(format!(
            "核对 {reconciliation_id} 没有保存其模型（早期版本所建），请重新核对 / reconciliation {reconciliation_id} kept no models (made by an earlier version): reconcile again"
        )));
    }
    store.write(actor, |tx| {
        tables::save_county_models(tx, &county, &rec.models_json, Some(reconciliation_id))
    })?;
    Ok(county)
}

/// Removes a county's saved models: its reconciliations fit their own again.
pub fn clear_county_model(
    store: &Store,
    county: &RegionCode,
    actor: &Actor,
) -> Result<bool, AppError> {
    if !actor.can_read(county) {
        return Err(AppError::Invalid(format!(
            "只有全县范围的账号可以清除本县模型 / only an account for the whole county {county} can clear its model"
        )));
    }
    Ok(store.write(actor, |tx| tables::clear_county_models(tx, county))? > 0)
}

/// A fix: which field, its correct value, and why.
#[derive(Debug, Clone)]
pub struct Fix {
    pub field: DiffField,
    pub value: String,
}

/// An item when it exists and lies in the reviewer's area (else "not found", the
/// same answer for both, as everywhere).
pub fn item_in_scope(store: &Store, id: i64, actor: &Actor) -> Result<Option<Item>, AppError> {
    Ok(store
        .reconciliation_item(id)?
        .filter(|it| RegionCode::parse(&it.village_code).is_ok_and(|v| actor.can_read(&v))))
}

fn not_found(id: i64) -> AppError {
    AppError::Invalid(format!("找不到核对条目 {id} / no reconciliation item {id}"))
}

/// Confirms, rejects or fixes one item. A fix needs a reason (the note) and writes a
/// correction event on the register person in the same transaction as the decision.
pub fn review(
    store: &Store,
    id: i64,
    decision: Decision,
    fix: Option<&Fix>,
    note: Option<&str>,
    who: &Actor,
) -> Result<ReviewStatus, AppError> {
    let item = item_in_scope(store, id, who)?.ok_or_else(|| not_found(id))?;
    if !decision_allowed(item.class, decision) {
        return Err(AppError::Invalid(
            "此条目没有登记人员，不能更正；请确认或否决 / this item has no register person to correct: confirm or reject it".into(),
        ));
    }
    if item.status == ReviewStatus::Fixed && decision != Decision::Fix {
        return Err(AppError::Invalid(
            "已更正的条目不能再确认或否决 / a fixed item cannot be confirmed or rejected".into(),
        ));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let update = ReviewUpdate {
        status: decision.status(),
        note,
    };
    if decision != Decision::Fix {
        store.write(who, |tx| tables::review_items(tx, &[id], &update))?;
        return Ok(update.status);
    }
    let fix = fix.ok_or_else(|| {
        AppError::Invalid(
            "请选择要更正的字段和正确的值 / choose the field and its correct value".into(),
        )
    })?;
    let reason = note.ok_or_else(|| {
        AppError::Invalid("更正原因不能为空 / a correction needs a reason".into())
    })?;
    let field = fix.field.person_field().ok_or_else(|| {
        AppError::Invalid(format!(
            "{}由登记推算或属于母亲，不能在此更正：请更正出生日期或母亲关联，或在母亲页面更正 / the {} is derived or the mother's: correct the birth date or the mother link, or correct it on the mother's page",
            fix.field.name_zh(),
            fix.field.name_en()
        ))
    })?;
    let person_no = item.person_no.clone().ok_or_else(|| not_found(id))?;
    let person = store.person(&person_no)?.ok_or_else(|| {
        AppError::Invalid(format!("找不到人员 {person_no} / no person {person_no}"))
    })?;
    let mut changed = person.clone();
    changed
        .set(field, &fix.value)
        .map_err(|e| AppError::Invalid(e.to_string()))?;
    let (old, new) = (person.get(field), changed.get(field));
    if old == new {
        return Err(AppError::Invalid(
            "新值与登记中的值相同 / the new value is what the register already holds".into(),
        ));
    }
    let correction = EventKind::Correction {
        field,
        old,
        new,
        reason: reason.to_string(),
    };
    let source = format!(
        "核对 {} / reconciliation {}",
        item.reconciliation_id, item.reconciliation_id
    );
    store.write(who, |tx| {
        tables::fix_item(tx, id, &person_no, correction, &source, &update)
    })?;
    Ok(ReviewStatus::Fixed)
}

/// Confirms or rejects several items at once (a fix needs its own field and value).
/// Items outside the reviewer's area are refused, and then none is changed.
pub fn review_bulk(
    store: &Store,
    ids: &[i64],
    decision: Decision,
    note: Option<&str>,
    who: &Actor,
) -> Result<u64, AppError> {
    if decision == Decision::Fix {
        return Err(AppError::Invalid(
            "批量操作只能确认或否决 / bulk actions can only confirm or reject".into(),
        ));
    }
    for &id in ids {
        item_in_scope(store, id, who)?.ok_or_else(|| not_found(id))?;
    }
    let update = ReviewUpdate {
        status: decision.status(),
        note: note.map(str::trim).filter(|n| !n.is_empty()),
    };
    Ok(store.write(who, |tx| tables::review_items(tx, ids, &update))?)
}

/// Assigns items to an account whose area contains each item's village (a village
/// worker of that village, or staff above it); `None` clears the assignment.
pub fn assign(
    store: &Store,
    ids: &[i64],
    username: Option<&str>,
    who: &Actor,
) -> Result<u64, AppError> {
    let account = match username.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => Some(
            store
                .account_by_name(u)?
                .filter(|a| !a.disabled)
                .ok_or_else(|| AppError::Invalid(format!("找不到账号 {u} / no account {u}")))?,
        ),
        None => None,
    };
    for &id in ids {
        let it = item_in_scope(store, id, who)?.ok_or_else(|| not_found(id))?;
        if let Some(a) = &account {
            let inside = RegionCode::parse(&it.village_code).is_ok_and(|v| a.region.contains(&v));
            if !inside {
                return Err(AppError::Invalid(format!(
                    "账号 {} 的辖区不含条目 {id} 的村 / account {}'s area does not contain item {id}'s village",
                    a.username, a.username
                )));
            }
        }
    }
    let to = account.as_ref().map(|a| a.username.as_str());
    Ok(store.write(who, |tx| tables::assign_items(tx, ids, to))?)
}

/// One row of the accuracy and progress table.
#[derive(Debug, Clone, Serialize)]
pub struct AreaRow {
    pub region_code: String,
    pub name: String,
    pub level: RegionLevel,
    pub classes: BTreeMap<ItemClass, u64>,
    /// Items that need review (all but agreeing pairs) still open, and decided.
    pub open: u64,
    pub decided: u64,
    pub tally: Tally,
    pub accuracy: Option<f64>,
    pub chapman: Option<Chapman>,
}

impl AreaRow {
    fn new(code: &str, names: &HashMap<String, String>) -> AreaRow {
        let level = RegionCode::parse(code)
            .map(|c| c.level())
            .unwrap_or(RegionLevel::Village);
        AreaRow {
            region_code: code.to_string(),
            name: names.get(code).cloned().unwrap_or_default(),
            level,
            classes: BTreeMap::new(),
            open: 0,
            decided: 0,
            tally: Tally::default(),
            accuracy: None,
            chapman: None,
        }
    }

    fn add(&mut self, it: &ItemCount) {
        *self.classes.entry(it.class).or_default() += 1;
        if it.class.needs_review() {
            if it.status == ReviewStatus::Open {
                self.open += 1;
            } else {
                self.decided += 1;
            }
        }
        self.tally.add(TallyItem {
            class: it.class,
            status: it.status,
            statistical_diff: it.diffs.iter().any(|d| d.is_statistical()),
        });
    }

    fn finish(&mut self) {
        self.accuracy = self.tally.accuracy();
        self.chapman = chapman(self.tally.register, self.tally.source, self.tally.matched);
    }
}

/// Accuracy and progress of one reconciliation, per village, per township and in
/// total, counting the items inside `area` (the viewer's scope) as reviewed so far.
#[derive(Debug, Clone, Serialize)]
pub struct Accuracy {
    pub villages: Vec<AreaRow>,
    pub townships: Vec<AreaRow>,
    pub total: AreaRow,
}

/// 准确率 per area = source births whose pair agrees / distinct source births, by
/// the counting rules of `crate::rules::Tally::add`; Chapman from the
/// same counts (n1 register births, n2 distinct source births, m matched).
pub fn accuracy(
    store: &Store,
    reconciliation_id: i64,
    area: Option<&RegionCode>,
) -> Result<Accuracy, AppError> {
    let names: HashMap<String, String> = store
        .regions()?
        .into_iter()
        .map(|r| (r.code.to_string(), r.name))
        .collect();
    let counts = store.reconciliation_counts(reconciliation_id, area)?;
    let mut villages: BTreeMap<String, AreaRow> = BTreeMap::new();
    let mut townships: BTreeMap<String, AreaRow> = BTreeMap::new();
    let mut total = AreaRow::new(area.map(|a| a.as_str()).unwrap_or_default(), &names);
    total.name = match area {
        Some(a) => names.get(a.as_str()).cloned().unwrap_or_default(),
        None => "合计 / total".into(),
    };
    for it in &counts {
        villages
            .entry(it.village_code.clone())
            .or_insert_with(|| AreaRow::new(&it.village_code, &names))
            .add(it);
        let township = RegionCode::parse(&it.village_code)
            .map(|c| {
                if c.level() >= RegionLevel::Township {
                    c.at_level(RegionLevel::Township).to_string()
                } else {
                    c.to_string()
                }
            })
            .unwrap_or_else(|_| it.village_code.clone());
        townships
            .entry(township.clone())
            .or_insert_with(|| AreaRow::new(&township, &names))
            .add(it);
        total.add(it);
    }
    let fin = |m: BTreeMap<String, AreaRow>| {
        m.into_values()
            .map(|mut r| {
                r.finish();
                r
            })
            .collect::<Vec<_>>()
    };
    let villages = fin(villages);
    let townships = fin(townships);
    total.finish();
    Ok(Accuracy {
        villages,
        townships,
        total,
    })
}

pub use renkou_linkage::Explanation;

/// Everything the review page of one item shows.
#[derive(Debug, Clone)]
pub struct ItemDetail {
    pub item: Item,
    pub reconciliation: crate::tables::ReconciliationInfo,
    pub source: Option<SourceBirth>,
    pub register: Option<RegisterBirth>,
    /// For a duplicate: the record it repeats.
    pub original: Option<SourceBirth>,
    /// Field by field, under the model the reconciliation was scored with (pairs
    /// and duplicates only).
    pub explanation: Option<Explanation>,
}

/// The item with both records and the linkage explanation.
pub fn item_detail(store: &Store, item: Item) -> Result<ItemDetail, AppError> {
    let rec = store
        .reconciliation(item.reconciliation_id)?
        .ok_or_else(|| not_found(item.id))?;
    let source = match &item.source_record_id {
        Some(r) => store.source_birth(&rec.source_name, r)?,
        None => None,
    };
    let register = match &item.person_no {
        Some(p) => store.register_birth(p)?,
        None => None,
    };
    let original = match &item.duplicate_of {
        Some(r) => store.source_birth(&rec.source_name, r)?,
        None => None,
    };
    // A model that cannot be read (saved by another version) only costs the
    // explanation, not the page.
    let model = renkou_linkage::Model::from_json(&rec.model_json).ok();
    let dedupe_model = SavedModels::from_json(&rec.models_json)
        .ok()
        .and_then(|m| m.dedupe);
    let explanation = match (&source, &register, &original) {
        // A duplicate: against the row it repeats, under the dedupe model.
        (Some(s), _, Some(o)) => dedupe_model.as_ref().or(model.as_ref()).map(|m| {
            renkou_linkage::explain(
                m,
                &source_record(s, &rec.source_name),
                &source_record(o, &rec.source_name),
            )
        }),
        (Some(s), Some(r), None) => model.as_ref().map(|m| {
            renkou_linkage::explain(m, &source_record(s, &rec.source_name), &register_record(r))
        }),
        _ => None,
    };
    Ok(ItemDetail {
        item,
        reconciliation: rec,
        source,
        register,
        original,
        explanation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use renkou_linkage::Link;

    fn link(l: usize, r: usize, status: LinkStatus) -> Link {
        Link {
            left_id: format!("S{l}"),
            right_id: format!("R{r}"),
            left_index: l,
            right_index: r,
            match_probability: 0.9,
            match_weight: 5.0,
            status,
        }
    }

    #[test]
    fn structure_by_hand() {
        // Source 0..6, register 0..5. S0–R0 linked, and S1 repeats S0 and links to
        // R0 too (many-to-one); S2 and S3 are one birth neither linked (S3 repeats
        // S2); S4 and S5 are twins linked to R1 and R2 (no duplicate); R3 and R4
        // are in no link.
        let links = [
            link(0, 0, LinkStatus::Auto),
            link(1, 0, LinkStatus::Auto),
            link(4, 1, LinkStatus::Auto),
            link(5, 2, LinkStatus::Review),
        ];
        let dup_of = [None, Some(0), None, Some(2), None, None];
        let (slots, linked) = structure(6, 5, &links, &dup_of);
        assert_eq!(
            slots,
            vec![
                Slot::Pair(0),
                Slot::Duplicate(0),
                Slot::SourceOnly,
                Slot::Duplicate(2),
                Slot::Pair(2),
                Slot::Pair(3),
            ]
        );
        assert_eq!(linked, vec![true, true, true, false, false]);
    }
}
