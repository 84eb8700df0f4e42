//! The browser's side of passkeys: `navigator.credentials`, given the server's options. The
//! browser itself turns that JSON into its binary options, and its answer back into JSON
//! (`PublicKeyCredential.parse…FromJSON`, `toJSON`), so the widget only passes them on.

use js_sys::{Function, Object, Promise, Reflect};
use paywall_protocol::SignInMethods;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

use crate::dom;
use crate::error::Error;

/// Which ceremony, and how it is shown.
pub enum Ceremony<'a> {
    /// Make a passkey for the signed-in reader.
    Create,
    /// Sign in with one the reader picks in the browser's own dialog.
    Get,
    /// Sign in with one the reader picks from the email field's autofill, until `signal`
    /// says stop.
    Autofill(&'a AbortSignal),
}

/// Whether passkeys can be offered here: the server has them, for this page's site, and the
/// browser can make and use them as the widget asks it to.
pub fn usable(methods: &SignInMethods) -> bool {
    methods.passkeys.as_deref().is_some_and(on_site) && class().is_some()
}

/// Whether this page is on `rp_id`'s site, where the server's passkeys work.
fn on_site(rp_id: &str) -> bool {
    let host = web_sys::window().and_then(|window| window.location().hostname().ok()).unwrap_or_default();
    host == rp_id || host.strip_suffix(rp_id).is_some_and(|rest| rest.ends_with('.'))
}

/// Whether the browser can offer passkeys in a field's autofill.
pub async fn autofill_available() -> bool {
    let Some(class) = class() else { return false };
    let Some(promise) = method(&class, "isConditionalMediationAvailable")
        .and_then(|check| check.call0(&class).ok())
        .and_then(|value| value.dyn_into::<Promise>().ok())
    else {
        return false;
    };
    JsFuture::from(promise).await.is_ok_and(|available| available.is_truthy())
}

/// Runs the ceremony on the server's `challenge` (`{ceremony, public_key}`); the body that
/// answers it (`{ceremony, credential}`).
pub async fn answer(challenge: &JsValue, ceremony: Ceremony<'_>) -> Result<JsValue, Error> {
    let class = class().ok_or_else(|| Error::Browser("this browser has no passkeys".into()))?;
    let get = |name: &str| Reflect::get(challenge, &name.into()).unwrap_or(JsValue::UNDEFINED);
    let parse = if matches!(ceremony, Ceremony::Create) {
        "parseCreationOptionsFromJSON"
    } else {
        "parseRequestOptionsFromJSON"
    };
    let options = method(&class, parse)
        .and_then(|parse| parse.call1(&class, &get("public_key")).ok())
        .ok_or_else(|| Error::Unexpected("the passkey challenge cannot be read".into()))?;
    let init = Object::new();
    let set = |name: &str, value: &JsValue| Reflect::set(&init, &name.into(), value).map(drop);
    let _ = set("publicKey", &options);
    if let Ceremony::Autofill(signal) = ceremony {
        let _ = set("mediation", &"conditional".into());
        let _ = set("signal", signal);
    }
    let credentials =
        Reflect::get(&dom::window()?.navigator(), &"credentials".into()).unwrap_or(JsValue::UNDEFINED);
    let call = if matches!(ceremony, Ceremony::Create) { "create" } else { "get" };
    let promise = method(&credentials, call)
        .and_then(|call| call.call1(&credentials, &init).ok())
        .and_then(|promise| promise.dyn_into::<Promise>().ok())
        .ok_or_else(|| Error::Browser("navigator.credentials is missing".into()))?;
    let credential = JsFuture::from(promise).await.map_err(|error| {
        let name =
            Reflect::get(&error, &"name".into()).ok().and_then(|name| name.as_string()).unwrap_or_default();
        match name.as_str() {
            // Closed, timed out, or stopped: the reader may try again.
            "NotAllowedError" | "AbortError" => Error::PasskeyCancelled,
            "InvalidStateError" => Error::PasskeyExists,
            _ => Error::Browser(format!("the passkey failed: {name}")),
        }
    })?;
    let json = method(&credential, "toJSON")
        .and_then(|to_json| to_json.call0(&credential).ok())
        .ok_or_else(|| Error::Browser("the passkey's answer cannot be written".into()))?;
    let body = Object::new();
    Reflect::set(&body, &"ceremony".into(), &get("ceremony"))
        .map_err(|_| Error::Browser("cannot answer".into()))?;
    Reflect::set(&body, &"credential".into(), &json).map_err(|_| Error::Browser("cannot answer".into()))?;
    Ok(body.into())
}

/// `PublicKeyCredential`, where it reads JSON options (every browser since 2025).
fn class() -> Option<JsValue> {
    let class = Reflect::get(&web_sys::window()?.into(), &"PublicKeyCredential".into()).ok()?;
    method(&class, "parseRequestOptionsFromJSON").map(|_| class)
}

fn method(target: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(target, &name.into()).ok()?.dyn_into::<Function>().ok()
}
