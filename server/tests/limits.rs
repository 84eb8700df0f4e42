//! Abuse limits: 429 with Retry-After; the client address comes from the socket unless the
//! socket is a configured proxy, so a spoofed X-Forwarded-For changes nothing.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::*;
use serde_json::json;

/// A code request from `peer`, claiming to forward for `forwarded_for`.
fn code_request(email: &str, peer: [u8; 4], forwarded_for: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/v1/sign-in-codes").header(header::CONTENT_TYPE, "application/json");
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    let mut request = request.body(Body::from(json!({ "email": email }).to_string())).unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from((peer, 50000))));
    request
}

fn assert_rate_limited(reply: &Reply) {
    let problem = reply.problem(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["reason"], "rate_limited");
    let wait: u64 = reply.header(header::RETRY_AFTER).parse().expect("Retry-After in seconds");
    assert!(wait >= 1, "{wait}");
    assert_eq!(problem["retry_after"], wait);
}

#[tokio::test]
async fn codes_for_one_email_are_limited_and_the_answer_says_how_long_to_wait() {
    let server = TestServer::start().await;
    for _ in 0..3 {
        let reply = server.send(code_request(SUBSCRIBER, [10, 0, 0, 1], None)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    }
    let before = server.count("sign_in_codes").await;
    // From another address too: the limit is per email.
    let reply = server.send(code_request(SUBSCRIBER, [10, 0, 0, 2], None)).await;
    assert_rate_limited(&reply);
    assert_eq!(server.count("sign_in_codes").await, before, "a refused request sends nothing");
    // Other emails are not affected.
    assert_eq!(server.send(code_request(READER, [10, 0, 0, 2], None)).await.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn codes_from_one_address_are_limited_however_x_forwarded_for_is_spoofed() {
    let server = TestServer::start().await;
    for n in 0..10 {
        let spoofed = format!("203.0.113.{n}");
        let reply =
            server.send(code_request(&format!("r{n}@example.com"), [10, 0, 0, 3], Some(&spoofed))).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    }
    let reply = server.send(code_request("r10@example.com", [10, 0, 0, 3], Some("198.51.100.7"))).await;
    assert_rate_limited(&reply);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_is_counted_on_its_own() {
    let proxy = [10, 0, 0, 9];
    let server = TestServer::start_with(|config| config.trusted_proxies = vec![proxy.into()]).await;
    for n in 0..12 {
        // The client's own (spoofable) entry comes first; the proxy appends the real address.
        let chain = format!("6.6.6.6, 203.0.113.{n}");
        let reply = server.send(code_request(&format!("p{n}@example.com"), proxy, Some(&chain))).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{n}: {}", reply.text);
    }
    // One client behind the proxy is still limited.
    for n in 0..10 {
        server.send(code_request(&format!("q{n}@example.com"), proxy, Some("203.0.113.200"))).await;
    }
    assert_rate_limited(&server.send(code_request("q10@example.com", proxy, Some("203.0.113.200"))).await);
}

#[tokio::test]
async fn password_guesses_for_one_email_are_limited() {
    let server = TestServer::start().await;
    let guess = json!({ "email": SUBSCRIBER, "password": "guess" }).to_string();
    for _ in 0..5 {
        server.post_json("/v1/sessions", &guess).await.problem(StatusCode::UNAUTHORIZED);
    }
    assert_rate_limited(&server.post_json("/v1/sessions", &guess).await);
    // Even the right password waits: the limit is checked before the password.
    let right = json!({ "email": SUBSCRIBER, "password": PASSWORD }).to_string();
    assert_rate_limited(&server.post_json("/v1/sessions", &right).await);
    assert_eq!(server.count("sessions").await, 0);
}

#[tokio::test]
async fn code_guesses_from_one_address_are_limited_across_emails() {
    let server = TestServer::start().await;
    let mut limited = false;
    for n in 0..25 {
        let body = json!({ "email": format!("g{n}@example.com"), "code": "123456" }).to_string();
        let reply = server.post_json("/v1/sessions/code", &body).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert_rate_limited(&reply);
            assert!(n >= 20, "limited after only {n}");
            limited = true;
            break;
        }
        reply.problem(StatusCode::UNAUTHORIZED);
    }
    assert!(limited, "25 guesses in a row were never limited");
}
