//! Tables that record attempts are pruned: spent and expired codes, ended sessions and their
//! spent refresh tokens, kept mail, expired publisher token ids; live ones are kept.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::process::ServerProcess;
use common::*;
use paywall_server::store::prune;
use serde_json::json;

const DAY: i64 = 24 * 60 * 60;

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[tokio::test]
async fn pruning_removes_what_has_ended_and_keeps_what_is_live() {
    let server = TestServer::start().await;
    // A code (and its kept mail), a session signed out, a session going on that has spent a
    // refresh token, and a publisher token id.
    assert_eq!(
        server.post_json("/v1/sign-in-codes", r#"{"email":"r@example.com"}"#).await.status,
        StatusCode::ACCEPTED
    );
    let ended = server.sign_in(SUBSCRIBER, PASSWORD).await;
    server.delete("/v1/sessions", ended["access_token"].as_str()).await;
    let going = server.sign_in(READER, PASSWORD).await;
    let refresh = json!({ "refresh_token": going["refresh_token"] }).to_string();
    let going = server.post_json("/v1/sessions/refresh", &refresh).await.json();
    server
        .exec(&format!(
            "INSERT INTO publisher_token_ids (issuer, jti, expires_at) VALUES ('https://news.example', 'j1', {})",
            now() + 300
        ))
        .await;
    let counts = || async {
        let mut counts = Vec::new();
        for table in ["sign_in_codes", "outbox", "sessions", "spent_refresh_tokens", "publisher_token_ids"] {
            counts.push(server.count(table).await);
        }
        counts
    };
    assert_eq!(counts().await, [1, 1, 2, 1, 1]);

    // Now: everything is still live or just ended.
    assert_eq!(prune::run(&server.state.db, now()).await.unwrap().total(), 0);
    // Two days on: the code, the mail, the ended session and the token id go.
    let pruned = prune::run(&server.state.db, now() + 2 * DAY).await.unwrap();
    assert_eq!((pruned.codes, pruned.outbox, pruned.sessions, pruned.publisher_token_ids), (1, 1, 1, 1));
    // So do the rate-limit counts of the sign-ins and the code, long since back to empty.
    assert!(pruned.rate_limits > 0 && server.count("rate_limits").await == 0, "{pruned:?}");
    assert_eq!(counts().await, [0, 0, 1, 1, 0]);
    let refresh = json!({ "refresh_token": going["refresh_token"] }).to_string();
    let going = server.post_json("/v1/sessions/refresh", &refresh).await;
    assert_eq!(going.status, StatusCode::OK, "the session going on is untouched: {}", going.text);
    // Past its lifetime the session goes too, with the refresh tokens it spent.
    prune::run(&server.state.db, now() + 32 * DAY).await.unwrap();
    assert_eq!(counts().await, [0, 0, 0, 0, 0]);
}

#[test]
fn the_server_prunes_on_its_schedule() {
    let server = ServerProcess::start(&[("PAYWALL_DEMO", "true"), ("PAYWALL_PRUNE_EVERY", "1")]);
    let code = server.request("POST", "/v1/sign-in-codes", &[], Some(r#"{"email":"r@example.com"}"#));
    assert_eq!(code.status, 202);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let db = database_of(&server.dir.path().join("data")).await;
        let count = |table: &'static str| count_where(&db, table, "TRUE");
        assert_eq!((count("sign_in_codes").await, count("outbox").await), (1, 1));
        // The code expired two hours ago, the mail was kept two days ago.
        exec(&db, "UPDATE sign_in_codes SET expires_at = expires_at - 7200").await;
        exec(&db, "UPDATE outbox SET created_at = created_at - 172800").await;
        for _ in 0..50 {
            if count("sign_in_codes").await == 0 && count("outbox").await == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("nothing was pruned within 5 s: {}", server.log());
    });
}
