//! The email step: an address, to send a code to; or a passkey (from the field's autofill or
//! the browser's own dialog), or an identity provider.

use yew::{AttrValue, Callback, Html, function_component, html, use_context, use_effect_with, use_node_ref};

use super::form::{StepForm, StepProps, email_input, link, show};
use crate::i18n::Texts;
use crate::passkey;
use crate::state::{Status, Step};

/// The email step: an address, to send a code to; or a passkey, or an identity provider.
#[function_component]
pub(super) fn EmailStep(props: &StepProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    let first_input = use_node_ref();
    let submit = {
        let (email, on_request_code) = (props.typed.email.clone(), props.on_request_code.clone());
        Callback::from(move |()| on_request_code.emit((*email).clone()))
    };
    let busy = props.status == Status::Busy;
    let passkeys = passkey::usable(&props.methods);
    {
        // The site's passkeys wait in the email field's autofill while the step shows.
        let (passkey, stop) = (props.more.passkey.clone(), props.more.stop_autofill.clone());
        use_effect_with(passkeys, move |passkeys| {
            if *passkeys {
                passkey.emit(true);
            }
            // Another step, or the dialog closed: the request stops waiting.
            move || stop.emit(())
        });
    }
    let others = html! {
        <>
            {link(texts.use_password, busy, show(&props.on_show, Step::Password))}
            if passkeys {
                <button type="button" class="button secondary" part="passkey" disabled={busy}
                    onclick={props.more.passkey.reform(|_| false)}>{texts.passkey_sign_in}</button>
            }
            { for props.methods.providers.iter().map(|provider| {
                let id = provider.id.clone();
                html! {
                    <button type="button" class="button secondary" part="provider" disabled={busy}
                        onclick={props.more.provider.reform(move |_| id.clone())}>
                        {texts.continue_with.replace("{name}", &provider.name)}
                    </button>
                }
            }) }
        </>
    };
    html! {
        <StepForm heading={AttrValue::from(texts.email_heading)} hint={AttrValue::from(texts.email_hint)}
            primary={texts.send_code} status={props.status.clone()} first_input={first_input.clone()}
            on_submit={submit} {others}>
            {email_input(texts, &props.typed.email, &first_input, if passkeys { "username webauthn" } else { "email" })}
        </StepForm>
    }
}
