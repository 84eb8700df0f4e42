//! What the widget's browser tests share: a stand-in paywall API and a page to mount on.
//!
//! The paywall API is played by a stand-in `fetch` that answers from a table of routes with
//! bodies built from the protocol's own types; the real server is exercised end to end in
//! `e2e/`. Each test's page has an API of its own (`https://paywall.test/<name>`), so no test
//! sees another's requests or stored session.

#![allow(dead_code)]

use std::rc::Rc;

use paywall::api::Api;
use paywall::{Config, Session};
pub use paywall_protocol::{
    ArticleSummary, LockedSection, LockedSections, Problem, Reader, Reason, SessionTokens,
};
use serde::Serialize;
pub use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AddEventListenerOptions, Element, HtmlElement, HtmlFormElement, HtmlInputElement, ShadowRoot};

#[wasm_bindgen(inline_js = r#"
export function serveApi(routes) {
  const requests = [];
  window.fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const body = ["GET", "HEAD", "DELETE"].includes(request.method) ? "" : await request.text();
    requests.push({ method: request.method, path: url.pathname, body, authorization: request.headers.get("authorization") });
    const route = routes.find((r) => r.method === request.method && r.path === url.pathname && body.includes(r.when ?? ""));
    if (!route) {
      return new Response(JSON.stringify({ type: "about:blank", title: "Not found", status: 404 }),
        { status: 404, headers: { "content-type": "application/problem+json" } });
    }
    if (route.status === 0) throw new TypeError("Failed to fetch");
    const type = route.status < 400 ? "application/json" : "application/problem+json";
    return new Response(route.status === 204 ? null : JSON.stringify(route.body), { status: route.status, headers: { "content-type": type } });
  };
  return requests;
}
export function timeout(promise, ms, what) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("timed out waiting for " + what)), ms))]);
}
"#)]
extern "C" {
    /// Replaces `fetch` with a stand-in that answers from `routes`; returns the log of requests.
    #[wasm_bindgen(js_name = serveApi)]
    fn serve_api(routes: JsValue) -> js_sys::Array;
    /// `promise`, or a rejection after `ms` milliseconds so that no test can hang.
    fn timeout(promise: &js_sys::Promise, ms: u32, what: &str) -> js_sys::Promise;
}

/// One canned answer of the stand-in API (build one with [`Page::route`]).
#[derive(Serialize)]
pub struct Route {
    method: &'static str,
    path: String,
    /// Answer only requests whose body contains this.
    when: Option<String>,
    status: u16,
    body: serde_json::Value,
}

impl Route {
    /// The same route, answering only requests whose body contains `text`.
    pub fn when(self, text: &str) -> Route {
        Route { when: Some(text.to_owned()), ..self }
    }
}

/// Replaces `fetch` with the stand-in API answering `routes`; returns the log of requests.
pub fn serve(routes: Vec<Route>) -> js_sys::Array {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    serve_api(routes.serialize(&serializer).unwrap())
}

const API: &str = "https://paywall.test";
/// The article every test mounts on.
pub const ARTICLE: &str = "harbour-notes";

/// The article's summary, with these locked titles.
pub fn summary(titles: &[&str]) -> ArticleSummary {
    ArticleSummary {
        id: ARTICLE.into(),
        title: "Harbour notes".into(),
        tier: "premium".into(),
        // A server from before tier labels: the prompt's heading names no tier.
        tier_label: String::new(),
        locked_section_titles: titles.iter().map(|t| (*t).to_owned()).collect(),
        metered: false,
    }
}

/// A session for `email`, with tokens that say whose they are.
pub fn tokens(email: &str) -> SessionTokens {
    SessionTokens {
        access_token: format!("access-for-{email}"),
        expires_in: 900,
        refresh_token: format!("refresh-for-{email}"),
        reader: Reader { id: 7, email: email.into() },
    }
}

/// A problem with this status and reason.
pub fn problem(status: u16, reason: Option<Reason>) -> Problem {
    Problem { reason, ..Problem::new(status, "Refused") }
}

/// A fresh `<article data-paywall>` with a free section, in the page, and a fresh session with
/// an API of its own. Dropping it unmounts the widget, removes the article and forgets the
/// stored session (and a new page forgets any left by a test that failed before its drop).
pub struct Page {
    pub container: Element,
    pub free_html: String,
    pub session: Rc<Session>,
    pub config: Rc<Config>,
    /// The API's path on the stand-in host: `/<name>`.
    prefix: String,
    mounted: std::cell::RefCell<Option<paywall::Mounted>>,
}

