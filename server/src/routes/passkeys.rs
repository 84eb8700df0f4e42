//! `/v1/passkeys`: a signed-in reader adds, lists and removes passkeys; anyone signs in with
//! one (`/v1/sessions/passkey`), chosen from the browser's autofill or its passkey picker
//! without typing anything. Each ceremony is two requests: a challenge, kept in the database
//! for a few minutes and answered once, then the authenticator's answer to it.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use paywall_protocol::PasskeyInfo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid,
};

use super::sessions::start_session;
use crate::auth::SignedIn;
use crate::auth::passkeys::{CEREMONY_SECONDS, Passkeys};
use crate::error::{AppError, AppResult};
use crate::http::client::Client;
use crate::http::extract::{Json, Path};
use crate::random::{self, NewToken, token_hash};
use crate::state::AppState;
use crate::store::ceremonies::{self, Kind};
use crate::store::{passkeys, readers};

/// The most passkeys one reader may have.
const MAX_PASSKEYS: usize = 20;

/// The passkey routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_registration))
        .routes(routes!(list, register))
        .routes(routes!(remove))
        .routes(routes!(start_sign_in))
        .routes(routes!(sign_in))
}

/// A challenge for the browser: WebAuthn's options, and the token that names the ceremony.
#[derive(Serialize, ToSchema)]
struct PasskeyChallenge {
    /// Send it back with the answer.
    ceremony: String,
    /// The options for `navigator.credentials` (`PublicKeyCredentialCreationOptionsJSON` or
    /// `PublicKeyCredentialRequestOptionsJSON`: give them to
    /// `PublicKeyCredential.parseCreationOptionsFromJSON` or `parseRequestOptionsFromJSON`).
    #[schema(value_type = Object)]
    public_key: serde_json::Value,
}

/// `POST /v1/passkeys`: the authenticator's new credential.
#[derive(Deserialize, ToSchema)]
struct NewPasskey {
    /// The token of the registration challenge.
    ceremony: String,
    /// `PublicKeyCredential.toJSON()` of the credential `navigator.credentials.create` made.
    #[schema(value_type = Object)]
    credential: RegisterPublicKeyCredential,
}

/// `POST /v1/sessions/passkey`: a passkey's answer to a sign-in challenge.
#[derive(Deserialize, ToSchema)]
struct PasskeySignIn {
    /// The token of the sign-in challenge.
    ceremony: String,
    /// `PublicKeyCredential.toJSON()` of what `navigator.credentials.get` returned.
    #[schema(value_type = Object)]
    credential: PublicKeyCredential,
}

