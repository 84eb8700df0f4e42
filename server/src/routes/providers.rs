//! Sign-in with an OpenID Connect provider, in four steps. The widget asks for the provider's
//! address (`POST /v1/providers/{id}/sign-ins`) and sends the reader there; the provider sends
//! them back to `/v1/providers/{id}/callback`, where the server trades the code for the ID
//! token, checks it and finds the reader; the callback sends the reader on to the article with
//! a one-time token in its address, and the widget trades that for a session
//! (`POST /v1/sessions/provider`), or for the reason there is none. Also
//! `GET /v1/sign-in-methods`: the passkeys and providers the widget may offer.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maud::html;
use paywall_protocol::{
    ProviderSignIn, ProviderSignInRequest, ProviderSignInStarted, SignInMethods, fragments,
};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::pages::page;
use super::sessions::start_session;
use crate::auth::providers::{Away, Provider, Providers, SIGN_IN_SECONDS};
use crate::error::{AppError, AppResult};
use crate::http::client::Client;
use crate::http::extract::{Json, Path, Query};
use crate::random::{NewToken, token_hash};
use crate::state::AppState;
use crate::store::ceremonies::{self, Kind};
use crate::store::identities::{self, Linked};
use crate::store::readers;

/// How long the widget has to take a finished sign-in (it does so as the page loads).
const RETURN_SECONDS: i64 = 2 * 60;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(methods))
        .routes(routes!(start))
        .routes(routes!(callback))
        .routes(routes!(sign_in))
}

/// `GET /v1/sign-in-methods`: the passkeys' site and the providers, as configured.
#[utoipa::path(get, path = "/sign-in-methods", tag = "sign-in",
    responses((status = 200, description = "What the widget may offer besides codes and passwords", body = SignInMethods)))]
async fn methods(State(state): State<AppState>) -> Response {
    let methods = SignInMethods {
        passkeys: state.passkeys.as_ref().map(|passkeys| passkeys.rp_id().to_owned()),
        providers: state.providers.as_ref().map(|providers| providers.public()).unwrap_or_default(),
    };
    // The configuration changes only with a restart.
    ([(header::CACHE_CONTROL, HeaderValue::from_static("max-age=300"))], Json(methods)).into_response()
}

/// `POST /v1/providers/{id}/sign-ins`: the provider's sign-in page for this reader, to come
/// back to `return_to` signed in.
#[utoipa::path(post, path = "/providers/{id}/sign-ins", tag = "sign-in", request_body = ProviderSignInRequest,
    params(("id" = String, Path, description = "The provider's id")),
    responses(
        (status = 201, description = "Where to send the reader", body = ProviderSignInStarted),
        (status = 404, description = "No provider has this id", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A return_to on no allowed site, or not on the asking page's", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 502, description = "`provider_unavailable`: the provider is not answering", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn start(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<ProviderSignInRequest>,
) -> AppResult<(StatusCode, Json<ProviderSignInStarted>)> {
    let (providers, provider) = provider(&state, &id)?;
    let return_to = state.page_on_allowed_site(&body.return_to)?;
    let return_to = return_to.split('#').next().unwrap_or_default().to_owned();
    // The reader comes back to the tab that started the sign-in, which keeps the binding: on
    // another site's page it could not be read.
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|origin| origin.to_str().ok())
        && !return_to.strip_prefix(origin).is_some_and(|path| path.is_empty() || path.starts_with('/'))
    {
        return Err(AppError::InvalidInput("return_to must be a page of the site that asks.".to_owned()));
    }
    state.limits.ceremonies_per_client.check(&client).await?;
    let token = NewToken::generate();
    let binding = NewToken::generate();
    let callback = callback_url(&state, provider);
    let kept_binding = URL_SAFE_NO_PAD.encode(&binding.hash);
    let (url, away) = providers.start(provider, &callback, &token.token, return_to, kept_binding).await?;
    let away =
        serde_json::to_string(&away).map_err(|error| AppError::internal("keeping a sign-in", error))?;
    ceremonies::start(&state.db, &token.hash, Kind::ProviderSignIn, None, &away, SIGN_IN_SECONDS).await?;
    Ok((StatusCode::CREATED, Json(ProviderSignInStarted { url, binding: binding.token })))
}

