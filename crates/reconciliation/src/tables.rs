//! Reconciliation (核对) in the database: sources of births (a name in
//! `source_births` with its kind, area and period), the register's births of an area
//! and period as linkage input (with the derived birth order), reconciliations and
//! their items, the review queue (filters, paging, decisions single and in bulk,
//! assignment), and the items' counts per village for progress and accuracy.
//!
//! These tables (`sources`, `reconciliations`, `reconciliation_items`) are this
//! domain's own (`migrations/`). Every write takes the kernel's [`Tx`] and is
//! audited in it; a fix writes the correction event (through the `Tx`, so the
//! reviewer's area and the register's rules are checked) and the item's new status
//! together, or neither.

use crate::rules::{DiffField, ItemClass, ReviewStatus};
use chrono::{DateTime, Utc};
use renkou_domain::event::EventKind;
use renkou_domain::{Date, RegionCode, Sex, SourceBirth};
use renkou_store::{
    AuditAction, AuditNote, Backend, RecordKind, Result, Store, StoreError, Tx, Value,
};

/// The audit log's names for this domain's records.
pub const SOURCE: RecordKind = RecordKind::new("source", "出生记录来源", "source");
pub const RECONCILIATION: RecordKind = RecordKind::new("reconciliation", "核对", "reconciliation");
pub const ITEM: RecordKind =
    RecordKind::new("reconciliation_item", "核对条目", "reconciliation item");
pub const RECORD_KINDS: &[RecordKind] = &[SOURCE, RECONCILIATION, ITEM, MODELS];

