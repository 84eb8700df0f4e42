//! `/v1/readers/me`: the signed-in reader's own account.

use axum::extract::State;
use axum::http::StatusCode;
use paywall_protocol::NewPassword;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{SignedIn, check_new_password};
use crate::error::{AppError, AppResult};
use crate::http::client::Client;
use crate::http::extract::Json;
use crate::state::AppState;
use crate::store::readers;

/// The reader routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_password))
}

/// `PUT /v1/readers/me/password`: sets or changes the reader's password. A session alone is
/// not enough (a stolen access token would become a permanent password): the request proves
/// the reader with their current password, or, when they have none, with a code just emailed
/// to them. Every other session of the reader ends.
#[utoipa::path(put, path = "/readers/me/password", tag = "readers", request_body = NewPassword,
    security(("reader_token" = [])),
    responses(
        (status = 204, description = "Set; every other session of the reader has ended"),
        (status = 401, description = "Not signed in", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`proof_required`, `wrong_password`, or a code refused", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password is too short", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn set_password(
    State(state): State<AppState>,
    reader: SignedIn,
    client: Client,
    Json(body): Json<NewPassword>,
) -> AppResult<StatusCode> {
    // Before anything is counted: a password too short is refused at once.
    check_new_password(&body.password)?;
    let email = readers::email(&state.db, reader.id)
        .await?
        .ok_or(AppError::InvalidToken("The account no longer exists."))?;
    let current = readers::password_hash(&state.db, reader.id).await?.flatten();
    let has_proof = if current.is_some() { body.current_password.is_some() } else { body.code.is_some() };
    if !has_proof {
        return Err(AppError::ProofRequired { has_password: current.is_some() });
    }
    // Each change costs one or two argon2 hashes: one reader gets a few an hour, however many
    // requests they send at once.
    state.limits.password_changes_per_reader.check(&reader.id).await?;
    match (current, body.current_password, body.code) {
        (Some(hash), Some(given), _) => {
            if !state.passwords.verify(given, Some(hash)).await? {
                return Err(AppError::WrongPassword);
            }
        }
        (None, _, Some(code)) => {
            state.limits.sign_in_per_client.check(&client).await?;
            let verdict = state.codes.verify(&state.db, &state.limits, client, &email, &code).await?;
            verdict.map_err(AppError::ProofCodeRefused)?;
        }
        (current, _, _) => return Err(AppError::ProofRequired { has_password: current.is_some() }),
    }
    let hash = state.passwords.hash(body.password).await?;
    let ended = readers::set_password(&state.db, reader.id, &hash, Some(reader.session_id)).await?;
    tracing::info!(reader = reader.id, other_sessions_ended = ended, "password changed");
    Ok(StatusCode::NO_CONTENT)
}
