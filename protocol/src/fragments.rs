//! What the server puts after `#` in an article page's address for the widget to take: each is
//! followed by a token or id, and the widget removes it from the address bar once read.

/// A sign-in link's token: the emailed link's confirmation page sends the reader back with it.
pub const SIGN_IN_LINK: &str = "#paywall-link=";

/// A checkout's id: the payment provider sends the reader back with it once they have paid.
pub const CHECKOUT: &str = "#paywall-checkout=";

/// A gift link's token: the link a subscriber sends opens the article with it.
pub const GIFT: &str = "#paywall-gift=";

/// An identity provider's sign-in: the server's callback sends the reader back with a token
/// for `POST /v1/sessions/provider`, which signs them in or says why not.
pub const PROVIDER_SIGN_IN: &str = "#paywall-provider=";
