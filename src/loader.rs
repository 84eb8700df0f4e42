//! What the loader (`www/paywall.js`) lends the widget about the publisher's page: the page's
//! Trusted Types policy for the one string that becomes HTML, and the way back to the plain
//! Subscribe link when the page itself keeps the widget from working.
//!
//! The loader knows the page (its Content-Security-Policy refusals, its origin, what it logged
//! already), so the words of every such message are written there, once; the widget only says
//! when something failed. Tests mount without a loader: HTML is then a plain string, and a
//! failure is shown by the widget itself.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::Element;

#[wasm_bindgen]
extern "C" {
    /// The object the loader passes to `mountAll`.
    #[derive(Clone)]
    pub type LoaderHooks;

    /// `TrustedHTML` for `html` from the `paywall` policy (or the string, where the page has no
    /// Trusted Types).
    #[wasm_bindgen(method, catch)]
    fn html(this: &LoaderHooks, html: &str) -> Result<JsValue, JsValue>;

    /// Called after a read got no answer at all: resolves `true` when the page is the cause
    /// (its origin is not allowed by the server, or its policy refuses the connection) and the
    /// loader has put the plain link in the widget's place.
    #[wasm_bindgen(method, catch)]
    fn unreachable(this: &LoaderHooks, container: &Element) -> Result<js_sys::Promise, JsValue>;

    /// Puts the plain link in place of this container's widget, saying why in the console.
    #[wasm_bindgen(method, catch, js_name = fallBack)]
    fn fall_back(this: &LoaderHooks, container: &Element, why: &str) -> Result<(), JsValue>;

    /// The widget drew its first state in this container: it takes the place of the prompt
    /// the loader drew there before the widget loaded, and gets the reader's click meanwhile.
    #[wasm_bindgen(method, catch)]
    fn shown(this: &LoaderHooks, container: &Element) -> Result<(), JsValue>;
}

/// The loader's hooks, if the widget was started by it.
#[derive(Clone, Default)]
pub struct Loader(Option<LoaderHooks>);

impl Loader {
    /// The hooks in `value`, if it holds any (`mountAll`'s third argument).
    pub fn new(value: Option<LoaderHooks>) -> Self {
        Loader(value.filter(|hooks| hooks.is_object()))
    }

    /// What to assign to `innerHTML` for `html`: the policy's `TrustedHTML`, or the string.
    /// `None` if the page's policy refused it.
    pub fn trusted_html(&self, html: &str) -> Option<JsValue> {
        match &self.0 {
            Some(hooks) => hooks.html(html).ok(),
            None => Some(JsValue::from_str(html)),
        }
    }

    /// After a read got no answer: whether the page is the cause, in which case the loader
    /// has taken the widget off `container` and shows the plain link instead.
    pub async fn took_over_unreachable(&self, container: &Element) -> bool {
        let Some(hooks) = &self.0 else { return false };
        let Ok(diagnosis) = hooks.unreachable(container) else { return false };
        JsFuture::from(diagnosis).await.is_ok_and(|taken| taken.is_truthy())
    }

    /// Gives `container` the plain link instead of its widget, with `why` in the console.
    /// `false` when there is no loader to do it.
    pub fn fall_back(&self, container: &Element, why: &str) -> bool {
        match &self.0 {
            Some(hooks) => hooks.fall_back(container, why).is_ok(),
            None => {
                web_sys::console::error_1(&format!("paywall: {why}").into());
                false
            }
        }
    }

    /// The widget drew its first state in `container`: where the loader drew the server's
    /// prompt, the widget's own (drawn unseen beside it) takes its place.
    pub fn shown(&self, container: &Element) {
        match &self.0 {
            Some(hooks) => {
                let _ = hooks.shown(container);
            }
            None => {
                if let Ok(Some(host)) = container.query_selector(":scope > .paywall-widget[hidden]") {
                    let _ = host.remove_attribute("hidden");
                }
            }
        }
    }
}

/// Two loaders are the same if they are the same hooks object.
impl PartialEq for Loader {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => {
                let (a, b): (&JsValue, &JsValue) = (a, b);
                a == b
            }
            (None, None) => true,
            _ => false,
        }
    }
}
