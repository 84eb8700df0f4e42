//! `/v1/articles`: public metadata for anyone, locked sections for entitled readers only.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::{LockedSections, Reason};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::SignedIn;
use crate::entitlement::{self, Decision};
use crate::error::{AppError, AppResult};
use crate::extract::Json;
use crate::sanitize;
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
    let summary = articles::summary(&state.db, &id).await?.ok_or_else(|| unknown_article(&id))?;
    let mut response = Json(summary).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Ok(response)
}

/// `GET /v1/articles/{id}/locked`: the locked sections, after checking in this request that
/// the reader may read them (see [`entitlement::decide`]): the reader's session is live and
/// their subscription opens the article's tier, or the tier is open to them without one.
#[utoipa::path(get, path = "/articles/{id}/locked", tag = "articles",
    params(("id" = String, Path, description = "The article's id")),
    security((), ("reader_token" = [])),
    responses(
        (status = 200, description = "The locked sections", body = LockedSections),
        (status = 401, description = "Not signed in, and the article's tier needs a reader", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`no_subscription` or `higher_tier_required`, with the tier the article needs", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn locked(
    State(state): State<AppState>,
    reader: Option<SignedIn>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let tier = articles::tier(&state.db, &id).await?.ok_or_else(|| unknown_article(&id))?;
    let grant_reason = match entitlement::decide(&state.db, reader.map(|reader| reader.id), &tier).await? {
        Decision::Granted(reason) => reason,
        Decision::SignInRequired => return Err(AppError::InvalidToken("Sign in to read this.")),
        Decision::Refused(Reason::HigherTierRequired) => return Err(AppError::HigherTierRequired { tier }),
        Decision::Refused(_) => return Err(AppError::NoSubscription { tier }),
    };
    let mut sections = articles::locked_sections(&state.db, &id).await?;
    // Stored HTML was sanitized on the way in; sanitizing again on the way out means a row
    // written by some other path can still never carry a script to a reader.
    for section in &mut sections {
        section.html = sanitize::html(&section.html);
    }
    let mut response = Json(LockedSections { article_id: id, sections, grant_reason }).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Authorization"));
    Ok(response)
}

fn unknown_article(id: &str) -> AppError {
    tracing::debug!(id, "unknown article");
    AppError::NotFound("There is no article with this id.".to_owned())
}
