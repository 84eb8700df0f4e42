//! The prompt: what is locked, and how to subscribe or sign in.

use std::rc::Rc;

use paywall_protocol::Reader;
use yew::{AttrValue, Callback, Html, Properties, function_component, html};

use crate::text;

/// What the prompt shows.
#[derive(Properties, PartialEq)]
pub struct PromptProps {
    /// The titles of the locked sections, in order.
    pub titles: Rc<Vec<String>>,
    /// The signed-in reader, when they have no subscription.
    pub reader: Option<Reader>,
    /// Where Subscribe leads.
    pub subscribe_url: AttrValue,
    /// The reader asked to sign in.
    pub on_sign_in: Callback<()>,
    /// The reader asked to sign out.
    pub on_sign_out: Callback<()>,
}

/// The subscribe / sign-in prompt.
#[function_component]
pub fn Prompt(props: &PromptProps) -> Html {
    let including = text::including(&props.titles);
    let footer = match &props.reader {
        None => html! {
            <p class="sign-in">
                {text::ALREADY_SUBSCRIBED}{" "}
                <button type="button" class="link" part="sign-in" onclick={props.on_sign_in.reform(|_| ())}>
                    {text::SIGN_IN_LINK}
                </button>
            </p>
        },
        Some(reader) => html! {
            <>
                <p class="notice" role="status">{text::NO_SUBSCRIPTION}</p>
                <p class="account">
                    {text::SIGNED_IN_AS}{" "}<strong>{reader.email.clone()}</strong>{". "}
                    <button type="button" class="link" part="sign-out" onclick={props.on_sign_out.reform(|_| ())}>
                        {text::SIGN_OUT}
                    </button>
                </p>
            </>
        },
    };
    html! {
        <section class="prompt" part="prompt" aria-labelledby="paywall-prompt-heading">
            <h2 id="paywall-prompt-heading">{text::LOCKED_HEADING}</h2>
            if !including.is_empty() {
                <p class="including">{including}</p>
            }
            <a class="button" part="subscribe" href={props.subscribe_url.clone()}>{text::SUBSCRIBE}</a>
            {footer}
        </section>
    }
}
