//! Kill -9 at any moment loses nothing acknowledged. The real server binary runs under
//! concurrent writers (admin writes, comps, articles, payments through a Stripe stand-in with
//! its signed events, gift links, metered reads, password sign-ins, all with outbound webhooks
//! to a publisher's endpoint) and is killed with SIGKILL at random moments, then started again
//! on the same data. At the end:
//! - every write that got a 2xx is there;
//! - every Stripe event is applied once: all of them sent again (those never answered too)
//!   change nothing twice;
//! - no browser read more metered articles than the meter allows;
//! - every committed change's webhook reached the endpoint at least once, and every webhook
//!   the endpoint got is of a committed change;
//! - SQLite's `integrity_check` and `foreign_key_check` are clean;
//! - the server was ready within a few seconds of each start.
//!
//! On PostgreSQL (`cargo xtask test` sets `PAYWALL_TEST_POSTGRES`) the same, and PostgreSQL
//! itself stopped with `pg_ctl -m immediate` and started again under a running server, whose
//! pool must recover without a restart.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::process::ServerProcess;
use common::receiver::Receiver;
use common::stripe::{SECRET_KEY, StandIn, WEBHOOK_SECRET};
use common::{ARTICLE, PASSWORD, SUBSCRIBER, database_of, with_pool};
use paywall_server::store::Db;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The publisher's site, where readers come back from checkout.
const SITE: &str = "https://publisher.example";
/// Free articles a browser may open by the meter.
const METER_LIMIT: usize = 3;
/// Metered articles, more than the limit.
const METERED: usize = 5;
/// How long a server may take from its start to being ready.
const READY_WITHIN: Duration = Duration::from_secs(5);

/// What the server acknowledged, and what was sent and never answered.
#[derive(Default)]
struct Ledger {
    /// Readers added by the admin API: email and id.
    readers: Vec<(String, i64)>,
    /// Complimentary subscriptions: their ids.
    comps: Vec<i64>,
    /// Articles written by the admin API: id and title.
    articles: Vec<(String, String)>,
    /// Every Stripe event sent: its body, signature, subscription, and whether it got a 2xx.
    events: Vec<StripeEvent>,
    /// Gift links made by the subscriber: their ids.
    gifts: Vec<i64>,
    /// Reads the meter granted: the browser (a `paywall-visitor` token) and the article.
    metered: Vec<(String, String)>,
    /// Sessions made by a password sign-in: their refresh tokens.
    sessions: Vec<String>,
}

struct StripeEvent {
    body: String,
    signature: String,
    subscription: String,
    acknowledged: bool,
}

/// The shared state of one run: the client, the stand-in, the ledger, and where the server is.
struct Run {
    http: reqwest::Client,
    stripe: StandIn,
    ledger: Mutex<Ledger>,
    /// `http://127.0.0.1:PORT` of the server now running (it moves at each start).
    base: Mutex<String>,
    key: String,
    stop: AtomicBool,
    next: AtomicU64,
}

impl Run {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.lock().unwrap())
    }

    fn n(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// A request from a client of its own (a trusted proxy's `X-Forwarded-For`), so that the
    /// per-client limits do not stand between the writers and the server.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let n = self.n();
        self.http
            .request(method, self.url(path))
            .header("x-forwarded-for", format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255))
    }

    fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.request(method, path).bearer_auth(&self.key)
    }
}