/// What the provider sends the reader back with.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ProviderAnswer {
    /// The authorization code, on success.
    code: Option<String>,
    /// The sign-in's `state`.
    state: Option<String>,
    /// Why not, otherwise (`access_denied`: the reader said no).
    error: Option<String>,
}

/// How a provider's sign-in ended, kept for the widget to take.
#[derive(Serialize, Deserialize)]
enum Ended {
    SignedIn,
    AccountExists,
    Unverified,
    Refused(String),
    Unavailable(String),
}

/// What the widget's token takes: how it ended, for the tab with the binding.
#[derive(Serialize, Deserialize)]
struct Returned {
    ended: Ended,
    binding: String,
}

/// `GET /v1/providers/{id}/callback`: where the provider sends the reader back. The sign-in
/// named by `state` is taken (once); the code is traded and the ID token checked; the reader is
/// sent on to the article with a token that says how it ended. An unknown, spent or expired
/// `state` ends here, on a page that says so.
#[utoipa::path(get, path = "/providers/{id}/callback", tag = "sign-in", params(("id" = String, Path, description = "The provider's id"), ProviderAnswer),
    responses(
        (status = 303, description = "Back to the article, with a token for `POST /v1/sessions/provider`"),
        (status = 400, description = "The sign-in is unknown, expired or finished already (an HTML page)", content_type = "text/html"),
        (status = 404, description = "No provider has this id", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn callback(
    State(state): State<AppState>,
    client: Client,
    Path(id): Path<String>,
    Query(answer): Query<ProviderAnswer>,
) -> AppResult<Response> {
    let (providers, provider) = provider(&state, &id)?;
    state.limits.sign_in_per_client.check(&client).await?;
    let taken = match &answer.state {
        Some(sign_in) => ceremonies::take(&state.db, &token_hash(sign_in), Kind::ProviderSignIn).await?,
        None => None,
    };
    let away = taken.and_then(|taken| serde_json::from_str::<Away>(&taken.state).ok());
    let Some(away) = away.filter(|away| away.provider == provider.id) else {
        return Ok(page(
            StatusCode::BAD_REQUEST,
            "Sign-in expired",
            html! {
                h1 { "This sign-in has expired" }
                p { "It was finished already, or took too long. Go back to the article and sign in again." }
            },
        ));
    };
    let (return_to, binding) = (away.return_to.clone(), away.binding.clone());
    let (ended, reader_id) = match (answer.error, answer.code) {
        (Some(error), _) => {
            let why = if error == "access_denied" {
                format!("You did not allow {} to sign you in here.", provider.name)
            } else {
                format!("{} did not sign you in. Try again, or sign in another way.", provider.name)
            };
            (Ended::Refused(why), None)
        }
        (None, None) => (Ended::Refused(format!("{} sent no code back.", provider.name)), None),
        (None, Some(code)) => match finish(&state, providers, provider, code, away).await {
            Ok(Linked::Reader(reader_id)) => (Ended::SignedIn, Some(reader_id)),
            Ok(Linked::EmailTaken) => (Ended::AccountExists, None),
            Ok(Linked::Unverified) => (Ended::Unverified, None),
            Err(AppError::ProviderRefused(why)) => (Ended::Refused(why), None),
            Err(AppError::ProviderUnavailable(why)) => (Ended::Unavailable(why), None),
            // The sign-in is spent: the reader is sent back to the article all the same, to
            // hear it there rather than on an error page of ours.
            Err(other) => {
                tracing::error!(error = %crate::error::with_causes(&other), "a provider's sign-in could not be finished");
                (
                    Ended::Unavailable(
                        "The sign-in could not be finished. Try again in a moment.".to_owned(),
                    ),
                    None,
                )
            }
        },
    };
    let token = NewToken::generate();
    let returned = serde_json::to_string(&Returned { ended, binding })
        .map_err(|error| AppError::internal("keeping a sign-in", error))?;
    ceremonies::start(&state.db, &token.hash, Kind::ProviderReturn, reader_id, &returned, RETURN_SECONDS)
        .await?;
    let mut response =
        Redirect::to(&format!("{return_to}{}{}", fragments::PROVIDER_SIGN_IN, token.token)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// Trades the code and finds the reader the identity is.
async fn finish(
    state: &AppState,
    providers: &Providers,
    provider: &Provider,
    code: String,
    away: Away,
) -> AppResult<Linked> {
    let identity = providers.finish(provider, &callback_url(state, provider), code, away).await?;
    let email = identity.email.as_deref().and_then(readers::valid_email).ok_or_else(|| {
        AppError::ProviderRefused(format!("{} did not give an email address we can use.", provider.name))
    })?;
    Ok(identities::sign_in(&state.db, &identity.issuer, &identity.subject, &email, identity.email_verified)
        .await?)
}

/// `POST /v1/sessions/provider`: the token the callback put in the article's address in, a
/// session out, or why the sign-in did not end in one. Each token is taken once.
#[utoipa::path(post, path = "/sessions/provider", tag = "sign-in", request_body = ProviderSignIn,
    responses(
        (status = 201, description = "Signed in", body = paywall_protocol::SessionTokens),
        (status = 401, description = "`provider_refused`: the reader said no at the provider, or its answer failed a check; or the token is unknown, used or expired", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`unverified_email`: the provider did not verify the email, which has no account here", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`unverified_email`: the email has an account here, and the provider did not verify it", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many tries; `retry_after` says when to try again", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 502, description = "`provider_unavailable`: the provider did not answer", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<ProviderSignIn>,
) -> AppResult<Response> {
    state.limits.sign_in_per_client.check(&client).await?;
    let taken =
        ceremonies::take(&state.db, &token_hash(&body.token), Kind::ProviderReturn).await?.ok_or_else(
            || AppError::ProviderRefused("This sign-in expired or was used already. Sign in again.".into()),
        )?;
    let returned: Returned =
        serde_json::from_str(&taken.state).map_err(|error| AppError::internal("reading a sign-in", error))?;
    if URL_SAFE_NO_PAD.encode(token_hash(&body.binding)) != returned.binding {
        tracing::warn!("a provider's sign-in was brought to a tab that did not start it");
        return Err(AppError::ProviderRefused(
            "This sign-in was started in another browser or tab. Sign in again here.".into(),
        ));
    }
    match (returned.ended, taken.reader_id) {
        (Ended::SignedIn, Some(reader_id)) => {
            let email = readers::email(&state.db, reader_id)
                .await?
                .ok_or(AppError::InvalidToken("The account no longer exists."))?;
            start_session(&state, reader_id, email).await
        }
        (Ended::AccountExists, _) => Err(AppError::ProviderAccountExists),
        (Ended::Unverified, _) => Err(AppError::ProviderUnverified),
        (Ended::Refused(why), _) => Err(AppError::ProviderRefused(why)),
        (Ended::Unavailable(why), _) => Err(AppError::ProviderUnavailable(why)),
        (Ended::SignedIn, None) => Err(AppError::bug("a finished sign-in without its reader")),
    }
}

fn provider<'a>(state: &'a AppState, id: &str) -> AppResult<(&'a Providers, &'a Provider)> {
    let providers = state.providers.as_deref();
    providers
        .and_then(|providers| Some((providers, providers.get(id)?)))
        .ok_or_else(|| AppError::NotFound("No identity provider has this id.".to_owned()))
}

/// Where the provider sends the reader back: register it with the provider.
fn callback_url(state: &AppState, provider: &Provider) -> String {
    format!("{}/v1/providers/{}/callback", state.public_url, provider.id)
}