/// `POST /v1/passkeys/registrations`: a challenge to make a passkey for the signed-in reader
/// (on the authenticators they already have one on, none is made again).
#[utoipa::path(post, path = "/passkeys/registrations", tag = "passkeys",
    security(("reader_token" = [])),
    responses(
        (status = 201, description = "The challenge", body = PasskeyChallenge),
        (status = 401, description = "Not signed in", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`passkey_wrong_site`: passkeys here are for another site than the page's", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reader has as many passkeys as an account may", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Passkeys are not set up on this server", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn start_registration(
    State(state): State<AppState>,
    client: Client,
    reader: SignedIn,
    headers: HeaderMap,
) -> AppResult<(StatusCode, Json<PasskeyChallenge>)> {
    let passkeys = for_page(&state, &headers)?;
    state.limits.ceremonies_per_client.check(&client).await?;
    let email = readers::email(&state.db, reader.id)
        .await?
        .ok_or(AppError::InvalidToken("The account no longer exists."))?;
    let handle = match passkeys::user_handle(&state.db, reader.id).await? {
        Some(handle) => {
            Uuid::parse_str(&handle).map_err(|error| AppError::internal("reading a user handle", error))?
        }
        None => uuid::Builder::from_random_bytes(random::bytes()).into_uuid(),
    };
    let existing = passkeys::credentials_of(&state.db, reader.id).await?;
    if existing.len() >= MAX_PASSKEYS {
        return Err(AppError::Conflict(format!(
            "You have {MAX_PASSKEYS} passkeys, as many as an account may. Remove one to add another."
        )));
    }
    let exclude = existing
        .iter()
        .filter_map(|json| serde_json::from_str::<Passkey>(json).ok())
        .map(|passkey| passkey.cred_id().clone())
        .collect::<Vec<_>>();
    let (challenge, registration) = passkeys
        .webauthn()
        .start_passkey_registration(handle, &email, &email, Some(exclude))
        .map_err(|error| AppError::internal("starting a passkey registration", error))?;
    let kept = Kept { handle: handle.to_string(), registration };
    let token = NewToken::generate();
    let kept =
        serde_json::to_string(&kept).map_err(|error| AppError::internal("keeping a ceremony", error))?;
    ceremonies::start(
        &state.db,
        &token.hash,
        Kind::PasskeyRegistration,
        Some(reader.id),
        &kept,
        CEREMONY_SECONDS,
    )
    .await?;
    let mut public_key = serde_json::to_value(&challenge.public_key)
        .map_err(|error| AppError::internal("writing a passkey challenge", error))?;
    // A passkey the reader can pick without typing their email is one the authenticator keeps
    // (webauthn-rs leaves the choice to the authenticator; the check of the answer is the same).
    public_key["authenticatorSelection"]["residentKey"] = "required".into();
    public_key["authenticatorSelection"]["requireResidentKey"] = true.into();
    Ok((StatusCode::CREATED, Json(PasskeyChallenge { ceremony: token.token, public_key })))
}

/// What a registration keeps between its two requests.
#[derive(Serialize, Deserialize)]
struct Kept {
    handle: String,
    registration: PasskeyRegistration,
}

/// `POST /v1/passkeys`: adds the passkey the authenticator made for the challenge.
#[utoipa::path(post, path = "/passkeys", tag = "passkeys", request_body = NewPasskey,
    security(("reader_token" = [])),
    responses(
        (status = 201, description = "Added", body = PasskeyInfo),
        (status = 401, description = "Not signed in, or `passkey_refused`: the challenge is unknown, expired or answered already, or the answer fails a check", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The passkey is already someone's", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Passkeys are not set up on this server", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn register(
    State(state): State<AppState>,
    reader: SignedIn,
    Json(body): Json<NewPasskey>,
) -> AppResult<(StatusCode, Json<PasskeyInfo>)> {
    let passkeys = configured(&state)?;
    let taken = ceremonies::take(&state.db, &token_hash(&body.ceremony), Kind::PasskeyRegistration).await?;
    let Some(taken) = taken.filter(|taken| taken.reader_id == Some(reader.id)) else {
        return Err(AppError::PasskeyRefused(
            "This passkey challenge expired or was answered already. Try again.",
        ));
    };
    let kept: Kept = serde_json::from_str(&taken.state)
        .map_err(|error| AppError::internal("reading a ceremony", error))?;
    let passkey = passkeys
        .webauthn()
        .finish_passkey_registration(&body.credential, &kept.registration)
        .map_err(|error| {
            tracing::info!(error = %error, "a passkey registration was refused");
            AppError::PasskeyRefused("The passkey's answer did not pass the checks.")
        })?;
    let credential =
        serde_json::to_string(&passkey).map_err(|error| AppError::internal("writing a passkey", error))?;
    let credential_id = URL_SAFE_NO_PAD.encode(passkey.cred_id());
    let sign_count = i64::from(counter(&passkey));
    let new = passkeys::New {
        reader_id: reader.id,
        credential_id: &credential_id,
        user_handle: &kept.handle,
        credential: &credential,
        sign_count,
    };
    let added = passkeys::add(&state.db, &new)
        .await?
        .ok_or_else(|| AppError::Conflict("This passkey is already registered.".to_owned()))?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// `GET /v1/passkeys`: the signed-in reader's passkeys, oldest first.
#[utoipa::path(get, path = "/passkeys", tag = "passkeys",
    security(("reader_token" = [])),
    responses(
        (status = 200, description = "The reader's passkeys", body = [PasskeyInfo]),
        (status = 401, description = "Not signed in", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn list(State(state): State<AppState>, reader: SignedIn) -> AppResult<Json<Vec<PasskeyInfo>>> {
    Ok(Json(passkeys::list(&state.db, reader.id).await?))
}

/// `DELETE /v1/passkeys/{id}`: removes one of the signed-in reader's passkeys; it signs
/// nobody in again.
#[utoipa::path(delete, path = "/passkeys/{id}", tag = "passkeys",
    params(("id" = i64, Path, description = "The passkey's id")),
    security(("reader_token" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The reader has no passkey with this id", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn remove(
    State(state): State<AppState>,
    reader: SignedIn,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    if passkeys::remove(&state.db, reader.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound("You have no passkey with this id.".to_owned()))
    }
}

/// `POST /v1/passkeys/challenges`: a challenge any of the site's passkeys can answer, for the
/// browser's autofill (conditional mediation) or its passkey picker.
#[utoipa::path(post, path = "/passkeys/challenges", tag = "passkeys",
    responses(
        (status = 201, description = "The challenge", body = PasskeyChallenge),
        (status = 403, description = "`passkey_wrong_site`: passkeys here are for another site than the page's", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Passkeys are not set up on this server", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn start_sign_in(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
) -> AppResult<(StatusCode, Json<PasskeyChallenge>)> {
    let passkeys = for_page(&state, &headers)?;
    state.limits.ceremonies_per_client.check(&client).await?;
    let (challenge, authentication) = passkeys
        .webauthn()
        .start_discoverable_authentication()
        .map_err(|error| AppError::internal("starting a passkey sign-in", error))?;
    let kept = serde_json::to_string(&authentication)
        .map_err(|error| AppError::internal("keeping a ceremony", error))?;
    let token = NewToken::generate();
    ceremonies::start(&state.db, &token.hash, Kind::PasskeySignIn, None, &kept, CEREMONY_SECONDS).await?;
    let public_key = serde_json::to_value(&challenge.public_key)
        .map_err(|error| AppError::internal("writing a passkey challenge", error))?;
    Ok((StatusCode::CREATED, Json(PasskeyChallenge { ceremony: token.token, public_key })))
}

/// `POST /v1/sessions/passkey`: a passkey's answer to a sign-in challenge in, a new session
/// out. A removed passkey, a copied one (its counter not ahead of the last), a changed backup
/// flag or a wrong signature is refused, and the challenge is spent either way.
#[utoipa::path(post, path = "/sessions/passkey", tag = "sign-in", request_body = PasskeySignIn,
    responses(
        (status = 201, description = "Signed in", body = paywall_protocol::SessionTokens),
        (status = 401, description = "`passkey_refused`: the challenge is unknown, expired or answered already, the passkey is unknown, or the answer fails a check", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Passkeys are not set up on this server", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<PasskeySignIn>,
) -> AppResult<Response> {
    let passkeys = configured(&state)?;
    state.limits.sign_in_per_client.check(&client).await?;
    let taken = ceremonies::take(&state.db, &token_hash(&body.ceremony), Kind::PasskeySignIn).await?.ok_or(
        AppError::PasskeyRefused("This passkey challenge expired or was answered already. Try again."),
    )?;
    let authentication: DiscoverableAuthentication = serde_json::from_str(&taken.state)
        .map_err(|error| AppError::internal("reading a ceremony", error))?;
    let webauthn = passkeys.webauthn();
    let (handle, credential_id) = webauthn
        .identify_discoverable_authentication(&body.credential)
        .map_err(|_| AppError::PasskeyRefused("The passkey did not say whose it is."))?;
    let credential_id = URL_SAFE_NO_PAD.encode(credential_id);
    let stored = passkeys::by_credential_id(&state.db, &credential_id).await?.filter(|stored| {
        Uuid::parse_str(&stored.user_handle).is_ok_and(|stored_handle| stored_handle == handle)
    });
    let Some(stored) = stored else {
        return Err(AppError::PasskeyRefused(
            "This passkey is not registered here (it may have been removed). Sign in another way.",
        ));
    };
    let mut passkey: Passkey = serde_json::from_str(&stored.credential)
        .map_err(|error| AppError::internal("reading a passkey", error))?;
    let result = webauthn
        .finish_discoverable_authentication_v2(&body.credential, authentication, &passkey)
        .map_err(|error| {
        tracing::warn!(reader = stored.reader_id, error = %error, "a passkey sign-in was refused");
        AppError::PasskeyRefused("The passkey's answer did not pass the checks.")
    })?;
    passkey.update_credential(&result);
    let credential =
        serde_json::to_string(&passkey).map_err(|error| AppError::internal("writing a passkey", error))?;
    if !passkeys::used(&state.db, &stored, &credential, i64::from(result.counter())).await? {
        tracing::warn!(reader = stored.reader_id, "two sign-ins answered with one passkey counter");
        return Err(AppError::PasskeyRefused("The passkey's answer did not pass the checks."));
    }
    let email = readers::email(&state.db, stored.reader_id)
        .await?
        .ok_or(AppError::PasskeyRefused("This passkey's account no longer exists."))?;
    start_session(&state, stored.reader_id, email).await
}

/// The relying party, or 503 when passkeys are off.
fn configured(state: &AppState) -> AppResult<&Passkeys> {
    state.passkeys.as_deref().ok_or(AppError::Unavailable("Passkeys are not set up on this server."))
}

/// The relying party, for a page it serves (by the request's `Origin`).
fn for_page<'a>(state: &'a AppState, headers: &HeaderMap) -> AppResult<&'a Passkeys> {
    let passkeys = configured(state)?;
    passkeys.check_page(headers.get(header::ORIGIN).and_then(|origin| origin.to_str().ok()))?;
    Ok(passkeys)
}

/// A passkey's signature counter, as its JSON holds it (webauthn-rs keeps it internal).
fn counter(passkey: &Passkey) -> u32 {
    serde_json::to_value(passkey)
        .ok()
        .and_then(|value| value.pointer("/cred/counter").and_then(serde_json::Value::as_u64))
        .and_then(|count| u32::try_from(count).ok())
        .unwrap_or(0)
}
