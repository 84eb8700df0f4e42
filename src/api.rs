//! The paywall API client: one method per endpoint, wire types from `paywall-protocol`.
//!
//! Built on the browser's `fetch` and `JSON` directly, with the wire types read from and
//! written to JS values by [`crate::wire`]: a JSON library and an HTTP wrapper would each cost
//! the reader tens of kilobytes of download.

use gloo_timers::future::TimeoutFuture;
use paywall_protocol::{
    ArticleSummary, CheckoutRequest, CheckoutStarted, CodeRequest, CodeSent, CodeSignIn, GiftLink,
    GiftRequest, LinkSignIn, LockedSections, Offers, PasskeyInfo, PasswordSignIn, Portal, PortalRequest,
    Problem, ProviderSignIn, ProviderSignInRequest, ProviderSignInStarted, PublisherSignIn, RefreshRequest,
    SessionTokens, SignInMethods, headers, paths,
};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestCredentials, RequestInit, Response};

use crate::dom;
use crate::error::Error;
use crate::wire::{self, FromJs};

/// How long the widget waits for an answer before telling the reader the server is slow (the
/// loader gives its early reads the same time, in `www/paywall.js`).
const TIMEOUT_MS: u32 = 8_000;

/// Pauses before trying a failed read again.
const RETRY_DELAYS_MS: [u32; 2] = [400, 1_200];

/// What a request proves about who sends it.
#[derive(Clone, Copy)]
enum Auth<'a> {
    /// Nothing.
    None,
    /// A reader's access token.
    Bearer(&'a str),
    /// The token of a checkout this browser started (`202` then means "not paid yet").
    Checkout(&'a str),
    /// Asking for locked sections: the reader's access token, or with nobody signed in the
    /// anonymous id the server's meter gave this browser (any new one it gives is kept); and
    /// a gift link's token, if the browser has one for the article.
    Reading { bearer: Option<&'a str>, gift: Option<&'a str> },
}

impl<'a> From<Option<&'a str>> for Auth<'a> {
    fn from(token: Option<&'a str>) -> Self {
        token.map_or(Auth::None, Auth::Bearer)
    }
}

/// A client for one paywall server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    base: String,
    /// Answers the loader asked for before the widget started, by URL: each is taken once.
    prefetched: Option<js_sys::Map>,
}

impl Api {
    /// A client for the API at `base` (absolute, no trailing slash).
    pub fn new(base: String) -> Self {
        Api { base, prefetched: None }
    }

    /// This client, taking the answers to plain reads from `prefetched` (URL to the promise
    /// of a `Response`) when there is one for the URL, instead of asking again.
    pub fn with_prefetched(self, prefetched: Option<js_sys::Map>) -> Self {
        Api { prefetched, ..self }
    }

    /// The base URL, which also names this API's stored session.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET /v1/articles/{id}`: public metadata, including the locked sections' titles.
    pub async fn article(&self, id: &str) -> Result<ArticleSummary, Error> {
        let path = format!("{}{}", paths::ARTICLE, encode(id));
        self.send("GET", &path, None, Auth::None).await?.ok_or_else(empty)
    }

    /// `GET /v1/articles/{id}/locked`: the locked sections, for an entitled reader (or,
    /// without a token, for an article open to anyone or one the publisher's meter opens). A
    /// gift link's token, if any, goes with it.
    pub async fn locked(
        &self,
        id: &str,
        access_token: Option<&str>,
        gift: Option<&str>,
    ) -> Result<LockedSections, Error> {
        let auth = Auth::Reading { bearer: access_token, gift };
        let path = format!("{}{}{}", paths::ARTICLE, encode(id), paths::LOCKED);
        self.send("GET", &path, None, auth).await?.ok_or_else(empty)
    }

    /// `POST /v1/sessions`: sign in with email and password.
    pub async fn sign_in(&self, credentials: &PasswordSignIn) -> Result<SessionTokens, Error> {
        self.post(paths::SESSIONS, credentials).await
    }

    /// `POST /v1/sign-in-codes`: email a one-time code and link.
    pub async fn request_code(&self, request: &CodeRequest) -> Result<CodeSent, Error> {
        self.post(paths::SIGN_IN_CODES, request).await
    }

    /// `POST /v1/sessions/code`: sign in (or up) with the emailed code.
    pub async fn sign_in_with_code(&self, code: &CodeSignIn) -> Result<SessionTokens, Error> {
        self.post(paths::SESSIONS_CODE, code).await
    }

