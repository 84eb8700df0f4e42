//! The demo site's files and cross-origin access.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;

#[tokio::test]
async fn the_demo_page_and_the_loader_are_served_without_locked_text() {
    let server = TestServer::start().await;
    let page = server.get("/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(page.text.contains(&format!(r#"data-paywall="{ARTICLE}""#)));
    assert!(page.text.contains("The story"));
    assert_no_locked_text(&page.text);

    let loader = server.get("/paywall.js", None).await;
    assert_eq!(loader.status, StatusCode::OK);
    assert!(loader.header(header::CONTENT_TYPE).contains("javascript"));
    assert_eq!(loader.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
}

async fn preflight(server: &TestServer, origin: &str) -> Reply {
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/v1/sessions")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap();
    server.send(request).await
}

#[tokio::test]
async fn only_configured_origins_may_call_the_api_from_a_browser() {
    let server =
        TestServer::start_with(|config| config.cors_origins = vec!["https://news.example".into()]).await;
    let allowed = preflight(&server, "https://news.example").await;
    assert_eq!(allowed.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "https://news.example");
    assert!(allowed.header(header::ACCESS_CONTROL_ALLOW_HEADERS).contains("authorization"));
    // Every method the API has, PUT (the password) included.
    let methods = allowed.header(header::ACCESS_CONTROL_ALLOW_METHODS);
    for method in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(method), "{method} in {methods}");
    }

    let other = preflight(&server, "https://evil.example").await;
    assert_eq!(other.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "");

    let request = Request::get(format!("/v1/articles/{ARTICLE}"))
        .header(header::ORIGIN, "https://news.example")
        .body(Body::empty())
        .unwrap();
    let reply = server.send(request).await;
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "https://news.example");
}

#[tokio::test]
async fn with_no_origins_configured_no_cross_origin_access_is_granted() {
    let server = TestServer::start().await;
    let reply = preflight(&server, "https://news.example").await;
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "");
    assert_ne!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
}
