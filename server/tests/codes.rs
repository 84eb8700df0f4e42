//! Email sign-in: codes and links sent through a real SMTP server on loopback, sign-up on the
//! first code, and every way a code can be refused.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::smtp::SmtpSink;
use common::*;
use serde_json::json;

/// A server that sends mail to a fresh SMTP sink.
async fn with_mail() -> (TestServer, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let server = TestServer::start_with(|config| config.mail.smtp_url = Some(url)).await;
    (server, sink)
}

/// The six digits and the link in a received email.
fn code_and_link(data: &str) -> (String, String) {
    let code = data
        .lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no 6-digit code in: {data}"))
        .to_owned();
    let link = data
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("http"))
        .expect("the email has a link")
        .to_owned();
    (code, link)
}

async fn ask_for_code(server: &TestServer, email: &str) -> Reply {
    server.post_json("/v1/sign-in-codes", &json!({ "email": email }).to_string()).await
}

async fn sign_in_with_code(server: &TestServer, email: &str, code: &str) -> Reply {
    server.post_json("/v1/sessions/code", &json!({ "email": email, "code": code }).to_string()).await
}

#[tokio::test]
async fn a_code_sent_over_smtp_signs_a_new_reader_up_and_in() {
    let (server, sink) = with_mail().await;
    let readers_before = server.count("readers").await;

    let reply = ask_for_code(&server, "  New.Reader@Example.com ").await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    assert_eq!(reply.json()["email"], "new.reader@example.com");
    assert_eq!(reply.json()["expires_in"], 900);

    let email = sink.wait_for(1).await;
    assert_eq!(email.to, ["new.reader@example.com"]);
    assert!(email.data.contains("Subject: Your sign-in code for The Platform"), "{}", email.data);
    let (code, link) = code_and_link(&email.data);
    // The token rides in the fragment: no server, proxy or log ever sees it in a request line.
    assert!(link.contains("/sign-in/confirm#token="), "{link}");
    // Only hashes are stored: neither the digits nor the link token are in the database.
    let stored = server.snapshot().await;
    assert!(stored.contains("sign_in_codes("), "the snapshot covers the codes table: {stored}");
    assert_not_stored(&stored, link.rsplit('=').next().unwrap());
    assert!(!stored.contains(&format!("'{code}'")), "the code is stored as text: {stored}");
    let code_hex: String = code.bytes().map(|byte| format!("{byte:02X}")).collect();
    assert!(!stored.contains(&code_hex), "the code is stored as a blob: {stored}");
    assert_eq!(server.count("readers").await, readers_before, "asking for a code creates no account");

    let reply = sign_in_with_code(&server, "new.reader@example.com", &code).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json()["reader"]["email"], "new.reader@example.com");
    assert_eq!(server.count("readers").await, readers_before + 1);
    // A new account has no subscription.
    server.locked(&reply.json()["access_token"]).await.problem(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_existing_subscriber_signs_in_with_a_code_into_their_own_account() {
    let (server, sink) = with_mail().await;
    ask_for_code(&server, SUBSCRIBER).await;
    let (code, _) = code_and_link(&sink.wait_for(1).await.data);
    // Spaces inside the code, as a reader might type it, are fine.
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    let reply = sign_in_with_code(&server, SUBSCRIBER, &spaced).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(server.locked(&reply.json()["access_token"]).await.status, StatusCode::OK);
    assert_eq!(server.count("readers").await, 2);
}

#[tokio::test]
async fn asking_for_a_code_says_the_same_whether_or_not_the_account_exists() {
    let (server, _sink) = with_mail().await;
    let known = ask_for_code(&server, SUBSCRIBER).await;
    let unknown = ask_for_code(&server, "stranger@example.com").await;
    assert_eq!(known.status, unknown.status);
    let strip = |reply: &Reply| {
        let mut body = reply.json();
        body["email"] = json!("");
        body
    };
    assert_eq!(strip(&known), strip(&unknown));
}

#[tokio::test]
async fn an_invalid_email_is_refused_clearly_and_nothing_is_written_or_sent() {
    let (server, sink) = with_mail().await;
    let before = server.snapshot().await;
    for email in [
        "",
        "not-an-email",
        "a@b",
        "two@@example.com",
        "spaces in@example.com",
        &format!("{}@example.com", "a".repeat(250)),
    ] {
        let reply = ask_for_code(&server, email).await;
        let problem = reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["reason"], "invalid_email", "{email}");
        assert!(problem["detail"].as_str().unwrap().contains("name@example.com"));
    }
    assert_eq!(server.snapshot().await, before);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_wrong_code_counts_down_and_the_fifth_voids_the_code() {
    let (server, sink) = with_mail().await;
    ask_for_code(&server, SUBSCRIBER).await;
    let (code, _) = code_and_link(&sink.wait_for(1).await.data);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in [4, 3, 2, 1] {
        let problem = sign_in_with_code(&server, SUBSCRIBER, wrong).await.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(problem["reason"], "wrong_code");
        assert_eq!(problem["attempts_left"], left);
        assert!(problem["detail"].as_str().unwrap().contains(&format!("{left} tr")), "{problem}");
    }
    let problem = sign_in_with_code(&server, SUBSCRIBER, wrong).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["reason"], "too_many_attempts");
    // Even the right code no longer works, and no session was made.
    let problem = sign_in_with_code(&server, SUBSCRIBER, &code).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["reason"], "too_many_attempts");
    assert_eq!(server.count("sessions").await, 0);
}