    /// `POST /v1/sessions/link`: sign in with the token an emailed link brought back.
    pub async fn sign_in_with_link(&self, link: &LinkSignIn) -> Result<SessionTokens, Error> {
        self.post(paths::SESSIONS_LINK, link).await
    }

    /// `POST /v1/sessions/publisher`: trade the publisher's token for a session.
    pub async fn sign_in_with_publisher_token(
        &self,
        token: &PublisherSignIn,
    ) -> Result<SessionTokens, Error> {
        self.post(paths::SESSIONS_PUBLISHER, token).await
    }

    /// `POST /v1/sessions/refresh`: spend a refresh token for a new pair.
    pub async fn refresh(&self, refresh_token: &str) -> Result<SessionTokens, Error> {
        self.post(paths::SESSIONS_REFRESH, &RefreshRequest { refresh_token: refresh_token.to_owned() }).await
    }

    /// `DELETE /v1/sessions`: end this session on the server, or (`everywhere`) every session
    /// of the reader.
    pub async fn sign_out(&self, access_token: &str, everywhere: bool) -> Result<(), Error> {
        let path = if everywhere { paths::SESSIONS_EVERYWHERE } else { paths::SESSIONS };
        self.send::<()>("DELETE", path, None, Auth::Bearer(access_token)).await.map(drop)
    }

    /// `GET /v1/offers?article=ID`: what the prompt sells for the article.
    pub async fn offers(&self, article_id: &str) -> Result<Offers, Error> {
        let path = format!("{}{}", paths::OFFERS_FOR_ARTICLE, encode(article_id));
        self.send("GET", &path, None, Auth::None).await?.ok_or_else(empty)
    }

    /// `POST /v1/checkout`: start paying for an offer (as the signed-in reader, if a token).
    pub async fn checkout(
        &self,
        request: &CheckoutRequest,
        access_token: Option<&str>,
    ) -> Result<CheckoutStarted, Error> {
        self.send("POST", paths::CHECKOUT, Some(body(request)?), access_token.into()).await?.ok_or_else(empty)
    }

    /// `GET /v1/checkout/{id}`: the session a paid checkout signs this browser in with;
    /// `None` while the provider has not said it is paid.
    pub async fn confirm_checkout(
        &self,
        id: &str,
        checkout_token: &str,
    ) -> Result<Option<SessionTokens>, Error> {
        let path = format!("{}{}", paths::CHECKOUT_CONFIRMATION, encode(id));
        self.send("GET", &path, None, Auth::Checkout(checkout_token)).await
    }

    /// `POST /v1/billing-portal`: where the signed-in reader manages their subscription.
    pub async fn billing_portal(&self, access_token: &str, return_to: &str) -> Result<Portal, Error> {
        let request = PortalRequest { return_to: return_to.to_owned() };
        self.send("POST", paths::BILLING_PORTAL, Some(body(&request)?), Auth::Bearer(access_token))
            .await?
            .ok_or_else(empty)
    }

    /// `POST /v1/gifts`: a gift link for an article the reader's subscription opens.
    pub async fn gift(&self, access_token: &str, request: &GiftRequest) -> Result<GiftLink, Error> {
        self.send("POST", paths::GIFTS, Some(body(request)?), Auth::Bearer(access_token))
            .await?
            .ok_or_else(empty)
    }

    /// `GET /v1/sign-in-methods`: the passkeys' site and the identity providers.
    pub async fn sign_in_methods(&self) -> Result<SignInMethods, Error> {
        self.send("GET", paths::SIGN_IN_METHODS, None, Auth::None).await?.ok_or_else(empty)
    }

    /// `POST /v1/passkeys/challenges` (to sign in) or, with an access token,
    /// `POST /v1/passkeys/registrations` (to add a passkey): the challenge as it came.
    pub async fn passkey_challenge(&self, access_token: Option<&str>) -> Result<JsValue, Error> {
        let path =
            if access_token.is_some() { paths::PASSKEY_REGISTRATIONS } else { paths::PASSKEY_CHALLENGES };
        self.send("POST", path, None, access_token.into()).await?.ok_or_else(empty)
    }

