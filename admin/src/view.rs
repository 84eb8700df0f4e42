//! What every page is made of: loading what it shows, the messages it says, its forms' fields,
//! and how numbers, money and times read.

use paywall_protocol::admin::{Me, StaffRole};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::route::Route;

/// What every page is given: who is signed in, and how to go to another page.
#[derive(Clone, PartialEq, Properties)]
pub struct PageProps {
    /// The staff member (or key) signed in.
    pub me: Me,
    /// Goes to another page.
    pub go: Callback<Route>,
}

impl PageProps {
    /// Whether the signed-in role may do what `role` may.
    pub fn may(&self, role: StaffRole) -> bool {
        self.me.role >= role
    }
}

/// Something being loaded.
#[derive(Clone, Debug, PartialEq)]
pub enum Load<T> {
    /// Asked for.
    Loading,
    /// Here.
    Ready(T),
    /// Refused or unreachable.
    Failed(ApiError),
}

/// `GET path` as `T`, asked again when `path` changes or `reload` is called.
#[hook]
pub fn use_load<T>(path: String) -> (Load<T>, Callback<()>)
where
    T: DeserializeOwned + Clone + PartialEq + 'static,
{
    let state = use_state(|| Load::Loading);
    let generation = use_state(|| 0_u32);
    {
        let state = state.clone();
        use_effect_with((path, *generation), move |(path, _)| {
            let path = path.clone();
            spawn_local(async move {
                state.set(match api::get::<T>(&path).await {
                    Ok(value) => Load::Ready(value),
                    Err(error) => Load::Failed(error),
                });
            });
        });
    }
    let reload = Callback::from(move |()| generation.set(*generation + 1));
    ((*state).clone(), reload)
}

/// What the last action did: a confirmation or a refusal, announced to screen readers.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Said {
    /// Nothing yet.
    #[default]
    Nothing,
    /// It worked.
    Done(String),
    /// It did not.
    Failed(String),
}

impl Said {
    /// From an action's result: `done` or the problem.
    pub fn of<T>(result: &Result<T, ApiError>, done: impl Into<String>) -> Said {
        match result {
            Ok(_) => Said::Done(done.into()),
            Err(error) => Said::Failed(error.message.clone()),
        }
    }
}

/// The message of the last action, in a live region (polite for confirmations, an alert for
/// refusals).
pub fn said(said: &Said) -> Html {
    match said {
        Said::Nothing => html! { <p class="said" role="status"></p> },
        Said::Done(text) => html! { <p class="said done" role="status">{ text }</p> },
        Said::Failed(text) => html! { <p class="said failed" role="alert">{ text }</p> },
    }
}

/// A load's failure, or a sentence while it loads.
pub fn not_ready<T>(load: &Load<T>) -> Html {
    match load {
        Load::Loading => html! { <p class="loading" role="status">{ "Loading…" }</p> },
        Load::Failed(error) => html! { <p class="said failed" role="alert">{ &error.message }</p> },
        Load::Ready(_) => html! {},
    }
}

/// The text of the input, select or text area an event came from.
pub fn value_of(event: &Event) -> String {
    let Some(target) = event.target() else { return String::new() };
    if let Some(input) = target.dyn_ref::<HtmlInputElement>() {
        return input.value();
    }
    if let Some(select) = target.dyn_ref::<HtmlSelectElement>() {
        return select.value();
    }
    target.dyn_ref::<HtmlTextAreaElement>().map(HtmlTextAreaElement::value).unwrap_or_default()
}

/// A callback that keeps a text field's value in `state`.
pub fn keep(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |event: InputEvent| state.set(value_of(&event)))
}

/// A callback that keeps a select's value in `state`.
pub fn keep_choice(state: &UseStateHandle<String>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |event: Event| state.set(value_of(&event)))
}

/// A labelled text field.
pub fn field(id: &str, label: &str, value: &UseStateHandle<String>, kind: &str, hint: Option<&str>) -> Html {
    let hint_id = format!("{id}-hint");
    html! {
        <div class="field">
            <label for={id.to_owned()}>{ label }</label>
            <input id={id.to_owned()} type={kind.to_owned()} value={(**value).clone()} oninput={keep(value)}
                aria-describedby={hint.map(|_| hint_id.clone())} />
            if let Some(hint) = hint { <p class="hint" id={hint_id}>{ hint }</p> }
        </div>
    }
}

/// A labelled choice among `options` (value, words).
pub fn choice(id: &str, label: &str, value: &UseStateHandle<String>, options: &[(String, String)]) -> Html {
    html! {
        <div class="field">
            <label for={id.to_owned()}>{ label }</label>
            <select id={id.to_owned()} onchange={keep_choice(value)}>
                { for options.iter().map(|(option, words)| html! {
                    <option value={option.clone()} selected={*option == **value}>{ words }</option>
                }) }
            </select>
        </div>
    }
}

/// A Unix time as the staff member's browser writes dates and times.
pub fn when(unix: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    let iso: String = date.to_iso_string().into();
    iso.get(..16).unwrap_or_default().replace('T', " ") + " UTC"
}

/// An amount in minor units, with its currency.
pub fn money(amount: i64, currency: &str) -> String {
    format!("{}.{:02} {}", amount / 100, (amount % 100).abs(), currency.to_uppercase())
}

/// `part` of `whole` as a percentage, or a dash when there is no whole.
pub fn rate(part: i64, whole: i64) -> String {
    if whole <= 0 { "–".into() } else { format!("{:.1} %", part as f64 * 100.0 / whole as f64) }
}

/// Runs `work` in the background, then sets `said` to what it did.
pub fn run<F>(said: &UseStateHandle<Said>, work: F)
where
    F: std::future::Future<Output = Said> + 'static,
{
    let said = said.clone();
    spawn_local(async move { said.set(work.await) });
}

/// Saves `text` as a file named `name` in the staff member's downloads.
pub fn download(name: &str, text: &str, content_type: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(content_type);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    if let Some(document) = web_sys::window().and_then(|window| window.document())
        && let Ok(link) = document.create_element("a")
        && let Ok(link) = link.dyn_into::<web_sys::HtmlAnchorElement>()
    {
        link.set_href(&url);
        link.set_download(name);
        link.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
