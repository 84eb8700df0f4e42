//! The demo provider's pages (demo mode without Stripe keys): a checkout with a "Pay" button
//! and no card, and a billing portal where a subscription is cancelled. Each sends the event
//! Stripe would, signed with the demo's secret, through the same code as Stripe's webhooks.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;
use serde_json::json;

use super::pages::page;
use super::stripe_events::process_event;
use crate::error::{AppError, AppResult};
use crate::http::extract::Form;
use crate::money::demo::Demo;
use crate::money::{Provider, ProviderSubscription, stripe_events};
use crate::state::AppState;
use crate::store::offers;
use crate::time::now;
use paywall_protocol::admin::SubscriptionStatus;

/// The demo provider's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/demo/checkout/{id}", get(checkout_page))
        .route("/demo/checkout/{id}/pay", post(pay))
        .route("/demo/billing/{id}", get(portal_page))
        .route("/demo/billing/{id}", post(change))
}

fn demo(state: &AppState) -> AppResult<&Demo> {
    match state.payments.as_deref().map(|payments| &payments.provider) {
        Some(Provider::Demo(demo)) => Ok(demo),
        _ => Err(AppError::NotFound("Nothing is at this address.".into())),
    }
}

/// The price as a reader reads it: `€8.00 / month`.
fn price(amount: i64, currency: &str, interval: paywall_protocol::BillingInterval) -> String {
    let symbol = match currency {
        "eur" => "€".to_owned(),
        "usd" => "$".to_owned(),
        "gbp" => "£".to_owned(),
        other => format!("{} ", other.to_ascii_uppercase()),
    };
    let per = match interval {
        paywall_protocol::BillingInterval::Month => "month",
        paywall_protocol::BillingInterval::Year => "year",
    };
    format!("{symbol}{}.{:02} / {per}", amount / 100, amount % 100)
}

/// `GET /demo/checkout/{id}`: the offer, and Pay or Cancel.
async fn checkout_page(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let checkout =
        demo(&state)?.open_checkout(&id).ok_or_else(|| AppError::NotFound("No such checkout.".into()))?;
    let offer = offers::by_id(&state.db, checkout.offer_id)
        .await?
        .ok_or_else(|| AppError::bug("a demo checkout's offer"))?;
    let body = html! {
        p class="quiet" { "Demo checkout: this stands in for the payment provider's page. No card, no money." }
        h1 { "Subscribe to " (state.config.publication) }
        p { strong { (offer.settings.name) } " — " (price(offer.settings.amount, &offer.settings.currency, offer.settings.interval)) }
        @if checkout.trial_days > 0 {
            p { (checkout.trial_days) " days free, then the price above." }
        }
        p { "For " (checkout.email) }
        form method="post" action=(format!("/demo/checkout/{id}/pay")) {
            button type="submit" { "Pay (demo)" }
        }
        p { a href=(checkout.cancel_url) { "Cancel and go back to the article" } }
    };
    Ok(with_forms(&state, page(StatusCode::OK, "Demo checkout", body)))
}

/// `POST /demo/checkout/{id}/pay`: the checkout is paid; Stripe's two events are sent through
/// the webhook code (now, or after the configured delay); back to the article.
async fn pay(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let demo = demo(&state)?;
    let checkout = demo.open_checkout(&id).ok_or_else(|| AppError::NotFound("No such checkout.".into()))?;
    let interval = offers::by_id(&state.db, checkout.offer_id).await?.map(|offer| offer.settings.interval);
    let days = if interval == Some(paywall_protocol::BillingInterval::Year) { 365 } else { 30 };
    let subscription = demo.pay(&id, days).ok_or_else(|| AppError::NotFound("No such checkout.".into()))?;
    let delay = std::time::Duration::from_millis(state.config.demo.event_delay_ms);
    if delay.is_zero() {
        send_paid(&state, &id, &subscription).await?;
    } else {
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Err(error) = send_paid(&state, &id, &subscription).await {
                tracing::error!(%error, "the demo's delayed events failed");
            }
        });
    }
    Ok(Redirect::to(&checkout.success_url).into_response())
}

/// The events Stripe sends for a paid checkout.
async fn send_paid(state: &AppState, checkout: &str, subscription: &str) -> AppResult<()> {
    let demo = demo(state)?;
    let created = json!({"id": subscription, "object": "subscription"});
    send(state, demo, "customer.subscription.created", created).await?;
    let session = json!({"id": checkout, "object": "checkout.session", "subscription": subscription});
    send(state, demo, "checkout.session.completed", session).await
}

