//! 名册 (the roster of a run) as the seed's offices work it: the village proposes
//! its eligible persons (村申报), the township checks them (乡镇审核) and puts them
//! on public notice (公示) from a day for a number of days, and the county approves
//! (县审批) once the notice has ended. An objection during the notice is recorded on
//! the row and resolved with a reason (upheld: the row is withdrawn). Every step is
//! one transaction with its audit entry.
//!
//! The roster stands on a saved run, whose rows and receipts are never changed: an
//! approved roster stays with the facts it was approved on, and a later run of the
//! same program and year is a new run with its own roster.

use crate::error::Error;
use crate::tables::{area_bounds, RunInfo, RUN};
use renkou_domain::account::Role;
use renkou_domain::{Date, RegionCode};
use renkou_store::{Actor, AuditAction, AuditNote, Conn, Store, StoreError, Value};

pub const PROPOSE: AuditAction = AuditAction::new("propose", "申报", "propose");
pub const NOTICE: AuditAction = AuditAction::new("notice", "公示", "public notice");
pub const APPROVE: AuditAction = AuditAction::new("approve", "审批", "approve");
pub const OBJECT: AuditAction = AuditAction::new("object", "异议", "objection");
pub const RESOLVE: AuditAction = AuditAction::new("resolve", "异议处理", "resolve objection");

/// Where a roster row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterState {
    Proposed,
    Checked,
    Notice,
    Approved,
    /// Taken off after an objection was upheld.
    Withdrawn,
}

impl RosterState {
    pub const ALL: [RosterState; 5] = [
        RosterState::Proposed,
        RosterState::Checked,
        RosterState::Notice,
        RosterState::Approved,
        RosterState::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RosterState::Proposed => "proposed",
            RosterState::Checked => "checked",
            RosterState::Notice => "notice",
            RosterState::Approved => "approved",
            RosterState::Withdrawn => "withdrawn",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            RosterState::Proposed => "村已申报",
            RosterState::Checked => "乡镇已审核",
            RosterState::Notice => "公示中",
            RosterState::Approved => "县已审批",
            RosterState::Withdrawn => "已撤回",
        }
    }

    pub fn parse(s: &str) -> Option<RosterState> {
        RosterState::ALL.into_iter().find(|r| r.code() == s)
    }
}

/// One row of a roster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RosterRow {
    pub person_no: String,
    pub name: String,
    pub region_code: String,
    pub state: RosterState,
    pub notice_from: Option<Date>,
    pub notice_days: Option<i64>,
    pub objection: Option<String>,
    pub objection_by: Option<String>,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
}

/// A line of the printable notice (公示): only the name, the village and the
/// program, nothing else about the person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NoticeLine {
    pub name: String,
    pub village: String,
    pub program: &'static str,
}

fn refuse(m: &str) -> Error {
    Error::Invalid(m.to_string())
}

/// The area of a step: inside the run's and the actor's, and writable by the actor.
fn step_area(actor: &Actor, run: &RunInfo, area: &RegionCode) -> Result<(), Error> {
    let run_area = RegionCode::parse(&run.region_code)?;
    if !run_area.contains(area) || !actor.can_read(area) {
        return Err(Error::OutsideArea(area.to_string()));
    }
    if !actor.can_write(area) {
        return Err(Error::Store(StoreError::Forbidden));
    }
    Ok(())
}

/// Township staff, the county administrator, or the operator.
fn township_or_county(actor: &Actor) -> Result<(), Error> {
    match actor.scope.as_ref().map(|s| s.role) {
        None | Some(Role::TownshipStaff) | Some(Role::CountyAdmin) => Ok(()),
        _ => Err(refuse(
            "审核与公示需要乡镇或县级账户 / checking and public notice need a township or county account",
        )),
    }
}

fn county(actor: &Actor) -> Result<(), Error> {
    match actor.scope.as_ref().map(|s| s.role) {
        None | Some(Role::CountyAdmin) => Ok(()),
        _ => Err(refuse(
            "审批需要县管理员账户 / approval needs a county administrator",
        )),
    }
}

