//! The root component: one article's paywall, rendered in a shadow root, with the unlocked
//! sections portalled into the article's light DOM.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{Element, FocusOptions, HtmlElement, HtmlInputElement, MouseEvent};
use yew::{
    AttrValue, Callback, ContextProvider, Html, Properties, TargetCast, create_portal, function_component,
    html, use_effect_with,
};

use paywall_protocol::GrantReason;

use paywall_ui::{AccountBar, Prompt};

use super::sign_in_dialog::SignInDialog;
use super::unlocked_sections::UnlockedSections;
use crate::hooks::{PasskeyChange, use_paywall};
use crate::i18n::{Say, Texts};
use crate::loader::Loader;
use crate::passkey;
use crate::session::Session;
use crate::state::{Dialog, Gifting, PasskeyOffer, Phase, Step};

/// What the root needs from `mount`.
#[derive(Properties, PartialEq)]
pub struct ArticlePaywallProps {
    /// The article's id, from `data-paywall`.
    pub article_id: AttrValue,
    /// Where Subscribe leads.
    pub subscribe_url: AttrValue,
    /// The reader's language.
    pub texts: &'static Texts,
    /// The reader's session, shared with the page's other widgets.
    pub session: Rc<Session>,
    /// The publisher's `[data-paywall]` element, where events are reported.
    pub container: Element,
    /// The light-DOM element that receives the unlocked sections.
    pub unlocked_host: Element,
    /// What the loader lends the widget about the page.
    pub loader: Loader,
}

