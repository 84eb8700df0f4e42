//! Readers: found by email, added, moved in from a CSV file (every problem shown, line by line,
//! before anything is written) and out again.

use paywall_protocol::admin::{NewReader, Reader, ReaderPage, ReadersImport, StaffRole};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::route::Route;
use crate::view::{self, Load, PageProps, Said, use_load};

#[function_component(Readers)]
pub fn readers(props: &PageProps) -> Html {
    let query = use_state(String::new);
    let searched = use_state(String::new);
    let path = if searched.is_empty() {
        "/v1/admin/readers?limit=100".to_owned()
    } else {
        format!("/v1/admin/readers?email={}", api::encode(&searched))
    };
    let (page, reload) = use_load::<ReaderPage>(path);
    let said = use_state(Said::default);
    let new_email = use_state(String::new);
    let new_name = use_state(String::new);
    let csv = use_state(|| None::<(String, String)>);
    let checked = use_state(|| None::<ReadersImport>);
    let owner = props.may(StaffRole::Owner);

    let search = {
        let (query, searched) = (query.clone(), searched.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            searched.set(query.trim().to_owned());
        })
    };
    let add = {
        let (said, new_email, new_name, go) =
            (said.clone(), new_email.clone(), new_name.clone(), props.go.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let name = Some((*new_name).clone()).filter(|name| !name.trim().is_empty());
            let body = NewReader { email: (*new_email).clone(), name };
            let go = go.clone();
            view::run(&said, async move {
                match api::send::<_, Reader>("POST", "/v1/admin/readers", &body, None).await {
                    Ok((reader, _)) => {
                        go.emit(Route::Reader(reader.id));
                        Said::Done(format!("{} is a reader.", reader.email))
                    }
                    Err(error) => Said::Failed(error.message),
                }
            });
        })
    };
    let choose_csv = {
        let (said, csv, checked) = (said.clone(), csv.clone(), checked.clone());
        Callback::from(move |event: Event| {
            let Some(input) = event.target().and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
            let (csv, checked) = (csv.clone(), checked.clone());
            view::run(&said, async move {
                let Some(text) = JsFuture::from(file.text()).await.ok().and_then(|text| text.as_string())
                else {
                    return Said::Failed(format!("{} could not be read.", file.name()));
                };
                let result = api::post_text::<ReadersImport>(
                    "/v1/admin/readers/import?dry_run=true",
                    "text/csv",
                    text.clone(),
                )
                .await;
                match result {
                    Ok(report) => {
                        let words = if report.problems.is_empty() {
                            format!(
                                "{}: {} readers, no problems. Nothing is written until you import.",
                                file.name(),
                                report.rows
                            )
                        } else {
                            format!(
                                "{}: {} problems; nothing can be imported until they are mended.",
                                file.name(),
                                report.problems.len()
                            )
                        };
                        csv.set(Some((file.name(), text)));
                        checked.set(Some(report));
                        Said::Done(words)
                    }
                    Err(error) => Said::Failed(error.message),
                }
            });
        })
    };
    let import = {
        let (said, csv, checked, reload) = (said.clone(), csv.clone(), checked.clone(), reload.clone());
        Callback::from(move |_| {
            let Some((name, text)) = (*csv).clone() else { return };
            let (checked, csv, reload) = (checked.clone(), csv.clone(), reload.clone());
            view::run(&said, async move {
                match api::post_text::<ReadersImport>("/v1/admin/readers/import", "text/csv", text).await {
                    Ok(report) if report.written => {
                        let words = format!(
                            "{name} imported: {} readers added, {} updated; {} subscriptions added, {} updated; {} unchanged.",
                            report.readers_added,
                            report.readers_updated,
                            report.subscriptions_added,
                            report.subscriptions_updated,
                            report.unchanged
                        );
                        checked.set(None);
                        csv.set(None);
                        reload.emit(());
                        Said::Done(words)
                    }
                    Ok(report) => {
                        checked.set(Some(report));
                        Said::Failed(format!("{name} was not imported: see the problems below."))
                    }
                    Err(error) => Said::Failed(error.message),
                }
            });
        })
    };
    let export = {
        let said = said.clone();
        Callback::from(move |_| {
            view::run(&said, async move {
                match api::get_text("/v1/admin/readers/export").await {
                    Ok(text) => {
                        let day: String =
                            String::from(js_sys::Date::new_0().to_iso_string()).chars().take(10).collect();
                        view::download(&format!("readers-{day}.csv"), &text, "text/csv");
                        Said::Done(format!("Exported {} readers.", text.lines().count().saturating_sub(1)))
                    }
                    Err(error) => Said::Failed(error.message),
                }
            });
        })
    };

    html! {
        <>
            <h1 tabindex="-1">{ "Readers" }</h1>
            <form class="search" role="search" onsubmit={search}>
                { view::field("reader-email", "Find a reader by email", &query, "search", None) }
                <button type="submit">{ "Find" }</button>
            </form>
            { view::said(&said) }
            { view::not_ready(&page) }
            if let Load::Ready(page) = &page {
                <div class="scroll" tabindex="0" role="region" aria-label="The readers"><table>
                    <caption>{ if searched.is_empty() { "The first hundred readers".to_owned() } else { format!("Readers with the email {}", *searched) } }</caption>
                    <thead><tr><th scope="col">{ "Email" }</th><th scope="col">{ "Name" }</th><th scope="col">{ "Joined" }</th></tr></thead>
                    <tbody>
                        { for page.readers.iter().map(|reader| {
                            let route = Route::Reader(reader.id);
                            let (go, to) = (props.go.clone(), route.clone());
                            let onclick = Callback::from(move |event: MouseEvent| { event.prevent_default(); go.emit(to.clone()); });
                            html! {
                                <tr>
                                    <th scope="row"><a href={route.path()} {onclick}>{ &reader.email }</a></th>
                                    <td>{ reader.name.clone().unwrap_or_default() }</td>
                                    <td>{ view::when(reader.created_at) }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table></div>
                if page.readers.is_empty() { <p>{ "No reader has this email." }</p> }
            }
            if owner {
                <section aria-labelledby="add-reader" class="panel">
                    <h2 id="add-reader">{ "Add a reader" }</h2>
                    <form onsubmit={add}>
                        { view::field("new-email", "Email address", &new_email, "email", None) }
                        { view::field("new-name", "Name (optional)", &new_name, "text", None) }
                        <button type="submit">{ "Add" }</button>
                    </form>
                </section>
                <section aria-labelledby="csv" class="panel">
                    <h2 id="csv">{ "Move readers in and out" }</h2>
                    <div class="field">
                        <label for="csv-file">{ "Readers' CSV file to check" }</label>
                        <input id="csv-file" type="file" accept=".csv,text/csv" aria-describedby="csv-hint" onchange={choose_csv} />
                        <p class="hint" id="csv-hint">{ "Columns: email, name, tier, status, current_period_end, customer_id (only email is needed). The file is checked first; nothing is written until you import it." }</p>
                    </div>
                    if let Some(report) = &*checked {
                        if !report.problems.is_empty() {
                            <div class="scroll" tabindex="0" role="region" aria-label="Problems in the file"><table>
                                <caption>{ "Problems found: mend them and choose the file again" }</caption>
                                <thead><tr><th scope="col">{ "Line" }</th><th scope="col">{ "Problem" }</th></tr></thead>
                                <tbody>{ for report.problems.iter().map(|problem| html! {
                                    <tr><th scope="row">{ problem.line }</th><td>{ &problem.message }</td></tr>
                                }) }</tbody>
                            </table></div>
                        } else {
                            <button type="button" onclick={import}>{ format!("Import {} readers", report.rows) }</button>
                        }
                    }
                    <p><button type="button" onclick={export}>{ "Export every reader as CSV" }</button></p>
                </section>
            }
        </>
    }
}
