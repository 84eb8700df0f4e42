//! The widget in headless Chromium. Signing in with an emailed code, and every way that can go wrong.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_dialog_asks_for_an_email_sends_a_code_and_signs_in_with_it() {
    let page = Page::new("code");
    let requests = serve(vec![
        page.summary(&["Only part"]),
        page.route(
            "POST",
            "/v1/sign-in-codes",
            202,
            paywall_protocol::CodeSent { email: "new@example.com".into(), expires_in: 900 },
        ),
        page.route("POST", "/v1/sessions/code", 201, tokens("new@example.com")).when("\"code\":\"123456\""),
        page.locked_sections(&["Only part"]),
    ]);
    page.mount_until("locked").await;

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
    let sent = page.requests_to(&requests, "POST", "/v1/sign-in-codes");
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
}

#[wasm_bindgen_test]
async fn code_errors_say_what_to_do_and_keep_what_was_typed_and_a_network_failure_offers_retry() {
    let page = Page::new("codeerr");
    let summary_route = || page.summary(&["Only part"]);
    let sent = || {
        page.route(
            "POST",
            "/v1/sign-in-codes",
            202,
            paywall_protocol::CodeSent { email: "r@example.com".into(), expires_in: 900 },
        )
    };
    // First the network is down.
    serve(vec![summary_route(), page.route("POST", "/v1/sign-in-codes", 0, ())]);
    page.mount_until("locked").await;
    page.open_dialog().await;
    page.type_into("input[type=email]", "r@example.com");
    yew::scheduler::flush().await;
    let error = page.next("error");
    page.submit();
    wait(error).await;
    let text = page.alert_text();
    assert!(text.contains("couldn't reach"), "{text}");
    assert_eq!(page.input("input[type=email]").value(), "r@example.com");

    // The network is back: Try again sends the same request.
    serve(vec![
        summary_route(),
        sent(),
        page.route(
            "POST",
            "/v1/sessions/code",
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
    let text = page.alert_text();
    assert!(text.contains("That code isn't right. 2 tries left."), "{text}");
    assert_eq!(page.input("#paywall-code").value(), "999999");
    assert!(page.find("[role=alert] button").is_none(), "a wrong code is not retried as it is");

    // Asking for another code too often: told how long to wait.
    serve(vec![
        summary_route(),
        page.route(
            "POST",
            "/v1/sign-in-codes",
            429,
            problem_with(429, Reason::RateLimited, |p| p.retry_after = Some(42)),
        ),
    ]);
    let error = page.next("error");
    page.click_text("Send a new code");
    wait(error).await;
    let text = page.alert_text();
    assert!(text.contains("Try again in 42 seconds."), "{text}");
    assert!(page.find("#paywall-code").is_some(), "still at the code step");

    // A new code that could not be asked for (the network is down again): Try again asks for
    // a new code again; it does not send the digits typed earlier.
    serve(vec![summary_route(), page.route("POST", "/v1/sign-in-codes", 0, ())]);
    let error = page.next("error");
    page.click_text("Send a new code");
    wait(error).await;
    let requests = serve(vec![summary_route(), sent()]);
    let code_sent = page.next("code-sent");
    page.click_text("Try again");
    wait(code_sent).await;
    assert_eq!(page.requests_to(&requests, "POST", "/v1/sign-in-codes").len(), 1);
    assert!(page.requests_to(&requests, "POST", "/v1/sessions/code").is_empty(), "the digits were not sent");
}
