//! What every step of the sign-in dialog shares: its props, the form it fills, and the small
//! pieces of that form.

use std::rc::Rc;

use paywall_protocol::{CodeSignIn, PasswordSignIn, SignInMethods};
use web_sys::{HtmlInputElement, InputEvent, MouseEvent, SubmitEvent};
use yew::{
    AttrValue, Callback, Children, Html, NodeRef, Properties, TargetCast, UseStateHandle, function_component,
    html, use_context, use_effect_with,
};

use crate::hooks::MoreWays;
use crate::i18n::{Say, Texts};
use crate::state::{Status, Step};

/// What the reader has typed, kept while the dialog is open.
#[derive(Clone, PartialEq)]
pub(super) struct Typed {
    pub(super) email: UseStateHandle<String>,
    pub(super) code: UseStateHandle<String>,
    pub(super) password: UseStateHandle<String>,
}

/// What every step gets from the dialog.
#[derive(Properties, PartialEq, Clone)]
pub(super) struct StepProps {
    pub(super) typed: Typed,
    pub(super) status: Status,
    pub(super) on_show: Callback<Step>,
    pub(super) on_request_code: Callback<String>,
    pub(super) on_code: Callback<CodeSignIn>,
    pub(super) on_password: Callback<PasswordSignIn>,
    /// What the server offers besides codes and passwords.
    pub(super) methods: Rc<SignInMethods>,
    /// The passkey and provider sign-ins, and the reader's passkeys.
    pub(super) more: MoreWays,
}

/// What a step's form shows.
#[derive(Properties, PartialEq)]
pub(super) struct StepFormProps {
    pub(super) heading: AttrValue,
    #[prop_or_default]
    pub(super) hint: Option<AttrValue>,
    /// The submit button's label.
    pub(super) primary: &'static str,
    pub(super) status: Status,
    /// The field that gets the cursor when the step opens.
    pub(super) first_input: NodeRef,
    pub(super) on_submit: Callback<()>,
    /// What Try again does, when it is not submitting again.
    #[prop_or_default]
    pub(super) on_retry: Option<Callback<()>>,
    /// The other ways to sign in, under the button.
    pub(super) others: Html,
    /// The step's fields.
    pub(super) children: Children,
}

/// The form every step fills: heading, hint, fields, what went wrong, the submit button (busy
/// while the server answers), and the other ways.
#[function_component]
pub(super) fn StepForm(props: &StepFormProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    {
        // Each step starts with the cursor in its first field.
        let first_input = props.first_input.clone();
        use_effect_with((), move |_| {
            if let Some(input) = first_input.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
        });
    }
    let busy = props.status == Status::Busy;
    let onsubmit = props.on_submit.reform(|event: SubmitEvent| event.prevent_default());
    let retry = props.on_retry.clone().unwrap_or_else(|| props.on_submit.clone());
    html! {
        <form {onsubmit} aria-busy={busy.to_string()}>
            <h2 id="paywall-dialog-heading">{props.heading.clone()}</h2>
            if let Some(hint) = &props.hint {
                <p class="hint">{hint.clone()}</p>
            }
            {props.children.clone()}
            if let Status::Failed(error) = &props.status {
                <div class="error" part="error" role="alert">
                    <p>{texts.error(error)}</p>
                    if error.worth_retrying() {
                        <button type="button" class="link" onclick={retry.reform(|_| ())}>{texts.retry}</button>
                    }
                </div>
            }
            <button type="submit" class="button" part="submit" disabled={busy}>
                { if busy { texts.working } else { props.primary } }
            </button>
            <p class="other-ways">{props.others.clone()}</p>
        </form>
    }
}

/// A text-like button for another way to sign in.
pub(super) fn link(label: &'static str, busy: bool, onclick: Callback<MouseEvent>) -> Html {
    html! { <button type="button" class="link" disabled={busy} {onclick}>{label}</button> }
}

/// A callback that moves the dialog to `step`.
pub(super) fn show(on_show: &Callback<Step>, step: Step) -> Callback<MouseEvent> {
    on_show.reform(move |_| step.clone())
}

pub(super) fn email_field(texts: &Texts, email: &UseStateHandle<String>, input: &NodeRef) -> Html {
    email_input(texts, email, input, "email")
}

/// The email field; `autocomplete` says what the browser may fill it with (`username webauthn`:
/// the site's passkeys too).
pub(super) fn email_input(
    texts: &Texts,
    email: &UseStateHandle<String>,
    input: &NodeRef,
    autocomplete: &'static str,
) -> Html {
    html! {
        <>
            <label for="paywall-email">{texts.email}</label>
            <input ref={input.clone()} id="paywall-email" part="input" name="email" type="email" autofocus=true
                {autocomplete} required=true value={(**email).clone()} oninput={keep(email)} />
        </>
    }
}

/// Keeps a field's value in state as the reader types.
pub(super) fn keep(value: &UseStateHandle<String>) -> Callback<InputEvent> {
    let value = value.clone();
    Callback::from(move |event: InputEvent| {
        if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
            value.set(input.value());
        }
    })
}