/// One article's paywall.
#[function_component]
pub fn ArticlePaywall(props: &ArticlePaywallProps) -> Html {
    let texts = props.texts;
    let paywall = use_paywall(
        props.article_id.clone(),
        props.session.clone(),
        props.container.clone(),
        props.loader.clone(),
    );
    let state = &*paywall.state;

    {
        // When sections replace the prompt the reader was looking at, reading goes on at the
        // first of them: focus moves to its heading, without scrolling anything.
        let host = props.unlocked_host.clone();
        use_effect_with(state.phase.clone(), move |phase| {
            if let Phase::Unlocked { announce: true, .. } = phase
                && let Ok(Some(heading)) = host.query_selector("h2")
                && let Ok(heading) = heading.dyn_into::<HtmlElement>()
            {
                let options = FocusOptions::new();
                options.set_prevent_scroll(true);
                let _ = heading.focus_with_options(&options);
            }
        });
    }

    {
        // Once there is something to show, it takes the place of the prompt the loader drew
        // before the widget loaded.
        let (loader, container) = (props.loader.clone(), props.container.clone());
        use_effect_with(matches!(state.phase, Phase::Loading), move |loading| {
            if !*loading {
                loader.shown(&container);
            }
        });
    }

    // To a reader who just signed in with an emailed code or link: a passkey, once.
    let offer = match state.offer {
        PasskeyOffer::Shown => html! {
            <p class="offer" part="passkey-offer">
                {texts.passkey_offer}{" "}
                <button type="button" class="link" part="add-passkey"
                    onclick={paywall.more.passkeys.reform(|_| PasskeyChange::Add)}>{texts.add_passkey}</button>
                {" · "}
                <button type="button" class="link" part="not-now"
                    onclick={paywall.dismiss_offer.reform(|_| ())}>{texts.not_now}</button>
            </p>
        },
        PasskeyOffer::Added => {
            html! { <p class="offer" part="passkey-offer" role="status">{texts.passkey_added}</p> }
        }
        PasskeyOffer::Hidden => html! {},
    };
    let (body, announcement) = match &state.phase {
        Phase::Loading => (html! {}, ""),
        Phase::Locked { summary, reader, higher_tier, offers, meter, gift_refused } => (
            html! {
                <>
                <Prompt
                    titles={Rc::new(summary.locked_section_titles.clone())}
                    tier={AttrValue::from(summary.tier.clone())}
                    tier_label={AttrValue::from(summary.tier_label.clone())}
                    higher_tier={*higher_tier}
                    offers={offers.clone()}
                    on_offer={paywall.choose_offer.clone()}
                    reader={reader.clone()}
                    meter={meter.clone()}
                    gift_refused={*gift_refused}
                    subscribe_url={props.subscribe_url.clone()}
                    dialog_open={state.dialog != Dialog::Closed}
                    on_sign_in={paywall.show.reform(|()| Step::Email)}
                    on_subscribe={paywall.subscribe_click.clone()}
                    on_sign_out={paywall.sign_out.clone()}
                />
                if reader.is_some() {
                    {offer}
                }
                </>
            },
            "",
        ),
        Phase::Unlocked { reader, sections, announce, grant, meter } => {
            // What opened the story, in a slim line with the way to subscribe: the meter (how
            // many are left) or a subscriber's gift.
            let note = match (meter, grant) {
                (Some(meter), _) => Some((texts.free_left(meter.articles_left), texts.subscribe)),
                (None, GrantReason::Gift) => Some((texts.gift_note.to_owned(), texts.subscribe_more)),
                _ => None,
            };
            let subscriber = *grant == GrantReason::Subscription;
            let passkeys = passkey::usable(&state.methods);
            (
                html! {
                    <>
                        {create_portal(html! {
                            <UnlockedSections sections={sections.clone()} loader={props.loader.clone()}
                                on_refused={refused_html(&props.loader, &props.container)} />
                        }, props.unlocked_host.clone())}
                        if let Some((line, subscribe)) = note {
                            <p class="meter" part="meter">
                                {line}{" · "}
                                <a href={props.subscribe_url.clone()} part="subscribe"
                                    onclick={paywall.subscribe_click.reform(|_| ())}>{subscribe}</a>
                            </p>
                        }
                        if let Some(reader) = reader {
                            <AccountBar email={AttrValue::from(reader.email.clone())} on_sign_out={paywall.sign_out.clone()}
                                on_manage={subscriber.then(|| paywall.manage_subscription.clone())}
                                on_gift={subscriber.then(|| paywall.make_gift.clone())}
                                on_passkeys={passkeys.then(|| paywall.more.passkeys.reform(|()| PasskeyChange::Show))} />
                        }
                        if reader.is_some() {
                            {offer.clone()}
                        }
                        if let Gifting::Made(url) = &state.gifting {
                            <p class="gift" part="gift">
                            <label>{texts.gift_ready}{" "}<input type="text" readonly=true value={url.clone()} /></label>{" "}
                            <button type="button" class="link" part="copy-gift"
                                onclick={copy_gift(url.clone())}>{texts.copy_link}</button>
                        </p>
                        } else if let Gifting::Failed(error) = &state.gifting {
                            <p class="gift" part="gift" role="alert">{texts.error(error)}</p>
                        }
                    </>
                },
                if *announce { texts.unlocked } else { "" },
            )
        }
        Phase::Failed(error) => (
            html! {
                <div class="failed" part="prompt">
                    <p>{texts.error(error)}</p>
                    if error.worth_retrying() {
                        <button type="button" class="button" part="retry" onclick={paywall.retry.reform(|_| ())}>
                            {texts.retry}
                        </button>
                    }
                    // Whatever failed, the way to subscribe stays.
                    <p><a href={props.subscribe_url.clone()} part="subscribe"
                        onclick={paywall.subscribe_click.reform(|_| ())}>{texts.subscribe}</a></p>
                </div>
            },
            "",
        ),
    };
    let announcement = match &state.phase {
        Phase::Failed(error) => AttrValue::from(texts.error(error)),
        _ => AttrValue::from(announcement),
    };
    html! {
        <ContextProvider<&'static Texts> context={texts}>
            {body}
            // Announced by screen readers when it changes; never seen.
            <p class="visually-hidden" role="status">{announcement}</p>
            if let Dialog::Open { step, status } = &state.dialog {
                <SignInDialog
                    step={step.clone()}
                    status={status.clone()}
                    on_show={paywall.show.clone()}
                    on_request_code={paywall.request_code.clone()}
                    on_code={paywall.sign_in_with_code.clone()}
                    on_password={paywall.sign_in.clone()}
                    on_checkout={paywall.checkout.clone()}
                    signed_in_as={props.session.reader().map(|reader| AttrValue::from(reader.email))}
                    on_close={paywall.close_dialog.clone()}
                    methods={state.methods.clone()}
                    more={paywall.more.clone()}
                />
            }
        </ContextProvider<&'static Texts>>
    }
}

/// When the page refuses the unlocked sections' HTML (a Trusted Types policy without
/// `paywall`), the plain link takes the widget's place: a signed-in reader is never left
/// looking at nothing.
fn refused_html(loader: &Loader, container: &Element) -> Callback<()> {
    let (loader, container) = (loader.clone(), container.clone());
    Callback::from(move |()| {
        loader.fall_back(
            &container,
            "this page refused the unlocked sections' HTML: its Content-Security-Policy must allow the \
             Trusted Types policy named paywall (trusted-types paywall)",
        );
    })
}

/// Copies a gift link and selects it in its field, which shows what was copied (and is what
/// a reader copies by hand on a page without clipboard access).
fn copy_gift(url: AttrValue) -> Callback<MouseEvent> {
    Callback::from(move |event: MouseEvent| {
        let Some(window) = web_sys::window() else { return };
        let field = event
            .target_dyn_into::<Element>()
            .and_then(|button| button.parent_element())
            .and_then(|line| line.query_selector("input").ok().flatten())
            .and_then(|field| field.dyn_into::<HtmlInputElement>().ok());
        if let Some(field) = field {
            field.select();
        }
        // An insecure page has no clipboard to write to.
        if js_sys::Reflect::has(&window.navigator(), &"clipboard".into()).unwrap_or(false) {
            let _ = window.navigator().clipboard().write_text(&url);
        }
    })
}
