//! `/v1/sessions`: sign in (password, emailed code or link, publisher token), refresh, sign out.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::{
    CodeSignIn, LinkSignIn, PasswordSignIn, PublisherSignIn, Reader, RefreshRequest, SessionTokens,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{ACCESS_TOKEN_SECONDS, SignedIn};
use crate::error::{AppError, AppResult};
use crate::http::client::Client;
use crate::http::extract::{Json, Query};
use crate::http::limits::EmailKey;
use crate::random::{NewToken, token_hash};
use crate::state::AppState;
use crate::store::publisher::{Outcome, PublisherSession};
use crate::store::sessions::Rotation;
use crate::store::{publisher, readers, sessions};
use crate::time::now;

/// How long a tier asserted by a publisher token lasts without a newer token.
const PUBLISHER_TIER_SECONDS: i64 = 24 * 60 * 60;

/// How long after a refresh token is replaced a second use of it, by the same client, is taken
/// for two tabs of one browser refreshing at once (refused, nothing more) rather than a stolen
/// copy (which ends the session).
const REFRESH_GRACE_SECONDS: i64 = 30;

/// The session routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(sign_in_with_code))
        .routes(routes!(sign_in_with_link))
        .routes(routes!(sign_in_with_publisher_token))
        .routes(routes!(refresh))
}

