//! The register as offices keep it on paper: the village roster (花名册) and the
//! household card (户卡), each a page that prints on A4 from the browser (the
//! print stylesheet of base.html: no navigation, the table header repeated on
//! every page, a household not split across pages) and the same table as an
//! xlsx (or CSV) file for people, which the roster import reads back as it is.
//! The rows come from `renkou_register::export`.

use crate::error::WebError;
use crate::extract::{Area, Current, HouseholdOf};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{Html, IntoResponse, Response};
use renkou_domain::{Date, RegionCode, RegionLevel};
use renkou_interchange::write::OutFormat;
use renkou_register::export::{roster_households, RosterHousehold};
use renkou_store::{AuditAction, AuditNote, RecordKind};

fn today() -> Date {
    chrono::Local::now().date_naive()
}

#[derive(serde::Deserialize, Default)]
pub struct PrintQuery {
    #[serde(default)]
    format: String,
}

#[derive(Template)]
#[template(path = "register/roster_print.html")]
struct RosterPage {
    l: L,
    me: Current,
    code: String,
    area: String,
    title: String,
    with_village: bool,
    /// Each household with the 序号 of the row before its first member.
    households: Vec<(usize, RosterHousehold)>,
    persons: usize,
}

#[derive(Template)]
#[template(path = "register/household_card.html")]
struct CardPage {
    l: L,
    me: Current,
    household_no: String,
    village: String,
    village_code: String,
    title: String,
    household: Option<RosterHousehold>,
}

/// GET /regions/{code}/roster: the area's roster to print; `?format=xlsx|csv`
/// downloads it (audited as an export).
pub async fn roster(
    State(state): State<AppState>,
    Area { user: me, code }: Area<Current>,
    Query(q): Query<PrintQuery>,
) -> Result<Response, WebError> {
    if let Some(format) = OutFormat::parse(&q.format) {
        return download(state, me, code, None, format).await;
    }
    let page = blocking(move || {
        let region = state.store.region(&code)?.ok_or(WebError::NotFound)?;
        state
            .store
            .audit_view(&me.actor(), RecordKind::REGION, code.as_str(), "roster")?;
        let households = roster_households(&state.store, &code, None)?;
        let title = if me.l.en {
            format!("{} — household roster", region.name)
        } else {
            renkou_register::export::title(&region.name, "户籍人口花名册", today())
        };
        let mut offset = 0;
        let households: Vec<(usize, RosterHousehold)> = households
            .into_iter()
            .map(|h| {
                let o = offset;
                offset += h.members.len();
                (o, h)
            })
            .collect();
        Ok(RosterPage {
            l: me.l,
            persons: offset,
            with_village: code.level() != RegionLevel::Village,
            code: code.to_string(),
            area: region.name,
            title,
            households,
            me,
        })
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

/// GET /households/{no}/card: the household card to print; `?format=xlsx|csv`
/// downloads it.
pub async fn card(
    State(state): State<AppState>,
    HouseholdOf {
        user: me,
        household_no,
        members,
    }: HouseholdOf<Current>,
    Query(q): Query<PrintQuery>,
) -> Result<Response, WebError> {
    let village = members
        .first()
        .map(|p| p.region_code.clone())
        .ok_or(WebError::NotFound)?;
    if let Some(format) = OutFormat::parse(&q.format) {
        return download(state, me, village, Some(household_no), format).await;
    }
    let page = blocking(move || {
        state
            .store
            .audit_view(&me.actor(), RecordKind::HOUSEHOLD, &household_no, "card")?;
        let name = state
            .store
            .region(&village)?
            .map(|r| r.name)
            .unwrap_or_else(|| village.to_string());
        let household = roster_households(&state.store, &village, Some(&household_no))?
            .into_iter()
            .next();
        let title = if me.l.en {
            format!("Household card {household_no}")
        } else {
            format!("{name}户卡")
        };
        Ok(CardPage {
            l: me.l,
            me,
            household_no,
            village: name,
            village_code: village.to_string(),
            title,
            household,
        })
    })
    .await?;
    Ok(Html(page.render()?).into_response())
}

/// Writes the roster of `code` (or the card of `household`) to a temporary
/// file, audits the export and answers with the file.
async fn download(
    state: AppState,
    me: Current,
    code: RegionCode,
    household: Option<String>,
    format: OutFormat,
) -> Result<Response, WebError> {
    let ext = match format {
        OutFormat::Xlsx => "xlsx",
        OutFormat::Csv => "csv",
    };
    let name = match &household {
        Some(h) => format!("household-card-{h}.{ext}"),
        None => format!("roster-{}.{ext}", code.prefix()),
    };
    let file_name = name.clone();
    let bytes = blocking(move || {
        let dir = std::env::temp_dir().join(format!("renkou-export-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).map_err(|e| WebError::Internal(e.to_string()))?;
        let path = dir.join(&name);
        let result = (|| {
            let n = renkou_register::export::export_roster(
                &state.store,
                &code,
                household.as_deref(),
                &path,
                format,
                today(),
            )?;
            let (record, id, what) = match &household {
                Some(h) => (RecordKind::HOUSEHOLD, h.clone(), "household_card"),
                None => (RecordKind::REGION, code.to_string(), "roster"),
            };
            state.store.audit(
                &me.actor(),
                AuditNote {
                    action: AuditAction::EXPORT,
                    record,
                    record_id: &id,
                    fields: &format!("{what}={n}"),
                },
            )?;
            std::fs::read(&path).map_err(|e| WebError::Internal(e.to_string()))
        })();
        let _ = std::fs::remove_dir_all(&dir);
        result
    })
    .await?;
    let mime = match format {
        OutFormat::Xlsx => crate::indicators::pages::XLSX,
        OutFormat::Csv => "text/csv; charset=utf-8",
    };
    Ok((
        [
            (CONTENT_TYPE, mime.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
