//! One reader: their subscriptions (ending one, giving one), and their sessions (signing them
//! out everywhere).

use paywall_protocol::admin::{Grant, ReaderDetail, SignedOut, StaffRole, Tiers};
use yew::prelude::*;

use crate::api;
use crate::route::Route;
use crate::view::{self, Load, PageProps, Said, use_load};

#[derive(Clone, PartialEq, Properties)]
pub struct ReaderProps {
    pub me: paywall_protocol::admin::Me,
    pub go: Callback<Route>,
    pub id: i64,
}

#[function_component(ReaderPage)]
pub fn reader_page(props: &ReaderProps) -> Html {
    let path = format!("/v1/admin/readers/{}", props.id);
    let (detail, reload) = use_load::<ReaderDetail>(path.clone());
    let (tiers, _) = use_load::<Tiers>("/v1/admin/tiers".into());
    let said = use_state(Said::default);
    let tier = use_state(String::new);
    let days = use_state(|| "30".to_owned());
    let owner = PageProps { me: props.me.clone(), go: props.go.clone() }.may(StaffRole::Owner);

    let paid_tiers: Vec<(String, String)> = match &tiers {
        Load::Ready(tiers) => {
            tiers.tiers.iter().skip(2).map(|tier| (tier.name.clone(), tier.label.clone())).collect()
        }
        _ => Vec::new(),
    };
    if tier.is_empty()
        && let Some((first, _)) = paid_tiers.first()
    {
        tier.set(first.clone());
    }
    let comp = {
        let (said, tier, days, reload, path) =
            (said.clone(), tier.clone(), days.clone(), reload.clone(), path.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Ok(days) = days.trim().parse::<u32>() else {
                said.set(Said::Failed("Days must be a whole number, 1 to 3660.".into()));
                return;
            };
            let body = Grant { tier: (*tier).clone(), days };
            let (reload, path) = (reload.clone(), path.clone());
            view::run(&said, async move {
                let given =
                    api::send::<_, serde_json::Value>("POST", &format!("{path}/subscriptions"), &body, None)
                        .await;
                reload.emit(());
                Said::of(&given, format!("Gave a complimentary {} subscription for {days} days.", body.tier))
            });
        })
    };
    let sign_out = {
        let (said, reload, path) = (said.clone(), reload.clone(), path.clone());
        Callback::from(move |_| {
            let (reload, path) = (reload.clone(), path.clone());
            view::run(&said, async move {
                let done = api::send::<_, SignedOut>(
                    "POST",
                    &format!("{path}/sign-out"),
                    &serde_json::json!({}),
                    None,
                )
                .await;
                reload.emit(());
                match done {
                    Ok((out, _)) => Said::Done(format!("Signed out of {} sessions.", out.sessions_ended)),
                    Err(error) => Said::Failed(error.message),
                }
            });
        })
    };
    let end = |id: i64| {
        let (said, reload) = (said.clone(), reload.clone());
        Callback::from(move |_| {
            let reload = reload.clone();
            view::run(&said, async move {
                let ended = api::act("POST", &format!("/v1/admin/subscriptions/{id}/end"), None, None).await;
                reload.emit(());
                Said::of(&ended, "Ended the subscription.")
            });
        })
    };
    let Load::Ready(detail) = &detail else {
        return html! { <><h1 tabindex="-1">{ "Reader" }</h1>{ view::not_ready(&detail) }</> };
    };
    html! {
        <>
            <h1 tabindex="-1">{ &detail.reader.email }</h1>
            <dl class="report">
                <dt>{ "Name" }</dt><dd>{ detail.reader.name.clone().unwrap_or_else(|| "–".into()) }</dd>
                <dt>{ "Joined" }</dt><dd>{ view::when(detail.reader.created_at) }</dd>
                <dt>{ "Email verified" }</dt><dd>{ if detail.reader.email_verified { "yes" } else { "no" } }</dd>
            </dl>
            { view::said(&said) }
            <section aria-labelledby="subscriptions">
                <h2 id="subscriptions">{ "Subscriptions" }</h2>
                if detail.subscriptions.is_empty() { <p>{ "None." }</p> } else {
                    <div class="scroll" tabindex="0" role="region" aria-label="Table of subscriptions"><table>
                        <caption>{ "Every subscription, newest first" }</caption>
                        <thead><tr><th scope="col">{ "Tier" }</th><th scope="col">{ "State" }</th><th scope="col">{ "Until" }</th><th scope="col">{ "From" }</th><th scope="col"><span class="visually-hidden">{ "Actions" }</span></th></tr></thead>
                        <tbody>{ for detail.subscriptions.iter().map(|subscription| html! {
                            <tr>
                                <th scope="row">{ &subscription.tier }</th>
                                <td>{ format!("{:?}", subscription.status).to_lowercase() }</td>
                                <td>{ view::when(subscription.current_period_end) }</td>
                                <td>{ format!("{:?}", subscription.source).to_lowercase() }</td>
                                <td>if owner && subscription.status != paywall_protocol::admin::SubscriptionStatus::Canceled {
                                    <button type="button" class="quiet" onclick={end(subscription.id)}
                                        aria-label={format!("End the {} subscription", subscription.tier)}>{ "End" }</button>
                                }</td>
                            </tr>
                        }) }</tbody>
                    </table></div>
                }
                if owner {
                    <form class="inline" onsubmit={comp}>
                        <h3>{ "Give a complimentary subscription" }</h3>
                        { view::choice("comp-tier", "Tier", &tier, &paid_tiers) }
                        { view::field("comp-days", "Days", &days, "number", None) }
                        <button type="submit">{ "Give" }</button>
                    </form>
                }
            </section>
            <section aria-labelledby="gift-links">
                <h2 id="gift-links">{ "Gift links" }</h2>
                if detail.gifts.is_empty() { <p>{ "None in the last 90 days." }</p> } else {
                    <div class="scroll" tabindex="0" role="region" aria-label="Table of gift links"><table>
                        <caption>{ "Links this reader made, newest first" }</caption>
                        <thead><tr><th scope="col">{ "Article" }</th><th scope="col">{ "Opened in" }</th><th scope="col">{ "Works until" }</th></tr></thead>
                        <tbody>{ for detail.gifts.iter().map(|gift| html! {
                            <tr>
                                <th scope="row">{ &gift.article_id }</th>
                                <td>{ format!("{} of {} browsers", gift.opened, gift.reach) }</td>
                                <td>{ if gift.revoked { "withdrawn".to_owned() } else { view::when(gift.expires_at) } }</td>
                            </tr>
                        }) }</tbody>
                    </table></div>
                }
            </section>
            <section aria-labelledby="sessions">
                <h2 id="sessions">{ "Sessions" }</h2>
                <p>{ format!("{} signed-in devices.", detail.sessions.len()) }</p>
                if owner && !detail.sessions.is_empty() {
                    <button type="button" onclick={sign_out}>{ "Sign this reader out everywhere" }</button>
                }
            </section>
        </>
    }
}
