//! Paying through the provider: starting a checkout, signing in with it on the way back once
//! it is paid, and the billing portal.

use gloo_timers::future::TimeoutFuture;
use paywall_protocol::{CheckoutRequest, Reader};
use web_sys::Storage;

use super::Session;
use crate::error::Error;

/// Pauses between asking whether a checkout is paid: about ten seconds in all.
const CHECKOUT_POLLS_MS: [u32; 8] = [250, 500, 750, 1_000, 1_500, 2_000, 2_000, 2_000];

impl Session {
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
            TimeoutFuture::new(delay_ms).await;
        }
        Err(Error::TimedOut)
    }

    /// The provider's billing portal for the signed-in reader, coming back to `return_to`.
    pub async fn billing_portal(&self, return_to: &str) -> Result<String, Error> {
        let token = self.access_token().await?;
        Ok(self.api.billing_portal(&token, return_to).await?.url)
    }
}

/// Where a checkout's token waits for the way back: this tab's `sessionStorage`, since only
/// the browser that started a checkout may confirm it.
fn checkout_storage() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn checkout_key(id: &str) -> String {
    format!("paywall:checkout:{id}")
}
