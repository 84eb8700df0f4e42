//! The widget's wire types as JS values (`src/wire.rs`) agree with the types' `serde` form,
//! which is what the server sends and reads: every type the widget reads by hand is written by
//! `serde_json`, parsed by the browser and read back; every body it sends (written through
//! `serde-wasm-bindgen`) is stringified by the browser and must equal what `serde_json` makes
//! of the same value, field for field, and read back as the same value.

#![cfg(target_arch = "wasm32")]

use std::fmt::Debug;

use paywall::wire::{self, FromJs};
use paywall_protocol::{
    ArticleSummary, BillingInterval, CheckoutRequest, CheckoutStarted, CodeRequest, CodeSent, CodeSignIn,
    GiftLink, GiftRequest, GrantReason, IdentityProvider, LinkSignIn, LockedSection, LockedSections, Meter,
    Offer, Offers, PasskeyInfo, PasswordSignIn, Portal, PortalRequest, Problem, ProviderSignIn,
    ProviderSignInRequest, ProviderSignInStarted, PublisherSignIn, Reader, Reason, RefreshRequest,
    SessionTokens, SignInMethods, tiers,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn parse(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("the test's JSON parses")
}

/// `value` as the server sends it, as the widget reads it.
fn read_back<T: FromJs + Serialize + PartialEq + Debug>(value: T) {
    let json = serde_json::to_string(&value).unwrap();
    assert_eq!(T::from_js(&parse(&json)), Ok(value), "{json}");
}

/// `value` as the widget sends it, as the server reads it.
fn written<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: T) {
    let body = wire::to_js(&value).expect("every request body is a JS value");
    let json = String::from(js_sys::JSON::stringify(&body).expect("the browser stringifies every body"));
    let sent: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(sent, serde_json::to_value(&value).unwrap(), "left out or added a field");
    assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
}

fn offer(interval: BillingInterval) -> Offer {
    Offer {
        id: 9_007_199_254_740_991,
        tier: "premium".into(),
        name: "Yearly «plus»".into(),
        amount: 12_000,
        currency: "eur".into(),
        interval,
        trial_days: 14,
    }
}

fn problem(reason: Option<Reason>) -> Problem {
    Problem {
        kind: "https://paywall.test/problems/x".into(),
        title: "Nope".into(),
        status: 429,
        detail: Some("Wait a moment.".into()),
        reason,
        retry_after: Some(30),
        attempts_left: Some(2),
        tier: Some("premium".into()),
        meter: Some(meter(0)),
    }
}

fn meter(registered_limit: u32) -> Meter {
    Meter { articles_read: 3, articles_left: 0, limit: 3, resets_at: 1_900_000_000, registered_limit }
}

#[wasm_bindgen_test]
fn every_answer_the_widget_reads_is_read_as_serde_writes_it() {
    read_back(ArticleSummary {
        id: "harbour-notes".into(),
        title: "Harbour \"notes\" ☕".into(),
        tier: "premium".into(),
        tier_label: "Premium".into(),
        locked_section_titles: vec!["One".into(), "Two".into()],
        metered: true,
    });
    read_back(ArticleSummary {
        id: "a".into(),
        title: String::new(),
        tier: tiers::FREE.into(),
        tier_label: String::new(),
        locked_section_titles: vec![],
        metered: false,
    });
    for grant_reason in GrantReason::ALL {
        let meter = (grant_reason == GrantReason::Metering).then(|| meter(5));
        read_back(LockedSections {
            article_id: "harbour-notes".into(),
            sections: vec![
                LockedSection { title: "One".into(), html: "<p>a &amp; b</p>".into() },
                LockedSection { title: "Two".into(), html: String::new() },
            ],
            grant_reason,
            meter,
        });
    }
    read_back(SessionTokens {
        access_token: "a.b.c".into(),
        expires_in: 900,
        refresh_token: "r".into(),
        reader: Reader { id: 42, email: "ana@example.com".into() },
    });
    read_back(CodeSent { email: "ana@example.com".into(), expires_in: 600 });
    read_back(Offers { offers: BillingInterval::ALL.map(offer).to_vec() });
    read_back(Offers { offers: vec![] });
    read_back(CheckoutStarted {
        url: "https://pay.test/c".into(),
        checkout_id: "cs_1".into(),
        checkout_token: "t".into(),
    });
    read_back(Portal { url: "https://pay.test/p".into() });
    read_back(GiftLink {
        id: 4,
        url: "https://news.test/a#paywall-gift=t".into(),
        expires_at: 1_900_000_000,
    });
    read_back(Problem::new(500, "Something went wrong"));
    read_back(SignInMethods { passkeys: None, providers: vec![] });
    read_back(SignInMethods {
        passkeys: Some("news.test".into()),
        providers: vec![IdentityProvider { id: "google".into(), name: "Google".into() }],
    });
    read_back(PasskeyInfo { id: 3, created_at: 1_800_000_000, last_used_at: None });
    read_back(PasskeyInfo { id: 4, created_at: 1_800_000_000, last_used_at: Some(1_800_000_100) });
    read_back(ProviderSignInStarted { url: "https://idp.test/auth?state=s".into(), binding: "b".into() });
    // Every reason the protocol has, so a new one is read as soon as it is declared.
    for reason in Reason::ALL {
        read_back(problem(Some(reason)));
    }
}

