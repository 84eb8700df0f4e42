//! `/v1/readers/me`: the signed-in reader's own account.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::put;
use paywall_protocol::NewPassword;

use crate::AppState;
use crate::auth::Reader;
use crate::error::AppResult;
use crate::json::Json;
use crate::store::readers;

/// The reader routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/readers/me/password", put(set_password))
}

/// `PUT /v1/readers/me/password`: sets a password, so a reader who signed up with a code can
/// also sign in with one.
async fn set_password(
    State(state): State<AppState>,
    reader: Reader,
    Json(body): Json<NewPassword>,
) -> AppResult<StatusCode> {
    let hash = state.passwords.hash(body.password).await?;
    readers::set_password(&state.db, reader.id, &hash).await?;
    Ok(StatusCode::NO_CONTENT)
}
