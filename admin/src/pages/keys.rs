//! API keys, for the publisher's machines: made (shown once), listed, revoked. Owners only.

use paywall_protocol::admin::{ApiKeys, CreatedApiKey, NewApiKey, StaffRole};
use yew::prelude::*;

use crate::api;
use crate::view::{self, Load, PageProps, Said, use_load};

#[function_component(Keys)]
pub fn keys(props: &PageProps) -> Html {
    if !props.may(StaffRole::Owner) {
        return html! {
            <><h1 tabindex="-1">{ "API keys" }</h1><p>{ "Only owners see and make API keys: a key may do everything an owner may." }</p></>
        };
    }
    html! { <KeyList /> }
}

#[function_component(KeyList)]
fn key_list() -> Html {
    let (keys, reload) = use_load::<ApiKeys>("/v1/admin/api-keys".into());
    let said = use_state(Said::default);
    let name = use_state(String::new);
    let days = use_state(String::new);
    let made = use_state(|| None::<String>);
    let create = {
        let (said, name, days, made, reload) =
            (said.clone(), name.clone(), days.clone(), made.clone(), reload.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let body = NewApiKey { name: (*name).clone(), days: days.trim().parse().ok() };
            let (made, reload) = (made.clone(), reload.clone());
            view::run(&said, async move {
                match api::send::<_, CreatedApiKey>("POST", "/v1/admin/api-keys", &body, None).await {
                    Ok((created, _)) => {
                        made.set(Some(created.key));
                        reload.emit(());
                        Said::Done("Key made. Copy it now: it is shown this once.".into())
                    }
                    Err(error) => Said::Failed(error.message),
                }
            });
        })
    };
    let revoke = |id: i64| {
        let (said, reload) = (said.clone(), reload.clone());
        Callback::from(move |_| {
            let reload = reload.clone();
            view::run(&said, async move {
                let done = api::act("DELETE", &format!("/v1/admin/api-keys/{id}"), None, None).await;
                reload.emit(());
                Said::of(&done, "Key revoked: it stops working at once.")
            });
        })
    };
    html! {
        <>
            <h1 tabindex="-1">{ "API keys" }</h1>
            { view::said(&said) }
            if let Some(key) = &*made { <p class="secret">{ "New key: " }<code>{ key }</code></p> }
            { view::not_ready(&keys) }
            if let Load::Ready(keys) = &keys {
                <div class="scroll" tabindex="0" role="region" aria-label="The keys"><table>
                    <caption>{ "Keys, newest first" }</caption>
                    <thead><tr><th scope="col">{ "Name" }</th><th scope="col">{ "Starts with" }</th><th scope="col">{ "Made" }</th><th scope="col">{ "Last used" }</th><th scope="col">{ "State" }</th></tr></thead>
                    <tbody>{ for keys.keys.iter().map(|key| html! {
                        <tr>
                            <th scope="row">{ &key.name }</th>
                            <td><code>{ &key.prefix }</code></td>
                            <td>{ view::when(key.created_at) }</td>
                            <td>{ key.last_used_at.map(view::when).unwrap_or_else(|| "never".into()) }</td>
                            <td>
                                if key.revoked_at.is_some() { { "revoked" } } else {
                                    <button type="button" class="danger" onclick={revoke(key.id)} aria-label={format!("Revoke {}", key.name)}>{ "Revoke" }</button>
                                }
                            </td>
                        </tr>
                    }) }</tbody>
                </table></div>
            }
            <section aria-labelledby="new-key" class="panel">
                <h2 id="new-key">{ "Make a key" }</h2>
                <form onsubmit={create}>
                    { view::field("key-name", "What it is for", &name, "text", Some("The audit log names the key by it.")) }
                    { view::field("key-days", "Days until it stops working (empty: never)", &days, "number", None) }
                    <button type="submit">{ "Make the key" }</button>
                </form>
            </section>
        </>
    }
}
