//! Plans and their tasks: a plan of an area (a 百日攻坚 campaign, a
//! self-inspection, routine work) with a leading group, a start and an end; its
//! tasks, each with an owner (an account), a deadline and progress notes; tasks
//! overdue on their owner's home page ([`overdue`]).
//!
//! Who may do what: a plan and its tasks are set up by anyone who may write the
//! plan's area; a task's owner is an account whose area overlaps the plan's (a
//! village worker owns a township plan's task for their village, a county
//! statistician one for the county); the owner, or anyone who may write the
//! plan's area, notes progress and marks the task done. The owner sees the plan
//! even when it belongs to an area above theirs.

use crate::error::Error;
use crate::rules::{self, PlanKind};
use crate::tables::{self, Note, Plan, PlanTables, Task, NOTE, PLAN, PLAN_TASK};
use renkou_domain::{Date, RegionCode};
use renkou_store::{Actor, AuditAction, AuditNote, Store, StoreError};

fn region_of(p: &Plan) -> Result<RegionCode, Error> {
    RegionCode::parse(&p.region_code).map_err(|_| Error::NotFound)
}

fn owns_task_in(store: &Store, actor: &Actor, plan: i64) -> Result<bool, Error> {
    Ok(store.plans_with_tasks_of(&actor.username)?.contains(&plan))
}

/// A plan the actor may see: of their area, or one in which they own a task
/// (`None` otherwise, as for an id nobody has).
pub fn plan(store: &Store, actor: &Actor, id: i64) -> Result<Option<Plan>, Error> {
    let Some(p) = store.plan(id)? else {
        return Ok(None);
    };
    if actor.can_read(&region_of(&p)?) || owns_task_in(store, actor, id)? {
        Ok(Some(p))
    } else {
        Ok(None)
    }
}

/// The plans of `area` (in the actor's), newest first.
pub fn list(store: &Store, actor: &Actor, area: &RegionCode) -> Result<Vec<Plan>, Error> {
    if !actor.can_read(area) {
        return Err(Error::NotFound);
    }
    Ok(store.plans_in(area)?)
}

/// A plan to set up.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewPlan {
    pub name: String,
    /// campaign | self_inspection | routine (or 专项行动, 自查, 日常工作)
    pub kind: String,
    pub starts_on: Date,
    pub ends_on: Date,
    #[serde(default)]
    pub group_id: Option<i64>,
}

/// Sets up a plan of `region`, with its audit entry.
pub fn create(
    store: &Store,
    actor: &Actor,
    region: &RegionCode,
    p: &NewPlan,
) -> Result<i64, Error> {
    if !actor.can_write(region) {
        return Err(Error::NotFound);
    }
    let name = rules::text("计划名称", &p.name, 100)?;
    rules::check_words("计划名称", &name)?;
    let kind = PlanKind::parse(&p.kind)?;
    if p.ends_on < p.starts_on {
        return Err(Error::Invalid(format!(
            "结束日期 {} 早于开始日期 {} / the plan ends ({}) before it starts ({})",
            p.ends_on, p.starts_on, p.ends_on, p.starts_on
        )));
    }
    if let Some(g) = p.group_id {
        crate::groups::group(store, actor, g)?.ok_or(Error::NotFound)?;
    }
    Ok(store.write(actor, |tx| {
        let id = tables::insert_plan(
            tx,
            &tables::NewPlanRow {
                region,
                group_id: p.group_id,
                name: &name,
                kind: kind.code(),
                starts_on: p.starts_on,
                ends_on: p.ends_on,
            },
        )?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: PLAN,
            record_id: &id.to_string(),
            fields: &format!(
                "region={region} kind={} from={} to={}",
                kind.code(),
                p.starts_on,
                p.ends_on
            ),
        })?;
        Ok::<_, StoreError>(id)
    })?)
}

/// A task to add. It has no number to reach, by design (see [`crate::rules`]).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewTask {
    pub title: String,
    /// data_check | training | publicity | service | meeting | report |
    /// inspection | other (or their Chinese names)
    pub kind: String,
    /// The owner's account name.
    pub owner: String,
    pub due_on: Date,
}