/// The body of a 2xx answer, or `None` for any other answer or none (the server was killed).
async fn acknowledged(sent: reqwest::RequestBuilder) -> Option<Value> {
    let response = sent.send().await.ok()?;
    let status = response.status();
    let text = response.text().await.ok()?;
    assert!(
        status.is_success()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::SERVICE_UNAVAILABLE,
        "{status}: {text}"
    );
    status.is_success().then(|| serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The settings every start uses.
fn settings(stripe: &StandIn) -> Vec<(&'static str, String)> {
    vec![
        ("PAYWALL_DEMO", "true".into()),
        // The demo's readers, offers and article, with a trusted proxy (the writers' own
        // addresses): on loopback, nobody else can reach it.
        ("PAYWALL_DEMO_PUBLIC", "true".into()),
        ("PAYWALL_CORS_ORIGINS", SITE.into()),
        ("PAYWALL_TRUSTED_PROXIES", "127.0.0.1".into()),
        ("PAYWALL_STRIPE_SECRET_KEY", SECRET_KEY.into()),
        ("PAYWALL_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.into()),
        ("PAYWALL_STRIPE_API", stripe.url.clone()),
        ("RUST_LOG", "warn".into()),
    ]
}

fn start(dir: Option<tempfile::TempDir>, settings: &[(&'static str, String)]) -> ServerProcess {
    let env: Vec<(&str, &str)> = settings.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let started = match dir {
        Some(dir) => ServerProcess::try_start_in(dir, &env),
        None => ServerProcess::try_start(&env),
    };
    started.unwrap_or_else(|failed| panic!("the server did not start again: {failed:?}"))
}

/// Waits for `/readyz`; how long it took from `since`.
async fn ready(http: &reqwest::Client, server: &ServerProcess, since: Instant) -> Duration {
    let url = format!("http://{}/readyz", server.addr);
    loop {
        if http.get(&url).send().await.is_ok_and(|response| response.status().is_success()) {
            return since.elapsed();
        }
        assert!(since.elapsed() < Duration::from_secs(30), "not ready after 30 s: {}", server.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sets up what the writers need, on the first start: a webhook endpoint, the meter, the
/// gift policy, metered articles, and a demo offer's id.
async fn prepare(run: &Run, receiver: &Receiver) -> i64 {
    use reqwest::Method;
    let must =
        |what: &'static str| move |body: Option<Value>| body.unwrap_or_else(|| panic!("{what} refused"));
    must("the endpoint")(
        acknowledged(run.admin(Method::POST, "/v1/admin/webhooks").json(&json!({"url": receiver.url}))).await,
    );
    let meter = json!({"anonymous": METER_LIMIT, "registered": METER_LIMIT, "period_days": 30});
    must("the meter")(acknowledged(run.admin(Method::PUT, "/v1/admin/meter").json(&meter)).await);
    let gifts = json!({"monthly_allowance": 1000, "days": 14, "reach": 2});
    must("the gift policy")(acknowledged(run.admin(Method::PUT, "/v1/admin/gift-policy").json(&gifts)).await);
    for n in 1..=METERED {
        let article = json!({
            "title": format!("Metered {n}"),
            "tier": "premium",
            "sections": [{"title": "Inside", "html": format!("<p>Locked part {n}.</p>")}],
        });
        must("an article")(
            acknowledged(run.admin(Method::PUT, &format!("/v1/admin/articles/metered-{n}")).json(&article))
                .await,
        );
    }
    let offers = must("the offers")(
        acknowledged(run.request(Method::GET, &format!("/v1/offers?article={ARTICLE}"))).await,
    );
    offers["offers"][0]["id"].as_i64().expect("an offer")
}

/// One writer: does `kind`'s work again and again until the run stops.
async fn writer(run: Arc<Run>, kind: usize, offer: i64, subscriber: String) {
    use reqwest::Method;
    while !run.stop.load(Ordering::Relaxed) {
        let n = run.n();
        match kind {
            0 => {
                let email = format!("crash-reader-{n}@example.com");
                let sent = run.admin(Method::POST, "/v1/admin/readers").json(&json!({"email": email}));
                if let Some(reader) = acknowledged(sent).await {
                    let id = reader["id"].as_i64().unwrap();
                    run.ledger.lock().unwrap().readers.push((email, id));
                    let grant = json!({"tier": "premium", "days": 30});
                    let sent = run
                        .admin(Method::POST, &format!("/v1/admin/readers/{id}/subscriptions"))
                        .json(&grant);
                    if let Some(subscription) = acknowledged(sent).await {
                        run.ledger.lock().unwrap().comps.push(subscription["id"].as_i64().unwrap());
                    }
                }
            }
            1 => {
                let (id, title) = (format!("crash-{n}"), format!("Written at step {n}"));
                let article = json!({
                    "title": title,
                    "tier": "premium",
                    "sections": [{"title": "Inside", "html": "<p>Kept through every crash.</p>"}],
                });
                if acknowledged(run.admin(Method::PUT, &format!("/v1/admin/articles/{id}")).json(&article))
                    .await
                    .is_some()
                {
                    run.ledger.lock().unwrap().articles.push((id, title));
                }
            }
            2 => {
                let body = json!({"offer_id": offer, "return_to": format!("{SITE}/story"), "email": format!("payer-{n}@example.com")});
                let Some(started) = acknowledged(run.request(Method::POST, "/v1/checkout").json(&body)).await
                else {
                    continue;
                };
                let checkout = started["checkout_id"].as_str().unwrap();
                let subscription = run.stripe.pay(checkout);
                let object =
                    json!({"id": checkout, "object": "checkout.session", "subscription": subscription});
                let (body, signature) =
                    StandIn::event(&format!("evt_crash_{n}"), "checkout.session.completed", object);
                let sent = run
                    .request(Method::POST, "/v1/webhooks/stripe")
                    .header("content-type", "application/json")
                    .header("stripe-signature", &signature)
                    .body(body.clone());
                let acknowledged = acknowledged(sent).await.is_some();
                run.ledger.lock().unwrap().events.push(StripeEvent {
                    body,
                    signature,
                    subscription,
                    acknowledged,
                });
            }
            3 => {
                let gift = json!({"article_id": ARTICLE, "page": format!("{SITE}/story")});
                let sent = run.request(Method::POST, "/v1/gifts").bearer_auth(&subscriber).json(&gift);
                if let Some(gift) = acknowledged(sent).await {
                    run.ledger.lock().unwrap().gifts.push(gift["id"].as_i64().unwrap());
                }
            }
            4 => {
                // A browser reads every metered article in turn, keeping the id it is given.
                let mut visitor: Option<String> = None;
                for article in 1..=METERED {
                    let mut sent =
                        run.request(Method::GET, &format!("/v1/articles/metered-{article}/locked"));
                    if let Some(visitor) = &visitor {
                        sent = sent.header("paywall-visitor", visitor);
                    }
                    let Ok(response) = sent.send().await else { break };
                    let status = response.status();
                    let given =
                        response.headers().get("paywall-visitor").map(|v| v.to_str().unwrap().to_owned());
                    let Ok(text) = response.text().await else { break };
                    assert!(
                        !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
                        "{status}: {text}"
                    );
                    if status.is_success() {
                        let visitor =
                            visitor.get_or_insert_with(|| given.expect("a new browser is given an id"));
                        run.ledger
                            .lock()
                            .unwrap()
                            .metered
                            .push((visitor.clone(), format!("metered-{article}")));
                    }
                }
            }
            _ => {
                let sign_in = json!({"email": common::READER, "password": PASSWORD});
                if let Some(session) =
                    acknowledged(run.request(Method::POST, "/v1/sessions").json(&sign_in)).await
                {
                    let refresh = session["refresh_token"].as_str().unwrap().to_owned();
                    run.ledger.lock().unwrap().sessions.push(refresh);
                }
            }
        }
    }
}

/// Everything the ledger says was acknowledged is in `db`, and nothing is applied twice.
async fn check_ledger(db: &Db, ledger: &Ledger) {
    let count = |sql: String| async move {
        let count: i64 = with_pool!(db, |pool| sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap());
        count
    };
    for (email, id) in &ledger.readers {
        assert_eq!(
            count(format!("SELECT COUNT(*) FROM readers WHERE id = {id} AND email = '{email}'")).await,
            1,
            "reader {email}"
        );
    }
    for id in &ledger.comps {
        assert_eq!(
            count(format!("SELECT COUNT(*) FROM subscriptions WHERE id = {id}")).await,
            1,
            "comp {id}"
        );
    }
    for (id, title) in &ledger.articles {
        let sql = format!("SELECT COUNT(*) FROM articles WHERE id = '{id}' AND title = '{title}'");
        assert_eq!(count(sql).await, 1, "article {id}");
    }
    for event in ledger.events.iter().filter(|event| event.acknowledged) {
        let sql = format!("SELECT COUNT(*) FROM subscriptions WHERE provider_id = '{}'", event.subscription);
        assert_eq!(count(sql).await, 1, "the subscription of an acknowledged event, {}", event.subscription);
    }
    for id in &ledger.gifts {
        assert_eq!(count(format!("SELECT COUNT(*) FROM gifts WHERE id = {id}")).await, 1, "gift {id}");
    }
    // Every browser's granted reads are counted, and none read more than the meter allows.
    let rows: Vec<(String, i64)> = with_pool!(db, |pool| sqlx::query_as(
        "SELECT visitor, COUNT(*) FROM meter_reads WHERE visitor LIKE 'v:%' GROUP BY visitor"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    for (visitor, read) in &rows {
        assert!(*read as usize <= METER_LIMIT, "{visitor} read {read} metered articles");
    }
    let mut granted: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for (visitor, article) in &ledger.metered {
        granted.entry(visitor).or_default().insert(article);
    }
    for articles in granted.values() {
        assert!(articles.len() <= METER_LIMIT, "a browser was granted {} metered articles", articles.len());
    }
    let granted_reads: usize = granted.values().map(HashSet::len).sum();
    let counted: i64 = rows.iter().map(|(_, read)| read).sum();
    assert!(counted as usize >= granted_reads, "{granted_reads} reads granted, {counted} counted");
}

/// Every webhook message in `db` was delivered and reached the endpoint at least once, and
/// the endpoint got none that is not in `db` (none of a change rolled back).
async fn check_webhooks(db: &Db, receiver: &Receiver, ledger: &Ledger) {
    let messages: Vec<(String, String)> =
        with_pool!(db, |pool| sqlx::query_as("SELECT id, type FROM webhook_messages")
            .fetch_all(pool)
            .await
            .unwrap());
    let stored: HashSet<&str> = messages.iter().map(|(id, _)| id.as_str()).collect();
    let got: HashSet<String> = receiver
        .got()
        .iter()
        .map(|(headers, _)| headers["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    for id in &got {
        assert!(stored.contains(id.as_str()), "the endpoint got {id}, a change that was never committed");
    }
    for (id, kind) in &messages {
        assert!(got.contains(id), "{kind} {id} was committed and never delivered");
    }
    let readers_created = messages.iter().filter(|(_, kind)| kind == "reader.created").count();
    assert!(
        readers_created >= ledger.readers.len(),
        "{readers_created} reader.created for {} readers",
        ledger.readers.len()
    );
}

/// SQLite's own checks of its file.
async fn check_sqlite_file(db: &Db) {
    let Db::Sqlite(pool) = db else { return };
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(pool).await.unwrap();
    assert_eq!(integrity, ["ok"]);
    let broken: Vec<(String,)> =
        sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(pool).await.unwrap();
    assert!(broken.is_empty(), "rows whose foreign keys point nowhere: {broken:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_the_server_loses_nothing_it_acknowledged() {
    let stripe = StandIn::start().await;
    let receiver = Receiver::start().await;
    let settings = settings(&stripe);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let since = Instant::now();
    let mut server = start(None, &settings);
    ready(&http, &server, since).await;
    let key = common::admin_key_in(&database_of(&server.dir.path().join("data")).await).await;
    let run = Arc::new(Run {
        http: http.clone(),
        stripe: stripe.clone(),
        ledger: Mutex::default(),
        base: Mutex::new(format!("http://{}", server.addr)),
        key,
        stop: AtomicBool::new(false),
        next: AtomicU64::new(1),
    });
    let offer = prepare(&run, &receiver).await;
    let sign_in = json!({"email": SUBSCRIBER, "password": PASSWORD});
    let subscriber =
        acknowledged(run.request(reqwest::Method::POST, "/v1/sessions").json(&sign_in)).await.unwrap();
    let subscriber = subscriber["access_token"].as_str().unwrap().to_owned();

    // Kill moments from a seeded generator: varied, and the same in every run.
    let mut seed: u64 = 0x5eed_cafe;
    let mut next_pause = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        Duration::from_millis(150 + seed % 650)
    };
    let mut slowest = Duration::ZERO;
    for _ in 0..ROUNDS {
        run.stop.store(false, Ordering::Relaxed);
        let writers: Vec<_> =
            (0..12).map(|n| tokio::spawn(writer(run.clone(), n % 6, offer, subscriber.clone()))).collect();
        tokio::time::sleep(next_pause()).await;
        let dir = server.kill();
        run.stop.store(true, Ordering::Relaxed);
        for writer in writers {
            writer.await.unwrap();
        }
        let since = Instant::now();
        server = start(Some(dir), &settings);
        slowest = slowest.max(ready(&http, &server, since).await);
        *run.base.lock().unwrap() = format!("http://{}", server.addr);
    }
    assert!(slowest < READY_WITHIN, "a start took {slowest:?} to be ready");

    let ledger = std::mem::take(&mut *run.ledger.lock().unwrap());
    let db = database_of(&server.dir.path().join("data")).await;
    check_ledger(&db, &ledger).await;
    let acknowledged_events = ledger.events.iter().filter(|event| event.acknowledged).count();
    assert!(
        ledger.readers.len() > 5
            && ledger.articles.len() > 5
            && acknowledged_events > 2
            && !ledger.metered.is_empty(),
        "too little was written to test anything: {} readers, {} articles, {acknowledged_events} payments, {} metered reads",
        ledger.readers.len(),
        ledger.articles.len(),
        ledger.metered.len()
    );
    println!(
        "{ROUNDS} kills; acknowledged: {} readers, {} comps, {} articles, {acknowledged_events} of {} payments, {} gifts, \
         {} metered reads, {} sessions; slowest start to ready {slowest:?}",
        ledger.readers.len(),
        ledger.comps.len(),
        ledger.articles.len(),
        ledger.events.len(),
        ledger.gifts.len(),
        ledger.metered.len(),
        ledger.sessions.len()
    );

    // Every acknowledged session still refreshes.
    for refresh in &ledger.sessions {
        let sent = run
            .request(reqwest::Method::POST, "/v1/sessions/refresh")
            .json(&json!({"refresh_token": refresh}));
        assert!(acknowledged(sent).await.is_some(), "an acknowledged session was lost");
    }

    // Stripe sends again every event it has no 2xx for, and some it has: once applied, each
    // changes nothing.
    let subscriptions_before = count(&db, "subscriptions").await;
    let messages_before = count(&db, "webhook_messages").await;
    let mut unanswered = 0;
    for event in &ledger.events {
        assert!(send_again(&run, event).await, "a replayed event was refused");
        unanswered += usize::from(!event.acknowledged);
    }
    let applied = count(&db, "subscriptions").await - subscriptions_before;
    let fresh = ledger.events.iter().filter(|event| !event.acknowledged).count();
    assert!(applied <= fresh as i64, "{applied} subscriptions from {unanswered} events never answered");
    for event in &ledger.events {
        let sql = format!("SELECT COUNT(*) FROM subscriptions WHERE provider_id = '{}'", event.subscription);
        let once: i64 = with_pool!(&db, |pool| sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap());
        assert_eq!(once, 1, "{} is applied {once} times", event.subscription);
    }
    // The same events once more: nothing at all changes.
    let (subscriptions, messages) = (count(&db, "subscriptions").await, count(&db, "webhook_messages").await);
    assert!(messages >= messages_before);
    for event in &ledger.events {
        assert!(send_again(&run, event).await, "a replayed event was refused");
    }
    assert_eq!(
        (count(&db, "subscriptions").await, count(&db, "webhook_messages").await),
        (subscriptions, messages)
    );

    // The running server delivers what is due; a delivery a killed server had claimed waits
    // for its lease, so the last round is run here as the server would run it after the lease.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let dir = server.kill();
    let client = paywall_server::publishing::webhooks::client();
    let later = paywall_server::time::now() + 3600;
    while paywall_server::publishing::webhooks::deliver_due(&db, &client, later).await.unwrap().delivered > 0
    {
    }
    check_webhooks(&db, &receiver, &ledger).await;
    check_sqlite_file(&db).await;
    db.close().await;
    drop(dir);
}

/// Sends a Stripe event again, as Stripe does until it gets a 2xx; whether it got one.
async fn send_again(run: &Run, event: &StripeEvent) -> bool {
    let sent = run
        .request(reqwest::Method::POST, "/v1/webhooks/stripe")
        .header("content-type", "application/json")
        .header("stripe-signature", &event.signature)
        .body(event.body.clone());
    acknowledged(sent).await.is_some()
}

/// Kills per run: each a random moment under load.
const ROUNDS: usize = 8;

async fn count(db: &Db, table: &str) -> i64 {
    common::count_where(db, table, "TRUE").await
}
