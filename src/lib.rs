//! The paywall widget: keeps the publisher's free section, shows a subscribe / sign-in prompt
//! that names what is locked, and after sign-in shows the locked sections in place.
//!
//! `www/paywall.js` loads this module and calls [`mount_all`] with its own script tag; tests
//! call [`mount`] directly.

mod access;
pub mod api;
mod components;
pub mod config;
mod dom;
pub mod error;
mod events;
mod hooks;
mod i18n;
pub mod loader;
pub mod mount;
mod passkey;
mod sanitize;
pub mod session;
mod state;
pub mod wire;

use std::cell::RefCell;
use std::rc::Rc;

use paywall_protocol::fragments;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlScriptElement};

pub use config::Config;
pub use error::Error;
pub use loader::{Loader, LoaderHooks};
pub use mount::{Mounted, mount};
pub use session::Session;

/// Runs when the module loads: nothing to do but make panics readable in the console (in a
/// stable build; the size-optimised nightly build traps at once, and the loader then shows its
/// plain-link fallback).
#[wasm_bindgen(start)]
pub fn start() {
    yew::set_custom_panic_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("paywall: {info}").into());
    }));
}

/// The page's paywall: one configuration and one reader session shared by every widget on it.
/// `window.Paywall` in the loader; `www/paywall.d.ts` describes it for TypeScript.
#[wasm_bindgen]
pub struct Paywall(Rc<Page>);

/// What the page's widgets share, and which containers have (or are getting) one.
struct Page {
    config: Config,
    session: Rc<Session>,
    loader: Loader,
    widgets: RefCell<Vec<Mounted>>,
    /// Containers waiting for a publisher token's sign-in before they mount.
    pending: RefCell<Vec<Element>>,
    /// While the page's own sign-in (an emailed link, a checkout, a publisher token) is under
    /// way, the containers to mount once it is done: so that a reader who arrives signed in
    /// never sees the prompt. `None` afterwards.
    starting: RefCell<Option<Vec<Element>>>,
    /// Publisher tokens already exchanged (each is accepted once): a container that carries one
    /// and is mounted again, after a re-render, is not exchanged again.
    spent_tokens: RefCell<Vec<String>>,
    /// A gift link's token that came with the address before any article was on the page (a
    /// single-page app renders it later): kept for the first article that mounts.
    gift: RefCell<Option<String>>,
}

#[wasm_bindgen]
impl Paywall {
    /// Mounts a widget on one more `[data-paywall]` element (for pages that build themselves;
    /// the loader calls it for every article that appears). Its `data-paywall-*` attributes are
    /// read as for the page's own articles (the loader writes `Paywall.mount`'s options there);
    /// a token is exchanged for a session first. Nothing happens for a container that has a
    /// widget or is getting one.
    pub fn mount(&self, container: Element) {
        self.0.mount(container);
    }

    /// Takes the widget off an element; the free section stays as it always was.
    pub fn unmount(&self, container: &Element) {
        self.0.pending.borrow_mut().retain(|pending| pending != container);
        if let Some(starting) = self.0.starting.borrow_mut().as_mut() {
            starting.retain(|waiting| waiting != container);
        }
        let widget = {
            let mut widgets = self.0.widgets.borrow_mut();
            let index = widgets.iter().position(|widget| widget.container == *container);
            index.map(|index| widgets.swap_remove(index))
        };
        if let Some(widget) = widget {
            widget.unmount();
        }
    }

    /// Takes off every widget that no longer stands where it was mounted (its article left
    /// the document, names another article, or lost the widget's elements to a re-render):
    /// its state, timers, listeners and unlocked text go with it. The loader calls this when
    /// the page changes, then mounts afresh whatever `[data-paywall]` has no widget.
    pub fn sweep(&self) {
        let gone: Vec<Mounted> = {
            let mut widgets = self.0.widgets.borrow_mut();
            let (kept, gone) = widgets.drain(..).partition(Mounted::in_place);
            *widgets = kept;
            gone
        };
        for widget in gone {
            widget.unmount();
        }
    }

