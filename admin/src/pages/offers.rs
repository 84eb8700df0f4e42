//! What the prompt sells (offers: a tier, a price, an interval, a trial) and the tier ladder.

use paywall_protocol::BillingInterval;
use paywall_protocol::admin::{AdminOffer, AdminOffers, OfferSettings, StaffRole, Tier, Tiers};
use yew::prelude::*;

use crate::api;
use crate::view::{self, Load, PageProps, Said, money, use_load};

#[function_component(Offers)]
pub fn offers(props: &PageProps) -> Html {
    let (offers, reload) = use_load::<AdminOffers>("/v1/admin/offers".into());
    let (tiers, reload_tiers) = use_load::<Tiers>("/v1/admin/tiers".into());
    let said = use_state(Said::default);
    let editor = props.may(StaffRole::Editor);
    let name = use_state(String::new);
    let tier = use_state(String::new);
    let amount = use_state(String::new);
    let currency = use_state(|| "eur".to_owned());
    let interval = use_state(|| "month".to_owned());
    let trial = use_state(|| "0".to_owned());
    let price = use_state(String::new);
    let paid: Vec<(String, String)> = match &tiers {
        Load::Ready(tiers) => {
            tiers.tiers.iter().skip(2).map(|tier| (tier.name.clone(), tier.label.clone())).collect()
        }
        _ => Vec::new(),
    };
    if tier.is_empty()
        && let Some((first, _)) = paid.first()
    {
        tier.set(first.clone());
    }
    let create = {
        let (said, reload) = (said.clone(), reload.clone());
        let fields = (
            name.clone(),
            tier.clone(),
            amount.clone(),
            currency.clone(),
            interval.clone(),
            trial.clone(),
            price.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (name, tier, amount, currency, interval, trial, price) = &fields;
            let Some(cents) = parse_amount(amount) else {
                said.set(Said::Failed("Enter the price as a number, like 8 or 7.50.".into()));
                return;
            };
            let settings = OfferSettings {
                tier: (**tier).clone(),
                name: (**name).clone(),
                amount: cents,
                currency: currency.trim().to_lowercase(),
                interval: if **interval == "year" { BillingInterval::Year } else { BillingInterval::Month },
                trial_days: trial.trim().parse().unwrap_or(0),
                provider_price: (**price).clone(),
                active: true,
                position: 0,
            };
            let reload = reload.clone();
            view::run(&said, async move {
                let made = api::send::<_, AdminOffer>("POST", "/v1/admin/offers", &settings, None).await;
                reload.emit(());
                Said::of(&made, format!("Offer {:?} added: the prompt offers it now.", settings.name))
            });
        })
    };
    let toggle = |offer: &AdminOffer| {
        let (said, reload) = (said.clone(), reload.clone());
        let mut settings = offer.settings.clone();
        let id = offer.id;
        settings.active = !settings.active;
        Callback::from(move |_| {
            let (reload, settings) = (reload.clone(), settings.clone());
            view::run(&said, async move {
                let changed =
                    api::send::<_, AdminOffer>("PUT", &format!("/v1/admin/offers/{id}"), &settings, None)
                        .await;
                reload.emit(());
                Said::of(
                    &changed,
                    if settings.active {
                        "The prompt offers it again."
                    } else {
                        "The prompt no longer offers it."
                    },
                )
            });
        })
    };
    html! {
        <>
            <h1 tabindex="-1">{ "Offers and tiers" }</h1>
            { view::said(&said) }
            { view::not_ready(&offers) }
            if let Load::Ready(offers) = &offers {
                <div class="scroll" tabindex="0" role="region" aria-label="The offers"><table>
                    <caption>{ "Offers, in the prompt's order" }</caption>
                    <thead><tr><th scope="col">{ "Name" }</th><th scope="col">{ "Tier" }</th><th scope="col">{ "Price" }</th><th scope="col">{ "Trial" }</th><th scope="col">{ "Offered" }</th></tr></thead>
                    <tbody>{ for offers.offers.iter().map(|offer| html! {
                        <tr>
                            <th scope="row">{ &offer.settings.name }</th>
                            <td>{ &offer.settings.tier }</td>
                            <td>{ format!("{} a {}", money(offer.settings.amount, &offer.settings.currency), if offer.settings.interval == BillingInterval::Year { "year" } else { "month" }) }</td>
                            <td>{ format!("{} days", offer.settings.trial_days) }</td>
                            <td>
                                { if offer.settings.active { "yes " } else { "no " } }
                                if editor {
                                    <button type="button" class="quiet" onclick={toggle(offer)}
                                        aria-label={format!("{} {}", if offer.settings.active { "Stop offering" } else { "Offer" }, offer.settings.name)}>
                                        { if offer.settings.active { "Stop" } else { "Offer" } }
                                    </button>
                                }
                            </td>
                        </tr>
                    }) }</tbody>
                </table></div>
            }
            if editor {
                <section aria-labelledby="new-offer" class="panel">
                    <h2 id="new-offer">{ "Add an offer" }</h2>
                    <form onsubmit={create}>
                        { view::field("offer-name", "Name, as the prompt shows it", &name, "text", Some("Monthly, Yearly, Student…")) }
                        { view::choice("offer-tier", "Tier it opens", &tier, &paid) }
                        { view::field("offer-amount", "Price", &amount, "text", Some("In the currency's units: 8 or 7.50.")) }
                        { view::field("offer-currency", "Currency", &currency, "text", Some("ISO 4217: eur, usd, gbp.")) }
                        { view::choice("offer-interval", "Charged every", &interval, &[("month".into(), "month".into()), ("year".into(), "year".into())]) }
                        { view::field("offer-trial", "Free trial, days", &trial, "number", None) }
                        { view::field("offer-price", "Payment provider's price id", &price, "text", Some("Stripe's price_… that checkout charges.")) }
                        <button type="submit">{ "Add the offer" }</button>
                    </form>
                </section>
            }
            { view::not_ready(&tiers) }
            if let Load::Ready(tiers) = &tiers {
                <TierLadder tiers={tiers.clone()} editor={editor} reload={reload_tiers} />
            }
        </>
    }
}