/// 村申报: the run's eligible persons in `area` not yet on the roster are proposed.
/// Returns how many.
pub fn propose(
    store: &Store,
    actor: &Actor,
    run: &RunInfo,
    area: &RegionCode,
) -> Result<u64, Error> {
    step_area(actor, run, area)?;
    let (lo, hi) = area_bounds(area);
    store.write(actor, |tx| {
        let by = tx.actor().username.clone();
        let rows = tx.conn().query(
            "SELECT r.person_no, r.region_code FROM benefit_run_rows r \
             WHERE r.run_id = $1 AND r.eligible = 1 AND r.region_code >= $2 AND r.region_code < $3 \
             AND NOT EXISTS (SELECT 1 FROM benefit_roster o WHERE o.run_id = r.run_id AND o.person_no = r.person_no)",
            &[Value::Int(run.id), lo.clone(), hi.clone()],
        )?;
        let now = renkou_store::now();
        for r in &rows {
            tx.conn().exec(
                "INSERT INTO benefit_roster (run_id, person_no, region_code, state, updated_by, updated_at) \
                 VALUES ($1, $2, $3, 'proposed', $4, $5)",
                &[
                    Value::Int(run.id),
                    r[0].clone(),
                    r[1].clone(),
                    by.as_str().into(),
                    now.into(),
                ],
            )?;
        }
        let n = rows.len() as u64;
        tx.audit(AuditNote {
            action: PROPOSE,
            record: RUN,
            record_id: &run.id.to_string(),
            fields: &format!("area={area};rows={n}"),
        })?;
        Ok(n)
    })
}

/// 乡镇审核: proposed rows in `area` become checked.
pub fn check(store: &Store, actor: &Actor, run: &RunInfo, area: &RegionCode) -> Result<u64, Error> {
    step_area(actor, run, area)?;
    township_or_county(actor)?;
    advance(
        store,
        actor,
        run,
        area,
        RosterState::Proposed,
        RosterState::Checked,
        None,
        AuditAction::REVIEW,
    )
}

/// 公示: checked rows in `area` go on public notice from `from` for `days` days.
pub fn start_notice(
    store: &Store,
    actor: &Actor,
    run: &RunInfo,
    area: &RegionCode,
    from: Date,
    days: u32,
) -> Result<u64, Error> {
    step_area(actor, run, area)?;
    township_or_county(actor)?;
    if days == 0 {
        return Err(refuse(
            "公示天数至少为1天 / the notice lasts at least one day",
        ));
    }
    advance(
        store,
        actor,
        run,
        area,
        RosterState::Checked,
        RosterState::Notice,
        Some((from, days)),
        NOTICE,
    )
}

#[allow(clippy::too_many_arguments)]
fn advance(
    store: &Store,
    actor: &Actor,
    run: &RunInfo,
    area: &RegionCode,
    from: RosterState,
    to: RosterState,
    notice: Option<(Date, u32)>,
    action: AuditAction,
) -> Result<u64, Error> {
    let (lo, hi) = area_bounds(area);
    store.write(actor, |tx| {
        let by = tx.actor().username.clone();
        let n = tx.conn().exec(
            "UPDATE benefit_roster SET state = $4, updated_by = $5, updated_at = $6, \
             notice_from = COALESCE($7, notice_from), notice_days = COALESCE($8, notice_days) \
             WHERE run_id = $1 AND region_code >= $2 AND region_code < $3 AND state = $9",
            &[
                Value::Int(run.id),
                lo.clone(),
                hi.clone(),
                to.code().into(),
                by.as_str().into(),
                renkou_store::now().into(),
                notice.map(|(d, _)| d).into(),
                notice.map(|(_, n)| i64::from(n)).into(),
                from.code().into(),
            ],
        )?;
        tx.audit(AuditNote {
            action,
            record: RUN,
            record_id: &run.id.to_string(),
            fields: &format!("area={area};state={};rows={n}", to.code()),
        })?;
        Ok(n)
    })
}

