//! The reader's session: the access token in memory, the refresh token in `localStorage` so
//! it survives a reload and is shared with the site's other tabs, and the calls that need them.
//!
//! Every widget on the page shares one session and hears when it signs in or out, whether
//! that happened in this widget, another widget, `window.Paywall`, or another tab.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use paywall_protocol::{
    CheckoutRequest, CodeRequest, CodeSent, CodeSignIn, GiftRequest, LinkSignIn, LockedSections,
    PasswordSignIn, PublisherSignIn, Reader, SessionTokens,
};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Storage, StorageEvent};
use yew::Callback;

use crate::api::Api;
use crate::dom;
use crate::error::Error;

/// Refresh this long before the access token's expiry, so a request never races it.
const EXPIRY_MARGIN_MS: f64 = 30_000.0;

/// Pauses while waiting for another tab to store the refresh token it was just given.
const SUCCESSOR_WAITS_MS: [i32; 6] = [50, 100, 200, 400, 800, 1_500];

/// How many refresh tokens a tab tries, one after another, when other tabs spend each first.
const MAX_REFRESH_TRIES: u32 = 6;

/// What a session's listeners hear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A reader signed in (here or in another tab).
    SignedIn,
    /// The reader signed out (here or in another tab).
    SignedOut,
    /// Nothing changed here, but what the reader may read may have (`Paywall.refresh()`).
    Refresh,
}

struct AccessToken {
    token: String,
    /// `Date.now()` after which the token must not be used.
    expires_at_ms: f64,
}

/// One reader's session with one paywall API, shared by every widget on the page.
pub struct Session {
    api: Api,
    storage_key: String,
    access: RefCell<Option<AccessToken>>,
    reader: RefCell<Option<Reader>>,
    listeners: RefCell<Vec<(u32, Callback<Change>)>>,
    next_listener: Cell<u32>,
    /// A sign-in failure from before any widget was shown (an expired emailed link), for the
    /// first widget to show.
    notice: RefCell<Option<Error>>,
    /// Whether a widget of this tab is buying a new access token: the others wait for it
    /// instead of spending the same refresh token at once.
    refreshing: Cell<bool>,
    /// Whether a read with nobody signed in is out to be given this browser's anonymous id.
    minting: Cell<bool>,
    /// Whether this page stored the refresh token it holds (storage may be blocked or full).
    stored: Cell<bool>,
    /// Keeps the other-tabs listener alive as long as the session.
    _storage_listener: StorageListener,
}

/// What hears the `storage` events of the site's other tabs.
type StorageListener = Closure<dyn Fn(StorageEvent)>;

/// Listening to a session; dropping it stops.
pub struct Subscription {
    session: Weak<Session>,
    id: u32,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(session) = self.session.upgrade() {
            session.listeners.borrow_mut().retain(|(id, _)| *id != self.id);
        }
    }
}

impl Session {
    /// A session with `api`, signed in if a refresh token for it is stored.
    pub fn new(api: Api) -> Rc<Self> {
        let storage_key = format!("paywall:refresh:{}", api.base());
        Rc::new_cyclic(|session| Session {
            api,
            storage_key,
            access: RefCell::new(None),
            reader: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
            notice: RefCell::new(None),
            refreshing: Cell::new(false),
            minting: Cell::new(false),
            stored: Cell::new(false),
            _storage_listener: follow_other_tabs(session.clone()),
        })
    }

    /// The API this session talks to.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// Where the refresh token is kept in `localStorage` (one key per paywall API).
    pub fn storage_key(&self) -> &str {
        &self.storage_key
    }

    /// Calls `listener` on every sign-in and sign-out until the subscription is dropped.
    pub fn subscribe(self: &Rc<Self>, listener: Callback<Change>) -> Subscription {
        let id = self.next_listener.get();
        self.next_listener.set(id + 1);
        self.listeners.borrow_mut().push((id, listener));
        Subscription { session: Rc::downgrade(self), id }
    }

    /// Whether a reader may be signed in: a token is held or stored. Only the server can say
    /// whether it is still good.
    pub fn may_be_signed_in(&self) -> bool {
        self.access.borrow().is_some() || self.stored_refresh_token().is_some()
    }

    /// The signed-in reader, once the server has confirmed them in this page.
    pub fn reader(&self) -> Option<Reader> {
        self.reader.borrow().clone()
    }

