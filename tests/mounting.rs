//! The widget in headless Chromium. Mounting: the free section left alone, the prompt naming what is locked, and a publisher's token exchanged before anything is shown.

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
    let document = web_sys::window().unwrap().document().unwrap();
    let script: web_sys::HtmlScriptElement = document.create_element("script").unwrap().dyn_into().unwrap();
    script.set_attribute("data-paywall-api", &page.config.api).unwrap();
    script.set_src("https://paywall.test/paywall.js");

    let unlocked = page.next("unlocked");
    let widgets = paywall::mount_all(script, None).unwrap();
    wait(unlocked).await;
    assert_eq!(page.unlocked_sections()[0].0, "Members only");
    let summaries = page.requests_to(&requests, "GET", &format!("/v1/articles/{ARTICLE}"));
    assert!(summaries.is_empty(), "the prompt's data was never needed");
    assert_eq!(page.requests_to(&requests, "POST", "/v1/sessions/publisher").len(), 1);
    widgets.unmount(&page.container);
}
