//! The reconciliation pages (核对): sources and reconciliations with the forms to
//! upload a source and run a reconciliation; a reconciliation's counts, progress per
//! village and accuracy table with the Chapman estimate; the review queue with
//! filters, paging and bulk actions; an item with both records side by side, the
//! differing fields marked and the linkage explanation, and its decisions.
//!
//! Scope as everywhere: a reconciliation is visible when its area and the account's
//! overlap, and inside it only the items of the account's area count and show; an
//! item outside the area is 404. A fix changes a register person, so it needs the
//! right to edit that village's records.

use super::{ItemOf, ReconciliationOf};
use crate::error::WebError;
use crate::extract::{CsrfForm, CsrfMultipart, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use renkou_domain::{parse_date, RegionCode};
use renkou_reconciliation::rules::{Decision, DiffField, ItemClass, ReviewStatus, SourceKind};
use renkou_reconciliation::tables::{
    Item, ItemFilter, ReconciliationInfo, ReconciliationTables, SourceInfo,
};
use renkou_reconciliation::workflow::{self as rec, Accuracy, Fix, ItemDetail, SourceSpec};

const PAGE_SIZE: i64 = 50;

/// Whether the account may see a reconciliation (or source) of `region`: the areas
/// overlap.
pub(crate) fn overlaps(current: &Current, region: &str) -> bool {
    RegionCode::parse(region)
        .is_ok_and(|r| current.scope.region.contains(&r) || r.contains(&current.scope.region))
}

// --- index: sources and reconciliations --------------------------------------

#[derive(Template)]
#[template(path = "reconciliation/index.html")]
struct IndexPage {
    l: L,
    me: Current,
    sources: Vec<SourceInfo>,
    reconciliations: Vec<ReconciliationInfo>,
    kinds: Vec<(&'static str, &'static str, &'static str)>,
    errors: Vec<String>,
    message: String,
    names: crate::regions::RegionNames,
}

impl IndexPage {
    /// A source kind in the page's language (hospital → 医院出生医学证明 …).
    fn kind_name(&self, kind: impl std::fmt::Display) -> String {
        let k = kind.to_string();
        self.kinds
            .iter()
            .find(|(c, _, _)| *c == k)
            .map(|(_, zh, en)| self.l.s(zh, en).to_string())
            .unwrap_or(k)
    }
    fn region_name(&self, code: impl std::fmt::Display) -> String {
        self.names.name(&code.to_string())
    }
}

fn kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    SourceKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.name_zh(), k.name_en()))
        .collect()
}

fn index_page(
    state: &AppState,
    me: &Current,
    errors: Vec<String>,
    message: String,
) -> Result<IndexPage, WebError> {
    let sources = state
        .store
        .sources()?
        .into_iter()
        .filter(|s| overlaps(me, &s.region_code))
        .collect();
    let reconciliations = state.store.reconciliations(Some(&me.scope.region))?;
    Ok(IndexPage {
        l: me.l,
        me: me.clone(),
        sources,
        reconciliations,
        kinds: kinds(),
        errors,
        message,
        names: crate::regions::RegionNames::load(state)?,
    })
}

pub async fn index(
    State(state): State<AppState>,
    current: Current,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || index_page(&state, &current, Vec::new(), String::new())).await?;
    Ok(Html(page.render()?))
}

