//! `/v1/gifts`: a subscriber's gift links, each opening one article to whoever they send it;
//! `/v1/admin/gift-policy`: how many, for how long, to how many browsers.

use axum::extract::State;
use axum::http::StatusCode;
use paywall_protocol::admin::GiftPolicy;
use paywall_protocol::{GiftLink, GiftRequest, Gifts, GrantReason, Reason};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Admin, SignedIn};
use crate::entitlement::{self, Decision};
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Path};
use crate::random::NewToken;
use crate::store::audit::Entry;
use crate::store::{articles, gifts};
use crate::time::now;

/// The most links a month, days and browsers a policy may give.
const MAX_ALLOWANCE: u32 = 1_000;
const MAX_DAYS: u32 = 366;
const MAX_REACH: u32 = 10_000;

/// The gift routes, the subscriber's and the admin's.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
        .routes(routes!(get_policy, put_policy))
}

/// `POST /v1/gifts`: makes a gift link for an article the signed-in reader's subscription
/// opens, if the month's allowance has room.
#[utoipa::path(post, path = "/gifts", tag = "gifts", request_body = GiftRequest,
    security(("reader_token" = [])),
    responses(
        (status = 201, description = "The link to send", body = GiftLink),
        (status = 401, description = "Not signed in", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The reader's subscription does not open the article", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A page off the publisher's sites", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`gift_allowance_spent`: the month's links are made", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    reader: SignedIn,
    Json(body): Json<GiftRequest>,
) -> AppResult<(StatusCode, Json<GiftLink>)> {
    let page = state.page_on_allowed_site(&body.page).map_err(|_| {
        AppError::InvalidInput("page must be a page of this site or a configured publisher site.".to_owned())
    })?;
    let tier = articles::tier(&state.db, &body.article_id)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no article with this id.".to_owned()))?;
    // Only a subscription gives: a free or registered article needs no gift, and a reader the
    // meter lets in has nothing to give.
    match entitlement::decide(&state.db, Some(reader.id), &tier).await? {
        Decision::Granted(GrantReason::Subscription) => {}
        Decision::Refused(Reason::HigherTierRequired) => return Err(AppError::HigherTierRequired { tier }),
        _ => return Err(AppError::NoSubscription { tier }),
    }
    let policy = gifts::policy(&state.db).await?;
    let token = NewToken::generate();
    let gift = gifts::create(&state.db, reader.id, &body.article_id, &token.hash, now(), &policy)
        .await?
        .ok_or(AppError::GiftRefused(Reason::GiftAllowanceSpent))?;
    let page = page.split('#').next().unwrap_or_default();
    let url = format!("{page}#paywall-gift={}", token.token);
    Ok((StatusCode::CREATED, Json(GiftLink { id: gift.id, url, expires_at: gift.expires_at })))
}

/// `GET /v1/gifts`: the signed-in reader's links of the last 90 days, and how many more the
/// month allows.
#[utoipa::path(get, path = "/gifts", tag = "gifts", security(("reader_token" = [])),
    responses(
        (status = 200, description = "The reader's gift links", body = Gifts),
        (status = 401, description = "Not signed in", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn list(State(state): State<AppState>, reader: SignedIn) -> AppResult<Json<Gifts>> {
    let now = now();
    let policy = gifts::policy(&state.db).await?;
    let made = gifts::made_this_month(&state.db, reader.id, now).await?;
    Ok(Json(Gifts {
        gifts: gifts::of_reader(&state.db, reader.id, now).await?,
        left_this_month: policy.monthly_allowance.saturating_sub(made),
    }))
}

/// `DELETE /v1/gifts/{id}`: withdraws one of the reader's links; browsers it opened the
/// article in can read it no more.
#[utoipa::path(delete, path = "/gifts/{id}", tag = "gifts",
    params(("id" = i64, Path, description = "The link's id")), security(("reader_token" = [])),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "Not signed in", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The reader has no such link", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn revoke(
    State(state): State<AppState>,
    reader: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    if gifts::revoke(&state.db, reader.id, id, now()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("You have no gift link with this id.".to_owned()))
    }
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
    admin: Admin,
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
