//! `/v1/sign-in-codes`: email a reader a one-time code and a sign-in link.

use axum::extract::State;
use axum::http::StatusCode;
use paywall_protocol::{CodeRequest, CodeSent};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::CODE_SECONDS;
use crate::error::{AppError, AppResult};
use crate::http::client::Client;
use crate::http::extract::Json;
use crate::http::limits::EmailKey;
use crate::mail::{self, Mailer};
use crate::state::AppState;
use crate::store::readers;

/// The code routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(send_code))
}

/// `POST /v1/sign-in-codes`: sends a code and link to the address. The answer is the same
/// whether or not the address has an account (one is made at the first sign-in).
#[utoipa::path(post, path = "/sign-in-codes", tag = "sign-in", request_body = CodeRequest,
    responses(
        (status = 202, description = "A code and a link are on their way", body = CodeSent),
        (status = 422, description = "Not an address mail can go to, or a return_to on no allowed site", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many codes asked for; `retry_after` says when to ask again", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Email sign-in is not set up on this server", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn send_code(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<CodeRequest>,
) -> AppResult<(StatusCode, Json<CodeSent>)> {
    if matches!(*state.mailer, Mailer::Disabled) {
        return Err(AppError::Unavailable("Email sign-in is not set up on this server."));
    }
    let email = readers::valid_email(&body.email).ok_or(AppError::InvalidEmail)?;
    let return_to = return_to(&state, body.return_to.as_deref())?;
    let key = EmailKey::new(&email);
    state.limits.codes_per_client.check(&client).await?;
    // Per client and email first, so one client asking for someone's address is stopped
    // before it can use up what the address itself allows.
    state.limits.codes_per_client_and_email.check(&(client, key)).await?;
    state.limits.codes_per_email.check(&key).await?;

    let code = state.codes.issue(&state.db, &email, &return_to).await?;
    let message = mail::sign_in_code(
        &state.config.publication,
        &state.public_url,
        &email,
        &code.code,
        &code.link_token,
    );
    state.mailer.send(&state.db, message).await?;
    Ok((StatusCode::ACCEPTED, Json(CodeSent { email, expires_in: CODE_SECONDS as u64 })))
}

/// The page an emailed link brings the reader back to: one on this server or on a configured
/// publisher origin, never anywhere else (that would make the link an open redirect).
fn return_to(state: &AppState, requested: Option<&str>) -> AppResult<String> {
    let Some(requested) = requested.map(str::trim).filter(|url| !url.is_empty()) else {
        return Ok(format!("{}/", state.public_url));
    };
    state.page_on_allowed_site(requested)
}
