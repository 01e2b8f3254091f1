//! The indicators' JSON API: the rows of `renkou indicators` for a region, period
//! and level, from the same cache as the pages.

use super::pages::PeriodQuery;
use crate::api::{ApiError, ApiQuery};
use crate::extract::{ApiUser, Area};
use crate::routes::{Access, Param, Route};
use crate::{blocking, AppState};
use axum::extract::State;
use axum::routing::get;
use axum::Json;

pub fn routes() -> Vec<Route> {
    vec![Route::get(
        "/api/v1/regions/{code}/indicators",
        Access::Api,
        &[Param::Region],
        get(indicators),
    )]
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct IndicatorParams {
    period: Option<String>,
    level: Option<String>,
}

/// The catalogue and the user-defined indicators for a region and period.
async fn indicators(
    State(state): State<AppState>,
    Area { code, .. }: Area<ApiUser>,
    ApiQuery(q): ApiQuery<IndicatorParams>,
) -> Result<Json<Vec<renkou_stats::IndicatorRow>>, ApiError> {
    if q.level.as_deref().is_some_and(|l| l.trim().is_empty())
        || q.period.as_deref().is_some_and(|p| p.trim().is_empty())
    {
        return Err(ApiError(crate::error::WebError::BadRequest(
            "period 和 level 不能为空；不需要时请省略 / period and level may not be empty; leave them out instead".into(),
        )));
    }
    let period = PeriodQuery {
        period: q.period,
        level: q.level,
        ..Default::default()
    };
    let (p, level) = (period.period()?, period.level()?);
    Ok(Json(
        blocking(move || {
            Ok(renkou_indicators::figures::indicators(
                &state.store,
                &state.stats,
                &code,
                p,
                level,
            )?)
        })
        .await?,
    ))
}
