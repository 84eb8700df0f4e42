//! Keeping the session's access token fresh: a new one is bought with the stored refresh
//! token, by one widget of the page at a time and by one tab of the site at a time, so that
//! no refresh token is ever spent twice (which the server takes for theft).

use gloo_timers::future::TimeoutFuture;

use super::Session;
use crate::dom;
use crate::error::Error;

/// Refresh this long before the access token's expiry, so a request never races it.
const EXPIRY_MARGIN_MS: f64 = 30_000.0;

/// Pauses while waiting for another tab to store the refresh token it was just given.
const SUCCESSOR_WAITS_MS: [u32; 6] = [50, 100, 200, 400, 800, 1_500];

/// How many refresh tokens a tab tries, one after another, when other tabs spend each first.
const MAX_REFRESH_TRIES: u32 = 6;

impl Session {
    /// A usable access token: the one in memory, or a new one bought with the refresh token.
    pub(super) async fn access_token(&self) -> Result<String, Error> {
        // Another widget of this tab may be refreshing: this one waits, and its token will do
        // for this one too. Held until this function ends, so widgets never refresh together.
        let _refreshing = self.refreshing.lock().await;
        if let Some(access) = &*self.access.borrow()
            && access.expires_at_ms - EXPIRY_MARGIN_MS > js_sys::Date::now()
        {
            return Ok(access.token.clone());
        }
        self.refresh_access().await
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
                Some(_) => TimeoutFuture::new(delay_ms).await,
                None => return None,
            }
        }
        self.stored_refresh_token().filter(|stored| stored != spent)
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
}
