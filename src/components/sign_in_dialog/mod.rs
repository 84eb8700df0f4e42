//! The sign-in dialog: a native modal `<dialog>` (focus kept inside, Escape closes it) that
//! walks email → code, or email and password. One component per step, each in its own file,
//! all filling the same form; what the reader types lives here, so it is kept across steps and
//! errors.

mod checkout;
mod code;
mod email;
mod password;

use paywall_protocol::{CodeSignIn, PasswordSignIn};
use web_sys::{HtmlDialogElement, HtmlInputElement, InputEvent, MouseEvent, SubmitEvent};
use yew::{
    AttrValue, Callback, Children, Html, NodeRef, Properties, TargetCast, UseStateHandle, function_component,
    html, use_context, use_effect_with, use_node_ref, use_state,
};

use self::checkout::CheckoutStep;
use self::code::CodeStep;
use self::email::EmailStep;
use self::password::PasswordStep;
use crate::i18n::Texts;
use crate::state::{Status, Step};

/// What the dialog shows and reports.
#[derive(Properties, PartialEq)]
pub struct SignInDialogProps {
    /// Which form to show.
    pub step: Step,
    /// Ready, busy, or failed.
    pub status: Status,
    /// The reader wants another step.
    pub on_show: Callback<Step>,
    /// The reader asked for a code to be emailed.
    pub on_request_code: Callback<String>,
    /// The reader entered the emailed code.
    pub on_code: Callback<CodeSignIn>,
    /// The reader entered email and password.
    pub on_password: Callback<PasswordSignIn>,
    /// The reader goes on to pay for an offer: its id, and the email (unless signed in).
    pub on_checkout: Callback<(i64, String)>,
    /// Who is signed in, if anyone: they subscribe as themselves.
    pub signed_in_as: Option<AttrValue>,
    /// The reader closed the dialog.
    pub on_close: Callback<()>,
}

/// What the reader has typed, kept while the dialog is open.
#[derive(Clone, PartialEq)]
struct Typed {
    email: UseStateHandle<String>,
    code: UseStateHandle<String>,
    password: UseStateHandle<String>,
}

/// The sign-in dialog.
#[function_component]
pub fn SignInDialog(props: &SignInDialogProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    let dialog = use_node_ref();
    let typed = Typed {
        email: use_state(String::new),
        code: use_state(String::new),
        password: use_state(String::new),
    };
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
    let step = StepProps {
        typed,
        status: props.status.clone(),
        on_show: props.on_show.clone(),
        on_request_code: props.on_request_code.clone(),
        on_code: props.on_code.clone(),
        on_password: props.on_password.clone(),
    };
    html! {
        <dialog ref={dialog} class="dialog" part="dialog" aria-labelledby="paywall-dialog-heading"
            onclose={props.on_close.reform(|_| ())}>
            { match &props.step {
                Step::Email => html! { <EmailStep ..step /> },
                Step::Code { email, minutes } => html! {
                    <CodeStep sent_to={email.clone()} minutes={*minutes} common={step} />
                },
                Step::Password => html! { <PasswordStep ..step /> },
                Step::Checkout { offer } => html! {
                    <CheckoutStep offer={offer.clone()} signed_in_as={props.signed_in_as.clone()}
                        on_checkout={props.on_checkout.clone()} common={step} />
                },
            } }
            <button type="button" class="close" part="close" aria-label={texts.close}
                onclick={props.on_close.reform(|_| ())}>{"×"}</button>
        </dialog>
    }
}

/// What every step gets from the dialog.
#[derive(Properties, PartialEq, Clone)]
struct StepProps {
    typed: Typed,
    status: Status,
    on_show: Callback<Step>,
    on_request_code: Callback<String>,
    on_code: Callback<CodeSignIn>,
    on_password: Callback<PasswordSignIn>,
}

/// What a step's form shows.
#[derive(Properties, PartialEq)]
struct StepFormProps {
    heading: AttrValue,
    #[prop_or_default]
    hint: Option<AttrValue>,
    /// The submit button's label.
    primary: &'static str,
    status: Status,
    /// The field that gets the cursor when the step opens.
    first_input: NodeRef,
    on_submit: Callback<()>,
    /// What Try again does, when it is not submitting again.
    #[prop_or_default]
    on_retry: Option<Callback<()>>,
    /// The other ways to sign in, under the button.
    others: Html,
    /// The step's fields.
    children: Children,
}

/// The form every step fills: heading, hint, fields, what went wrong, the submit button (busy
/// while the server answers), and the other ways.
#[function_component]
fn StepForm(props: &StepFormProps) -> Html {
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
fn link(label: &'static str, busy: bool, onclick: Callback<MouseEvent>) -> Html {
    html! { <button type="button" class="link" disabled={busy} {onclick}>{label}</button> }
}

/// A callback that moves the dialog to `step`.
fn show(on_show: &Callback<Step>, step: Step) -> Callback<MouseEvent> {
    on_show.reform(move |_| step.clone())
}

fn email_field(texts: &Texts, email: &UseStateHandle<String>, input: &NodeRef) -> Html {
    html! {
        <>
            <label for="paywall-email">{texts.email}</label>
            <input ref={input.clone()} id="paywall-email" part="input" name="email" type="email" autofocus=true
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
