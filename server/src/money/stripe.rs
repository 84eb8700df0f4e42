//! Stripe's API: Checkout Sessions, Subscriptions and billing-portal sessions, form-encoded,
//! with the secret key as the bearer. The base URL is configurable, so that tests (and a
//! publisher's staging) can point it at a stand-in.

use std::time::Duration;

use serde::Deserialize;

use super::provider::{Checkout, CheckoutState, NewCheckout};
use crate::error::ProviderError;
use crate::store::payments::ProviderSubscription;
use paywall_protocol::admin::SubscriptionStatus;

/// How long one request to Stripe may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A client for Stripe's API.
#[derive(Clone)]
pub struct Stripe {
    http: reqwest::Client,
    base: String,
    secret_key: String,
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stripe").field("base", &self.base).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct SessionObject {
    id: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    payment_status: Option<String>,
    #[serde(default)]
    subscription: Option<String>,
}

#[derive(Deserialize)]
struct SubscriptionObject {
    id: String,
    customer: String,
    status: String,
    #[serde(default)]
    current_period_end: Option<i64>,
    #[serde(default)]
    cancel_at_period_end: bool,
    #[serde(default)]
    items: Option<Items>,
    #[serde(default)]
    metadata: std::collections::HashMap<String, String>,
}

#[derive(Deserialize)]
struct Items {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    price: Option<Price>,
    /// The older API's name for the price (a plan's id is its price's id); what accounts on
    /// old API versions, and emulators like localstripe, send.
    #[serde(default)]
    plan: Option<Price>,
    #[serde(default)]
    current_period_end: Option<i64>,
}

#[derive(Deserialize)]
struct Price {
    id: String,
}

#[derive(Deserialize)]
struct PortalObject {
    url: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    message: Option<String>,
}

/// The metadata keys a checkout leaves on its subscription.
pub const OFFER_KEY: &str = "paywall_offer_id";
/// The reader's email, on the subscription.
pub const EMAIL_KEY: &str = "paywall_email";

impl Stripe {
    /// A client for the API at `base` (`https://api.stripe.com`) with a secret key.
    pub fn new(base: &str, secret_key: &str) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder().timeout(TIMEOUT).connect_timeout(TIMEOUT).build()?;
        Ok(Stripe { http, base: base.trim_end_matches('/').to_owned(), secret_key: secret_key.to_owned() })
    }

    pub(super) async fn create_checkout(
        &self,
        checkout: &NewCheckout<'_>,
    ) -> Result<Checkout, ProviderError> {
        let offer = checkout.offer_id.to_string();
        let mut form = vec![
            ("mode", "subscription".to_owned()),
            ("line_items[0][price]", checkout.price.to_owned()),
            ("line_items[0][quantity]", "1".to_owned()),
            ("success_url", checkout.success_url.clone()),
            ("cancel_url", checkout.cancel_url.to_owned()),
            ("metadata[paywall_offer_id]", offer.clone()),
            ("subscription_data[metadata][paywall_offer_id]", offer),
            ("subscription_data[metadata][paywall_email]", checkout.email.to_owned()),
        ];
        match checkout.customer {
            Some(customer) => form.push(("customer", customer.to_owned())),
            None => form.push(("customer_email", checkout.email.to_owned())),
        }
        if checkout.trial_days > 0 {
            form.push(("subscription_data[trial_period_days]", checkout.trial_days.to_string()));
        }
        let session: SessionObject = self.post("/v1/checkout/sessions", &form).await?;
        let url =
            session.url.ok_or_else(|| ProviderError::Refused("the checkout session has no url".into()))?;
        Ok(Checkout { id: session.id, url })
    }

    pub(super) async fn checkout(&self, id: &str) -> Result<CheckoutState, ProviderError> {
        let session: SessionObject =
            self.get(&format!("/v1/checkout/sessions/{}", path_segment(id)?)).await?;
        let complete = session.status.as_deref() == Some("complete")
            && matches!(session.payment_status.as_deref(), Some("paid" | "no_payment_required"));
        Ok(CheckoutState { complete, subscription: session.subscription })
    }

    pub(super) async fn subscription(&self, id: &str) -> Result<ProviderSubscription, ProviderError> {
        let subscription: SubscriptionObject =
            self.get(&format!("/v1/subscriptions/{}", path_segment(id)?)).await?;
        let item = subscription.items.as_ref().and_then(|items| items.data.first());
        let current_period_end = subscription
            .current_period_end
            .or_else(|| item.and_then(|item| item.current_period_end))
            .ok_or_else(|| ProviderError::Refused("the subscription has no current_period_end".into()))?;
        Ok(ProviderSubscription {
            status: status(&subscription.status),
            current_period_end,
            cancel_at_period_end: subscription.cancel_at_period_end,
            price: item
                .and_then(|item| item.price.as_ref().or(item.plan.as_ref()))
                .map(|price| price.id.clone()),
            offer_id: subscription.metadata.get(OFFER_KEY).and_then(|id| id.parse().ok()),
            email: subscription.metadata.get(EMAIL_KEY).cloned(),
            id: subscription.id,
            customer: subscription.customer,
        })
    }

    pub(super) async fn portal(&self, customer: &str, return_url: &str) -> Result<String, ProviderError> {
        let form = [("customer", customer.to_owned()), ("return_url", return_url.to_owned())];
        let portal: PortalObject = self.post("/v1/billing_portal/sessions", &form).await?;
        Ok(portal.url)
    }

    async fn get<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<T, ProviderError> {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    async fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        form: &[(&str, String)],
    ) -> Result<T, ProviderError> {
        self.send(self.http.post(format!("{}{path}", self.base)).form(form)).await
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ProviderError> {
        let response = request
            .bearer_auth(&self.secret_key)
            .send()
            .await
            .map_err(|error| ProviderError::Unreachable(crate::error::with_causes(&error)))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|error| ProviderError::Unreachable(error.to_string()))?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(ProviderError::NotFound);
        }
        if status.is_server_error() {
            return Err(ProviderError::Unreachable(format!("{status}")));
        }
        if !status.is_success() {
            let message = serde_json::from_slice::<ErrorBody>(&body)
                .ok()
                .and_then(|body| body.error.message)
                .unwrap_or_else(|| status.to_string());
            return Err(ProviderError::Refused(message));
        }
        serde_json::from_slice(&body)
            .map_err(|error| ProviderError::Refused(format!("unexpected answer: {error}")))
    }
}

/// Stripe's subscription statuses, as ours; anything new is taken as not opening anything.
fn status(status: &str) -> SubscriptionStatus {
    match status {
        "active" => SubscriptionStatus::Active,
        "trialing" => SubscriptionStatus::Trialing,
        "past_due" => SubscriptionStatus::PastDue,
        "unpaid" => SubscriptionStatus::Unpaid,
        "canceled" => SubscriptionStatus::Canceled,
        "incomplete" => SubscriptionStatus::Incomplete,
        "paused" => SubscriptionStatus::Paused,
        _ => SubscriptionStatus::IncompleteExpired,
    }
}

/// An id as one path segment: Stripe's ids are letters, digits and `_`.
fn path_segment(id: &str) -> Result<&str, ProviderError> {
    let valid = !id.is_empty()
        && id.len() <= 255
        && id.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    if valid { Ok(id) } else { Err(ProviderError::NotFound) }
}
