//! The reader's session: the access token in memory, the refresh token in `localStorage` so
//! it survives a reload, and the calls that need them.

use std::cell::RefCell;
use std::rc::Rc;

use paywall_protocol::{LockedSections, PasswordSignIn, Reader, SessionTokens};
use web_sys::Storage;

use crate::api::Api;
use crate::error::Error;

/// Refresh this long before the access token's expiry, so a request never races it.
const EXPIRY_MARGIN_MS: f64 = 30_000.0;

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
}

impl Session {
    /// A session with `api`, signed in if a refresh token for it is stored.
    pub fn new(api: Api) -> Rc<Self> {
        let storage_key = format!("paywall:refresh:{}", api.base());
        Rc::new(Session {
            api,
            storage_key,
            access: RefCell::new(None),
            reader: RefCell::new(None),
        })
    }

    /// The API this session talks to.
    pub fn api(&self) -> &Api {
        &self.api
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

    /// Signs in with email and password and keeps the new tokens.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Reader, Error> {
        let credentials = PasswordSignIn {
            email: email.trim().to_owned(),
            password: password.to_owned(),
        };
        let tokens = self.api.sign_in(&credentials).await?;
        Ok(self.keep(tokens))
    }

    /// The locked sections of an article, with a fresh access token; after a 401 the token is
    /// refreshed once and the request retried.
    pub async fn locked(&self, article_id: &str) -> Result<LockedSections, Error> {
        let token = self.access_token().await?;
        match self.api.locked(article_id, &token).await {
            Err(error) if error.is_unauthorized() => {
                self.access.replace(None);
                let token = self.access_token().await?;
                self.api.locked(article_id, &token).await
            }
            other => other,
        }
    }

    /// Ends the session on the server and forgets it here. The local session is forgotten even
    /// when the server cannot be reached, and the error is returned.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let result = match self.access_token().await {
            Ok(token) => self.api.sign_out(&token).await,
            Err(Error::SignedOut) => Ok(()),
            Err(error) => Err(error),
        };
        self.forget();
        match result {
            // A session the server already ended is signed out all the same.
            Err(error) if error.is_unauthorized() => Ok(()),
            other => other,
        }
    }

    /// A usable access token: the one in memory, or a new one bought with the refresh token.
    async fn access_token(&self) -> Result<String, Error> {
        if let Some(access) = &*self.access.borrow()
            && access.expires_at_ms - EXPIRY_MARGIN_MS > js_sys::Date::now()
        {
            return Ok(access.token.clone());
        }
        let refresh_token = self.stored_refresh_token().ok_or(Error::SignedOut)?;
        let tokens = match self.api.refresh(&refresh_token).await {
            Ok(tokens) => tokens,
            Err(error) if error.is_unauthorized() => {
                // Another tab or widget may have spent the token and stored its successor.
                match self
                    .stored_refresh_token()
                    .filter(|stored| *stored != refresh_token)
                {
                    Some(newer) => self
                        .api
                        .refresh(&newer)
                        .await
                        .inspect_err(|_| self.forget())?,
                    None => {
                        self.forget();
                        return Err(error);
                    }
                }
            }
            Err(error) => return Err(error),
        };
        let token = tokens.access_token.clone();
        self.keep(tokens);
        Ok(token)
    }

    /// Keeps a new pair: the access token in memory, the refresh token in storage.
    fn keep(&self, tokens: SessionTokens) -> Reader {
        let lifetime_ms = tokens.expires_in as f64 * 1000.0;
        self.access.replace(Some(AccessToken {
            token: tokens.access_token,
            expires_at_ms: js_sys::Date::now() + lifetime_ms,
        }));
        if let Some(storage) = storage() {
            // Storage can be full or disabled; the session then lasts as long as the page.
            let _ = storage.set_item(&self.storage_key, &tokens.refresh_token);
        }
        self.reader.replace(Some(tokens.reader.clone()));
        tokens.reader
    }

    fn forget(&self) {
        self.access.replace(None);
        self.reader.replace(None);
        if let Some(storage) = storage() {
            let _ = storage.remove_item(&self.storage_key);
        }
    }

    fn stored_refresh_token(&self) -> Option<String> {
        storage()?
            .get_item(&self.storage_key)
            .ok()
            .flatten()
            .filter(|token| !token.is_empty())
    }
}

/// `localStorage`, where the page allows it (it throws in some private modes).
fn storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Two handles are the same session only if they are the same object.
impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}
