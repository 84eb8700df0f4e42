//! The paywall API's wire types, declared once and used by both the widget and the server.
//!
//! Every JSON body that crosses between them is one of these types; field names are the JSON
//! names (snake_case). Errors travel as [`Problem`] (`application/problem+json`, RFC 9457).
//!
//! The names both sides must spell alike are here too, once: the API's own headers
//! ([`headers`]), its addresses ([`paths`]), what the server puts after `#` in a page's address
//! for the widget ([`fragments`]), and the built-in tiers ([`tiers`]). Every enum that travels by
//! name has `ALL` (each variant, in declaration order) and `as_str` (its name, exactly as
//! `serde` writes it; `tests/names.rs` checks the two agree), so neither side keeps a list of
//! its own.

use serde::{Deserialize, Serialize};

pub mod admin;
pub mod fragments;
pub mod headers;
pub mod paths;
pub mod tiers;

/// The media type of every error body.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Where Subscribe leads on the publisher's site when the page does not say
/// (`data-paywall-subscribe-url`): the widget links to it, and the server draws it.
pub const DEFAULT_SUBSCRIBE_URL: &str = "/subscribe";

/// What anyone may know about an article: never the body of a locked section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleSummary {
    /// The publisher's id for the article, as in `data-paywall="..."`.
    pub id: String,
    /// The article's headline.
    pub title: String,
    /// The subscription tier a reader needs to read the locked sections.
    pub tier: String,
    /// How readers see the tier named ("Premium").
    #[serde(default)]
    pub tier_label: String,
    /// The headings of the locked sections, in reading order.
    pub locked_section_titles: Vec<String>,
    /// Whether the publisher's meter may open the article to a reader without a subscription:
    /// the widget then asks for the locked sections even with nobody signed in.
    #[serde(default)]
    pub metered: bool,
}

/// `GET /v1/articles/{id}/prompt`: the prompt as the widget draws it for a reader nobody is
/// signed in as, for the loader to show before the widget loads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticlePrompt {
    /// The language it is written in (`en`, `fr`, `de` or `es`), for the shadow host's `lang`.
    pub lang: String,
    /// Whether the article may open without a subscription (its tier is `free`, or the
    /// publisher's meter is on): the widget must ask for the locked sections at once, and
    /// `html` is empty.
    pub opens_without_subscription: bool,
    /// The prompt's HTML: what the widget's shadow root holds once it draws the same prompt.
    pub html: String,
    /// What to add to it if the widget cannot start: signing in is unavailable, and the way to
    /// subscribe.
    pub unavailable: String,
    /// The widget's stylesheet, for the shadow root.
    pub css: String,
}

/// One locked section, sent only to an entitled reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LockedSection {
    /// The section's heading, as plain text.
    pub title: String,
    /// The section's body: HTML the server sanitized before storing it and again before sending it.
    pub html: String,
}

/// The locked part of an article, in reading order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LockedSections {
    /// The article the sections belong to.
    pub article_id: String,
    /// The sections, in reading order.
    pub sections: Vec<LockedSection>,
    /// Why this reader may read them.
    #[serde(default)]
    pub grant_reason: GrantReason,
    /// With `grant_reason: metering`: the reader's free articles, this one counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter: Option<Meter>,
}

/// A reader's free articles in the meter's rolling period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meter {
    /// Different articles opened by the meter in the period.
    pub articles_read: u32,
    /// How many more it will open.
    pub articles_left: u32,
    /// How many it opens in a period.
    pub limit: u32,
    /// When the oldest counted article leaves the period, freeing a place (Unix seconds).
    pub resets_at: i64,
    /// For a reader nobody is signed in as: how many free articles an account gets (0: the
    /// meter gives registered readers none).
    #[serde(default)]
    pub registered_limit: u32,
}

