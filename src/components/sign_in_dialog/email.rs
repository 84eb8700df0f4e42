//! The email step: an address, to send a code to.

use yew::{AttrValue, Callback, Html, function_component, html, use_context, use_node_ref};

use super::form::{StepForm, StepProps, email_field, link, show};
use crate::i18n::Texts;
use crate::state::{Status, Step};

/// The email step: an address, to send a code to.
#[function_component]
pub(super) fn EmailStep(props: &StepProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    let first_input = use_node_ref();
    let submit = {
        let (email, on_request_code) = (props.typed.email.clone(), props.on_request_code.clone());
        Callback::from(move |()| on_request_code.emit((*email).clone()))
    };
    let busy = props.status == Status::Busy;
    html! {
        <StepForm heading={AttrValue::from(texts.email_heading)} hint={AttrValue::from(texts.email_hint)}
            primary={texts.send_code} status={props.status.clone()} first_input={first_input.clone()}
            on_submit={submit}
            others={link(texts.use_password, busy, show(&props.on_show, Step::Password))}>
            {email_field(texts, &props.typed.email, &first_input)}
        </StepForm>
    }
}
