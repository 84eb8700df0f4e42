//! `/v1/admin/meter`: how many articles readers without a subscription may open free.

use axum::extract::State;
use paywall_protocol::admin::MeterPolicy;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::admin::{Admin, Editor};
use crate::error::{AppError, AppResult};
use crate::http::extract::Json;
use crate::state::AppState;
use crate::store::audit::Entry;
use crate::store::meter::{self, MAX_PERIOD_DAYS};

/// The most free articles a policy may give in a period, and browsers per address.
const MAX_COUNT: u32 = 10_000;

/// The meter routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_policy, put_policy))
}

/// `GET /v1/admin/meter`: the policy (all zeros, a 30-day period, when never set: the meter is off).
#[utoipa::path(get, path = "/admin/meter", tag = "admin", security(("admin_key" = [])),
    responses((status = 200, description = "The meter's policy", body = MeterPolicy)))]
async fn get_policy(State(state): State<AppState>, _admin: Admin) -> AppResult<Json<MeterPolicy>> {
    Ok(Json(meter::policy(&state.db).await?.unwrap_or_else(crate::access::meter::off)))
}

/// `PUT /v1/admin/meter`: sets the policy; 0 turns the meter off for that kind of reader.
#[utoipa::path(put, path = "/admin/meter", tag = "admin", request_body = MeterPolicy,
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "The policy as stored", body = MeterPolicy),
        (status = 422, description = "A period outside 1 to 366 days, or a count over 10,000",
            body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn put_policy(
    State(state): State<AppState>,
    admin: Admin<Editor>,
    Json(policy): Json<MeterPolicy>,
) -> AppResult<Json<MeterPolicy>> {
    if policy.period_days == 0 || i64::from(policy.period_days) > MAX_PERIOD_DAYS {
        return Err(AppError::InvalidInput(format!("period_days must be from 1 to {MAX_PERIOD_DAYS}.")));
    }
    if [policy.anonymous, policy.registered, policy.per_address].iter().any(|count| *count > MAX_COUNT) {
        return Err(AppError::InvalidInput(format!(
            "anonymous, registered and per_address may be at most {MAX_COUNT}."
        )));
    }
    let audit = Entry {
        actor: &admin.actor,
        action: "meter.update",
        target: "meter".to_owned(),
        detail: format!(
            "{} anonymous, {} registered per {} days; {} browsers per address",
            policy.anonymous, policy.registered, policy.period_days, policy.per_address
        ),
    };
    meter::set_policy(&state.db, &policy, &audit).await?;
    state.meter.forget_policy();
    Ok(Json(policy))
}