/// Why a reader may read an article's locked sections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GrantReason {
    /// The article's tier is `free`: anyone may read it.
    Free,
    /// The article's tier is `registered`, and the reader is signed in.
    Registered,
    /// The reader subscribes to the article's tier or one above it.
    #[default]
    Subscription,
    /// The publisher's meter gives the reader this article free (see `meter`).
    Metering,
    /// A subscriber's gift link opens this article in this browser.
    Gift,
}

impl GrantReason {
    /// Every variant, in the order above.
    pub const ALL: [GrantReason; 5] = [
        GrantReason::Free,
        GrantReason::Registered,
        GrantReason::Subscription,
        GrantReason::Metering,
        GrantReason::Gift,
    ];

    /// The name, exactly as `serde` writes it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            GrantReason::Free => "free",
            GrantReason::Registered => "registered",
            GrantReason::Subscription => "subscription",
            GrantReason::Metering => "metering",
            GrantReason::Gift => "gift",
        }
    }
}

/// `POST /v1/sessions`: sign in with an email and a password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordSignIn {
    /// The reader's email address.
    pub email: String,
    /// The reader's password.
    pub password: String,
}

/// `POST /v1/sign-in-codes`: email the reader a one-time code and a sign-in link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeRequest {
    /// Where to send the code; an account is created on first sign-in if there is none.
    pub email: String,
    /// The article page to come back to from the emailed link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
}

/// What `GET /v1/origins/check` says: whether pages of the origin asking (its `Origin`
/// header) may use the API from a browser. Any site may ask, so that the widget on a page the
/// server does not allow can say what to change instead of guessing from a refused request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OriginCheck {
    /// The origin that asked, as its `Origin` header named it; none for a request without one
    /// (from the server's own origin, or not from a browser).
    pub origin: Option<String>,
    /// Whether that origin is one the server allows (`PAYWALL_CORS_ORIGINS`); a request with no
    /// origin is not refused by any browser, so it is allowed.
    pub allowed: bool,
}

/// What `POST /v1/sign-in-codes` says, the same whether or not the email has an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeSent {
    /// The normalised address the code went to.
    pub email: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
}

/// `POST /v1/sessions/code`: sign in (or sign up) with the emailed code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeSignIn {
    /// The address the code was sent to.
    pub email: String,
    /// The six digits from the email.
    pub code: String,
}

/// `POST /v1/sessions/link`: sign in with the token from the emailed link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkSignIn {
    /// The token the link carried back to the article page.
    pub token: String,
}

/// `POST /v1/sessions/provider`: sign in with the token an identity provider's sign-in
/// brought back to the article page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSignIn {
    /// The token the server's callback put in the page's address.
    pub token: String,
    /// The `binding` the sign-in was started with, kept by the tab that started it: a
    /// sign-in someone else started (and sent this browser back from) is refused.
    pub binding: String,
}

/// `GET /v1/sign-in-methods`: the ways to sign in this server offers besides an emailed code
/// and a password.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInMethods {
    /// The site passkeys are for (the WebAuthn relying party id, like `news.example`): pages
    /// on it, or on its subdomains the server allows, can use them. Absent: no passkeys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkeys: Option<String>,
    /// The identity providers a reader can continue with, in the order to show them.
    pub providers: Vec<IdentityProvider>,
}

/// An OpenID Connect provider a reader can sign in with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityProvider {
    /// Its id in this server's paths (`/v1/providers/{id}/sign-ins`).
    pub id: String,
    /// Its name, as readers know it ("Continue with {name}").
    pub name: String,
}

/// `POST /v1/providers/{id}/sign-ins`: where the reader goes to sign in, and comes back to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSignInRequest {
    /// The article page to come back to, signed in (a page on one of the publisher's sites).
    pub return_to: String,
}

/// Where to send the reader: the provider's sign-in page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSignInStarted {
    /// The provider's authorization URL, with this sign-in's `state`, `nonce` and PKCE
    /// challenge.
    pub url: String,
    /// A secret for this tab to keep (`sessionStorage`) and send back with the token the
    /// sign-in returns: it proves the sign-in is the one this tab started.
    pub binding: String,
}

