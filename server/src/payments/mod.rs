//! Selling subscriptions through a payment provider: its hosted checkout, its billing portal,
//! and its signed webhooks. Stripe is the provider; the rest of the server sees only
//! [`Provider`] and the plain types here, so that another provider can follow.

pub mod demo;
pub mod stripe;
pub mod webhook;

use crate::store::SubscriptionStatus;

/// A checkout to start at the provider.
#[derive(Clone, Debug)]
pub struct NewCheckout<'a> {
    /// The provider's price to charge.
    pub price: &'a str,
    /// The reader's email, filled in at checkout.
    pub email: &'a str,
    /// The provider's customer, when the reader already is one.
    pub customer: Option<&'a str>,
    /// Days free before the first charge.
    pub trial_days: u32,
    /// Where the provider sends the reader after paying; `{CHECKOUT_SESSION_ID}` is replaced
    /// by the checkout's id.
    pub success_url: String,
    /// Where the provider sends a reader who gives up.
    pub cancel_url: &'a str,
    /// Carried on the subscription, so that any event about it says whose it is.
    pub offer_id: i64,
}

/// A checkout the provider started: where to send the reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// The provider's id for it.
    pub id: String,
    /// The provider's hosted page.
    pub url: String,
}

/// What the provider says of a checkout now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutState {
    /// Whether it was paid for (or needs no payment now: a trial).
    pub complete: bool,
    /// The subscription it started, once complete.
    pub subscription: Option<String>,
}

/// A subscription as the provider has it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSubscription {
    /// The provider's id for it.
    pub id: String,
    /// The provider's customer who pays for it.
    pub customer: String,
    /// Its state.
    pub status: SubscriptionStatus,
    /// When the period paid for (or the trial) ends (Unix seconds).
    pub current_period_end: i64,
    /// Whether it ends at `current_period_end` instead of renewing.
    pub cancel_at_period_end: bool,
    /// The price it charges.
    pub price: Option<String>,
    /// The offer it was bought with, as the checkout recorded it.
    pub offer_id: Option<i64>,
    /// The reader's email, as the checkout recorded it.
    pub email: Option<String>,
}

/// Why the provider could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// It could not be reached, or answered with a server error.
    #[error("the payment provider could not be reached: {0}")]
    Unreachable(String),
    /// It refused the request (a 4xx): what it said.
    #[error("the payment provider refused: {0}")]
    Refused(String),
    /// It has nothing by that id.
    #[error("the payment provider has no such object")]
    NotFound,
}

/// The payment provider this server sells through.
#[derive(Clone, Debug)]
pub enum Provider {
    /// Stripe, at its API's address (or a stand-in's).
    Stripe(stripe::Stripe),
    /// The demo's own, in this process (demo mode without Stripe keys).
    Demo(demo::Demo),
}

impl Provider {
    /// Starts a hosted checkout. A `url` starting with `/` is on this server (the demo's).
    pub async fn create_checkout(&self, checkout: &NewCheckout<'_>) -> Result<Checkout, ProviderError> {
        match self {
            Provider::Stripe(stripe) => stripe.create_checkout(checkout).await,
            Provider::Demo(demo) => Ok(demo.create_checkout(checkout)),
        }
    }

    /// What became of a checkout.
    pub async fn checkout(&self, id: &str) -> Result<CheckoutState, ProviderError> {
        match self {
            Provider::Stripe(stripe) => stripe.checkout(id).await,
            Provider::Demo(demo) => demo.checkout(id),
        }
    }

    /// A subscription's current state.
    pub async fn subscription(&self, id: &str) -> Result<ProviderSubscription, ProviderError> {
        match self {
            Provider::Stripe(stripe) => stripe.subscription(id).await,
            Provider::Demo(demo) => demo.subscription(id),
        }
    }

    /// A billing-portal session for a customer, coming back to `return_url`.
    pub async fn portal(&self, customer: &str, return_url: &str) -> Result<String, ProviderError> {
        match self {
            Provider::Stripe(stripe) => stripe.portal(customer, return_url).await,
            Provider::Demo(demo) => Ok(demo.portal(customer, return_url)),
        }
    }
}
