//! The numbers: subscriptions and revenue now, starts and ends per day, and what each article
//! sells (its funnel), each with how it is counted.

use paywall_protocol::admin::{Funnel, Stats, SubscriptionStatus};
use yew::prelude::*;

use crate::chart::{self, Series};
use crate::view::{self, Load, PageProps, money, rate, use_load};

/// The period every number covers.
const DAYS: i64 = 30;

/// The last [`DAYS`] days (UTC), oldest first, as `YYYY-MM-DD`.
fn period() -> Vec<String> {
    let now = js_sys::Date::now();
    (0..DAYS)
        .rev()
        .map(|ago| {
            let day = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(now - ago as f64 * 86_400_000.0));
            String::from(day.to_iso_string()).chars().take(10).collect()
        })
        .collect()
}

#[function_component(Overview)]
pub fn overview(_props: &PageProps) -> Html {
    let (stats, _) = use_load::<Stats>(format!("/v1/admin/stats?days={DAYS}"));
    let (funnel, _) = use_load::<Funnel>(format!("/v1/admin/funnel?days={DAYS}"));
    html! {
        <>
            <h1 tabindex="-1">{ "Overview" }</h1>
            { view::not_ready(&stats) }
            if let Load::Ready(stats) = &stats { { numbers(stats) } }
            { view::not_ready(&funnel) }
            if let Load::Ready(funnel) = &funnel { { funnel_table(funnel) } }
        </>
    }
}

fn numbers(stats: &Stats) -> Html {
    let paying = |status: &SubscriptionStatus| {
        matches!(status, SubscriptionStatus::Active | SubscriptionStatus::PastDue)
    };
    let mut tiers: Vec<(String, i64, i64)> = Vec::new();
    for count in &stats.subscriptions {
        let row = match tiers.iter_mut().find(|(tier, _, _)| *tier == count.tier) {
            Some(row) => row,
            None => {
                tiers.push((count.tier.clone(), 0, 0));
                tiers.last_mut().expect("just pushed")
            }
        };
        if paying(&count.status) {
            row.1 += count.count;
        } else if count.status == SubscriptionStatus::Trialing {
            row.2 += count.count;
        }
    }
    let days = period();
    let on = |day: &String, pick: fn(&paywall_protocol::admin::DayCount) -> i64| {
        stats.days.iter().find(|count| count.day == *day).map_or(0, pick)
    };
    let started =
        Series { name: "Started", values: days.iter().map(|day| on(day, |count| count.started)).collect() };
    let ended =
        Series { name: "Ended", values: days.iter().map(|day| on(day, |count| count.ended)).collect() };
    html! {
        <>
            <section aria-labelledby="now">
                <h2 id="now">{ "Now" }</h2>
                <dl class="metrics">
                    <div>
                        <dt>{ "Monthly recurring revenue" }</dt>
                        <dd class="figure">
                            if stats.monthly_recurring_revenue.is_empty() { { "0" } }
                            { for stats.monthly_recurring_revenue.iter().map(|amount| html! {
                                <span>{ money(amount.amount, &amount.currency) }</span>
                            }) }
                        </dd>
                        <dd class="definition">{ "Paid subscriptions that are active or past due, a yearly price counted as a twelfth each month. Trials and complimentary subscriptions are not revenue and are left out." }</dd>
                    </div>
                    <div>
                        <dt>{ format!("Free trials started, last {DAYS} days") }</dt>
                        <dd class="figure">{ stats.trials.started }</dd>
                        <dd>{ format!("{} went on paying ({}), {} ended in their trial, {} still in it.",
                            stats.trials.converted,
                            rate(stats.trials.converted, stats.trials.converted + stats.trials.ended),
                            stats.trials.ended, stats.trials.running) }</dd>
                        <dd class="definition">{ "A trial converts when it is over and the subscription goes on; the rate is of the trials that are over." }</dd>
                    </div>
                    <div>
                        <dt>{ "Gift links" }</dt>
                        <dd class="figure">{ format!("{} made, opened in {} browsers", stats.gifts_made, stats.gift_opens) }</dd>
                        <dd class="definition">{ format!("Links subscribers made in the last {DAYS} days, and the browsers they opened an article in.") }</dd>
                    </div>
                </dl>
                <div class="scroll" tabindex="0" role="region" aria-label="Subscriptions by tier"><table>
                    <caption>{ "Subscriptions by tier" }</caption>
                    <thead><tr><th scope="col">{ "Tier" }</th><th scope="col">{ "Paying or given" }</th><th scope="col">{ "In a trial" }</th></tr></thead>
                    <tbody>
                        { for tiers.iter().map(|(tier, paying, trialing)| html! {
                            <tr><th scope="row">{ tier }</th><td>{ paying }</td><td>{ trialing }</td></tr>
                        }) }
                    </tbody>
                </table></div>
                <p class="definition">{ "Paying or given: active or past due, complimentary ones included. A subscription in a trial counts here until its first payment moves it to paying." }</p>
            </section>
            <section aria-labelledby="revenue">
                <h2 id="revenue">{ format!("Monthly recurring revenue, last {DAYS} days") }</h2>
                <p class="definition">{ "At the end of each day: the paid subscriptions that had begun, were past any free trial and had not ended. Only the days it changed are listed." }</p>
                <table class="compact">
                    <caption>{ "Monthly recurring revenue on the days it changed" }</caption>
                    <thead><tr><th scope="col">{ "Day" }</th><th scope="col">{ "Revenue" }</th></tr></thead>
                    <tbody>
                        { for stats.revenue_by_day.iter().enumerate()
                            .filter(|(index, day)| *index == 0 || stats.revenue_by_day.iter().rev()
                                .skip(stats.revenue_by_day.len() - index)
                                .find(|earlier| earlier.currency == day.currency)
                                .is_none_or(|earlier| earlier.amount != day.amount))
                            .map(|(_, day)| html! {
                                <tr><th scope="row">{ &day.day }</th><td>{ money(day.amount, &day.currency) }</td></tr>
                            }) }
                    </tbody>
                </table>
            </section>
            <section aria-labelledby="churn">
                <h2 id="churn">{ format!("Started and ended, last {DAYS} days") }</h2>
                <p class="definition">{ "A subscription is counted as started on the day it was sold or given, and as ended on the day it stopped opening its tier (a cancellation counts when it takes effect, not when it is asked for)." }</p>
                <figure>
                    { chart::days(&days, &started, &ended) }
                    <figcaption>{ "Solid line with circles: started. Dashed line with triangles: ended. The same numbers are in the table below." }</figcaption>
                </figure>
                <table class="compact">
                    <caption>{ "Subscriptions started and ended each day" }</caption>
                    <thead><tr><th scope="col">{ "Day" }</th><th scope="col">{ "Started" }</th><th scope="col">{ "Ended" }</th></tr></thead>
                    <tbody>
                        { for days.iter().zip(started.values.iter().zip(&ended.values)).filter(|(_, (s, e))| **s > 0 || **e > 0).map(|(day, (s, e))| html! {
                            <tr><th scope="row">{ day }</th><td>{ s }</td><td>{ e }</td></tr>
                        }) }
                    </tbody>
                </table>
            </section>
        </>
    }
}