/// One of the signed-in reader's passkeys (`GET /v1/passkeys`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyInfo {
    /// Its id, to remove it (`DELETE /v1/passkeys/{id}`).
    pub id: i64,
    /// When it was added (Unix seconds).
    pub created_at: i64,
    /// When it last signed the reader in (Unix seconds), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
}

/// `POST /v1/sessions/publisher`: trade a JWT the publisher signed for a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublisherSignIn {
    /// The publisher's signed token (RS256, ES256 or EdDSA).
    pub token: String,
}

/// `PUT /v1/readers/me/password`: set or change the signed-in reader's password, with proof
/// that the reader is who the session says: the current password, or (for a reader who has
/// none) a code just emailed to them by `POST /v1/sign-in-codes`. Every other session of the
/// reader ends when it succeeds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPassword {
    /// At least 8 characters.
    pub password: String,
    /// The reader's current password, if they have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
    /// A code emailed to the reader, if they have no password yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// `POST /v1/sessions/refresh`: trade a refresh token for a new pair of tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh; it stops working once used.
    pub refresh_token: String,
}

/// The reader a session belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reader {
    /// The reader's id.
    pub id: i64,
    /// The reader's email address.
    pub email: String,
}

/// A signed-in session: what `POST /v1/sessions` and `POST /v1/sessions/refresh` return.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionTokens {
    /// A short-lived signed token, sent as `Authorization: Bearer ...`.
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// A long-lived random token that buys a new pair once, at `POST /v1/sessions/refresh`.
    pub refresh_token: String,
    /// Who is signed in.
    pub reader: Reader,
}

/// Which of the problems a client can act on this is (a problem's `reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// 403: the reader has no active subscription; `tier` names the one the article needs.
    NoSubscription,
    /// 403: the reader subscribes, but to a tier below the article's; `tier` names the one
    /// it needs.
    HigherTierRequired,
    /// 401: the code is not the one sent; `attempts_left` says how many tries remain.
    WrongCode,
    /// 401: no live code for this email: it expired, was used, or was replaced by a newer one.
    CodeExpired,
    /// 401: the code took too many wrong tries and no longer works.
    TooManyAttempts,
    /// 429: too many requests; `retry_after` says when to try again.
    RateLimited,
    /// 422: the email address is not one mail can be sent to.
    InvalidEmail,
    /// 403: changing the password needs the current password, or an emailed code when there
    /// is none.
    ProofRequired,
    /// 403: the current password given is not right.
    WrongPassword,
    /// 409: the publisher's token names an email that already has an account here, and does
    /// not say the email is verified (`email_verified: true`), so it may not join it; or a
    /// checkout names an email that has an account, whose reader should sign in first.
    AccountExists,
    /// 409: the reader already has a subscription that opens the offer's tier.
    AlreadySubscribed,
    /// 409: the offer is no longer sold.
    OfferUnavailable,
    /// 409: the checkout was confirmed already (by this browser, a moment ago).
    CheckoutConfirmed,
    /// 403: the gift link does not open this article: it expired, was withdrawn by the
    /// subscriber, has been opened by as many browsers as it may, or is for another article.
    GiftUnavailable,
    /// 429: the subscriber has made as many gift links as a month allows.
    GiftAllowanceSpent,
    /// 401: the passkey is not one this server knows (it was removed), or its answer failed a
    /// check (a replayed signature counter, a changed backup flag, a wrong signature).
    PasskeyRefused,
    /// 403: passkeys on this server are for another site than the page's.
    PasskeyWrongSite,
    /// 401: the identity provider's sign-in did not complete (the reader said no, or the
    /// answer failed a check).
    ProviderRefused,
    /// 502: the identity provider could not be reached, or answered wrongly.
    ProviderUnavailable,
    /// 409 (the email has an account here) or 403 (it has none): an identity provider's
    /// sign-in names an email the provider did not confirm; nothing was joined or made.
    UnverifiedEmail,
}