#[wasm_bindgen_test]
fn every_body_the_widget_sends_is_the_one_serde_reads() {
    written(PasswordSignIn { email: "ana@example.com".into(), password: "pä ss\"word".into() });
    written(CodeRequest { email: "ana@example.com".into(), return_to: None });
    written(CodeRequest { email: "ana@example.com".into(), return_to: Some("https://news.test/a".into()) });
    written(CodeSignIn { email: "ana@example.com".into(), code: "012345".into() });
    written(LinkSignIn { token: "t".into() });
    written(PublisherSignIn { token: "a.b.c".into() });
    written(RefreshRequest { refresh_token: "r".into() });
    written(CheckoutRequest {
        offer_id: 7,
        return_to: "https://news.test/a".into(),
        email: None,
        article_id: None,
    });
    // The largest id a JS number holds exactly is still written as a number (a BigInt would
    // make `JSON.stringify` throw).
    written(CheckoutRequest {
        offer_id: 9_007_199_254_740_991,
        return_to: "https://news.test/a".into(),
        email: Some("ana@example.com".into()),
        article_id: Some("harbour-notes".into()),
    });
    written(PortalRequest { return_to: "https://news.test/a".into() });
    written(GiftRequest { article_id: "harbour-notes".into(), page: "https://news.test/a".into() });
    written(ProviderSignInRequest { return_to: "https://news.test/a".into() });
    written(ProviderSignIn { token: "t".into(), binding: "b".into() });
}

#[wasm_bindgen_test]
fn an_answer_that_is_not_the_type_names_the_field_and_reads_nothing() {
    let session =
        r#"{"access_token":"a","expires_in":900,"refresh_token":"r","reader":{"id":1,"email":"e"}}"#;
    assert!(SessionTokens::from_js(&parse(session)).is_ok());
    for (json, field) in [
        (r#"{"access_token":"a","expires_in":900,"reader":{"id":1,"email":"e"}}"#, "refresh_token"),
        (
            r#"{"access_token":7,"expires_in":900,"refresh_token":"r","reader":{"id":1,"email":"e"}}"#,
            "access_token",
        ),
        (
            r#"{"access_token":"a","expires_in":"900","refresh_token":"r","reader":{"id":1,"email":"e"}}"#,
            "expires_in",
        ),
        (
            r#"{"access_token":"a","expires_in":9.5,"refresh_token":"r","reader":{"id":1,"email":"e"}}"#,
            "expires_in",
        ),
        (
            r#"{"access_token":"a","expires_in":-1,"refresh_token":"r","reader":{"id":1,"email":"e"}}"#,
            "expires_in",
        ),
        (
            r#"{"access_token":"a","expires_in":900,"refresh_token":"r","reader":{"id":"1","email":"e"}}"#,
            "reader",
        ),
        (r#"{"access_token":"a","expires_in":900,"refresh_token":"r","reader":null}"#, "reader"),
        (r#"[1, 2]"#, "session"),
        (r#""a session""#, "session"),
    ] {
        assert_eq!(SessionTokens::from_js(&parse(json)), Err(field), "{json}");
    }
    let sections = r#"{"article_id":"a","sections":[{"title":"t","html":"h"},{"title":"t"}]}"#;
    assert_eq!(LockedSections::from_js(&parse(sections)), Err("sections"));
    let interval = r#"{"offers":[{"id":1,"tier":"p","name":"n","amount":1,"currency":"eur","interval":"week","trial_days":0}]}"#;
    assert_eq!(Offers::from_js(&parse(interval)), Err("offers"));
    let too_big = r#"{"type":"about:blank","title":"t","status":70000}"#;
    assert_eq!(Problem::from_js(&parse(too_big)), Err("status"));
}

#[wasm_bindgen_test]
fn what_serde_would_accept_the_readers_accept_too() {
    // Fields the widget does not know (a newer server) are ignored; `null` is an absent option;
    // defaults apply to fields an older server leaves out.
    let summary = r#"{"id":"a","title":"t","tier":"premium","locked_section_titles":[],"extra":{"x":1}}"#;
    assert_eq!(ArticleSummary::from_js(&parse(summary)).unwrap().tier_label, "");
    let sections = r#"{"article_id":"a","sections":[]}"#;
    assert_eq!(LockedSections::from_js(&parse(sections)).unwrap().grant_reason, GrantReason::Subscription);
    let problem = r#"{"type":"about:blank","title":"t","status":403,"detail":null,"tier":null}"#;
    assert_eq!(Problem::from_js(&parse(problem)), Ok(Problem::new(403, "t")));
    // A reason this widget does not know is a problem without one, not an unreadable problem.
    let newer = r#"{"type":"about:blank","title":"t","status":409,"reason":"something_new"}"#;
    assert_eq!(Problem::from_js(&parse(newer)), Ok(Problem::new(409, "t")));
}