    /// Asks every widget to load again. First it catches up with what the site's other tabs
    /// did while this page could not hear them (it sat in the back/forward cache, which
    /// delivers no `storage` events): a session signed out there is signed out here.
    pub fn refresh(&self) {
        let held = self.reader.borrow().is_some() || self.access.borrow().is_some();
        // Only a token that storage, read without fail, no longer has: storage that cannot be
        // read now says nothing about the session.
        let removed = dom::local_storage()
            .and_then(|storage| storage.get_item(&self.storage_key).ok())
            .is_some_and(|token| token.is_none());
        if held && self.stored.get() && removed {
            self.forget();
            self.notify(Change::SignedOut);
        } else {
            self.notify(Change::Refresh);
        }
    }

    /// Keeps an error for the first widget to show.
    pub fn set_notice(&self, error: Error) {
        self.notice.replace(Some(error));
    }

    /// The kept error, once.
    pub fn take_notice(&self) -> Option<Error> {
        self.notice.take()
    }

    /// Emails the reader a code and a link back to `return_to`.
    pub async fn request_code(&self, email: &str, return_to: Option<String>) -> Result<CodeSent, Error> {
        self.api.request_code(&CodeRequest { email: email.trim().to_owned(), return_to }).await
    }

    /// Signs in with email and password.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Reader, Error> {
        let credentials = PasswordSignIn { email: email.trim().to_owned(), password: password.to_owned() };
        self.signed_in(self.api.sign_in(&credentials).await?)
    }

    /// Signs in (or up) with the emailed code.
    pub async fn sign_in_with_code(&self, email: &str, code: &str) -> Result<Reader, Error> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let code = CodeSignIn { email: email.trim().to_owned(), code };
        self.signed_in(self.api.sign_in_with_code(&code).await?)
    }

    /// Signs in with the token an emailed link brought back to the page.
    pub async fn sign_in_with_link(&self, token: String) -> Result<Reader, Error> {
        self.signed_in(self.api.sign_in_with_link(&LinkSignIn { token }).await?)
    }

    /// Signs in with a token the publisher signed for its reader.
    pub async fn sign_in_with_publisher_token(&self, token: String) -> Result<Reader, Error> {
        self.signed_in(self.api.sign_in_with_publisher_token(&PublisherSignIn { token }).await?)
    }

    /// Starts paying for an offer, as the signed-in reader or (nobody signed in) for `email`;
    /// the checkout's token is kept in this tab for the way back. The provider's page to go to.
    pub async fn checkout(
        &self,
        offer_id: i64,
        email: Option<String>,
        return_to: String,
        article_id: &str,
    ) -> Result<String, Error> {
        let token = if self.may_be_signed_in() { Some(self.access_token().await?) } else { None };
        let email = if token.is_some() { None } else { email.map(|email| email.trim().to_owned()) };
        let request = CheckoutRequest { offer_id, return_to, email, article_id: Some(article_id.to_owned()) };
        let started = self.api.checkout(&request, token.as_deref()).await?;
        if let Some(storage) = checkout_storage() {
            let _ = storage.set_item(&checkout_key(&started.checkout_id), &started.checkout_token);
        }
        Ok(started.url)
    }

    /// Back from the provider's checkout: signs this tab in with it once it is paid, asking
    /// again while the provider has not said so (a few seconds at most).
    pub async fn confirm_checkout(&self, id: &str) -> Result<Reader, Error> {
        let storage = checkout_storage();
        let key = checkout_key(id);
        let token = storage
            .as_ref()
            .and_then(|storage| storage.get_item(&key).ok().flatten())
            .ok_or(Error::SignedOut)?;
        for delay_ms in CHECKOUT_POLLS_MS {
            if let Some(tokens) = self.api.confirm_checkout(id, &token).await? {
                if let Some(storage) = &storage {
                    let _ = storage.remove_item(&key);
                }
                return self.signed_in(tokens);
            }
            crate::dom::sleep(delay_ms).await;
        }
        Err(Error::TimedOut)
    }

    /// The provider's billing portal for the signed-in reader, coming back to `return_to`.
    pub async fn billing_portal(&self, return_to: &str) -> Result<String, Error> {
        let token = self.access_token().await?;
        Ok(self.api.billing_portal(&token, return_to).await?.url)
    }

    /// The locked sections of an article, with a fresh access token (and the gift link's
    /// token, if any); after a 401 the token is refreshed once and the request retried.
    pub async fn locked(&self, article_id: &str, gift: Option<&str>) -> Result<LockedSections, Error> {
        let token = self.access_token().await?;
        match self.api.locked(article_id, Some(&token), gift).await {
            Err(error) if error.is_unauthorized() => {
                self.access.replace(None);
                let token = self.access_token().await?;
                self.api.locked(article_id, Some(&token), gift).await
            }
            other => other,
        }
    }

    /// The locked sections of an article with nobody signed in (a free article, or one the
    /// meter or a gift link opens). A browser's first such read is given its anonymous id: the
    /// page's other widgets wait for it, so that one browser is one id, and one count.
    pub async fn locked_anonymously(
        &self,
        article_id: &str,
        gift: Option<&str>,
    ) -> Result<LockedSections, Error> {
        dom::wait_while(&self.minting).await;
        let mints = self.api.visitor_id().is_none();
        if mints {
            self.minting.set(true);
        }
        let locked = self.api.locked(article_id, None, gift).await;
        if mints {
            self.minting.set(false);
        }
        locked
    }

    /// A gift link for an article the signed-in reader's subscription opens, on `page`.
    pub async fn make_gift(&self, article_id: &str, page: String) -> Result<String, Error> {
        let request = GiftRequest { article_id: article_id.to_owned(), page };
        Ok(self.api.gift(&self.access_token().await?, &request).await?.url)
    }

    /// Keeps a gift link's token for an article of this page, to send each time it is read.
    pub fn keep_gift(&self, article_id: &str, token: &str) {
        if let Some(storage) = dom::local_storage() {
            let _ = storage.set_item(&self.gift_key(article_id), token);
        }
    }

    /// The gift link's token this browser keeps for an article.
    pub fn gift(&self, article_id: &str) -> Option<String> {
        dom::local_storage()?.get_item(&self.gift_key(article_id)).ok().flatten()
    }

    /// Forgets an article's gift link, once the server no longer honours it.
    pub fn forget_gift(&self, article_id: &str) {
        if let Some(storage) = dom::local_storage() {
            let _ = storage.remove_item(&self.gift_key(article_id));
        }
    }

    fn gift_key(&self, article_id: &str) -> String {
        format!("paywall:gift:{}:{article_id}", self.api.base())
    }

    /// Ends this session (or, `everywhere`, every session of the reader) on the server and
    /// forgets it here. The local session is forgotten even when the server cannot be reached,
    /// and the error is returned.
    pub async fn sign_out(&self, everywhere: bool) -> Result<(), Error> {
        let result = match self.access_token().await {
            Ok(token) => self.api.sign_out(&token, everywhere).await,
            Err(Error::SignedOut) => Ok(()),
            Err(error) => Err(error),
        };
        self.forget();
        self.notify(Change::SignedOut);
        match result {
            // A session the server already ended is signed out all the same.
            Err(error) if error.is_unauthorized() => Ok(()),
            other => other,
        }
    }

    fn signed_in(&self, tokens: SessionTokens) -> Result<Reader, Error> {
        let reader = self.keep(tokens);
        self.notify(Change::SignedIn);
        Ok(reader)
    }

    fn notify(&self, change: Change) {
        // Listeners may subscribe or unsubscribe while being told, so tell a copy.
        let listeners: Vec<Callback<Change>> =
            self.listeners.borrow().iter().map(|(_, l)| l.clone()).collect();
        for listener in listeners {
            listener.emit(change);
        }
    }

    /// A usable access token: the one in memory, or a new one bought with the refresh token.
    async fn access_token(&self) -> Result<String, Error> {
        // Another widget of this tab may be refreshing: its token will do for this one too.
        dom::wait_while(&self.refreshing).await;
        if let Some(access) = &*self.access.borrow()
            && access.expires_at_ms - EXPIRY_MARGIN_MS > js_sys::Date::now()
        {
            return Ok(access.token.clone());
        }
        self.refreshing.set(true);
        let result = self.refresh_access().await;
        self.refreshing.set(false);
        result
    }

    /// Buys a new access token with the stored refresh token, one tab at a time: each tab
    /// reads the token only once it holds the lock, so it spends the one the tab before it
    /// stored, and no two tabs ever spend the same one (which the server takes for theft).
    async fn refresh_access(&self) -> Result<String, Error> {
        let lock = format!("{}:refreshing", self.storage_key);
        dom::with_tabs_lock(&lock, self.refresh_access_alone()).await
    }

    async fn refresh_access_alone(&self) -> Result<String, Error> {
        let mut refresh_token = self.stored_refresh_token().ok_or(Error::SignedOut)?;
        let mut tries = 0;
        let tokens = loop {
            match self.api.refresh(&refresh_token).await {
                Ok(tokens) => break tokens,
                Err(error) if error.is_unauthorized() => {
                    // Another tab or widget may have spent the token a moment ago (every tab
                    // refreshes when one signs in): its successor is stored as soon as that tab
                    // has its answer, and may itself be spent by a third tab meanwhile.
                    tries += 1;
                    match self.successor_of(&refresh_token).await {
                        Some(newer) if tries < MAX_REFRESH_TRIES => refresh_token = newer,
                        _ => {
                            self.forget_if_kept(&refresh_token);
                            return Err(error);
                        }
                    }
                }
                Err(error) => return Err(error),
            }
        };
        let token = tokens.access_token.clone();
        self.keep(tokens);
        Ok(token)
    }

    /// The refresh token stored after `spent`, waiting up to 3 s for another tab to store
    /// it; `None` if none comes, or the session was forgotten meanwhile.
    async fn successor_of(&self, spent: &str) -> Option<String> {
        for delay_ms in SUCCESSOR_WAITS_MS {
            match self.stored_refresh_token() {
                Some(stored) if stored != spent => return Some(stored),
                Some(_) => dom::sleep(delay_ms).await,
                None => return None,
            }
        }
        self.stored_refresh_token().filter(|stored| stored != spent)
    }

    /// Keeps a new pair: the access token in memory, the refresh token in storage.
    fn keep(&self, tokens: SessionTokens) -> Reader {
        let lifetime_ms = tokens.expires_in as f64 * 1000.0;
        self.access.replace(Some(AccessToken {
            token: tokens.access_token,
            expires_at_ms: js_sys::Date::now() + lifetime_ms,
        }));
        // Storage can be full or disabled; the session then lasts as long as the page.
        let stored = dom::local_storage()
            .is_some_and(|storage| storage.set_item(&self.storage_key, &tokens.refresh_token).is_ok());
        self.stored.set(stored);
        self.reader.replace(Some(tokens.reader.clone()));
        tokens.reader
    }

    fn forget(&self) {
        self.access.replace(None);
        self.reader.replace(None);
        self.stored.set(false);
        if let Some(storage) = dom::local_storage() {
            let _ = storage.remove_item(&self.storage_key);
        }
    }

    /// Forgets the session if `refresh_token` is still the one kept: one another tab has just
    /// replaced is not this tab's to end.
    fn forget_if_kept(&self, refresh_token: &str) {
        if self.stored_refresh_token().is_some_and(|kept| kept != refresh_token) {
            self.access.replace(None);
        } else {
            self.forget();
        }
    }

    fn stored_refresh_token(&self) -> Option<String> {
        dom::local_storage()?.get_item(&self.storage_key).ok().flatten().filter(|token| !token.is_empty())
    }
}

