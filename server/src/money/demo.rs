//! The demo's own payment provider, for `cargo xtask demo` without Stripe keys: checkouts
//! and subscriptions kept in this process, a checkout page and a billing portal on this server
//! (`routes/demo_checkout.rs`), clearly marked as a demo, and events signed with a secret made
//! at start that go through the same webhook code as Stripe's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::provider::{Checkout, CheckoutState, NewCheckout};
use crate::error::ProviderError;
use crate::random;
use crate::store::payments::ProviderSubscription;
use crate::time::now;
use paywall_protocol::admin::SubscriptionStatus;

/// A checkout started at the demo provider.
#[derive(Clone, Debug)]
pub struct DemoCheckout {
    /// The offer it sells.
    pub offer_id: i64,
    /// The provider's price.
    pub price: String,
    /// Who pays.
    pub email: String,
    /// Days free first.
    pub trial_days: u32,
    /// Where paying leads (with the checkout's id in it).
    pub success_url: String,
    /// Where giving up leads.
    pub cancel_url: String,
    /// The subscription it started, once paid.
    pub subscription: Option<String>,
    customer: Option<String>,
}

#[derive(Default)]
struct Books {
    checkouts: HashMap<String, DemoCheckout>,
    subscriptions: HashMap<String, ProviderSubscription>,
    /// Portal sessions: the customer and where to go back to.
    portals: HashMap<String, (String, String)>,
}

/// The demo provider.
#[derive(Clone)]
pub struct Demo {
    secret: String,
    books: Arc<Mutex<Books>>,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo").finish_non_exhaustive()
    }
}

/// How long a demo subscription's period lasts.
fn period(interval_days: i64) -> i64 {
    now() + interval_days * 24 * 60 * 60
}

impl Demo {
    /// A demo provider with a fresh webhook secret.
    pub fn new() -> Self {
        Demo { secret: format!("whsec_demo_{}", random::token()), books: Arc::default() }
    }

    /// The secret its events are signed with.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    pub(super) fn create_checkout(&self, checkout: &NewCheckout<'_>) -> Checkout {
        let id = format!("cs_demo_{}", random::token().replace('-', "x").replace('_', "y"));
        let started = DemoCheckout {
            offer_id: checkout.offer_id,
            price: checkout.price.to_owned(),
            email: checkout.email.to_owned(),
            trial_days: checkout.trial_days,
            success_url: checkout.success_url.replace("{CHECKOUT_SESSION_ID}", &id),
            cancel_url: checkout.cancel_url.to_owned(),
            subscription: None,
            customer: checkout.customer.map(str::to_owned),
        };
        self.books.lock().expect("the demo's books").checkouts.insert(id.clone(), started);
        // On this server: the checkout route makes it absolute.
        Checkout { url: format!("/demo/checkout/{id}"), id }
    }

    pub(super) fn checkout(&self, id: &str) -> Result<CheckoutState, ProviderError> {
        let books = self.books.lock().expect("the demo's books");
        let checkout = books.checkouts.get(id).ok_or(ProviderError::NotFound)?;
        Ok(CheckoutState {
            complete: checkout.subscription.is_some(),
            subscription: checkout.subscription.clone(),
        })
    }

    pub(super) fn subscription(&self, id: &str) -> Result<ProviderSubscription, ProviderError> {
        let books = self.books.lock().expect("the demo's books");
        books.subscriptions.get(id).cloned().ok_or(ProviderError::NotFound)
    }

    pub(super) fn portal(&self, customer: &str, return_url: &str) -> String {
        let id = random::token();
        let mut books = self.books.lock().expect("the demo's books");
        books.portals.insert(id.clone(), (customer.to_owned(), return_url.to_owned()));
        format!("/demo/billing/{id}")
    }

    /// A checkout not yet paid, to show.
    pub fn open_checkout(&self, id: &str) -> Option<DemoCheckout> {
        let books = self.books.lock().expect("the demo's books");
        books.checkouts.get(id).filter(|checkout| checkout.subscription.is_none()).cloned()
    }

    /// Pays for a checkout: a subscription starts (trialing when the offer has a trial) for
    /// `period_days`. Its id, or `None` if there is no such checkout or it was paid.
    pub fn pay(&self, id: &str, period_days: i64) -> Option<String> {
        let mut books = self.books.lock().expect("the demo's books");
        let n = books.subscriptions.len() + 1;
        let checkout = books.checkouts.get_mut(id).filter(|checkout| checkout.subscription.is_none())?;
        let subscription_id = format!("sub_demo_{n}_{}", &random::token()[..8].replace(['-', '_'], "z"));
        let customer = checkout.customer.clone().unwrap_or_else(|| format!("cus_demo_{n}"));
        let trial = i64::from(checkout.trial_days);
        let (status, end) = if trial > 0 {
            (SubscriptionStatus::Trialing, period(trial))
        } else {
            (SubscriptionStatus::Active, period(period_days))
        };
        checkout.subscription = Some(subscription_id.clone());
        let subscription = ProviderSubscription {
            id: subscription_id.clone(),
            customer,
            status,
            current_period_end: end,
            cancel_at_period_end: false,
            price: Some(checkout.price.clone()),
            offer_id: Some(checkout.offer_id),
            email: Some(checkout.email.clone()),
        };
        books.subscriptions.insert(subscription_id.clone(), subscription);
        Some(subscription_id)
    }

    /// A portal session: its customer, where to go back to, and their subscriptions.
    pub fn portal_session(&self, id: &str) -> Option<(String, String, Vec<ProviderSubscription>)> {
        let books = self.books.lock().expect("the demo's books");
        let (customer, back) = books.portals.get(id)?.clone();
        let mut subscriptions: Vec<ProviderSubscription> = books
            .subscriptions
            .values()
            .filter(|subscription| subscription.customer == customer)
            .cloned()
            .collect();
        subscriptions.sort_by(|a, b| a.id.cmp(&b.id));
        Some((customer, back, subscriptions))
    }

    /// Changes one of a customer's subscriptions; `None` if it is not theirs.
    pub fn change(
        &self,
        customer: &str,
        id: &str,
        change: impl FnOnce(&mut ProviderSubscription),
    ) -> Option<ProviderSubscription> {
        let mut books = self.books.lock().expect("the demo's books");
        let subscription =
            books.subscriptions.get_mut(id).filter(|subscription| subscription.customer == customer)?;
        change(subscription);
        Some(subscription.clone())
    }
}

impl Default for Demo {
    fn default() -> Self {
        Self::new()
    }
}
