//! Durable before acknowledged: whatever the server answers 2xx to, and so whoever sent it
//! stops retrying (Stripe's events, a browser's checkout confirmation, the publisher's admin
//! writes), is on disk before the answer. The server runs on a SQLite file opened through a
//! VFS that loses every write not synced when the power is cut (`power_loss/lossy_vfs.rs`);
//! after the cut, the file reopened as usual must hold every acknowledged write, whole.
//!
//! Only SQLite: PostgreSQL's durability is its server's `fsync` and `synchronous_commit`.

mod common;
// Beside this test, not in `common`: no other test needs to compile it.
#[path = "power_loss/lossy_vfs.rs"]
mod lossy_vfs;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::stripe::{SECRET_KEY, StandIn, WEBHOOK_SECRET};
use common::*;
use paywall_server::Config;
use paywall_server::store::Db;
use serde_json::json;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

/// A demo server on SQLite in `dir`'s `data`, selling through the stand-in, on `database_url`
/// (the usual file when `None`).
async fn start_in(dir: tempfile::TempDir, stripe: &StandIn, database_url: Option<String>) -> TestServer {
    let mut config: Config = on_sqlite(demo_config(dir.path().join("data")));
    config.database_url = database_url;
    config.stripe.secret_key = Some(SECRET_KEY.into());
    config.stripe.webhook_secrets = vec![WEBHOOK_SECRET.into()];
    config.stripe.api = stripe.url.clone();
    let state = paywall_server::start(config).await.expect("the server starts");
    TestServer { app: paywall_server::app(state.clone()), state, dir }
}

/// The database file of a server started by [`start_in`].
fn database_in(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("data").join("paywall.db")
}

/// The requests the server acknowledged, each with a query that counts the rows showing it
/// was kept (which must be at least one).
#[derive(Default)]
struct Acknowledged(Vec<(String, String)>);

impl Acknowledged {
    /// Asserts `reply` is a 2xx to `what`, and remembers `evidence` for after the power cut.
    fn record(&mut self, what: &str, reply: &Reply, evidence: &str) {
        assert!(reply.status.is_success(), "{what}: {} {}", reply.status, reply.text);
        self.0.push((what.to_owned(), evidence.to_owned()));
    }
}

async fn webhook(server: &TestServer, event: (String, String)) -> Reply {
    server.stripe_event(event).await
}

async fn confirm(server: &TestServer, checkout: &str, token: &str) -> Reply {
    let request = Request::get(format!("/v1/checkout/{checkout}"))
        .header("paywall-checkout-token", token)
        .body(Body::empty())
        .unwrap();
    server.send(request).await
}