/// What a source is: stored beside its births when they are imported.
#[derive(Debug, Clone)]
pub struct SourceMeta {
    /// The source's name, as the births are stored under it.
    pub name: String,
    /// hospital | hukou | ledger | other
    pub kind: String,
    pub region: RegionCode,
    pub from: Date,
    pub to: Date,
    pub file_name: String,
    pub imported_by: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceInfo {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub region_code: String,
    pub period_from: Date,
    pub period_to: Date,
    pub file_name: String,
    /// Records the source holds now (all imports of it).
    pub rows: i64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

const SOURCE_COLS: &str =
    "id, name, kind, region_code, period_from, period_to, file_name, rows, imported_by, imported_at";

fn to_source(r: &[Value]) -> Result<SourceInfo> {
    let bad = |w: &str| StoreError::Corrupt(format!("sources.{w}"));
    Ok(SourceInfo {
        id: r[0].int().ok_or_else(|| bad("id"))?,
        name: r[1].text().unwrap_or_default(),
        kind: r[2].text().unwrap_or_default(),
        region_code: r[3].text().unwrap_or_default(),
        period_from: r[4].date().ok_or_else(|| bad("period_from"))?,
        period_to: r[5].date().ok_or_else(|| bad("period_to"))?,
        file_name: r[6].text().unwrap_or_default(),
        rows: r[7].int().unwrap_or(0),
        imported_by: r[8].text().unwrap_or_default(),
        imported_at: r[9].time().unwrap_or_default(),
    })
}

/// Writes (or updates) a source's description in the transaction that imports its
/// records, with its audit entry; returns the source's id.
pub fn describe_source(tx: &mut Tx<'_>, meta: &SourceMeta, import_id: i64) -> Result<i64> {
    let c = tx.conn();
    let rows = c
        .query_one(
            "SELECT COUNT(*) FROM source_births WHERE source = $1",
            &[meta.name.as_str().into()],
        )?
        .and_then(|r| r[0].int())
        .unwrap_or(0);
    let params = [
        Value::from(meta.name.as_str()),
        meta.kind.as_str().into(),
        meta.region.as_str().into(),
        meta.from.into(),
        meta.to.into(),
        meta.file_name.as_str().into(),
        Value::Int(import_id),
        Value::Int(rows),
        meta.imported_by.as_str().into(),
        renkou_store::now().into(),
    ];
    c.exec(
        "INSERT INTO sources (name, kind, region_code, period_from, period_to, file_name, import_id, rows, imported_by, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (name) DO UPDATE SET kind = $2, region_code = $3, period_from = $4, period_to = $5, \
         file_name = $6, import_id = $7, rows = $8, imported_by = $9, imported_at = $10",
        &params,
    )?;
    let id = c
        .query_one(
            "SELECT id FROM sources WHERE name = $1",
            &[meta.name.as_str().into()],
        )?
        .and_then(|r| r[0].int())
        .ok_or_else(|| StoreError::Corrupt("sources id".into()))?;
    tx.audit(AuditNote {
        action: AuditAction::IMPORT,
        record: SOURCE,
        record_id: &id.to_string(),
        fields: &format!("import={import_id}"),
    })?;
    Ok(id)
}

/// A register birth as reconciliation reads it: the child, the parents as the
/// register holds them, and the birth order derived from the mother's children.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegisterBirth {
    pub person_no: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub id_number: Option<String>,
    pub region_code: String,
    pub mother_no: Option<String>,
    pub mother_name: Option<String>,
    pub mother_id_number: Option<String>,
    pub mother_birth_date: Option<Date>,
    pub father_name: Option<String>,
    pub father_id_number: Option<String>,
    /// `None` when the mother is not linked in the register.
    pub birth_order: Option<u32>,
}

/// Same rule as `renkou_domain::birth_order` (and the indicators' loader): rank among
/// the mother's children by birth date, then person number in byte order.
const REGISTER_BIRTHS_SQL: &str = "SELECT p.person_no, p.name, p.sex, p.birth_date, p.id_number, p.region_code, p.mother_no, \
     m.name, m.id_number, m.birth_date, f.name, f.id_number, \
     CASE WHEN p.mother_no IS NULL THEN NULL ELSE \
       (SELECT COUNT(*) FROM persons s WHERE s.mother_no = p.mother_no AND s.voided_by IS NULL \
        AND (s.birth_date < p.birth_date OR (s.birth_date = p.birth_date AND s.person_no{COLLATE} <= p.person_no))) END \
     FROM persons p LEFT JOIN persons m ON m.person_no = p.mother_no LEFT JOIN persons f ON f.person_no = p.father_no";

fn register_births_sql(b: Backend, filter: &str) -> String {
    format!(
        "{} {filter}",
        REGISTER_BIRTHS_SQL.replace(
            "{COLLATE}",
            match b {
                Backend::Sqlite => "",
                Backend::Postgres => " COLLATE \"C\"",
            }
        )
    )
}

fn to_register_birth(r: &[Value]) -> Result<RegisterBirth> {
    let bad = |w: &str| StoreError::Corrupt(format!("persons.{w}"));
    Ok(RegisterBirth {
        person_no: r[0].text().ok_or_else(|| bad("person_no"))?,
        name: r[1].text().unwrap_or_default(),
        sex: Sex::from_code(r[2].int().unwrap_or(0)),
        birth_date: r[3].date().ok_or_else(|| bad("birth_date"))?,
        id_number: r[4].text(),
        region_code: r[5].text().unwrap_or_default(),
        mother_no: r[6].text(),
        mother_name: r[7].text(),
        mother_id_number: r[8].text(),
        mother_birth_date: r[9].date(),
        father_name: r[10].text(),
        father_id_number: r[11].text(),
        birth_order: r[12].int().map(|o| o as u32),
    })
}

/// A reconciliation to be saved.
#[derive(Debug, Clone)]
pub struct NewReconciliation {
    pub source_id: i64,
    pub region: RegionCode,
    pub from: Date,
    pub to: Date,
    pub register_births: i64,
    pub source_births: i64,
    pub model_json: String,
    /// Both models of the run (`SavedModels` JSON).
    pub models_json: String,
    /// How far to trust it (`crate::trust::Trust` JSON).
    pub trust_json: String,
    pub created_by: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ReconciliationInfo {
    pub id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub source_kind: String,
    pub region_code: String,
    pub period_from: Date,
    pub period_to: Date,
    pub register_births: i64,
    pub source_births: i64,
    #[serde(skip)]
    pub model_json: String,
    /// Both models (`SavedModels` JSON); empty for reconciliations made before
    /// they were kept.
    #[serde(skip)]
    pub models_json: String,
    /// `None` for reconciliations made before it was kept.
    pub trust: Option<crate::trust::Trust>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A county's reviewed linkage models.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CountyModels {
    pub county_code: String,
    #[serde(skip)]
    pub models_json: String,
    pub reconciliation_id: Option<i64>,
    pub saved_by: String,
    pub saved_at: DateTime<Utc>,
}

/// The audit log's name for a county's saved models.
pub const MODELS: RecordKind = RecordKind::new("linkage_models", "核对模型", "linkage models");

/// Saves (or replaces) a county's reviewed models, with its audit entry.
pub fn save_county_models(
    tx: &mut Tx<'_>,
    county: &RegionCode,
    models_json: &str,
    reconciliation_id: Option<i64>,
) -> Result<()> {
    let by = tx.actor().username.clone();
    tx.conn().exec(
        "INSERT INTO linkage_models (county_code, models, reconciliation_id, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (county_code) DO UPDATE SET models = $2, reconciliation_id = $3, saved_by = $4, saved_at = $5",
        &[
            county.as_str().into(),
            models_json.into(),
            reconciliation_id.map(Value::Int).unwrap_or(Value::Null),
            by.as_str().into(),
            renkou_store::now().into(),
        ],
    )?;
    tx.audit(AuditNote {
        action: AuditAction::UPDATE,
        record: MODELS,
        record_id: county.as_str(),
        fields: &format!(
            "reconciliation={}",
            reconciliation_id.map(|i| i.to_string()).unwrap_or_default()
        ),
    })?;
    Ok(())
}

/// Removes a county's saved models (its reconciliations fit their own again).
pub fn clear_county_models(tx: &mut Tx<'_>, county: &RegionCode) -> Result<u64> {
    let n = tx.conn().exec(
        "DELETE FROM linkage_models WHERE county_code = $1",
        &[county.as_str().into()],
    )?;
    if n > 0 {
        tx.audit(AuditNote {
            action: AuditAction::VOID,
            record: MODELS,
            record_id: county.as_str(),
            fields: "",
        })?;
    }
    Ok(n)
}

/// An item to be saved.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub class: ItemClass,
    pub source_record_id: Option<String>,
    pub person_no: Option<String>,
    pub duplicate_of: Option<String>,
    pub match_probability: Option<f64>,
    pub match_weight: Option<f64>,
    pub diffs: Vec<DiffField>,
    pub village_code: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Item {
    pub id: i64,
    pub reconciliation_id: i64,
    pub class: ItemClass,
    pub source_record_id: Option<String>,
    pub person_no: Option<String>,
    pub duplicate_of: Option<String>,
    pub match_probability: Option<f64>,
    pub match_weight: Option<f64>,
    pub diffs: Vec<DiffField>,
    pub village_code: String,
    pub status: ReviewStatus,
    pub assigned_to: Option<String>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub event_seq: Option<i64>,
}

const ITEM_COLS: &str = "id, reconciliation_id, class, source_record_id, person_no, duplicate_of, match_probability, \
     match_weight, diffs, village_code, status, assigned_to, reviewed_by, reviewed_at, note, event_seq";

fn diffs_text(d: &[DiffField]) -> String {
    d.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",")
}

fn parse_diffs(s: &str) -> Vec<DiffField> {
    s.split(',').filter_map(DiffField::parse).collect()
}

fn to_item(r: &[Value]) -> Result<Item> {
    let bad = |w: &str| StoreError::Corrupt(format!("reconciliation_items.{w}"));
    Ok(Item {
        id: r[0].int().ok_or_else(|| bad("id"))?,
        reconciliation_id: r[1].int().ok_or_else(|| bad("reconciliation_id"))?,
        class: r[2]
            .as_str()
            .and_then(ItemClass::parse)
            .ok_or_else(|| bad("class"))?,
        source_record_id: r[3].text(),
        person_no: r[4].text(),
        duplicate_of: r[5].text(),
        match_probability: r[6].real(),
        match_weight: r[7].real(),
        diffs: parse_diffs(r[8].as_str().unwrap_or_default()),
        village_code: r[9].text().unwrap_or_default(),
        status: r[10]
            .as_str()
            .and_then(ReviewStatus::parse)
            .ok_or_else(|| bad("status"))?,
        assigned_to: r[11].text(),
        reviewed_by: r[12].text(),
        reviewed_at: r[13].time(),
        note: r[14].text(),
        event_seq: r[15].int(),
    })
}

/// The review queue's filters. `area` is the account's scope or a chosen village:
/// only items whose village lies inside it.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub class: Option<ItemClass>,
    pub status: Option<ReviewStatus>,
    pub area: Option<RegionCode>,
    pub assigned_to: Option<String>,
    /// Leave out agreeing pairs (the queue shows what needs someone).
    pub needs_review_only: bool,
    pub offset: i64,
    pub limit: i64,
}