/// `POST /v1/sessions`: email and password in, a new session out. A wrong email and a wrong
/// password get the same answer, in about the same time.
#[utoipa::path(post, path = "/sessions", tag = "sign-in", request_body = PasswordSignIn,
    responses(
        (status = 201, description = "Signed in", body = SessionTokens),
        (status = 401, description = "Wrong email or password", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<PasswordSignIn>,
) -> AppResult<Response> {
    let email = readers::normalize_email(&body.email);
    let key = EmailKey::new(&email);
    state.limits.sign_in_per_client.check(&client).await?;
    // Per client and email first: a stranger's guesses stop the stranger, and only count
    // towards the email's own limit once they pass this one.
    state.limits.password_per_client_and_email.check(&(client, key)).await?;
    state.limits.password_per_email.check(&key).await?;
    let reader = readers::by_email(&state.db, &email).await?;
    let stored_hash = reader.as_ref().and_then(|reader| reader.password_hash.clone());
    if !state.passwords.verify(body.password, stored_hash).await? {
        return Err(AppError::InvalidCredentials);
    }
    let reader = reader.ok_or(AppError::InvalidCredentials)?;
    start_session(&state, reader.id, reader.email).await
}

/// `POST /v1/sessions/code`: the emailed code in, a new session out; the first sign-in with a
/// code creates the account.
#[utoipa::path(post, path = "/sessions/code", tag = "sign-in", request_body = CodeSignIn,
    responses(
        (status = 201, description = "Signed in", body = SessionTokens),
        (status = 401, description = "`wrong_code`, `code_expired` or `too_many_attempts`", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn sign_in_with_code(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<CodeSignIn>,
) -> AppResult<Response> {
    let email = readers::normalize_email(&body.email);
    state.limits.sign_in_per_client.check(&client).await?;
    let verdict = state.codes.verify(&state.db, &state.limits, client, &email, &body.code).await?;
    verdict.map_err(AppError::CodeRefused)?;
    let reader_id = readers::proven_owner(&state.db, &email).await?;
    start_session(&state, reader_id, email).await
}

/// `POST /v1/sessions/link`: the token an emailed link carried back to the article page.
#[utoipa::path(post, path = "/sessions/link", tag = "sign-in", request_body = LinkSignIn,
    responses(
        (status = 201, description = "Signed in", body = SessionTokens),
        (status = 401, description = "The link expired or was used", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn sign_in_with_link(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<LinkSignIn>,
) -> AppResult<Response> {
    state.limits.sign_in_per_client.check(&client).await?;
    let email = state.codes.redeem_link(&state.db, &body.token).await?.ok_or(AppError::LinkExpired)?;
    let reader_id = readers::proven_owner(&state.db, &email).await?;
    start_session(&state, reader_id, email).await
}

/// `POST /v1/sessions/publisher`: a token the publisher signed for one of its readers. The
/// reader is the one the publisher knows by the token's `sub`; their tier is set from the
/// token. A token that fails any check, or names an email someone here already has without
/// vouching for it, changes nothing.
#[utoipa::path(post, path = "/sessions/publisher", tag = "sign-in", request_body = PublisherSignIn,
    responses(
        (status = 201, description = "Signed in", body = SessionTokens),
        (status = 401, description = "The token fails a check", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`account_exists`: the email has an account here, and the token does not vouch for it", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Publisher sign-in is not set up on this server", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn sign_in_with_publisher_token(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<PublisherSignIn>,
) -> AppResult<Response> {
    state.limits.publisher_sign_in_per_client.check(&client).await?;
    let verifier = state.publisher.as_ref().ok_or(AppError::Unavailable(
        "Sign-in with the publisher's accounts is not set up on this server.",
    ))?;
    let identity = verifier.verify(&body.token)?;
    let email = readers::valid_email(&identity.email)
        .ok_or(AppError::InvalidToken("The publisher token's email is not a valid address."))?;
    let refresh = NewToken::generate();
    let outcome = publisher::sign_in(
        &state.db,
        &PublisherSession {
            issuer: verifier.issuer(),
            subject: &identity.subject,
            email: &email,
            email_verified: identity.email_verified,
            token_id: identity.token_id.as_deref().map(|jti| (jti, identity.expires_at)),
            tier: identity.tier.as_deref().map(|tier| (tier, now() + PUBLISHER_TIER_SECONDS)),
            refresh_hash: &refresh.hash,
            lifetime: state.config.session_lifetime(),
        },
    )
    .await?;
    match outcome {
        Outcome::Started { reader_id, email, session_id } => {
            let tokens = tokens(&state, reader_id, email, session_id, refresh)?;
            Ok((StatusCode::CREATED, no_store(tokens)).into_response())
        }
        Outcome::TokenUsed => Err(AppError::InvalidToken("This publisher token was already used.")),
        Outcome::EmailTaken => Err(AppError::AccountExists),
    }
}

/// `POST /v1/sessions/refresh`: spends a refresh token for a new pair. A token spent before
/// ends its session: whoever else holds a copy is signed out with the reader.
#[utoipa::path(post, path = "/sessions/refresh", tag = "sign-in", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair of tokens", body = SessionTokens),
        (status = 401, description = "The refresh token is unknown, spent or expired", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn refresh(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<RefreshRequest>,
) -> AppResult<Response> {
    let next = NewToken::generate();
    let old_hash = token_hash(&body.refresh_token);
    let rotation = sessions::rotate(
        &state.db,
        &old_hash,
        &next.hash,
        state.config.session_lifetime(),
        &client.ip().to_string(),
        REFRESH_GRACE_SECONDS,
    )
    .await?;
    let (session_id, reader_id) = match rotation {
        Rotation::Rotated { session_id, reader_id } => (session_id, reader_id),
        Rotation::JustReplaced => {
            return Err(AppError::InvalidToken("This refresh token was just replaced. Use the newer one."));
        }
        Rotation::Replayed => {
            tracing::warn!("a spent refresh token was used again: its session is ended");
            return Err(AppError::InvalidToken(
                "This refresh token was already used, so the session has been ended for safety. Sign in again.",
            ));
        }
        Rotation::Unknown => {
            return Err(AppError::InvalidToken("The refresh token is not valid. Sign in again."));
        }
    };
    let email = readers::email(&state.db, reader_id)
        .await?
        .ok_or(AppError::InvalidToken("The account no longer exists."))?;
    let tokens = tokens(&state, reader_id, email, session_id, next)?;
    Ok(no_store(tokens).into_response())
}

/// Which sessions `DELETE /v1/sessions` ends.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SignOutScope {
    /// Every session of the reader, not just this one ("sign out everywhere").
    #[serde(default)]
    all: bool,
}

/// `DELETE /v1/sessions`: ends the session the bearer token belongs to, or with `?all=true`
/// every session of the reader.
#[utoipa::path(delete, path = "/sessions", tag = "sign-in", params(SignOutScope),
    security(("reader_token" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn sign_out(
    State(state): State<AppState>,
    reader: SignedIn,
    Query(scope): Query<SignOutScope>,
) -> AppResult<StatusCode> {
    if scope.all {
        sessions::revoke_all(&state.db, reader.id, None).await?;
    } else {
        sessions::revoke(&state.db, reader.session_id, reader.id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a session for a reader who has just proved who they are: 201 with the tokens.
pub(super) async fn start_session(state: &AppState, reader_id: i64, email: String) -> AppResult<Response> {
    let refresh = NewToken::generate();
    let session_id =
        sessions::create(&state.db, reader_id, &refresh.hash, state.config.session_lifetime()).await?;
    let tokens = tokens(state, reader_id, email, session_id, refresh)?;
    Ok((StatusCode::CREATED, no_store(tokens)).into_response())
}

fn tokens(
    state: &AppState,
    reader_id: i64,
    email: String,
    session_id: i64,
    refresh: NewToken,
) -> AppResult<SessionTokens> {
    Ok(SessionTokens {
        access_token: state.keys.issue(reader_id, session_id)?,
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: refresh.token,
        reader: Reader { id: reader_id, email },
    })
}

/// Tokens must not be kept by any cache.
fn no_store(tokens: SessionTokens) -> impl IntoResponse {
    ([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(tokens))
}
