//! The sign-in dialog: a native modal `<dialog>` (focus kept inside, Escape closes it) that
//! walks email → code, or email and password. One component per step, each in its own file,
//! all filling the same form; what the reader types lives here, so it is kept across steps and
//! errors.

mod checkout;
mod code;
mod email;
mod form;
mod passkeys;
mod password;

use std::rc::Rc;

use paywall_protocol::{CodeSignIn, PasswordSignIn, SignInMethods};
use web_sys::HtmlDialogElement;
use yew::{
    AttrValue, Callback, Html, Properties, function_component, html, use_context, use_effect_with,
    use_node_ref, use_state,
};

use self::checkout::CheckoutStep;
use self::code::CodeStep;
use self::email::EmailStep;
use self::form::{StepProps, Typed};
use self::passkeys::PasskeysStep;
use self::password::PasswordStep;
use crate::hooks::MoreWays;
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
    /// What the server offers besides codes and passwords.
    pub methods: Rc<SignInMethods>,
    /// Passkeys and identity providers.
    pub more: MoreWays,
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
        methods: props.methods.clone(),
        more: props.more.clone(),
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
                Step::Passkeys { list } => html! { <PasskeysStep list={list.clone()} common={step} /> },
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
