//! The widget in headless Chromium. Subscribing: the offers in the prompt, the email asked
//! for in the dialog, the provider's page, and the way back signed in.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use paywall_protocol::{BillingInterval, CheckoutStarted, Offer, Offers};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn offers(page: &Page) -> Route {
    let offer = |id, name: &str, amount, interval, trial_days| Offer {
        id,
        tier: "premium".into(),
        name: name.into(),
        amount,
        currency: "eur".into(),
        interval,
        trial_days,
    };
    let body = Offers {
        offers: vec![
            offer(1, "Monthly", 800, BillingInterval::Month, 0),
            offer(2, "Yearly", 8000, BillingInterval::Year, 14),
        ],
    };
    page.route("GET", "/v1/offers", 200, body)
}

#[wasm_bindgen_test]
async fn the_prompt_sells_its_offers_and_a_new_reader_gives_an_email_then_leaves_for_checkout() {
    let page = Page::new("offers");
    let started = CheckoutStarted {
        url: "#paywall-test-checkout".into(),
        checkout_id: "cs_test_1".into(),
        checkout_token: "browser-secret".into(),
    };
    let requests = serve(vec![
        page.summary(&["Inside"]),
        offers(&page),
        page.route("POST", "/v1/checkout", 201, started),
    ]);
    page.mount_until("locked").await;
    let buttons = page.shadow().query_selector_all("button[part=offer]").unwrap();
    assert_eq!(buttons.length(), 2);
    let text = page.shadow_text();
    assert!(text.contains("Monthly") && text.contains("€8.00 / month"), "{text}");
    assert!(text.contains("€80.00 / year · 14 days free"), "{text}");
    assert!(page.find("a[part=subscribe]").is_none(), "the offers replace the plain link");

    page.click("button[part=offer]");
    yew::scheduler::flush().await;
    assert!(page.find("dialog[open]").is_some());
    assert!(page.shadow_text().contains("Subscribe: Monthly"));
    page.type_into("input[type=email]", "new@example.com");
    yew::scheduler::flush().await;
    page.submit();
    for _ in 0..50 {
        if web_sys::window().unwrap().location().hash().unwrap() == "#paywall-test-checkout" {
            break;
        }
        gloo_sleep(20).await;
    }
    assert_eq!(
        web_sys::window().unwrap().location().hash().unwrap(),
        "#paywall-test-checkout",
        "off to the provider"
    );
    let sent = page.requests_to(&requests, "POST", "/v1/checkout");
    let body = body_of(&sent[0]);
    assert_eq!((body["offer_id"].as_i64(), body["email"].as_str()), (Some(1), Some("new@example.com")));
    let kept = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item("paywall:checkout:cs_test_1")
        .unwrap();
    assert_eq!(kept.as_deref(), Some("browser-secret"), "kept in this tab for the way back");
    clear_hash();
}

#[wasm_bindgen_test]
async fn an_email_that_has_an_account_is_asked_to_sign_in_first() {
    let page = Page::new("checkout-taken");
    serve(vec![
        page.summary(&["Inside"]),
        offers(&page),
        page.route("POST", "/v1/checkout", 409, problem(409, Some(Reason::AccountExists))),
    ]);
    page.mount_until("locked").await;
    page.click("button[part=offer]");
    yew::scheduler::flush().await;
    page.type_into("input[type=email]", "reader@example.com");
    yew::scheduler::flush().await;
    page.submit();
    for _ in 0..50 {
        if page.find("[role=alert]").is_some() {
            break;
        }
        gloo_sleep(20).await;
    }
    assert_eq!(page.alert_text().trim(), "This email already has an account. Sign in first, then subscribe.");
    page.click_text("Sign in →");
    yew::scheduler::flush().await;
    assert!(page.find("input[type=email]").is_some(), "on to signing in, the email kept");
}

#[wasm_bindgen_test]
async fn back_from_checkout_the_reader_is_signed_in_and_reads_without_seeing_the_prompt() {
    let page = Page::new("checkout-back");
    let window = web_sys::window().unwrap();
    window
        .session_storage()
        .unwrap()
        .unwrap()
        .set_item("paywall:checkout:cs_back", "browser-secret")
        .unwrap();
    set_fragment("#paywall-checkout=cs_back");
    let requests = serve(vec![
        page.route("GET", "/v1/checkout/cs_back", 201, tokens("payer@example.com")),
        page.locked_sections(&["Paid for"]),
    ]);
    let script = page.script();
    let unlocked = page.next("unlocked");
    let widgets = paywall::mount_all(script, None, None).unwrap();
    wait(unlocked).await;
    assert_eq!(page.unlocked_sections()[0].0, "Paid for");
    assert_eq!(window.location().hash().unwrap(), "", "the checkout's id is taken off the address");
    assert!(
        page.requests_to(&requests, "GET", &format!("/v1/articles/{ARTICLE}")).is_empty(),
        "no prompt was needed"
    );
    let kept = window.session_storage().unwrap().unwrap().get_item("paywall:checkout:cs_back").unwrap();
    assert_eq!(kept, None, "the token is spent");
    assert!(page.find("button[part=manage]").is_some(), "Manage subscription beside Sign out");
    widgets.unmount(&page.container);
}

fn clear_hash() {
    set_fragment("");
}

async fn gloo_sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}
