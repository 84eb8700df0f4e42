//! One article: its title, tier and locked sections, saved against the version loaded (a
//! change by someone else meanwhile is named, with a reload), a preview of the prompt readers
//! see, and deleting it.

use paywall_protocol::LockedSection;
use paywall_protocol::admin::{Article, StaffRole, Tiers};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::route::Route;
use crate::view::{self, Load, Said, use_load};

#[derive(Clone, PartialEq, Properties)]
pub struct ArticleProps {
    pub me: paywall_protocol::admin::Me,
    pub go: Callback<Route>,
    pub id: String,
}

/// The article as loaded, and the version it was.
#[derive(Clone, Debug, PartialEq)]
struct Loaded {
    article: Article,
    etag: String,
}

#[function_component(ArticleEditor)]
pub fn article_editor(props: &ArticleProps) -> Html {
    let path = format!("/v1/admin/articles/{}", api::encode(&props.id));
    let loaded = use_state(|| Load::<Loaded>::Loading);
    let draft = use_state(|| None::<Article>);
    let generation = use_state(|| 0_u32);
    let said = use_state(Said::default);
    let stale = use_state(|| false);
    let confirm_delete = use_state(|| false);
    let (tiers, _) = use_load::<Tiers>("/v1/admin/tiers".into());
    {
        let (loaded, draft) = (loaded.clone(), draft.clone());
        use_effect_with((path.clone(), *generation), move |(path, _)| {
            let path = path.clone();
            spawn_local(async move {
                match api::get_tagged::<Article>(&path).await {
                    Ok((article, etag)) => {
                        draft.set(Some(article.clone()));
                        loaded.set(Load::Ready(Loaded { article, etag }));
                    }
                    Err(error) => loaded.set(Load::Failed(error)),
                }
            });
        });
    }
    let editor = props.me.role >= StaffRole::Editor;
    let Some(article) = (*draft).clone() else {
        return html! { <><h1 tabindex="-1">{ format!("Article {}", props.id) }</h1>{ view::not_ready(&*loaded) }</> };
    };
    let etag = match &*loaded {
        Load::Ready(loaded) => loaded.etag.clone(),
        _ => String::new(),
    };
    let edit = |change: fn(&mut Article, String)| {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(mut article) = (*draft).clone() {
                change(&mut article, view::value_of(&event));
                draft.set(Some(article));
            }
        })
    };
    let edit_section = |index: usize, title: bool| {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(mut article) = (*draft).clone()
                && let Some(section) = article.sections.get_mut(index)
            {
                let value = view::value_of(&event);
                if title {
                    section.title = value
                } else {
                    section.html = value
                }
                draft.set(Some(article));
            }
        })
    };
    let choose_tier = {
        let draft = draft.clone();
        Callback::from(move |event: Event| {
            if let Some(mut article) = (*draft).clone() {
                article.tier = view::value_of(&event);
                draft.set(Some(article));
            }
        })
    };
    let add_section = {
        let draft = draft.clone();
        Callback::from(move |_| {
            if let Some(mut article) = (*draft).clone() {
                article.sections.push(LockedSection { title: String::new(), html: String::new() });
                draft.set(Some(article));
            }
        })
    };
    let remove_section = |index: usize| {
        let draft = draft.clone();
        Callback::from(move |_| {
            if let Some(mut article) = (*draft).clone() {
                article.sections.remove(index);
                draft.set(Some(article));
            }
        })
    };
    let save = {
        let (said, stale, loaded, draft, path, etag) =
            (said.clone(), stale.clone(), loaded.clone(), draft.clone(), path.clone(), etag.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(article) = (*draft).clone() else { return };
            let (stale, loaded, draft, path, etag) =
                (stale.clone(), loaded.clone(), draft.clone(), path.clone(), etag.clone());
            view::run(&said, async move {
                match api::send::<_, Article>("PUT", &path, &article, Some(&etag)).await {
                    Ok((stored, etag)) => {
                        draft.set(Some(stored.clone()));
                        loaded.set(Load::Ready(Loaded { article: stored, etag }));
                        Said::Done("Saved. Readers see the new version at their next load.".into())
                    }
                    Err(error) => {
                        stale.set(error.status == 412);
                        Said::Failed(error.message)
                    }
                }
            });
        })
    };
    let reload = {
        let (generation, stale, said) = (generation.clone(), stale.clone(), said.clone());
        Callback::from(move |_| {
            stale.set(false);
            said.set(Said::Done("Reloaded: this is the article as stored now.".into()));
            generation.set(*generation + 1);
        })
    };
    let delete = {
        let (said, confirm, go, path, etag) =
            (said.clone(), confirm_delete.clone(), props.go.clone(), path.clone(), etag.clone());
        Callback::from(move |_| {
            if !*confirm {
                confirm.set(true);
                return;
            }
            let (go, path, etag) = (go.clone(), path.clone(), etag.clone());
            view::run(&said, async move {
                let deleted = api::act("DELETE", &path, None, Some(&etag)).await;
                if deleted.is_ok() {
                    go.emit(Route::Articles);
                }
                Said::of(&deleted, "Deleted.")
            });
        })
    };
    let tier_options: Vec<(String, String)> = match &tiers {
        Load::Ready(tiers) => {
            tiers.tiers.iter().map(|tier| (tier.name.clone(), tier.label.clone())).collect()
        }
        _ => vec![(article.tier.clone(), article.tier.clone())],
    };
    let tier_label = tier_options
        .iter()
        .find(|(name, _)| *name == article.tier)
        .map_or(article.tier.clone(), |(_, label)| label.clone());
    html! {
        <>
            <h1 tabindex="-1">{ &article.title }</h1>
            <p><code>{ &props.id }</code></p>
            <form class="editor" onsubmit={save}>
                <fieldset disabled={!editor}>
                    <legend>{ "The article" }</legend>
                    <div class="field">
                        <label for="title">{ "Title" }</label>
                        <input id="title" value={article.title.clone()} oninput={edit(|article, value| article.title = value)} />
                    </div>
                    <div class="field">
                        <label for="tier">{ "Tier a reader needs" }</label>
                        <select id="tier" onchange={choose_tier}>
                            { for tier_options.iter().map(|(name, label)| html! {
                                <option value={name.clone()} selected={*name == article.tier}>{ format!("{label} ({name})") }</option>
                            }) }
                        </select>
                    </div>
                    { for article.sections.iter().enumerate().map(|(index, section)| html! {
                        <fieldset class="section">
                            <legend>{ format!("Locked section {}", index + 1) }</legend>
                            <div class="field">
                                <label for={format!("section-title-{index}")}>{ "Heading" }</label>
                                <input id={format!("section-title-{index}")} value={section.title.clone()} oninput={edit_section(index, true)} />
                            </div>
                            <div class="field">
                                <label for={format!("section-html-{index}")}>{ "Text (HTML; cleaned when saved)" }</label>
                                <textarea id={format!("section-html-{index}")} rows="6" value={section.html.clone()} oninput={edit_section(index, false)} />
                            </div>
                            <button type="button" class="quiet" onclick={remove_section(index)}>{ format!("Remove section {}", index + 1) }</button>
                        </fieldset>
                    }) }
                    <button type="button" class="quiet" onclick={add_section}>{ "Add a locked section" }</button>
                    <div class="actions">
                        <button type="submit">{ "Save" }</button>
                        <button type="button" class="danger" onclick={delete}>
                            { if *confirm_delete { "Really delete this article" } else { "Delete" } }
                        </button>
                    </div>
                </fieldset>
            </form>
            { view::said(&said) }
            if *stale { <button type="button" onclick={reload}>{ "Reload the stored version" }</button> }
            <section aria-labelledby="preview" class="panel">
                <h2 id="preview">{ "The prompt, as readers see it" }</h2>
                <div class="prompt-preview">
                    <p class="prompt-title">{ format!("The rest of this article is for {tier_label} subscribers") }</p>
                    <p>{ "Locked:" }</p>
                    <ul>{ for article.sections.iter().map(|section| html! { <li>{ &section.title }</li> }) }</ul>
                    <p class="prompt-actions"><span>{ "Subscribe" }</span><span>{ "Sign in" }</span></p>
                </div>
            </section>
        </>
    }
}
