//! Load shedding: past `PAYWALL_MAX_IN_FLIGHT` requests at once, a request that finds no place
//! within `PAYWALL_QUEUE_TIMEOUT_MS` is answered 503 with `Retry-After` at once, the health
//! probes still answer, and the server serves again as soon as a place frees up. A body that
//! arrives slowly is read before its request counts, so slow senders hold no place.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use common::{ARTICLE, TestServer, request};
use http_body_util::channel::Channel;

/// The client's address, as the server's accept loop gives it.
fn peer() -> ConnectInfo<SocketAddr> {
    ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000)))
}

/// A sign-in whose body never arrives, until its sender is dropped.
fn slow_sign_in() -> (http_body_util::channel::Sender<Bytes>, Request<Body>) {
    let (sender, body) = Channel::<Bytes>::new(1);
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/v1/sessions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::new(body))
        .unwrap();
    request.extensions_mut().insert(peer());
    (sender, request)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_limit_is_shed_at_once_and_served_when_a_place_frees() {
    let server = TestServer::start_with(|config| {
        *config = common::on_sqlite(config.clone());
        config.connections.max_in_flight = 2;
        config.connections.queue_timeout_ms = 50;
    })
    .await;
    let key = server.admin_key().await;
    let article = format!("/v1/articles/{ARTICLE}");
    assert_eq!(server.send(request(Method::GET, &article, None, None)).await.status, StatusCode::OK);

    // Another process holds SQLite's one write lock: two admin writes wait for it in their
    // handlers, each holding a place.
    let file = server.state.config.data.join("paywall.db");
    let mut blocker =
        <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await.unwrap();
    let mut holding = Vec::new();
    for n in 0..2 {
        let add = common::request(
            Method::POST,
            "/v1/admin/readers",
            Some(&key),
            Some(&format!(r#"{{"email":"waiting-{n}@example.com"}}"#)),
        );
        let mut add = add;
        add.extensions_mut().insert(peer());
        let app = server.app.clone();
        holding.push(tokio::spawn(async move { tower::ServiceExt::oneshot(app, add).await }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let shed = server.send(request(Method::GET, &article, None, None)).await;
    let waited = started.elapsed();
    let problem = shed.problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(problem["type"], "urn:paywall:overloaded", "{problem}");
    assert_eq!(shed.header(header::RETRY_AFTER), "1");
    assert!(waited < Duration::from_secs(1), "shed after {waited:?}, not at once");
    // A probe is not a request to shed: a busy server is not a dead one.
    let probe = server.send(request(Method::GET, "/healthz", None, None)).await;
    assert_eq!(probe.status, StatusCode::OK, "{}", probe.text);

    // The lock goes: both writes are answered, and their places serve the next.
    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();
    for held in holding {
        let answered = held.await.unwrap().unwrap();
        assert_eq!(answered.status(), StatusCode::CREATED);
    }
    let served = server.send(request(Method::GET, &article, None, None)).await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.text);
}

#[tokio::test]
async fn a_body_that_arrives_slowly_holds_no_place() {
    let server = TestServer::start_with(|config| {
        config.connections.max_in_flight = 1;
        config.connections.queue_timeout_ms = 50;
    })
    .await;
    // Slow senders, more than there are places: their bodies are read before they count.
    let mut senders = Vec::new();
    for _ in 0..3 {
        let (sender, slow) = slow_sign_in();
        let app = server.app.clone();
        tokio::spawn(async move { tower::ServiceExt::oneshot(app, slow).await });
        senders.push(sender);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let served = server.send(request(Method::GET, &format!("/v1/articles/{ARTICLE}"), None, None)).await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.text);
    drop(senders);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_storm_every_answer_is_served_or_shed_never_a_failure() {
    let server = TestServer::start_with(|config| {
        config.connections.max_in_flight = 3;
        config.connections.queue_timeout_ms = 1;
    })
    .await;
    let article = format!("/v1/articles/{ARTICLE}");
    let mut storm = tokio::task::JoinSet::new();
    for _ in 0..400 {
        let app = server.app.clone();
        let article = article.clone();
        storm.spawn(async move {
            let mut request = request(Method::GET, &article, None, None);
            request.extensions_mut().insert(peer());
            let response = tower::ServiceExt::oneshot(app, request).await.unwrap();
            (response.status(), response.headers().get(header::RETRY_AFTER).cloned())
        });
    }
    let (mut served, mut shed) = (0, 0);
    while let Some(answer) = storm.join_next().await {
        match answer.unwrap() {
            (StatusCode::OK, _) => served += 1,
            (StatusCode::SERVICE_UNAVAILABLE, Some(wait)) if wait == "1" => shed += 1,
            (status, wait) => panic!("neither served nor shed: {status} (Retry-After {wait:?})"),
        }
    }
    assert!(served >= 3, "{served} served, {shed} shed");
    assert_eq!(served + shed, 400);
    // The storm is over: everything is served again.
    let after = server.send(request(Method::GET, &article, None, None)).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
}