/// Starts a checkout for a new reader; its id and the browser's token.
async fn checkout_for(server: &TestServer, email: &str, acknowledged: &mut Acknowledged) -> (String, String) {
    let offers = server.get(&format!("/v1/offers?article={ARTICLE}"), None).await.json();
    let body = json!({"offer_id": offers["offers"][0]["id"], "return_to": format!("{}/", server.state.public_url),
                      "email": email});
    let started = server.send(request(Method::POST, "/v1/checkout", None, Some(&body.to_string()))).await;
    let checkout = started.json()["checkout_id"].as_str().unwrap_or_default().to_owned();
    acknowledged.record(
        &format!("POST /v1/checkout for {email}"),
        &started,
        &format!("SELECT COUNT(*) FROM checkouts WHERE id = '{checkout}'"),
    );
    (checkout, started.json()["checkout_token"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_server_has_sqlite_sync_every_commit() {
    let server = start_in(tempfile::tempdir().unwrap(), &StandIn::start().await, None).await;
    let Db::Sqlite(pool) = &server.state.db else { unreachable!("on_sqlite") };
    // On every connection of the pool, not just the first.
    let mut connections = Vec::new();
    for _ in 0..3 {
        let mut connection = pool.acquire().await.unwrap();
        let mode: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *connection).await.unwrap();
        assert_eq!(mode, 2, "synchronous = FULL: a commit in WAL mode is durable before it returns");
        connections.push(connection);
    }
}

#[tokio::test]
async fn every_write_the_server_acknowledged_is_there_after_a_power_cut() {
    let stripe = StandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = lossy_vfs::url(&database_in(&dir));
    let server = start_in(dir, &stripe, Some(url)).await;
    let mut acknowledged = Acknowledged::default();
    let key = server.admin_key().await;

    // The publisher's writes.
    let article = json!({"title": "Power cut", "tier": "premium",
                         "sections": [{"title": "Dark", "html": "<p>The lights went out.</p>"}]});
    let reply = server.admin(Method::PUT, "/v1/admin/articles/power-cut", &key, Some(article)).await;
    acknowledged.record(
        "PUT /v1/admin/articles/power-cut",
        &reply,
        "SELECT COUNT(*) FROM sections WHERE article_id = 'power-cut'",
    );
    let offer = json!({"tier": "premium", "name": "Weekly", "amount": 300, "currency": "EUR",
                       "interval": "month", "provider_price": "price_weekly", "position": 5});
    let reply = server.admin(Method::POST, "/v1/admin/offers", &key, Some(offer)).await;
    acknowledged.record("POST /v1/admin/offers", &reply, "SELECT COUNT(*) FROM offers WHERE name = 'Weekly'");
    let policy = json!({"monthly_allowance": 7, "days": 3, "reach": 2});
    let reply = server.admin(Method::PUT, "/v1/admin/gift-policy", &key, Some(policy)).await;
    acknowledged.record(
        "PUT /v1/admin/gift-policy",
        &reply,
        "SELECT COUNT(*) FROM gift_policy WHERE monthly_allowance = 7",
    );
    let meter = json!({"anonymous": 2, "registered": 5, "period_days": 30});
    let reply = server.admin(Method::PUT, "/v1/admin/meter", &key, Some(meter)).await;
    acknowledged.record(
        "PUT /v1/admin/meter",
        &reply,
        "SELECT COUNT(*) FROM meter_policy WHERE registered = 5",
    );
    let endpoint = json!({"url": "http://127.0.0.1:9/paywall-events"});
    let reply = server.admin(Method::POST, "/v1/admin/webhooks", &key, Some(endpoint)).await;
    acknowledged.record(
        "POST /v1/admin/webhooks",
        &reply,
        "SELECT COUNT(*) FROM webhook_endpoints WHERE url = 'http://127.0.0.1:9/paywall-events'",
    );
    let reply = server
        .admin(Method::POST, "/v1/admin/readers", &key, Some(json!({"email": "comped@example.com"})))
        .await;
    acknowledged.record(
        "POST /v1/admin/readers",
        &reply,
        "SELECT COUNT(*) FROM readers WHERE email = 'comped@example.com'",
    );
    let comp = format!("/v1/admin/readers/{}/subscriptions", reply.json()["id"]);
    let reply = server.admin(Method::POST, &comp, &key, Some(json!({"tier": "premium", "days": 30}))).await;
    acknowledged.record(
        &format!("POST {comp}"),
        &reply,
        "SELECT COUNT(*) FROM subscriptions JOIN readers ON readers.id = reader_id
          WHERE email = 'comped@example.com' AND source = 'complimentary' AND status = 'active'",
    );

    // Stripe's events, and browsers back from paying.
    let (paid_first, token_first) =
        checkout_for(&server, "webhook.first@example.com", &mut acknowledged).await;
    let subscription = stripe.pay(&paid_first);
    let completed = json!({"id": paid_first, "object": "checkout.session", "subscription": subscription});
    let reply =
        webhook(&server, StandIn::event("evt_completed", "checkout.session.completed", completed)).await;
    acknowledged.record(
        "POST /v1/webhooks/stripe evt_completed",
        &reply,
        &format!(
            "SELECT COUNT(*) FROM provider_events WHERE id = 'evt_completed'
              AND EXISTS (SELECT 1 FROM subscriptions WHERE provider_id = '{subscription}')"
        ),
    );
    stripe.update(&subscription, |subscription| subscription["status"] = json!("past_due"));
    let updated = json!({"id": subscription, "object": "subscription"});
    let reply =
        webhook(&server, StandIn::event("evt_past_due", "customer.subscription.updated", updated)).await;
    acknowledged.record(
        "POST /v1/webhooks/stripe evt_past_due",
        &reply,
        &format!(
            "SELECT COUNT(*) FROM provider_events WHERE id = 'evt_past_due'
              AND EXISTS (SELECT 1 FROM subscriptions WHERE provider_id = '{subscription}' AND status = 'past_due')"
        ),
    );
    let reply = confirm(&server, &paid_first, &token_first).await;
    acknowledged.record(
        &format!("GET /v1/checkout/{paid_first}"),
        &reply,
        &format!("SELECT COUNT(*) FROM checkouts WHERE id = '{paid_first}' AND confirmed_at IS NOT NULL"),
    );
    let (paid_later, token_later) = checkout_for(&server, "back.first@example.com", &mut acknowledged).await;
    stripe.pay(&paid_later);
    let reply = confirm(&server, &paid_later, &token_later).await;
    acknowledged.record(
        &format!("GET /v1/checkout/{paid_later} (before the webhook)"),
        &reply,
        &format!(
            "SELECT COUNT(*) FROM checkouts WHERE id = '{paid_later}' AND confirmed_at IS NOT NULL
              AND completed_at IS NOT NULL"
        ),
    );
    let session = reply.json();
    let before = server.snapshot().await;

    // The power goes: nothing the closing connections write reaches the disk; then it comes
    // back with only what was synced.
    let outage = lossy_vfs::cut_power(&server.dir.path().join("data"));
    server.state.db.close().await;
    let TestServer { dir, .. } = server;
    let restored = outage.restore_synced();
    let database = database_in(&dir).canonicalize().unwrap();
    let wal = database.with_extension("db-wal");
    assert!(
        restored.contains(&database) && restored.contains(&wal),
        "the VFS saw the database: {restored:?}"
    );

    let after = start_in(dir, &stripe, None).await;
    let Db::Sqlite(pool) = &after.state.db else { unreachable!("on_sqlite") };
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(pool).await.unwrap();
    assert_eq!(integrity, "ok");
    let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(pool).await.unwrap();
    assert!(broken.is_empty(), "{} rows point at rows that are not there", broken.len());
    let mut lost = Vec::new();
    for (what, evidence) in &acknowledged.0 {
        let kept: i64 = sqlx::query_scalar(evidence).fetch_one(pool).await.unwrap();
        if kept == 0 {
            lost.push(what.as_str());
        }
    }
    assert!(lost.is_empty(), "acknowledged, then lost in the power cut: {lost:#?}");
    assert_eq!(after.snapshot().await, before, "the database is as it was when the power went");

    // And the server acts on it: Stripe's retry changes nothing, the browsers' confirmations
    // happened once, the admin key works, the session goes on.
    let retry = json!({"id": subscription, "object": "subscription"});
    stripe.update(&subscription, |subscription| subscription["status"] = json!("active"));
    let reply = webhook(&after, StandIn::event("evt_past_due", "customer.subscription.updated", retry)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    for (checkout, token) in [(&paid_first, &token_first), (&paid_later, &token_later)] {
        let again = confirm(&after, checkout, token).await.problem(StatusCode::CONFLICT);
        assert_eq!(again["reason"], "checkout_confirmed");
    }
    assert_eq!(after.snapshot().await, before, "an event processed before the cut is not processed again");
    let reply = after.admin(Method::GET, "/v1/admin/articles/power-cut", &key, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let refresh = json!({"refresh_token": session["refresh_token"]}).to_string();
    let refreshed = after.post_json("/v1/sessions/refresh", &refresh).await;
    assert!(refreshed.status.is_success(), "{}", refreshed.text);
}

/// The layer itself: a commit SQLite was told not to sync is gone after the power cut, while
/// one it synced is kept. Without this, the test above could pass on a layer that loses
/// nothing.
#[tokio::test]
async fn a_commit_that_was_not_synced_is_lost_in_a_power_cut() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("raw.db");
    lossy_vfs::register();
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .vfs(lossy_vfs::NAME)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut connection = options.connect().await.unwrap();
    sqlx::query("CREATE TABLE said (word TEXT NOT NULL)").execute(&mut connection).await.unwrap();
    sqlx::query("INSERT INTO said VALUES ('synced')").execute(&mut connection).await.unwrap();
    sqlx::query("PRAGMA synchronous = OFF").execute(&mut connection).await.unwrap();
    sqlx::query("INSERT INTO said VALUES ('not synced')").execute(&mut connection).await.unwrap();
    let words: Vec<String> =
        sqlx::query_scalar("SELECT word FROM said").fetch_all(&mut connection).await.unwrap();
    assert_eq!(words, ["synced", "not synced"], "both committed");

    let outage = lossy_vfs::cut_power(dir.path());
    connection.close().await.unwrap();
    let restored = outage.restore_synced();
    let file = file.canonicalize().unwrap();
    let wal = file.with_extension("db-wal");
    assert!(restored.contains(&file) && restored.contains(&wal), "the VFS saw the database: {restored:?}");

    let mut reopened = SqliteConnectOptions::new().filename(&file).connect().await.unwrap();
    let words: Vec<String> =
        sqlx::query_scalar("SELECT word FROM said").fetch_all(&mut reopened).await.unwrap();
    assert_eq!(words, ["synced"], "the commit that was never synced is gone");
    let integrity: String =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut reopened).await.unwrap();
    assert_eq!(integrity, "ok");
}