/// The page's `localStorage`.
pub fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

impl Page {
    /// A page whose API is `https://paywall.test/<api_path>`.
    pub fn new(api_path: &str) -> Page {
        let document = web_sys::window().unwrap().document().unwrap();
        let container = document.create_element("article").unwrap();
        container.set_attribute("data-paywall", ARTICLE).unwrap();
        container.set_inner_html(
            r#"<h2>The story</h2><p class="free">Free words, <em>kept</em> as they were.</p>"#,
        );
        document.body().unwrap().append_child(&container).unwrap();
        let api = format!("{API}/{api_path}");
        let config = Rc::new(Config::new(&api, &document.url().unwrap(), Some("/join")).unwrap());
        let session = Session::new(Api::new(config.api.clone()));
        let free_html = container.inner_html();
        storage().remove_item(session.storage_key()).unwrap();
        let prefix = format!("/{api_path}");
        Page { container, free_html, session, config, prefix, mounted: Default::default() }
    }

    /// A route of this page's API: `path` is the API's own (`/v1/...`).
    pub fn route(&self, method: &'static str, path: &str, status: u16, body: impl Serialize) -> Route {
        Route {
            method,
            path: format!("{}{path}", self.prefix),
            when: None,
            status,
            body: serde_json::to_value(body).unwrap(),
        }
    }

    /// The article's summary, naming these locked sections.
    pub fn summary(&self, titles: &[&str]) -> Route {
        self.route("GET", &format!("/v1/articles/{ARTICLE}"), 200, summary(titles))
    }

    /// The article's locked sections, one per title, each with a sentence of its own.
    pub fn locked_sections(&self, titles: &[&str]) -> Route {
        self.route(
            "GET",
            &format!("/v1/articles/{ARTICLE}/locked"),
            200,
            LockedSections {
                article_id: ARTICLE.into(),
                grant_reason: Default::default(),
                meter: None,
                sections: titles
                    .iter()
                    .map(|title| LockedSection {
                        title: (*title).into(),
                        html: format!("<p>Body of {title}.</p>"),
                    })
                    .collect(),
            },
        )
    }

    /// The logged requests to this page's API with this method and (API) path.
    pub fn requests_to(&self, requests: &js_sys::Array, method: &str, path: &str) -> Vec<JsValue> {
        let path = format!("{}{path}", self.prefix);
        requests
            .iter()
            .filter(|request| {
                js_sys::Reflect::get(request, &"method".into()).unwrap() == method
                    && js_sys::Reflect::get(request, &"path".into()).unwrap() == path.as_str()
            })
            .collect()
    }

    /// A second article on the same page, sharing this one's configuration and session.
    pub fn sharing(&self) -> Page {
        let mut page = Page::new("unused");
        page.session = self.session.clone();
        page.config = self.config.clone();
        page.prefix = self.prefix.clone();
        page
    }

    /// Where the session keeps its refresh token (the widget's own key).
    pub fn storage_key(&self) -> String {
        self.session.storage_key().to_owned()
    }

    /// Mounts the widget and waits for its first `paywall:<event>` (`locked`, `unlocked`).
    pub async fn mount_until(&self, event: &str) -> JsValue {
        let next = self.next(event);
        self.mount();
        wait(next).await
    }

    /// The text of the error the dialog shows.
    pub fn alert_text(&self) -> String {
        self.find("[role=alert]").expect("an error is shown").text_content().unwrap_or_default()
    }

    /// The loader's script tag as a publisher writes it, for `mount_all`, naming this page's API.
    pub fn script(&self) -> web_sys::HtmlScriptElement {
        let document = web_sys::window().unwrap().document().unwrap();
        let script: web_sys::HtmlScriptElement =
            document.create_element("script").unwrap().dyn_into().unwrap();
        script.set_attribute("data-paywall-api", &self.config.api).unwrap();
        script.set_src("https://paywall.test/paywall.js");
        script
    }

    pub fn mount(&self) {
        let mounted =
            paywall::mount(&self.container, &self.config, self.session.clone(), paywall::Loader::default())
                .unwrap();
        self.mounted.replace(mounted);
    }

