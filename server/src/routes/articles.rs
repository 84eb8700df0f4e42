//! `/v1/articles`: public metadata for anyone, locked sections for entitled readers only.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use paywall_protocol::LockedSections;

use crate::AppState;
use crate::auth::SignedIn;
use crate::error::{AppError, AppResult};
use crate::extract::Json;
use crate::sanitize;
use crate::store::{articles, subscriptions};

/// The article routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/articles/{id}", get(summary)).route("/articles/{id}/locked", get(locked))
}

/// `GET /v1/articles/{id}`: title, tier and the headings of the locked sections.
async fn summary(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let summary = articles::summary(&state.db, &id).await?.ok_or_else(|| unknown_article(&id))?;
    let mut response = Json(summary).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Ok(response)
}

/// `GET /v1/articles/{id}/locked`: the locked sections, after checking in this request that
/// the reader's session is live and that they subscribe to the article's tier.
async fn locked(
    State(state): State<AppState>,
    reader: SignedIn,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let tier = articles::tier(&state.db, &id).await?.ok_or_else(|| unknown_article(&id))?;
    if !subscriptions::is_entitled(&state.db, reader.id, &tier).await? {
        return Err(AppError::NoSubscription);
    }
    let mut sections = articles::locked_sections(&state.db, &id).await?;
    // Stored HTML was sanitized on the way in; sanitizing again on the way out means a row
    // written by some other path can still never carry a script to a reader.
    for section in &mut sections {
        section.html = sanitize::html(&section.html);
    }
    let mut response = Json(LockedSections { article_id: id, sections }).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Authorization"));
    Ok(response)
}

fn unknown_article(id: &str) -> AppError {
    tracing::debug!(id, "unknown article");
    AppError::NotFound("There is no article with this id.".to_owned())
}
