//! The work plans' web folder: an area's leading groups, plans and activities
//! (`/plans/{code}`), a plan with its tasks and their progress notes
//! (`/plans/plan/{id}`), the forms that write them, the overdue tasks on the
//! owner's home page, and the plans' JSON API (`api.rs`). Records named by the URL
//! come through the extractors here, which answer 404 outside the caller's area
//! (a task's owner sees its plan and the task, even in an area above theirs).

pub mod api;
pub mod pages;

use crate::error::WebError;
use crate::extract::{Caller, Current};
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::routing::{get, post};
use renkou_plans::tables::{Group, Plan, Task};

pub fn routes() -> Vec<Route> {
    use Param::*;
    let mut v = vec![
        Route::get(
            "/plans/{code}",
            Access::Session,
            &[Region],
            get(pages::area),
        ),
        Route::post(
            "/plans/{code}/groups",
            Access::Session,
            &[Region],
            post(pages::add_group),
        ),
        Route::post(
            "/plans/{code}/plans",
            Access::Session,
            &[Region],
            post(pages::add_plan),
        ),
        Route::post(
            "/plans/{code}/activities",
            Access::Session,
            &[Region],
            post(pages::add_activity),
        ),
        Route::post(
            "/plans/group/{id}/members",
            Access::Session,
            &[PlanGroup],
            post(pages::add_member),
        ),
        Route::get(
            "/plans/plan/{id}",
            Access::Session,
            &[Plan],
            get(pages::plan),
        ),
        Route::post(
            "/plans/plan/{id}/tasks",
            Access::Session,
            &[Plan],
            post(pages::add_task),
        ),
        Route::post(
            "/plans/task/{id}/notes",
            Access::Session,
            &[PlanTask],
            post(pages::add_note),
        ),
    ];
    v.extend(api::routes());
    v
}

async fn id_of(parts: &mut Parts, state: &AppState) -> Result<i64, WebError> {
    crate::extract::path_param(parts, state, "id")
        .await
        .and_then(|s| s.parse().ok())
        .ok_or(WebError::NotFound)
}

/// The URL's `{id}`: a leading group of the caller's area.
pub struct GroupOf<U: Caller> {
    /// The caller, checked like every extractor's (the member form reads its
    /// own from the CSRF-checked form).
    #[allow(dead_code)]
    pub user: U,
    pub group: Group,
}

impl<U: Caller> FromRequestParts<AppState> for GroupOf<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let id = id_of(parts, state).await?;
        let (store, actor) = (state.store.clone(), user.actor());
        let group = blocking(move || Ok(renkou_plans::groups::group(&store, &actor, id)?))
            .await?
            .ok_or(WebError::NotFound)?;
        Ok(GroupOf { user, group })
    }
}

/// The URL's `{id}`: a plan of the caller's area, or one they own a task in.
pub struct PlanOf<U: Caller> {
    pub user: U,
    pub plan: Plan,
}

impl<U: Caller> FromRequestParts<AppState> for PlanOf<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let id = id_of(parts, state).await?;
        let (store, actor) = (state.store.clone(), user.actor());
        let plan = blocking(move || Ok(renkou_plans::plans::plan(&store, &actor, id)?))
            .await?
            .ok_or(WebError::NotFound)?;
        Ok(PlanOf { user, plan })
    }
}

/// The URL's `{id}`: a task of a plan of the caller's area, or their own.
pub struct TaskOf<U: Caller> {
    pub user: U,
    pub plan: Plan,
    pub task: Task,
}

impl<U: Caller> FromRequestParts<AppState> for TaskOf<U> {
    type Rejection = U::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = U::from_parts(parts, state).await?;
        let id = id_of(parts, state).await?;
        let (store, actor) = (state.store.clone(), user.actor());
        let (plan, task) = blocking(move || Ok(renkou_plans::plans::task(&store, &actor, id)?))
            .await?
            .ok_or(WebError::NotFound)?;
        Ok(TaskOf { user, plan, task })
    }
}

/// A task past its deadline, for its owner's home page.
pub struct OverdueTask {
    pub plan_id: i64,
    pub plan_name: String,
    pub task_id: i64,
    pub title: String,
    pub due_on: String,
    pub days: i64,
}

/// The account's own open tasks whose deadline has passed.
pub(crate) fn overdue(
    state: &AppState,
    me: &Current,
    today: renkou_domain::Date,
) -> Result<Vec<OverdueTask>, WebError> {
    Ok(
        renkou_plans::plans::overdue(&state.store, &me.actor(), today)?
            .into_iter()
            .map(|(p, t)| OverdueTask {
                plan_id: p.id,
                plan_name: p.name,
                task_id: t.id,
                title: t.title,
                due_on: t.due_on.to_string(),
                days: (today - t.due_on).num_days(),
            })
            .collect(),
    )
}
