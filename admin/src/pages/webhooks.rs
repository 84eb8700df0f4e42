//! Outbound webhooks: endpoints (added, switched off, deleted, their secret rotated) and each
//! one's deliveries, retried by hand.

use paywall_protocol::admin::{
    DeliveryStatus, StaffRole, WebhookDeliveries, WebhookEndpoint, WebhookEndpointSettings, WebhookEndpoints,
    WebhookEventType,
};
use yew::prelude::*;

use crate::api;
use crate::view::{self, Load, PageProps, Said, use_load};

#[function_component(Webhooks)]
pub fn webhooks(props: &PageProps) -> Html {
    let (endpoints, reload) = use_load::<WebhookEndpoints>("/v1/admin/webhooks".into());
    let said = use_state(Said::default);
    let secret = use_state(|| None::<String>);
    let url = use_state(String::new);
    let description = use_state(String::new);
    let owner = props.may(StaffRole::Owner);
    let open = use_state(|| None::<i64>);
    let add = {
        let (said, secret, url, description, reload) =
            (said.clone(), secret.clone(), url.clone(), description.clone(), reload.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let body = WebhookEndpointSettings {
                url: (*url).clone(),
                events: WebhookEventType::ALL.to_vec(),
                description: (*description).clone(),
                active: true,
            };
            let (secret, reload) = (secret.clone(), reload.clone());
            view::run(&said, async move {
                match api::send::<_, WebhookEndpoint>("POST", "/v1/admin/webhooks", &body, None).await {
                    Ok((endpoint, _)) => {
                        secret.set(endpoint.secret);
                        reload.emit(());
                        Said::Done("Endpoint added. Its signing secret is shown below this once.".into())
                    }
                    Err(error) => Said::Failed(error.message),
                }
            });
        })
    };
    let act = |endpoint: &WebhookEndpoint, what: &'static str| {
        let (said, secret, reload, id) = (said.clone(), secret.clone(), reload.clone(), endpoint.id);
        let mut settings = endpoint.settings.clone();
        settings.active = !settings.active;
        Callback::from(move |_| {
            let (secret, reload, settings) = (secret.clone(), reload.clone(), settings.clone());
            view::run(&said, async move {
                let path = format!("/v1/admin/webhooks/{id}");
                let done = match what {
                    "rotate" => match api::send::<_, WebhookEndpoint>(
                        "POST",
                        &format!("{path}/rotate-secret"),
                        &serde_json::json!({}),
                        None,
                    )
                    .await
                    {
                        Ok((endpoint, _)) => {
                            secret.set(endpoint.secret);
                            Ok(())
                        }
                        Err(error) => Err(error),
                    },
                    "delete" => api::act("DELETE", &path, None, None).await,
                    _ => api::send::<_, WebhookEndpoint>("PUT", &path, &settings, None).await.map(drop),
                };
                reload.emit(());
                Said::of(
                    &done,
                    match what {
                        "rotate" => {
                            "New secret made; the old one works for a day more. It is shown below this once."
                        }
                        "delete" => "Endpoint deleted.",
                        _ => "Endpoint changed.",
                    },
                )
            });
        })
    };
    html! {
        <>
            <h1 tabindex="-1">{ "Webhooks" }</h1>
            { view::said(&said) }
            if let Some(secret) = &*secret {
                <p class="secret">{ "Signing secret: " }<code>{ secret }</code></p>
            }
            { view::not_ready(&endpoints) }
            if let Load::Ready(endpoints) = &endpoints {
                if endpoints.endpoints.is_empty() { <p>{ "No endpoints yet." }</p> }
                { for endpoints.endpoints.iter().map(|endpoint| {
                    let shown = *open == Some(endpoint.id);
                    let toggle = { let (open, id) = (open.clone(), endpoint.id); Callback::from(move |_| open.set(if shown { None } else { Some(id) })) };
                    html! {
                        <section class="panel" aria-label={endpoint.settings.url.clone()}>
                            <h2>{ &endpoint.settings.url }</h2>
                            <p>{ format!("{} · {}", if endpoint.settings.active { "on" } else { "off" }, endpoint.settings.events.iter().map(|event| event.as_str()).collect::<Vec<_>>().join(", ")) }</p>
                            <div class="actions">
                                <button type="button" class="quiet" aria-expanded={shown.to_string()} onclick={toggle}>{ "Deliveries" }</button>
                                if owner {
                                    <button type="button" class="quiet" onclick={act(endpoint, "active")}>{ if endpoint.settings.active { "Switch off" } else { "Switch on" } }</button>
                                    <button type="button" class="quiet" onclick={act(endpoint, "rotate")}>{ "Rotate the secret" }</button>
                                    <button type="button" class="danger" onclick={act(endpoint, "delete")}>{ "Delete" }</button>
                                }
                            </div>
                            if shown { <Deliveries id={endpoint.id} {owner} /> }
                        </section>
                    }
                }) }
            }
            if owner {
                <section aria-labelledby="add-endpoint" class="panel">
                    <h2 id="add-endpoint">{ "Add an endpoint" }</h2>
                    <form onsubmit={add}>
                        { view::field("hook-url", "URL", &url, "url", Some("https://, receiving every event type, signed as Standard Webhooks do.")) }
                        { view::field("hook-description", "What it is for", &description, "text", None) }
                        <button type="submit">{ "Add" }</button>
                    </form>
                </section>
            }
        </>
    }
}

#[derive(Clone, PartialEq, Properties)]
struct DeliveriesProps {
    id: i64,
    owner: bool,
}

#[function_component(Deliveries)]
fn deliveries(props: &DeliveriesProps) -> Html {
    let (deliveries, reload) =
        use_load::<WebhookDeliveries>(format!("/v1/admin/webhooks/{}/deliveries", props.id));
    let said = use_state(Said::default);
    let retry = |delivery: i64| {
        let (said, reload, id) = (said.clone(), reload.clone(), props.id);
        Callback::from(move |_| {
            let reload = reload.clone();
            view::run(&said, async move {
                let done = api::act(
                    "POST",
                    &format!("/v1/admin/webhooks/{id}/deliveries/{delivery}/retry"),
                    None,
                    None,
                )
                .await;
                reload.emit(());
                Said::of(&done, "Queued to be sent again.")
            });
        })
    };
    html! {
        <>
            { view::said(&said) }
            { view::not_ready(&deliveries) }
            if let Load::Ready(deliveries) = &deliveries {
                <div class="scroll" tabindex="0" role="region" aria-label="Deliveries"><table>
                    <caption>{ "Deliveries, newest first" }</caption>
                    <thead><tr><th scope="col">{ "Event" }</th><th scope="col">{ "State" }</th><th scope="col">{ "Tries" }</th><th scope="col">{ "Last answer" }</th><th scope="col"><span class="visually-hidden">{ "Actions" }</span></th></tr></thead>
                    <tbody>{ for deliveries.deliveries.iter().map(|delivery| html! {
                        <tr>
                            <th scope="row">{ format!("{} ({})", delivery.event_type, view::when(delivery.created_at)) }</th>
                            <td>{ delivery.status.as_str() }</td>
                            <td>{ delivery.attempts }</td>
                            <td>{ delivery.last_status_code.map(|code| code.to_string()).or(delivery.last_error.clone()).unwrap_or_default() }</td>
                            <td>if props.owner && delivery.status != DeliveryStatus::Pending {
                                <button type="button" class="quiet" onclick={retry(delivery.id)}>{ "Send again" }</button>
                            }</td>
                        </tr>
                    }) }</tbody>
                </table></div>
            }
        </>
    }
}
