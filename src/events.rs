//! The events the widget reports on its container, for the publisher's own scripts: the whole
//! contract, typed. `www/paywall.d.ts` declares the same for TypeScript, and a test checks that
//! the two agree.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};

/// One event: a bubbling `paywall:<name>` CustomEvent whose `detail` has `articleId` and the
/// fields of its variant (named in camelCase on the page).
#[derive(Clone, Debug, PartialEq)]
pub enum PaywallEvent {
    /// The widget is mounted and starts loading.
    Ready,
    /// The prompt is shown.
    Locked {
        /// The titles of the locked sections.
        locked_sections: Vec<String>,
        /// Whether a reader is signed in (without a subscription that includes the article).
        signed_in: bool,
    },
    /// The sign-in dialog opened.
    DialogOpen,
    /// A sign-in code was emailed.
    CodeSent,
    /// A reader signed in, here or in another tab.
    SignedIn {
        /// The reader's email.
        email: String,
    },
    /// The locked sections are shown.
    Unlocked {
        /// How many.
        sections: u32,
    },
    /// The publisher's meter opened the article, or would have but the free articles are spent.
    Metered {
        /// Different articles the meter opened in its period.
        articles_read: u32,
        /// How many more it will open.
        articles_left: u32,
        /// How many it opens in a period.
        limit: u32,
        /// When the oldest counted article leaves the period (Unix seconds).
        resets_at: u32,
    },
    /// The reader followed Subscribe.
    SubscribeClick,
    /// The reader signed out, here or in another tab.
    SignedOut,
    /// Something failed.
    Error {
        /// What, in English, for the publisher's logs.
        message: String,
        /// The HTTP status, when the server answered.
        status: Option<u16>,
    },
}

/// A detail field's value, as the page receives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// A string.
    Text(&'a str),
    /// An array of strings.
    Texts(&'a [String]),
    /// A boolean.
    Flag(bool),
    /// A number.
    Number(u32),
    /// A number, or `null`.
    MaybeNumber(Option<u16>),
}

impl PaywallEvent {
    /// The meter's counts, as the page receives them.
    pub fn metered(meter: &paywall_protocol::Meter) -> Self {
        PaywallEvent::Metered {
            articles_read: meter.articles_read,
            articles_left: meter.articles_left,
            limit: meter.limit,
            resets_at: u32::try_from(meter.resets_at).unwrap_or(u32::MAX),
        }
    }

    /// The event's name after `paywall:`.
    pub fn name(&self) -> &'static str {
        match self {
            PaywallEvent::Ready => "ready",
            PaywallEvent::Locked { .. } => "locked",
            PaywallEvent::DialogOpen => "dialog-open",
            PaywallEvent::CodeSent => "code-sent",
            PaywallEvent::SignedIn { .. } => "signed-in",
            PaywallEvent::Unlocked { .. } => "unlocked",
            PaywallEvent::Metered { .. } => "metered",
            PaywallEvent::SubscribeClick => "subscribe-click",
            PaywallEvent::SignedOut => "signed-out",
            PaywallEvent::Error { .. } => "error",
        }
    }

    /// The detail's fields besides `articleId`, named as the page sees them.
    pub fn fields(&self) -> Vec<(&'static str, Value<'_>)> {
        match self {
            PaywallEvent::Locked { locked_sections, signed_in } => {
                vec![("lockedSections", Value::Texts(locked_sections)), ("signedIn", Value::Flag(*signed_in))]
            }
            PaywallEvent::SignedIn { email } => vec![("email", Value::Text(email))],
            PaywallEvent::Unlocked { sections } => vec![("sections", Value::Number(*sections))],
            PaywallEvent::Metered { articles_read, articles_left, limit, resets_at } => vec![
                ("articlesRead", Value::Number(*articles_read)),
                ("articlesLeft", Value::Number(*articles_left)),
                ("limit", Value::Number(*limit)),
                ("resetsAt", Value::Number(*resets_at)),
            ],
            PaywallEvent::Error { message, status } => {
                vec![("message", Value::Text(message)), ("status", Value::MaybeNumber(*status))]
            }
            PaywallEvent::Ready
            | PaywallEvent::DialogOpen
            | PaywallEvent::CodeSent
            | PaywallEvent::SubscribeClick
            | PaywallEvent::SignedOut => Vec::new(),
        }
    }
}

