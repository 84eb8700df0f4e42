//! `/v1/admin/gift-policy`: what gift links may do.

use axum::extract::State;
use paywall_protocol::admin::GiftPolicy;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::admin::{Admin, Editor};
use crate::error::{AppError, AppResult};
use crate::http::extract::Json;
use crate::state::AppState;
use crate::store::audit::Entry;
use crate::store::gifts;

/// The most links a month, days and browsers a policy may give.
const MAX_ALLOWANCE: u32 = 1_000;
const MAX_DAYS: u32 = 366;
const MAX_REACH: u32 = 10_000;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_policy, put_policy))
}

/// `GET /v1/admin/gift-policy`: what gift links may do (the defaults until set).
#[utoipa::path(get, path = "/admin/gift-policy", tag = "admin", security(("admin_key" = [])),
    responses((status = 200, description = "The gift links' policy", body = GiftPolicy)))]
async fn get_policy(State(state): State<AppState>, _admin: Admin) -> AppResult<Json<GiftPolicy>> {
    Ok(Json(gifts::policy(&state.db).await?))
}

/// `PUT /v1/admin/gift-policy`: sets it; a monthly allowance of 0 stops new links.
#[utoipa::path(put, path = "/admin/gift-policy", tag = "admin", request_body = GiftPolicy,
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "The policy as stored", body = GiftPolicy),
        (status = 422, description = "Days or reach of 0, or a value over its limit",
            body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn put_policy(
    State(state): State<AppState>,
    admin: Admin<Editor>,
    Json(policy): Json<GiftPolicy>,
) -> AppResult<Json<GiftPolicy>> {
    let in_range = policy.monthly_allowance <= MAX_ALLOWANCE
        && (1..=MAX_DAYS).contains(&policy.days)
        && (1..=MAX_REACH).contains(&policy.reach);
    if !in_range {
        return Err(AppError::InvalidInput(format!(
            "monthly_allowance may be at most {MAX_ALLOWANCE}, days from 1 to {MAX_DAYS}, reach from 1 to {MAX_REACH}."
        )));
    }
    let audit = Entry {
        actor: &admin.actor,
        action: "gifts.update",
        target: "gift-policy".to_owned(),
        detail: format!(
            "{} links a month, {} days, {} browsers each",
            policy.monthly_allowance, policy.days, policy.reach
        ),
    };
    gifts::set_policy(&state.db, &policy, &audit).await?;
    Ok(Json(policy))
}
