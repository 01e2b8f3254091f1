//! This domain's SQL: reads through the store's `Conn`, writes on the kernel's
//! `Tx` (the use cases add the audit entries in the same transaction).

use chrono::{DateTime, Utc};
use renkou_domain::{Date, RegionCode};
use renkou_store::{AuditAction, RecordKind, Result, Store, StoreError, Tx, Value};
use serde::Serialize;

/// The audit log's names for this domain's records.
pub const PLAN_GROUP: RecordKind = RecordKind::new("plan_group", "领导小组", "leading group");
pub const PLAN: RecordKind = RecordKind::new("plan", "工作计划", "work plan");
pub const PLAN_TASK: RecordKind = RecordKind::new("plan_task", "计划任务", "plan task");
pub const PLAN_ACTIVITY: RecordKind = RecordKind::new("plan_activity", "工作活动", "work activity");
pub const RECORD_KINDS: &[RecordKind] = &[PLAN_GROUP, PLAN, PLAN_TASK, PLAN_ACTIVITY];

/// A progress note on a task.
pub const NOTE: AuditAction = AuditAction::new("note", "进展记录", "progress note");
pub const ACTIONS: &[AuditAction] = &[NOTE];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub id: i64,
    pub group_id: i64,
    pub name: String,
    pub duty: String,
    pub position: String,
    pub username: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub id: i64,
    pub region_code: String,
    pub group_id: Option<i64>,
    pub name: String,
    pub kind: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: i64,
    pub task_id: i64,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    pub id: i64,
    pub plan_id: i64,
    pub title: String,
    pub kind: String,
    pub owner: String,
    pub due_on: Date,
    /// open | done
    pub status: String,
    pub done_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl Task {
    /// Open after its deadline.
    pub fn overdue(&self, today: Date) -> bool {
        self.status == "open" && self.due_on < today
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub id: i64,
    pub region_code: String,
    pub plan_id: Option<i64>,
    pub kind: String,
    pub held_on: Date,
    pub title: String,
    pub attendance: i64,
    pub materials: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn bad(t: &str) -> StoreError {
    StoreError::Corrupt(format!("{t} row"))
}

fn new_id(tx: &mut Tx<'_>, sql: &str, params: &[Value]) -> Result<i64> {
    tx.conn()
        .query_one(sql, params)?
        .and_then(|r| r[0].int())
        .ok_or_else(|| bad("id"))
}

pub(crate) fn insert_group(tx: &mut Tx<'_>, region: &RegionCode, name: &str) -> Result<i64> {
    let by = tx.actor().username.clone();
    new_id(
        tx,
        "INSERT INTO plan_groups (region_code, name, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        &[region.as_str().into(), name.into(), by.as_str().into(), renkou_store::now().into()],
    )
}

pub(crate) fn insert_member(
    tx: &mut Tx<'_>,
    group: i64,
    name: &str,
    duty: &str,
    position: &str,
    username: Option<&str>,
) -> Result<i64> {
    new_id(
        tx,
        "INSERT INTO plan_group_members (group_id, name, duty, position, username, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        &[
            group.into(),
            name.into(),
            duty.into(),
            position.into(),
            username.into(),
            renkou_store::now().into(),
        ],
    )
}

pub(crate) struct NewPlanRow<'a> {
    pub region: &'a RegionCode,
    pub group_id: Option<i64>,
    pub name: &'a str,
    pub kind: &'a str,
    pub starts_on: Date,
    pub ends_on: Date,
}

pub(crate) fn insert_plan(tx: &mut Tx<'_>, p: &NewPlanRow<'_>) -> Result<i64> {
    let by = tx.actor().username.clone();
    new_id(
        tx,
        "INSERT INTO plans (region_code, group_id, name, kind, starts_on, ends_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        &[
            p.region.as_str().into(),
            p.group_id.into(),
            p.name.into(),
            p.kind.into(),
            p.starts_on.into(),
            p.ends_on.into(),
            by.as_str().into(),
            renkou_store::now().into(),
        ],
    )
}

pub(crate) fn insert_task(
    tx: &mut Tx<'_>,
    plan: i64,
    title: &str,
    kind: &str,
    owner: &str,
    due_on: Date,
) -> Result<i64> {
    let by = tx.actor().username.clone();
    new_id(
        tx,
        "INSERT INTO plan_tasks (plan_id, title, kind, owner, due_on, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        &[
            plan.into(),
            title.into(),
            kind.into(),
            owner.into(),
            due_on.into(),
            by.as_str().into(),
            renkou_store::now().into(),
        ],
    )
}

pub(crate) fn insert_note(tx: &mut Tx<'_>, task: i64, note: &str) -> Result<i64> {
    let by = tx.actor().username.clone();
    new_id(
        tx,
        "INSERT INTO plan_task_notes (task_id, note, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        &[task.into(), note.into(), by.as_str().into(), renkou_store::now().into()],
    )
}

