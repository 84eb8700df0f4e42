//! The widget in headless Chromium. The meter: an article it opens shows a slim line of what is
//! left; a reader whose free articles are spent meets the registration wall first, and a
//! paywall without a meter never asks for locked text with nobody signed in.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use paywall_protocol::{ArticleSummary, GrantReason, LockedSection, LockedSections, Meter, Problem};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn metered_summary(page: &Page) -> Route {
    let summary = ArticleSummary { metered: true, ..summary(&["Inside"]) };
    page.route("GET", &format!("/v1/articles/{ARTICLE}"), 200, summary)
}

fn meter(read: u32, limit: u32, registered_limit: u32) -> Meter {
    Meter {
        articles_read: read,
        articles_left: limit - read,
        limit,
        resets_at: 1_900_000_000,
        registered_limit,
    }
}

fn detail(event: &JsValue, key: &str) -> JsValue {
    let detail = js_sys::Reflect::get(event, &"detail".into()).unwrap();
    js_sys::Reflect::get(&detail, &key.into()).unwrap()
}

#[wasm_bindgen_test]
async fn an_article_the_meter_opens_shows_its_sections_and_what_is_left() {
    let page = Page::new("metered");
    let locked = LockedSections {
        article_id: ARTICLE.into(),
        sections: vec![LockedSection { title: "Inside".into(), html: "<p>Metered words.</p>".into() }],
        grant_reason: GrantReason::Metering,
        meter: Some(meter(2, 3, 5)),
    };
    let requests = serve(vec![
        metered_summary(&page),
        page.route("GET", &format!("/v1/articles/{ARTICLE}/locked"), 200, locked),
    ]);
    let metered = page.next("metered");
    page.mount_until("unlocked").await;
    let event = wait(metered).await;
    assert_eq!(detail(&event, "articlesLeft").as_f64(), Some(1.0));
    assert_eq!(detail(&event, "limit").as_f64(), Some(3.0));
    assert_eq!(page.unlocked_sections().len(), 1);
    let line = page.find("[part=meter]").expect("the meter's line").text_content().unwrap();
    assert_eq!(line, "1 free story left · Subscribe");
    assert_eq!(page.find("[part=meter] a").unwrap().get_attribute("href").as_deref(), Some("/join"));
    assert!(page.find("[part=prompt]").is_none(), "no prompt over the story");
    let asked = page.requests_to(&requests, "GET", &format!("/v1/articles/{ARTICLE}/locked"));
    assert_eq!(asked.len(), 1, "asked once, with nobody signed in");
}

#[wasm_bindgen_test]
async fn a_reader_whose_free_articles_are_spent_is_offered_an_account_first() {
    let page = Page::new("meter-spent");
    let spent = Problem { meter: Some(meter(3, 3, 5)), ..Problem::new(401, "Not signed in") };
    serve(vec![
        metered_summary(&page),
        page.route("GET", &format!("/v1/articles/{ARTICLE}/locked"), 401, spent),
    ]);
    let metered = page.next("metered");
    page.mount_until("locked").await;
    assert_eq!(detail(&wait(metered).await, "articlesLeft").as_f64(), Some(0.0));
    let text = page.shadow_text();
    assert!(text.contains("You've read your free stories for now."), "{text}");
    let register = page.find("button[part=register]").expect("the registration wall");
    assert_eq!(register.text_content().as_deref(), Some("Register for 5 more free stories"));
    assert!(page.find("a[part=subscribe]").is_some(), "subscribing is still offered");
    page.click("button[part=register]");
    yew::scheduler::flush().await;
    assert!(page.find("dialog[open] input[type=email]").is_some(), "an account starts with the email");
    assert!(page.unlocked_sections().is_empty());
}

#[wasm_bindgen_test]
async fn without_a_meter_nobody_signed_in_is_never_sent_for_locked_text() {
    let page = Page::new("unmetered");
    let requests = serve(vec![page.summary(&["Inside"])]);
    page.mount_until("locked").await;
    assert!(page.requests_to(&requests, "GET", &format!("/v1/articles/{ARTICLE}/locked")).is_empty());
    assert!(page.find("button[part=register]").is_none());
}