    /// Signs in with a token the publisher signed for its reader; every widget on the page
    /// (and in the site's other tabs) follows. Resolves once the session is made.
    #[wasm_bindgen(js_name = setToken)]
    pub async fn set_token(&self, token: String) -> Result<(), JsError> {
        self.0.session.sign_in_with_publisher_token(token).await.map(drop).map_err(Into::into)
    }

    /// Signs out here and on the server; every widget shows its prompt again.
    #[wasm_bindgen(js_name = signOut)]
    pub async fn sign_out(&self) -> Result<(), JsError> {
        self.0.session.sign_out(false).await.map_err(Into::into)
    }

    /// Asks the server again what the reader may read, in every widget (after the reader
    /// subscribed in another window, say, or when the page comes back from the browser's
    /// back/forward cache, having missed what other tabs did meanwhile).
    pub fn refresh(&self) {
        self.0.session.refresh();
    }
}

impl Page {
    fn mount(self: &Rc<Self>, container: Element) {
        let known = self.widgets.borrow().iter().any(|widget| widget.container == container)
            || self.pending.borrow().contains(&container);
        if known {
            return;
        }
        if let Some(starting) = self.starting.borrow_mut().as_mut() {
            if !starting.contains(&container) {
                starting.push(container);
            }
            return;
        }
        let token = container
            .get_attribute("data-paywall-token")
            .filter(|token| !token.trim().is_empty() && !self.spent_tokens.borrow().contains(token));
        let Some(token) = token else {
            self.mount_into(&container);
            return;
        };
        self.spent_tokens.borrow_mut().push(token.clone());
        self.pending.borrow_mut().push(container.clone());
        let page = self.clone();
        spawn_local(async move {
            sign_in_from_page(&page.session, None, Some(token)).await;
            // Unmounted, or taken out of the page, while the token was being exchanged.
            let waited = page.pending.borrow().contains(&container);
            page.pending.borrow_mut().retain(|pending| *pending != container);
            if waited && container.is_connected() {
                page.mount_into(&container);
            }
        });
    }

    /// Mounts a widget on `container` now (first clearing what a copy of the page left in it).
    /// One that cannot be mounted gets the plain link, and the console says why.
    fn mount_into(&self, container: &Element) {
        mount::clear_copies(container);
        if self.widgets.borrow().is_empty()
            && let Some(gift) = self.gift.take()
            && let Some(article) = container.get_attribute("data-paywall")
        {
            self.session.keep_gift(article.trim(), &gift);
        }
        match mount(container, &self.config, self.session.clone(), self.loader.clone()) {
            Ok(Some(mounted)) => self.widgets.borrow_mut().push(mounted),
            Ok(None) => {}
            Err(error) => {
                self.loader.fall_back(container, &error.to_string());
            }
        }
    }
}

