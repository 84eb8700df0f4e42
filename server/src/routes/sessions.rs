//! `/v1/sessions`: sign in, refresh, sign out.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use paywall_protocol::{PasswordSignIn, Reader as ReaderInfo, RefreshRequest, SessionTokens};

use crate::AppState;
use crate::auth::{ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_SECONDS, Reader, RefreshToken};
use crate::error::{AppError, AppResult};
use crate::json::Json;
use crate::store::{readers, sessions};
use crate::time::now;

/// The session routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions", post(sign_in).delete(sign_out))
        .route("/sessions/refresh", post(refresh))
}

/// `POST /v1/sessions`: email and password in, a new session out. A wrong email and a wrong
/// password get the same answer, in about the same time.
async fn sign_in(
    State(state): State<AppState>,
    Json(body): Json<PasswordSignIn>,
) -> AppResult<Response> {
    let email = readers::normalize_email(&body.email);
    let reader = readers::by_email(&state.db, &email).await?;
    let stored_hash = reader
        .as_ref()
        .and_then(|reader| reader.password_hash.clone());
    if !state.passwords.verify(body.password, stored_hash).await? {
        return Err(AppError::InvalidCredentials);
    }
    let reader = reader.ok_or(AppError::InvalidCredentials)?;
    let refresh = RefreshToken::generate();
    let session_id = sessions::create(
        &state.db,
        reader.id,
        &refresh.hash,
        now() + REFRESH_TOKEN_SECONDS,
    )
    .await?;
    let tokens = tokens(&state, reader.id, reader.email, session_id, refresh)?;
    Ok((StatusCode::CREATED, no_store(tokens)).into_response())
}

/// `POST /v1/sessions/refresh`: spends a refresh token for a new pair.
async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> AppResult<Response> {
    let next = RefreshToken::generate();
    let old_hash = RefreshToken::hash(&body.refresh_token);
    let (session_id, reader_id) = sessions::rotate(
        &state.db,
        &old_hash,
        &next.hash,
        now() + REFRESH_TOKEN_SECONDS,
    )
    .await?
    .ok_or(AppError::InvalidToken(
        "The refresh token is not valid. Sign in again.",
    ))?;
    let email = readers::email(&state.db, reader_id)
        .await?
        .ok_or(AppError::InvalidToken("The account no longer exists."))?;
    let tokens = tokens(&state, reader_id, email, session_id, next)?;
    Ok(no_store(tokens).into_response())
}

/// `DELETE /v1/sessions`: ends the session the bearer token belongs to.
async fn sign_out(State(state): State<AppState>, reader: Reader) -> AppResult<StatusCode> {
    sessions::revoke(&state.db, reader.session_id, reader.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn tokens(
    state: &AppState,
    reader_id: i64,
    email: String,
    session_id: i64,
    refresh: RefreshToken,
) -> AppResult<SessionTokens> {
    Ok(SessionTokens {
        access_token: state.keys.issue(reader_id, session_id)?,
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: refresh.token,
        reader: ReaderInfo {
            id: reader_id,
            email,
        },
    })
}

/// Tokens must not be kept by any cache.
fn no_store(tokens: SessionTokens) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(tokens),
    )
}
