//! Webhooks to the publisher's systems: endpoints under the admin API, events queued with the
//! change they tell of, signed as Standard Webhooks says (checked here with its reference
//! library), tried again with growing waits (time is passed in, never slept), each try
//! recorded; and every bad endpoint refused without writing anything.

mod common;

use axum::http::{Method, StatusCode};
use common::receiver::Receiver;
use common::*;
use paywall_server::publishing::webhooks::{RETRY_AFTER, client, deliver_due};
use paywall_server::store::prune;
use serde_json::{Value, json};

/// Adds an endpoint taking `events` (all when empty); its id and secret.
async fn endpoint(server: &TestServer, key: &str, url: &str, events: Value) -> (i64, String) {
    let added = server
        .admin(Method::POST, "/v1/admin/webhooks", key, Some(json!({"url": url, "events": events})))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let added = added.json();
    (added["id"].as_i64().unwrap(), added["secret"].as_str().unwrap().to_owned())
}

async fn deliveries(server: &TestServer, key: &str, id: i64) -> Vec<Value> {
    let reply = server.admin(Method::GET, &format!("/v1/admin/webhooks/{id}/deliveries"), key, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json()["deliveries"].as_array().unwrap().clone()
}

async fn add_reader(server: &TestServer, key: &str, email: &str) -> i64 {
    let added = server.admin(Method::POST, "/v1/admin/readers", key, Some(json!({"email": email}))).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    added.json()["id"].as_i64().unwrap()
}

fn now() -> i64 {
    paywall_server::time::now()
}

#[tokio::test]
async fn an_event_is_signed_and_tried_again_until_the_endpoint_takes_it() {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    let receiver = Receiver::start().await;
    let (id, secret) = endpoint(&server, &key, &receiver.url, json!([])).await;
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    // The secret is shown once: lists and reads leave it out, and the audit log names no secret.
    let listed = server.admin(Method::GET, "/v1/admin/webhooks", &key, None).await;
    assert!(!listed.text.contains(&secret) && listed.json()["endpoints"][0]["secret"].is_null());
    let read = server.admin(Method::GET, &format!("/v1/admin/webhooks/{id}"), &key, None).await;
    assert_eq!(read.json()["url"], receiver.url.as_str());
    assert!(!read.text.contains(&secret));
    // The audit log names the endpoint by its origin: a path or query may hold a token.
    let audit = server.admin(Method::GET, "/v1/admin/audit", &key, None).await.json();
    let created = &audit["entries"][0];
    assert_eq!(created["action"], "webhook.create");
    assert_eq!(created["detail"], format!("{} (every event)", receiver.url.trim_end_matches("/hook")));

    let reader = add_reader(&server, &key, "New.Member@example.com").await;
    receiver.answer(&[500, 503]);
    let client = client();
    let start = now();
    let round = deliver_due(&server.state.db, &client, start).await.unwrap();
    assert_eq!((round.delivered, round.retrying, round.failed), (0, 1, 0));
    // Not due again before its wait is over.
    assert_eq!(deliver_due(&server.state.db, &client, start + RETRY_AFTER[0] - 1).await.unwrap().retrying, 0);
    assert_eq!(receiver.got().len(), 1);
    let round = deliver_due(&server.state.db, &client, start + RETRY_AFTER[0]).await.unwrap();
    assert_eq!(round.retrying, 1);
    let third = start + RETRY_AFTER[0] + RETRY_AFTER[1];
    let round = deliver_due(&server.state.db, &client, third).await.unwrap();
    assert_eq!(round.delivered, 1);
    assert_eq!(deliver_due(&server.state.db, &client, third + 100_000).await.unwrap().delivered, 0);

    let got = receiver.got();
    assert_eq!(got.len(), 3);
    let verifier = standardwebhooks::Webhook::new(&secret).unwrap();
    for (headers, body) in &got {
        // The same event each time, with the same id.
        assert_eq!(headers["webhook-id"], got[0].0["webhook-id"]);
        assert_eq!(body, &got[0].1);
        assert_eq!(headers["content-type"], "application/json");
        verifier.verify(body.as_bytes(), headers).expect("signed with the endpoint's secret");
    }
    assert_eq!(got[2].0["webhook-timestamp"], third.to_string().as_str());
    let event = &receiver.events()[0];
    assert_eq!(event["type"], "reader.created");
    assert_eq!(event["data"]["reader"]["id"], reader);
    assert_eq!(event["data"]["reader"]["email"], "new.member@example.com");
    assert!(event["timestamp"].as_str().unwrap().ends_with('Z'));
    // Another secret's signature does not verify: the receiver could tell a forgery.
    let other = standardwebhooks::Webhook::new(&paywall_server::publishing::webhooks::new_secret()).unwrap();
    assert!(other.verify(got[0].1.as_bytes(), &got[0].0).is_err());

    // Each try is recorded, and the publisher can read them.
    let listed = deliveries(&server, &key, id).await;
    assert_eq!(listed.len(), 1);
    let delivery = &listed[0];
    assert_eq!(delivery["status"], "delivered");
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["last_status_code"], 204);
    assert_eq!(delivery["event_type"], "reader.created");
    assert_eq!(delivery["message_id"].as_str(), got[0].0["webhook-id"].to_str().ok());
    assert_eq!(delivery["payload"].as_str(), Some(got[0].1.as_str()));
    assert_eq!(delivery["delivered_at"], third);
    assert_eq!(server.count("webhook_attempts").await, 3);
    assert_eq!(server.count_where("webhook_attempts", "status_code = 503").await, 1);

    // An existing email adds no reader and tells nobody.
    add_reader_again(&server, &key, "new.member@example.com").await;
    assert_eq!(server.count("webhook_messages").await, 1);
}

