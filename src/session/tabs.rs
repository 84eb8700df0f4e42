//! Following the site's other tabs: a reader who signs in or out in one is signed in or out
//! in every other.

use std::rc::Weak;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::StorageEvent;

use super::{Change, Session};

/// What hears the `storage` events of the site's other tabs.
pub(super) type StorageListener = Closure<dyn Fn(StorageEvent)>;

/// Another tab of the site signing in or out changes the stored refresh token; the browser
/// tells every other tab with a `storage` event. A token merely rotated by a refresh in
/// another tab changes nothing here.
pub(super) fn follow_other_tabs(session: Weak<Session>) -> StorageListener {
    let listener = Closure::<dyn Fn(StorageEvent)>::new(move |event: StorageEvent| {
        let Some(session) = session.upgrade() else {
            return;
        };
        if event.key().as_deref() != Some(session.storage_key.as_str()) {
            return;
        }
        match (event.old_value(), event.new_value()) {
            (_, None) => {
                session.access.replace(None);
                session.reader.replace(None);
                session.notify(Change::SignedOut);
            }
            (None, Some(_)) => {
                session.access.replace(None);
                session.notify(Change::SignedIn);
            }
            (Some(_), Some(_)) => {}
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
    }
    listener
}