    /// `POST /v1/sessions/passkey` (sign in) or, with an access token, `POST /v1/passkeys`
    /// (add it): the challenge's token and the browser's answer.
    pub async fn passkey_answer<T: FromJs>(
        &self,
        access_token: Option<&str>,
        answer: JsValue,
    ) -> Result<T, Error> {
        let path = if access_token.is_some() { paths::PASSKEYS } else { paths::SESSIONS_PASSKEY };
        self.send("POST", path, Some(answer), access_token.into()).await?.ok_or_else(empty)
    }

    /// `GET /v1/passkeys`: the reader's passkeys.
    pub async fn passkeys(&self, access_token: &str) -> Result<Vec<PasskeyInfo>, Error> {
        self.send("GET", paths::PASSKEYS, None, Auth::Bearer(access_token)).await?.ok_or_else(empty)
    }

    /// `DELETE /v1/passkeys/{id}`.
    pub async fn remove_passkey(&self, access_token: &str, id: i64) -> Result<(), Error> {
        let path = format!("{}/{id}", paths::PASSKEYS);
        self.send::<()>("DELETE", &path, None, Auth::Bearer(access_token)).await.map(drop)
    }

    /// `POST /v1/providers/{id}/sign-ins`: where to send the reader to sign in with a provider.
    pub async fn provider_sign_in(
        &self,
        id: &str,
        return_to: String,
    ) -> Result<ProviderSignInStarted, Error> {
        let path = format!("{}{}{}", paths::PROVIDERS, encode(id), paths::SIGN_INS);
        self.post(&path, &ProviderSignInRequest { return_to }).await
    }

    /// `POST /v1/sessions/provider`: sign in with the token a provider's sign-in brought back.
    pub async fn sign_in_with_provider(
        &self,
        token: String,
        binding: String,
    ) -> Result<SessionTokens, Error> {
        self.post(paths::SESSIONS_PROVIDER, &ProviderSignIn { token, binding }).await
    }

    async fn post<T: FromJs>(&self, path: &str, request: &impl Serialize) -> Result<T, Error> {
        self.send("POST", path, Some(body(request)?), Auth::None).await?.ok_or_else(empty)
    }

    /// Sends one request; `Ok(None)` for a 204. Errors carry the server's problem body.
    async fn send<T: FromJs>(
        &self,
        method: &str,
        path: &str,
        body: Option<JsValue>,
        auth: Auth<'_>,
    ) -> Result<Option<T>, Error> {
        // Only the reading is generic: the request and its retries are one function, not one
        // per endpoint (each copy of them cost the reader about a kilobyte).
        let json = self.send_json(method, path, body, auth).await?;
        json.map(|json| {
            T::from_js(&json).map_err(|field| {
                Error::Unexpected(format!("{method} {path}: `{field}` is missing or of the wrong type"))
            })
        })
        .transpose()
    }

    /// Sends one request, trying a read again after a failure on the way; the JSON answer.
    async fn send_json(
        &self,
        method: &str,
        path: &str,
        body: Option<JsValue>,
        auth: Auth<'_>,
    ) -> Result<Option<JsValue>, Error> {
        let mut json = self.fetch(method, path, body.as_ref(), auth).await;
        // A read that failed on the way (no connection, a 5xx) is tried again a few times,
        // waiting longer each time. Writes are not: the server may have done them already.
        // A timeout is worth retrying, but not here: the reader has waited long enough already,
        // and the Retry button offers it.
        if method == "GET" {
            for delay_ms in RETRY_DELAYS_MS {
                match &json {
                    Err(Error::TimedOut) => break,
                    Err(error) if error.worth_retrying() => {}
                    _ => break,
                }
                TimeoutFuture::new(delay_ms).await;
                json = self.fetch(method, path, body.as_ref(), auth).await;
            }
        }
        json
    }

