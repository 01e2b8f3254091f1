//! Reconciliation's JSON API (核对), scoped like the token's account: the sources,
//! the reconciliations with how far each is to be trusted, running one, the review
//! queue and decisions. A reconciliation is visible when its area and the caller's
//! overlap, and inside it only the items of the caller's area show; an item of
//! another area is 404, as on the pages.

use super::{overlaps_scope, ItemOf, ReconciliationOf, SourceOf};
use crate::api::{ApiError, ApiJson, ApiQuery};
use crate::error::WebError;
use crate::extract::ApiUser;
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use renkou_domain::progress::NoProgress;
use renkou_domain::{parse_date, RegionCode};
use renkou_reconciliation::rules::SourceKind;
use renkou_reconciliation::rules::{Decision, DiffField, ItemClass, ReviewStatus};
use renkou_reconciliation::tables::{
    Item, ItemFilter, ReconciliationInfo, ReconciliationTables, SourceInfo,
};
use renkou_reconciliation::workflow::SourceSpec;
use renkou_reconciliation::workflow::{
    self as rec, AreaRow, Fix, ReconcileOptions, ReconcileReport,
};
use renkou_store::ImportOptions;
use serde::{Deserialize, Serialize};

pub fn routes() -> Vec<Route> {
    use Param::*;
    vec![
        Route::get("/api/v1/sources", Access::Api, &[], get(sources)),
        Route::post("/api/v1/sources", Access::Api, &[], post(upload_source)),
        Route::get("/api/v1/sources/{id}", Access::Api, &[Source], get(source)),
        Route::get(
            "/api/v1/reconciliations",
            Access::Api,
            &[],
            get(reconciliations),
        ),
        Route::post("/api/v1/reconciliations", Access::Api, &[], post(run)),
        Route::get(
            "/api/v1/reconciliations/{id}",
            Access::Api,
            &[Reconciliation],
            get(reconciliation),
        ),
        Route::get(
            "/api/v1/reconciliations/{id}/items",
            Access::Api,
            &[Reconciliation],
            get(items),
        ),
        Route::post(
            "/api/v1/reconciliation-items/{id}/decision",
            Access::Api,
            &[ReconciliationItem],
            post(decide),
        ),
    ]
}

fn bad(m: String) -> ApiError {
    ApiError(WebError::BadRequest(m))
}

/// Sources whose area overlaps the caller's, newest first.
async fn sources(
    State(state): State<AppState>,
    me: ApiUser,
) -> Result<Json<Vec<SourceInfo>>, ApiError> {
    Ok(Json(
        blocking(move || {
            Ok(state
                .store
                .sources()?
                .into_iter()
                .filter(|s| overlaps_scope(&me.scope, &s.region_code))
                .collect())
        })
        .await?,
    ))
}

/// One source, when its area overlaps the caller's (else 404).
async fn source(s: SourceOf<ApiUser>) -> Json<SourceInfo> {
    Json(s.source)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceParams {
    /// hospital, hukou, ledger or other.
    kind: String,
    name: String,
    /// The area the source covers (inside the caller's).
    region: String,
    from: String,
    to: String,
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    skip_invalid: bool,
}

#[derive(Serialize)]
struct SourceUploaded {
    source: SourceInfo,
    read: u64,
    rejected_rows: usize,
    /// Records kept as written, per flag.
    flagged: Vec<FlagCount>,
}

#[derive(Serialize)]
struct FlagCount {
    flag: &'static str,
    records: u64,
}

/// Imports a births file (the body) as a described source: its kind, area and
/// period. Records are kept as written, flagged; rows that describe no birth are
/// a 422 with their row and column (or skipped with `skip_invalid`).
async fn upload_source(
    State(state): State<AppState>,
    me: ApiUser,
    ApiQuery(p): ApiQuery<SourceParams>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    if !me.account.role.edits_personal_records() {
        return Err(WebError::Forbidden.into());
    }
    if body.is_empty() {
        return Err(bad("请求体为空 / the request body is empty".into()));
    }
    let kind = SourceKind::parse(p.kind.trim()).ok_or_else(|| {
        bad("kind 须为 hospital、hukou、ledger 或 other / kind must be hospital, hukou, ledger or other".into())
    })?;
    let region = RegionCode::parse_prefix(p.region.trim()).map_err(|e| bad(e.to_string()))?;
    if !me.scope.region.contains(&region) {
        return Err(WebError::NotFound.into());
    }
    let from = parse_date(&p.from).map_err(|e| bad(e.to_string()))?;
    let to = parse_date(&p.to).map_err(|e| bad(e.to_string()))?;
    let file =
        crate::register::imports::safe_file_name(p.file_name.as_deref().unwrap_or("source.csv"));
    Ok(blocking(move || {
        let dir = crate::register::imports::TempDir::new("api-source")?;
        let path = dir.path().join(&file);
        std::fs::write(&path, &body).map_err(|e| WebError::Internal(e.to_string()))?;
        let spec = SourceSpec {
            kind,
            name: p.name.trim().to_string(),
            region,
            from,
            to,
        };
        let mut opts = ImportOptions::by(me.actor());
        opts.skip_invalid = p.skip_invalid;
        let shown = |s: String| s.replace(&path.display().to_string(), &file);
        let i = match rec::import_source(&state.store, &path, &spec, &opts, &NoProgress) {
            Ok(i) => i,
            Err(renkou_reconciliation::Error::InvalidRows { errors, .. }) => {
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Json(serde_json::json!({
                        "error": "invalid_rows",
                        "message": format!("{} 处错误，未导入任何数据 / {} errors, nothing was imported", errors.len(), errors.len()),
                        "errors": errors.iter().map(|e| serde_json::json!({"row": e.row, "column": e.column, "message": e.message, "text": shown(e.to_string())})).collect::<Vec<_>>(),
                    })),
                ))
            }
            Err(e) => {
                return Err(match WebError::from(e) {
                    WebError::BadRequest(m) => WebError::BadRequest(shown(m)),
                    e => e,
                })
            }
        };
        let id = i.source_id.ok_or(WebError::NotFound)?;
        let source = state.store.source(id)?.ok_or(WebError::NotFound)?;
        let out = SourceUploaded {
            source,
            read: i.report.counts.read,
            rejected_rows: i.report.rejected_rows,
            flagged: i
                .flagged
                .iter()
                .map(|(f, n)| FlagCount {
                    flag: f.as_str(),
                    records: *n,
                })
                .collect(),
        };
        Ok((
            StatusCode::OK,
            Json(serde_json::to_value(out).map_err(|e| WebError::Internal(e.to_string()))?),
        ))
    })
    .await?)
}