/// Another tab of the site signing in or out changes the stored refresh token; the browser
/// tells every other tab with a `storage` event. A token merely rotated by a refresh in
/// another tab changes nothing here.
fn follow_other_tabs(session: Weak<Session>) -> StorageListener {
    let listener = Closure::<dyn Fn(StorageEvent)>::new(move |event: StorageEvent| {
        let Some(session) = session.upgrade() else {
            return;
        };
        if event.key().as_deref() != Some(session.storage_key.as_str()) {
            return;
        }
        match (event.old_value(), event.new_value()) {
            (_, None) => {
                session.access.replace(None);
                session.reader.replace(None);
                session.notify(Change::SignedOut);
            }
            (None, Some(_)) => {
                session.access.replace(None);
                session.notify(Change::SignedIn);
            }
            (Some(_), Some(_)) => {}
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
    }
    listener
}

/// Two handles are the same session only if they are the same object.
impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Pauses between asking whether a checkout is paid: about ten seconds in all.
const CHECKOUT_POLLS_MS: [i32; 8] = [250, 500, 750, 1_000, 1_500, 2_000, 2_000, 2_000];

/// Where a checkout's token waits for the way back: this tab's `sessionStorage`, since only
/// the browser that started a checkout may confirm it.
fn checkout_storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn checkout_key(id: &str) -> String {
    format!("paywall:checkout:{id}")
}
