//! `/v1/gifts`: a subscriber's gift links, each opening one article to whoever they send it
//! (how many, for how long and to how many browsers is `routes::admin::gift_policy`).

use axum::extract::State;
use axum::http::StatusCode;
use paywall_protocol::fragments;
use paywall_protocol::{GiftLink, GiftRequest, Gifts, GrantReason, Reason};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::entitlement::{self, Asker, Decision, Question};
use crate::auth::SignedIn;
use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Path};
use crate::random::NewToken;
use crate::state::AppState;
use crate::store::{articles, gifts};
use crate::time::now;

/// The subscriber's gift routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(revoke))
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
    let question = Question { tier: &tier, asker: Asker::Reader(reader.id), read: None };
    match entitlement::decide(&state.db, question).await?.decision {
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
    let url = format!("{page}{}{}", fragments::GIFT, token.token);
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
