//! The widget in headless Chromium. Tiers: the prompt names the tier an article needs, tells a
//! subscriber to a lower tier so, asks for no more than an account for a `registered` story,
//! and shows a `free` story's sections to anyone.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use paywall_protocol::{ArticleSummary, Reason};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn for_tier(page: &Page, tier: &str, label: &str, titles: &[&str]) -> Route {
    let summary = ArticleSummary { tier: tier.into(), tier_label: label.into(), ..summary(titles) };
    page.route("GET", &format!("/v1/articles/{ARTICLE}"), 200, summary)
}

#[wasm_bindgen_test]
async fn the_prompt_names_the_tier_and_tells_a_lower_subscriber_what_is_missing() {
    let page = Page::new("tiered");
    let mut refused = problem(403, Some(Reason::HigherTierRequired));
    refused.tier = Some("premium".into());
    serve(vec![
        for_tier(&page, "premium", "Premium", &["The ledger"]),
        page.route("POST", "/v1/sessions", 201, tokens("standard@example.com")),
        page.route("GET", &format!("/v1/articles/{ARTICLE}/locked"), 403, refused),
    ]);
    page.mount_until("locked").await;
    let text = page.shadow_text();
    assert!(text.contains("This story is for Premium subscribers."), "{text}");
    assert!(!text.contains("The rest of this story is for subscribers."), "{text}");

    let locked_again = page.next("locked");
    page.sign_in("standard@example.com", "right password").await;
    wait(locked_again).await;
    let text = page.shadow_text();
    assert!(
        text.contains("Your subscription doesn't include this story. It's for Premium subscribers."),
        "{text}"
    );
    assert!(!text.contains("no active subscription"), "{text}");
    assert!(page.find("a[part=subscribe]").is_some(), "a higher tier is still for sale");
}

#[wasm_bindgen_test]
async fn a_story_for_registered_readers_asks_only_for_an_account() {
    let page = Page::new("registered");
    serve(vec![for_tier(&page, "registered", "Registered", &["The minutes"])]);
    page.mount_until("locked").await;
    let text = page.shadow_text();
    assert!(text.contains("This story is free for registered readers."), "{text}");
    assert!(page.find("a[part=subscribe]").is_none(), "nothing to buy");
    let button = page.find("button[part=sign-in]").expect("a sign-in button");
    assert_eq!(button.text_content().as_deref(), Some("Sign in or create a free account"));
    page.click("button[part=sign-in]");
    yew::scheduler::flush().await;
    assert!(page.find("dialog[open]").is_some(), "it opens the sign-in dialog");
}

#[wasm_bindgen_test]
async fn a_free_story_shows_its_sections_to_anyone() {
    let page = Page::new("free");
    let requests =
        serve(vec![for_tier(&page, "free", "Free", &["Open part"]), page.locked_sections(&["Open part"])]);
    page.mount_until("unlocked").await;
    assert_eq!(page.unlocked_sections()[0].0, "Open part");
    let asked = page.requests_to(&requests, "GET", &format!("/v1/articles/{ARTICLE}/locked"));
    assert_eq!(asked.len(), 1);
    assert!(page.find("button[part=sign-out]").is_none(), "nobody is signed in");
}
