//! `/v1/sessions`: sign in, refresh, sign out; and the signing key that outlives a restart.

mod common;

use axum::http::{StatusCode, header};
use common::*;

#[tokio::test]
async fn signing_in_returns_tokens_and_the_reader_with_a_normalised_email() {
    let server = TestServer::start().await;
    let reply = server
        .post_json("/v1/sessions", r#"{"email":"  Subscriber@Example.COM ","password":"paywall-demo"}"#)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
    let body = reply.json();
    assert_eq!(body["reader"]["email"], SUBSCRIBER);
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
    assert_eq!(server.count("sessions").await, 1);

    // Only the hash of the refresh token is stored.
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT refresh_hash FROM sessions").fetch_one(&server.state.db).await.unwrap();
    assert_ne!(stored, body["refresh_token"].as_str().unwrap().as_bytes());
    assert_eq!(stored.len(), 32);
    assert_not_stored(&server.snapshot().await, body["refresh_token"].as_str().unwrap());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_401_and_write_nothing() {
    let server = TestServer::start().await;
    let before = server.snapshot().await;
    let wrong_password =
        server.post_json("/v1/sessions", r#"{"email":"subscriber@example.com","password":"nope"}"#).await;
    let unknown_email =
        server.post_json("/v1/sessions", r#"{"email":"nobody@example.com","password":"paywall-demo"}"#).await;
    wrong_password.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.text, unknown_email.text);
    assert_eq!(wrong_password.status, unknown_email.status);
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn a_refresh_token_buys_one_new_pair_and_then_stops_working() {
    let server = TestServer::start().await;
    let first = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let old = first["refresh_token"].as_str().unwrap();

    let reply = server
        .post_json("/v1/sessions/refresh", &serde_json::json!({ "refresh_token": old }).to_string())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header(header::CACHE_CONTROL), "no-store");
    let second = reply.json();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["reader"]["email"], SUBSCRIBER);
    let locked = server.locked(&second["access_token"]).await;
    assert_eq!(locked.status, StatusCode::OK);

    // Spending the old token again is refused and changes nothing.
    let before = server.snapshot().await;
    let reused = server
        .post_json("/v1/sessions/refresh", &serde_json::json!({ "refresh_token": old }).to_string())
        .await;
    reused.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(server.snapshot().await, before);

    // The new one still works, once.
    let next = second["refresh_token"].as_str().unwrap();
    let third = server
        .post_json("/v1/sessions/refresh", &serde_json::json!({ "refresh_token": next }).to_string())
        .await;
    assert_eq!(third.status, StatusCode::OK);
    assert_eq!(server.count("sessions").await, 1);
}

#[tokio::test]
async fn an_unknown_refresh_token_is_a_401() {
    let server = TestServer::start().await;
    let reply = server.post_json("/v1/sessions/refresh", r#"{"refresh_token":"made-up"}"#).await;
    reply.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_ends_the_session_for_its_access_and_refresh_tokens() {
    let server = TestServer::start().await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let other_device = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let access = session["access_token"].as_str().unwrap();

    let reply = server.delete("/v1/sessions", Some(access)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);

    let locked = server.get(&format!("/v1/articles/{ARTICLE}/locked"), Some(access)).await;
    locked.problem(StatusCode::UNAUTHORIZED);
    assert_no_locked_text(&locked.text);
    let refresh = server
        .post_json(
            "/v1/sessions/refresh",
            &serde_json::json!({ "refresh_token": session["refresh_token"] }).to_string(),
        )
        .await;
    refresh.problem(StatusCode::UNAUTHORIZED);
    // Signing out twice is refused: the session is gone.
    server.delete("/v1/sessions", Some(access)).await.problem(StatusCode::UNAUTHORIZED);

    // The reader's other session is untouched.
    let other = server.locked(&other_device["access_token"]).await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_needs_a_valid_token() {
    let server = TestServer::start().await;
    server.delete("/v1/sessions", None).await.problem(StatusCode::UNAUTHORIZED);
    server.delete("/v1/sessions", Some("junk")).await.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_signing_key_is_generated_once_kept_private_and_survives_a_restart() {
    let server = TestServer::start().await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let key_path = server.dir.path().join("data/signing.key");
    let key = std::fs::read_to_string(&key_path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // A second server on the same data directory: same key, same database.
    let config = demo_config(server.dir.path().join("data"));
    let restarted = paywall_server::start(config).await.unwrap();
    assert_eq!(std::fs::read_to_string(&key_path).unwrap(), key);
    let app = paywall_server::app(restarted);
    let request = request(
        axum::http::Method::GET,
        &format!("/v1/articles/{ARTICLE}/locked"),
        session["access_token"].as_str(),
        None,
    );
    let response = tower::ServiceExt::oneshot(app, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_configured_signing_key_is_used_instead_of_a_file_and_a_short_one_is_refused() {
    let server = TestServer::start_with(|config| config.signing_key = Some("k".repeat(40))).await;
    assert!(!server.dir.path().join("data/signing.key").exists());
    server.sign_in(SUBSCRIBER, PASSWORD).await;

    let dir = tempfile::tempdir().unwrap();
    let mut config = paywall_server::Config::with_data_dir(dir.path());
    config.signing_key = Some("too short".into());
    assert!(paywall_server::start(config).await.is_err());
}

#[tokio::test]
async fn seeding_twice_adds_nothing_and_keeps_what_was_saved() {
    let server = TestServer::start().await;
    server.sign_in(SUBSCRIBER, PASSWORD).await;
    let before = server.snapshot().await;
    let config = demo_config(server.dir.path().join("data"));
    paywall_server::start(config).await.unwrap();
    assert_eq!(server.snapshot().await, before);
    assert_eq!(server.count("articles").await, 1);
    assert_eq!(server.count("readers").await, 2);
    assert_eq!(server.count("subscriptions").await, 1);
}