/// Upload of a source file: the ledger upload's check and preview (a dry run of
/// the real import: recognised columns, first rows, every refused row with
/// file:row:column, the cells kept as written per reason), then the import as a
/// background job with progress (`/imports/{id}`), so a county's hospital file
/// does not time out.
pub async fn upload_source(
    State(state): State<AppState>,
    form: CsrfMultipart,
) -> Result<Response, WebError> {
    let current = form.me.clone();
    let fields = form.fields;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let upload = form
        .file
        .filter(|f| !f.bytes.is_empty())
        .ok_or_else(|| WebError::BadRequest("请选择文件 / choose a file".into()))?;
    let bad = |m: &str| WebError::BadRequest(m.to_string());
    let spec = SourceSpec {
        kind: SourceKind::parse(&get("kind"))
            .ok_or_else(|| bad("来源类型无效 / unknown kind of source"))?,
        name: get("name").trim().to_string(),
        region: RegionCode::parse_prefix(get("region").trim())
            .map_err(|e| WebError::BadRequest(e.to_string()))?,
        from: parse_date(&get("from")).map_err(|e| WebError::BadRequest(e.to_string()))?,
        to: parse_date(&get("to")).map_err(|e| WebError::BadRequest(e.to_string()))?,
    };
    let skip_invalid = get("skip_invalid") == "1";
    crate::register::imports::preview(
        state,
        current,
        crate::register::imports::FileKindParam::Births,
        spec.name.clone(),
        skip_invalid,
        upload,
        Some(spec),
        None,
    )
    .await
}

