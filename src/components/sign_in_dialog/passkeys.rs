//! The reader's passkeys: when each was added and last used, Remove, and Add a passkey.

use std::rc::Rc;

use paywall_protocol::PasskeyInfo;
use yew::{AttrValue, Callback, Html, Properties, function_component, html, use_context, use_node_ref};

use super::form::{StepForm, StepProps};
use crate::hooks::PasskeyChange;
use crate::i18n::Texts;
use crate::state::Status;

/// What the passkeys step needs besides what every step gets.
#[derive(Properties, PartialEq)]
pub(super) struct PasskeysStepProps {
    /// The reader's passkeys, once loaded.
    pub(super) list: Option<Rc<Vec<PasskeyInfo>>>,
    pub(super) common: StepProps,
}

/// The reader's passkeys.
#[function_component]
pub(super) fn PasskeysStep(props: &PasskeysStepProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    let first_input = use_node_ref();
    let common = &props.common;
    let busy = common.status == Status::Busy;
    let add = common.more.passkeys.clone();
    let list = props.list.clone().unwrap_or_default();
    html! {
        <StepForm heading={AttrValue::from(texts.passkeys_heading)} hint={AttrValue::from(texts.passkeys_hint)}
            primary={texts.add_passkey} status={common.status.clone()} first_input={first_input}
            on_submit={Callback::from(move |()| add.emit(PasskeyChange::Add))} others={html! {}}>
            if props.list.is_none() {
                <p>{texts.working}</p>
            } else if list.is_empty() {
                <p>{texts.no_passkeys}</p>
            } else {
                <ul class="passkeys" part="passkeys">
                    { for list.iter().map(|passkey| {
                        let id = passkey.id;
                        let mut when = texts.passkey_added_on.replace("{date}", &date(passkey.created_at, texts.lang));
                        if let Some(used) = passkey.last_used_at {
                            when = format!("{when}, {}", texts.passkey_last_used.replace("{date}", &date(used, texts.lang)));
                        }
                        html! {
                            <li>
                                <span>{when.clone()}</span>{" "}
                                <button type="button" class="link" part="remove-passkey" disabled={busy}
                                    aria-label={format!("{} ({when})", texts.remove)}
                                    onclick={common.more.passkeys.reform(move |_| PasskeyChange::Remove(id))}>{texts.remove}</button>
                            </li>
                        }
                    }) }
                </ul>
            }
        </StepForm>
    }
}

/// A day, in the reader's language.
fn date(unix_seconds: i64, lang: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_seconds as f64 * 1000.0));
    date.to_locale_date_string(lang, &wasm_bindgen::JsValue::UNDEFINED).into()
}
