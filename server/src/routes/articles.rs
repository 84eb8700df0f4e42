//! `/v1/articles`: public metadata for anyone, locked sections for entitled readers only.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::headers::{GIFT, VISITOR};
use paywall_protocol::{GrantReason, LockedSections, Reason};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::catalog::Article;
use crate::access::entitlement::{self, Answer, Asker, Decision, Question, Read};
use crate::access::meter;
use crate::auth::{Bearer, SESSION_ENDED};
use crate::error::{AppError, AppResult};
use crate::http::client::Client;
use crate::http::extract::Json;
use crate::state::AppState;
use crate::store::articles;

/// The article routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(summary)).routes(routes!(locked))
}

/// `GET /v1/articles/{id}`: title, tier and the headings of the locked sections.
#[utoipa::path(get, path = "/articles/{id}", tag = "articles",
    params(("id" = String, Path, description = "The article's id, as in `data-paywall`")),
    responses(
        (status = 200, description = "What anyone may know about the article", body = paywall_protocol::ArticleSummary),
        (status = 404, description = "No such article", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn summary(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let mut summary = articles::summary(&state.db, &id).await?.ok_or_else(|| unknown_article(&id))?;
    summary.metered = summary.tier != paywall_protocol::tiers::FREE && state.meter.is_on(&state.db).await?;
    let mut response = Json(summary).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Ok(response)
}

/// `GET /v1/articles/{id}/locked`: the locked sections, if [`entitlement::decide`] says in
/// this request that the reader may read them; else the problem it names.
#[utoipa::path(get, path = "/articles/{id}/locked", tag = "articles",
    params(
        ("id" = String, Path, description = "The article's id"),
        ("Paywall-Visitor" = Option<String>, Header, description = "The anonymous id the meter gave this browser"),
        ("Paywall-Gift" = Option<String>, Header, description = "The token of a gift link that opens this article")),
    security((), ("reader_token" = [])),
    responses(
        (status = 200, description = "The locked sections; `meter` with `grant_reason: metering`. A `Paywall-Visitor` header carries a new anonymous id to keep", body = LockedSections),
        (status = 401, description = "Not signed in, and the article's tier needs a reader (with `meter` when the free articles are spent)", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`no_subscription` or `higher_tier_required`, with the tier the article needs (and `meter` when the free articles are spent); `gift_unavailable` for a gift link that does not open it", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn locked(
    State(state): State<AppState>,
    bearer: Option<Bearer>,
    client: Client,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let article = state.catalog.article(&state.db, &id).await?.ok_or_else(|| unknown_article(&id))?;
    let read = meter::countable(&method, &headers).then(|| Read {
        article_id: &id,
        gift: headers.get(GIFT).map(|gift| gift.to_str().unwrap_or_default()),
        visitor: headers.get(VISITOR).and_then(|token| token.to_str().ok()),
        client,
        meter: &state.meter,
    });
    let asker = bearer.map_or(Asker::Nobody, Asker::Bearer);
    let question = Question { tier: &article.tier, asker, read };
    let Answer { decision, new_visitor } = entitlement::decide(&state.db, question).await?;
    let refused = match decision {
        Decision::Granted(reason) => return Ok(sections(&article, &id, reason, None, new_visitor)),
        Decision::Metered(meter) => {
            return Ok(sections(&article, &id, GrantReason::Metering, Some(meter), new_visitor));
        }
        Decision::GiftRefused => AppError::GiftRefused(Reason::GiftUnavailable),
        Decision::MeterSpent { refused, meter } => {
            AppError::MeterSpent { refused: Box::new(refusal(*refused, &article.tier)), meter }
        }
        // Refused without the meter or a gift link: nothing was counted, nothing to keep.
        refused => return Err(refusal(refused, &article.tier)),
    };
    let mut response = refused.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    keep_visitor(&mut response, new_visitor);
    Ok(response)
}

/// The problem a refusal is answered with.
fn refusal(decision: Decision, tier: &str) -> AppError {
    let tier = tier.to_owned();
    match decision {
        Decision::SessionEnded => SESSION_ENDED,
        Decision::SignInRequired => AppError::InvalidToken("Sign in to read this."),
        Decision::Refused(Reason::HigherTierRequired) => AppError::HigherTierRequired { tier },
        _ => AppError::NoSubscription { tier },
    }
}

/// The locked sections, as the reader may read them.
fn sections(
    article: &Article,
    id: &str,
    grant_reason: GrantReason,
    meter: Option<paywall_protocol::Meter>,
    new_token: Option<String>,
) -> Response {
    let sections = article.sections.clone();
    let mut response =
        Json(LockedSections { article_id: id.to_owned(), sections, grant_reason, meter }).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Authorization, Paywall-Visitor, Paywall-Gift"));
    keep_visitor(&mut response, new_token);
    response
}

/// Hands the browser a new anonymous id to send from now on.
fn keep_visitor(response: &mut Response, token: Option<String>) {
    if let Some(value) = token.and_then(|token| HeaderValue::from_str(&token).ok()) {
        response.headers_mut().insert(HeaderName::from_static(VISITOR), value);
    }
}

fn unknown_article(id: &str) -> AppError {
    tracing::debug!(id, "unknown article");
    AppError::NotFound("There is no article with this id.".to_owned())
}