/// `GET /demo/billing/{id}`: the customer's subscriptions, and what can be done to them.
async fn portal_page(State(state): State<AppState>, Path(id): Path<String>) -> AppResult<Response> {
    let (_, back, subscriptions) = demo(&state)?
        .portal_session(&id)
        .ok_or_else(|| AppError::NotFound("This portal session has ended.".into()))?;
    let body = html! {
        p class="quiet" { "Demo billing portal: this stands in for the payment provider's. No card, no money." }
        h1 { "Your subscription" }
        @for subscription in &subscriptions {
            p { (describe(subscription)) }
            form method="post" action=(format!("/demo/billing/{id}")) {
                input type="hidden" name="subscription" value=(subscription.id);
                @if subscription.cancel_at_period_end {
                    button type="submit" name="action" value="resume" { "Keep my subscription" }
                } @else if opens(subscription.status) {
                    button type="submit" name="action" value="cancel" { "Cancel at the end of the period" }
                }
                @if opens(subscription.status) {
                    " "
                    button type="submit" name="action" value="end" { "End it now" }
                }
            }
        }
        p { a href=(back) { "Back to the article" } }
    };
    Ok(with_forms(&state, page(StatusCode::OK, "Demo billing portal", body)))
}

/// What the portal's buttons post.
#[derive(Deserialize)]
struct Change {
    subscription: String,
    action: String,
}

/// `POST /demo/billing/{id}`: cancel at period end, keep, or end now; Stripe's event is sent
/// through the webhook code; back to the portal.
async fn change(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<Change>,
) -> AppResult<Response> {
    let demo = demo(&state)?;
    let (customer, _, _) = demo
        .portal_session(&id)
        .ok_or_else(|| AppError::NotFound("This portal session has ended.".into()))?;
    let kind = match form.action.as_str() {
        "cancel" | "resume" => "customer.subscription.updated",
        "end" => "customer.subscription.deleted",
        _ => return Err(AppError::InvalidInput("Unknown action.".into())),
    };
    demo.change(&customer, &form.subscription, |subscription| match form.action.as_str() {
        "cancel" => subscription.cancel_at_period_end = true,
        "resume" => subscription.cancel_at_period_end = false,
        _ => {
            subscription.status = SubscriptionStatus::Canceled;
            subscription.current_period_end = now();
        }
    })
    .ok_or_else(|| AppError::NotFound("No such subscription.".into()))?;
    send(&state, demo, kind, json!({"id": form.subscription, "object": "subscription"})).await?;
    Ok(Redirect::to(&format!("/demo/billing/{id}")).into_response())
}

/// Sends an event as Stripe would: signed with the demo's secret, through the webhook code.
async fn send(state: &AppState, demo: &Demo, kind: &str, object: serde_json::Value) -> AppResult<()> {
    let event = json!({"id": format!("evt_demo_{}", crate::random::token()), "object": "event", "type": kind,
                       "created": now(), "data": {"object": object}});
    let body = event.to_string();
    let signature = stripe_events::sign(body.as_bytes(), demo.secret(), now());
    process_event(state, Some(&signature), body.as_bytes()).await
}

fn opens(status: SubscriptionStatus) -> bool {
    matches!(status, SubscriptionStatus::Active | SubscriptionStatus::Trialing | SubscriptionStatus::PastDue)
}

fn describe(subscription: &ProviderSubscription) -> String {
    let day = crate::time::format(subscription.current_period_end);
    let day = day.split('T').next().unwrap_or(&day).to_owned();
    match (subscription.status, subscription.cancel_at_period_end) {
        (SubscriptionStatus::Trialing, false) => format!("Free trial until {day}, then it renews."),
        (status, true) if opens(status) => format!("Cancelled: you keep reading until {day}."),
        (status, false) if opens(status) => format!("Renews on {day}."),
        _ => "Ended.".to_owned(),
    }
}

/// The demo's pages post forms to themselves and send the reader back to the article.
fn with_forms(state: &AppState, mut response: Response) -> Response {
    let origins = state.return_origins().join(" ");
    let policy = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' {origins}; base-uri 'none'; frame-ancestors 'none'"
    );
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}
