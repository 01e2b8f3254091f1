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
    /// The area reconciled, by name.
    region_name: String,
}

/// The trust panel, its lines ready to show.
pub(crate) struct TrustView {
    /// (label, value) in the page's language.
    pub counts: Vec<(String, u64)>,
    /// One per model (link, dedupe), in the page's language only.
    pub fits: Vec<FitView>,
    pub model: String,
}

/// A model's checks as the page shows them: what was used and why, then each
/// check by its name (never its code) with the value measured and its limit.
pub(crate) struct FitView {
    /// Every check of the model used passed, and it is not the defaults.
    pub ok: bool,
    /// 出生记录匹配 / births linkage.
    pub task: String,
    pub what: String,
    pub checks: Vec<CheckView>,
    /// When the defaults replaced the fit: the defaults' own checks.
    pub checks_used: Vec<CheckView>,
}

pub(crate) struct CheckView {
    pub passed: bool,
    pub name: String,
    pub value: String,
    /// "≥ 0.900" (or "≤ …" for the expected number of matches).
    pub limit: String,
}

fn check_view(c: &renkou_linkage::FitCheck, l: L) -> CheckView {
    // Counts are whole numbers; shares and bits read best to three places.
    let counts = matches!(c.name.as_str(), "match_count" | "enough_pairs");
    let num = |x: f64| {
        if counts {
            format!("{x:.0}")
        } else {
            format!("{x:.3}")
        }
    };
    let (value, limit) = if c.name == "converged" {
        let yes = if c.value >= 1.0 {
            l.s("是", "yes")
        } else {
            l.s("否", "no")
        };
        (yes.to_string(), String::new())
    } else if c.name == "match_count" {
        (num(c.value), format!("≤ {}", num(c.limit)))
    } else {
        (num(c.value), format!("≥ {}", num(c.limit)))
    };
    CheckView {
        passed: c.passed,
        name: l.s(&c.zh, &c.en).to_string(),
        value,
        limit,
    }
}

fn fit_view(f: &renkou_linkage::FitReport, l: L) -> FitView {
    use renkou_linkage::ModelOrigin;
    let what = match f.origin {
        ModelOrigin::Trained if f.restarted => l.s(
            "在本次记录上训练：从默认参数出发未通过检查，换一个起点重新训练后全部通过",
            "fitted on these records: started from the defaults it failed its checks, a second start passed them",
        ),
        ModelOrigin::Trained if f.passed() => {
            l.s("在本次记录上训练，检查全部通过", "fitted on these records, every check passed")
        }
        ModelOrigin::Trained => l.s(
            "在本次记录上训练，有检查未通过",
            "fitted on these records, some checks failed",
        ),
        ModelOrigin::Default => l.s(
            "在本次记录上训练的结果未通过检查，已改用内置默认参数",
            "the fit on these records failed its checks: the shipped defaults were used instead",
        ),
        ModelOrigin::Supplied if f.passed() => l.s(
            "使用本县保存的模型，在本次记录上检查通过",
            "the county's saved model was used, and passes its checks on these records",
        ),
        ModelOrigin::Supplied => l.s(
            "使用本县保存的模型，但在本次记录上有检查未通过",
            "the county's saved model was used, but fails some checks on these records",
        ),
    };
    FitView {
        ok: f.passed() && !f.fell_back(),
        task: l.s(f.task.name_zh(), f.task.name_en()).to_string(),
        what: what.to_string(),
        checks: f.checks.iter().map(|c| check_view(c, l)).collect(),
        checks_used: if f.fell_back() {
            f.checks_used.iter().map(|c| check_view(c, l)).collect()
        } else {
            Vec::new()
        },
    }
}

