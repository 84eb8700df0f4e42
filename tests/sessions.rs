//! The widget in headless Chromium. The reader's session: kept across reloads, shared by two articles, and followed from another tab.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_stored_session_unlocks_on_load_without_showing_the_prompt() {
    let page = Page::new("reload");
    let storage = storage();
    storage.set_item(&page.storage_key(), "refresh-from-last-visit").unwrap();
    let refresh = page
        .route("POST", "/v1/sessions/refresh", 200, tokens("member@example.com"))
        .when("refresh-from-last-visit");
    let requests = serve(vec![
        refresh,
        page.summary(&["Kept part"]),
        page.route("DELETE", "/v1/sessions", 204, ()),
        page.route(
            "GET",
            &format!("/v1/articles/{ARTICLE}/locked"),
            200,
            LockedSections {
                article_id: ARTICLE.into(),
                grant_reason: Default::default(),
                meter: None,
                sections: vec![LockedSection {
                    title: "Kept part".into(),
                    html: "<p>Still here.</p>".into(),
                }],
            },
        ),
    ]);
    page.mount_until("unlocked").await;

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

#[wasm_bindgen_test]
async fn two_articles_on_a_page_share_one_session() {
    let first = Page::new("two");
    let second = first.sharing();
    serve(vec![
        first.summary(&["Only part"]),
        first.route("POST", "/v1/sessions", 201, tokens("member@example.com")),
        first.locked_sections(&["Only part"]),
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
        page.summary(&["Only part"]),
        page.route("POST", "/v1/sessions/refresh", 200, tokens("member@example.com")),
        page.locked_sections(&["Only part"]),
    ]);
    page.mount_until("locked").await;

    // Another tab signs in: it stores a refresh token, and this tab hears a storage event.
    let storage = storage();
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
    let (signed_in, unlocked) = (page.next("signed-in"), page.next("unlocked"));
    tell(None, Some("refresh-from-the-other-tab"));
    let signed_in = wait(signed_in).await;
    wait(unlocked).await;
    assert_eq!(page.unlocked_sections()[0].0, "Only part");
    // The event names who signed in, though this tab learnt it only from the server.
    let detail = js_sys::Reflect::get(&signed_in, &"detail".into()).unwrap();
    assert_eq!(js_sys::Reflect::get(&detail, &"email".into()).unwrap(), "member@example.com");

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