async fn reconciliations(
    State(state): State<AppState>,
    me: ApiUser,
) -> Result<Json<Vec<ReconciliationInfo>>, ApiError> {
    Ok(Json(
        blocking(move || Ok(state.store.reconciliations(Some(&me.scope.region))?)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunBody {
    source: i64,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    /// Fit on these records even when the county has saved models.
    #[serde(default)]
    refit: bool,
}

/// Runs a reconciliation of a source over an area inside the caller's (by default
/// the source's, narrowed to the caller's).
async fn run(
    State(state): State<AppState>,
    me: ApiUser,
    ApiJson(b): ApiJson<RunBody>,
) -> Result<Json<ReconcileReport>, ApiError> {
    let region = match b.region.as_deref().map(str::trim) {
        None => None,
        Some(r) => Some(RegionCode::parse_prefix(r).map_err(|e| bad(e.to_string()))?),
    };
    let period = match (b.from.as_deref(), b.to.as_deref()) {
        (None, None) => None,
        (Some(f), Some(t)) => Some((
            parse_date(f).map_err(|e| bad(e.to_string()))?,
            parse_date(t).map_err(|e| bad(e.to_string()))?,
        )),
        _ => {
            return Err(bad(
                "from 与 to 须同时给出 / give both from and to, or neither".into(),
            ))
        }
    };
    let report = blocking(move || {
        let src = state.store.source(b.source)?.ok_or(WebError::NotFound)?;
        if !overlaps_scope(&me.scope, &src.region_code) {
            return Err(WebError::NotFound);
        }
        let region = match region {
            Some(r) if me.scope.region.contains(&r) => r,
            Some(_) => return Err(WebError::NotFound),
            None => {
                let r = RegionCode::parse(&src.region_code).map_err(|_| WebError::NotFound)?;
                if me.scope.region.contains(&r) {
                    r
                } else {
                    me.scope.region.clone()
                }
            }
        };
        let opts = ReconcileOptions {
            refit: b.refit,
            ..Default::default()
        };
        Ok(rec::reconcile_with(
            &state.store,
            b.source,
            Some(region),
            period,
            &opts,
            &me.actor(),
        )?)
    })
    .await?;
    Ok(Json(report))
}

#[derive(Serialize)]
struct ReconciliationJson {
    reconciliation: ReconciliationInfo,
    /// Counts of the caller's area: every class (those with no item as 0), open
    /// and decided, accuracy, Chapman.
    area: AreaRow,
    /// The models' checks in two words, so that a script need not read both fits
    /// (`None` for runs made before the trust report was kept).
    checks: Option<ChecksJson>,
}

#[derive(Serialize)]
struct ChecksJson {
    /// Every check of the models used passed.
    passed: bool,
    /// A fit failed its checks and the shipped defaults were used instead.
    fell_back: bool,
}

async fn reconciliation(
    State(state): State<AppState>,
    ReconciliationOf { me, r }: ReconciliationOf<ApiUser>,
) -> Result<Json<ReconciliationJson>, ApiError> {
    let id = r.id;
    let mut area =
        blocking(move || Ok(rec::accuracy(&state.store, id, Some(&me.scope.region))?.total))
            .await?;
    for c in ItemClass::ALL {
        area.classes.entry(c).or_insert(0);
    }
    let checks = r.trust.as_ref().map(|t| ChecksJson {
        passed: t.link_fit.passed() && t.dedupe_fit.passed(),
        fell_back: t.fell_back(),
    });
    Ok(Json(ReconciliationJson {
        reconciliation: r,
        area,
        checks,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ItemsQuery {
    class: Option<String>,
    status: Option<String>,
    /// Only the items that need someone (all but agreeing pairs).
    review: Option<bool>,
    offset: Option<i64>,
    limit: Option<i64>,
}

#[derive(Serialize)]
struct ItemsPage {
    total: i64,
    offset: i64,
    limit: i64,
    items: Vec<Item>,
}

/// The review queue of the caller's area, paged.
async fn items(
    State(state): State<AppState>,
    ReconciliationOf { me, r }: ReconciliationOf<ApiUser>,
    ApiQuery(q): ApiQuery<ItemsQuery>,
) -> Result<Json<ItemsPage>, ApiError> {
    let class = match q.class.as_deref() {
        None => None,
        Some(c) => Some(ItemClass::parse(c).ok_or_else(|| {
            bad(format!(
                "class 应为 agree、disagree、source_only、register_only、duplicate、uncertain 或 possible_duplicate / unknown class \"{}\"",
                renkou_interchange::echo::echo_value(c)
            ))
        })?),
    };
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(ReviewStatus::parse(s).ok_or_else(|| {
            bad("status 应为 open、confirmed、rejected 或 fixed / status must be open, confirmed, rejected or fixed".into())
        })?),
    };
    let offset = q.offset.unwrap_or(0);
    let limit = q.limit.unwrap_or(100);
    if offset < 0 || !(1..=1000).contains(&limit) {
        return Err(bad(
            "offset ≥ 0，limit 为 1–1000 / offset must be ≥ 0 and limit 1–1000".into(),
        ));
    }
    let id = r.id;
    let page = blocking(move || {
        let f = ItemFilter {
            class,
            status,
            area: Some(me.scope.region.clone()),
            needs_review_only: q.review.unwrap_or(false),
            offset,
            limit,
            ..Default::default()
        };
        let (items, total) = state.store.reconciliation_items(id, &f)?;
        Ok(ItemsPage {
            total,
            offset,
            limit,
            items,
        })
    })
    .await?;
    Ok(Json(page))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    /// confirm | reject | fix
    decision: String,
    #[serde(default)]
    note: Option<String>,
    /// A fix: the field (sex, birth_date, name) and its correct value.
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Serialize)]
struct DecisionJson {
    id: i64,
    status: ReviewStatus,
}

/// Confirms, rejects or fixes one item (a fix writes the correction event, and
/// needs the right to edit the item's village).
async fn decide(
    State(state): State<AppState>,
    ItemOf { me, item }: ItemOf<ApiUser>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> Result<Json<DecisionJson>, ApiError> {
    let decision = Decision::parse(&b.decision).ok_or_else(|| {
        bad("decision 应为 confirm、reject 或 fix / decision must be confirm, reject or fix".into())
    })?;
    if b.note.as_deref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(bad(
            "note 过长（超过 2000 个字符） / note too long (over 2000 characters)".into(),
        ));
    }
    let fix = if decision == Decision::Fix {
        let village = RegionCode::parse(&item.village_code).map_err(|_| WebError::NotFound)?;
        if !me.scope.can_write(&village) {
            return Err(ApiError(WebError::Forbidden));
        }
        let field = b
            .field
            .as_deref()
            .and_then(DiffField::parse)
            .ok_or_else(|| bad("请给出 field（sex、birth_date 或 name） / give the field (sex, birth_date or name)".into()))?;
        let value = b
            .value
            .clone()
            .filter(|v| !v.trim().is_empty() && v.chars().count() <= 200)
            .ok_or_else(|| bad("请给出 value（正确的值） / give the correct value".into()))?;
        Some(Fix { field, value })
    } else {
        None
    };
    let id = item.id;
    let status = blocking(move || {
        Ok(rec::review(
            &state.store,
            id,
            decision,
            fix.as_ref(),
            b.note.as_deref(),
            &me.actor(),
        )?)
    })
    .await?;
    Ok(Json(DecisionJson { id, status }))
}
