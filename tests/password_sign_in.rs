//! The widget in headless Chromium. Signing in with a password: the locked sections in place, a wrong password, and a reader without a subscription.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn signing_in_shows_the_locked_sections_in_order_in_the_light_dom() {
    let page = Page::new("unlock");
    let requests = serve(vec![
        page.summary(&["First part", "Second part"]),
        page.route("POST", "/v1/sessions", 201, tokens("member@example.com")),
        page.route(
            "GET",
            &format!("/v1/articles/{ARTICLE}/locked"),
            200,
            LockedSections {
                article_id: ARTICLE.into(),
                grant_reason: Default::default(),
                meter: None,
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
    page.mount_until("locked").await;

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
    // (The signed-in widget also asks what else the server offers: passkeys, providers.)
    let last = requests
        .iter()
        .rfind(|request| {
            let path = js_sys::Reflect::get(request, &"path".into()).ok().and_then(|path| path.as_string());
            path.is_some_and(|path| path.ends_with("/locked"))
        })
        .expect("the locked sections were asked for");
    assert_eq!(
        js_sys::Reflect::get(&last, &"authorization".into()).unwrap(),
        "Bearer access-for-member@example.com"
    );
    let storage = storage();
    assert_eq!(
        storage.get_item(&page.storage_key()).unwrap().as_deref(),
        Some("refresh-for-member@example.com")
    );
}

#[wasm_bindgen_test]
async fn a_wrong_password_shows_an_error_in_the_dialog_and_keeps_the_email() {
    let page = Page::new("wrong");
    serve(vec![page.summary(&["Only part"]), page.route("POST", "/v1/sessions", 401, problem(401, None))]);
    page.mount_until("locked").await;

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
        page.summary(&["Only part"]),
        page.route("POST", "/v1/sessions", 201, tokens("visitor@example.com")),
        page.route(
            "GET",
            &format!("/v1/articles/{ARTICLE}/locked"),
            403,
            problem(403, Some(Reason::NoSubscription)),
        ),
    ]);
    page.mount_until("locked").await;

    let locked_again = page.next("locked");
    page.sign_in("visitor@example.com", "right password").await;
    wait(locked_again).await;

    let text = page.shadow_text();
    assert!(text.contains("This account has no active subscription"), "{text}");
    assert!(text.contains("visitor@example.com"), "{text}");
    assert!(page.find("a[part=subscribe]").is_some());
    assert!(page.find("button[part=sign-out]").is_some());
    assert!(page.unlocked_sections().is_empty());
}
