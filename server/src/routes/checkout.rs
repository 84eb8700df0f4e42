//! Paying: `/v1/checkout` starts the provider's hosted checkout and, back on the article,
//! confirms it (asking the provider itself when its webhook has not arrived yet) and signs
//! the browser that started it in; `/v1/billing-portal` sends a subscriber to manage their
//! subscription (the provider's signed events come in through `routes::stripe_events`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use paywall_protocol::fragments;
use paywall_protocol::{CheckoutPending, CheckoutRequest, CheckoutStarted, Portal, PortalRequest, Reason};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::entitlement::{self, Asker, Decision, Question};
use crate::auth::SignedIn;
use crate::error::{AppError, AppResult};
use crate::http::client::Client;
use crate::http::extract::{Json, Path};
use crate::money::NewCheckout;
use crate::money::Payments;
use crate::random::{NewToken, token_hash};
use crate::state::AppState;
use crate::store::{offers, payments, readers};

/// The payment routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(start)).routes(routes!(confirm)).routes(routes!(billing_portal))
}

/// The payment provider, if this server sells.
pub(super) fn selling(state: &AppState) -> AppResult<&Payments> {
    state
        .payments
        .as_deref()
        .ok_or(AppError::Unavailable("Selling subscriptions is not set up on this server."))
}

