//! The dashboard: signing in (the emailed link's token, or asking for one), then the page the
//! address names, inside the navigation every page shares.

use gloo_events::EventListener;
use paywall_protocol::admin::{Me, StaffLinkToken, StaffSignIn};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::pages;
use crate::route::{MENU, Route};
use crate::view::{self, PageProps, Said};

/// Who is signed in.
#[derive(Clone, Debug, PartialEq)]
enum Who {
    /// Being found out.
    Asking,
    /// Nobody: the sign-in page, perhaps with why.
    Nobody(Option<String>),
    /// A staff member (or, in a browser, never an API key).
    Staff(Me),
}

/// The link's token, if the address carries one (`#token=…`); taken out of the address at once,
/// so it is neither bookmarked nor left in the history.
fn take_token() -> Option<String> {
    let window = web_sys::window()?;
    let hash = window.location().hash().ok()?;
    let token = hash.strip_prefix("#token=")?.to_owned();
    let path = window.location().pathname().ok()?;
    let _ = window.history().ok()?.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    Some(token)
}

#[function_component(App)]
pub fn app() -> Html {
    let who = use_state(|| Who::Asking);
    let route = use_state(Route::current);
    {
        let who = who.clone();
        use_effect_with((), move |()| {
            spawn_local(async move {
                let answer = match take_token() {
                    Some(token) => {
                        let body = StaffLinkToken { token };
                        api::send::<_, Me>("POST", "/v1/admin/session", &body, None).await.map(|(me, _)| me)
                    }
                    None => api::get::<Me>("/v1/admin/me").await,
                };
                who.set(match answer {
                    Ok(me) => Who::Staff(me),
                    Err(error) if error.signed_out() && error.message.contains("link") => {
                        Who::Nobody(Some(error.message))
                    }
                    Err(error) if error.signed_out() => Who::Nobody(None),
                    Err(error) => Who::Nobody(Some(error.message)),
                });
            });
        });
    }
    {
        let route = route.clone();
        use_effect_with((), move |()| {
            let listener = web_sys::window()
                .map(|window| EventListener::new(&window, "popstate", move |_| route.set(Route::current())));
            move || drop(listener)
        });
    }
    let go = {
        let route = route.clone();
        Callback::from(move |next: Route| {
            next.push();
            route.set(next);
        })
    };
    // A new page: its heading takes the focus, so a screen reader says where the reader is,
    // and the document's title names it.
    use_effect_with((*route).clone(), |_| {
        if let Some(document) = web_sys::window().and_then(|window| window.document())
            && let Some(heading) = document.query_selector("main h1").ok().flatten()
            && let Ok(heading) = heading.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = heading.focus();
            document
                .set_title(&format!("{} · Paywall dashboard", heading.text_content().unwrap_or_default()));
        }
    });

    match &*who {
        Who::Asking => html! { <main id="main"><p role="status">{ "Loading the dashboard…" }</p></main> },
        Who::Nobody(why) => html! { <SignIn why={why.clone()} /> },
        Who::Staff(me) => {
            let signed_out = {
                let who = who.clone();
                Callback::from(move |why: Option<String>| who.set(Who::Nobody(why)))
            };
            let props = PageProps { me: me.clone(), go: go.clone() };
            html! {
                <>
                    <a class="skip" href="#main">{ "Skip to the page" }</a>
                    <header class="top">
                        <p class="brand">{ "Paywall dashboard" }</p>
                        <Account me={me.clone()} {signed_out} />
                    </header>
                    <div class="frame">
                        <nav aria-label="Dashboard">
                            <ul>
                                { for MENU.iter().map(|(page, name)| menu_item(page, name, &route, &go)) }
                            </ul>
                        </nav>
                        <main id="main" tabindex="-1">{ page(&route, props) }</main>
                    </div>
                </>
            }
        }
    }
}

