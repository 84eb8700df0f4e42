//! The widget in headless Chromium. Mounting: the free section left alone, the prompt naming what is locked, a publisher's token exchanged before anything is shown, and a widget taken off with its article when a single-page app removes, re-renders or repoints it.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn mounting_leaves_the_free_section_alone_and_names_the_served_locked_titles() {
    let page = Page::new("mount");
    serve(vec![page.summary(&["Quay economics", "Tide tables", "Letters"])]);
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
async fn a_publisher_token_on_the_container_signs_the_reader_in_before_anything_is_shown() {
    let page = Page::new("pubtoken");
    page.container.set_attribute("data-paywall-token", "publisher-signed-jwt").unwrap();
    let exchange = page
        .route("POST", "/v1/sessions/publisher", 201, tokens("member@news.example"))
        .when("publisher-signed-jwt");
    let requests = serve(vec![exchange, page.locked_sections(&["Members only"])]);
    let script = page.script();

    let unlocked = page.next("unlocked");
    let widgets = paywall::mount_all(script, None, None).unwrap();
    wait(unlocked).await;
    assert_eq!(page.unlocked_sections()[0].0, "Members only");
    let summaries = page.requests_to(&requests, "GET", &format!("/v1/articles/{ARTICLE}"));
    assert!(summaries.is_empty(), "the prompt's data was never needed");
    assert_eq!(page.requests_to(&requests, "POST", "/v1/sessions/publisher").len(), 1);
    widgets.unmount(&page.container);
}

/// A signed-in page's widget, unlocked, as `mount_all` starts it: a publisher token on the
/// container signs the reader in.
async fn unlocked_page(name: &str) -> (Page, paywall::Paywall, js_sys::Array) {
    let page = Page::new(name);
    page.container.set_attribute("data-paywall-token", "publisher-signed-jwt").unwrap();
    let requests = serve(vec![
        page.route("POST", "/v1/sessions/publisher", 201, tokens("member@news.example")),
        page.route("DELETE", "/v1/sessions", 204, ()),
        page.locked_sections(&["Members only"]),
        page.summary(&["Members only"]),
    ]);
    let unlocked = page.next("unlocked");
    let widgets = paywall::mount_all(page.script(), None, None).unwrap();
    wait(unlocked).await;
    assert_eq!(page.unlocked_sections()[0].0, "Members only");
    (page, widgets, requests)
}

/// What of the widget is left in the container: its elements and its mark.
fn widget_left(page: &Page) -> (u32, bool) {
    let elements = page.container.query_selector_all(".paywall-widget, .paywall-unlocked").unwrap().length();
    (elements, page.container.has_attribute("data-paywall-mounted"))
}

#[wasm_bindgen_test]
async fn an_article_that_leaves_the_page_takes_its_widget_state_and_unlocked_text_with_it() {
    let (page, widgets, _) = unlocked_page("leaves").await;
    let heard = js_sys::Array::new();
    let listener = Closure::<dyn Fn(web_sys::Event)>::new({
        let heard = heard.clone();
        move |event: web_sys::Event| {
            heard.push(&event.type_().into());
        }
    });
    for name in ["paywall:signed-out", "paywall:locked", "paywall:unlocked"] {
        page.container.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref()).unwrap();
    }

    page.container.remove();
    widgets.sweep();
    assert_eq!(widget_left(&page), (0, false), "no widget, no unlocked text");
    // The session it shared goes on; the removed widget no longer hears it.
    assert!(widgets.sign_out().await.is_ok());
    yew::scheduler::flush().await;
    assert_eq!(heard.length(), 0, "the removed widget heard: {:?}", heard.to_vec());
}

#[wasm_bindgen_test]
async fn a_re_rendered_or_repointed_article_gets_a_fresh_widget() {
    let (page, widgets, requests) = unlocked_page("rerendered").await;
    // A framework rewrites the article's children: the widget's elements are gone.
    page.container.set_inner_html("<h2>The story</h2><p>Rendered again.</p>");
    widgets.sweep();
    assert_eq!(widget_left(&page), (0, false), "the old widget is off");
    let unlocked = page.next("unlocked");
    widgets.mount(page.container.clone());
    wait(unlocked).await;
    assert_eq!(page.unlocked_sections()[0].0, "Members only", "a fresh widget, unlocked again");
    assert_eq!(page.container.query_selector_all(".paywall-widget").unwrap().length(), 1);

    // Sweeping a widget that stands where it was changes nothing.
    widgets.sweep();
    assert_eq!(widget_left(&page), (2, true));

    // The article now names another story: the widget for the old one goes.
    page.container.set_attribute("data-paywall", "another-story").unwrap();
    widgets.sweep();
    assert_eq!(widget_left(&page), (0, false));
    // The token still on the article was exchanged once, not again for the fresh widget.
    let exchanged = page.requests_to(&requests, "POST", "/v1/sessions/publisher").len();
    assert_eq!(exchanged, 1, "the page's token was spent once");
}