/// Reads the configuration from the loader's script tag and mounts a widget on every
/// `[data-paywall]` element of the page. A sign-in the page carries (an emailed link's token in
/// the address, or a publisher token on a container) is done first, so a reader who arrives
/// signed in never sees the prompt. A container that cannot be mounted is reported in the
/// console and skipped; the others still mount. `prefetched` holds the answers the loader
/// already asked for (see [`api::Api::with_prefetched`]); `loader` what it lends the widget
/// about the page (see [`loader::Loader`]).
#[wasm_bindgen(js_name = mountAll)]
pub fn mount_all(
    script: HtmlScriptElement,
    prefetched: Option<js_sys::Map>,
    loader: Option<LoaderHooks>,
) -> Result<Paywall, JsError> {
    let config = Config::from_script(&script)?;
    let session = Session::new(api::Api::new(config.api.clone()).with_prefetched(prefetched));
    let containers = dom::document()?
        .query_selector_all("[data-paywall]")
        .map_err(|_| Error::Browser("cannot search the page for [data-paywall]".into()))?;
    let containers: Vec<Element> = (0..containers.length())
        .filter_map(|i| containers.item(i)?.dyn_into::<Element>().ok())
        // A locked section's own markup never gets a widget (the sanitisers remove the
        // attribute; this holds even for a server that did not).
        .filter(|container| container.closest(".paywall-unlocked").ok().flatten().is_none())
        .collect();
    let publisher_token =
        containers.iter().find_map(|container| container.get_attribute("data-paywall-token"));
    let spent_tokens = RefCell::new(publisher_token.iter().cloned().collect());
    let link_token = take_from_address(fragments::SIGN_IN_LINK)
        .map(SignInToken::Link)
        .or_else(|| take_from_address(fragments::PROVIDER_SIGN_IN).map(SignInToken::Provider));
    let checkout = take_from_address(fragments::CHECKOUT);
    // A gift link is made on its article's own page: kept for that article. A page of several
    // articles cannot say which one it is for, so it is not kept there; a page that has none
    // yet keeps it for the first to mount.
    let gift = match (take_from_address(fragments::GIFT), containers.as_slice()) {
        (Some(token), []) => Some(token),
        (Some(token), [container]) => {
            if let Some(article) = container.get_attribute("data-paywall") {
                session.keep_gift(article.trim(), &token);
            }
            None
        }
        _ => None,
    };
    let initial = containers.clone();
    let page = Rc::new(Page {
        config,
        session,
        loader: Loader::new(loader),
        widgets: RefCell::new(Vec::new()),
        pending: RefCell::new(Vec::new()),
        starting: RefCell::new(Some(containers)),
        spent_tokens,
        gift: RefCell::new(gift),
    });
    {
        let page = page.clone();
        spawn_local(async move {
            if let Some(checkout) = checkout {
                confirm_checkout(&page.session, &checkout).await;
            }
            sign_in_from_page(&page.session, link_token, publisher_token).await;
            let waiting = page.starting.take().unwrap_or_default();
            for container in waiting.into_iter().filter(|container| container.is_connected()) {
                // The page's own containers were signed in for above; one that appeared
                // meanwhile may carry a token of its own.
                if initial.contains(&container) { page.mount_into(&container) } else { page.mount(container) }
            }
        });
    }
    Ok(Paywall(page))
}

/// A token the address brought back to the page.
enum SignInToken {
    /// An emailed link's.
    Link(String),
    /// An identity provider's sign-in's.
    Provider(String),
}

/// Signs in with what the page carries, if anything. A bad link (or a provider's sign-in that
/// did not end in one) is kept for the first widget to show; a bad publisher token is the
/// publisher's to fix, so it goes to the console.
async fn sign_in_from_page(
    session: &Session,
    link_token: Option<SignInToken>,
    publisher_token: Option<String>,
) {
    let from_address = match link_token {
        Some(SignInToken::Link(token)) => Some(session.sign_in_with_link(token).await),
        Some(SignInToken::Provider(token)) => Some(session.sign_in_with_provider(token).await),
        None => None,
    };
    if let Some(Err(error)) = from_address {
        session.set_notice(error);
    } else if let Some(token) = publisher_token.filter(|token| !token.trim().is_empty())
        && let Err(error) = session.sign_in_with_publisher_token(token).await
    {
        web_sys::console::error_1(&format!("paywall: the publisher token was refused: {error}").into());
    }
}

/// Back from the provider's checkout: the reader is signed in with it before any widget shows,
/// so the article opens unlocked. A checkout this tab did not start (the address opened
/// elsewhere) is left alone; any other failure is kept for the first widget to show.
async fn confirm_checkout(session: &Session, id: &str) {
    match session.confirm_checkout(id).await {
        Ok(_) | Err(Error::SignedOut) => {}
        Err(error) => session.set_notice(error),
    }
}

/// What the address's fragment carries after `prefix` (an emailed link's token, a checkout's
/// id), removed from the address bar so it is neither bookmarked nor shared.
fn take_from_address(prefix: &str) -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let token = location.hash().ok()?.strip_prefix(prefix)?.to_owned();
    let clean = location.href().ok()?.split('#').next()?.to_owned();
    // The state stays: a single-page app's router keeps its own there (losing it, Next.js or
    // React Router would reload the page, or mishandle Back).
    let history = window.history().ok()?;
    let state = history.state().unwrap_or(JsValue::NULL);
    let _ = history.replace_state_with_url(&state, "", Some(&clean));
    Some(token).filter(|token| !token.is_empty())
}