impl Reason {
    /// Every variant, in the order above.
    pub const ALL: [Reason; 20] = [
        Reason::NoSubscription,
        Reason::HigherTierRequired,
        Reason::WrongCode,
        Reason::CodeExpired,
        Reason::TooManyAttempts,
        Reason::RateLimited,
        Reason::InvalidEmail,
        Reason::ProofRequired,
        Reason::WrongPassword,
        Reason::AccountExists,
        Reason::AlreadySubscribed,
        Reason::OfferUnavailable,
        Reason::CheckoutConfirmed,
        Reason::GiftUnavailable,
        Reason::GiftAllowanceSpent,
        Reason::PasskeyRefused,
        Reason::PasskeyWrongSite,
        Reason::ProviderRefused,
        Reason::ProviderUnavailable,
        Reason::UnverifiedEmail,
    ];

    /// The name, exactly as `serde` writes it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Reason::NoSubscription => "no_subscription",
            Reason::HigherTierRequired => "higher_tier_required",
            Reason::WrongCode => "wrong_code",
            Reason::CodeExpired => "code_expired",
            Reason::TooManyAttempts => "too_many_attempts",
            Reason::RateLimited => "rate_limited",
            Reason::InvalidEmail => "invalid_email",
            Reason::ProofRequired => "proof_required",
            Reason::WrongPassword => "wrong_password",
            Reason::AccountExists => "account_exists",
            Reason::AlreadySubscribed => "already_subscribed",
            Reason::OfferUnavailable => "offer_unavailable",
            Reason::CheckoutConfirmed => "checkout_confirmed",
            Reason::GiftUnavailable => "gift_unavailable",
            Reason::GiftAllowanceSpent => "gift_allowance_spent",
            Reason::PasskeyRefused => "passkey_refused",
            Reason::PasskeyWrongSite => "passkey_wrong_site",
            Reason::ProviderRefused => "provider_refused",
            Reason::ProviderUnavailable => "provider_unavailable",
            Reason::UnverifiedEmail => "unverified_email",
        }
    }
}

/// An error body (`application/problem+json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary that is the same for every problem of this kind.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, written for the person reading it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Which problem this is, when a client can act on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// On a 429: seconds to wait before trying again (also in `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// After a wrong code: how many more tries the code allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// With `no_subscription` and `higher_tier_required`: the tier the article needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// When the meter would have opened the article but its free articles are spent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter: Option<Meter>,
}

impl Problem {
    /// A problem with its status and title alone (`type` is `about:blank`).
    pub fn new(status: u16, title: impl Into<String>) -> Self {
        Problem {
            kind: "about:blank".to_owned(),
            title: title.into(),
            status,
            detail: None,
            reason: None,
            retry_after: None,
            attempts_left: None,
            tier: None,
            meter: None,
        }
    }

    /// The same problem, with a reason a client can act on.
    pub fn with_reason(self, reason: Reason) -> Self {
        Problem { reason: Some(reason), ..self }
    }
}

/// How often an offer's price is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BillingInterval {
    /// Every month.
    Month,
    /// Every year.
    Year,
}

impl BillingInterval {
    /// Every variant, in the order above.
    pub const ALL: [BillingInterval; 2] = [BillingInterval::Month, BillingInterval::Year];

    /// The name, exactly as `serde` writes it.
    pub const fn as_str(&self) -> &'static str {
        match self {
            BillingInterval::Month => "month",
            BillingInterval::Year => "year",
        }
    }
}

/// What the prompt sells: a subscription to a tier, at a price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    /// Its id, for `POST /v1/checkout`.
    pub id: i64,
    /// The tier it opens (and every tier below it).
    pub tier: String,
    /// Its name ("Monthly").
    pub name: String,
    /// The price in the currency's minor unit (cents).
    pub amount: i64,
    /// ISO 4217, lower case (`eur`).
    pub currency: String,
    /// How often the price is charged.
    pub interval: BillingInterval,
    /// Days free before the first charge (0 for none).
    pub trial_days: u32,
}

