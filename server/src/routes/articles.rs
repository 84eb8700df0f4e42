//! `/v1/articles`: public metadata for anyone, locked sections for entitled readers only.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::{GrantReason, LockedSections, Reason};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Bearer, SESSION_ENDED};
use crate::catalog::Article;
use crate::entitlement::{self, Decision};
use crate::error::{AppError, AppResult};
use crate::extract::Json;
use crate::limits::Client;
use crate::meter::{self, Metered, Visitor};
use crate::random;
use crate::store::{articles, gifts, tiers};
use crate::time::now;

/// The header a gift link's token travels in.
pub const GIFT_HEADER: &str = "paywall-gift";

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
    summary.metered = summary.tier != tiers::FREE && state.meter.is_on(&state.db).await?;
    let mut response = Json(summary).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Ok(response)
}

/// `GET /v1/articles/{id}/locked`: the locked sections, after checking in this request that
/// the reader may read them (see [`entitlement::decide`]): the reader's session is live and
/// their subscription opens the article's tier, or the tier is open to them without one, or
/// the publisher's meter opens it to them (counted here; see [`crate::meter`]).
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
    let tier = article.tier.clone();
    let decision = match bearer {
        Some(bearer) => {
            entitlement::decide_in_session(&state.db, bearer, &tier).await?.ok_or(SESSION_ENDED)?
        }
        None => entitlement::decide(&state.db, None, &tier).await?,
    };
    let reader = bearer.map(|bearer| bearer.reader_id);
    let refused = match decision {
        Decision::Granted(reason) => return Ok(sections(&article, id, reason, None, None)),
        Decision::SignInRequired => AppError::InvalidToken("Sign in to read this."),
        Decision::Refused(Reason::HigherTierRequired) => AppError::HigherTierRequired { tier },
        Decision::Refused(_) => AppError::NoSubscription { tier },
    };
    if !meter::countable(&method, &headers) {
        return Err(refused);
    }
    let visitor = match reader {
        Some(id) => Visitor::Reader(id),
        None => {
            let token = headers.get(meter::VISITOR_HEADER).and_then(|value| value.to_str().ok());
            Visitor::Anonymous { token, client }
        }
    };
    // A gift link opens its article in as many browsers as it may, and nothing else; one that
    // does not is refused as such, and the widget asks again without it.
    if let Some(gift) = headers.get(GIFT_HEADER) {
        let now = now();
        let (browser, new_token) = state.meter.browser(&state.db, visitor, now).await?;
        let token_hash = random::token_hash(gift.to_str().unwrap_or_default());
        if gifts::open(&state.db, &token_hash, &id, &browser, now).await? {
            return Ok(sections(&article, id, GrantReason::Gift, None, new_token));
        }
        let mut response = AppError::GiftRefused(Reason::GiftUnavailable).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        keep_visitor(&mut response, new_token);
        return Ok(response);
    }
    match state.meter.open(&state.db, visitor, &id, now()).await? {
        Metered::Off => Err(refused),
        Metered::Counted { opened: true, meter, new_token } => {
            Ok(sections(&article, id, GrantReason::Metering, Some(meter), new_token))
        }
        Metered::Counted { opened: false, meter, new_token } => {
            let mut response = AppError::MeterSpent { refused: Box::new(refused), meter }.into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            keep_visitor(&mut response, new_token);
            Ok(response)
        }
    }
}

/// The locked sections, as the reader may read them.
fn sections(
    article: &Article,
    id: String,
    grant_reason: GrantReason,
    meter: Option<paywall_protocol::Meter>,
    new_token: Option<String>,
) -> Response {
    let sections = article.sections.clone();
    let mut response = Json(LockedSections { article_id: id, sections, grant_reason, meter }).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Authorization, Paywall-Visitor, Paywall-Gift"));
    keep_visitor(&mut response, new_token);
    response
}

/// Hands the browser a new anonymous id to send from now on.
fn keep_visitor(response: &mut Response, token: Option<String>) {
    if let Some(value) = token.and_then(|token| HeaderValue::from_str(&token).ok()) {
        response.headers_mut().insert(HeaderName::from_static(meter::VISITOR_HEADER), value);
    }
}

fn unknown_article(id: &str) -> AppError {
    tracing::debug!(id, "unknown article");
    AppError::NotFound("There is no article with this id.".to_owned())
}
