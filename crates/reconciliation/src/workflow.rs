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
use crate::sources::import_births_as;
use crate::tables::{self, ReconciliationTables};
use crate::tables::{
    Item, ItemCount, NewItem, NewReconciliation, RegisterBirth, ReviewUpdate, SourceInfo,
    SourceMeta,
};
use renkou_domain::event::EventKind;
use renkou_domain::progress::Progress;
use renkou_domain::{Date, RegionCode, RegionLevel, SourceBirth};
use renkou_interchange::rejects::file_name;
use renkou_linkage::{EntityKind, LinkOptions, LinkRecord, LinkStatus};
use renkou_stats::{chapman, Chapman};
use renkou_store::Store;
use renkou_store::{Actor, ImportOptions, ImportReport};
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

/// Imports a births file (births.csv or xlsx, any encoding) as a source, all or
/// nothing, rows checked like `import births` (errors as file:row:column). Importing
/// the same source again adds and revises its records and updates its description.
pub fn import_source(
    store: &Store,
    path: &Path,
    spec: &SourceSpec,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<(ImportReport, Option<i64>), AppError> {
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
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn source_record(b: &SourceBirth, source: &str) -> LinkRecord {
    LinkRecord {
        kind: EntityKind::Birth,
        record_id: b.record_id.clone(),
        name: opt(&b.child_name),
        sex: b.child_sex.code().to_string(),
        birth_date: b.birth_date.to_string(),
        id_number: String::new(),
        birth_order: b
            .reported_birth_order
            .map(|o| o.to_string())
            .unwrap_or_default(),
        mother_name: opt(&b.mother_name),
        mother_id_number: b
            .mother_id_number
            .as_ref()
            .map(|i| i.to_string())
            .unwrap_or_default(),
        mother_birth_date: b
            .mother_birth_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        father_name: opt(&b.father_name),
        father_id_number: b
            .father_id_number
            .as_ref()
            .map(|i| i.to_string())
            .unwrap_or_default(),
        region_code: b
            .region_code
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default(),
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
        birth_date: Some(b.birth_date),
        birth_order: b.reported_birth_order,
        mother_id_number: b.mother_id_number.as_ref().map(|i| i.to_string()),
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

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// What the linkage engine makes of a source against the register: the links
/// (left = source, right = register; those contested by a same-day rival demoted to
/// review) and the source's duplicate pairs. Pure, on linkage records.
pub struct Matching {
    pub links: Vec<renkou_linkage::Link>,
    pub duplicate_pairs: Vec<(usize, usize)>,
    pub model: renkou_linkage::Model,
}

/// Links a source's records to the register's births and deduplicates the source.
pub fn match_records(source: &[LinkRecord], register: &[LinkRecord]) -> Matching {
    let opts = LinkOptions::default();
    let out = renkou_linkage::link(source, register, &opts);
    let dups = renkou_linkage::dedupe(source, &opts);
    let duplicate_pairs: Vec<(usize, usize)> = dups
        .links
        .iter()
        .filter(|l| l.status == LinkStatus::Auto)
        .map(|l| (l.left_index, l.right_index))
        .collect();
    let mut links = out.links;
    for i in contested(source, register, &links, &out.model) {
        links[i].status = LinkStatus::Review;
    }
    Matching {
        links,
        duplicate_pairs,
        model: out.model,
    }
}

/// Where a source record ends up, before its fields are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// In a pair: the index of its link.
    Pair(usize),
    /// A duplicate of this source record.
    Duplicate(usize),
    SourceOnly,
}

/// The shape of a reconciliation: a slot per source record, and per register birth
/// whether it is in a pair. The rules:
/// - a source record linked to a register birth is in a pair;
/// - within a cluster of source records the deduplication accepted as one birth,
///   the records linked to the register stand (several linked ones are twins, not
///   duplicates); if none is linked, the first record of the cluster stands; every
///   other unlinked member is a duplicate of the standing one;
/// - any other source record is source-only; a register birth in no pair is
///   register-only.
pub fn structure(
    n_source: usize,
    n_register: usize,
    links: &[renkou_linkage::Link],
    duplicate_pairs: &[(usize, usize)],
) -> (Vec<Slot>, Vec<bool>) {
    let mut linked_source: HashMap<usize, usize> = HashMap::new();
    let mut linked_register = vec![false; n_register];
    for (k, l) in links.iter().enumerate() {
        linked_source.insert(l.left_index, k);
        linked_register[l.right_index] = true;
    }
    let mut parent: Vec<usize> = (0..n_source).collect();
    for &(a, b) in duplicate_pairs {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut clusters: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n_source {
        let r = find(&mut parent, i);
        clusters.entry(r).or_default().push(i);
    }
    let mut slots = vec![Slot::SourceOnly; n_source];
    for members in clusters.values().filter(|m| m.len() > 1) {
        let standing = members
            .iter()
            .copied()
            .find(|i| linked_source.contains_key(i))
            .unwrap_or(members[0]);
        for &i in members {
            if i != standing && !linked_source.contains_key(&i) {
                slots[i] = Slot::Duplicate(standing);
            }
        }
    }
    for (&i, &k) in &linked_source {
        slots[i] = Slot::Pair(k);
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
    duplicate_pairs: &[(usize, usize)],
    region: &RegionCode,
) -> Vec<NewItem> {
    let mut items = Vec::new();
    let (slots, linked_register) = structure(source.len(), register.len(), links, duplicate_pairs);
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
            items.push(NewItem {
                class: ItemClass::Duplicate,
                source_record_id: Some(b.record_id.clone()),
                person_no: None,
                duplicate_of: Some(source[k].record_id.clone()),
                match_probability: None,
                match_weight: None,
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
) -> Vec<usize> {
    let scorer = model.scorer();
    let fr = renkou_linkage::record::prepare(right);
    let mut by_day: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, r) in right.iter().enumerate() {
        by_day.entry(r.birth_date.as_str()).or_default().push(j);
    }
    let mut out = Vec::new();
    for (k, l) in links.iter().enumerate() {
        if l.status != LinkStatus::Auto {
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

/// Reconciles a source against the register for an area and period (by default
/// the source's own), stores the items and returns the counts.
pub fn reconcile(
    store: &Store,
    source_id: i64,
    region: Option<RegionCode>,
    period: Option<(Date, Date)>,
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
    let Matching {
        links,
        duplicate_pairs,
        model,
    } = match_records(&left, &right);
    let items = classify(&source, &register, &links, &duplicate_pairs, &region);
    let new = NewReconciliation {
        source_id,
        region: region.clone(),
        from,
        to,
        register_births: register.len() as i64,
        source_births: source.len() as i64,
        model_json: model.to_json(),
        created_by: actor.username.clone(),
    };
    let id = store.write(actor, |tx| tables::save_reconciliation(tx, &new, &items))?;
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
    })
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
    let explanation = match (&model, &source, &register, &original) {
        (Some(m), Some(s), Some(r), _) => Some(renkou_linkage::explain(
            m,
            &source_record(s, &rec.source_name),
            &register_record(r),
        )),
        (Some(m), Some(s), None, Some(o)) => Some(renkou_linkage::explain(
            m,
            &source_record(s, &rec.source_name),
            &source_record(o, &rec.source_name),
        )),
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
        // Source 0..6, register 0..4. S0–R0 linked; S1 repeats S0 (duplicate of the
        // linked one even though it comes first); S2 and S3 are one cluster with
        // neither linked (S3 duplicates S2, the first); S4 and S5 are twins both
        // linked (a cluster, but no duplicate); R3 is in no pair.
        let links = [
            link(0, 0, LinkStatus::Auto),
            link(4, 1, LinkStatus::Auto),
            link(5, 2, LinkStatus::Review),
        ];
        let dups = [(1, 0), (2, 3), (4, 5)];
        let (slots, linked) = structure(6, 4, &links, &dups);
        assert_eq!(
            slots,
            vec![
                Slot::Pair(0),
                Slot::Duplicate(0),
                Slot::SourceOnly,
                Slot::Duplicate(2),
                Slot::Pair(1),
                Slot::Pair(2),
            ]
        );
        assert_eq!(linked, vec![true, true, true, false]);
    }
}