impl From<Value<'_>> for JsValue {
    fn from(value: Value<'_>) -> JsValue {
        match value {
            Value::Text(text) => JsValue::from_str(text),
            Value::Texts(texts) => texts.iter().map(|text| JsValue::from_str(text)).collect::<Array>().into(),
            Value::Flag(flag) => JsValue::from_bool(flag),
            Value::Number(number) => JsValue::from(number),
            Value::MaybeNumber(number) => number.map_or(JsValue::NULL, JsValue::from),
        }
    }
}

/// Dispatches `event` for `article_id` on `container`. A page that cannot take the event
/// loses nothing but the event.
pub fn emit(container: &Element, article_id: &str, event: &PaywallEvent) {
    let detail = Object::new();
    let _ = Reflect::set(&detail, &JsValue::from_str("articleId"), &JsValue::from_str(article_id));
    for (key, value) in event.fields() {
        let _ = Reflect::set(&detail, &JsValue::from_str(key), &value.into());
    }
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(&format!("paywall:{}", event.name()), &init) {
        let _ = container.dispatch_event(&event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The event after `event` in a chain through every variant, from `Ready`. The match is
    /// exhaustive: a new variant does not compile until it has its place here, and so a test.
    fn after(event: &PaywallEvent) -> Option<PaywallEvent> {
        Some(match event {
            PaywallEvent::Ready => {
                PaywallEvent::Locked { locked_sections: vec!["A".into()], signed_in: false }
            }
            PaywallEvent::Locked { .. } => PaywallEvent::DialogOpen,
            PaywallEvent::DialogOpen => PaywallEvent::CodeSent,
            PaywallEvent::CodeSent => PaywallEvent::SignedIn { email: "r@example.com".into() },
            PaywallEvent::SignedIn { .. } => PaywallEvent::Unlocked { sections: 4 },
            PaywallEvent::Unlocked { .. } => PaywallEvent::Metered {
                articles_read: 2,
                articles_left: 1,
                limit: 3,
                resets_at: 1_900_000_000,
            },
            PaywallEvent::Metered { .. } => PaywallEvent::SubscribeClick,
            PaywallEvent::SubscribeClick => PaywallEvent::SignedOut,
            PaywallEvent::SignedOut => PaywallEvent::Error { message: "x".into(), status: None },
            PaywallEvent::Error { .. } => return None,
        })
    }

    /// One of each event.
    fn every_event() -> Vec<PaywallEvent> {
        std::iter::successors(Some(PaywallEvent::Ready), after).collect()
    }

    /// The TypeScript type `www/paywall.d.ts` must give a field of this value.
    fn typescript(value: Value<'_>) -> &'static str {
        match value {
            Value::Text(_) => "string",
            Value::Texts(_) => "string[]",
            Value::Flag(_) => "boolean",
            Value::Number(_) => "number",
            Value::MaybeNumber(_) => "number | null",
        }
    }

    /// The event map of `www/paywall.d.ts`: each event's name and its extra fields with types.
    fn declared() -> Vec<(String, Vec<(String, String)>)> {
        let declarations = include_str!("../www/paywall.d.ts");
        let map = declarations.split("export interface PaywallEventMap {").nth(1).expect("the event map");
        let map = &map[..map.find("\n}").expect("the end of the event map")];
        map.lines()
            .filter_map(|line| {
                let name = line.trim().strip_prefix("\"paywall:")?.split('"').next()?.to_owned();
                let fields = line
                    .split_once("PaywallDetail & {")
                    .map(|(_, rest)| rest.rsplit_once('}').expect("a closing brace").0)
                    .unwrap_or_default()
                    .split(';')
                    .filter_map(|field| {
                        let (key, kind) = field.split_once(':')?;
                        Some((key.trim().to_owned(), kind.trim().to_owned()))
                    })
                    .collect();
                Some((name, fields))
            })
            .collect()
    }

    #[test]
    fn the_typescript_declarations_say_what_the_widget_sends() {
        let declared = declared();
        let events = every_event();
        assert_eq!(declared.len(), events.len(), "{declared:?}");
        for event in events {
            let fields: Vec<(String, String)> = event
                .fields()
                .into_iter()
                .map(|(key, value)| (key.to_owned(), typescript(value).to_owned()))
                .collect();
            let (_, declared_fields) = declared
                .iter()
                .find(|(name, _)| name == event.name())
                .unwrap_or_else(|| panic!("paywall:{} is not declared", event.name()));
            assert_eq!(declared_fields, &fields, "paywall:{}", event.name());
        }
    }
}
