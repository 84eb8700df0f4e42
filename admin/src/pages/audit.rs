//! The audit log: every write through the admin API, the dashboard and the command line,
//! newest first, a page at a time.

use paywall_protocol::admin::{AuditEntry, AuditPage};
use yew::prelude::*;

use crate::view::{self, Load, PageProps, use_load};

#[function_component(Audit)]
pub fn audit(_props: &PageProps) -> Html {
    let before = use_state(|| None::<i64>);
    let shown = use_state(Vec::<AuditEntry>::new);
    let path = match *before {
        Some(before) => format!("/v1/admin/audit?limit=50&before={before}"),
        None => "/v1/admin/audit?limit=50".to_owned(),
    };
    let (page, _) = use_load::<AuditPage>(path);
    let next = match &page {
        Load::Ready(page) => page.next_before,
        _ => None,
    };
    {
        let shown = shown.clone();
        use_effect_with(page.clone(), move |page| {
            if let Load::Ready(page) = page {
                let mut entries = (*shown).clone();
                entries.extend(
                    page.entries
                        .iter()
                        .filter(|entry| !entries.iter().any(|had| had.id == entry.id))
                        .cloned()
                        .collect::<Vec<_>>(),
                );
                shown.set(entries);
            }
        });
    }
    let older = {
        let before = before.clone();
        Callback::from(move |_| before.set(next))
    };
    html! {
        <>
            <h1 tabindex="-1">{ "Audit log" }</h1>
            <div class="scroll" tabindex="0" role="region" aria-label="The audit log"><table>
                <caption>{ "Every change, newest first, and who made it" }</caption>
                <thead><tr><th scope="col">{ "When" }</th><th scope="col">{ "Who" }</th><th scope="col">{ "What" }</th><th scope="col">{ "To" }</th><th scope="col">{ "Detail" }</th></tr></thead>
                <tbody>{ for shown.iter().map(|entry| html! {
                    <tr>
                        <th scope="row">{ view::when(entry.at) }</th>
                        <td>{ &entry.actor }</td>
                        <td><code>{ &entry.action }</code></td>
                        <td>{ &entry.target }</td>
                        <td>{ &entry.detail }</td>
                    </tr>
                }) }</tbody>
            </table></div>
            { view::not_ready(&page) }
            if next.is_some() { <button type="button" onclick={older}>{ "Older entries" }</button> }
        </>
    }
}
