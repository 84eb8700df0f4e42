//! Every article: found by id or title, opened to edit, or added from an HTML or Markdown file.

use paywall_protocol::admin::{ArticleFile, ArticleImported, ArticlePage, StaffRole};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::route::Route;
use crate::view::{self, Load, PageProps, Said, use_load};

#[function_component(Articles)]
pub fn articles(props: &PageProps) -> Html {
    let (page, reload) = use_load::<ArticlePage>("/v1/admin/articles?limit=500".into());
    let search = use_state(String::new);
    let said = use_state(Said::default);
    let report = use_state(|| None::<ArticleImported>);
    // A file whose article exists already, held until the staff member says to replace it.
    let held = use_state(|| None::<ArticleFile>);
    let send = {
        let (said, report, reload, held) = (said.clone(), report.clone(), reload.clone(), held.clone());
        Callback::from(move |body: ArticleFile| {
            let (report, reload, held) = (report.clone(), reload.clone(), held.clone());
            view::run(&said, async move {
                match api::send::<_, ArticleImported>("POST", "/v1/admin/article-files", &body, None).await {
                    Ok((imported, _)) => {
                        let words =
                            format!("{}: {} article {:?}.", body.filename, imported.outcome, imported.id);
                        held.set(None);
                        report.set(Some(imported));
                        reload.emit(());
                        Said::Done(words)
                    }
                    Err(error) => {
                        held.set((error.status == 409).then_some(ArticleFile { replace: true, ..body }));
                        Said::Failed(error.message)
                    }
                }
            });
        })
    };
    let upload = {
        let (said, send) = (said.clone(), send.clone());
        Callback::from(move |event: Event| {
            let Some(input) = event.target().and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
            input.set_value("");
            let (said, send) = (said.clone(), send.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match JsFuture::from(file.text()).await.ok().and_then(|text| text.as_string()) {
                    Some(text) => send.emit(ArticleFile { filename: file.name(), text, replace: false }),
                    None => said.set(Said::Failed(format!("{} could not be read.", file.name()))),
                }
            });
        })
    };
    let replace = {
        let (send, held) = (send.clone(), held.clone());
        Callback::from(move |_| {
            if let Some(file) = (*held).clone() {
                send.emit(file);
            }
        })
    };
    let needle = search.to_lowercase();
    html! {
        <>
            <h1 tabindex="-1">{ "Articles" }</h1>
            if props.may(StaffRole::Editor) {
                <section aria-labelledby="add" class="panel">
                    <h2 id="add">{ "Add or replace from a file" }</h2>
                    <div class="field">
                        <label for="file">{ "HTML or Markdown file" }</label>
                        <input id="file" type="file" accept=".md,.markdown,.html,.htm,text/markdown,text/html"
                            aria-describedby="file-hint" onchange={upload} />
                        <p class="hint" id="file-hint">{ "Everything after a line <!-- paywall --> is locked; each second-level heading starts a locked section. The id is the file's name unless its front matter names one." }</p>
                    </div>
                    { view::said(&said) }
                    if let Some(file) = &*held {
                        <button type="button" onclick={replace}>{ format!("Replace it with {}", file.filename) }</button>
                    }
                    if let Some(report) = &*report {
                        <dl class="report">
                            <dt>{ "Title" }</dt><dd>{ &report.title }</dd>
                            <dt>{ "Tier" }</dt><dd>{ &report.tier }</dd>
                            <dt>{ "Locked sections" }</dt><dd>{ report.locked_sections }</dd>
                            <dt>{ "Taken out as unsafe" }</dt><dd>{ if report.removed.is_empty() { "nothing".to_owned() } else { report.removed.clone() } }</dd>
                        </dl>
                    }
                </section>
            }
            <div class="field search">
                <label for="search">{ "Find an article" }</label>
                <input id="search" type="search" value={(*search).clone()} oninput={view::keep(&search)} />
            </div>
            { view::not_ready(&page) }
            if let Load::Ready(page) = &page {
                <div class="scroll" tabindex="0" role="region" aria-label="The articles"><table>
                    <caption>{ format!("{} articles", page.articles.len()) }</caption>
                    <thead><tr><th scope="col">{ "Title" }</th><th scope="col">{ "Id" }</th><th scope="col">{ "Tier" }</th><th scope="col">{ "Locked sections" }</th></tr></thead>
                    <tbody>
                        { for page.articles.iter()
                            .filter(|article| needle.is_empty() || article.id.to_lowercase().contains(&needle) || article.title.to_lowercase().contains(&needle))
                            .map(|article| {
                                let route = Route::Article(article.id.clone());
                                let go = props.go.clone();
                                let to = route.clone();
                                let onclick = Callback::from(move |event: MouseEvent| { event.prevent_default(); go.emit(to.clone()); });
                                html! {
                                    <tr>
                                        <th scope="row"><a href={route.path()} {onclick}>{ &article.title }</a></th>
                                        <td><code>{ &article.id }</code></td>
                                        <td>{ &article.tier }</td>
                                        <td>{ article.locked_sections }</td>
                                    </tr>
                                }
                            }) }
                    </tbody>
                </table></div>
            }
        </>
    }
}