fn menu_item(page: &Route, name: &str, current: &Route, go: &Callback<Route>) -> Html {
    let here = page == current
        || matches!(
            (page, current),
            (Route::Articles, Route::Article(_)) | (Route::Readers, Route::Reader(_))
        );
    let onclick = {
        let (page, go) = (page.clone(), go.clone());
        Callback::from(move |event: MouseEvent| {
            if !(event.ctrl_key() || event.meta_key() || event.shift_key()) {
                event.prevent_default();
                go.emit(page.clone());
            }
        })
    };
    html! {
        <li><a href={page.path()} aria-current={here.then_some("page")} {onclick}>{ name }</a></li>
    }
}

fn page(route: &Route, props: PageProps) -> Html {
    let PageProps { me, go } = props;
    match route {
        Route::Overview => html! { <pages::overview::Overview {me} {go} /> },
        Route::Articles => html! { <pages::articles::Articles {me} {go} /> },
        Route::Article(id) => html! { <pages::article::ArticleEditor {me} {go} id={id.clone()} /> },
        Route::Readers => html! { <pages::readers::Readers {me} {go} /> },
        Route::Reader(id) => html! { <pages::reader::ReaderPage {me} {go} id={*id} /> },
        Route::Offers => html! { <pages::offers::Offers {me} {go} /> },
        Route::Meter => html! { <pages::meter::Meter {me} {go} /> },
        Route::Webhooks => html! { <pages::webhooks::Webhooks {me} {go} /> },
        Route::Audit => html! { <pages::audit::Audit {me} {go} /> },
        Route::Keys => html! { <pages::keys::Keys {me} {go} /> },
        Route::Staff => html! { <pages::staff::Staff {me} {go} /> },
    }
}

#[derive(Clone, PartialEq, Properties)]
struct AccountProps {
    me: Me,
    signed_out: Callback<Option<String>>,
}

/// Who is signed in, and signing out (here, or in every browser).
#[function_component(Account)]
fn account(props: &AccountProps) -> Html {
    let out = |path: &'static str, method: &'static str| {
        let signed_out = props.signed_out.clone();
        Callback::from(move |_| {
            let signed_out = signed_out.clone();
            spawn_local(async move {
                let result = api::act(method, path, None, None).await;
                signed_out.emit(
                    result.err().filter(|error| !error.signed_out()).map(|error: ApiError| error.message),
                );
            });
        })
    };
    html! {
        <div class="account">
            <p>{ props.me.email.clone().unwrap_or_else(|| props.me.name.clone()) }
               <span class="role">{ props.me.role.as_str() }</span></p>
            <button type="button" onclick={out("/v1/admin/session", "DELETE")}>{ "Sign out" }</button>
            <button type="button" class="quiet" onclick={out("/v1/admin/me/sign-out", "POST")}>{ "Sign out everywhere" }</button>
        </div>
    }
}

#[derive(Clone, PartialEq, Properties)]
struct SignInProps {
    why: Option<String>,
}

/// Asks for a sign-in link by email.
#[function_component(SignIn)]
fn sign_in(props: &SignInProps) -> Html {
    let email = use_state(String::new);
    let said = use_state(|| props.why.clone().map_or(Said::Nothing, Said::Failed));
    let onsubmit = {
        let (email, said) = (email.clone(), said.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let body = StaffSignIn { email: (*email).clone() };
            view::run(&said, async move {
                let sent =
                    api::act("POST", "/v1/admin/sign-in", serde_json::to_value(&body).ok().as_ref(), None)
                        .await;
                Said::of(
                    &sent,
                    "If this address is on the staff, a sign-in link is on its way. It works once, for 15 minutes.",
                )
            });
        })
    };
    html! {
        <main id="main" class="sign-in">
            <h1>{ "Sign in to the dashboard" }</h1>
            <p>{ "Enter your email address: we send you a link that signs you in." }</p>
            <form {onsubmit}>
                { view::field("email", "Email address", &email, "email", None) }
                <button type="submit">{ "Email me a sign-in link" }</button>
            </form>
            { view::said(&said) }
        </main>
    }
}
