//! What the server asks of a payment provider, in plain types that no provider's API leaks
//! into.

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
