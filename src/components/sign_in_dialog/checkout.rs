//! The checkout step: the offer, the email (unless signed in), then the provider's page.

use std::rc::Rc;

use paywall_protocol::Offer;
use yew::{AttrValue, Callback, Html, Properties, function_component, html, use_context, use_node_ref};

use super::form::{StepForm, StepProps, email_field, link, show};
use crate::i18n::Texts;
use crate::state::{Status, Step};

/// What the checkout step needs besides what every step gets.
#[derive(Properties, PartialEq)]
pub(super) struct CheckoutStepProps {
    pub(super) offer: Rc<Offer>,
    pub(super) signed_in_as: Option<AttrValue>,
    pub(super) on_checkout: Callback<(i64, String)>,
    pub(super) common: StepProps,
}

/// The checkout step: the offer, the email (unless signed in), then the provider's page.
#[function_component]
pub(super) fn CheckoutStep(props: &CheckoutStepProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    let first_input = use_node_ref();
    let common = &props.common;
    let submit = {
        let (email, offer, on_checkout) =
            (common.typed.email.clone(), props.offer.id, props.on_checkout.clone());
        Callback::from(move |()| on_checkout.emit((offer, (*email).clone())))
    };
    let heading = texts.checkout_heading.replace("{offer}", &props.offer.name);
    let hint = match &props.signed_in_as {
        Some(email) => texts.checkout_as.replace("{email}", email),
        None => texts.checkout_hint.to_owned(),
    };
    let busy = common.status == Status::Busy;
    html! {
        <StepForm heading={AttrValue::from(heading)} hint={AttrValue::from(format!("{} {hint}", texts.price(&props.offer)))}
            primary={texts.continue_to_payment} status={common.status.clone()} first_input={first_input.clone()}
            on_submit={submit}
            others={if props.signed_in_as.is_some() { html! {} } else {
                link(texts.sign_in_link, busy, show(&common.on_show, Step::Email))
            }}>
            if props.signed_in_as.is_none() {
                {email_field(texts, &common.typed.email, &first_input)}
            }
        </StepForm>
    }
}
