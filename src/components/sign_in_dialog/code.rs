//! The code step: the six digits that were emailed, or a new code.

use paywall_protocol::CodeSignIn;
use yew::{
    AttrValue, Callback, Html, Properties, function_component, html, use_context, use_mut_ref, use_node_ref,
};

use super::form::{StepForm, StepProps, keep, link, show};
use crate::i18n::Texts;
use crate::state::{Status, Step};

/// What the code step needs besides what every step gets.
#[derive(Properties, PartialEq)]
pub(super) struct CodeStepProps {
    /// Where the code went.
    pub(super) sent_to: AttrValue,
    /// How long it works.
    pub(super) minutes: u64,
    /// What every step gets.
    pub(super) common: StepProps,
}

/// The code step: the six digits that were emailed.
#[function_component]
pub(super) fn CodeStep(props: &CodeStepProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    let first_input = use_node_ref();
    let common = &props.common;
    let submit = {
        let (sent_to, code, on_code) =
            (props.sent_to.clone(), common.typed.code.clone(), common.on_code.clone());
        Callback::from(move |()| {
            on_code.emit(CodeSignIn { email: sent_to.to_string(), code: (*code).clone() })
        })
    };
    let busy = common.status == Status::Busy;
    // Try again repeats what failed: the sign-in, or the request for a new code.
    let resent_last = use_mut_ref(|| false);
    let resend = {
        let (sent_to, on_request_code, resent_last) =
            (props.sent_to.to_string(), common.on_request_code.clone(), resent_last.clone());
        Callback::from(move |()| {
            *resent_last.borrow_mut() = true;
            on_request_code.emit(sent_to.clone());
        })
    };
    let submit = {
        let resent_last = resent_last.clone();
        submit.reform(move |()| *resent_last.borrow_mut() = false)
    };
    let retry = {
        let (submit, resend) = (submit.clone(), resend.clone());
        Callback::from(move |()| if *resent_last.borrow() { resend.emit(()) } else { submit.emit(()) })
    };
    html! {
        <StepForm heading={AttrValue::from(texts.code_heading)} hint={AttrValue::from(texts.code_sent(&props.sent_to, props.minutes))}
            primary={texts.sign_in} status={common.status.clone()} first_input={first_input.clone()}
            on_submit={submit} on_retry={retry}
            others={html! {
                <>
                    {link(texts.resend_code, busy, resend.reform(|_| ()))}
                    {link(texts.other_email, busy, show(&common.on_show, Step::Email))}
                </>
            }}>
            <label for="paywall-code">{texts.code}</label>
            <input ref={first_input} id="paywall-code" part="input" name="code" type="text" autofocus=true
                inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7"
                required=true value={(*common.typed.code).clone()} oninput={keep(&common.typed.code)} />
        </StepForm>
    }
}
