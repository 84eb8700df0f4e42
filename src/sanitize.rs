//! A last check on locked HTML before it enters the page. The server already sanitized it
//! (twice); this keeps the widget safe even against a server that did not.
//!
//! This is the widget's one HTML sink: the string is handed over as `TrustedHTML` from the
//! loader's `paywall` Trusted Types policy, so it works on pages that require Trusted Types.
//!
//! Written by hand rather than with a sanitizer crate: the HTML is parsed by the browser into
//! an inert `<template>` (scripts there never run and images never load), so all that is left
//! is to remove what could run once it is adopted into the page. A Rust HTML sanitizer would
//! add hundreds of kilobytes to the download.

use wasm_bindgen::JsCast;
use web_sys::{Document, DocumentFragment, Element, HtmlTemplateElement};

use crate::dom::create_element;
use crate::loader::Loader;

/// Elements that run code, load other documents or change the page around them.
const ACTIVE_ELEMENTS: &str = "script, style, iframe, frame, frameset, object, embed, applet, link, meta, base, form, svg, math, template";

/// Attributes whose value is a URL that could be `javascript:`.
const URL_ATTRIBUTES: [&str; 5] = ["href", "src", "action", "formaction", "xlink:href"];

/// Parses `html` into a fragment with scripts, event handlers, `javascript:` URLs and other
/// active content removed. `None` if the page refuses it (its Trusted Types policy).
pub fn fragment(document: &Document, html: &str, loader: &Loader) -> Option<DocumentFragment> {
    let template: HtmlTemplateElement = create_element(document, "template").ok()?.dyn_into().ok()?;
    // Through `Reflect`, which reports the page's refusal as an error instead of throwing
    // through the widget.
    js_sys::Reflect::set(&template, &"innerHTML".into(), &loader.trusted_html(html)?).ok()?;
    let content = template.content();
    let active = content.query_selector_all(ACTIVE_ELEMENTS).ok()?;
    for index in 0..active.length() {
        if let Some(node) = active.item(index)
            && let Some(parent) = node.parent_node()
        {
            let _ = parent.remove_child(&node);
        }
    }
    let elements = content.query_selector_all("*").ok()?;
    for index in 0..elements.length() {
        if let Some(element) = elements.item(index).and_then(|node| node.dyn_into::<Element>().ok()) {
            strip_attributes(&element);
        }
    }
    Some(content)
}

fn strip_attributes(element: &Element) {
    for name in element.get_attribute_names().iter().filter_map(|name| name.as_string()) {
        let lower = name.to_ascii_lowercase();
        let value = element.get_attribute(&name).unwrap_or_default();
        // `data-paywall…` would make the loader mount a widget inside the unlocked text.
        let unsafe_here = lower.starts_with("on")
            || lower == "style"
            || lower.starts_with("data-paywall")
            || (URL_ATTRIBUTES.contains(&lower.as_str()) && is_script_url(&value));
        if unsafe_here {
            let _ = element.remove_attribute(&name);
        }
    }
}

/// Whether a URL would run script: `javascript:` (or `vbscript:`, `data:`), however it is
/// spaced or cased.
fn is_script_url(value: &str) -> bool {
    let compact: String = value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    let compact = compact.to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"].iter().any(|scheme| compact.starts_with(scheme))
}
