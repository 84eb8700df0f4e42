//! The sign-in dialog: a native modal `<dialog>` (focus kept inside, Escape closes it) with
//! email and password.

use paywall_protocol::PasswordSignIn;
use web_sys::{HtmlDialogElement, HtmlInputElement, SubmitEvent};
use yew::{
    Callback, Html, NodeRef, Properties, function_component, html, use_effect_with, use_node_ref,
};

use crate::state::Dialog;
use crate::text;

/// What the dialog shows and reports.
#[derive(Properties, PartialEq)]
pub struct SignInDialogProps {
    /// Open, submitting, or rejected with a message.
    pub status: Dialog,
    /// The reader submitted the form.
    pub on_submit: Callback<PasswordSignIn>,
    /// The reader closed the dialog.
    pub on_close: Callback<()>,
}

/// The sign-in dialog. The inputs keep what the reader typed across renders; after a
/// rejection the password is cleared and focused, the email stays.
#[function_component]
pub fn SignInDialog(props: &SignInDialogProps) -> Html {
    let dialog = use_node_ref();
    let email = use_node_ref();
    let password = use_node_ref();

    {
        let dialog = dialog.clone();
        use_effect_with((), move |_| {
            if let Some(dialog) = dialog.cast::<HtmlDialogElement>()
                && !dialog.open()
            {
                let _ = dialog.show_modal();
            }
        });
    }
    {
        let password = password.clone();
        use_effect_with(props.status.clone(), move |status| {
            if matches!(status, Dialog::Rejected(_))
                && let Some(input) = password.cast::<HtmlInputElement>()
            {
                input.set_value("");
                let _ = input.focus();
            }
        });
    }

    let onsubmit = {
        let (email, password, on_submit) =
            (email.clone(), password.clone(), props.on_submit.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_submit.emit(PasswordSignIn {
                email: value(&email),
                password: value(&password),
            });
        })
    };
    let onclose = props.on_close.reform(|_| ());
    let close = props.on_close.reform(|_| ());
    let submitting = props.status == Dialog::Submitting;
    html! {
        <dialog ref={dialog} class="dialog" part="dialog" aria-labelledby="paywall-dialog-heading" {onclose}>
            <form {onsubmit} aria-busy={submitting.to_string()}>
                <h2 id="paywall-dialog-heading">{text::DIALOG_HEADING}</h2>
                <label for="paywall-email">{text::EMAIL}</label>
                <input ref={email} id="paywall-email" part="input" type="email" name="email"
                    autocomplete="email" required=true autofocus=true />
                <label for="paywall-password">{text::PASSWORD}</label>
                <input ref={password} id="paywall-password" part="input" type="password" name="password"
                    autocomplete="current-password" required=true />
                if let Dialog::Rejected(message) = &props.status {
                    <p class="error" part="error" role="alert">{message.clone()}</p>
                }
                <button type="submit" class="button" part="submit" disabled={submitting}>
                    { if submitting { text::SIGNING_IN } else { text::SIGN_IN } }
                </button>
            </form>
            <button type="button" class="close" part="close" aria-label={text::CLOSE} onclick={close}>{"×"}</button>
        </dialog>
    }
}

fn value(input: &NodeRef) -> String {
    input
        .cast::<HtmlInputElement>()
        .map(|input| input.value())
        .unwrap_or_default()
}