    /// A promise of the next `paywall:<name>` event on the container (listen before acting).
    pub fn next(&self, name: &str) -> js_sys::Promise {
        let container = self.container.clone();
        let name = format!("paywall:{name}");
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let options = AddEventListenerOptions::new();
            options.set_once(true);
            container
                .add_event_listener_with_callback_and_add_event_listener_options(&name, &resolve, &options)
                .unwrap();
        });
        timeout(&promise, 5_000, &name)
    }

    pub fn shadow(&self) -> ShadowRoot {
        self.container
            .query_selector(".paywall-widget")
            .unwrap()
            .expect("the widget host")
            .shadow_root()
            .unwrap()
    }

    pub fn shadow_text(&self) -> String {
        self.shadow().text_content().unwrap_or_default()
    }

    pub fn find(&self, selector: &str) -> Option<Element> {
        self.shadow().query_selector(selector).unwrap()
    }

    pub fn click(&self, selector: &str) {
        self.find(selector)
            .unwrap_or_else(|| panic!("no {selector}"))
            .dyn_into::<HtmlElement>()
            .unwrap()
            .click();
    }

    pub fn input(&self, selector: &str) -> HtmlInputElement {
        self.find(selector).unwrap_or_else(|| panic!("no {selector}")).dyn_into().unwrap()
    }

    /// The free section: the nodes before the widget's own elements.
    pub fn free_section_html(&self) -> String {
        let clone = self.container.clone_node_with_deep(true).unwrap().dyn_into::<Element>().unwrap();
        for added in [".paywall-unlocked", ".paywall-widget"] {
            if let Some(node) = clone.query_selector(added).unwrap() {
                node.remove();
            }
        }
        clone.inner_html()
    }

    pub fn unlocked_sections(&self) -> Vec<(String, String)> {
        let sections = self.container.query_selector_all(".paywall-unlocked > section").unwrap();
        (0..sections.length())
            .map(|i| {
                let section = sections.item(i).unwrap().dyn_into::<Element>().unwrap();
                let heading = section.query_selector("h2").unwrap().unwrap().text_content().unwrap();
                (heading, section.inner_html())
            })
            .collect()
    }

    /// Types into a field as a reader would: the value, then an `input` event.
    pub fn type_into(&self, selector: &str, value: &str) {
        let input = self.input(selector);
        input.set_value(value);
        input.dispatch_event(&web_sys::InputEvent::new("input").unwrap()).unwrap();
    }

    pub fn submit(&self) {
        let form: HtmlFormElement = self.find("dialog form").unwrap().dyn_into().unwrap();
        form.request_submit().unwrap();
    }

    /// Clicks the dialog's text button with this label.
    pub fn click_text(&self, label: &str) {
        let buttons = self.shadow().query_selector_all("dialog button").unwrap();
        let button = (0..buttons.length())
            .filter_map(|i| buttons.item(i)?.dyn_into::<HtmlElement>().ok())
            .find(|button| button.text_content().as_deref() == Some(label))
            .unwrap_or_else(|| panic!("no button {label:?} in: {}", self.shadow_text()));
        button.click();
    }

    pub async fn open_dialog(&self) {
        assert!(self.find("button[part=sign-in]").is_some(), "the prompt offers Sign in");
        self.click("button[part=sign-in]");
        yew::scheduler::flush().await;
        assert!(self.find("dialog[open]").is_some(), "the dialog opens");
    }

    /// Signs in with a password: Sign in →, "Use a password instead", the fields, submit.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.open_dialog().await;
        self.click_text("Use a password instead");
        yew::scheduler::flush().await;
        self.type_into("input[type=email]", email);
        self.type_into("input[type=password]", password);
        yew::scheduler::flush().await;
        self.submit();
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        if let Some(mounted) = self.mounted.take() {
            mounted.unmount();
        }
        self.container.remove();
        storage().remove_item(self.session.storage_key()).unwrap();
    }
}

/// Puts `fragment` (`#…`, or nothing) at the end of the page's address, as a link would.
pub fn set_fragment(fragment: &str) {
    let window = web_sys::window().unwrap();
    let clean = window.location().href().unwrap().split('#').next().unwrap().to_owned();
    window
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(&format!("{clean}{fragment}")))
        .unwrap();
}

/// Waits for a promise from [`Page::next`], then lets the widget render.
pub async fn wait(promise: js_sys::Promise) -> JsValue {
    let value = JsFuture::from(promise).await.expect("the event arrives");
    yew::scheduler::flush().await;
    value
}

pub fn problem_with(status: u16, reason: Reason, configure: impl FnOnce(&mut Problem)) -> Problem {
    let mut problem = problem(status, Some(reason));
    configure(&mut problem);
    problem
}

pub fn body_of(request: &JsValue) -> serde_json::Value {
    let body = js_sys::Reflect::get(request, &"body".into()).unwrap().as_string().unwrap();
    serde_json::from_str(&body).unwrap()
}
