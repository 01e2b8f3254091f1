//! The work plans' pages and forms: they parse, call `renkou_plans`, render.

use super::{GroupOf, PlanOf, TaskOf};
use crate::error::WebError;
use crate::extract::{Area, CsrfForm, Current};
use crate::i18n::L;
use crate::{blocking, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use renkou_domain::{Date, RegionCode};
use renkou_plans::rules::{ActivityKind, Duty, PlanKind, TaskKind};
use renkou_plans::tables::{Activity, Group, Note, Plan, PlanTables, Task};
use renkou_plans::{activities, groups, plans};

fn today() -> Date {
    chrono::Local::now().date_naive()
}

fn zh_of<K: Copy>(
    all: &[K],
    code: &str,
    c: fn(K) -> &'static str,
    n: fn(K) -> &'static str,
) -> &'static str {
    all.iter()
        .find(|k| c(**k) == code)
        .map(|k| n(*k))
        .unwrap_or("")
}

fn kinds<K: Copy>(
    all: &[K],
    c: fn(K) -> &'static str,
    zh: fn(K) -> &'static str,
    en: fn(K) -> &'static str,
    l: L,
) -> Vec<(&'static str, &'static str)> {
    all.iter()
        .map(|k| (c(*k), if l.en { en(*k) } else { zh(*k) }))
        .collect()
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn back(to: &str, notice: &str) -> Response {
    Redirect::to(&format!("{to}?notice={}", url_encode(notice))).into_response()
}

fn parse_date(field: &str, s: &str) -> Result<Date, renkou_plans::Error> {
    Date::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        renkou_plans::Error::Invalid(format!(
            "{field}应为日期，如 2026-10-31 / {field}: a date such as 2026-10-31"
        ))
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PageQuery {
    notice: Option<String>,
}

// --- an area's plans ------------------------------------------------------------

pub struct GroupLine {
    pub g: Group,
    pub members: Vec<(String, &'static str, String, String)>,
}

pub struct PlanLine {
    pub p: Plan,
    pub kind: &'static str,
    pub tasks: usize,
    pub open: usize,
    pub overdue: usize,
}

pub struct ActivityLine {
    pub a: Activity,
    pub kind: &'static str,
}

#[derive(Template)]
#[template(path = "plans/area.html")]
struct AreaPage {
    l: L,
    me: Current,
    code: String,
    name: String,
    may_write: bool,
    groups: Vec<GroupLine>,
    plans: Vec<PlanLine>,
    activities: Vec<ActivityLine>,
    totals: activities::Totals,
    year: i32,
    today: String,
    plan_kinds: Vec<(&'static str, &'static str)>,
    duties: Vec<(&'static str, &'static str)>,
    activity_kinds: Vec<(&'static str, &'static str)>,
    error: String,
    notice: String,
}

fn render_area(
    state: &AppState,
    me: Current,
    code: &RegionCode,
    error: String,
    notice: String,
) -> Result<String, WebError> {
    let actor = me.actor();
    let store = &state.store;
    let name = store.region(code)?.map(|r| r.name).unwrap_or_default();
    let l = me.l;
    let t = today();
    let groups = groups::list(store, &actor, code)?
        .into_iter()
        .map(|g| GroupLine {
            members: g
                .members
                .iter()
                .map(|m| {
                    (
                        m.name.clone(),
                        if l.en {
                            zh_of(Duty::ALL, &m.duty, Duty::code, Duty::name_en)
                        } else {
                            zh_of(Duty::ALL, &m.duty, Duty::code, Duty::name_zh)
                        },
                        m.position.clone(),
                        m.username.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            g,
        })
        .collect();
    let mut lines = Vec::new();
    for p in plans::list(store, &actor, code)? {
        let tasks = store.tasks_of(p.id)?;
        lines.push(PlanLine {
            kind: if l.en {
                zh_of(PlanKind::ALL, &p.kind, PlanKind::code, PlanKind::name_en)
            } else {
                zh_of(PlanKind::ALL, &p.kind, PlanKind::code, PlanKind::name_zh)
            },
            tasks: tasks.len(),
            open: tasks.iter().filter(|x| x.status == "open").count(),
            overdue: tasks.iter().filter(|x| x.overdue(t)).count(),
            p,
        });
    }
    let year = t.year();
    let acts = activities::list(
        store,
        &actor,
        code,
        Date::from_ymd_opt(year, 1, 1).unwrap_or(t),
        Date::from_ymd_opt(year, 12, 31).unwrap_or(t),
    )?;
    let totals = activities::totals(&acts);
    let page = AreaPage {
        code: code.to_string(),
        name,
        may_write: actor.can_write(code),
        groups,
        plans: lines,
        activities: acts
            .into_iter()
            .rev()
            .map(|a| ActivityLine {
                kind: if l.en {
                    zh_of(
                        ActivityKind::ALL,
                        &a.kind,
                        ActivityKind::code,
                        ActivityKind::name_en,
                    )
                } else {
                    zh_of(
                        ActivityKind::ALL,
                        &a.kind,
                        ActivityKind::code,
                        ActivityKind::name_zh,
                    )
                },
                a,
            })
            .collect(),
        totals,
        year,
        today: t.to_string(),
        plan_kinds: kinds(
            PlanKind::ALL,
            PlanKind::code,
            PlanKind::name_zh,
            PlanKind::name_en,
            l,
        ),
        duties: kinds(Duty::ALL, Duty::code, Duty::name_zh, Duty::name_en, l),
        activity_kinds: kinds(
            ActivityKind::ALL,
            ActivityKind::code,
            ActivityKind::name_zh,
            ActivityKind::name_en,
            l,
        ),
        error: l.half(&error),
        notice,
        l,
        me,
    };
    Ok(page.render()?)
}

pub async fn area(
    State(state): State<AppState>,
    Area { user, code }: Area<Current>,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, WebError> {
    let notice = q.notice.unwrap_or_default();
    Ok(Html(
        blocking(move || render_area(&state, user, &code, String::new(), notice)).await?,
    ))
}

/// Runs a write of the area page: back to the page with a notice, or the page
/// again with the error (Chinese or English as the page).
fn area_write(
    state: &AppState,
    me: Current,
    code: &RegionCode,
    outcome: Result<String, renkou_plans::Error>,
) -> Result<Response, WebError> {
    match outcome {
        Ok(notice) => Ok(back(&format!("/plans/{code}"), &notice)),
        Err(renkou_plans::Error::NotFound) => Err(WebError::NotFound),
        Err(renkou_plans::Error::Store(e)) => Err(e.into()),
        Err(e) => {
            Ok(Html(render_area(state, me, code, e.to_string(), String::new())?).into_response())
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct GroupForm {
    name: String,
}

pub async fn add_group(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    CsrfForm { me, form }: CsrfForm<GroupForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome = groups::create(&state.store, &me.actor(), &code, &form.name)
            .map(|id| format!("已建立领导小组 #{id}"));
        area_write(&state, me, &code, outcome)
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PlanForm {
    name: String,
    kind: String,
    starts_on: String,
    ends_on: String,
    group_id: String,
}

pub async fn add_plan(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    CsrfForm { me, form }: CsrfForm<PlanForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome = (|| {
            let p = plans::NewPlan {
                name: form.name.clone(),
                kind: form.kind.clone(),
                starts_on: parse_date("开始日期", &form.starts_on)?,
                ends_on: parse_date("结束日期", &form.ends_on)?,
                group_id: form.group_id.trim().parse().ok(),
            };
            plans::create(&state.store, &me.actor(), &code, &p)
        })();
        match outcome {
            Ok(id) => Ok(back(&format!("/plans/plan/{id}"), "已建立计划")),
            Err(e) => area_write(&state, me, &code, Err(e)),
        }
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ActivityForm {
    kind: String,
    held_on: String,
    title: String,
    attendance: String,
    materials: String,
    plan_id: String,
}

fn count(field: &str, s: &str) -> Result<i64, renkou_plans::Error> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(0);
    }
    t.parse().map_err(|_| {
        renkou_plans::Error::Invalid(format!("{field}应为整数 / {field}: a whole number"))
    })
}

pub async fn add_activity(
    State(state): State<AppState>,
    Area { code, .. }: Area<Current>,
    CsrfForm { me, form }: CsrfForm<ActivityForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome = (|| {
            let a = activities::NewActivity {
                kind: form.kind.clone(),
                held_on: parse_date("日期", &form.held_on)?,
                title: form.title.clone(),
                attendance: count("参加人数", &form.attendance)?,
                materials: count("发放份数", &form.materials)?,
                plan_id: form.plan_id.trim().parse().ok(),
            };
            activities::log(&state.store, &me.actor(), &code, &a)
        })()
        .map(|id| format!("已登记活动 #{id}"));
        area_write(&state, me, &code, outcome)
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MemberForm {
    name: String,
    duty: String,
    position: String,
    username: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    GroupOf { group, .. }: GroupOf<Current>,
    CsrfForm { me, form }: CsrfForm<MemberForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let code = RegionCode::parse(&group.region_code).map_err(|_| WebError::NotFound)?;
        let m = groups::NewMember {
            name: form.name,
            duty: form.duty,
            position: form.position,
            username: Some(form.username),
        };
        let outcome = groups::add_member(&state.store, &me.actor(), group.id, &m)
            .map(|_| "已添加小组成员".to_string());
        area_write(&state, me, &code, outcome)
    })
    .await
}

// --- one plan -------------------------------------------------------------------

pub struct TaskLine {
    pub t: Task,
    pub kind: &'static str,
    pub notes: Vec<Note>,
    pub overdue: bool,
    pub may_update: bool,
}

#[derive(Template)]
#[template(path = "plans/plan.html")]
struct PlanPage {
    l: L,
    me: Current,
    p: Plan,
    kind: &'static str,
    region_name: String,
    group: Option<GroupLine>,
    tasks: Vec<TaskLine>,
    activities: Vec<ActivityLine>,
    may_write: bool,
    task_kinds: Vec<(&'static str, &'static str)>,
    error: String,
    notice: String,
}

fn render_plan(
    state: &AppState,
    me: Current,
    p: Plan,
    error: String,
    notice: String,
) -> Result<String, WebError> {
    let actor = me.actor();
    let store = &state.store;
    let l = me.l;
    let t = today();
    let code = RegionCode::parse(&p.region_code).map_err(|_| WebError::NotFound)?;
    let may_write = actor.can_write(&code);
    let group = match p.group_id {
        Some(g) => groups::group(store, &actor, g)?.map(|g| GroupLine {
            members: g
                .members
                .iter()
                .map(|m| {
                    (
                        m.name.clone(),
                        if l.en {
                            zh_of(Duty::ALL, &m.duty, Duty::code, Duty::name_en)
                        } else {
                            zh_of(Duty::ALL, &m.duty, Duty::code, Duty::name_zh)
                        },
                        m.position.clone(),
                        m.username.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            g,
        }),
        None => None,
    };
    let tasks = plans::tasks(store, &p)?
        .into_iter()
        .map(|(task, notes)| TaskLine {
            kind: if l.en {
                zh_of(TaskKind::ALL, &task.kind, TaskKind::code, TaskKind::name_en)
            } else {
                zh_of(TaskKind::ALL, &task.kind, TaskKind::code, TaskKind::name_zh)
            },
            overdue: task.overdue(t),
            may_update: may_write || task.owner == me.account.username,
            notes,
            t: task,
        })
        .collect();
    let activities = if actor.can_read(&code) {
        store
            .activities_in(&code, p.starts_on, p.ends_on)?
            .into_iter()
            .filter(|a| a.plan_id == Some(p.id))
            .map(|a| ActivityLine {
                kind: if l.en {
                    zh_of(
                        ActivityKind::ALL,
                        &a.kind,
                        ActivityKind::code,
                        ActivityKind::name_en,
                    )
                } else {
                    zh_of(
                        ActivityKind::ALL,
                        &a.kind,
                        ActivityKind::code,
                        ActivityKind::name_zh,
                    )
                },
                a,
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = PlanPage {
        kind: if l.en {
            zh_of(PlanKind::ALL, &p.kind, PlanKind::code, PlanKind::name_en)
        } else {
            zh_of(PlanKind::ALL, &p.kind, PlanKind::code, PlanKind::name_zh)
        },
        region_name: store.region(&code)?.map(|r| r.name).unwrap_or_default(),
        group,
        tasks,
        activities,
        may_write,
        task_kinds: kinds(
            TaskKind::ALL,
            TaskKind::code,
            TaskKind::name_zh,
            TaskKind::name_en,
            l,
        ),
        error: l.half(&error),
        notice,
        p,
        l,
        me,
    };
    Ok(page.render()?)
}

pub async fn plan(
    State(state): State<AppState>,
    PlanOf { user, plan }: PlanOf<Current>,
    Query(q): Query<PageQuery>,
) -> Result<Html<String>, WebError> {
    let notice = q.notice.unwrap_or_default();
    Ok(Html(
        blocking(move || render_plan(&state, user, plan, String::new(), notice)).await?,
    ))
}

fn plan_write(
    state: &AppState,
    me: Current,
    p: Plan,
    outcome: Result<String, renkou_plans::Error>,
) -> Result<Response, WebError> {
    match outcome {
        Ok(notice) => Ok(back(&format!("/plans/plan/{}", p.id), &notice)),
        Err(renkou_plans::Error::NotFound) => Err(WebError::NotFound),
        Err(renkou_plans::Error::Store(e)) => Err(e.into()),
        Err(e) => {
            Ok(Html(render_plan(state, me, p, e.to_string(), String::new())?).into_response())
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TaskForm {
    title: String,
    kind: String,
    owner: String,
    due_on: String,
}

pub async fn add_task(
    State(state): State<AppState>,
    PlanOf { plan, .. }: PlanOf<Current>,
    CsrfForm { me, form }: CsrfForm<TaskForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome = (|| {
            let t = plans::NewTask {
                title: form.title.clone(),
                kind: form.kind.clone(),
                owner: form.owner.clone(),
                due_on: parse_date("截止日期", &form.due_on)?,
            };
            plans::add_task(&state.store, &me.actor(), plan.id, &t)
        })()
        .map(|id| format!("已添加任务 #{id}"));
        plan_write(&state, me, plan, outcome)
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NoteForm {
    note: String,
    done: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    TaskOf { plan, task, .. }: TaskOf<Current>,
    CsrfForm { me, form }: CsrfForm<NoteForm>,
) -> Result<Response, WebError> {
    blocking(move || {
        let outcome = plans::note(
            &state.store,
            &me.actor(),
            task.id,
            &form.note,
            !form.done.is_empty(),
        )
        .map(|_| "已记录进展".to_string());
        plan_write(&state, me, plan, outcome)
    })
    .await
}
