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
    let stored: Vec<u8> = with_pool!(&server.state.db, |pool| {
        sqlx::query_scalar("SELECT refresh_hash FROM sessions").fetch_one(pool).await.unwrap()
    });
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
    let server = TestServer::start_with(|config| config.database_url = None).await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let key_path = server.dir.path().join("data/signing.key");
    let key = std::fs::read_to_string(&key_path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // A second server on the same data directory: same key, same database.
    let config = on_sqlite(demo_config(server.dir.path().join("data")));
    let restarted = paywall_server::start(config).await.unwrap();
    assert_eq!(std::fs::read_to_string(&key_path).unwrap(), key);
    let app = paywall_server::app(restarted);
    let mut request = request(
        axum::http::Method::GET,
        &format!("/v1/articles/{ARTICLE}/locked"),
        session["access_token"].as_str(),
        None,
    );
    // As the server's listener gives every request (the meter counts by address).
    let peer = std::net::SocketAddr::from(([127, 0, 0, 1], 40000));
    request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    let response = tower::ServiceExt::oneshot(app, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_configured_signing_key_is_used_instead_of_a_file_and_a_weak_one_is_refused() {
    let key = SIGNING_KEY;
    let server = TestServer::start_with(|config| config.signing.key = Some(key.into())).await;
    assert!(!server.dir.path().join("data/signing.key").exists());
    server.sign_in(SUBSCRIBER, PASSWORD).await;

    for weak in ["too short", &"k".repeat(40), &"changeme".repeat(5)] {
        let dir = tempfile::tempdir().unwrap();
        let mut config = paywall_server::config::Config::defaults(dir.path());
        config.signing.key = Some(weak.into());
        let error = paywall_server::start(config).await.err().expect("a weak key is refused").to_string();
        assert!(error.contains("head -c 48 /dev/urandom | base64"), "{error}");
    }
}

#[tokio::test]
async fn the_signing_key_can_come_from_a_file_but_never_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("key");
    std::fs::write(&file, format!("{SIGNING_KEY}\n")).unwrap();
    let server = TestServer::start_with(|config| config.signing.file = Some(file.clone())).await;
    assert!(!server.dir.path().join("data/signing.key").exists());
    server.sign_in(SUBSCRIBER, PASSWORD).await;

    use clap::Parser;
    let on_the_command_line =
        paywall_server::config::Config::try_parse_from(["paywall-server", "--signing-key", "x"]);
    assert!(on_the_command_line.is_err(), "`ps` would show it");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_the_database_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start_with(|config| config.database_url = None).await;
    server.sign_in(SUBSCRIBER, PASSWORD).await;
    let mode =
        |path: &str| std::fs::metadata(server.dir.path().join(path)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("data"), 0o700);
    assert_eq!(mode("data/paywall.db"), 0o600);
    assert_eq!(mode("data/paywall.db-wal"), 0o600);
    assert_eq!(mode("data/signing.key"), 0o600);
}

async fn refresh(server: &TestServer, token: &serde_json::Value) -> Reply {
    server.post_json("/v1/sessions/refresh", &serde_json::json!({ "refresh_token": token }).to_string()).await
}

#[tokio::test]
async fn a_refresh_token_used_twice_ends_the_session_for_whoever_holds_it() {
    let server = TestServer::start().await;
    let first = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let stolen = first["refresh_token"].clone();
    let second = refresh(&server, &stolen).await.json();
    let third = refresh(&server, &second["refresh_token"]).await.json();
    assert_eq!(server.locked(&third["access_token"]).await.status, StatusCode::OK);

    // The thief uses the copy, long after it was spent: refused, and the session is over.
    let replay = refresh(&server, &stolen).await;
    let problem = replay.problem(StatusCode::UNAUTHORIZED);
    assert!(problem["detail"].as_str().unwrap().contains("already used"), "{problem}");
    assert!(replay.json()["access_token"].is_null());
    refresh(&server, &third["refresh_token"]).await.problem(StatusCode::UNAUTHORIZED);
    server.locked(&third["access_token"]).await.problem(StatusCode::UNAUTHORIZED);
    // The reader's other sessions are not touched.
    let elsewhere = server.sign_in(SUBSCRIBER, PASSWORD).await;
    assert_eq!(server.locked(&elsewhere["access_token"]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_token_just_replaced_is_refused_without_ending_the_session_but_not_after_the_grace() {
    let server = TestServer::start().await;
    let first = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let second = refresh(&server, &first["refresh_token"]).await.json();
    // Another tab sent the same token a moment later: refused, and nothing else happens.
    let before = server.snapshot().await;
    refresh(&server, &first["refresh_token"]).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(server.snapshot().await, before);
    assert_eq!(server.locked(&second["access_token"]).await.status, StatusCode::OK);

    // A minute later the same replay is a stolen copy.
    server.exec("UPDATE spent_refresh_tokens SET spent_at = spent_at - 60").await;
    refresh(&server, &first["refresh_token"]).await.problem(StatusCode::UNAUTHORIZED);
    refresh(&server, &second["refresh_token"]).await.problem(StatusCode::UNAUTHORIZED);
    server.locked(&second["access_token"]).await.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_often_it_is_refreshed() {
    let server = TestServer::start_with(|config| config.session_max_days = 1).await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let lifetime = || async {
        with_pool!(&server.state.db, |pool| {
            sqlx::query_as::<_, (i64, i64)>("SELECT created_at, expires_at FROM sessions")
                .fetch_one(pool)
                .await
                .unwrap()
        })
    };
    let (created, expires) = lifetime().await;
    assert_eq!(expires - created, 24 * 60 * 60);
    let refreshed = refresh(&server, &session["refresh_token"]).await.json();
    let (created_after, expires_after) = lifetime().await;
    assert_eq!((created_after, expires_after), (created, expires), "a refresh does not extend it");

    // Two days on (the clock moved back instead), refreshing no longer works.
    server
        .exec("UPDATE sessions SET created_at = created_at - 172800, expires_at = expires_at - 172800")
        .await;
    refresh(&server, &refreshed["refresh_token"]).await.problem(StatusCode::UNAUTHORIZED);
    server.locked(&refreshed["access_token"]).await.problem(StatusCode::UNAUTHORIZED);
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

#[tokio::test]
async fn the_grace_is_only_for_the_client_that_replaced_the_token() {
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    let server = TestServer::start().await;
    let first = server.sign_in(SUBSCRIBER, PASSWORD).await;
    // A thief elsewhere refreshes first...
    let mut thief = axum::http::Request::post("/v1/sessions/refresh")
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::json!({ "refresh_token": first["refresh_token"] }).to_string()))
        .unwrap();
    thief.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from(([203, 0, 113, 9], 1))));
    let stolen = server.send(thief).await.json();
    // ...and the owner's tab, a moment later, from its own address, uses the same token: not
    // another tab of the thief's browser, so the session ends for both.
    refresh(&server, &first["refresh_token"]).await.problem(StatusCode::UNAUTHORIZED);
    server.locked(&stolen["access_token"]).await.problem(StatusCode::UNAUTHORIZED);
}

#[cfg(unix)]
#[tokio::test]
async fn a_data_directory_others_could_read_is_made_private_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start_with(|config| config.database_url = None).await;
    let data = server.dir.path().join("data");
    let open_to_all = |path: &std::path::Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    open_to_all(&data, 0o755);
    open_to_all(&data.join("paywall.db"), 0o644);
    open_to_all(&data.join("signing.key"), 0o644);
    paywall_server::start(on_sqlite(demo_config(&data))).await.unwrap();
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("paywall.db")), 0o600);
    assert_eq!(mode(&data.join("signing.key")), 0o600);
}
