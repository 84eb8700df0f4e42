//! The API's addresses, as a client writes them after the server's base URL: each starts with
//! [`API`], where the server nests its router (so its routes are these without that prefix).
//! An address that takes an id is a prefix the id follows, percent-encoded as one path segment
//! (or query value).

/// Where the API lives on the server: every address below starts with it.
pub const API: &str = "/v1";

/// `GET /v1/articles/{id}`: followed by an article's id.
pub const ARTICLE: &str = "/v1/articles/";

/// `GET /v1/articles/{id}/locked`: follows an article's address ([`ARTICLE`] and its id).
pub const LOCKED: &str = "/locked";

/// `GET /v1/articles/{id}/prompt`: follows an article's address (the loader, `www/paywall.js`,
/// asks, with `?locale=` and `?subscribe=`).
pub const PROMPT: &str = "/prompt";

/// `GET /v1/origins/check`: whether the page's origin may use the API from a browser (the
/// loader, `www/paywall.js`, asks).
pub const ORIGINS_CHECK: &str = "/v1/origins/check";

/// `POST /v1/sessions` (sign in with a password), and `DELETE /v1/sessions` (sign out).
pub const SESSIONS: &str = "/v1/sessions";

/// `DELETE /v1/sessions?all=true`: sign out of every session of the reader.
pub const SESSIONS_EVERYWHERE: &str = "/v1/sessions?all=true";

/// `POST /v1/sessions/code`: sign in (or up) with an emailed code.
pub const SESSIONS_CODE: &str = "/v1/sessions/code";

/// `POST /v1/sessions/link`: sign in with the token an emailed link brought back.
pub const SESSIONS_LINK: &str = "/v1/sessions/link";

/// `POST /v1/sessions/publisher`: trade the publisher's token for a session.
pub const SESSIONS_PUBLISHER: &str = "/v1/sessions/publisher";

/// `POST /v1/sessions/refresh`: spend a refresh token for a new pair.
pub const SESSIONS_REFRESH: &str = "/v1/sessions/refresh";

/// `POST /v1/sign-in-codes`: email a one-time code and a sign-in link.
pub const SIGN_IN_CODES: &str = "/v1/sign-in-codes";

/// `GET /v1/offers?article={id}`: followed by an article's id, as a query value.
pub const OFFERS_FOR_ARTICLE: &str = "/v1/offers?article=";

/// `POST /v1/checkout`: start paying for an offer.
pub const CHECKOUT: &str = "/v1/checkout";

/// `GET /v1/checkout/{id}`: followed by a checkout's id, to confirm it.
pub const CHECKOUT_CONFIRMATION: &str = "/v1/checkout/";

/// `POST /v1/billing-portal`: where the signed-in reader manages their subscription.
pub const BILLING_PORTAL: &str = "/v1/billing-portal";

/// `POST /v1/gifts` (make a gift link) and `GET /v1/gifts` (the subscriber's links).
pub const GIFTS: &str = "/v1/gifts";

/// `POST /v1/events`: what happened on an article's prompt, for the publisher's funnel.
pub const EVENTS: &str = "/v1/events";

/// `GET /v1/sign-in-methods`: passkeys and identity providers, if the server offers them.
pub const SIGN_IN_METHODS: &str = "/v1/sign-in-methods";

/// `POST /v1/passkeys/challenges`: a challenge to sign in with a passkey.
pub const PASSKEY_CHALLENGES: &str = "/v1/passkeys/challenges";

/// `POST /v1/passkeys/registrations`: a challenge to add a passkey to the signed-in reader.
pub const PASSKEY_REGISTRATIONS: &str = "/v1/passkeys/registrations";

/// `GET /v1/passkeys` (the reader's passkeys), `POST` (add one); `/v1/passkeys/{id}`:
/// `DELETE` removes one.
pub const PASSKEYS: &str = "/v1/passkeys";

/// `POST /v1/sessions/passkey`: sign in with a passkey's answer to a challenge.
pub const SESSIONS_PASSKEY: &str = "/v1/sessions/passkey";

/// `POST /v1/sessions/provider`: sign in with the token an identity provider's sign-in
/// brought back.
pub const SESSIONS_PROVIDER: &str = "/v1/sessions/provider";

/// `POST /v1/providers/{id}/sign-ins`: followed by a provider's id and [`SIGN_INS`].
pub const PROVIDERS: &str = "/v1/providers/";

/// See [`PROVIDERS`].
pub const SIGN_INS: &str = "/sign-ins";