#[wasm_bindgen_test]
async fn an_article_that_appears_while_the_page_signs_in_waits_and_never_shows_the_prompt() {
    let page = Page::new("appears");
    set_fragment("#paywall-link=emailed");
    let requests = serve(vec![
        page.route("POST", "/v1/sessions/link", 201, tokens("reader@news.example")),
        page.locked_sections(&["Members only"]),
        page.summary(&["Members only"]),
    ]);
    let unlocked = page.next("unlocked");
    let widgets = paywall::mount_all(page.script(), None, None).unwrap();
    // A single-page app renders a second article before the emailed link is spent.
    let second = page.sharing();
    let second_unlocked = second.next("unlocked");
    widgets.mount(second.container.clone());
    wait(unlocked).await;
    wait(second_unlocked).await;
    assert_eq!(second.unlocked_sections()[0].0, "Members only");
    assert!(
        page.requests_to(&requests, "GET", &format!("/v1/articles/{ARTICLE}")).is_empty(),
        "neither article asked for the prompt"
    );
    assert_eq!(page.requests_to(&requests, "POST", "/v1/sessions/link").len(), 1);
    widgets.unmount(&page.container);
    widgets.unmount(&second.container);
}

#[wasm_bindgen_test]
async fn an_article_taken_off_while_its_token_is_exchanged_gets_no_widget() {
    let page = Page::new("taken-off");
    let requests = serve(vec![
        page.route("POST", "/v1/sessions/publisher", 201, tokens("member@news.example")),
        page.locked_sections(&["Members only"]),
        page.summary(&["Members only"]),
    ]);
    let locked = page.next("locked");
    let widgets = paywall::mount_all(page.script(), None, None).unwrap();
    wait(locked).await;
    let second = page.sharing();
    second.container.set_attribute("data-paywall-token", "publisher-signed-jwt").unwrap();
    widgets.mount(second.container.clone());
    widgets.unmount(&second.container);
    // The exchange goes on (the reader is signed in), but the article gets no widget.
    let unlocked = page.next("unlocked");
    wait(unlocked).await;
    assert_eq!(page.requests_to(&requests, "POST", "/v1/sessions/publisher").len(), 1);
    assert_eq!(second.container.query_selector_all(".paywall-widget").unwrap().length(), 0);
    widgets.unmount(&page.container);
}

#[wasm_bindgen_test]
async fn beside_the_loaders_prompt_the_widget_draws_itself_unseen_until_it_takes_over() {
    let page = Page::new("beside");
    serve(vec![page.summary(&["Quay economics"])]);
    // The prompt the loader drew from the server's copy, before the widget loaded.
    let document = web_sys::window().unwrap().document().unwrap();
    let drawn = document.create_element("div").unwrap();
    drawn.set_class_name("paywall-facade");
    drawn.set_text_content(Some("The rest of this story is for subscribers."));
    page.container.append_child(&drawn).unwrap();
    let locked = page.next("locked");
    page.mount();

    // Hidden, taking no room: the widget's own `display: block` must not outrank `hidden`.
    let host = page.container.query_selector(":scope > .paywall-widget").unwrap().unwrap();
    let display = |host: &web_sys::Element| {
        let style = web_sys::window().unwrap().get_computed_style(host).unwrap().unwrap();
        style.get_property_value("display").unwrap()
    };
    assert!(host.has_attribute("hidden"));
    assert_eq!(display(&host), "none");
    assert_eq!(host.get_bounding_client_rect().height(), 0.0);

    // Once drawn it takes over (here without the loader's hooks, which would also remove the
    // loader's prompt).
    wait(locked).await;
    assert!(page.shadow_text().contains("Including Quay economics."), "{}", page.shadow_text());
    assert!(!host.has_attribute("hidden"));
    assert_eq!(display(&host), "block");
    assert!(host.get_bounding_client_rect().height() > 0.0);
}