/// An item reduced to what the counts need.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCount {
    pub village_code: String,
    pub class: ItemClass,
    pub status: ReviewStatus,
    pub diffs: Vec<DiffField>,
}

/// A review decision to apply (by the transaction's actor).
#[derive(Debug, Clone)]
pub struct ReviewUpdate<'a> {
    pub status: ReviewStatus,
    pub note: Option<&'a str>,
}

fn item_where(f: &ItemFilter, params: &mut Vec<Value>) -> String {
    let mut w = String::from("reconciliation_id = $1");
    let mut add = |cond: &str, v: Value, params: &mut Vec<Value>| {
        params.push(v);
        w.push_str(&cond.replace('?', &format!("${}", params.len())));
    };
    if let Some(c) = f.class {
        add(" AND class = ?", c.as_str().into(), params);
    }
    if let Some(s) = f.status {
        add(" AND status = ?", s.as_str().into(), params);
    }
    if let Some(a) = &f.area {
        let (lo, hi) = renkou_store::prefix_range(a.prefix());
        add(" AND village_code >= ?", lo.into(), params);
        add(" AND village_code < ?", hi.into(), params);
    }
    if let Some(u) = &f.assigned_to {
        add(" AND assigned_to = ?", u.as_str().into(), params);
    }
    if f.needs_review_only {
        w.push_str(" AND class <> 'agree'");
    }
    w
}

