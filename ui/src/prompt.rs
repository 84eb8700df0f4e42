//! The prompt: what is locked, and how to subscribe or sign in.

use std::rc::Rc;

use paywall_protocol::{Meter, Offer, Reader};
use web_sys::HtmlElement;
use yew::{
    AttrValue, Callback, Html, Properties, function_component, html, use_context, use_effect_with,
    use_mut_ref, use_node_ref,
};

use crate::account_bar::AccountBar;
use crate::i18n::Texts;

/// What the prompt shows.
#[derive(Properties, PartialEq)]
pub struct PromptProps {
    /// The titles of the locked sections, in order.
    pub titles: Rc<Vec<String>>,
    /// The tier the article needs.
    pub tier: AttrValue,
    /// How readers see that tier ("Premium"); empty if the server did not say.
    pub tier_label: AttrValue,
    /// Whether the signed-in reader subscribes, but to a tier below the article's.
    pub higher_tier: bool,
    /// What the prompt sells; Subscribe leads to `subscribe_url` when there is nothing.
    pub offers: Rc<Vec<Offer>>,
    /// The reader chose an offer.
    pub on_offer: Callback<Rc<Offer>>,
    /// The signed-in reader, when they have no subscription.
    pub reader: Option<Reader>,
    /// The reader's spent meter, when the meter would open the article but their free
    /// articles are spent.
    #[prop_or_default]
    pub meter: Option<Meter>,
    /// Whether a gift link kept for the article no longer opens it.
    #[prop_or_default]
    pub gift_refused: bool,
    /// Where Subscribe leads.
    pub subscribe_url: AttrValue,
    /// Whether the sign-in dialog is open (focus comes back to Sign in when it closes).
    pub dialog_open: bool,
    /// The reader asked to sign in.
    pub on_sign_in: Callback<()>,
    /// The reader followed Subscribe.
    pub on_subscribe: Callback<()>,
    /// The reader asked to sign out: `true` for every device.
    pub on_sign_out: Callback<bool>,
}

/// The subscribe / sign-in prompt.
#[function_component]
pub fn Prompt(props: &PromptProps) -> Html {
    let texts = use_context::<&'static Texts>().expect("the root provides the texts");
    let sign_in = use_node_ref();
    let was_open = use_mut_ref(|| false);
    {
        // A dialog that closes without signing in gives focus back to what opened it.
        let sign_in = sign_in.clone();
        use_effect_with(props.dialog_open, move |open| {
            if !*open
                && *was_open.borrow()
                && let Some(button) = sign_in.cast::<HtmlElement>()
            {
                let _ = button.focus();
            }
            *was_open.borrow_mut() = *open;
        });
    }

    let including = texts.including(&props.titles);
    let registered = props.tier == paywall_protocol::tiers::REGISTERED;
    // With nobody signed in and free articles spent, an account comes first: it gives more.
    let register_for = props
        .meter
        .as_ref()
        .filter(|meter| meter.registered_limit > 0 && props.reader.is_none())
        .map(|meter| meter.registered_limit);
    let heading = if props.meter.is_some() {
        texts.meter_spent.to_owned()
    } else if registered {
        texts.for_registered.to_owned()
    } else if props.tier_label.is_empty() {
        texts.locked_heading.to_owned()
    } else {
        texts.for_tier.replace("{tier}", &props.tier_label)
    };
    let notice = if props.higher_tier {
        texts.higher_tier.replace("{tier}", &props.tier_label)
    } else {
        texts.no_subscription.to_owned()
    };
    let footer = match &props.reader {
        // For registered readers, signing in is the main button.
        None if registered => html! {},
        None => html! {
            <p class="sign-in">
                {texts.already_subscribed}{" "}
                <button ref={sign_in.clone()} type="button" class="link" part="sign-in" aria-haspopup="dialog"
                    onclick={props.on_sign_in.reform(|_| ())}>
                    {texts.sign_in_link}
                </button>
            </p>
        },
        Some(reader) => html! {
            <>
                <p class="notice">{notice}</p>
                <AccountBar email={AttrValue::from(reader.email.clone())} on_sign_out={props.on_sign_out.clone()} />
            </>
        },
    };
    html! {
        <section class="prompt" part="prompt" aria-labelledby="paywall-prompt-heading">
            if props.gift_refused {
                <p class="notice" part="gift-refused">{texts.gift_refused}</p>
            }
            <h2 id="paywall-prompt-heading">{heading}</h2>
            if !including.is_empty() {
                <p class="including">{including}</p>
            }
            if let Some(more) = register_for {
                <button type="button" class="button" part="register" aria-haspopup="dialog"
                    onclick={props.on_sign_in.reform(|_| ())}>{texts.register_more(more)}</button>
            }
            if registered && props.reader.is_none() {
                if register_for.is_none() {
                    <button ref={sign_in} type="button" class="button" part="sign-in" aria-haspopup="dialog"
                        onclick={props.on_sign_in.reform(|_| ())}>{texts.register}</button>
                }
            } else if !props.offers.is_empty() {
                <ul class="offers" part="offers">
                    { for props.offers.iter().map(|offer| {
                        let offer = Rc::new(offer.clone());
                        let chosen = offer.clone();
                        html! {
                            <li>
                                <button type="button" class="button offer" part="offer" aria-haspopup="dialog"
                                    onclick={props.on_offer.reform(move |_| chosen.clone())}>
                                    <span class="offer-name">{offer.name.clone()}</span>
                                    <span class="offer-price">{texts.price(&offer)}</span>
                                </button>
                            </li>
                        }
                    }) }
                </ul>
            } else {
                <a class="button" part="subscribe" href={props.subscribe_url.clone()}
                    onclick={props.on_subscribe.reform(|_| ())}>{texts.subscribe}</a>
            }
            {footer}
        </section>
    }
}