fn funnel_table(funnel: &Funnel) -> Html {
    html! {
        <section aria-labelledby="funnel">
            <h2 id="funnel">{ "What sells, per article" }</h2>
            <p class="definition">{ format!("Since {}. Counts of what happened on each article's prompt, never of people: no reader, browser or address is stored with them. Rates: sign-ins opened and checkouts of prompts shown, sign-ins of sign-ins opened, paid of checkouts. Paid: subscriptions bought from the article's prompt.", funnel.since) }</p>
            if funnel.articles.is_empty() {
                <p>{ "Nothing counted yet." }</p>
            } else {
                <div class="scroll wide" tabindex="0" role="region" aria-label="Funnel per article">
                <table>
                    <caption>{ "Funnel per article, most subscriptions first" }</caption>
                    <thead><tr>
                        <th scope="col">{ "Article" }</th><th scope="col">{ "Prompt shown" }</th><th scope="col">{ "Sign-in opened" }</th>
                        <th scope="col">{ "Signed in" }</th><th scope="col">{ "Checkout" }</th><th scope="col">{ "Paid" }</th>
                        <th scope="col">{ "Meter" }</th><th scope="col">{ "Gift opens" }</th>
                    </tr></thead>
                    <tbody>
                        { for funnel.articles.iter().map(|article| html! {
                            <tr>
                                <th scope="row">{ &article.article_id }</th>
                                <td>{ article.prompt_shown }</td>
                                <td>{ article.sign_in_opened }<span class="rate">{ rate(article.sign_in_opened, article.prompt_shown) }</span></td>
                                <td>{ article.signed_in }<span class="rate">{ rate(article.signed_in, article.sign_in_opened) }</span></td>
                                <td>{ article.checkout_started }<span class="rate">{ rate(article.checkout_started, article.prompt_shown) }</span></td>
                                <td>{ article.subscribed }<span class="rate">{ rate(article.subscribed, article.checkout_started) }</span></td>
                                <td>{ article.meter_spent }</td>
                                <td>{ article.gift_opened }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                </div>
            }
        </section>
    }
}
