//! The prompt drawn to a string by the same components the widget renders, for the server to
//! send before the widget loads (`GET /v1/articles/{id}/prompt`).
//!
//! The widget's shadow root holds the prompt and, after it, the paragraph screen readers hear
//! news from (`src/components/article_paywall.rs`); the drawing holds the same two, so that
//! the widget can take the drawing's place without anything moving.

use std::rc::Rc;

use paywall_protocol::{Offer, Reader};
use yew::{AttrValue, Callback, ContextProvider, Html, Properties, ServerRenderer, function_component, html};

use crate::Prompt;
use crate::i18n::Texts;

/// What the prompt shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Locked {
    /// The titles of the locked sections, in order.
    pub titles: Vec<String>,
    /// The tier the article needs.
    pub tier: String,
    /// How readers see that tier; empty if the publisher did not say.
    pub tier_label: String,
    /// The offers that open it, in the publisher's order.
    pub offers: Vec<Offer>,
    /// Where Subscribe leads.
    pub subscribe_url: String,
    /// The signed-in reader without a subscription that opens it (`None`: nobody signed in).
    pub reader: Option<Reader>,
    /// Whether that reader subscribes, but to a tier below the article's.
    pub higher_tier: bool,
}

/// The prompt's HTML for `locked`, in the language of `texts`.
pub async fn prompt(texts: &'static Texts, locked: Locked) -> String {
    ServerRenderer::<Drawn>::with_props(move || Drawing { texts, locked }).hydratable(false).render().await
}

/// What the drawing says when the widget behind it could not start: signing in cannot work,
/// subscribing (at `subscribe_url`) still does.
pub async fn unavailable(texts: &'static Texts, subscribe_url: String) -> String {
    ServerRenderer::<Unavailable>::with_props(move || UnavailableProps { texts, subscribe_url })
        .hydratable(false)
        .render()
        .await
}

#[derive(Properties, PartialEq)]
struct Drawing {
    texts: &'static Texts,
    locked: Locked,
}

#[function_component]
fn Drawn(props: &Drawing) -> Html {
    let locked = &props.locked;
    html! {
        <ContextProvider<&'static Texts> context={props.texts}>
            <Prompt
                titles={Rc::new(locked.titles.clone())}
                tier={AttrValue::from(locked.tier.clone())}
                tier_label={AttrValue::from(locked.tier_label.clone())}
                higher_tier={locked.higher_tier}
                offers={Rc::new(locked.offers.clone())}
                on_offer={Callback::noop()}
                reader={locked.reader.clone()}
                subscribe_url={AttrValue::from(locked.subscribe_url.clone())}
                dialog_open={false}
                on_sign_in={Callback::noop()}
                on_subscribe={Callback::noop()}
                on_sign_out={Callback::noop()}
            />
            <p class="visually-hidden" role="status"></p>
        </ContextProvider<&'static Texts>>
    }
}

#[derive(Properties, PartialEq)]
struct UnavailableProps {
    texts: &'static Texts,
    subscribe_url: String,
}

#[function_component]
fn Unavailable(props: &UnavailableProps) -> Html {
    html! {
        <p class="notice" part="unavailable" role="alert">
            {props.texts.unavailable}{" "}
            <a href={props.subscribe_url.clone()} part="subscribe">{props.texts.subscribe}</a>
        </p>
    }
}

#[cfg(test)]
mod tests {
    use paywall_protocol::BillingInterval;

    use super::*;
    use crate::i18n::texts;

    fn article() -> Locked {
        Locked {
            titles: vec!["Our Take".into(), "Fees & <taxes>".into()],
            tier: "premium".into(),
            tier_label: "Premium".into(),
            offers: Vec::new(),
            subscribe_url: "/subscribe?from=\"x\"".into(),
            reader: None,
            higher_tier: false,
        }
    }

    #[tokio::test]
    async fn draws_the_prompt_with_its_text_escaped() {
        let html = prompt(texts("en"), article()).await;
        assert!(html.starts_with("<section ") && html.contains(" part=\"prompt\""), "{html}");
        assert!(html.contains("This story is for Premium subscribers."), "{html}");
        assert!(html.contains("Including Our Take and Fees &amp; &lt;taxes&gt;."), "{html}");
        assert!(html.contains("href=\"/subscribe?from=&quot;x&quot;\""), "{html}");
        assert!(html.ends_with("</section><p role=\"status\" class=\"visually-hidden\"></p>"), "{html}");
        assert!(!html.contains("<!--"), "no hydration marks: {html}");
    }

    #[tokio::test]
    async fn draws_offers_with_their_prices_in_the_reader_s_language() {
        let offer = Offer {
            id: 1,
            tier: "premium".into(),
            name: "Monthly".into(),
            amount: 800,
            currency: "eur".into(),
            interval: BillingInterval::Month,
            trial_days: 0,
        };
        let html = prompt(texts("fr"), Locked { offers: vec![offer], ..article() }).await;
        assert!(html.contains("8,00\u{a0}€ / mois"), "{html}");
        assert!(!html.contains("part=\"subscribe\""), "offers replace Subscribe: {html}");
    }

    #[tokio::test]
    async fn says_in_the_reader_s_language_that_signing_in_is_unavailable() {
        let html = unavailable(texts("de"), "/abo".into()).await;
        assert!(html.contains("Die Anmeldung ist"), "{html}");
        assert!(html.contains("href=\"/abo\"") && html.contains(">Abonnieren</a>"), "{html}");
    }
}
