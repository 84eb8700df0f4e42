//! Who is signed in, Sign out, and Sign out on all devices: above the unlocked sections, and in
//! the prompt of a reader without a subscription.

use yew::{AttrValue, Callback, Html, Properties, function_component, html, use_context};

use crate::i18n::Texts;

/// Who is signed in.
#[derive(Properties, PartialEq)]
pub struct AccountBarProps {
    /// The reader's email.
    pub email: AttrValue,
    /// The reader asked to sign out: `true` for every device.
    pub on_sign_out: Callback<bool>,
    /// The reader asked to manage their subscription, where they have one.
    #[prop_or_default]
    pub on_manage: Option<Callback<()>>,
    /// The reader asked for a gift link, where their subscription opens the article.
    #[prop_or_default]
    pub on_gift: Option<Callback<()>>,
    /// The reader asked to see their passkeys, where the site has them.
    #[prop_or_default]
    pub on_passkeys: Option<Callback<()>>,
}

/// "Signed in as ... Sign out · Sign out on all devices".
#[function_component]
pub fn AccountBar(props: &AccountBarProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    html! {
        // Two groups that each stay whole: on a narrow screen the line breaks between who is
        // signed in and what they can do, not in the middle of either.
        <p class="account" part="account">
            <span>{texts.signed_in_as}{" "}<strong>{props.email.clone()}</strong>{"."}</span>{" "}
            <span>
                if let Some(on_gift) = &props.on_gift {
                    <button type="button" class="link" part="gift" onclick={on_gift.reform(|_| ())}>
                        {texts.gift_this}
                    </button>
                    {" · "}
                }
                if let Some(on_manage) = &props.on_manage {
                    <button type="button" class="link" part="manage" onclick={on_manage.reform(|_| ())}>
                        {texts.manage_subscription}
                    </button>
                    {" · "}
                }
                if let Some(on_passkeys) = &props.on_passkeys {
                    <button type="button" class="link" part="passkeys" onclick={on_passkeys.reform(|_| ())}>
                        {texts.passkeys}
                    </button>
                    {" · "}
                }
                <button type="button" class="link" part="sign-out" onclick={props.on_sign_out.reform(|_| false)}>
                    {texts.sign_out}
                </button>
                {" · "}
                <button type="button" class="link" part="sign-out-everywhere" onclick={props.on_sign_out.reform(|_| true)}>
                    {texts.sign_out_everywhere}
                </button>
            </span>
        </p>
    }
}