/// Marks a task done (or open again); whether it changed.
pub(crate) fn set_task_status(tx: &mut Tx<'_>, task: i64, done: bool) -> Result<bool> {
    let (status, at): (&str, Value) = if done {
        ("done", renkou_store::now().into())
    } else {
        ("open", Value::Null)
    };
    Ok(tx.conn().exec(
        "UPDATE plan_tasks SET status = $1, done_at = $2 WHERE id = $3 AND status <> $1",
        &[status.into(), at, task.into()],
    )? > 0)
}

pub(crate) struct NewActivityRow<'a> {
    pub region: &'a RegionCode,
    pub plan_id: Option<i64>,
    pub kind: &'a str,
    pub held_on: Date,
    pub title: &'a str,
    pub attendance: i64,
    pub materials: i64,
}

pub(crate) fn insert_activity(tx: &mut Tx<'_>, a: &NewActivityRow<'_>) -> Result<i64> {
    let by = tx.actor().username.clone();
    new_id(
        tx,
        "INSERT INTO plan_activities (region_code, plan_id, kind, held_on, title, attendance, materials, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        &[
            a.region.as_str().into(),
            a.plan_id.into(),
            a.kind.into(),
            a.held_on.into(),
            a.title.into(),
            a.attendance.into(),
            a.materials.into(),
            by.as_str().into(),
            renkou_store::now().into(),
        ],
    )
}

const PLAN_COLS: &str =
    "id, region_code, group_id, name, kind, starts_on, ends_on, created_by, created_at";
const TASK_COLS: &str =
    "id, plan_id, title, kind, owner, due_on, status, done_at, created_by, created_at";
const ACTIVITY_COLS: &str =
    "id, region_code, plan_id, kind, held_on, title, attendance, materials, created_by, created_at";

fn to_plan(r: &[Value]) -> Result<Plan> {
    let b = || bad("plans");
    Ok(Plan {
        id: r[0].int().ok_or_else(b)?,
        region_code: r[1].text().ok_or_else(b)?,
        group_id: r[2].int(),
        name: r[3].text().ok_or_else(b)?,
        kind: r[4].text().ok_or_else(b)?,
        starts_on: r[5].date().ok_or_else(b)?,
        ends_on: r[6].date().ok_or_else(b)?,
        created_by: r[7].text().ok_or_else(b)?,
        created_at: r[8].time().ok_or_else(b)?,
    })
}

fn to_task(r: &[Value]) -> Result<Task> {
    let b = || bad("plan_tasks");
    Ok(Task {
        id: r[0].int().ok_or_else(b)?,
        plan_id: r[1].int().ok_or_else(b)?,
        title: r[2].text().ok_or_else(b)?,
        kind: r[3].text().ok_or_else(b)?,
        owner: r[4].text().ok_or_else(b)?,
        due_on: r[5].date().ok_or_else(b)?,
        status: r[6].text().ok_or_else(b)?,
        done_at: r[7].time(),
        created_by: r[8].text().ok_or_else(b)?,
        created_at: r[9].time().ok_or_else(b)?,
    })
}

fn to_activity(r: &[Value]) -> Result<Activity> {
    let b = || bad("plan_activities");
    Ok(Activity {
        id: r[0].int().ok_or_else(b)?,
        region_code: r[1].text().ok_or_else(b)?,
        plan_id: r[2].int(),
        kind: r[3].text().ok_or_else(b)?,
        held_on: r[4].date().ok_or_else(b)?,
        title: r[5].text().ok_or_else(b)?,
        attendance: r[6].int().unwrap_or(0),
        materials: r[7].int().unwrap_or(0),
        created_by: r[8].text().ok_or_else(b)?,
        created_at: r[9].time().ok_or_else(b)?,
    })
}

/// Reads of this domain's tables.
pub trait PlanTables {
    /// The groups of `area` and the regions inside it, with their members.
    fn groups_in(&self, area: &RegionCode) -> Result<Vec<Group>>;
    fn group(&self, id: i64) -> Result<Option<Group>>;
    /// The plans of `area` and the regions inside it, newest first.
    fn plans_in(&self, area: &RegionCode) -> Result<Vec<Plan>>;
    fn plan(&self, id: i64) -> Result<Option<Plan>>;
    fn tasks_of(&self, plan: i64) -> Result<Vec<Task>>;
    fn task(&self, id: i64) -> Result<Option<Task>>;
    fn notes_of(&self, task: i64) -> Result<Vec<Note>>;
    /// An account's open tasks due before `today`, oldest deadline first.
    fn overdue_tasks(&self, owner: &str, today: Date) -> Result<Vec<Task>>;
    /// The plans in which `owner` has a task.
    fn plans_with_tasks_of(&self, owner: &str) -> Result<Vec<i64>>;
    /// The activities held in `area` (and inside it) from `from` to `to`, by date.
    fn activities_in(&self, area: &RegionCode, from: Date, to: Date) -> Result<Vec<Activity>>;
}

