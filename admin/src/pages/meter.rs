//! The meter (free articles for readers without a subscription) and subscribers' gift links.

use paywall_protocol::admin::{GiftPolicy, MeterPolicy, StaffRole};
use yew::prelude::*;

use crate::api;
use crate::view::{self, Load, PageProps, Said, use_load};

#[function_component(Meter)]
pub fn meter(props: &PageProps) -> Html {
    let (meter, _) = use_load::<MeterPolicy>("/v1/admin/meter".into());
    let (gifts, _) = use_load::<GiftPolicy>("/v1/admin/gift-policy".into());
    let editor = props.may(StaffRole::Editor);
    html! {
        <>
            <h1 tabindex="-1">{ "Meter and gift links" }</h1>
            { view::not_ready(&meter) }
            if let Load::Ready(policy) = &meter { <MeterForm policy={policy.clone()} {editor} /> }
            { view::not_ready(&gifts) }
            if let Load::Ready(policy) = &gifts { <GiftForm policy={policy.clone()} {editor} /> }
        </>
    }
}

#[derive(Clone, PartialEq, Properties)]
struct MeterProps {
    policy: MeterPolicy,
    editor: bool,
}

#[function_component(MeterForm)]
fn meter_form(props: &MeterProps) -> Html {
    let anonymous = use_state(|| props.policy.anonymous.to_string());
    let registered = use_state(|| props.policy.registered.to_string());
    let period = use_state(|| props.policy.period_days.to_string());
    let per_address = use_state(|| props.policy.per_address.to_string());
    let said = use_state(Said::default);
    let save = {
        let fields = (anonymous.clone(), registered.clone(), period.clone(), per_address.clone());
        let said = said.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let number = |value: &UseStateHandle<String>| value.trim().parse::<u32>().unwrap_or(u32::MAX);
            let body = MeterPolicy {
                anonymous: number(&fields.0),
                registered: number(&fields.1),
                period_days: number(&fields.2),
                per_address: number(&fields.3),
            };
            view::run(&said, async move {
                let saved = api::send::<_, MeterPolicy>("PUT", "/v1/admin/meter", &body, None).await;
                Said::of(&saved, "The meter is saved.")
            });
        })
    };
    html! {
        <section aria-labelledby="meter" class="panel">
            <h2 id="meter">{ "The meter" }</h2>
            <form onsubmit={save}>
                <fieldset disabled={!props.editor}>
                    <legend class="visually-hidden">{ "The meter" }</legend>
                    { view::field("meter-anonymous", "Free articles for visitors nobody signed in", &anonymous, "number", Some("0 turns the meter off for them.")) }
                    { view::field("meter-registered", "More free articles once signed up", &registered, "number", None) }
                    { view::field("meter-period", "Period, days", &period, "number", Some("A rolling period: an article leaves the count this many days after it was read.")) }
                    { view::field("meter-address", "Anonymous visitors one network address may start per period", &per_address, "number", None) }
                    <button type="submit">{ "Save the meter" }</button>
                </fieldset>
            </form>
            { view::said(&said) }
        </section>
    }
}

#[derive(Clone, PartialEq, Properties)]
struct GiftProps {
    policy: GiftPolicy,
    editor: bool,
}

#[function_component(GiftForm)]
fn gift_form(props: &GiftProps) -> Html {
    let allowance = use_state(|| props.policy.monthly_allowance.to_string());
    let days = use_state(|| props.policy.days.to_string());
    let reach = use_state(|| props.policy.reach.to_string());
    let said = use_state(Said::default);
    let save = {
        let fields = (allowance.clone(), days.clone(), reach.clone());
        let said = said.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let number = |value: &UseStateHandle<String>| value.trim().parse::<u32>().unwrap_or(u32::MAX);
            let body = GiftPolicy {
                monthly_allowance: number(&fields.0),
                days: number(&fields.1),
                reach: number(&fields.2),
            };
            view::run(&said, async move {
                let saved = api::send::<_, GiftPolicy>("PUT", "/v1/admin/gift-policy", &body, None).await;
                Said::of(&saved, "Gift links are saved.")
            });
        })
    };
    html! {
        <section aria-labelledby="gifts" class="panel">
            <h2 id="gifts">{ "Gift links" }</h2>
            <form onsubmit={save}>
                <fieldset disabled={!props.editor}>
                    <legend class="visually-hidden">{ "Gift links" }</legend>
                    { view::field("gift-allowance", "Links a subscriber may make a month", &allowance, "number", Some("0 turns gift links off.")) }
                    { view::field("gift-days", "Days a link works", &days, "number", None) }
                    { view::field("gift-reach", "Browsers a link opens the article in", &reach, "number", None) }
                    <button type="submit">{ "Save gift links" }</button>
                </fieldset>
            </form>
            { view::said(&said) }
        </section>
    }
}
