//! The password step: email and password.

use paywall_protocol::PasswordSignIn;
use yew::{AttrValue, Callback, Html, function_component, html, use_context, use_node_ref};

use super::form::{StepForm, StepProps, email_field, keep, link, show};
use crate::i18n::Texts;
use crate::state::{Status, Step};

/// The password step: email and password.
#[function_component]
pub(super) fn PasswordStep(props: &StepProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    let first_input = use_node_ref();
    let submit = {
        let (email, password, on_password) =
            (props.typed.email.clone(), props.typed.password.clone(), props.on_password.clone());
        Callback::from(move |()| {
            on_password.emit(PasswordSignIn { email: (*email).clone(), password: (*password).clone() })
        })
    };
    let busy = props.status == Status::Busy;
    html! {
        <StepForm heading={AttrValue::from(texts.password_heading)} primary={texts.sign_in} status={props.status.clone()}
            first_input={first_input.clone()} on_submit={submit}
            others={link(texts.use_code, busy, show(&props.on_show, Step::Email))}>
            {email_field(texts, &props.typed.email, &first_input)}
            <label for="paywall-password">{texts.password}</label>
            <input id="paywall-password" part="input" name="password" type="password"
                autocomplete="current-password" required=true value={(*props.typed.password).clone()}
                oninput={keep(&props.typed.password)} />
        </StepForm>
    }
}