fn groups_where(store: &Store, sql_where: &str, params: &[Value]) -> Result<Vec<Group>> {
    store.with(|c| {
        let rows = c.query(
            &format!("SELECT id, region_code, name, created_by, created_at FROM plan_groups WHERE {sql_where} ORDER BY id"),
            params,
        )?;
        let mut out = Vec::new();
        for r in rows {
            let b = || bad("plan_groups");
            let id = r[0].int().ok_or_else(b)?;
            let members = c
                .query(
                    "SELECT id, group_id, name, duty, position, username FROM plan_group_members WHERE group_id = $1 ORDER BY id",
                    &[id.into()],
                )?
                .iter()
                .map(|m| {
                    Ok(Member {
                        id: m[0].int().ok_or_else(|| bad("plan_group_members"))?,
                        group_id: id,
                        name: m[2].text().unwrap_or_default(),
                        duty: m[3].text().unwrap_or_default(),
                        position: m[4].text().unwrap_or_default(),
                        username: m[5].text(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            out.push(Group {
                id,
                region_code: r[1].text().ok_or_else(b)?,
                name: r[2].text().ok_or_else(b)?,
                created_by: r[3].text().ok_or_else(b)?,
                created_at: r[4].time().ok_or_else(b)?,
                members,
            });
        }
        Ok(out)
    })
}

impl PlanTables for Store {
    fn groups_in(&self, area: &RegionCode) -> Result<Vec<Group>> {
        let (lo, hi) = renkou_store::prefix_range(area.prefix());
        groups_where(
            self,
            "region_code >= $1 AND region_code < $2",
            &[lo.into(), hi.into()],
        )
    }

    fn group(&self, id: i64) -> Result<Option<Group>> {
        Ok(groups_where(self, "id = $1", &[id.into()])?.pop())
    }

    fn plans_in(&self, area: &RegionCode) -> Result<Vec<Plan>> {
        let (lo, hi) = renkou_store::prefix_range(area.prefix());
        self.with(|c| {
            c.query(
                &format!("SELECT {PLAN_COLS} FROM plans WHERE region_code >= $1 AND region_code < $2 ORDER BY id DESC"),
                &[lo.into(), hi.into()],
            )?
            .iter()
            .map(|r| to_plan(r))
            .collect()
        })
    }

    fn plan(&self, id: i64) -> Result<Option<Plan>> {
        self.with(|c| {
            c.query_one(
                &format!("SELECT {PLAN_COLS} FROM plans WHERE id = $1"),
                &[id.into()],
            )?
            .map(|r| to_plan(&r))
            .transpose()
        })
    }

    fn tasks_of(&self, plan: i64) -> Result<Vec<Task>> {
        self.with(|c| {
            c.query(
                &format!(
                    "SELECT {TASK_COLS} FROM plan_tasks WHERE plan_id = $1 ORDER BY due_on, id"
                ),
                &[plan.into()],
            )?
            .iter()
            .map(|r| to_task(r))
            .collect()
        })
    }

    fn task(&self, id: i64) -> Result<Option<Task>> {
        self.with(|c| {
            c.query_one(
                &format!("SELECT {TASK_COLS} FROM plan_tasks WHERE id = $1"),
                &[id.into()],
            )?
            .map(|r| to_task(&r))
            .transpose()
        })
    }

    fn notes_of(&self, task: i64) -> Result<Vec<Note>> {
        self.with(|c| {
            c.query(
                "SELECT id, task_id, note, created_by, created_at FROM plan_task_notes WHERE task_id = $1 ORDER BY id",
                &[task.into()],
            )?
            .iter()
            .map(|r| {
                let b = || bad("plan_task_notes");
                Ok(Note {
                    id: r[0].int().ok_or_else(b)?,
                    task_id: task,
                    note: r[2].text().ok_or_else(b)?,
                    created_by: r[3].text().ok_or_else(b)?,
                    created_at: r[4].time().ok_or_else(b)?,
                })
            })
            .collect()
        })
    }

    fn overdue_tasks(&self, owner: &str, today: Date) -> Result<Vec<Task>> {
        self.with(|c| {
            c.query(
                &format!("SELECT {TASK_COLS} FROM plan_tasks WHERE owner = $1 AND status = 'open' AND due_on < $2 ORDER BY due_on, id"),
                &[owner.into(), today.into()],
            )?
            .iter()
            .map(|r| to_task(r))
            .collect()
        })
    }

    fn plans_with_tasks_of(&self, owner: &str) -> Result<Vec<i64>> {
        self.with(|c| {
            Ok(c.query(
                "SELECT DISTINCT plan_id FROM plan_tasks WHERE owner = $1",
                &[owner.into()],
            )?
            .iter()
            .filter_map(|r| r[0].int())
            .collect())
        })
    }

    fn activities_in(&self, area: &RegionCode, from: Date, to: Date) -> Result<Vec<Activity>> {
        let (lo, hi) = renkou_store::prefix_range(area.prefix());
        self.with(|c| {
            c.query(
                &format!("SELECT {ACTIVITY_COLS} FROM plan_activities WHERE region_code >= $1 AND region_code < $2 \
                          AND held_on >= $3 AND held_on <= $4 ORDER BY held_on, id"),
                &[lo.into(), hi.into(), from.into(), to.into()],
            )?
            .iter()
            .map(|r| to_activity(r))
            .collect()
        })
    }
}
