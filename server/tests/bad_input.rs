//! Bad input of every kind: a clear 4xx problem+json, never a 500 or a panic, and nothing written.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;

#[tokio::test]
async fn malformed_mistyped_incomplete_and_oversized_bodies_are_refused_and_write_nothing() {
    let server = TestServer::start().await;
    let huge = format!(
        r#"{{"email":"subscriber@example.com","password":"{}"}}"#,
        "x".repeat(paywall_server::MAX_BODY_BYTES)
    );
    let cases: [(&str, &str, StatusCode); 9] = [
        ("/v1/sessions", "{not json", StatusCode::BAD_REQUEST),
        ("/v1/sessions", "", StatusCode::BAD_REQUEST),
        ("/v1/sessions", r#"{"email":42,"password":true}"#, StatusCode::UNPROCESSABLE_ENTITY),
        ("/v1/sessions", r#"{"email":"subscriber@example.com"}"#, StatusCode::UNPROCESSABLE_ENTITY),
        ("/v1/sessions", r#""subscriber@example.com""#, StatusCode::UNPROCESSABLE_ENTITY),
        ("/v1/sessions", &huge, StatusCode::PAYLOAD_TOO_LARGE),
        ("/v1/sessions/refresh", r#"{"refresh_token":null}"#, StatusCode::UNPROCESSABLE_ENTITY),
        ("/v1/sessions/refresh", r#"{}"#, StatusCode::UNPROCESSABLE_ENTITY),
        ("/v1/sessions/refresh", "\u{0}\u{1}", StatusCode::BAD_REQUEST),
    ];
    for (path, body, status) in cases {
        let before = server.snapshot().await;
        let reply = server.post_json(path, body).await;
        let problem = reply.problem(status);
        assert!(
            problem["detail"].as_str().is_some_and(|detail| !detail.is_empty()),
            "{path} {body:.40}: {problem}"
        );
        assert_eq!(server.snapshot().await, before, "{path} {body:.40} wrote something");
    }
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_a_415() {
    let server = TestServer::start().await;
    let request = Request::post("/v1/sessions")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(r#"{"email":"subscriber@example.com","password":"paywall-demo"}"#))
        .unwrap();
    server.send(request).await.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problems() {
    let server = TestServer::start().await;
    server.get("/v1/nothing", None).await.problem(StatusCode::NOT_FOUND);
    server.get("/v1/articles", None).await.problem(StatusCode::NOT_FOUND);
    server.get("/no-such-file.js", None).await.problem(StatusCode::NOT_FOUND);
    server.get("/v1/sessions", None).await.problem(StatusCode::METHOD_NOT_ALLOWED);
    let put = request(Method::PUT, &format!("/v1/articles/{ARTICLE}"), None, Some("{}"));
    server.send(put).await.problem(StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn hostile_article_ids_are_just_unknown_articles() {
    let server = TestServer::start().await;
    for id in ["%27%20OR%201%3D1%20--", "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E", &"a".repeat(5000)] {
        let reply = server.get(&format!("/v1/articles/{id}"), None).await;
        reply.problem(StatusCode::NOT_FOUND);
        assert!(!reply.text.contains("<script>"), "{}", reply.text);
    }
}

#[tokio::test]
async fn json_query_and_form_rejections_are_all_the_same_kind_of_problem() {
    let server = TestServer::start().await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let query = server.delete("/v1/sessions?all=perhaps", session["access_token"].as_str()).await;
    let json = server.post_json("/v1/sessions", "{not json").await;
    let form = server
        .send(
            Request::post("/sign-in/confirm")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    for (what, reply, status) in [
        ("query", &query, StatusCode::BAD_REQUEST),
        ("json", &json, StatusCode::BAD_REQUEST),
        ("form", &form, StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ] {
        let problem = reply.problem(status);
        assert_eq!(problem["title"], "Invalid request", "{what}: {problem}");
        assert!(problem["detail"].as_str().is_some_and(|detail| !detail.is_empty()), "{what}: {problem}");
    }
}

#[tokio::test]
async fn a_nul_character_anywhere_is_a_clear_refusal_on_either_database() {
    // PostgreSQL's text cannot hold U+0000: each of these must be refused before it gets there.
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    let json_cases = [
        (Method::POST, "/v1/sign-in-codes", r#"{"email":"a\u0000b@example.com"}"#),
        (Method::POST, "/v1/sessions", r#"{"email":"subscriber@example.com","password":"x\u0000"}"#),
        (Method::POST, "/v1/admin/readers", r#"{"email":"n@example.com","name":"a\u0000b"}"#),
        (
            Method::POST,
            "/v1/admin/offers",
            r#"{"tier":"premium","name":"a\u0000","amount":1,"currency":"eur","interval":"month","provider_price":"p"}"#,
        ),
        (
            Method::PUT,
            "/v1/admin/articles/nul-story",
            r#"{"title":"a\u0000","tier":"premium","sections":[]}"#,
        ),
        (Method::PUT, "/v1/admin/tiers", r#"{"tiers":[{"name":"a\u0000","label":"A"}]}"#),
    ];
    // The key's first use is recorded; from here on a refusal writes nothing.
    assert_eq!(server.admin(Method::GET, "/v1/admin/tiers", &key, None).await.status, StatusCode::OK);
    let before = server.snapshot().await;
    for (method, path, body) in json_cases {
        let reply = server.admin(method.clone(), path, &key, Some(serde_json::from_str(body).unwrap())).await;
        assert!(reply.status.is_client_error(), "{method} {path}: {} {}", reply.status, reply.text);
    }
    for path in [
        "/v1/articles/a%00b",
        "/v1/articles/a%00b/locked",
        "/v1/offers?article=a%00b",
        "/v1/admin/readers?email=a%00b",
    ] {
        let reply = server.get(path, Some(&key)).await;
        assert!(reply.status.is_client_error(), "GET {path}: {} {}", reply.status, reply.text);
    }
    assert_eq!(server.snapshot().await, before);
}