#[tokio::test]
async fn a_code_works_once_an_earlier_one_keeps_working_until_one_is_spent_and_codes_expire() {
    let (server, sink) = with_mail().await;
    ask_for_code(&server, SUBSCRIBER).await;
    let (first, _) = code_and_link(&sink.wait_for(1).await.data);
    ask_for_code(&server, SUBSCRIBER).await;
    let (second, _) = code_and_link(&sink.wait_for(2).await.data);
    // Asking again does not void the code already on its way.
    assert_eq!(sign_in_with_code(&server, SUBSCRIBER, &first).await.status, StatusCode::CREATED);
    // Spending one voids the others.
    if first != second {
        let problem = sign_in_with_code(&server, SUBSCRIBER, &second).await.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(problem["reason"], "code_expired", "{problem}");
    }
    let reused = sign_in_with_code(&server, SUBSCRIBER, &first).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(reused["reason"], "code_expired");

    ask_for_code(&server, "late@example.com").await;
    let (late, _) = code_and_link(&sink.wait_for(3).await.data);
    server.exec("UPDATE sign_in_codes SET expires_at = 1 WHERE email = 'late@example.com'").await;
    let expired =
        sign_in_with_code(&server, "late@example.com", &late).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(expired["reason"], "code_expired");
    let never_sent =
        sign_in_with_code(&server, "nobody@example.com", "123456").await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(never_sent["reason"], "code_expired");
}

/// The confirmation form's POST for a link token.
fn confirm(token: &str) -> Request<Body> {
    Request::post("/sign-in/confirm")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("token={token}")))
        .unwrap()
}

#[tokio::test]
async fn opening_the_link_spends_nothing_until_the_reader_confirms() {
    let (server, sink) = with_mail().await;
    let request = json!({ "email": SUBSCRIBER, "return_to": "http://127.0.0.1:8080/articles/night-trains" });
    let reply = server.post_json("/v1/sign-in-codes", &request.to_string()).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    let (_, link) = code_and_link(&sink.wait_for(1).await.data);
    let (path, token) = link[link.find("/sign-in/").unwrap()..].split_once("#token=").unwrap();
    let token = token.to_owned();

    // A scanner's GETs, as many as it likes: a page with a button, and nothing spent. The
    // request never carries the token; only the page's one script, pinned by its hash, may
    // move it from the fragment into the form.
    for _ in 0..3 {
        let page = server.get(path, None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains("<form method=\"post\""), "{}", page.text);
        assert!(!page.text.contains(&token));
        assert_eq!(page.header(header::REFERRER_POLICY), "no-referrer");
        let policy = page.header(header::CONTENT_SECURITY_POLICY);
        assert!(policy.contains("default-src 'none'") && policy.contains("script-src 'sha256-"), "{policy}");
        let scripts = policy.split(';').map(str::trim).find(|directive| directive.starts_with("script-src"));
        assert!(scripts.is_some_and(|scripts| !scripts.contains("unsafe")), "{policy}");
    }
    let unspent = server.count_where("sign_in_codes", "used_at IS NULL").await;
    assert_eq!(unspent, 1);
    assert_eq!(server.count("sessions").await, 0);

    // Confirming sends the reader back to the article with the token in the fragment.
    let reply = server.send(confirm(&token)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        reply.header(header::LOCATION),
        format!("http://127.0.0.1:8080/articles/night-trains#paywall-link={token}")
    );

    // The widget spends it, once.
    let body = json!({ "token": token }).to_string();
    let session = server.post_json("/v1/sessions/link", &body).await;
    assert_eq!(session.status, StatusCode::CREATED, "{}", session.text);
    assert_eq!(session.json()["reader"]["email"], SUBSCRIBER);
    let again = server.post_json("/v1/sessions/link", &body).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(again["reason"], "code_expired");
    // And confirming it again says the link is spent.
    let page = server.send(confirm(&token)).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(!page.text.contains("<form"));
}

