//! The work plans' JSON API: plans of an area, a plan with its tasks and notes,
//! adding plans, tasks and progress notes, the activities of an area and logging
//! one. Scope as in the pages (a task's owner sees its plan).

use super::{PlanOf, TaskOf};
use crate::api::{ApiError, ApiJson, ApiQuery};
use crate::error::WebError;
use crate::extract::ApiUser;
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Json;
use renkou_domain::{Date, RegionCode};
use renkou_plans::tables::{Activity, Note, Plan, PlanTables, Task};
use renkou_plans::{activities, plans};

pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/plans", Access::Api, &[], get(list)),
        Route::post("/api/v1/plans", Access::Api, &[], post(create)),
        Route::get("/api/v1/plans/{id}", Access::Api, &[Param::Plan], get(one)),
        Route::post(
            "/api/v1/plans/{id}/tasks",
            Access::Api,
            &[Param::Plan],
            post(add_task),
        ),
        Route::post(
            "/api/v1/tasks/{id}/notes",
            Access::Api,
            &[Param::PlanTask],
            post(add_note),
        ),
        Route::get("/api/v1/activities", Access::Api, &[], get(list_activities)),
        Route::post("/api/v1/activities", Access::Api, &[], post(log_activity)),
    ]
}

fn bad(m: impl Into<String>) -> ApiError {
    ApiError(WebError::BadRequest(m.into()))
}

fn area_of(user: &ApiUser, region: Option<&str>) -> Result<RegionCode, ApiError> {
    // Absent: the caller's area; given, it must be a code (an empty one is a 400).
    let area = match region.map(str::trim) {
        None => user.scope.region.clone(),
        Some(r) => RegionCode::parse_prefix(r).map_err(|e| bad(e.to_string()))?,
    };
    if !user.scope.can_read(&area) {
        return Err(ApiError(WebError::NotFound));
    }
    Ok(area)
}

fn date(field: &str, s: &str) -> Result<Date, ApiError> {
    Date::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        bad(format!(
            "{field} 应为日期，如 2026-10-31 / {field}: a date such as 2026-10-31"
        ))
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AreaQuery {
    region: Option<String>,
}

#[derive(serde::Serialize)]
struct Plans {
    plans: Vec<Plan>,
}

async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<AreaQuery>,
) -> Result<Json<Plans>, ApiError> {
    let area = area_of(&user, q.region.as_deref())?;
    let plans = blocking(move || Ok(plans::list(&state.store, &user.actor(), &area)?)).await?;
    Ok(Json(Plans { plans }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanBody {
    region: String,
    name: String,
    kind: String,
    starts_on: String,
    ends_on: String,
    #[serde(default)]
    group_id: Option<i64>,
}

#[derive(serde::Serialize)]
struct OnePlan {
    plan: Plan,
}

async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<PlanBody>,
) -> Result<(StatusCode, Json<OnePlan>), ApiError> {
    let region = area_of(&user, Some(&b.region))?;
    let p = plans::NewPlan {
        name: b.name,
        kind: b.kind,
        starts_on: date("starts_on", &b.starts_on)?,
        ends_on: date("ends_on", &b.ends_on)?,
        group_id: b.group_id,
    };
    let plan = blocking(move || {
        let id = plans::create(&state.store, &user.actor(), &region, &p)?;
        plans::plan(&state.store, &user.actor(), id)?.ok_or(WebError::NotFound)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(OnePlan { plan })))
}

#[derive(serde::Serialize)]
struct TaskJson {
    #[serde(flatten)]
    task: Task,
    overdue: bool,
    notes: Vec<Note>,
}

#[derive(serde::Serialize)]
struct PlanJson {
    plan: Plan,
    tasks: Vec<TaskJson>,
}

async fn one(
    State(state): State<AppState>,
    PlanOf { plan, .. }: PlanOf<ApiUser>,
) -> Result<Json<PlanJson>, ApiError> {
    let today = chrono::Local::now().date_naive();
    let tasks = blocking(move || {
        let tasks = plans::tasks(&state.store, &plan)?
            .into_iter()
            .map(|(task, notes)| TaskJson {
                overdue: task.overdue(today),
                task,
                notes,
            })
            .collect();
        Ok(PlanJson { plan, tasks })
    })
    .await?;
    Ok(Json(tasks))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskBody {
    title: String,
    kind: String,
    owner: String,
    due_on: String,
}

#[derive(serde::Serialize)]
struct OneTask {
    task: Task,
}

async fn add_task(
    State(state): State<AppState>,
    PlanOf { user, plan }: PlanOf<ApiUser>,
    ApiJson(b): ApiJson<TaskBody>,
) -> Result<(StatusCode, Json<OneTask>), ApiError> {
    let t = plans::NewTask {
        title: b.title,
        kind: b.kind,
        owner: b.owner,
        due_on: date("due_on", &b.due_on)?,
    };
    let task = blocking(move || {
        let id = plans::add_task(&state.store, &user.actor(), plan.id, &t)?;
        state.store.task(id)?.ok_or(WebError::NotFound)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(OneTask { task })))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    note: String,
    #[serde(default)]
    done: bool,
}

async fn add_note(
    State(state): State<AppState>,
    TaskOf { user, task, .. }: TaskOf<ApiUser>,
    ApiJson(b): ApiJson<NoteBody>,
) -> Result<(StatusCode, Json<OneTask>), ApiError> {
    let task = blocking(move || {
        plans::note(&state.store, &user.actor(), task.id, &b.note, b.done)?;
        state.store.task(task.id)?.ok_or(WebError::NotFound)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(OneTask { task })))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ActivityQuery {
    region: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(serde::Serialize)]
struct Activities {
    activities: Vec<Activity>,
    totals: activities::Totals,
}

async fn list_activities(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(q): ApiQuery<ActivityQuery>,
) -> Result<Json<Activities>, ApiError> {
    let area = area_of(&user, q.region.as_deref())?;
    let from = match q.from.as_deref() {
        Some(s) => date("from", s)?,
        None => Date::from_ymd_opt(1900, 1, 1).unwrap_or_default(),
    };
    let to = match q.to.as_deref() {
        Some(s) => date("to", s)?,
        None => Date::from_ymd_opt(2999, 12, 31).unwrap_or_default(),
    };
    let list = blocking(move || {
        Ok(activities::list(
            &state.store,
            &user.actor(),
            &area,
            from,
            to,
        )?)
    })
    .await?;
    Ok(Json(Activities {
        totals: activities::totals(&list),
        activities: list,
    }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityBody {
    region: String,
    kind: String,
    held_on: String,
    title: String,
    #[serde(default)]
    attendance: i64,
    #[serde(default)]
    materials: i64,
    #[serde(default)]
    plan_id: Option<i64>,
}

#[derive(serde::Serialize)]
struct Logged {
    id: i64,
}

async fn log_activity(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(b): ApiJson<ActivityBody>,
) -> Result<(StatusCode, Json<Logged>), ApiError> {
    let region = area_of(&user, Some(&b.region))?;
    let a = activities::NewActivity {
        kind: b.kind,
        held_on: date("held_on", &b.held_on)?,
        title: b.title,
        attendance: b.attendance,
        materials: b.materials,
        plan_id: b.plan_id,
    };
    let id = blocking(move || {
        activities::log(&state.store, &user.actor(), &region, &a).map_err(WebError::from)
    })
    .await
    .map_err(ApiError)?;
    Ok((StatusCode::CREATED, Json(Logged { id })))
}
