//! Small helpers over the browser's DOM.

use web_sys::{Document, Element, Window};

use crate::error::Error;

/// The page's window.
pub fn window() -> Result<Window, Error> {
    web_sys::window().ok_or_else(|| Error::Browser("no window: the widget runs only in a page".into()))
}

/// The page's document.
pub fn document() -> Result<Document, Error> {
    window()?.document().ok_or_else(|| Error::Browser("no document: the widget runs only in a page".into()))
}

/// A new element of the document.
pub fn create_element(document: &Document, tag: &str) -> Result<Element, Error> {
    document.create_element(tag).map_err(|_| Error::Browser(format!("cannot create a <{tag}> element")))
}

/// `localStorage`, where the page allows it (it throws in some private modes).
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Resolves once `busy` is false (another task of the page is doing the work first).
pub async fn wait_while(busy: &std::cell::Cell<bool>) {
    while busy.get() {
        sleep(50).await;
    }
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
