//! `/v1/sessions`: sign in (password, emailed code or link, publisher token), refresh, sign out.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use paywall_protocol::{
    CodeSignIn, LinkSignIn, PasswordSignIn, PublisherSignIn, Reader as ReaderInfo, Reason, RefreshRequest,
    SessionTokens,
};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ACCESS_TOKEN_SECONDS, MAX_ATTEMPTS, REFRESH_TOKEN_SECONDS, Reader, RefreshToken};
use crate::error::{AppError, AppResult};
use crate::json::Json;
use crate::limits::ClientIp;
use crate::store::{codes, readers, sessions, subscriptions};
use crate::time::now;

/// How long a tier asserted by a publisher token lasts without a newer token.
const PUBLISHER_TIER_SECONDS: i64 = 24 * 60 * 60;

/// The session routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions", post(sign_in).delete(sign_out))
        .route("/sessions/code", post(sign_in_with_code))
        .route("/sessions/link", post(sign_in_with_link))
        .route("/sessions/publisher", post(sign_in_with_publisher_token))
        .route("/sessions/refresh", post(refresh))
}

/// `POST /v1/sessions`: email and password in, a new session out. A wrong email and a wrong
/// password get the same answer, in about the same time.
async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<PasswordSignIn>,
) -> AppResult<Response> {
    let email = readers::normalize_email(&body.email);
    state.limits.sign_in_per_ip.check(&ip)?;
    state.limits.password_per_email.check(&email)?;
    let reader = readers::by_email(&state.db, &email).await?;
    let stored_hash = reader.as_ref().and_then(|reader| reader.password_hash.clone());
    if !state.passwords.verify(body.password, stored_hash).await? {
        return Err(AppError::InvalidCredentials);
    }
    let reader = reader.ok_or(AppError::InvalidCredentials)?;
    start_session(&state.db, &state, reader.id, reader.email).await
}

/// `POST /v1/sessions/code`: the emailed code in, a new session out; the first sign-in with a
/// code creates the account.
async fn sign_in_with_code(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<CodeSignIn>,
) -> AppResult<Response> {
    state.limits.sign_in_per_ip.check(&ip)?;
    let email = readers::normalize_email(&body.email);
    let code: String = body.code.chars().filter(|c| !c.is_whitespace()).collect();
    let latest = codes::latest_for_email(&state.db, &email).await?.ok_or_else(code_expired)?;
    if latest.attempts >= MAX_ATTEMPTS {
        return Err(too_many_attempts());
    }
    if !latest.is_live(now()) {
        return Err(code_expired());
    }
    if !state.codes.matches(&email, &code, &latest.code_hash) {
        return Err(match codes::count_wrong_try(&state.db, latest.id, MAX_ATTEMPTS).await? {
            0 => too_many_attempts(),
            left => AppError::CodeRefused {
                attempts_left: u32::try_from(left).ok(),
                reason: Reason::WrongCode,
                detail: format!(
                    "That code isn't right. {left} {} left.",
                    if left == 1 { "try" } else { "tries" }
                ),
            },
        });
    }
    if !codes::spend(&state.db, latest.id).await? {
        return Err(code_expired());
    }
    let reader_id = readers::find_or_create(&state.db, &email, None).await?;
    start_session(&state.db, &state, reader_id, email).await
}

/// `POST /v1/sessions/link`: the token an emailed link carried back to the article page.
async fn sign_in_with_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<LinkSignIn>,
) -> AppResult<Response> {
    state.limits.sign_in_per_ip.check(&ip)?;
    let link =
        codes::live_for_link(&state.db, &RefreshToken::hash(&body.token)).await?.ok_or_else(link_expired)?;
    if !codes::spend(&state.db, link.id).await? {
        return Err(link_expired());
    }
    let reader_id = readers::find_or_create(&state.db, &link.email, None).await?;
    start_session(&state.db, &state, reader_id, link.email).await
}

