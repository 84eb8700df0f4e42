//! `/v1/events`: the widget reports what happened on an article's prompt (drawn, sign-in
//! opened, signed in), batched, for the publisher's funnel. Each event adds one to a counter
//! of the article and the day: nothing about the reader, the browser or the address is kept.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use paywall_protocol::PageEvents;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, AppResult};
use crate::http::client::Client;
use crate::state::AppState;
use crate::store::{articles, events};

/// The most events one report may carry.
pub const MAX_EVENTS: usize = 20;

/// The route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report))
}

/// `POST /v1/events`: counts a batch of one article's events. The body is JSON whatever its
/// `Content-Type` says: `navigator.sendBeacon` sends a string as `text/plain`, which needs no
/// CORS preflight. A page on a site the server does not allow is refused.
#[utoipa::path(post, path = "/events", tag = "articles", request_body = PageEvents,
    responses(
        (status = 204, description = "Counted"),
        (status = 403, description = "From a page on a site this server does not allow", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a batch of events", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports from this client", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn report(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<StatusCode> {
    state.limits.events_per_client.check_here(&client)?;
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        if !state.return_origins().iter().any(|allowed| allowed == origin) {
            return Err(AppError::Forbidden("Pages of this site may not report events here.".into()));
        }
    }
    let batch: PageEvents = serde_json::from_slice(&body)
        .map_err(|error| AppError::InvalidInput(format!("The body is not a batch of events: {error}")))?;
    if batch.events.is_empty() || batch.events.len() > MAX_EVENTS {
        return Err(AppError::InvalidInput(format!("events must hold 1 to {MAX_EVENTS} events.")));
    }
    if articles::tier(&state.db, &batch.article_id).await?.is_none() {
        return Err(AppError::NotFound("There is no article with this id.".into()));
    }
    let kinds: Vec<&str> = batch.events.iter().map(|event| event.as_str()).collect();
    events::count(&state.db, &batch.article_id, &kinds).await?;
    Ok(StatusCode::NO_CONTENT)
}
