//! The paywall widget: keeps the publisher's free section, shows a subscribe / sign-in prompt
//! that names what is locked, and after sign-in shows the locked sections in place.
//!
//! `www/paywall.js` loads this module and calls [`mount_all`] with its own script tag; tests
//! call [`mount`] directly.

pub mod api;
mod components;
pub mod config;
mod dom;
pub mod error;
mod events;
mod hooks;
pub mod mount;
mod sanitize;
pub mod session;
mod state;
mod text;

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlScriptElement};

pub use config::Config;
pub use error::Error;
pub use mount::mount;
pub use session::Session;

/// Runs when the module loads: nothing to do but make panics readable in the console.
#[wasm_bindgen(start)]
pub fn start() {
    yew::set_custom_panic_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("paywall: {info}").into());
    }));
}

/// The page's paywall: one configuration and one reader session shared by every widget on it.
/// `window.Paywall` in the loader.
#[wasm_bindgen]
pub struct Paywall {
    config: Rc<Config>,
    session: Rc<Session>,
}

#[wasm_bindgen]
impl Paywall {
    /// Mounts a widget on one more `[data-paywall]` element (for pages that build themselves).
    pub fn mount(&self, container: Element) -> Result<(), JsError> {
        mount(&container, self.config.clone(), self.session.clone()).map_err(Into::into)
    }
}

/// Reads the configuration from the loader's script tag and mounts a widget on every
/// `[data-paywall]` element of the page. A container that cannot be mounted is reported in
/// the console and skipped; the others still mount.
#[wasm_bindgen(js_name = mountAll)]
pub fn mount_all(script: HtmlScriptElement) -> Result<Paywall, JsError> {
    let config = Rc::new(Config::from_script(&script)?);
    let session = Session::new(api::Api::new(config.api.clone()));
    let document = dom::document()?;
    let containers = document
        .query_selector_all("[data-paywall]")
        .map_err(|_| Error::Browser("cannot search the page for [data-paywall]".into()))?;
    for index in 0..containers.length() {
        let Some(container) = containers
            .item(index)
            .and_then(|node| node.dyn_into::<Element>().ok())
        else {
            continue;
        };
        if let Err(error) = mount(&container, config.clone(), session.clone()) {
            web_sys::console::error_1(&format!("paywall: {error}").into());
        }
    }
    Ok(Paywall { config, session })
}
