//! The widget in headless Chromium: mounting, the prompt, and the sign-in dialog's paths.
//!
//! The paywall API is played by a stand-in `fetch` that answers from a table of routes with
//! bodies built from the protocol's own types; the real server is exercised end to end in
//! `e2e/`.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use paywall::api::Api;
use paywall::{Config, Session};
use paywall_protocol::{
    ArticleSummary, LockedSection, LockedSections, Problem, Reader, Reason, SessionTokens,
};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{AddEventListenerOptions, Element, HtmlElement, HtmlFormElement, HtmlInputElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

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

/// One canned answer of the stand-in API.
#[derive(Serialize)]
struct Route {
    method: &'static str,
    path: String,
    /// Answer only requests whose body contains this.
    when: Option<String>,
    status: u16,
    body: serde_json::Value,
}

fn route(method: &'static str, path: &str, status: u16, body: impl Serialize) -> Route {
    Route { method, path: path.to_owned(), when: None, status, body: serde_json::to_value(body).unwrap() }
}

fn serve(routes: Vec<Route>) -> js_sys::Array {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    serve_api(routes.serialize(&serializer).unwrap())
}

const API: &str = "https://paywall.test";
const ARTICLE: &str = "harbour-notes";

fn summary(titles: &[&str]) -> ArticleSummary {
    ArticleSummary {
        id: ARTICLE.into(),
        title: "Harbour notes".into(),
        tier: "premium".into(),
        locked_section_titles: titles.iter().map(|t| (*t).to_owned()).collect(),
    }
}

fn tokens(email: &str) -> SessionTokens {
    SessionTokens {
        access_token: format!("access-for-{email}"),
        expires_in: 900,
        refresh_token: format!("refresh-for-{email}"),
        reader: Reader { id: 7, email: email.into() },
    }
}

fn problem(status: u16, reason: Option<Reason>) -> Problem {
    Problem { reason, ..Problem::new(status, "Refused") }
}

/// A fresh `<article data-paywall>` with a free section, in the page, and a fresh session.
struct Page {
    container: Element,
    free_html: String,
    session: Rc<Session>,
    config: Rc<Config>,
    mounted: std::cell::RefCell<Option<paywall::Mounted>>,
}

impl Page {
    fn new(api_path: &str) -> Page {
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
        Page { container, free_html, session, config, mounted: Default::default() }
    }

    /// A second article on the same page, sharing this one's configuration and session.
    fn sharing(&self) -> Page {
        let mut page = Page::new("unused");
        page.session = self.session.clone();
        page.config = self.config.clone();
        page
    }

    fn storage_key(&self) -> String {
        format!("paywall:refresh:{}", self.config.api)
    }

    fn mount(&self) {
        let mounted = paywall::mount(&self.container, &self.config, self.session.clone()).unwrap();
        self.mounted.replace(mounted);
    }

    /// A promise of the next `paywall:<name>` event on the container (listen before acting).
    fn next(&self, name: &str) -> js_sys::Promise {
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

    fn shadow(&self) -> ShadowRoot {
        self.container
            .query_selector(".paywall-widget")
            .unwrap()
            .expect("the widget host")
            .shadow_root()
            .unwrap()
    }

    fn shadow_text(&self) -> String {
        self.shadow().text_content().unwrap_or_default()
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.shadow().query_selector(selector).unwrap()
    }

    fn click(&self, selector: &str) {
        self.find(selector)
            .unwrap_or_else(|| panic!("no {selector}"))
            .dyn_into::<HtmlElement>()
            .unwrap()
            .click();
    }

    fn input(&self, selector: &str) -> HtmlInputElement {
        self.find(selector).unwrap_or_else(|| panic!("no {selector}")).dyn_into().unwrap()
    }

    /// The free section: the nodes before the widget's own elements.
    fn free_section_html(&self) -> String {
        let clone = self.container.clone_node_with_deep(true).unwrap().dyn_into::<Element>().unwrap();
        for added in [".paywall-unlocked", ".paywall-widget"] {
            if let Some(node) = clone.query_selector(added).unwrap() {
                node.remove();
            }
        }
        clone.inner_html()
    }

    fn unlocked_sections(&self) -> Vec<(String, String)> {
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
    fn type_into(&self, selector: &str, value: &str) {
        let input = self.input(selector);
        input.set_value(value);
        input.dispatch_event(&web_sys::InputEvent::new("input").unwrap()).unwrap();
    }

    fn submit(&self) {
        let form: HtmlFormElement = self.find("dialog form").unwrap().dyn_into().unwrap();
        form.request_submit().unwrap();
    }

    /// Clicks the dialog's text button with this label.
    fn click_text(&self, label: &str) {
        let buttons = self.shadow().query_selector_all("dialog button").unwrap();
        let button = (0..buttons.length())
            .filter_map(|i| buttons.item(i)?.dyn_into::<HtmlElement>().ok())
            .find(|button| button.text_content().as_deref() == Some(label))
            .unwrap_or_else(|| panic!("no button {label:?} in: {}", self.shadow_text()));
        button.click();
    }

    async fn open_dialog(&self) {
        assert!(self.find("button[part=sign-in]").is_some(), "the prompt offers Sign in");
        self.click("button[part=sign-in]");
        yew::scheduler::flush().await;
        assert!(self.find("dialog[open]").is_some(), "the dialog opens");
    }

    /// Signs in with a password: Sign in →, "Use a password instead", the fields, submit.
    async fn sign_in(&self, email: &str, password: &str) {
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
    }
}

async fn wait(promise: js_sys::Promise) -> JsValue {
    let value = JsFuture::from(promise).await.expect("the event arrives");
    yew::scheduler::flush().await;
    value
}

#[wasm_bindgen_test]
async fn mounting_leaves_the_free_section_alone_and_names_the_served_locked_titles() {
    let page = Page::new("mount");
    serve(vec![route(
        "GET",
        &format!("/mount/v1/articles/{ARTICLE}"),
        200,
        summary(&["Quay economics", "Tide tables", "Letters"]),
    )]);
    let free_paragraph = page.container.query_selector("p.free").unwrap().unwrap();
    let locked = page.next("locked");
    page.mount();
    let event = wait(locked).await;

    // The same nodes, with the same HTML, in the same place.
    assert!(page.container.query_selector("p.free").unwrap().unwrap().is_same_node(Some(&free_paragraph)));
    assert_eq!(page.free_section_html(), page.free_html);
    assert_eq!(page.container.first_element_child().unwrap().tag_name(), "H2");

    let text = page.shadow_text();
    assert!(text.contains("The rest of this story is for subscribers."), "{text}");
    assert!(text.contains("Including Quay economics, Tide tables and Letters."), "{text}");
    assert!(text.contains("Already subscribed? Sign in →"), "{text}");
    assert_eq!(page.find("a[part=subscribe]").unwrap().get_attribute("href").as_deref(), Some("/join"));
    // Nothing of the prompt is in the light DOM.
    assert!(!page.container.text_content().unwrap().contains("for subscribers"));

    let detail = js_sys::Reflect::get(&event, &"detail".into()).unwrap();
    assert_eq!(js_sys::Reflect::get(&detail, &"articleId".into()).unwrap(), ARTICLE);
}

#[wasm_bindgen_test]
async fn signing_in_shows_the_locked_sections_in_order_in_the_light_dom() {
    let page = Page::new("unlock");
    let requests = serve(vec![
        route("GET", &format!("/unlock/v1/articles/{ARTICLE}"), 200, summary(&["First part", "Second part"])),
        route("POST", "/unlock/v1/sessions", 201, tokens("member@example.com")),
        route(
            "GET",
            &format!("/unlock/v1/articles/{ARTICLE}/locked"),
            200,
            LockedSections {
                article_id: ARTICLE.into(),
                sections: vec![
                    LockedSection { title: "First part".into(), html: "<p>Opening words.</p>".into() },
                    LockedSection {
                        title: "Second part".into(),
                        // What a compromised server might send: none of it may run.
                        html: r#"<p>Closing words.</p><script>window.ran = 1</script><img src="x.png" onerror="window.ran = 2"><a href="javascript:window.ran=3">link</a>"#.into(),
                    },
                ],
            },
        ),
    ]);
    let locked = page.next("locked");
    page.mount();
    wait(locked).await;

    let unlocked = page.next("unlocked");
    page.sign_in("member@example.com", "right password").await;
    wait(unlocked).await;

    let sections = page.unlocked_sections();
    assert_eq!(
        sections.iter().map(|(title, _)| title.as_str()).collect::<Vec<_>>(),
        ["First part", "Second part"]
    );
    assert!(sections[0].1.contains("<p>Opening words.</p>"));
    assert!(sections[1].1.contains("<p>Closing words.</p>"));
    for active in ["<script", "onerror", "javascript:"] {
        assert!(!sections[1].1.contains(active), "{active} reached the page: {}", sections[1].1);
    }
    // The sections come after the untouched free section.
    assert_eq!(page.free_section_html(), page.free_html);
    let text = page.shadow_text();
    assert!(!text.contains("for subscribers"), "the prompt is gone: {text}");
    assert!(text.contains("member@example.com"), "{text}");
    assert!(page.find("dialog").is_none(), "the dialog closed");

    // The locked request carried the access token; the refresh token was kept for a reload.
    let last = requests.get(requests.length() - 1);
    assert_eq!(
        js_sys::Reflect::get(&last, &"authorization".into()).unwrap(),
        "Bearer access-for-member@example.com"
    );
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    assert_eq!(
        storage.get_item(&page.storage_key()).unwrap().as_deref(),
        Some("refresh-for-member@example.com")
    );
    storage.remove_item(&page.storage_key()).unwrap();
}

#[wasm_bindgen_test]
async fn a_wrong_password_shows_an_error_in_the_dialog_and_keeps_the_email() {
    let page = Page::new("wrong");
    serve(vec![
        route("GET", &format!("/wrong/v1/articles/{ARTICLE}"), 200, summary(&["Only part"])),
        route("POST", "/wrong/v1/sessions", 401, problem(401, None)),
    ]);
    let locked = page.next("locked");
    page.mount();
    wait(locked).await;

    let error = page.next("error");
    page.sign_in("member@example.com", "wrong password").await;
    wait(error).await;

    let alert = page.find("dialog [role=alert]").expect("an error in the dialog");
    assert!(alert.text_content().unwrap().contains("don't match"), "{:?}", alert.text_content());
    assert_eq!(page.input("input[type=email]").value(), "member@example.com");
    assert_eq!(page.input("input[type=password]").value(), "wrong password", "nothing typed is lost");
    assert!(page.find("dialog[open]").is_some());
    assert!(page.unlocked_sections().is_empty());
}

#[wasm_bindgen_test]
async fn a_reader_without_a_subscription_is_told_so_and_offered_subscribe_and_sign_out() {
    let page = Page::new("nosub");
    serve(vec![
        route("GET", &format!("/nosub/v1/articles/{ARTICLE}"), 200, summary(&["Only part"])),
        route("POST", "/nosub/v1/sessions", 201, tokens("visitor@example.com")),
        route(
            "GET",
            &format!("/nosub/v1/articles/{ARTICLE}/locked"),
            403,
            problem(403, Some(Reason::NoSubscription)),
        ),
    ]);
    let locked = page.next("locked");
    page.mount();
    wait(locked).await;

    let locked_again = page.next("locked");
    page.sign_in("visitor@example.com", "right password").await;
    wait(locked_again).await;

    let text = page.shadow_text();
    assert!(text.contains("This account has no active subscription"), "{text}");
    assert!(text.contains("visitor@example.com"), "{text}");
    assert!(page.find("a[part=subscribe]").is_some());
    assert!(page.find("button[part=sign-out]").is_some());
    assert!(page.unlocked_sections().is_empty());
    web_sys::window().unwrap().local_storage().unwrap().unwrap().remove_item(&page.storage_key()).unwrap();
}

#[wasm_bindgen_test]
async fn a_stored_session_unlocks_on_load_without_showing_the_prompt() {
    let page = Page::new("reload");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item(&page.storage_key(), "refresh-from-last-visit").unwrap();
    let mut refresh = route("POST", "/reload/v1/sessions/refresh", 200, tokens("member@example.com"));
    refresh.when = Some("refresh-from-last-visit".into());
    let requests = serve(vec![
        refresh,
        route("GET", &format!("/reload/v1/articles/{ARTICLE}"), 200, summary(&["Kept part"])),
        route("DELETE", "/reload/v1/sessions", 204, ()),
        route(
            "GET",
            &format!("/reload/v1/articles/{ARTICLE}/locked"),
            200,
            LockedSections {
                article_id: ARTICLE.into(),
                sections: vec![LockedSection {
                    title: "Kept part".into(),
                    html: "<p>Still here.</p>".into(),
                }],
            },
        ),
    ]);
    let unlocked = page.next("unlocked");
    page.mount();
    wait(unlocked).await;

    assert_eq!(page.unlocked_sections()[0].0, "Kept part");
    assert!(!page.shadow_text().contains("for subscribers"));
    // The refresh token was spent and its successor stored.
    assert_eq!(
        storage.get_item(&page.storage_key()).unwrap().as_deref(),
        Some("refresh-for-member@example.com")
    );

    // Sign out: the session ends on the server and the prompt comes back.
    let locked = page.next("locked");
    page.click("button[part=sign-out]");
    wait(locked).await;
    assert_eq!(storage.get_item(&page.storage_key()).unwrap(), None);
    assert!(page.shadow_text().contains("The rest of this story is for subscribers."));
    assert!(page.unlocked_sections().is_empty(), "the locked sections are gone");
    let sign_out = (0..requests.length())
        .map(|i| requests.get(i))
        .find(|request| js_sys::Reflect::get(request, &"method".into()).unwrap() == "DELETE")
        .expect("a DELETE /v1/sessions");
    assert_eq!(
        js_sys::Reflect::get(&sign_out, &"authorization".into()).unwrap(),
        "Bearer access-for-member@example.com"
    );
}

fn locked_sections(path: &str, titles: &[&str]) -> Route {
    route(
        "GET",
        &format!("/{path}/v1/articles/{ARTICLE}/locked"),
        200,
        LockedSections {
            article_id: ARTICLE.into(),
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

fn requests_to(requests: &js_sys::Array, method: &str, path: &str) -> Vec<JsValue> {
    requests
        .iter()
        .filter(|request| {
            js_sys::Reflect::get(request, &"method".into()).unwrap() == method
                && js_sys::Reflect::get(request, &"path".into()).unwrap() == path
        })
        .collect()
}

fn body_of(request: &JsValue) -> serde_json::Value {
    let body = js_sys::Reflect::get(request, &"body".into()).unwrap().as_string().unwrap();
    serde_json::from_str(&body).unwrap()
}

#[wasm_bindgen_test]
async fn the_dialog_asks_for_an_email_sends_a_code_and_signs_in_with_it() {
    let page = Page::new("code");
    let requests = serve(vec![
        route("GET", &format!("/code/v1/articles/{ARTICLE}"), 200, summary(&["Only part"])),
        route(
            "POST",
            "/code/v1/sign-in-codes",
            202,
            paywall_protocol::CodeSent { email: "new@example.com".into(), expires_in: 900 },
        ),
        Route {
            when: Some("\"code\":\"123456\"".into()),
            ..route("POST", "/code/v1/sessions/code", 201, tokens("new@example.com"))
        },
        locked_sections("code", &["Only part"]),
    ]);
    let locked = page.next("locked");
    page.mount();
    wait(locked).await;

    page.open_dialog().await;
    assert!(page.shadow_text().contains("Sign in or create an account"));
    assert!(page.find("input[type=password]").is_none(), "the first step asks only for an email");
    page.type_into("input[type=email]", " New@Example.com ");
    yew::scheduler::flush().await;
    let code_sent = page.next("code-sent");
    page.submit();
    wait(code_sent).await;
    assert!(
        page.shadow_text().contains("We sent a 6-digit code to new@example.com"),
        "{}",
        page.shadow_text()
    );
    let sent = requests_to(&requests, "POST", "/code/v1/sign-in-codes");
    assert_eq!(sent.len(), 1);
    assert_eq!(body_of(&sent[0])["email"], "New@Example.com");
    let return_to = body_of(&sent[0])["return_to"].as_str().unwrap().to_owned();
    assert!(return_to.starts_with("http") && !return_to.contains('#'), "{return_to}");

    page.type_into("#paywall-code", "123 456");
    yew::scheduler::flush().await;
    let unlocked = page.next("unlocked");
    page.submit();
    wait(unlocked).await;
    assert_eq!(page.unlocked_sections()[0].0, "Only part");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item(&page.storage_key()).unwrap();
}

fn problem_with(status: u16, reason: Reason, configure: impl FnOnce(&mut Problem)) -> Problem {
    let mut problem = problem(status, Some(reason));
    configure(&mut problem);
    problem
}

#[wasm_bindgen_test]
async fn code_errors_say_what_to_do_and_keep_what_was_typed_and_a_network_failure_offers_retry() {
    let page = Page::new("codeerr");
    let summary_route =
        || route("GET", &format!("/codeerr/v1/articles/{ARTICLE}"), 200, summary(&["Only part"]));
    let sent = || {
        route(
            "POST",
            "/codeerr/v1/sign-in-codes",
            202,
            paywall_protocol::CodeSent { email: "r@example.com".into(), expires_in: 900 },
        )
    };
    // First the network is down.
    serve(vec![summary_route(), route("POST", "/codeerr/v1/sign-in-codes", 0, ())]);
    let locked = page.next("locked");
    page.mount();
    wait(locked).await;
    page.open_dialog().await;
    page.type_into("input[type=email]", "r@example.com");
    yew::scheduler::flush().await;
    let error = page.next("error");
    page.submit();
    wait(error).await;
    let text = page.find("[role=alert]").unwrap().text_content().unwrap();
    assert!(text.contains("couldn't reach"), "{text}");
    assert_eq!(page.input("input[type=email]").value(), "r@example.com");

    // The network is back: Try again sends the same request.
    serve(vec![
        summary_route(),
        sent(),
        route(
            "POST",
            "/codeerr/v1/sessions/code",
            401,
            problem_with(401, Reason::WrongCode, |p| p.attempts_left = Some(2)),
        ),
    ]);
    let code_sent = page.next("code-sent");
    page.click_text("Try again");
    wait(code_sent).await;
    assert!(page.find("#paywall-code").is_some());

    page.type_into("#paywall-code", "999999");
    yew::scheduler::flush().await;
    let error = page.next("error");
    page.submit();
    wait(error).await;
    let text = page.find("[role=alert]").unwrap().text_content().unwrap();
    assert!(text.contains("That code isn't right. 2 tries left."), "{text}");
    assert_eq!(page.input("#paywall-code").value(), "999999");
    assert!(page.find("[role=alert] button").is_none(), "a wrong code is not retried as it is");

    // Asking for another code too often: told how long to wait.
    serve(vec![
        summary_route(),
        route(
            "POST",
            "/codeerr/v1/sign-in-codes",
            429,
            problem_with(429, Reason::RateLimited, |p| p.retry_after = Some(42)),
        ),
    ]);
    let error = page.next("error");
    page.click_text("Send a new code");
    wait(error).await;
    let text = page.find("[role=alert]").unwrap().text_content().unwrap();
    assert!(text.contains("Try again in 42 seconds."), "{text}");
    assert!(page.find("#paywall-code").is_some(), "still at the code step");
}

#[wasm_bindgen_test]
async fn two_articles_on_a_page_share_one_session() {
    let first = Page::new("two");
    let second = first.sharing();
    serve(vec![
        route("GET", &format!("/two/v1/articles/{ARTICLE}"), 200, summary(&["Only part"])),
        route("POST", "/two/v1/sessions", 201, tokens("member@example.com")),
        locked_sections("two", &["Only part"]),
    ]);
    let (locked_first, locked_second) = (first.next("locked"), second.next("locked"));
    first.mount();
    second.mount();
    wait(locked_first).await;
    wait(locked_second).await;

    let (unlocked_first, unlocked_second) = (first.next("unlocked"), second.next("unlocked"));
    first.sign_in("member@example.com", "right password").await;
    wait(unlocked_first).await;
    wait(unlocked_second).await;
    assert_eq!(second.unlocked_sections().len(), 1);

    let (back_first, back_second) = (first.next("locked"), second.next("locked"));
    second.click("button[part=sign-out]");
    wait(back_first).await;
    wait(back_second).await;
    assert!(first.unlocked_sections().is_empty());
}

#[wasm_bindgen_test]
async fn signing_in_or_out_in_another_tab_is_followed_without_a_reload() {
    let page = Page::new("tabs");
    serve(vec![
        route("GET", &format!("/tabs/v1/articles/{ARTICLE}"), 200, summary(&["Only part"])),
        route("POST", "/tabs/v1/sessions/refresh", 200, tokens("member@example.com")),
        locked_sections("tabs", &["Only part"]),
    ]);
    let locked = page.next("locked");
    page.mount();
    wait(locked).await;

    // Another tab signs in: it stores a refresh token, and this tab hears a storage event.
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let tell = |old: Option<&str>, new: Option<&str>| {
        storage.set_item(&page.storage_key(), new.unwrap_or("")).unwrap();
        if new.is_none() {
            storage.remove_item(&page.storage_key()).unwrap();
        }
        let init = web_sys::StorageEventInit::new();
        init.set_key(Some(&page.storage_key()));
        init.set_old_value(old);
        init.set_new_value(new);
        let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
        web_sys::window().unwrap().dispatch_event(&event).unwrap();
    };
    let unlocked = page.next("unlocked");
    tell(None, Some("refresh-from-the-other-tab"));
    wait(unlocked).await;
    assert_eq!(page.unlocked_sections()[0].0, "Only part");

    // A refresh in the other tab only rotates the token: nothing changes here.
    tell(Some("refresh-for-member@example.com"), Some("rotated"));
    yew::scheduler::flush().await;
    assert_eq!(page.unlocked_sections().len(), 1);

    // The other tab signs out.
    let locked = page.next("locked");
    tell(Some("rotated"), None);
    wait(locked).await;
    assert!(page.unlocked_sections().is_empty());
    assert!(page.shadow_text().contains("The rest of this story is for subscribers."));
}

#[wasm_bindgen_test]
async fn a_publisher_token_on_the_container_signs_the_reader_in_before_anything_is_shown() {
    let page = Page::new("pubtoken");
    page.container.set_attribute("data-paywall-token", "publisher-signed-jwt").unwrap();
    let mut exchange = route("POST", "/pubtoken/v1/sessions/publisher", 201, tokens("member@news.example"));
    exchange.when = Some("publisher-signed-jwt".into());
    let requests = serve(vec![exchange, locked_sections("pubtoken", &["Members only"])]);
    let document = web_sys::window().unwrap().document().unwrap();
    let script: web_sys::HtmlScriptElement = document.create_element("script").unwrap().dyn_into().unwrap();
    script.set_attribute("data-paywall-api", &page.config.api).unwrap();
    script.set_src("https://paywall.test/paywall.js");

    let unlocked = page.next("unlocked");
    paywall::mount_all(script).unwrap();
    wait(unlocked).await;
    assert_eq!(page.unlocked_sections()[0].0, "Members only");
    let summaries = requests_to(&requests, "GET", &format!("/pubtoken/v1/articles/{ARTICLE}"));
    assert!(summaries.is_empty(), "the prompt's data was never needed");
    assert_eq!(requests_to(&requests, "POST", "/pubtoken/v1/sessions/publisher").len(), 1);
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item(&format!("paywall:refresh:{}", page.config.api)).unwrap();
}
