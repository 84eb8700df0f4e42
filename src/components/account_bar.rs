//! The line under unlocked sections: who is signed in, and Sign out.

use yew::{AttrValue, Callback, Html, Properties, function_component, html};

use crate::text;

/// Who is signed in.
#[derive(Properties, PartialEq)]
pub struct AccountBarProps {
    /// The reader's email.
    pub email: AttrValue,
    /// The reader asked to sign out.
    pub on_sign_out: Callback<()>,
}

/// "Signed in as ... Sign out".
#[function_component]
pub fn AccountBar(props: &AccountBarProps) -> Html {
    html! {
        <p class="account" part="account">
            {text::SIGNED_IN_AS}{" "}<strong>{props.email.clone()}</strong>{". "}
            <button type="button" class="link" part="sign-out" onclick={props.on_sign_out.reform(|_| ())}>
                {text::SIGN_OUT}
            </button>
        </p>
    }
}