#[tokio::test]
async fn the_confirmation_pages_script_is_the_one_its_policy_allows() {
    use base64::Engine;
    use sha2::Digest;
    let server =
        TestServer::start_with(|config| config.cors_origins = vec!["https://news.example/".into()]).await;
    let page = server.get("/sign-in/confirm", None).await;
    // Browsers hold the form's redirect to `form-action`: a link may lead back to the publisher.
    let policy = page.header(header::CONTENT_SECURITY_POLICY);
    let form_action =
        policy.split(';').map(str::trim).find(|directive| directive.starts_with("form-action")).unwrap();
    assert_eq!(form_action, "form-action 'self' http://127.0.0.1:8080 https://news.example", "{policy}");
    let script = page.text.split("<script>").nth(1).unwrap().split("</script>").next().unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()));
    assert!(page.header(header::CONTENT_SECURITY_POLICY).contains(&format!("'sha256-{hash}'")));
    assert_eq!(page.text.matches("<script").count(), 1);
}

#[tokio::test]
async fn a_link_may_only_lead_back_to_this_site_or_a_configured_publisher() {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let server = TestServer::start_with(|config| {
        config.mail.smtp_url = Some(url);
        config.cors_origins = vec!["https://news.example".into()];
    })
    .await;
    for (return_to, allowed) in [
        ("https://news.example/2026/story", true),
        ("http://127.0.0.1:8080/", true),
        ("https://evil.example/phish", false),
        ("javascript:alert(1)", false),
        ("//evil.example/", false),
        ("https://news.example.evil.example/", false),
    ] {
        let body = json!({ "email": "r@example.com", "return_to": return_to }).to_string();
        let reply = server.post_json("/v1/sign-in-codes", &body).await;
        if allowed {
            assert_eq!(reply.status, StatusCode::ACCEPTED, "{return_to}: {}", reply.text);
        } else {
            reply.problem(StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
}

#[tokio::test]
async fn demo_mode_without_smtp_keeps_mail_in_the_dev_outbox() {
    let server = TestServer::start().await;
    assert_eq!(ask_for_code(&server, SUBSCRIBER).await.status, StatusCode::ACCEPTED);
    let page = server.get("/dev/outbox", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Your sign-in code for The Platform"), "{}", page.text);
    assert!(page.text.contains("/sign-in/confirm#token="));
    let code = page.text.split("Platform: ").nth(1).unwrap()[..6].to_owned();
    assert_eq!(sign_in_with_code(&server, SUBSCRIBER, &code).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn outside_demo_mode_there_is_no_outbox_and_no_smtp_means_no_email_sign_in() {
    let server = TestServer::start_with(|config| config.demo.on = false).await;
    server.get("/dev/outbox", None).await.problem(StatusCode::NOT_FOUND);
    ask_for_code(&server, "r@example.com").await.problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(server.count("sign_in_codes").await, 0);
    assert_eq!(server.count("articles").await, 0);
}

/// `PUT /v1/readers/me/password` with this access token and body.
fn put_password(token: &str, body: serde_json::Value) -> Request<Body> {
    Request::put("/v1/readers/me/password")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn setting_a_password_takes_an_emailed_code_and_changing_it_takes_the_current_one() {
    let (server, sink) = with_mail().await;
    ask_for_code(&server, "fresh@example.com").await;
    let (code, _) = code_and_link(&sink.wait_for(1).await.data);
    let session = sign_in_with_code(&server, "fresh@example.com", &code).await.json();
    let token = session["access_token"].as_str().unwrap();
    let other_device = sign_in_with_code_again(&server, &sink, "fresh@example.com", 2).await;

    // The session alone proves nothing: a stolen access token must not become a password.
    let before = server.snapshot().await;
    let problem = server
        .send(put_password(token, json!({ "password": "a long enough passphrase" })))
        .await
        .problem(StatusCode::FORBIDDEN);
    assert_eq!(problem["reason"], "proof_required");
    let wrong = server
        .send(put_password(token, json!({ "password": "a long enough passphrase", "code": "000000" })))
        .await
        .problem(StatusCode::FORBIDDEN);
    assert_eq!(wrong["reason"], "code_expired", "no code was asked for: {wrong}");
    server
        .send(put_password(token, json!({ "password": "short" })))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(server.snapshot().await, before);

    // A code just emailed proves the reader owns the address.
    ask_for_code(&server, "fresh@example.com").await;
    let (code, _) = code_and_link(&sink.wait_for(3).await.data);
    let set = put_password(token, json!({ "password": "a long enough passphrase", "code": code }));
    assert_eq!(server.send(set).await.status, StatusCode::NO_CONTENT);
    server.sign_in("fresh@example.com", "a long enough passphrase").await;
    // Every other session ended; this one goes on.
    server.locked(&other_device["access_token"]).await.problem(StatusCode::UNAUTHORIZED);
    server.locked(&session["access_token"]).await.problem(StatusCode::FORBIDDEN);

    // Now there is a password, changing it takes that password.
    let problem = server
        .send(put_password(token, json!({ "password": "another passphrase" })))
        .await
        .problem(StatusCode::FORBIDDEN);
    assert_eq!(problem["reason"], "proof_required");
    assert!(problem["detail"].as_str().unwrap().contains("current password"), "{problem}");
    let wrong = json!({ "password": "another passphrase", "current_password": "not it at all" });
    let problem = server.send(put_password(token, wrong)).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(problem["reason"], "wrong_password");
    let right = json!({ "password": "another passphrase", "current_password": "a long enough passphrase" });
    assert_eq!(server.send(put_password(token, right)).await.status, StatusCode::NO_CONTENT);
    server.sign_in("fresh@example.com", "another passphrase").await;

    let anonymous = Request::put("/v1/readers/me/password")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"password":"a long enough passphrase"}"#))
        .unwrap();
    server.send(anonymous).await.problem(StatusCode::UNAUTHORIZED);
}

/// Signs in once more with a new code (the `nth` email to arrive): a second device.
async fn sign_in_with_code_again(
    server: &TestServer,
    sink: &SmtpSink,
    email: &str,
    nth: usize,
) -> serde_json::Value {
    ask_for_code(server, email).await;
    let (code, _) = code_and_link(&sink.wait_for(nth).await.data);
    let reply = sign_in_with_code(server, email, &code).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json()
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_reader() {
    let server = TestServer::start().await;
    let phone = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let laptop = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let other_reader = server.sign_in(READER, PASSWORD).await;

    let reply = server.delete("/v1/sessions?all=true", phone["access_token"].as_str()).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    server.locked(&laptop["access_token"]).await.problem(StatusCode::UNAUTHORIZED);
    let refresh = json!({ "refresh_token": laptop["refresh_token"] }).to_string();
    server.post_json("/v1/sessions/refresh", &refresh).await.problem(StatusCode::UNAUTHORIZED);
    // Another reader's session is untouched.
    server.locked(&other_reader["access_token"]).await.problem(StatusCode::FORBIDDEN);

    let bad = server.delete("/v1/sessions?all=maybe", other_reader["access_token"].as_str()).await;
    bad.problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_servers_pages_escape_every_value() {
    let hostile = r#"<script>alert("x")</script> & "Co""#;
    let server = TestServer::start_with(|config| config.publication = hostile.into()).await;
    server.post_json("/v1/sign-in-codes", r#"{"email":"r@example.com"}"#).await;
    let expired = server
        .send(
            Request::post("/sign-in/confirm")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("token=unknown"))
                .unwrap(),
        )
        .await;
    for page in [server.get("/sign-in/confirm", None).await, expired, server.get("/dev/outbox", None).await] {
        assert!(!page.text.contains("<script>alert"), "{}", page.text);
        assert!(
            page.text.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Co&quot;"),
            "{}",
            page.text
        );
    }
}
