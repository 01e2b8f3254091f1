//! Activities held with their figures: trainings and how many attended,
//! publicity materials handed out, meetings. The work summary quotes them (the
//! layer above hands them to the reports domain as figures; [`totals`]).

use crate::error::Error;
use crate::rules::{self, ActivityKind};
use crate::tables::{self, Activity, PlanTables, PLAN_ACTIVITY};
use renkou_domain::{Date, RegionCode};
use renkou_store::{Actor, AuditAction, AuditNote, Store, StoreError};
use serde::Serialize;

/// An activity to log.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewActivity {
    /// training | publicity | meeting (or 培训, 宣传品发放, 会议)
    pub kind: String,
    pub held_on: Date,
    pub title: String,
    /// People who took part (trainings, meetings).
    #[serde(default)]
    pub attendance: i64,
    /// Pieces handed out (publicity).
    #[serde(default)]
    pub materials: i64,
    /// The plan it belongs to, if any.
    #[serde(default)]
    pub plan_id: Option<i64>,
}

/// Logs an activity held in `region` (in the actor's area), with its audit entry.
pub fn log(
    store: &Store,
    actor: &Actor,
    region: &RegionCode,
    a: &NewActivity,
) -> Result<i64, Error> {
    if !actor.can_write(region) {
        return Err(Error::NotFound);
    }
    let kind = ActivityKind::parse(&a.kind)?;
    let title = rules::text("活动名称", &a.title, 200)?;
    rules::check_words("活动名称", &title)?;
    let attendance = rules::count("参加人数", a.attendance)?;
    let materials = rules::count("发放份数", a.materials)?;
    if let Some(p) = a.plan_id {
        crate::plans::plan(store, actor, p)?.ok_or(Error::NotFound)?;
    }
    Ok(store.write(actor, |tx| {
        let id = tables::insert_activity(
            tx,
            &tables::NewActivityRow {
                region,
                plan_id: a.plan_id,
                kind: kind.code(),
                held_on: a.held_on,
                title: &title,
                attendance,
                materials,
            },
        )?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: PLAN_ACTIVITY,
            record_id: &id.to_string(),
            fields: &format!(
                "region={region} kind={} held_on={} attendance={attendance} materials={materials}",
                kind.code(),
                a.held_on
            ),
        })?;
        Ok::<_, StoreError>(id)
    })?)
}

/// The activities of `area` (in the actor's) from `from` to `to`.
pub fn list(
    store: &Store,
    actor: &Actor,
    area: &RegionCode,
    from: Date,
    to: Date,
) -> Result<Vec<Activity>, Error> {
    if !actor.can_read(area) {
        return Err(Error::NotFound);
    }
    Ok(store.activities_in(area, from, to)?)
}

/// The figures of a period's activities, as a summary quotes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub trainings: u64,
    pub training_attendance: u64,
    pub publicity: u64,
    pub materials: u64,
    pub meetings: u64,
    pub meeting_attendance: u64,
}

/// Adds up a list of activities.
pub fn totals(list: &[Activity]) -> Totals {
    let mut t = Totals::default();
    for a in list {
        match a.kind.as_str() {
            "training" => {
                t.trainings += 1;
                t.training_attendance += a.attendance.max(0) as u64;
            }
            "publicity" => {
                t.publicity += 1;
                t.materials += a.materials.max(0) as u64;
            }
            "meeting" => {
                t.meetings += 1;
                t.meeting_attendance += a.attendance.max(0) as u64;
            }
            _ => {}
        }
    }
    t
}