/// 县审批: the rows on notice in `area` whose notice has ended by `today` and that
/// carry no unresolved objection are approved. Refused while any row of the area
/// is still within its notice.
pub fn approve(
    store: &Store,
    actor: &Actor,
    run: &RunInfo,
    area: &RegionCode,
    today: Date,
) -> Result<u64, Error> {
    step_area(actor, run, area)?;
    county(actor)?;
    let rows = roster(store, actor, run, area)?;
    let on_notice: Vec<&RosterRow> = rows
        .iter()
        .filter(|r| r.state == RosterState::Notice)
        .collect();
    if let Some(r) = on_notice
        .iter()
        .find(|r| match (r.notice_from, r.notice_days) {
            (Some(f), Some(d)) => f + chrono::Duration::days(d) > today,
            _ => true,
        })
    {
        let end = r
            .notice_from
            .zip(r.notice_days)
            .map(|(f, d)| (f + chrono::Duration::days(d)).to_string())
            .unwrap_or_default();
        return Err(Error::Invalid(format!(
            "公示期未满（{end}起可审批） / the public notice has not ended (approval from {end})"
        )));
    }
    let ready: Vec<&str> = on_notice
        .iter()
        .filter(|r| r.objection.is_none() || r.resolution.is_some())
        .map(|r| r.person_no.as_str())
        .collect();
    store.write(actor, |tx| {
        let by = tx.actor().username.clone();
        let now = renkou_store::now();
        let mut n = 0;
        for p in &ready {
            n += tx.conn().exec(
                "UPDATE benefit_roster SET state = 'approved', updated_by = $3, updated_at = $4 \
                 WHERE run_id = $1 AND person_no = $2 AND state = 'notice'",
                &[
                    Value::Int(run.id),
                    (*p).into(),
                    by.as_str().into(),
                    now.into(),
                ],
            )?;
        }
        tx.audit(AuditNote {
            action: APPROVE,
            record: RUN,
            record_id: &run.id.to_string(),
            fields: &format!("area={area};rows={n}"),
        })?;
        Ok(n)
    })
}

fn row_region(
    c: &mut dyn Conn,
    run: i64,
    person_no: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(c.query_one(
        "SELECT region_code, state FROM benefit_roster WHERE run_id = $1 AND person_no = $2",
        &[Value::Int(run), person_no.into()],
    )?
    .map(|r| {
        (
            r[0].text().unwrap_or_default(),
            r[1].text().unwrap_or_default(),
        )
    }))
}

/// Records an objection (异议) against a row on notice; anyone who may read the
/// row's village may raise one.
pub fn object(
    store: &Store,
    actor: &Actor,
    run: &RunInfo,
    person_no: &str,
    text: &str,
) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(refuse("异议内容不能为空 / the objection needs a text"));
    }
    store.write(actor, |tx| {
        let (region, state) = row_region(tx.conn(), run.id, person_no)?
            .filter(|(r, _)| RegionCode::parse(r).is_ok_and(|c| tx.actor().can_read(&c)))
            .ok_or_else(|| StoreError::NoPerson(person_no.to_string()))?;
        if state != RosterState::Notice.code() {
            return Err(refuse("只能对公示中的名单提出异议 / objections are raised during the public notice"));
        }
        let by = tx.actor().username.clone();
        tx.conn().exec(
            "UPDATE benefit_roster SET objection = $3, objection_by = $4, resolution = NULL, resolved_by = NULL \
             WHERE run_id = $1 AND person_no = $2",
            &[Value::Int(run.id), person_no.into(), text.trim().into(), by.as_str().into()],
        )?;
        tx.audit(AuditNote {
            action: OBJECT,
            record: RUN,
            record_id: &run.id.to_string(),
            fields: &format!("person={person_no};region={region}"),
        })?;
        Ok(())
    })
}

