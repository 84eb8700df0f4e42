//! The line under unlocked sections: who is signed in, Sign out, and Sign out on all devices.

use yew::{AttrValue, Callback, Html, Properties, function_component, html};

use crate::text;

/// Who is signed in.
#[derive(Properties, PartialEq)]
pub struct AccountBarProps {
    /// The reader's email.
    pub email: AttrValue,
    /// The reader asked to sign out: `true` for every device.
    pub on_sign_out: Callback<bool>,
}

/// "Signed in as ... Sign out · Sign out on all devices".
#[function_component]
pub fn AccountBar(props: &AccountBarProps) -> Html {
    html! {
        <p class="account" part="account">
            {text::SIGNED_IN_AS}{" "}<strong>{props.email.clone()}</strong>{". "}
            <button type="button" class="link" part="sign-out" onclick={props.on_sign_out.reform(|_| false)}>
                {text::SIGN_OUT}
            </button>
            {" · "}
            <button type="button" class="link" part="sign-out-everywhere" onclick={props.on_sign_out.reform(|_| true)}>
                {text::SIGN_OUT_EVERYWHERE}
            </button>
        </p>
    }
}
