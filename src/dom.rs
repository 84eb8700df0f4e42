//! Small helpers over the browser's DOM.

use std::cell::RefCell;

use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleSheet, Document, Element, ShadowRoot, Window};

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

thread_local! {
    /// The widget's stylesheet, made once and adopted by every widget's shadow root.
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// Styles `shadow` with `css` as a constructable stylesheet (one for the page, shared by every
/// widget), which a Content-Security-Policy without `'unsafe-inline'` allows; a browser
/// without them (before 2023) gets a `<style>` element instead.
pub fn adopt_styles(document: &Document, shadow: &ShadowRoot, css: &str) -> Result<(), Error> {
    let sheet = SHEET.with(|kept| {
        let mut kept = kept.borrow_mut();
        if kept.is_none() {
            let sheet = CssStyleSheet::new().ok();
            *kept = sheet.filter(|sheet| sheet.replace_sync(css).is_ok());
        }
        kept.clone()
    });
    if let Some(sheet) = sheet {
        shadow.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        return Ok(());
    }
    let style = create_element(document, "style")?;
    style.set_text_content(Some(css));
    shadow.append_child(&style).map_err(|_| Error::Browser("cannot style the paywall".into()))?;
    Ok(())
}

/// `localStorage`, where the page allows it (it throws in some private modes).
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Runs `work` holding the browser's lock `name`, shared by every tab of this origin (the Web
/// Locks API): tabs that ask for it run their work one after another. Where the browser has
/// no such API (a page not served securely), `work` runs at once.
pub async fn with_tabs_lock<T>(name: &str, work: impl std::future::Future<Output = T>) -> T {
    let locks = web_sys::window()
        .and_then(|window| js_sys::Reflect::get(&window.navigator(), &"locks".into()).ok())
        .filter(|locks| locks.is_object());
    let request = locks.as_ref().and_then(|locks| {
        let request = js_sys::Reflect::get(locks, &"request".into()).ok()?;
        request.dyn_into::<js_sys::Function>().ok()
    });
    let (Some(locks), Some(request)) = (locks, request) else { return work.await };
    // The lock is held until the promise its callback returns settles: `release` settles it.
    let mut release = None;
    let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
    let mut granted = None;
    let granted_promise = js_sys::Promise::new(&mut |resolve, _| granted = Some(resolve));
    let on_granted = wasm_bindgen::closure::Closure::once_into_js(move || {
        if let Some(granted) = granted {
            let _ = granted.call0(&JsValue::NULL);
        }
        held
    });
    if request.call2(&locks, &name.into(), &on_granted).is_err() {
        return work.await;
    }
    // Released when this function ends, or when it is dropped before (never held for good).
    struct Release(Option<js_sys::Function>);
    impl Drop for Release {
        fn drop(&mut self) {
            if let Some(release) = &self.0 {
                let _ = release.call0(&JsValue::NULL);
            }
        }
    }
    let _release = Release(release);
    let _ = wasm_bindgen_futures::JsFuture::from(granted_promise).await;
    work.await
}

/// Calls `hear` with every `storage` event (a change another tab of the site made to its
/// storage) until the listener is dropped; `None` outside a page.
pub fn on_storage(hear: impl Fn(&web_sys::StorageEvent) + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |event| {
        if let Some(event) = event.dyn_ref::<web_sys::StorageEvent>() {
            hear(event);
        }
    }))
}