/// Reads of this domain's tables (and of the register as linkage input).
pub trait ReconciliationTables {
    fn sources(&self) -> Result<Vec<SourceInfo>>;
    fn source(&self, id: i64) -> Result<Option<SourceInfo>>;
    fn source_births_in(
        &self,
        source: &str,
        region: &RegionCode,
        from: Date,
        to: Date,
    ) -> Result<Vec<SourceBirth>>;
    fn register_births(
        &self,
        region: &RegionCode,
        from: Date,
        to: Date,
    ) -> Result<Vec<RegisterBirth>>;
    fn register_birth(&self, person_no: &str) -> Result<Option<RegisterBirth>>;
    fn source_birth(&self, source: &str, record_id: &str) -> Result<Option<SourceBirth>>;
    fn reconciliations(&self, area: Option<&RegionCode>) -> Result<Vec<ReconciliationInfo>>;
    fn reconciliation(&self, id: i64) -> Result<Option<ReconciliationInfo>>;
    fn reconciliation_items(
        &self,
        reconciliation_id: i64,
        f: &ItemFilter,
    ) -> Result<(Vec<Item>, i64)>;
    fn reconciliation_item(&self, id: i64) -> Result<Option<Item>>;
    fn reconciliation_counts(
        &self,
        reconciliation_id: i64,
        area: Option<&RegionCode>,
    ) -> Result<Vec<ItemCount>>;
    fn county_models(&self, county: &RegionCode) -> Result<Option<CountyModels>>;
}

impl ReconciliationTables for Store {
    /// Every source, newest import first.
    fn sources(&self) -> Result<Vec<SourceInfo>> {
        self.with(|c| {
            c.query(
                &format!("SELECT {SOURCE_COLS} FROM sources ORDER BY imported_at DESC, id DESC"),
                &[],
            )?
            .iter()
            .map(|r| to_source(r))
            .collect()
        })
    }

    fn source(&self, id: i64) -> Result<Option<SourceInfo>> {
        self.with(|c| {
            c.query_one(
                &format!("SELECT {SOURCE_COLS} FROM sources WHERE id = $1"),
                &[Value::Int(id)],
            )?
            .map(|r| to_source(&r))
            .transpose()
        })
    }

    /// The births a source reports in `from..=to` whose village lies in `region`;
    /// a record without a region code (or with one the region tree does not know)
    /// is taken as the source's own area's, one without a readable birth date as
    /// the source's own period's: both are still compared by everything else.
    fn source_births_in(
        &self,
        source: &str,
        region: &RegionCode,
        from: Date,
        to: Date,
    ) -> Result<Vec<SourceBirth>> {
        Ok(self
            .source_births(source)?
            .into_iter()
            .filter(|b| b.birth_date.is_none_or(|d| d >= from && d <= to))
            .filter(|b| b.region_code.as_ref().is_none_or(|r| region.contains(r)))
            .collect())
    }

