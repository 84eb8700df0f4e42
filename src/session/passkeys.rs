//! Passkeys and identity providers: signing in with either, and the signed-in reader's
//! passkeys (added, listed, removed). What the server offers is asked once per page.

use std::rc::Rc;

use paywall_protocol::{PasskeyInfo, Reader, SignInMethods};
use web_sys::AbortController;

use super::Session;
use crate::dom;
use crate::error::Error;
use crate::passkey::{self, Ceremony};

impl Session {
    /// The passkeys' site and the identity providers this server offers (none, when it cannot
    /// be asked: the reader signs in another way).
    pub async fn sign_in_methods(&self) -> Rc<SignInMethods> {
        if let Some(methods) = self.methods.borrow().clone() {
            return methods;
        }
        let Ok(methods) = self.api.sign_in_methods().await else { return Rc::default() };
        let methods = Rc::new(methods);
        self.methods.replace(Some(methods.clone()));
        methods
    }

    /// Signs in with a passkey the reader picks in the browser's own dialog.
    pub async fn sign_in_with_passkey(&self) -> Result<Reader, Error> {
        // A request waiting on the autofill would keep the browser from asking.
        self.stop_autofill();
        let challenge = self.api.passkey_challenge(None).await?;
        let answer = passkey::answer(&challenge, Ceremony::Get).await?;
        self.signed_in(self.api.passkey_answer(None, answer).await?)
    }

    /// Offers the site's passkeys in the email field's autofill, and signs in with the one the
    /// reader picks; `Err(PasskeyCancelled)` once stopped (another try, or the dialog closed).
    pub async fn sign_in_with_autofill(&self) -> Result<Reader, Error> {
        self.stop_autofill();
        if !passkey::autofill_available().await {
            return Err(Error::PasskeyCancelled);
        }
        let controller = AbortController::new().map_err(|_| Error::Browser("no AbortController".into()))?;
        let signal = controller.signal();
        self.autofill.replace(Some(controller));
        // Until the reader picks a passkey, nothing went wrong that they should hear of.
        let challenge = self.api.passkey_challenge(None).await.map_err(|_| Error::PasskeyCancelled)?;
        if signal.aborted() {
            return Err(Error::PasskeyCancelled);
        }
        let answer = passkey::answer(&challenge, Ceremony::Autofill(&signal)).await?;
        self.autofill.replace(None);
        self.signed_in(self.api.passkey_answer(None, answer).await?)
    }

    /// Stops offering passkeys in the autofill.
    pub fn stop_autofill(&self) {
        if let Some(controller) = self.autofill.take() {
            controller.abort();
        }
    }

    /// Makes a passkey for the signed-in reader, on an authenticator the browser asks them to
    /// choose.
    pub async fn add_passkey(&self) -> Result<PasskeyInfo, Error> {
        self.stop_autofill();
        let token = self.access_token().await?;
        let challenge = self.api.passkey_challenge(Some(&token)).await?;
        let answer = passkey::answer(&challenge, Ceremony::Create).await?;
        let added = self.api.passkey_answer(Some(&token), answer).await?;
        self.passkey_offer_done();
        Ok(added)
    }

    /// The signed-in reader's passkeys.
    pub async fn passkeys(&self) -> Result<Vec<PasskeyInfo>, Error> {
        self.api.passkeys(&self.access_token().await?).await
    }

    /// Removes one of the signed-in reader's passkeys.
    pub async fn remove_passkey(&self, id: i64) -> Result<(), Error> {
        self.api.remove_passkey(&self.access_token().await?, id).await
    }

    /// The provider's sign-in page, to come back to `return_to` signed in. The sign-in's
    /// binding stays with this tab (`sessionStorage`), which alone may take what it returns.
    pub async fn provider_sign_in(&self, id: &str, return_to: String) -> Result<String, Error> {
        let started = self.api.provider_sign_in(id, return_to).await?;
        let kept = dom::window()?
            .session_storage()
            .ok()
            .flatten()
            .is_some_and(|storage| storage.set_item(&self.binding_key(), &started.binding).is_ok());
        if !kept {
            return Err(Error::Browser(
                "this page cannot keep the sign-in (sessionStorage is blocked)".into(),
            ));
        }
        Ok(started.url)
    }

    /// Signs in with the token a provider's sign-in brought back to the page, and the binding
    /// this tab kept when it started it (none: the server refuses it, as it should).
    pub async fn sign_in_with_provider(&self, token: String) -> Result<Reader, Error> {
        let storage = dom::window()?.session_storage().ok().flatten();
        let binding =
            storage.as_ref().and_then(|storage| storage.get_item(&self.binding_key()).ok().flatten());
        if let Some(storage) = storage {
            let _ = storage.remove_item(&self.binding_key());
        }
        self.signed_in(self.api.sign_in_with_provider(token, binding.unwrap_or_default()).await?)
    }

    fn binding_key(&self) -> String {
        format!("paywall:provider-binding:{}", self.api.base())
    }

    /// Whether to offer the reader a passkey: they just signed in with an emailed code or
    /// link, and have not added one or said "not now" in this browser.
    pub fn offers_passkey(&self) -> bool {
        self.offer_passkey.get()
            && dom::local_storage()
                .and_then(|storage| storage.get_item(&self.offer_key()).ok().flatten())
                .is_none()
    }

    /// The offer is answered: it is not made again in this browser.
    pub fn passkey_offer_done(&self) {
        self.offer_passkey.set(false);
        if let Some(storage) = dom::local_storage() {
            let _ = storage.set_item(&self.offer_key(), "1");
        }
    }

    fn offer_key(&self) -> String {
        format!("paywall:passkey-offered:{}", self.api.base())
    }
}