/// "8", "7.5" or "7,50" in minor units.
fn parse_amount(text: &str) -> Option<i64> {
    let text = text.trim().replace(',', ".");
    let (units, cents) = text.split_once('.').unwrap_or((&text, "0"));
    let cents = format!("{cents:0<2}");
    if cents.len() > 2 {
        return None;
    }
    Some(units.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
}

#[derive(Clone, PartialEq, Properties)]
struct LadderProps {
    tiers: Tiers,
    editor: bool,
    reload: Callback<()>,
}

/// The ladder, lowest first; an editor renames rungs and adds one at the top.
#[function_component(TierLadder)]
fn tier_ladder(props: &LadderProps) -> Html {
    let draft = use_state(|| props.tiers.tiers.clone());
    let said = use_state(Said::default);
    let edit = |index: usize, name: bool| {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| {
            let mut tiers = (*draft).clone();
            if let Some(tier) = tiers.get_mut(index) {
                if name { tier.name = view::value_of(&event) } else { tier.label = view::value_of(&event) }
            }
            draft.set(tiers);
        })
    };
    let add = {
        let draft = draft.clone();
        Callback::from(move |_| {
            let mut tiers = (*draft).clone();
            tiers.push(Tier { name: String::new(), label: String::new() });
            draft.set(tiers);
        })
    };
    let save = {
        let (draft, said, reload) = (draft.clone(), said.clone(), props.reload.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let body = Tiers { tiers: (*draft).clone() };
            let reload = reload.clone();
            view::run(&said, async move {
                let saved = api::send::<_, Tiers>("PUT", "/v1/admin/tiers", &body, None).await;
                reload.emit(());
                Said::of(&saved, "The ladder is saved.")
            });
        })
    };
    html! {
        <section aria-labelledby="ladder" class="panel">
            <h2 id="ladder">{ "The tier ladder" }</h2>
            <p class="hint">{ "Lowest first. A subscription to a tier opens every article at or below it. free and registered are always the first two." }</p>
            <form onsubmit={save}>
                <fieldset disabled={!props.editor}>
                    <legend class="visually-hidden">{ "Tiers" }</legend>
                    { for draft.iter().enumerate().map(|(index, tier)| html! {
                        <div class="row">
                            <div class="field">
                                <label for={format!("tier-name-{index}")}>{ format!("Rung {} name", index + 1) }</label>
                                <input id={format!("tier-name-{index}")} value={tier.name.clone()} readonly={index < 2} oninput={edit(index, true)} />
                            </div>
                            <div class="field">
                                <label for={format!("tier-label-{index}")}>{ format!("Rung {} label", index + 1) }</label>
                                <input id={format!("tier-label-{index}")} value={tier.label.clone()} oninput={edit(index, false)} />
                            </div>
                        </div>
                    }) }
                    <button type="button" class="quiet" onclick={add}>{ "Add a rung at the top" }</button>
                    <button type="submit">{ "Save the ladder" }</button>
                </fieldset>
            </form>
            { view::said(&said) }
        </section>
    }
}