    /// The register's births of `from..=to` whose child lives in `region`, by
    /// person number.
    fn register_births(
        &self,
        region: &RegionCode,
        from: Date,
        to: Date,
    ) -> Result<Vec<RegisterBirth>> {
        let (lo, hi) = renkou_store::prefix_range(region.prefix());
        self.with(|c| {
            let sql = register_births_sql(
                c.backend(),
                "WHERE p.region_code >= $1 AND p.region_code < $2 AND p.birth_date >= $3 AND p.birth_date <= $4 \
                 AND p.voided_by IS NULL ORDER BY p.person_no",
            );
            c.query(&sql, &[lo.into(), hi.into(), from.into(), to.into()])?
                .iter()
                .map(|r| to_register_birth(r))
                .collect()
        })
    }

    /// One person as a register birth (for the review page).
    fn register_birth(&self, person_no: &str) -> Result<Option<RegisterBirth>> {
        self.with(|c| {
            let sql = register_births_sql(c.backend(), "WHERE p.person_no = $1");
            c.query_one(&sql, &[person_no.into()])?
                .map(|r| to_register_birth(&r))
                .transpose()
        })
    }

    /// One record of a source.
    fn source_birth(&self, source: &str, record_id: &str) -> Result<Option<SourceBirth>> {
        self.with(|c| renkou_store::import::source_birth(c, source, record_id))
    }

    /// Reconciliations, newest first; with `area`, those whose region lies inside it
    /// or contains it (a village worker sees the township's reconciliation, and in
    /// it only the items of the village).
    fn reconciliations(&self, area: Option<&RegionCode>) -> Result<Vec<ReconciliationInfo>> {
        let all = self.with(|c| {
            c.query(
                "SELECT r.id, r.source_id, s.name, s.kind, r.region_code, r.period_from, r.period_to, r.register_births, \
                 r.source_births, r.model, r.created_by, r.created_at, r.models, r.trust FROM reconciliations r JOIN sources s ON s.id = r.source_id \
                 ORDER BY r.id DESC",
                &[],
            )?
            .iter()
            .map(|r| to_reconciliation(r))
            .collect::<Result<Vec<_>>>()
        })?;
        Ok(all
            .into_iter()
            .filter(|r| match (area, RegionCode::parse(&r.region_code)) {
                (None, _) => true,
                (Some(a), Ok(rc)) => a.contains(&rc) || rc.contains(a),
                (Some(_), Err(_)) => false,
            })
            .collect())
    }

    fn reconciliation(&self, id: i64) -> Result<Option<ReconciliationInfo>> {
        self.with(|c| {
            c.query_one(
                "SELECT r.id, r.source_id, s.name, s.kind, r.region_code, r.period_from, r.period_to, r.register_births, \
                 r.source_births, r.model, r.created_by, r.created_at, r.models, r.trust FROM reconciliations r JOIN sources s ON s.id = r.source_id \
                 WHERE r.id = $1",
                &[Value::Int(id)],
            )?
            .map(|r| to_reconciliation(&r))
            .transpose()
        })
    }

    /// A page of the review queue and the number of items matching the filters.
    fn reconciliation_items(
        &self,
        reconciliation_id: i64,
        f: &ItemFilter,
    ) -> Result<(Vec<Item>, i64)> {
        let mut params = vec![Value::Int(reconciliation_id)];
        let w = item_where(f, &mut params);
        self.with(|c| {
            let total = c
                .query_one(
                    &format!("SELECT COUNT(*) FROM reconciliation_items WHERE {w}"),
                    &params,
                )?
                .and_then(|r| r[0].int())
                .unwrap_or(0);
            let mut p = params.clone();
            p.push(Value::Int(f.limit.clamp(1, 1000)));
            p.push(Value::Int(f.offset.max(0)));
            let n = p.len();
            let rows = c.query(
                &format!(
                    "SELECT {ITEM_COLS} FROM reconciliation_items WHERE {w} ORDER BY village_code, id LIMIT ${} OFFSET ${n}",
                    n - 1
                ),
                &p,
            )?;
            Ok((
                rows.iter().map(|r| to_item(r)).collect::<Result<_>>()?,
                total,
            ))
        })
    }

