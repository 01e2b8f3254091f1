//! The use cases: generate a report (figures → document → file), archive it with
//! the register version it was computed from, who made it, when, its hash and the
//! file; list the archive of an area; fetch a file; regenerate an archived report
//! "as of" its version; send a report up (drafted → submitted → received).

use crate::build::{self, period_label};
use crate::error::Error;
use crate::figures::{FigureSource, Format, Kind, Request};
use crate::output::{self, PdfWriter};
use crate::tables::{self, ArchivedReport, NewReport, ReportTables};
use crate::templates::{self, Template};
use renkou_domain::RegionCode;
use renkou_store::{Actor, Store};
use sha2::{Digest, Sha256};

/// A generated and archived report.
#[derive(Debug, Clone)]
pub struct Generated {
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
    pub register_version: i64,
    pub bytes: Vec<u8>,
}

/// The hash archived with a file, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The file as it is made, without archiving it (the benchmark times this).
/// Returns the bytes and the register version the figures are from.
pub fn make(
    source: &dyn FigureSource,
    request: &Request,
    template: &Template,
    pdf: Option<&dyn PdfWriter>,
) -> Result<(Vec<u8>, i64, String), Error> {
    let figures = source.figures(
        &request.region,
        request.period,
        request.as_of,
        request.kind.needs(),
    )?;
    let built = build::build(request, &figures, template, request.format != Format::Xlsx)?;
    let bytes = output::write(&built, request.format, pdf)?;
    let name = built
        .document
        .metadata
        .title
        .chars()
        .filter(|c| !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .collect::<String>();
    Ok((
        bytes,
        figures.register_version,
        format!("{name}.{}", request.format.code()),
    ))
}

fn check_request(store: &Store, actor: &Actor, request: &Request) -> Result<(), Error> {
    if !actor.can_read(&request.region) {
        return Err(Error::OutOfArea(request.region.to_string()));
    }
    if let Some(v) = request.as_of {
        let last = store.last_event_seq()?;
        if v < 0 || v > last {
            return Err(Error::Invalid(format!(
                "登记版本 {v} 不存在（最新为 {last}） / register version {v} does not exist (the latest is {last})"
            )));
        }
    }
    Ok(())
}

fn archive(
    store: &Store,
    actor: &Actor,
    request: &Request,
    template: &Template,
    made: (Vec<u8>, i64, String),
) -> Result<Generated, Error> {
    let (bytes, version, file_name) = made;
    let sha256 = sha256_hex(&bytes);
    let period = request.period.to_string();
    let id = store.write(actor, |tx| {
        tables::archive(
            tx,
            &NewReport {
                kind: request.kind.code(),
                region: &request.region,
                period: &period,
                format: request.format.code(),
                register_version: version,
                template_id: template.id,
                file_name: &file_name,
                sha256: &sha256,
                content: &bytes,
            },
        )
    })?;
    Ok(Generated {
        id,
        file_name,
        sha256,
        register_version: version,
        bytes,
    })
}

/// Generates a report with the kind's current template and archives it, for an
/// actor whose area holds the report's region.
pub fn generate(
    store: &Store,
    actor: &Actor,
    source: &dyn FigureSource,
    request: &Request,
    pdf: Option<&dyn PdfWriter>,
) -> Result<Generated, Error> {
    check_request(store, actor, request)?;
    let template = templates::current(store, request.kind)?;
    let made = make(source, request, &template, pdf)?;
    archive(store, actor, request, &template, made)
}

/// An archived report the actor may see (`None` outside their area, as for an id
/// nobody has).
pub fn archived(store: &Store, actor: &Actor, id: i64) -> Result<Option<ArchivedReport>, Error> {
    Ok(store
        .archived_report(id)?
        .filter(|r| RegionCode::parse(&r.region_code).is_ok_and(|c| actor.can_read(&c))))
}

/// The archive of the actor's area (everything for the operator), newest first.
pub fn list(store: &Store, actor: &Actor) -> Result<Vec<ArchivedReport>, Error> {
    Ok(store.archived_reports(actor.area())?)
}

/// An archived report's file, if the actor may see it.
pub fn file(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<Option<(ArchivedReport, Vec<u8>)>, Error> {
    let Some(r) = archived(store, actor, id)? else {
        return Ok(None);
    };
    Ok(store.archived_file(id)?.map(|bytes| (r, bytes)))
}

/// The request an archived report was made from, "as of" its register version.
pub fn request_of(r: &ArchivedReport) -> Result<Request, Error> {
    Ok(Request {
        kind: Kind::parse(&r.kind)?,
        region: RegionCode::parse(&r.region_code).map_err(|e| Error::Invalid(e.to_string()))?,
        period: r
            .period
            .parse()
            .map_err(|e: renkou_stats::PeriodError| Error::Invalid(e.to_string()))?,
        format: Format::parse(&r.format)?,
        as_of: Some(r.register_version),
    })
}

/// Makes an archived report again from the register as it stood at its version
/// and with its template, and archives the result: the same figures, so the same
/// file and hash, whatever corrections came after.
pub fn regenerate(
    store: &Store,
    actor: &Actor,
    source: &dyn FigureSource,
    id: i64,
    pdf: Option<&dyn PdfWriter>,
) -> Result<Generated, Error> {
    let r = archived(store, actor, id)?
        .ok_or_else(|| Error::Invalid(format!("报告 {id} 不存在 / no report {id}")))?;
    let request = request_of(&r)?;
    check_request(store, actor, &request)?;
    let template = templates::by_id(store, request.kind, r.template_id)?;
    let made = make(source, &request, &template, pdf)?;
    archive(store, actor, &request, &template, made)
}

/// The states a report goes through on its way up.
pub const STATUSES: [&str; 3] = ["drafted", "submitted", "received"];

pub fn status_zh(s: &str) -> &str {
    match s {
        "drafted" => "草稿",
        "submitted" => "已报送",
        "received" => "县已接收",
        other => other,
    }
}

pub fn status_en(s: &str) -> &str {
    match s {
        "drafted" => "drafted",
        "submitted" => "submitted",
        "received" => "received by the county",
        other => other,
    }
}

/// Sends a report up (drafted → submitted, by anyone whose area holds it) or
/// marks it received (submitted → received, by the county: an account whose area
/// is above the report's region, or the operator).
pub fn advance(store: &Store, actor: &Actor, id: i64, to: &str) -> Result<ArchivedReport, Error> {
    let r = archived(store, actor, id)?
        .ok_or_else(|| Error::Invalid(format!("报告 {id} 不存在 / no report {id}")))?;
    let from = match to {
        "submitted" => "drafted",
        "received" => {
            let above = actor.area().is_none_or(|a| {
                a.as_str() != r.region_code && a.level() < renkou_domain::RegionLevel::Township
            });
            if !above {
                return Err(Error::Invalid(
                    "只有县级可以接收报告 / only the county receives reports".into(),
                ));
            }
            "submitted"
        }
        other => {
            return Err(Error::Invalid(format!(
                "状态“{other}”无法识别 / status \"{other}\" not understood"
            )))
        }
    };
    // The county (or the sender) is told in the same transaction.
    let told = crate::schedules::told_of_status(store, &r, to)?;
    let changed = store.write(actor, |tx| {
        let changed = tables::set_status(tx, id, from, to)?;
        if changed {
            crate::schedules::notify(tx, id, to, &told)?;
        }
        Ok::<_, renkou_store::StoreError>(changed)
    })?;
    if !changed {
        return Err(Error::Invalid(format!(
            "报告 {id} 当前为“{}”，不能改为“{}” / report {id} is {}, it cannot become {to}",
            status_zh(&r.status),
            status_zh(to),
            r.status
        )));
    }
    Ok(store.archived_report(id)?.unwrap_or(r))
}

/// The name a report of `request` is filed under, without making it.
pub fn title(request: &Request, area_name: &str) -> String {
    format!(
        "{}{}{}",
        period_label(request.period),
        area_name,
        request.kind.name_zh()
    )
}