/// `POST /v1/sessions/publisher`: a token the publisher signed for one of its readers. The
/// reader is created or updated and their tier set from the token; a token that fails any
/// check changes nothing.
async fn sign_in_with_publisher_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<PublisherSignIn>,
) -> AppResult<Response> {
    state.limits.sign_in_per_ip.check(&ip)?;
    let verifier = state.publisher.as_ref().ok_or(AppError::Unavailable(
        "Sign-in with the publisher's accounts is not set up on this server.",
    ))?;
    let identity = verifier.verify(&body.token)?;
    let email = readers::valid_email(&identity.email)
        .ok_or(AppError::InvalidToken("The publisher token's email is not a valid address."))?;
    let mut tx = state.db.begin().await?;
    let (reader_id, email) = readers::from_publisher(&mut tx, &email, identity.subject.as_deref()).await?;
    subscriptions::set_from_publisher(
        &mut tx,
        reader_id,
        identity.tier.as_deref(),
        now() + PUBLISHER_TIER_SECONDS,
    )
    .await?;
    let response = start_session(&mut *tx, &state, reader_id, email).await?;
    tx.commit().await?;
    Ok(response)
}

/// `POST /v1/sessions/refresh`: spends a refresh token for a new pair.
async fn refresh(State(state): State<AppState>, Json(body): Json<RefreshRequest>) -> AppResult<Response> {
    let next = RefreshToken::generate();
    let old_hash = RefreshToken::hash(&body.refresh_token);
    let (session_id, reader_id) =
        sessions::rotate(&state.db, &old_hash, &next.hash, now() + REFRESH_TOKEN_SECONDS)
            .await?
            .ok_or(AppError::InvalidToken("The refresh token is not valid. Sign in again."))?;
    let email = readers::email(&state.db, reader_id)
        .await?
        .ok_or(AppError::InvalidToken("The account no longer exists."))?;
    let tokens = tokens(&state, reader_id, email, session_id, next)?;
    Ok(no_store(tokens).into_response())
}

/// Which sessions `DELETE /v1/sessions` ends.
#[derive(Deserialize)]
struct SignOutScope {
    /// Every session of the reader, not just this one ("sign out everywhere").
    #[serde(default)]
    all: bool,
}

/// `DELETE /v1/sessions`: ends the session the bearer token belongs to, or with `?all=true`
/// every session of the reader.
async fn sign_out(
    State(state): State<AppState>,
    reader: Reader,
    scope: Result<Query<SignOutScope>, QueryRejection>,
) -> AppResult<StatusCode> {
    let Query(scope) = scope.map_err(|rejection| AppError::InvalidInput(rejection.body_text()))?;
    if scope.all {
        sessions::revoke_all(&state.db, reader.id).await?;
    } else {
        sessions::revoke(&state.db, reader.session_id, reader.id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a session for a reader who has just proved who they are (in `db`, which may be a
/// transaction the caller commits): 201 with the tokens.
async fn start_session(
    db: impl sqlx::SqliteExecutor<'_>,
    state: &AppState,
    reader_id: i64,
    email: String,
) -> AppResult<Response> {
    let refresh = RefreshToken::generate();
    let session_id = sessions::create(db, reader_id, &refresh.hash, now() + REFRESH_TOKEN_SECONDS).await?;
    let tokens = tokens(state, reader_id, email, session_id, refresh)?;
    Ok((StatusCode::CREATED, no_store(tokens)).into_response())
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
        reader: ReaderInfo { id: reader_id, email },
    })
}

/// Tokens must not be kept by any cache.
fn no_store(tokens: SessionTokens) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(tokens))
}

fn code_expired() -> AppError {
    AppError::CodeRefused {
        attempts_left: None,
        reason: Reason::CodeExpired,
        detail: "This code has expired or was already used. Ask for a new one.".into(),
    }
}

fn too_many_attempts() -> AppError {
    AppError::CodeRefused {
        attempts_left: None,
        reason: Reason::TooManyAttempts,
        detail: "Too many wrong tries for this code. Ask for a new one.".into(),
    }
}

fn link_expired() -> AppError {
    AppError::CodeRefused {
        attempts_left: None,
        reason: Reason::CodeExpired,
        detail: "This sign-in link has expired or was already used. Ask for a new code.".into(),
    }
}