    fn reconciliation_item(&self, id: i64) -> Result<Option<Item>> {
        self.with(|c| {
            c.query_one(
                &format!("SELECT {ITEM_COLS} FROM reconciliation_items WHERE id = $1"),
                &[Value::Int(id)],
            )?
            .map(|r| to_item(&r))
            .transpose()
        })
    }

    /// Every item of a reconciliation inside `area`, reduced for counting.
    fn reconciliation_counts(
        &self,
        reconciliation_id: i64,
        area: Option<&RegionCode>,
    ) -> Result<Vec<ItemCount>> {
        let f = ItemFilter {
            area: area.cloned(),
            ..Default::default()
        };
        let mut params = vec![Value::Int(reconciliation_id)];
        let w = item_where(&f, &mut params);
        self.with(|c| {
            let mut out = Vec::new();
            c.query_each(
                &format!(
                    "SELECT village_code, class, status, diffs FROM reconciliation_items WHERE {w}"
                ),
                &params,
                &mut |r| {
                    out.push(ItemCount {
                        village_code: r[0].text().unwrap_or_default(),
                        class: r[1].as_str().and_then(ItemClass::parse).ok_or_else(|| {
                            StoreError::Corrupt("reconciliation_items.class".into())
                        })?,
                        status: r[2].as_str().and_then(ReviewStatus::parse).ok_or_else(|| {
                            StoreError::Corrupt("reconciliation_items.status".into())
                        })?,
                        diffs: parse_diffs(r[3].as_str().unwrap_or_default()),
                    });
                    Ok(())
                },
            )?;
            Ok(out)
        })
    }

    fn county_models(&self, county: &RegionCode) -> Result<Option<CountyModels>> {
        self.with(|c| {
            Ok(c.query_one(
                "SELECT county_code, models, reconciliation_id, saved_by, saved_at FROM linkage_models WHERE county_code = $1",
                &[county.as_str().into()],
            )?
            .map(|r| CountyModels {
                county_code: r[0].text().unwrap_or_default(),
                models_json: r[1].text().unwrap_or_default(),
                reconciliation_id: r[2].int(),
                saved_by: r[3].text().unwrap_or_default(),
                saved_at: r[4].time().unwrap_or_default(),
            }))
        })
    }
}

/// Saves a reconciliation with all its items, and its audit entry.
pub fn save_reconciliation(
    tx: &mut Tx<'_>,
    r: &NewReconciliation,
    items: &[NewItem],
) -> Result<i64> {
    let c = tx.conn();
    let id = c
        .query_one(
            "INSERT INTO reconciliations (source_id, region_code, period_from, period_to, register_births, \
             source_births, model, created_by, created_at, models, trust) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &[
                Value::Int(r.source_id),
                r.region.as_str().into(),
                r.from.into(),
                r.to.into(),
                Value::Int(r.register_births),
                Value::Int(r.source_births),
                r.model_json.as_str().into(),
                r.created_by.as_str().into(),
                renkou_store::now().into(),
                r.models_json.as_str().into(),
                r.trust_json.as_str().into(),
            ],
        )?
        .and_then(|x| x[0].int())
        .ok_or_else(|| StoreError::Corrupt("reconciliations id".into()))?;
    for it in items {
        c.exec(
            "INSERT INTO reconciliation_items (reconciliation_id, class, source_record_id, person_no, duplicate_of, \
             match_probability, match_weight, diffs, village_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                Value::Int(id),
                it.class.as_str().into(),
                it.source_record_id.clone().into(),
                it.person_no.clone().into(),
                it.duplicate_of.clone().into(),
                it.match_probability.map(Value::Real).unwrap_or(Value::Null),
                it.match_weight.map(Value::Real).unwrap_or(Value::Null),
                diffs_text(&it.diffs).into(),
                it.village_code.as_str().into(),
            ],
        )?;
    }
    tx.audit(AuditNote {
        action: AuditAction::CREATE,
        record: RECONCILIATION,
        record_id: &id.to_string(),
        fields: &format!("source={} items={}", r.source_id, items.len()),
    })?;
    Ok(id)
}

/// Records a decision (confirm or reject) on items, each with its audit entry.
/// Returns how many items changed.
pub fn review_items(tx: &mut Tx<'_>, ids: &[i64], u: &ReviewUpdate<'_>) -> Result<u64> {
    if u.status == ReviewStatus::Fixed {
        return Err(StoreError::Invalid(
            "更正须写入更正事件 / a fix must write a correction event".into(),
        ));
    }
    let mut n = 0;
    for &id in ids {
        n += set_status(tx, id, u, None)?;
    }
    Ok(n)
}