/// `GET /v1/offers?article=ID`: the offers that open an article, in the publisher's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offers {
    /// At most three.
    pub offers: Vec<Offer>,
}

/// `POST /v1/checkout`: start paying for an offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutRequest {
    /// The offer, from `GET /v1/offers`.
    pub offer_id: i64,
    /// The article page to come back to: on this server's or a configured publisher's site.
    pub return_to: String,
    /// The reader's email, when nobody is signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The article the reader subscribes from, for the publisher's numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
}

/// A checkout started: where to send the reader, and what this browser keeps to confirm it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutStarted {
    /// The provider's hosted checkout page.
    pub url: String,
    /// The checkout's id (it also comes back on the return URL).
    pub checkout_id: String,
    /// Sent back as `Paywall-Checkout-Token` to confirm the checkout: only the browser that
    /// started it can.
    pub checkout_token: String,
}

/// `GET /v1/checkout/{id}` while the provider has not yet said the checkout is paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutPending {
    /// `pending`: ask again in a moment.
    pub status: String,
}

impl CheckoutPending {
    /// The one `status` there is.
    pub const PENDING: &str = "pending";
}

/// `POST /v1/billing-portal`: where the signed-in reader manages their subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalRequest {
    /// The article page to come back to.
    pub return_to: String,
}

/// The provider's billing portal for the reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Portal {
    /// Send the reader here.
    pub url: String,
}

/// `POST /v1/gifts`: a subscriber makes a link that opens one article to whoever they send it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftRequest {
    /// The article to give.
    pub article_id: String,
    /// The article's page, which the link opens: on this server's or a configured publisher's site.
    pub page: String,
}

/// A gift link a subscriber made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gift {
    /// Its id, to withdraw it.
    pub id: i64,
    /// The article it opens.
    pub article_id: String,
    /// When it stops opening the article (Unix seconds).
    pub expires_at: i64,
    /// How many browsers it may open the article in.
    pub reach: u32,
    /// How many it has.
    pub opened: u32,
    /// Whether the subscriber withdrew it.
    pub revoked: bool,
}

/// `POST /v1/gifts` made a link: the one time its address is told (the server keeps a hash of
/// its token, never the token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GiftLink {
    /// Its id, to withdraw it.
    pub id: i64,
    /// The link to send: the article's page with `#paywall-gift=` and the token.
    pub url: String,
    /// When it stops opening the article (Unix seconds).
    pub expires_at: i64,
}

/// `GET /v1/gifts`: the signed-in subscriber's gift links, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gifts {
    /// The links of the last 90 days.
    pub gifts: Vec<Gift>,
    /// How many more the subscriber may make in the rolling month.
    pub left_this_month: u32,
}

/// Something a reader did on an article's prompt, counted per article and day
/// (`POST /v1/events`). The server counts what it sees itself (checkouts started, payments,
/// gift links opened, the meter spent); the widget reports only what happens in the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PageEvent {
    /// The prompt was drawn.
    PromptShown,
    /// The reader opened the sign-in dialog from it.
    SignInOpened,
    /// The reader signed in from it.
    SignedIn,
}

impl PageEvent {
    /// Every event, in the funnel's order.
    pub const ALL: [PageEvent; 3] = [PageEvent::PromptShown, PageEvent::SignInOpened, PageEvent::SignedIn];

    /// Its name on the wire and in the counters.
    pub fn as_str(self) -> &'static str {
        match self {
            PageEvent::PromptShown => "prompt_shown",
            PageEvent::SignInOpened => "sign_in_opened",
            PageEvent::SignedIn => "signed_in",
        }
    }
}

/// What the widget reports, batched (`POST /v1/events`): no reader, browser or session, only
/// the article and what happened on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PageEvents {
    /// The article's id.
    pub article_id: String,
    /// What happened, in order (at most 20).
    pub events: Vec<PageEvent>,
}