/// Resolves a row's objection with a reason; `upheld` withdraws the row.
pub fn resolve(
    store: &Store,
    actor: &Actor,
    run: &RunInfo,
    person_no: &str,
    reason: &str,
    upheld: bool,
) -> Result<(), Error> {
    township_or_county(actor)?;
    if reason.trim().is_empty() {
        return Err(refuse(
            "处理异议须说明理由 / resolving an objection needs a reason",
        ));
    }
    store.write(actor, |tx| {
        let (region, _) = row_region(tx.conn(), run.id, person_no)?
            .filter(|(r, _)| RegionCode::parse(r).is_ok_and(|c| tx.actor().can_write(&c)))
            .ok_or_else(|| StoreError::NoPerson(person_no.to_string()))?;
        let by = tx.actor().username.clone();
        let n = tx.conn().exec(
            "UPDATE benefit_roster SET resolution = $3, resolved_by = $4, state = CASE WHEN $5 = 1 THEN 'withdrawn' ELSE state END \
             WHERE run_id = $1 AND person_no = $2 AND objection IS NOT NULL AND resolution IS NULL",
            &[
                Value::Int(run.id),
                person_no.into(),
                reason.trim().into(),
                by.as_str().into(),
                Value::Int(upheld.into()),
            ],
        )?;
        if n == 0 {
            return Err(refuse("没有待处理的异议 / no open objection"));
        }
        tx.audit(AuditNote {
            action: RESOLVE,
            record: RUN,
            record_id: &run.id.to_string(),
            fields: &format!("person={person_no};region={region};upheld={upheld}"),
        })?;
        Ok(())
    })
}

/// The roster rows of a run in `area` (as far as the actor reads), by 人员编号.
pub fn roster(
    store: &Store,
    actor: &Actor,
    run: &RunInfo,
    area: &RegionCode,
) -> Result<Vec<RosterRow>, Error> {
    if !actor.can_read(area) {
        return Err(Error::OutsideArea(area.to_string()));
    }
    let (lo, hi) = area_bounds(area);
    let rows = store.with(|c| {
        c.query(
            "SELECT o.person_no, p.name, o.region_code, o.state, o.notice_from, o.notice_days, \
             o.objection, o.objection_by, o.resolution, o.resolved_by \
             FROM benefit_roster o JOIN persons p ON p.person_no = o.person_no \
             WHERE o.run_id = $1 AND o.region_code >= $2 AND o.region_code < $3 ORDER BY o.person_no",
            &[Value::Int(run.id), lo, hi],
        )
    })?;
    rows.iter()
        .map(|r| {
            Ok(RosterRow {
                person_no: r[0].text().unwrap_or_default(),
                name: r[1].text().unwrap_or_default(),
                region_code: r[2].text().unwrap_or_default(),
                state: r[3]
                    .as_str()
                    .and_then(RosterState::parse)
                    .ok_or_else(|| StoreError::Corrupt("benefit_roster.state".into()))?,
                notice_from: r[4].date(),
                notice_days: r[5].int(),
                objection: r[6].text(),
                objection_by: r[7].text(),
                resolution: r[8].text(),
                resolved_by: r[9].text(),
            })
        })
        .collect()
}

/// The printable notice of the rows on notice in `area`: name, village, program.
pub fn notice(
    store: &Store,
    actor: &Actor,
    run: &RunInfo,
    area: &RegionCode,
) -> Result<Vec<NoticeLine>, Error> {
    let rows = roster(store, actor, run, area)?;
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| r.state == RosterState::Notice) {
        let village = RegionCode::parse(&r.region_code)
            .ok()
            .and_then(|c| store.region(&c).ok().flatten())
            .map(|g| g.name)
            .unwrap_or_else(|| r.region_code.clone());
        out.push(NoticeLine {
            name: r.name.clone(),
            village,
            program: run.program.name_zh(),
        });
    }
    Ok(out)
}
