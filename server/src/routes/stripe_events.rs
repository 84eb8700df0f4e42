//! `POST /v1/webhooks/stripe`: Stripe's signed events, which keep the subscriptions the
//! entitlement reads up to date.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::checkout::selling;
use crate::error::{AppError, AppResult};
use crate::http::extract::RawBody;
use crate::money::ProviderError;
use crate::money::stripe_events::{self, Event};
use crate::state::AppState;
use crate::store::payments;

/// The largest webhook body read: Stripe's events carry whole objects.
pub(super) const MAX_WEBHOOK_BYTES: usize = 512 * 1024;
/// Where Stripe sends its events.
pub(super) const PATH: &str = "/v1/webhooks/stripe";

/// The webhook's route, with its own body limit.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stripe_webhook)).layer(DefaultBodyLimit::max(MAX_WEBHOOK_BYTES))
}

/// `POST /v1/webhooks/stripe`: one of Stripe's events, its `Stripe-Signature` checked over the
/// raw body before anything is read. Each event is processed once, in the transaction of its
/// effect; for every event about a subscription the server stores the provider's current state
/// of it, so that events in any order, and more than once, leave the same final state. Events
/// the server does not act on answer 200 and change nothing.
#[utoipa::path(post, path = "/webhooks/stripe", tag = "checkout",
    params(("Stripe-Signature" = String, Header, description = "`t=…,v1=…`, as Stripe signs it")),
    request_body(content = Object, content_type = "application/json", description = "A Stripe event"),
    responses(
        (status = 200, description = "Processed (or already, or nothing to do)"),
        (status = 400, description = "A missing, forged or stale signature, or not an event: nothing written",
            body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 502, description = "The provider could not be asked for the subscription's state: send it again",
            body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> AppResult<StatusCode> {
    let signature = headers.get("stripe-signature").and_then(|value| value.to_str().ok());
    process_event(&state, signature, &body).await?;
    Ok(StatusCode::OK)
}

/// Checks and processes one signed event: the webhook's work, also what the demo's checkout
/// and billing pages send their events through.
pub(super) async fn process_event(state: &AppState, signature: Option<&str>, body: &[u8]) -> AppResult<()> {
    let payments = selling(state)?;
    stripe_events::verify(signature, body, &payments.webhook_secrets, crate::time::now()).map_err(
        |error| {
            tracing::warn!(%error, "a webhook was refused");
            AppError::InvalidRequest { status: StatusCode::BAD_REQUEST, detail: format!("Refused: {error}.") }
        },
    )?;
    let event: Event = serde_json::from_slice(body).map_err(|_| AppError::InvalidRequest {
        status: StatusCode::BAD_REQUEST,
        detail: "The body is not a Stripe event.".into(),
    })?;
    if payments::event_seen(&state.db, &event.id).await? {
        return Ok(());
    }
    let Some(subscription) = event.subscription_id() else {
        payments::record_event(&state.db, &event.id, &event.kind).await?;
        return Ok(());
    };
    let subscription = match payments.provider.subscription(&subscription).await {
        Ok(subscription) => subscription,
        // Not one the provider knows (any more): nothing to follow.
        Err(ProviderError::NotFound) => {
            payments::record_event(&state.db, &event.id, &event.kind).await?;
            return Ok(());
        }
        Err(error) => return Err(error.into()),
    };
    let applied =
        payments::apply(&state.db, Some((&event.id, &event.kind)), &subscription, event.checkout_id())
            .await?;
    tracing::info!(event = %event.id, kind = %event.kind, ?applied, "a provider event");
    Ok(())
}