/// `POST /v1/checkout`: starts the provider's checkout for an offer, for the signed-in reader
/// or for an email that has no account yet (a reader with one signs in first). Refused for an
/// offer no longer sold and for a reader whose subscription already opens its tier.
#[utoipa::path(post, path = "/checkout", tag = "checkout", request_body = CheckoutRequest,
    security((), ("reader_token" = [])),
    responses(
        (status = 201, description = "Send the reader to `url`; keep `checkout_token`", body = CheckoutStarted),
        (status = 409, description = "`offer_unavailable`, `already_subscribed`, or `account_exists` (sign in first)",
            body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No email, or a return_to on no allowed site", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 502, description = "The payment provider could not be reached", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn start(
    State(state): State<AppState>,
    client: Client,
    reader: Option<SignedIn>,
    Json(body): Json<CheckoutRequest>,
) -> AppResult<(StatusCode, Json<CheckoutStarted>)> {
    let payments = selling(&state)?;
    state.limits.sign_in_per_client.check(&client).await?;
    let offer = offers::by_id(&state.db, body.offer_id)
        .await?
        .filter(|offer| offer.settings.active)
        .ok_or_else(|| AppError::Refused("This offer is no longer sold.".into(), Reason::OfferUnavailable))?;
    let return_to = state.page_on_allowed_site(&body.return_to)?;
    let (reader_id, email) = match reader {
        Some(reader) => {
            let email = readers::email(&state.db, reader.id)
                .await?
                .ok_or(AppError::InvalidToken("The account no longer exists."))?;
            (Some(reader.id), email)
        }
        None => {
            let email = body.email.as_deref().and_then(readers::valid_email).ok_or(AppError::InvalidEmail)?;
            if readers::by_email(&state.db, &email).await?.is_some() {
                return Err(AppError::Refused(
                    "This email has an account here: sign in first, then subscribe.".into(),
                    Reason::AccountExists,
                ));
            }
            (None, email)
        }
    };
    if let Some(id) = reader_id
        && let Decision::Granted(_) = entitlement::decide(
            &state.db,
            Question { tier: &offer.settings.tier, asker: Asker::Reader(id), read: None },
        )
        .await?
        .decision
    {
        return Err(AppError::Refused(
            "Your subscription already includes this: there is nothing more to pay for.".into(),
            Reason::AlreadySubscribed,
        ));
    }
    let customer = match reader_id {
        Some(id) => payments::customer_of(&state.db, id).await?,
        None => None,
    };
    let page = return_to.split('#').next().unwrap_or(&return_to);
    let token = NewToken::generate();
    let checkout = payments
        .provider
        .create_checkout(&NewCheckout {
            price: &offer.settings.provider_price,
            email: &email,
            customer: customer.as_deref(),
            trial_days: offer.settings.trial_days,
            success_url: format!("{page}{}{{CHECKOUT_SESSION_ID}}", fragments::CHECKOUT),
            cancel_url: page,
            offer_id: offer.id,
        })
        .await?;
    let article = match &body.article_id {
        Some(id) => crate::store::articles::tier(&state.db, id).await?.map(|_| id.as_str()),
        None => None,
    };
    let row = payments::NewCheckoutRow {
        id: &checkout.id,
        offer_id: offer.id,
        reader_id,
        email: &email,
        browser_hash: &token.hash,
        return_to: page,
        article_id: article,
    };
    payments::start_checkout(&state.db, &row).await?;
    if let Some(article) = article {
        crate::store::events::count_after(&state.db, article, crate::store::events::CHECKOUT_STARTED).await;
    }
    let url = on_this_server(&state, checkout.url);
    let started = CheckoutStarted { url, checkout_id: checkout.id, checkout_token: token.token };
    Ok((StatusCode::CREATED, Json(started)))
}

/// `GET /v1/checkout/{id}`, with `Paywall-Checkout-Token`: confirms a paid checkout, once, for
/// the browser that started it, and signs it in. When the provider's webhook has not arrived,
/// the server asks the provider itself; while it is not paid yet the answer is `202`.
#[utoipa::path(get, path = "/checkout/{id}", tag = "checkout",
    params(("id" = String, Path, description = "The checkout's id, from the return URL"),
           ("Paywall-Checkout-Token" = String, Header, description = "The token `POST /v1/checkout` gave this browser")),
    responses(
        (status = 201, description = "Paid: the reader is signed in", body = paywall_protocol::SessionTokens),
        (status = 202, description = "Not paid yet: ask again in a moment", body = CheckoutPending),
        (status = 404, description = "No checkout with this id was started by this browser",
            body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`checkout_confirmed`: it was confirmed already", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let payments = selling(&state)?;
    let unknown = || AppError::NotFound("No checkout with this id was started by this browser.".into());
    let token = headers
        .get(paywall_protocol::headers::CHECKOUT_TOKEN)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(unknown)?;
    let hash = token_hash(token.trim());
    let checkout = payments::checkout_of(&state.db, &id, &hash).await?.ok_or_else(unknown)?;
    let confirmed =
        || AppError::Refused("This checkout was confirmed already.".into(), Reason::CheckoutConfirmed);
    if checkout.confirmed_at.is_some() {
        return Err(confirmed());
    }
    if checkout.completed_at.is_none() {
        // Paid, but the webhook may still be on its way: the provider itself says.
        let paid = payments.provider.checkout(&id).await?;
        let Some(subscription) = paid.subscription.filter(|_| paid.complete) else {
            let pending = CheckoutPending { status: CheckoutPending::PENDING.into() };
            return Ok((StatusCode::ACCEPTED, Json(pending)).into_response());
        };
        let subscription = payments.provider.subscription(&subscription).await?;
        payments::apply(&state.db, None, &subscription, Some(&id)).await?;
    }
    // Whom the checkout may sign in: the reader who started it, or the account it made. Never
    // an account the email already had: paying with someone's address is no way into it.
    let reader_id =
        payments::checkout_of(&state.db, &id, &hash).await?.and_then(|checkout| checkout.reader_id);
    if !payments::confirm_checkout(&state.db, &id, &hash).await? {
        return Err(confirmed());
    }
    let Some(reader_id) = reader_id else {
        return Err(AppError::Refused(
            "Paid. This email has an account here: sign in to read.".into(),
            Reason::AccountExists,
        ));
    };
    let email = readers::email(&state.db, reader_id)
        .await?
        .ok_or_else(|| AppError::bug("a paid checkout's reader"))?;
    super::sessions::start_session(&state, reader_id, email).await
}

/// `POST /v1/billing-portal`: the provider's billing portal for the signed-in reader, where
/// they change or cancel their subscription.
#[utoipa::path(post, path = "/billing-portal", tag = "checkout", request_body = PortalRequest,
    security(("reader_token" = [])),
    responses(
        (status = 200, description = "Send the reader to `url`", body = Portal),
        (status = 404, description = "The reader has never paid here", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 502, description = "The payment provider could not be reached", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn billing_portal(
    State(state): State<AppState>,
    reader: SignedIn,
    Json(body): Json<PortalRequest>,
) -> AppResult<Json<Portal>> {
    let payments = selling(&state)?;
    let return_to = state.page_on_allowed_site(&body.return_to)?;
    let customer = payments::customer_of(&state.db, reader.id).await?.ok_or_else(|| {
        AppError::NotFound("There is no paid subscription to manage for this account.".into())
    })?;
    let url = payments.provider.portal(&customer, &return_to).await?;
    Ok(Json(Portal { url: on_this_server(&state, url) }))
}

/// A provider URL starting with `/` is on this server (the demo's pages).
fn on_this_server(state: &AppState, url: String) -> String {
    if url.starts_with('/') { format!("{}{url}", state.public_url) } else { url }
}
