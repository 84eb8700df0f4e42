//! The prompt the server draws before the widget loads (`paywall_ui::draw`) is node for node
//! what the widget draws for the same state, for signed-in readers too: one whose subscription
//! is to a lower tier, one without a subscription. (`e2e/prompt-first.test.mjs` holds the
//! server's answers against the widget for readers nobody is signed in as, in every language.)

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use paywall_protocol::{ArticleSummary, Reader, Reason};
use paywall_ui::draw::{self, Locked};
use paywall_ui::i18n::texts;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlTemplateElement, Node};

wasm_bindgen_test_configure!(run_in_browser);

/// Whether the widget's shadow root holds what `html` says, text nodes merged.
fn same(page: &Page, html: &str) -> Result<(), String> {
    let document = web_sys::window().unwrap().document().unwrap();
    let template: HtmlTemplateElement = document.create_element("template").unwrap().dyn_into().unwrap();
    template.set_inner_html(html);
    let drawn: Node = template.content().into();
    let widget = page
        .shadow()
        .query_selector(".root")
        .unwrap()
        .expect("the widget's root")
        .clone_node_with_deep(true)
        .unwrap();
    drawn.normalize();
    widget.normalize();
    let (mine, theirs) = (widget.child_nodes(), drawn.child_nodes());
    let equal = mine.length() == theirs.length()
        && (0..mine.length()).all(|i| mine.item(i).unwrap().is_equal_node(theirs.item(i).as_ref()));
    let widget_html = widget.dyn_into::<web_sys::Element>().unwrap().inner_html();
    if equal { Ok(()) } else { Err(format!("server: {html}\nwidget: {widget_html}")) }
}

fn locked(reader: &str, higher_tier: bool) -> Locked {
    Locked {
        titles: vec!["The ledger".into(), "Fees & <taxes>".into()],
        tier: "premium".into(),
        tier_label: "Premium".into(),
        offers: Vec::new(),
        // As the test page names it (`data-paywall-subscribe-url`).
        subscribe_url: "/join".into(),
        reader: Some(Reader { id: 7, email: reader.into() }),
        higher_tier,
    }
}

async fn signed_in_refused(name: &str, reason: Reason) -> Page {
    let page = Page::new(name);
    let mut refused = problem(403, Some(reason));
    refused.tier = Some("premium".into());
    let summary = ArticleSummary {
        tier: "premium".into(),
        tier_label: "Premium".into(),
        ..summary(&["The ledger", "Fees & <taxes>"])
    };
    serve(vec![
        page.route("GET", &format!("/v1/articles/{ARTICLE}"), 200, summary),
        page.route("POST", "/v1/sessions", 201, tokens("reader@example.com")),
        page.route("GET", &format!("/v1/articles/{ARTICLE}/locked"), 403, refused),
    ]);
    page.mount_until("locked").await;
    let locked_again = page.next("locked");
    page.sign_in("reader@example.com", "right password").await;
    wait(locked_again).await;
    page
}

#[wasm_bindgen_test]
async fn a_subscriber_to_a_lower_tier_sees_what_the_server_draws() {
    let page = signed_in_refused("drawn-higher", Reason::HigherTierRequired).await;
    let html = draw::prompt(texts("en"), locked("reader@example.com", true)).await;
    assert!(html.contains("Your subscription doesn't include this story."), "{html}");
    same(&page, &html).unwrap();
}

#[wasm_bindgen_test]
async fn a_reader_without_a_subscription_sees_what_the_server_draws() {
    let page = signed_in_refused("drawn-none", Reason::NoSubscription).await;
    let html = draw::prompt(texts("en"), locked("reader@example.com", false)).await;
    assert!(html.contains("no active subscription"), "{html}");
    same(&page, &html).unwrap();
}

#[wasm_bindgen_test]
async fn a_reader_nobody_is_signed_in_as_sees_what_the_server_draws() {
    let page = Page::new("drawn-anonymous");
    let summary = ArticleSummary {
        tier: "premium".into(),
        tier_label: "Premium".into(),
        ..summary(&["The ledger", "Fees & <taxes>"])
    };
    serve(vec![page.route("GET", &format!("/v1/articles/{ARTICLE}"), 200, summary)]);
    page.mount_until("locked").await;
    let html = draw::prompt(texts("en"), Locked { reader: None, ..locked("", false) }).await;
    same(&page, &html).unwrap();
    // A drawing that differs is told apart.
    assert!(same(&page, &html.replace("The ledger", "The legder")).is_err());
}