pub(crate) fn trust_view(t: &renkou_reconciliation::trust::Trust, l: L) -> TrustView {
    use renkou_reconciliation::trust::ModelSource;
    let s = |zh: &str, en: &str| l.s(zh, en).to_string();
    TrustView {
        counts: vec![
            (
                s("自动判定的配对", "Pairs decided automatically"),
                t.auto_pairs,
            ),
            (
                s("交人工复核的配对", "Pairs sent to review"),
                t.review_pairs,
            ),
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
                    "交人工复核的疑似重复（决定前按两个出生计）",
                    "Possible duplicates sent to review (two births until decided)",
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
            .map(|f| fit_view(f, l))
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
        let region_name = crate::regions::RegionNames::load(&state)?.name(&r.region_code);
        Ok(RunPage {
            l: me.l,
            region_name,
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
    names: crate::regions::RegionNames,
    /// The villages of the viewer's area (code, name), for the filter.
    villages: Vec<(String, String)>,
}

impl QueuePage {
    fn village_name(&self, code: &str) -> String {
        self.names.name(code)
    }
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
        let villages = state
            .store
            .regions()?
            .into_iter()
            .filter(|v| {
                v.level() == renkou_domain::RegionLevel::Village
                    && me.scope.region.contains(&v.code)
            })
            .map(|v| (v.code.to_string(), v.name))
            .collect();
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
            names: crate::regions::RegionNames::load(&state)?,
            villages,
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
    decisions: Decisions,
    /// The explanation's fields as a reader wants them (sexes and villages by name).
    explain_rows: Vec<ExplainRow>,
    /// The explanation's heading and its two columns, by what the item compares.
    explain_title: &'static str,
    explain_left: &'static str,
    explain_right: &'static str,
}

/// What the two decisions mean for an item of this class, in the page's
/// language: a clerk is asked a question about the records (is it one birth?),
/// not whether a class code is right.
pub(crate) struct Decisions {
    pub confirm: &'static str,
    pub reject: &'static str,
    pub help: &'static str,
    /// The status, with what it does to the count where that is the point.
    pub status: &'static str,
}

pub(crate) fn decisions(class: ItemClass, status: ReviewStatus, l: L) -> Decisions {
    use ReviewStatus::*;
    let s = |zh: &'static str, en: &'static str| l.s(zh, en);
    let named = s(status.name_zh(), status.name_en());
    match class {
        ItemClass::PossibleDuplicate => Decisions {
            confirm: s("是同一出生（只计一次）", "One birth (count it once)"),
            reject: s("是两个出生（分别计数）", "Two births (count both)"),
            help: s(
                "这两条来源记录很相像，但系统不能确定是同一个孩子：相像程度不够，或缺少姓名、性别等能分辨双胞胎的信息。请核实：同一次出生录入了两次，选“是同一出生”，本条不再计为出生；是两个孩子（如双胞胎，或同一母亲的另一次出生），选“是两个出生”，两条都计。",
                "These two source records are alike, but the system cannot be sure they are one child: they are not alike enough, or a name or sex that would tell twins apart is missing. Please check: if one birth was written twice, choose \"One birth\" and this record no longer counts as a birth; if they are two children (twins, or another birth of the mother), choose \"Two births\" and both count.",
            ),
            status: match status {
                Open => s("待处理（暂按两个出生计）", "open (counted as two births for now)"),
                Confirmed => s("已确认：同一出生，只计一次", "confirmed: one birth, counted once"),
                Rejected => s("已否决：两个出生，分别计数", "rejected: two births, both counted"),
                Fixed => named,
            },
        },
        ItemClass::Duplicate => Decisions {
            confirm: s("是重复记录（只计一次）", "A repeat (count it once)"),
            reject: s("不是重复，是另一个出生", "Not a repeat: another birth"),
            help: s(
                "本条被判为上一条记录的重复（重报），只计一次。若其实是另一个孩子，请选“不是重复”：本条单独计为出生。",
                "This record was found to repeat the other (a duplicate report) and counts once. If it is in fact another child, choose \"Not a repeat\": it then counts as a birth of its own.",
            ),
            status: match status {
                Open => s("待处理（按重复记录，只计一次）", "open (a repeat, counted once)"),
                Confirmed => s("已确认：重复记录，只计一次", "confirmed: a repeat, counted once"),
                Rejected => s("已否决：另一个出生，单独计数", "rejected: another birth, counted on its own"),
                Fixed => named,
            },
        },
        ItemClass::Uncertain => Decisions {
            confirm: s("是同一出生（配对）", "One birth (pair them)"),
            reject: s("不是同一出生", "Not one birth"),
            help: s(
                "来源记录与登记人员是不是同一个孩子？是，请选“是同一出生”：计为已匹配；不是，请选“不是同一出生”。",
                "Are the source record and the register person one child? If so choose \"One birth\": it counts as matched; if not, \"Not one birth\".",
            ),
            status: match status {
                Open => s("待处理（暂不计为匹配）", "open (not counted as matched yet)"),
                Confirmed => s("已确认：同一出生", "confirmed: one birth"),
                Rejected => s("已否决：不是同一出生", "rejected: not one birth"),
                Fixed => named,
            },
        },
        _ => Decisions {
            confirm: s("确认", "Confirm"),
            reject: s("否决", "Reject"),
            help: s(
                "确认：类别正确。否决：类别有误（两条记录不是同一出生；仅来源有的记录不属本区域本时期）。",
                "Confirm: the class is right. Reject: it is wrong (two different births; a source-only record is not of this area and period).",
            ),
            status: named,
        },
    }
}

/// One field of the linkage explanation, its values as the page shows them.
pub(crate) struct ExplainRow {
    pub field: String,
    pub left: String,
    pub right: String,
    pub level: String,
    pub weight: f64,
}

fn explain_rows(
    e: &rec::Explanation,
    l: L,
    names: &crate::regions::RegionNames,
) -> Vec<ExplainRow> {
    use renkou_linkage::compare::Field;
    e.fields
        .iter()
        .map(|f| {
            // The engine compares cells as written: a sex code or a region code
            // is shown by its name.
            let shown = |v: &str| match f.field {
                Field::Sex if !v.trim().is_empty() => renkou_domain::Sex::parse(v.trim())
                    .map(|x| sex_name(x, l))
                    .unwrap_or_else(|_| v.to_string()),
                Field::Region if !v.trim().is_empty() => {
                    let name = names.name(v.trim());
                    if name == v.trim() {
                        v.to_string()
                    } else {
                        name
                    }
                }
                _ => v.to_string(),
            };
            ExplainRow {
                // The side table's words for the fields (the engine's English
                // names are its identifiers).
                field: match f.field {
                    Field::Name => l.s("婴儿姓名", "Child's name"),
                    Field::Sex => l.s("性别", "Sex"),
                    Field::BirthDate => l.s("出生日期", "Birth date"),
                    Field::BirthOrder => l.s("孩次", "Birth order"),
                    Field::IdNumber => l.s("身份号码", "ID number"),
                    Field::Parents => l.s("父母", "Parents"),
                    Field::Region => l.s("村", "Village"),
                }
                .to_string(),
                left: shown(&f.left),
                right: shown(&f.right),
                level: l.s(f.level_zh, f.level_en).to_string(),
                weight: f.weight,
            }
        })
        .collect()
}

/// A sex in the page's language (the register's code is no help to a reader).
fn sex_name(x: renkou_domain::Sex, l: L) -> String {
    let en = match x {
        renkou_domain::Sex::Male => "male",
        renkou_domain::Sex::Female => "female",
        renkou_domain::Sex::Unknown => "not stated",
    };
    l.s(x.name_zh(), en).to_string()
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

fn side_rows(d: &ItemDetail, l: L, names: &crate::regions::RegionNames) -> Vec<SideRow> {
    let s = d.source.as_ref();
    let o = d.original.as_ref();
    // A duplicate is shown beside the row it repeats (it links to that row's
    // register birth too).
    let r = d.register.as_ref().filter(|_| o.is_none());
    let opt = |v: Option<String>| v.unwrap_or_default();
    let differs = |f: DiffField| d.item.diffs.contains(&f);
    let sex = |x: renkou_domain::Sex| sex_name(x, l);
    // A village by its name, its code beside it; a code the tree does not know
    // as written.
    let place = |code: String| {
        let name = names.name(&code);
        if name == code {
            code
        } else {
            // A space, so that a phone breaks the line between the two.
            format!("{name} {code}")
        }
    };
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
            l.s("村（区划代码）", "Village (code)"),
            s.map(|b| b.region_text())
                .filter(|t| !t.is_empty())
                .map(place),
            r.map(|p| p.region_code.clone())
                .or(o.map(|b| b.region_text()).filter(|t| !t.is_empty()))
                .map(place),
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
        let names = crate::regions::RegionNames::load(&state)?;
        let rows = side_rows(&d, me.l, &names);
        let birth_form_village = (d.item.class == ItemClass::SourceOnly)
            .then(|| RegionCode::parse(&d.item.village_code).ok())
            .flatten()
            .filter(|v| v.level() == renkou_domain::RegionLevel::Village && me.scope.can_write(v))
            .map(|v| v.to_string());
        let possible = d.item.class == ItemClass::PossibleDuplicate;
        let register_label = match (d.original.is_some(), possible) {
            (true, true) => me.l.s("可能重复的记录", "The record it may repeat"),
            (true, false) => me.l.s("重复的记录", "The record it repeats"),
            _ => me.l.s("登记", "Register"),
        }
        .to_string();
        let (explain_title, explain_left, explain_right) = if d.original.is_some() {
            (
                me.l.s("为何可能是同一出生", "Why the model finds them alike"),
                me.l.s("本条记录", "This record"),
                me.l.s("另一条记录", "The other record"),
            )
        } else {
            (
                me.l.s("匹配说明", "Why the model linked them"),
                me.l.s("来源", "Source"),
                me.l.s("登记", "Register"),
            )
        };
        let flags = d
            .source
            .iter()
            .flat_map(|b| &b.flags)
            .map(|f| me.l.s(f.name_zh(), f.name_en()).to_string())
            .collect();
        let l = me.l;
        Ok(ItemPage {
            l,
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
            decisions: decisions(d.item.class, d.item.status, l),
            explain_rows: d
                .explanation
                .as_ref()
                .map(|e| explain_rows(e, l, &names))
                .unwrap_or_default(),
            explain_title,
            explain_left,
            explain_right,
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
    /// A probability as a percentage, to one place; never "100%" or "0%" (a
    /// model is never sure, and an item in review at "100%" reads as a mistake).
    fn percent(&self, p: &f64) -> String {
        if *p > 0.999 {
            "> 99.9%".into()
        } else if *p < 0.001 {
            "< 0.1%".into()
        } else {
            format!("{:.1}%", p * 100.0)
        }
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