async fn add_reader_again(server: &TestServer, key: &str, email: &str) {
    let again = server.admin(Method::POST, "/v1/admin/readers", key, Some(json!({"email": email}))).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
}

#[tokio::test]
async fn a_delivery_that_never_succeeds_fails_after_the_last_wait_and_can_be_sent_again() {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    let receiver = Receiver::start().await;
    // Nothing listens on a port just freed: every try fails to connect.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    let (id, _) = endpoint(&server, &key, &closed, json!(["reader.created"])).await;
    add_reader(&server, &key, "unreachable@example.com").await;
    let client = client();
    let mut at = now();
    for wait in RETRY_AFTER {
        let round = deliver_due(&server.state.db, &client, at).await.unwrap();
        assert_eq!((round.retrying, round.failed), (1, 0));
        at += wait;
    }
    let round = deliver_due(&server.state.db, &client, at).await.unwrap();
    assert_eq!((round.retrying, round.failed), (0, 1));
    assert_eq!(deliver_due(&server.state.db, &client, at + 10 * 86_400).await.unwrap().failed, 0);
    let delivery = &deliveries(&server, &key, id).await[0];
    assert_eq!(delivery["status"], "failed");
    assert_eq!(delivery["attempts"], RETRY_AFTER.len() + 1);
    assert_eq!(delivery["last_error"], "could not connect");
    assert!(delivery["next_attempt_at"].is_null());

    // The publisher fixes the URL and sends it again: same event, same id.
    let fixed = json!({"url": receiver.url, "events": ["reader.created"], "description": "CRM"});
    let updated = server.admin(Method::PUT, &format!("/v1/admin/webhooks/{id}"), &key, Some(fixed)).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.json()["description"], "CRM");
    let delivery_id = delivery["id"].as_i64().unwrap();
    let path = format!("/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry");
    let retried = server.admin(Method::POST, &path, &key, None).await;
    assert_eq!(retried.status, StatusCode::ACCEPTED, "{}", retried.text);
    assert_eq!(retried.json()["status"], "pending");
    assert_eq!(deliver_due(&server.state.db, &client, now()).await.unwrap().delivered, 1);
    assert_eq!(receiver.got()[0].0["webhook-id"].to_str().unwrap(), delivery["message_id"].as_str().unwrap());
    // Another endpoint's delivery id is not this one's.
    let wrong = format!("/v1/admin/webhooks/{}/deliveries/{delivery_id}/retry", id + 1);
    server.admin(Method::POST, &wrong, &key, None).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_endpoint_gets_the_events_it_asked_for_and_a_paused_one_none() {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    let (all, ended, paused) = (Receiver::start().await, Receiver::start().await, Receiver::start().await);
    endpoint(&server, &key, &all.url, json!([])).await;
    endpoint(&server, &key, &ended.url, json!(["subscription.canceled"])).await;
    let (paused_id, _) = endpoint(&server, &key, &paused.url, json!([])).await;
    let pause = json!({"url": paused.url, "active": false});
    let reply =
        server.admin(Method::PUT, &format!("/v1/admin/webhooks/{paused_id}"), &key, Some(pause)).await;
    assert_eq!(reply.json()["active"], false);

    let reader = add_reader(&server, &key, "gifted@example.com").await;
    let grant = json!({"tier": "premium", "days": 30});
    let granted = server
        .admin(Method::POST, &format!("/v1/admin/readers/{reader}/subscriptions"), &key, Some(grant))
        .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text);
    let subscription = granted.json()["id"].as_i64().unwrap();
    let end = format!("/v1/admin/subscriptions/{subscription}/end");
    assert_eq!(server.admin(Method::POST, &end, &key, None).await.status, StatusCode::OK);
    // Ending it again changes nothing, and tells nobody.
    assert_eq!(server.admin(Method::POST, &end, &key, None).await.status, StatusCode::OK);
    deliver_due(&server.state.db, &client(), now()).await.unwrap();

    // Deliveries may overtake one another: the set, not the order.
    let mut types = all.types();
    types.sort();
    assert_eq!(types, ["reader.created", "subscription.canceled", "subscription.created"]);
    assert_eq!(ended.types(), ["subscription.canceled"]);
    assert!(paused.got().is_empty());
    let canceled = &ended.events()[0]["data"];
    assert_eq!(canceled["subscription"]["id"], subscription);
    assert_eq!(canceled["subscription"]["status"], "canceled");
    assert_eq!(canceled["subscription"]["tier"], "premium");
    assert_eq!(canceled["subscription"]["source"], "complimentary");
    assert_eq!(canceled["reader"]["email"], "gifted@example.com");
    // A paused endpoint is not queued for: nothing waits for it, and nothing is sent again.
    assert!(deliveries(&server, &key, paused_id).await.is_empty());
    let retry = format!("/v1/admin/webhooks/{paused_id}/deliveries/1/retry");
    server.admin(Method::POST, &retry, &key, None).await.problem(StatusCode::CONFLICT);

    // Deleted: gone with its deliveries.
    let deleted = server.admin(Method::DELETE, &format!("/v1/admin/webhooks/{paused_id}"), &key, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    server
        .admin(Method::GET, &format!("/v1/admin/webhooks/{paused_id}"), &key, None)
        .await
        .problem(StatusCode::NOT_FOUND);
    server
        .admin(Method::DELETE, &format!("/v1/admin/webhooks/{paused_id}"), &key, None)
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_for_a_day() {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    let receiver = Receiver::start().await;
    let (id, old) = endpoint(&server, &key, &receiver.url, json!([])).await;
    let rotated =
        server.admin(Method::POST, &format!("/v1/admin/webhooks/{id}/rotate-secret"), &key, None).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new = rotated.json()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    add_reader(&server, &key, "rotation@example.com").await;
    deliver_due(&server.state.db, &client(), now()).await.unwrap();
    let (headers, body) = &receiver.got()[0];
    assert_eq!(headers["webhook-signature"].to_str().unwrap().split(' ').count(), 2);
    for secret in [&old, &new] {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(body.as_bytes(), headers)
            .expect("both verify");
    }
    // A day later only the new secret signs.
    add_reader(&server, &key, "later@example.com").await;
    deliver_due(&server.state.db, &client(), now() + 86_401).await.unwrap();
    let (headers, _) = &receiver.got()[1];
    let signature = headers["webhook-signature"].to_str().unwrap();
    assert_eq!(signature.split(' ').count(), 1, "{signature}");
}

#[tokio::test]
async fn a_bad_endpoint_is_refused_and_nothing_is_written() {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    // The key's first use is recorded; from here on a refusal writes nothing.
    assert_eq!(server.admin(Method::GET, "/v1/admin/webhooks", &key, None).await.status, StatusCode::OK);
    let before = server.snapshot().await;
    for (body, why) in [
        (json!({"url": "http://example.com/hook"}), "https"),
        (json!({"url": "ftp://127.0.0.1/hook"}), "https"),
        (json!({"url": "https://"}), "https"),
        (json!({"url": "not a url"}), "https"),
        (json!({"url": format!("https://example.com/{}", "a".repeat(2000))}), "2000"),
        (json!({"url": "https://example.com/hook", "description": "d".repeat(501)}), "500"),
        (json!({"url": "https://example.com/hook", "description": "a\u{1}b"}), "control"),
        (json!({"url": "https://example.com/h\u{0}ok"}), "NUL"),
        (json!({"url": "https://user:secret@example.com/hook"}), "user:password"),
    ] {
        let refused = server.admin(Method::POST, "/v1/admin/webhooks", &key, Some(body.clone())).await;
        let problem = refused.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem["detail"].as_str().unwrap().contains(why), "{body}: {problem}");
    }
    for body in [
        json!({"url": "https://example.com/hook", "events": ["reader.deleted"]}),
        json!({"url": "https://example.com/hook", "events": "reader.created"}),
        json!({"url": 7}),
        json!({}),
    ] {
        let refused = server.admin(Method::POST, "/v1/admin/webhooks", &key, Some(body.clone())).await;
        assert!(refused.status.is_client_error(), "{body}: {}", refused.text);
        assert_eq!(refused.header(axum::http::header::CONTENT_TYPE), "application/problem+json");
    }
    // Without a key, or with a reader's token, nothing at all.
    let anonymous = server
        .send(request(Method::POST, "/v1/admin/webhooks", None, Some(r#"{"url":"https://example.com"}"#)))
        .await;
    anonymous.problem(StatusCode::UNAUTHORIZED);
    server
        .admin(Method::PUT, "/v1/admin/webhooks/99", &key, Some(json!({"url": "https://example.com/hook"})))
        .await
        .problem(StatusCode::NOT_FOUND);
    server
        .admin(Method::POST, "/v1/admin/webhooks/99/rotate-secret", &key, None)
        .await
        .problem(StatusCode::NOT_FOUND);
    server
        .admin(Method::GET, "/v1/admin/webhooks/99/deliveries", &key, None)
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(server.snapshot().await, before);

    // Accepted forms: https anywhere, http to loopback.
    for url in [
        "https://crm.example.com/paywall",
        "http://127.0.0.1:9/hook",
        "http://[::1]/hook",
        "http://localhost/hook",
    ] {
        let added = server.admin(Method::POST, "/v1/admin/webhooks", &key, Some(json!({"url": url}))).await;
        assert_eq!(added.status, StatusCode::CREATED, "{url}: {}", added.text);
    }
}

#[tokio::test]
async fn events_long_done_are_pruned_and_pending_ones_kept() {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    let (taken, down) = (Receiver::start().await, Receiver::start().await);
    endpoint(&server, &key, &taken.url, json!([])).await;
    endpoint(&server, &key, &down.url, json!([])).await;
    down.answer(&[500; 20]);
    add_reader(&server, &key, "kept@example.com").await;
    deliver_due(&server.state.db, &client(), now()).await.unwrap();
    let later = now() + paywall_server::store::prune::KEEP_WEBHOOKS_SECONDS + 1;
    // One delivery is still being tried: the event and both deliveries stay.
    assert_eq!(prune::run(&server.state.db, later).await.unwrap().webhook_messages, 0);
    assert_eq!((server.count("webhook_messages").await, server.count("webhook_deliveries").await), (1, 2));
    // Done with both: the event goes, with its deliveries and tries.
    server.exec("UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL").await;
    assert_eq!(prune::run(&server.state.db, later).await.unwrap().webhook_messages, 1);
    for table in ["webhook_messages", "webhook_deliveries", "webhook_attempts"] {
        assert_eq!(server.count(table).await, 0, "{table}");
    }
    assert_eq!(server.count("webhook_endpoints").await, 2);
}

#[test]
fn the_running_server_sends_webhooks_by_itself() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let server = common::process::ServerProcess::start(&[("PAYWALL_DEMO", "true")]);
    runtime.block_on(async {
        let receiver = Receiver::start().await;
        let db = database_of(&server.dir.path().join("data")).await;
        let bearer = format!("Authorization: Bearer {}", admin_key_in(&db).await);
        let headers = [bearer.as_str()];
        let body = json!({"url": receiver.url}).to_string();
        assert_eq!(server.request("POST", "/v1/admin/webhooks", &headers, Some(&body)).status, 201);
        let body = json!({"email": "by-itself@example.com"}).to_string();
        assert_eq!(server.request("POST", "/v1/admin/readers", &headers, Some(&body)).status, 201);
        for _ in 0..100 {
            if !receiver.got().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(receiver.types(), ["reader.created"]);
    });
}

#[tokio::test]
async fn a_try_whose_claim_was_overtaken_is_not_recorded_over_what_happened_since() {
    use paywall_server::store::webhooks as store;
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    let receiver = Receiver::start().await;
    let (id, _) = endpoint(&server, &key, &receiver.url, json!([])).await;
    add_reader(&server, &key, "overtaken@example.com").await;
    let start = now();
    let due = store::due(&server.state.db, start, 10).await.unwrap().remove(0);
    assert!(store::claim(&server.state.db, &due, start + 60).await.unwrap());
    // A second claim of the same due delivery (another server) gets nothing.
    assert!(!store::claim(&server.state.db, &due, start + 60).await.unwrap());
    // While that try is out, the publisher sends the delivery again.
    let retry = format!("/v1/admin/webhooks/{id}/deliveries/{}/retry", due.id);
    assert_eq!(server.admin(Method::POST, &retry, &key, None).await.status, StatusCode::ACCEPTED);
    let failed = store::Attempt {
        at: start,
        status_code: Some(500),
        error: Some("answered 500".into()),
        duration_ms: 3,
        next: None,
    };
    assert!(!store::record_attempt(&server.state.db, due.id, start + 60, &failed).await.unwrap());
    assert_eq!(server.count("webhook_attempts").await, 0);
    // The retry stands, and goes out.
    assert_eq!(deliver_due(&server.state.db, &client(), now()).await.unwrap().delivered, 1);
    assert_eq!(deliveries(&server, &key, id).await[0]["status"], "delivered");
    // The secrets stay out of debug output.
    let shown = format!("{due:?}");
    assert!(!shown.contains("whsec_"), "{shown}");
}