/// Adds a task to a plan the actor may write, with its audit entry.
pub fn add_task(store: &Store, actor: &Actor, plan_id: i64, t: &NewTask) -> Result<i64, Error> {
    let p = plan(store, actor, plan_id)?.ok_or(Error::NotFound)?;
    let region = region_of(&p)?;
    if !actor.can_write(&region) {
        return Err(Error::NotFound);
    }
    let title = rules::text("任务", &t.title, 200)?;
    rules::check_words("任务", &title)?;
    let kind = rules::task_kind(&t.kind)?;
    let owner = t.owner.trim();
    let account = store
        .account_by_name(owner)?
        .filter(|a| !a.disabled && (a.region.contains(&region) || region.contains(&a.region)))
        .ok_or_else(|| {
            Error::Invalid(format!(
                "负责人账号“{}”不存在或不在本计划的区划内 / owner \"{}\": no such account in the plan's area",
                rules::cut(owner),
                rules::cut(owner)
            ))
        })?;
    Ok(store.write(actor, |tx| {
        let id = tables::insert_task(
            tx,
            plan_id,
            &title,
            kind.code(),
            &account.username,
            t.due_on,
        )?;
        tx.audit(AuditNote {
            action: AuditAction::CREATE,
            record: PLAN_TASK,
            record_id: &id.to_string(),
            fields: &format!(
                "plan={plan_id} kind={} owner={} due={}",
                kind.code(),
                account.username,
                t.due_on
            ),
        })?;
        Ok::<_, StoreError>(id)
    })?)
}

/// A task the actor may see: its plan's area is theirs, or they own it.
pub fn task(store: &Store, actor: &Actor, id: i64) -> Result<Option<(Plan, Task)>, Error> {
    let Some(t) = store.task(id)? else {
        return Ok(None);
    };
    let Some(p) = store.plan(t.plan_id)? else {
        return Ok(None);
    };
    if t.owner == actor.username || actor.can_read(&region_of(&p)?) {
        Ok(Some((p, t)))
    } else {
        Ok(None)
    }
}

/// A plan's tasks with their notes.
pub fn tasks(store: &Store, plan: &Plan) -> Result<Vec<(Task, Vec<Note>)>, Error> {
    store
        .tasks_of(plan.id)?
        .into_iter()
        .map(|t| {
            let notes = store.notes_of(t.id)?;
            Ok((t, notes))
        })
        .collect()
}

fn may_update(actor: &Actor, plan: &Plan, task: &Task) -> Result<bool, Error> {
    Ok(task.owner == actor.username || actor.can_write(&region_of(plan)?))
}

/// Notes progress on a task (its owner, or anyone who may write the plan's
/// area), and marks it done when `done`; one transaction with its audit entry.
pub fn note(
    store: &Store,
    actor: &Actor,
    task_id: i64,
    text: &str,
    done: bool,
) -> Result<i64, Error> {
    let (p, t) = task(store, actor, task_id)?.ok_or(Error::NotFound)?;
    if !may_update(actor, &p, &t)? {
        return Err(Error::NotFound);
    }
    let text = rules::text("进展", text, 1000)?;
    rules::check_words("进展", &text)?;
    Ok(store.write(actor, |tx| {
        let id = tables::insert_note(tx, task_id, &text)?;
        let closed = done && tables::set_task_status(tx, task_id, true)?;
        tx.audit(AuditNote {
            action: NOTE,
            record: PLAN_TASK,
            record_id: &task_id.to_string(),
            fields: &format!("note={id}{}", if closed { " status=done" } else { "" }),
        })?;
        Ok::<_, StoreError>(id)
    })?)
}

/// Opens a done task again (or closes it without a note).
pub fn set_done(store: &Store, actor: &Actor, task_id: i64, done: bool) -> Result<bool, Error> {
    let (p, t) = task(store, actor, task_id)?.ok_or(Error::NotFound)?;
    if !may_update(actor, &p, &t)? {
        return Err(Error::NotFound);
    }
    Ok(store.write(actor, |tx| {
        let changed = tables::set_task_status(tx, task_id, done)?;
        if changed {
            tx.audit(AuditNote {
                action: AuditAction::UPDATE,
                record: PLAN_TASK,
                record_id: &task_id.to_string(),
                fields: if done { "status=done" } else { "status=open" },
            })?;
        }
        Ok::<_, StoreError>(changed)
    })?)
}

/// The actor's own open tasks whose deadline is before `today`, with their plans.
pub fn overdue(store: &Store, actor: &Actor, today: Date) -> Result<Vec<(Plan, Task)>, Error> {
    let mut out = Vec::new();
    for t in store.overdue_tasks(&actor.username, today)? {
        if let Some(p) = store.plan(t.plan_id)? {
            out.push((p, t));
        }
    }
    Ok(out)
}
