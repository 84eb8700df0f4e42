//! `/v1/admin/stats`: the numbers.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Admin;
use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_stats)).routes(routes!(get_funnel))
}

/// The period of `GET /v1/admin/stats`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StatsQuery {
    /// Days of starts and ends, up to today (1 to 366; default 30).
    days: Option<u32>,
}

/// `GET /v1/admin/stats`: subscriptions by tier and state, monthly recurring revenue, starts
/// and ends per day, and the articles whose prompts sold subscriptions.
#[utoipa::path(get, path = "/admin/stats", tag = "admin", params(StatsQuery), security(("admin_key" = [])),
    responses((status = 200, description = "The numbers", body = paywall_protocol::admin::Stats)))]
async fn get_stats(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<StatsQuery>,
) -> AppResult<Json<paywall_protocol::admin::Stats>> {
    let days = query.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(AppError::InvalidInput("days must be from 1 to 366.".to_owned()));
    }
    Ok(Json(crate::store::stats::stats(&state.db, days).await?))
}

/// `GET /v1/admin/funnel`: each article's prompts, sign-ins, checkouts and subscriptions over
/// the last `days` days (today included): counts, never people.
#[utoipa::path(get, path = "/admin/funnel", tag = "admin", params(StatsQuery), security(("admin_key" = [])),
    responses((status = 200, description = "The funnel per article", body = paywall_protocol::admin::Funnel)))]
async fn get_funnel(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<StatsQuery>,
) -> AppResult<Json<paywall_protocol::admin::Funnel>> {
    let days = query.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(AppError::InvalidInput("days must be from 1 to 366.".to_owned()));
    }
    let since = crate::time::day_of(crate::time::now()) - i64::from(days) + 1;
    let articles = crate::store::events::funnel(&state.db, since).await?;
    Ok(Json(paywall_protocol::admin::Funnel { since: crate::time::date_of_day(since), articles }))
}
