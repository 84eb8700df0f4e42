//! Selling subscriptions through a payment provider: its hosted checkout, its billing portal,
//! and its signed webhooks. Stripe is the provider; the rest of the server sees only
//! [`Provider`] and the plain types here, so that another provider can follow.

pub mod demo;
pub mod stripe;
pub mod stripe_events;

mod provider;

pub use provider::{Checkout, CheckoutState, NewCheckout};

pub use crate::error::ProviderError;
pub use crate::store::payments::ProviderSubscription;

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

/// Selling through a payment provider, and how its webhooks are checked.
#[derive(Debug)]
pub struct Payments {
    /// The provider.
    pub provider: Provider,
    /// The webhook signing secrets (more than one while rolling).
    pub webhook_secrets: Vec<String>,
}
