//! The reader's session: the access token in memory, the refresh token in `localStorage` so
//! it survives a reload and is shared with the site's other tabs, and the calls that need them.
//!
//! Every widget on the page shares one session and hears when it signs in or out, whether
//! that happened in this widget, another widget, `window.Paywall`, or another tab.
//!
//! Beside the session itself: keeping its access token fresh (`refresh`), following the site's
//! other tabs (`tabs`), paying (`checkout`) and gift links (`gifts`).

mod checkout;
mod gifts;
mod page_lock;
mod passkeys;
mod refresh;
mod tabs;

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use paywall_protocol::{
    CodeRequest, CodeSent, CodeSignIn, LinkSignIn, LockedSections, PasswordSignIn, PublisherSignIn, Reader,
    SessionTokens, SignInMethods,
};
use yew::Callback;

use self::page_lock::PageLock;
use crate::api::Api;
use crate::dom;
use crate::error::Error;

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
    /// Held by the widget of this tab that is buying a new access token: the others wait for
    /// it and use the token it bought, instead of spending the same refresh token at once.
    refreshing: PageLock,
    /// Held by a read with nobody signed in that is out to be given this browser's anonymous
    /// id: the page's other such reads wait for it, then send the id it was given.
    minting: PageLock,
    /// Whether this page stored the refresh token it holds (storage may be blocked or full).
    stored: Cell<bool>,
    /// What the server offers besides codes and passwords, once asked.
    methods: RefCell<Option<Rc<SignInMethods>>>,
    /// Stops the passkey request waiting on the email field's autofill.
    autofill: RefCell<Option<web_sys::AbortController>>,
    /// Whether the reader signed in here with an emailed code or link: a passkey is offered.
    offer_passkey: Cell<bool>,
    /// Hears the other tabs as long as the session lives (and no longer: dropped, it is removed).
    _storage_listener: Option<gloo_events::EventListener>,
}

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
        Rc::new_cyclic(|session: &Weak<Session>| Session {
            api,
            storage_key,
            access: RefCell::new(None),
            reader: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            next_listener: Cell::new(0),
            notice: RefCell::new(None),
            refreshing: PageLock::default(),
            minting: PageLock::default(),
            stored: Cell::new(false),
            methods: RefCell::new(None),
            autofill: RefCell::new(None),
            offer_passkey: Cell::new(false),
            _storage_listener: {
                let session = session.clone();
                dom::on_storage(move |event| {
                    if let Some(session) = session.upgrade() {
                        session.hear_other_tab(event);
                    }
                })
            },
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
        let tokens = self.api.sign_in_with_code(&code).await?;
        self.offer_passkey.set(true);
        self.signed_in(tokens)
    }

    /// Signs in with the token an emailed link brought back to the page.
    pub async fn sign_in_with_link(&self, token: String) -> Result<Reader, Error> {
        let tokens = self.api.sign_in_with_link(&LinkSignIn { token }).await?;
        self.offer_passkey.set(true);
        self.signed_in(tokens)
    }

    /// Signs in with a token the publisher signed for its reader.
    pub async fn sign_in_with_publisher_token(&self, token: String) -> Result<Reader, Error> {
        self.signed_in(self.api.sign_in_with_publisher_token(&PublisherSignIn { token }).await?)
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
        let minting = self.minting.lock().await;
        // Only the read that is given the id keeps the lock until its answer; once the browser
        // has an id, reads go side by side.
        let _minting = self.api.visitor_id().is_none().then_some(minting);
        self.api.locked(article_id, None, gift).await
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

    pub(crate) fn signed_in(&self, tokens: SessionTokens) -> Result<Reader, Error> {
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

    fn stored_refresh_token(&self) -> Option<String> {
        dom::local_storage()?.get_item(&self.storage_key).ok().flatten().filter(|token| !token.is_empty())
    }
}

/// Two handles are the same session only if they are the same object.
impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}
