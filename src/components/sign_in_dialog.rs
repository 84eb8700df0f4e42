//! The sign-in dialog: a native modal `<dialog>` (focus kept inside, Escape closes it) that
//! walks email → code, or email and password. What the reader types is kept across steps
//! and errors.

use paywall_protocol::{CodeSignIn, PasswordSignIn};
use web_sys::{HtmlDialogElement, HtmlInputElement, InputEvent, SubmitEvent};
use yew::{
    AttrValue, Callback, Html, NodeRef, Properties, TargetCast, UseStateHandle, function_component, html,
    use_context, use_effect_with, use_node_ref, use_state,
};

use crate::i18n::Texts;
use crate::state::{Status, Step};

/// What the dialog shows and reports.
#[derive(Properties, PartialEq)]
pub struct SignInDialogProps {
    /// Which form to show.
    pub step: Step,
    /// Ready, busy, or failed with a message.
    pub status: Status,
    /// The reader wants another step.
    pub on_show: Callback<Step>,
    /// The reader asked for a code to be emailed.
    pub on_request_code: Callback<String>,
    /// The reader entered the emailed code.
    pub on_code: Callback<CodeSignIn>,
    /// The reader entered email and password.
    pub on_password: Callback<PasswordSignIn>,
    /// The reader closed the dialog.
    pub on_close: Callback<()>,
}

/// The sign-in dialog.
#[function_component]
pub fn SignInDialog(props: &SignInDialogProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    let dialog = use_node_ref();
    let first_input = use_node_ref();
    let email = use_state(String::new);
    let code = use_state(String::new);
    let password = use_state(String::new);

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
        // Each step starts with the cursor in its first field.
        let first_input = first_input.clone();
        use_effect_with(props.step.clone(), move |_| {
            if let Some(input) = first_input.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
        });
    }

    let submit = {
        let (step, email, code, password) =
            (props.step.clone(), email.clone(), code.clone(), password.clone());
        let (on_request_code, on_code, on_password) =
            (props.on_request_code.clone(), props.on_code.clone(), props.on_password.clone());
        Callback::from(move |()| match &step {
            Step::Email => on_request_code.emit((*email).clone()),
            Step::Code { email } => {
                on_code.emit(CodeSignIn { email: email.to_string(), code: (*code).clone() })
            }
            Step::Password => {
                on_password.emit(PasswordSignIn { email: (*email).clone(), password: (*password).clone() })
            }
        })
    };
    let onsubmit = submit.reform(|event: SubmitEvent| event.prevent_default());
    let busy = props.status == Status::Busy;
    let show = |step: Step| props.on_show.reform(move |_| step.clone());
    let link = |label: &'static str, onclick: Callback<web_sys::MouseEvent>| {
        html! { <button type="button" class="link" disabled={busy} {onclick}>{label}</button> }
    };

    let (heading, hint, fields, primary, others) = match &props.step {
        Step::Email => (
            texts.email_heading,
            Some(AttrValue::from(texts.email_hint)),
            email_field(texts, &email, &first_input),
            texts.send_code,
            link(texts.use_password, show(Step::Password)),
        ),
        Step::Code { email: sent_to } => (
            texts.code_heading,
            Some(AttrValue::from(texts.code_sent(sent_to))),
            html! {
                <>
                    <label for="paywall-code">{texts.code}</label>
                    <input ref={first_input.clone()} id="paywall-code" part="input" name="code" type="text"
                        inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7"
                        required=true value={(*code).clone()} oninput={keep(&code)} />
                </>
            },
            texts.sign_in,
            html! {
                <>
                    {link(texts.resend_code, props.on_request_code.reform({
                        let sent_to = sent_to.to_string();
                        move |_| sent_to.clone()
                    }))}
                    {link(texts.other_email, show(Step::Email))}
                </>
            },
        ),
        Step::Password => (
            texts.password_heading,
            None,
            html! {
                <>
                    {email_field(texts, &email, &first_input)}
                    <label for="paywall-password">{texts.password}</label>
                    <input id="paywall-password" part="input" name="password" type="password"
                        autocomplete="current-password" required=true value={(*password).clone()}
                        oninput={keep(&password)} />
                </>
            },
            texts.sign_in,
            link(texts.use_code, show(Step::Email)),
        ),
    };
    let error = match &props.status {
        Status::Failed { message, retry } => html! {
            <div class="error" part="error" role="alert">
                <p>{message.clone()}</p>
                if *retry {
                    <button type="button" class="link" onclick={submit.reform(|_| ())}>{texts.retry}</button>
                }
            </div>
        },
        _ => html! {},
    };

    html! {
        <dialog ref={dialog} class="dialog" part="dialog" aria-labelledby="paywall-dialog-heading"
            onclose={props.on_close.reform(|_| ())}>
            <form {onsubmit} aria-busy={busy.to_string()}>
                <h2 id="paywall-dialog-heading">{heading}</h2>
                if let Some(hint) = hint {
                    <p class="hint">{hint}</p>
                }
                {fields}
                {error}
                <button type="submit" class="button" part="submit" disabled={busy}>
                    { if busy { texts.working } else { primary } }
                </button>
                <p class="other-ways">{others}</p>
            </form>
            <button type="button" class="close" part="close" aria-label={texts.close}
                onclick={props.on_close.reform(|_| ())}>{"×"}</button>
        </dialog>
    }
}

fn email_field(texts: &Texts, email: &UseStateHandle<String>, input: &NodeRef) -> Html {
    html! {
        <>
            <label for="paywall-email">{texts.email}</label>
            <input ref={input.clone()} id="paywall-email" part="input" name="email" type="email"
                autocomplete="email" required=true value={(**email).clone()} oninput={keep(email)} />
        </>
    }
}

/// Keeps a field's value in state as the reader types.
fn keep(value: &UseStateHandle<String>) -> Callback<InputEvent> {
    let value = value.clone();
    Callback::from(move |event: InputEvent| {
        if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
            value.set(input.value());
        }
    })
}
