//! The events the widget reports on its container, for the publisher's own scripts.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};

/// Dispatches a bubbling `paywall:<name>` CustomEvent on `container` whose `detail` is an
/// object of the given fields. A page that cannot take the event loses nothing but the event.
pub fn emit(container: &Element, name: &str, detail: &[(&str, JsValue)]) {
    let object = Object::new();
    for (key, value) in detail {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&object);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(&format!("paywall:{name}"), &init) {
        let _ = container.dispatch_event(&event);
    }
}