/// A fix: the correction event on the register person (checked against the
/// reviewer's area and the register's rules by the `Tx`) and the item's status
/// `fixed`, with both audit entries. Returns the event's sequence number.
pub fn fix_item(
    tx: &mut Tx<'_>,
    id: i64,
    person_no: &str,
    correction: EventKind,
    source: &str,
    u: &ReviewUpdate<'_>,
) -> Result<i64> {
    let field = match &correction {
        EventKind::Correction { field, .. } => field.as_str(),
        _ => "",
    };
    tx.audit(AuditNote {
        action: AuditAction::UPDATE,
        record: RecordKind::PERSON,
        record_id: person_no,
        fields: field,
    })?;
    let seq = tx.record_event(person_no, correction, source)?;
    let fixed = ReviewUpdate {
        status: ReviewStatus::Fixed,
        ..u.clone()
    };
    if set_status(tx, id, &fixed, Some(seq))? == 0 {
        return Err(StoreError::Invalid(format!(
            "找不到核对条目 {id} / no reconciliation item {id}"
        )));
    }
    Ok(seq)
}

/// Assigns items to an account (or clears the assignment with `None`).
pub fn assign_items(tx: &mut Tx<'_>, ids: &[i64], username: Option<&str>) -> Result<u64> {
    let mut n = 0;
    for &id in ids {
        let k = tx.conn().exec(
            "UPDATE reconciliation_items SET assigned_to = $2 WHERE id = $1",
            &[Value::Int(id), username.into()],
        )?;
        if k > 0 {
            tx.audit(AuditNote {
                action: AuditAction::ASSIGN,
                record: ITEM,
                record_id: &id.to_string(),
                fields: &format!("assigned_to={}", username.unwrap_or("")),
            })?;
        }
        n += k;
    }
    Ok(n)
}

/// A fixed item stays fixed: its correction event is in the register, and a later
/// confirm or reject of it would misstate what happened (it changes 0 rows then).
fn set_status(tx: &mut Tx<'_>, id: i64, u: &ReviewUpdate<'_>, seq: Option<i64>) -> Result<u64> {
    let reviewed_by = tx.actor().username.clone();
    let n = tx.conn().exec(
        "UPDATE reconciliation_items SET status = $2, reviewed_by = $3, reviewed_at = $4, note = $5, \
         event_seq = COALESCE($6, event_seq) WHERE id = $1 AND (status <> 'fixed' OR $2 = 'fixed')",
        &[
            Value::Int(id),
            u.status.as_str().into(),
            reviewed_by.as_str().into(),
            renkou_store::now().into(),
            u.note.map(str::to_string).into(),
            seq.map(Value::Int).unwrap_or(Value::Null),
        ],
    )?;
    if n > 0 {
        tx.audit(AuditNote {
            action: AuditAction::REVIEW,
            record: ITEM,
            record_id: &id.to_string(),
            fields: &format!("status={}", u.status.as_str()),
        })?;
    }
    Ok(n)
}

fn to_reconciliation(r: &[Value]) -> Result<ReconciliationInfo> {
    let bad = |w: &str| StoreError::Corrupt(format!("reconciliations.{w}"));
    Ok(ReconciliationInfo {
        id: r[0].int().ok_or_else(|| bad("id"))?,
        source_id: r[1].int().ok_or_else(|| bad("source_id"))?,
        source_name: r[2].text().unwrap_or_default(),
        source_kind: r[3].text().unwrap_or_default(),
        region_code: r[4].text().unwrap_or_default(),
        period_from: r[5].date().ok_or_else(|| bad("period_from"))?,
        period_to: r[6].date().ok_or_else(|| bad("period_to"))?,
        register_births: r[7].int().unwrap_or(0),
        source_births: r[8].int().unwrap_or(0),
        model_json: r[9].text().unwrap_or_default(),
        created_by: r[10].text().unwrap_or_default(),
        created_at: r[11].time().unwrap_or_default(),
        models_json: r[12].text().unwrap_or_default(),
        // A report this version cannot read costs only the trust panel.
        trust: r[13].as_str().and_then(|t| serde_json::from_str(t).ok()),
    })
}