    /// Sends one request with a JSON body and returns the JSON answer (`None` for a 204).
    async fn fetch(
        &self,
        method: &str,
        path: &str,
        body: Option<&JsValue>,
        auth: Auth<'_>,
    ) -> Result<Option<JsValue>, Error> {
        // `fetch(url, init)` with plain objects, never a `Request` or `Headers`: many pages wrap
        // `fetch` (analytics, monitoring, consent tools), and a wrapper that passes on
        // `(url, init)`, or copies `init`, keeps all of these.
        let request_headers = js_sys::Object::new();
        let set = |name: &str, value: &str| {
            js_sys::Reflect::set(&request_headers, &name.into(), &value.into())
                .map(drop)
                .map_err(|_| Error::Browser(format!("cannot set the {name} header")))
        };
        set("Accept", "application/json")?;
        let init = RequestInit::new();
        init.set_method(method);
        // Tokens travel in the Authorization header; no cookie is ever needed or sent.
        init.set_credentials(RequestCredentials::Omit);
        if let Some(body) = body {
            set("Content-Type", "application/json")?;
            let text =
                js_sys::JSON::stringify(body).map_err(|_| Error::Unexpected("unserializable body".into()))?;
            init.set_body(&text);
        }
        match auth {
            Auth::None => {}
            Auth::Bearer(token) => set("Authorization", &format!("Bearer {token}"))?,
            Auth::Checkout(token) => set(headers::CHECKOUT_TOKEN, token)?,
            Auth::Reading { bearer, gift } => {
                if let Some(gift) = gift {
                    set(headers::GIFT, gift)?;
                }
                match bearer {
                    Some(token) => set("Authorization", &format!("Bearer {token}"))?,
                    None => {
                        if let Some(visitor) = self.visitor_id() {
                            set(headers::VISITOR, &visitor)?;
                        }
                    }
                }
            }
        }
        init.set_headers(&request_headers);
        init.set_signal(Some(&AbortSignal::timeout_with_u32(TIMEOUT_MS)));
        let url = format!("{}{path}", self.base);
        let answer = match self.take_prefetched(&url, method, auth) {
            Some(answer) => answer,
            None => dom::window()?.fetch_with_str_and_init(&url, &init),
        };
        let response: Response = JsFuture::from(answer)
            .await
            .map_err(|error| {
                let timed_out =
                    error.dyn_ref::<js_sys::Error>().is_some_and(|error| error.name() == "TimeoutError");
                if timed_out { Error::TimedOut } else { Error::Network }
            })?
            .unchecked_into();
        if let Auth::Reading { bearer: None, .. } = auth
            && let Ok(Some(visitor)) = response.headers().get(headers::VISITOR)
            && let Some((storage, key)) = self.visitor_storage()
        {
            // Storage can be full or disabled; the server then counts the browser by its address.
            let _ = storage.set_item(&key, &visitor);
        }
        let pending = matches!(auth, Auth::Checkout(_)) && response.status() == 202;
        if response.status() == 204 || pending {
            return Ok(None);
        }
        let json = match response.json() {
            Ok(promise) => JsFuture::from(promise).await.ok(),
            Err(_) => None,
        };
        if response.ok() {
            return json
                .map(Some)
                .ok_or_else(|| Error::Unexpected(format!("{method} {path}: the body is not JSON")));
        }
        let problem = json
            .and_then(|json| Problem::from_js(&json).ok())
            .unwrap_or_else(|| Problem::new(response.status(), response.status_text()));
        Err(Error::Problem(Box::new(problem)))
    }
}

impl Api {
    /// The loader's answer for a plain read of `url`, if it asked for one (and nobody took it).
    fn take_prefetched(&self, url: &str, method: &str, auth: Auth<'_>) -> Option<js_sys::Promise> {
        let prefetched =
            self.prefetched.as_ref().filter(|_| method == "GET" && matches!(auth, Auth::None))?;
        let key = JsValue::from_str(url);
        let answer = prefetched.get(&key).dyn_into::<js_sys::Promise>().ok()?;
        prefetched.delete(&key);
        Some(answer)
    }

    /// The anonymous id the meter gave this browser, if it keeps one.
    pub fn visitor_id(&self) -> Option<String> {
        let (storage, key) = self.visitor_storage()?;
        storage.get_item(&key).ok().flatten()
    }

    /// Where this API's anonymous id for the meter is kept.
    fn visitor_storage(&self) -> Option<(web_sys::Storage, String)> {
        Some((dom::local_storage()?, format!("paywall:visitor:{}", self.base)))
    }
}

/// A request's body as a JS value, for `JSON.stringify`.
fn body(request: &impl Serialize) -> Result<JsValue, Error> {
    wire::to_js(request).map_err(|_| Error::Unexpected("unserializable body".into()))
}

fn empty() -> Error {
    Error::Unexpected("the server sent no body".into())
}

/// An article id as one URL path segment.
fn encode(id: &str) -> String {
    String::from(js_sys::encode_uri_component(id))
}
