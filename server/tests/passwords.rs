//! Password hashing cannot be used to stall sign-in: changes are limited per reader, and the
//! queue for hashing is bounded (a full queue answers 503 with Retry-After at once).

mod common;

use std::time::Instant;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::*;
use paywall_server::auth::PasswordHasher;
use paywall_server::http::limits::PASSWORD_CHANGES_PER_READER;
use serde_json::json;

fn put_password(token: &str, body: &serde_json::Value) -> Request<Body> {
    Request::put("/v1/readers/me/password")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ninety_six_parallel_password_changes_from_one_account_do_not_stall_a_strangers_sign_in() {
    // Room for the whole flood at once: what is measured is the hashing queue and the limit
    // per reader, not load shedding (which a busy machine would otherwise bring into it).
    let server =
        std::sync::Arc::new(TestServer::start_with(|config| config.connections.max_in_flight = 1024).await);
    let session = server.sign_in(READER, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap().to_owned();
    let flood: Vec<_> = (0..96)
        .map(|n| {
            let server = server.clone();
            let body =
                json!({ "password": format!("new password {n}"), "current_password": format!("guess {n}") });
            let request = put_password(&token, &body);
            tokio::spawn(async move { server.send(request).await.status })
        })
        .collect();
    let started = Instant::now();
    let mut stranger = Request::post("/v1/sessions")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "email": SUBSCRIBER, "password": PASSWORD }).to_string()))
        .unwrap();
    stranger.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from(([10, 1, 1, 1], 1))));
    let signed_in = server.send(stranger).await;
    let waited = started.elapsed();
    assert_eq!(signed_in.status, StatusCode::CREATED, "{}", signed_in.text);
    println!("# a stranger's sign-in during 96 parallel password changes: {} ms", waited.as_millis());

    let mut statuses = Vec::new();
    for request in flood {
        statuses.push(request.await.unwrap());
    }
    let hashed = statuses.iter().filter(|status| **status == StatusCode::FORBIDDEN).count();
    let limited = statuses.iter().filter(|status| **status == StatusCode::TOO_MANY_REQUESTS).count();
    let allowed = PASSWORD_CHANGES_PER_READER.burst as usize;
    assert_eq!(hashed, allowed, "one reader gets this many password checks: {statuses:?}");
    assert_eq!(limited, 96 - allowed, "{statuses:?}");
}

#[tokio::test]
async fn a_full_hashing_queue_answers_503_with_retry_after_at_once() {
    // The queue fills only while hashes take their real time.
    paywall_server::auth::hash_at_full_cost();
    let started = TestServer::start().await;
    let mut state = started.state.clone();
    state.passwords = PasswordHasher::with_capacity(1, 1).unwrap();
    let server =
        std::sync::Arc::new(TestServer { app: paywall_server::app(state.clone()), state, dir: started.dir });
    let attempts: Vec<_> = (0..12u8)
        .map(|n| {
            let server = server.clone();
            let mut request = Request::post("/v1/sessions")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({ "email": format!("n{n}@example.com"), "password": "guess" }).to_string(),
                ))
                .unwrap();
            request.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from(([10, 2, 0, n], 1))));
            tokio::spawn(async move { server.send(request).await })
        })
        .collect();
    let mut busy = 0;
    let mut checked = 0;
    for attempt in attempts {
        let reply = attempt.await.unwrap();
        match reply.status {
            StatusCode::SERVICE_UNAVAILABLE => {
                let problem = reply.problem(StatusCode::SERVICE_UNAVAILABLE);
                assert_eq!(reply.header(header::RETRY_AFTER), "1");
                assert_eq!(problem["retry_after"], 1);
                busy += 1;
            }
            StatusCode::UNAUTHORIZED => checked += 1,
            other => panic!("unexpected {other}: {}", reply.text),
        }
    }
    assert!(checked >= 2, "the running and the waiting check are answered: {checked}");
    assert!(busy >= 8, "the rest are turned away at once: {busy}");
    assert_eq!(busy + checked, 12);
}