#[derive(serde::Deserialize)]
pub struct RunForm {
    source: i64,
    #[serde(default)]
    region: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// Runs a reconciliation of a source over an area inside the account's.
pub async fn run(
    State(state): State<AppState>,
    CsrfForm {
        me: current,
        form: f,
    }: CsrfForm<RunForm>,
) -> Result<Response, WebError> {
    let region = match f.region.trim() {
        "" => None,
        r => Some(RegionCode::parse_prefix(r).map_err(|e| WebError::BadRequest(e.to_string()))?),
    };
    let period = match (f.from.trim(), f.to.trim()) {
        ("", _) | (_, "") => None,
        (a, b) => Some((
            parse_date(a).map_err(|e| WebError::BadRequest(e.to_string()))?,
            parse_date(b).map_err(|e| WebError::BadRequest(e.to_string()))?,
        )),
    };
    let me = current.clone();
    let id = blocking(move || {
        let src = state.store.source(f.source)?.ok_or(WebError::NotFound)?;
        if !overlaps(&me, &src.region_code) {
            return Err(WebError::NotFound);
        }
        // Default area: the source's, narrowed to the account's when it is larger.
        let region = match region {
            Some(r) => r,
            None => {
                let r = RegionCode::parse(&src.region_code).map_err(|_| WebError::NotFound)?;
                if me.scope.region.contains(&r) {
                    r
                } else {
                    me.scope.region.clone()
                }
            }
        };
        let r = rec::reconcile(&state.store, f.source, Some(region), period, &me.actor())?;
        Ok(r.reconciliation_id)
    })
    .await?;
    Ok(Redirect::to(&format!("/reconcile/{id}")).into_response())
}

// --- one reconciliation -------------------------------------------------------

#[derive(Template)]
#[template(path = "reconciliation/run.html")]
struct RunPage {
    l: L,
    me: Current,
    r: ReconciliationInfo,
    acc: Accuracy,
    classes: Vec<(ItemClass, u64)>,
    /// How far to trust the run (none for runs made before it was kept).
    trust: Option<TrustView>,
    /// The account's area holds the whole county: it may make this run's models
    /// the county's.
    can_save_model: bool,
}

/// The trust panel, its lines ready to show.
pub(crate) struct TrustView {
    /// (label, value) in the page's language.
    pub counts: Vec<(String, u64)>,
    /// (passed and not fallen back, the fit's line: Chinese / English).
    pub fits: Vec<(bool, String)>,
    pub model: String,
}

pub(crate) fn trust_view(t: &renkou_reconciliation::trust::Trust, l: L) -> TrustView {
    use renkou_reconciliation::trust::{fit_line, ModelSource};
    let s = |zh: &str, en: &str| l.s(zh, en).to_string();
    TrustView {
        counts: vec![
            (
                s("自动判定的配对", "Pairs decided automatically"),
                t.auto_pairs,
            ),
            (s("待复核的配对", "Pairs in review"), t.review_pairs),
            (
                s(
                    "其中：同日另有相近出生（双胞胎等）",
                    "of which a same-day rival fits as well (twins, …)",
                ),
                t.contested,
            ),
            (
                s(
                    "来源内重复（重报，只计一次）",
                    "Duplicated rows (counted once)",
                ),
                t.duplicates,
            ),
            (
                s("其中：已关联到同一出生", "of which linked to their birth"),
                t.duplicates_linked,
            ),
            (
                s(
                    "不确定的重复对（未合并）",
                    "Unsure duplicate pairs (not merged)",
                ),
                t.review_duplicates,
            ),
            (
                s("按双胞胎（多胞胎）分开", "Kept apart as twins (multiples)"),
                t.twins_kept_apart,
            ),
            (
                s(
                    "保留原样并标记的来源记录",
                    "Source records kept as written with a flag",
                ),
                t.flagged_records,
            ),
        ],
        fits: [&t.link_fit, &t.dedupe_fit]
            .into_iter()
            .map(|f| (f.passed() && !f.fell_back(), fit_line(f)))
            .collect(),
        model: match &t.model {
            ModelSource::Fitted => s("本次在记录上拟合", "fitted on this run's records"),
            ModelSource::County {
                county,
                saved_by,
                saved_at,
                from,
            } => format!(
                "{} {county}（{saved_by}，{saved_at}{}）",
                l.s("本县保存的模型", "the county's saved model"),
                from.map(|r| format!("，{} {r}", l.s("来自核对", "from reconciliation")))
                    .unwrap_or_default()
            ),
        },
    }
}

fn can_save_model(me: &Current, r: &ReconciliationInfo) -> bool {
    RegionCode::parse(&r.region_code)
        .ok()
        .and_then(|c| rec::county_of(&c))
        .is_some_and(|c| me.scope.region.contains(&c))
}

pub async fn reconciliation(
    State(state): State<AppState>,
    ReconciliationOf { me, r }: ReconciliationOf,
) -> Result<Html<String>, WebError> {
    let id = r.id;
    let page = blocking(move || {
        let acc = rec::accuracy(&state.store, id, Some(&me.scope.region))?;
        let classes = ItemClass::ALL
            .iter()
            .map(|c| (*c, acc.total.classes.get(c).copied().unwrap_or(0)))
            .collect();
        Ok(RunPage {
            l: me.l,
            trust: r.trust.as_ref().map(|t| trust_view(t, me.l)),
            can_save_model: can_save_model(&me, &r),
            me,
            r,
            acc,
            classes,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

/// Makes the models this reconciliation was scored with its county's: the county's
/// later reconciliations use them instead of fitting their own.
pub async fn save_model(
    State(state): State<AppState>,
    ReconciliationOf { r, .. }: ReconciliationOf,
    CsrfForm { me, .. }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    if !can_save_model(&me, &r) {
        return Err(WebError::Forbidden);
    }
    let id = r.id;
    blocking(move || {
        rec::save_county_model(&state.store, id, &me.actor())?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/reconcile/{id}")).into_response())
}

// --- the review queue -----------------------------------------------------------

#[derive(serde::Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    class: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    page: i64,
}

#[derive(Template)]
#[template(path = "reconciliation/items.html")]
struct QueuePage {
    l: L,
    me: Current,
    r: ReconciliationInfo,
    items: Vec<Item>,
    total: i64,
    page: i64,
    pages: i64,
    q: QueueQuery,
    /// The query string without the page, for the paging links.
    base: String,
    classes: Vec<ItemClass>,
    statuses: Vec<ReviewStatus>,
    /// Accounts the checked items can be assigned to (inside the viewer's area).
    assignees: Vec<(String, String)>,
}

/// Enabled accounts whose area lies inside `area` or contains `village`, as
/// (username, display name).
fn assignees(
    state: &AppState,
    area: &RegionCode,
    village: Option<&RegionCode>,
) -> Result<Vec<(String, String)>, WebError> {
    Ok(state
        .store
        .accounts()?
        .into_iter()
        .filter(|a| !a.disabled)
        .filter(|a| match village {
            Some(v) => a.region.contains(v) && area.contains(&a.region),
            None => area.contains(&a.region),
        })
        .map(|a| (a.username, a.display_name))
        .collect())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn queue(
    State(state): State<AppState>,
    ReconciliationOf { me, r }: ReconciliationOf,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, WebError> {
    let id = r.id;
    let page = blocking(move || {
        // A chosen village narrows the account's area, never widens it.
        let area = match RegionCode::parse_prefix(q.village.trim()) {
            Ok(v) if me.scope.region.contains(&v) => v,
            Ok(_) => return Err(WebError::NotFound),
            Err(_) => me.scope.region.clone(),
        };
        let class = ItemClass::parse(&q.class);
        let filter = ItemFilter {
            class,
            status: ReviewStatus::parse(&q.status),
            area: Some(area),
            assigned_to: Some(q.assignee.trim().to_string()).filter(|a| !a.is_empty()),
            needs_review_only: class.is_none(),
            offset: q.page.max(0) * PAGE_SIZE,
            limit: PAGE_SIZE,
        };
        let (items, total) = state.store.reconciliation_items(id, &filter)?;
        let assignees = assignees(&state, &me.scope.region, None)?;
        let base = format!(
            "class={}&status={}&village={}&assignee={}",
            enc(&q.class),
            enc(&q.status),
            enc(&q.village),
            enc(&q.assignee)
        );
        Ok(QueuePage {
            l: me.l,
            me,
            r,
            items,
            total,
            page: q.page.max(0),
            pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
            q,
            base,
            classes: ItemClass::ALL.to_vec(),
            statuses: ReviewStatus::ALL.to_vec(),
            assignees,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

/// Bulk confirm, reject or assign of the checked items.
pub async fn bulk(
    State(state): State<AppState>,
    ReconciliationOf { r, .. }: ReconciliationOf,
    CsrfForm {
        me: current,
        form: fields,
    }: CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let id = r.id;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let ids: Vec<i64> = fields
        .iter()
        .filter(|(n, _)| n == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    if ids.is_empty() {
        return Err(WebError::BadRequest(
            "请勾选条目 / check some items first".into(),
        ));
    }
    let action = get("action").to_string();
    let assignee = get("assignee").to_string();
    let note = get("note").to_string();
    let me = current.clone();
    blocking(move || {
        for &i in &ids {
            let it = rec::item_in_scope(&state.store, i, &me.actor())?.ok_or(WebError::NotFound)?;
            if it.reconciliation_id != id {
                return Err(WebError::NotFound);
            }
        }
        let who = me.actor();
        match action.as_str() {
            "confirm" | "reject" => {
                let d = Decision::parse(&action).ok_or(WebError::NotFound)?;
                rec::review_bulk(&state.store, &ids, d, Some(&note), &who)?;
            }
            "assign" => {
                rec::assign(&state.store, &ids, Some(&assignee), &who)?;
            }
            _ => return Err(WebError::BadRequest("未知操作 / unknown action".into())),
        }
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/reconcile/{id}/items")).into_response())
}

// --- one item -----------------------------------------------------------------

/// One line of the side-by-side table.
pub struct SideRow {
    pub label: &'static str,
    pub source: String,
    pub register: String,
    pub differs: bool,
}

#[derive(Template)]
#[template(path = "reconciliation/item.html")]
struct ItemPage {
    l: L,
    me: Current,
    d: ItemDetail,
    rows: Vec<SideRow>,
    can_fix: bool,
    fix_fields: Vec<DiffField>,
    register_label: String,
    assignees: Vec<(String, String)>,
    /// The first differing field a fix can correct, with the source's value in the
    /// register's spelling: what the form offers first.
    fix_default: Option<(DiffField, String)>,
    /// For a birth in the source only: the village whose birth form registers it.
    birth_form_village: Option<String>,
    /// Why cells of the source record are kept as written (flags, in the page's
    /// language).
    flags: Vec<String>,
}

fn fix_default(d: &ItemDetail) -> Option<(DiffField, String)> {
    let s = d.source.as_ref()?;
    d.item.diffs.iter().find_map(|f| {
        let v = match f {
            DiffField::Sex => Some(s.child_sex.code().to_string()),
            DiffField::BirthDate => s.birth_date.map(|x| x.to_string()),
            DiffField::Name => s.child_name.clone(),
            DiffField::BirthOrder | DiffField::MotherId => None,
        }?;
        Some((*f, v))
    })
}

fn side_rows(d: &ItemDetail, l: L) -> Vec<SideRow> {
    let s = d.source.as_ref();
    let o = d.original.as_ref();
    // A duplicate is shown beside the row it repeats (it links to that row's
    // register birth too).
    let r = d.register.as_ref().filter(|_| o.is_none());
    let opt = |v: Option<String>| v.unwrap_or_default();
    let differs = |f: DiffField| d.item.diffs.contains(&f);
    let sex = |x: renkou_domain::Sex| format!("{} {}", x.code(), x.name_zh());
    let mut rows = vec![
        (
            l.s("婴儿姓名", "Child's name"),
            s.and_then(|b| b.child_name.clone()),
            r.map(|p| p.name.clone())
                .or(o.and_then(|b| b.child_name.clone())),
            differs(DiffField::Name),
        ),
        (
            l.s("性别", "Sex"),
            s.map(|b| sex(b.child_sex)),
            r.map(|p| sex(p.sex)).or(o.map(|b| sex(b.child_sex))),
            differs(DiffField::Sex),
        ),
        (
            l.s("出生日期", "Birth date"),
            s.map(|b| b.birth_date_text()),
            r.map(|p| p.birth_date.to_string())
                .or(o.map(|b| b.birth_date_text())),
            differs(DiffField::BirthDate),
        ),
        (
            l.s("孩次", "Birth order"),
            s.and_then(|b| b.reported_birth_order.map(|x| x.to_string())),
            r.and_then(|p| p.birth_order.map(|x| x.to_string()))
                .or(o.and_then(|b| b.reported_birth_order.map(|x| x.to_string()))),
            differs(DiffField::BirthOrder),
        ),
        (
            l.s("母亲姓名", "Mother's name"),
            s.and_then(|b| b.mother_name.clone()),
            r.and_then(|p| p.mother_name.clone())
                .or(o.and_then(|b| b.mother_name.clone())),
            false,
        ),
        (
            l.s("母亲身份号码", "Mother's ID number"),
            s.map(|b| b.mother_id_text()).filter(|t| !t.is_empty()),
            r.and_then(|p| p.mother_id_number.clone())
                .or(o.map(|b| b.mother_id_text()).filter(|t| !t.is_empty())),
            differs(DiffField::MotherId),
        ),
        (
            l.s("母亲出生日期", "Mother's birth date"),
            s.and_then(|b| b.mother_birth_date.map(|x| x.to_string())),
            r.and_then(|p| p.mother_birth_date.map(|x| x.to_string()))
                .or(o.and_then(|b| b.mother_birth_date.map(|x| x.to_string()))),
            false,
        ),
        (
            l.s("父亲姓名", "Father's name"),
            s.and_then(|b| b.father_name.clone()),
            r.and_then(|p| p.father_name.clone())
                .or(o.and_then(|b| b.father_name.clone())),
            false,
        ),
        (
            l.s("区划代码", "Region code"),
            s.map(|b| b.region_text()).filter(|t| !t.is_empty()),
            r.map(|p| p.region_code.clone())
                .or(o.map(|b| b.region_text()).filter(|t| !t.is_empty())),
            false,
        ),
    ];
    rows.push((
        l.s("出生地点", "Place of birth"),
        s.and_then(|b| b.place.clone()),
        o.and_then(|b| b.place.clone()),
        false,
    ));
    rows.into_iter()
        .map(|(label, a, b, differs)| SideRow {
            label,
            source: opt(a),
            register: opt(b),
            differs,
        })
        .collect()
}

fn can_fix(me: &Current, it: &Item) -> bool {
    it.person_no.is_some()
        && renkou_reconciliation::rules::decision_allowed(it.class, Decision::Fix)
        && RegionCode::parse(&it.village_code).is_ok_and(|v| me.scope.can_write(&v))
}

pub async fn item(
    State(state): State<AppState>,
    ItemOf { me, item: it }: ItemOf,
) -> Result<Html<String>, WebError> {
    let page = blocking(move || {
        state.store.audit_view(
            &me.actor(),
            renkou_reconciliation::tables::ITEM,
            &it.id.to_string(),
            "",
        )?;
        let can_fix = can_fix(&me, &it);
        let village = RegionCode::parse(&it.village_code).ok();
        let assignees = assignees(&state, &me.scope.region, village.as_ref())?;
        let d = rec::item_detail(&state.store, it)?;
        let rows = side_rows(&d, me.l);
        let birth_form_village = (d.item.class == ItemClass::SourceOnly)
            .then(|| RegionCode::parse(&d.item.village_code).ok())
            .flatten()
            .filter(|v| v.level() == renkou_domain::RegionLevel::Village && me.scope.can_write(v))
            .map(|v| v.to_string());
        let register_label = if d.original.is_some() {
            me.l.s("重复的记录", "The record it repeats").to_string()
        } else {
            me.l.s("登记", "Register").to_string()
        };
        let flags = d
            .source
            .iter()
            .flat_map(|b| &b.flags)
            .map(|f| me.l.s(f.name_zh(), f.name_en()).to_string())
            .collect();
        Ok(ItemPage {
            l: me.l,
            me,
            rows,
            can_fix,
            fix_fields: DiffField::ALL
                .into_iter()
                .filter(|f| f.person_field().is_some())
                .collect(),
            register_label,
            assignees,
            fix_default: fix_default(&d),
            birth_form_village,
            flags,
            d,
        })
    })
    .await?;
    Ok(Html(page.render()?))
}

#[derive(serde::Deserialize)]
pub struct ReviewForm {
    decision: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    note: String,
}

pub async fn review(
    State(state): State<AppState>,
    ItemOf { item: it, .. }: ItemOf,
    CsrfForm { me, form: f }: CsrfForm<ReviewForm>,
) -> Result<Response, WebError> {
    let id = it.id;
    blocking(move || {
        let decision = Decision::parse(&f.decision)
            .ok_or_else(|| WebError::BadRequest("未知操作 / unknown decision".into()))?;
        let fix = if decision == Decision::Fix {
            if !can_fix(&me, &it) {
                return Err(WebError::NotFound);
            }
            Some(Fix {
                field: DiffField::parse(&f.field)
                    .ok_or_else(|| WebError::BadRequest("请选择字段 / choose a field".into()))?,
                value: f.value.clone(),
            })
        } else {
            None
        };
        rec::review(
            &state.store,
            id,
            decision,
            fix.as_ref(),
            Some(&f.note),
            &me.actor(),
        )?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/reconcile/items/{id}")).into_response())
}

#[derive(serde::Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    assignee: String,
}

pub async fn assign(
    State(state): State<AppState>,
    ItemOf { item: it, .. }: ItemOf,
    CsrfForm { me, form: f }: CsrfForm<AssignForm>,
) -> Result<Response, WebError> {
    let id = it.id;
    blocking(move || {
        let who = me.actor();
        let name = f.assignee.trim();
        rec::assign(
            &state.store,
            &[id],
            (!name.is_empty()).then_some(name),
            &who,
        )?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/reconcile/items/{id}")).into_response())
}

/// Number formats the templates share.
trait Numbers {
    fn pct(&self, x: impl std::borrow::Borrow<Option<f64>>) -> String {
        x.borrow()
            .map(|v| format!("{:.1}%", v * 100.0))
            .unwrap_or_else(|| "—".into())
    }
    /// Any depth of reference to a number (templates hand them over as they come).
    fn num(&self, x: impl std::fmt::Display) -> String {
        format!("{x:.2}")
    }
    /// Estimated numbers of births: one decimal is all the precision they have.
    fn num1(&self, x: impl std::fmt::Display) -> String {
        format!("{x:.1}")
    }
}

impl Numbers for RunPage {}
impl Numbers for QueuePage {}
impl Numbers for ItemPage {}
