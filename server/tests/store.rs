//! The store's operations where several requests, or several servers, race: each is one
//! database's word, so these run against whichever database the run uses (SQLite, then
//! PostgreSQL in `cargo xtask test`), as does every other test through the API.

mod common;

use common::*;
use paywall_server::store::{codes, jobs, publisher, rate_limits, readers, sessions};

/// Runs `count` copies of `make(n)` at once and returns their results in order.
async fn at_once<T, F>(count: usize, make: impl Fn(usize) -> F) -> Vec<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = (0..count).map(|n| tokio::spawn(make(n))).collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rate_limit_allows_its_burst_then_refuses_until_an_interval_has_passed() {
    let server = TestServer::start().await;
    let db = &server.state.db;
    let (interval, burst) = (1_000, 3);
    let t0 = 1_000_000_000_000;
    for _ in 0..3 {
        assert_eq!(rate_limits::check(db, b"k", t0, interval, burst).await.unwrap(), None);
    }
    // The fourth at the same moment waits one interval, less the tenth allowed for requests
    // that read the clock before waiting their turn; a different key is not affected.
    assert_eq!(rate_limits::check(db, b"k", t0, interval, burst).await.unwrap(), Some(900));
    assert_eq!(rate_limits::check(db, b"other", t0, interval, burst).await.unwrap(), None);
    // A refused request does not count: a little later the wait is shorter, and after an
    // interval one more is allowed, and only one.
    assert_eq!(rate_limits::check(db, b"k", t0 + 400, interval, burst).await.unwrap(), Some(500));
    assert_eq!(rate_limits::check(db, b"k", t0 + 1_000, interval, burst).await.unwrap(), None);
    assert!(rate_limits::check(db, b"k", t0 + 1_000, interval, burst).await.unwrap().is_some());
    // Long after, the whole burst is back.
    for _ in 0..3 {
        assert_eq!(rate_limits::check(db, b"k", t0 + 60_000, interval, burst).await.unwrap(), None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_racing_for_a_rate_limit_get_exactly_its_burst() {
    let server = TestServer::start().await;
    let now = 2_000_000_000_000;
    let results = at_once(24, |_| {
        let db = server.state.db.clone();
        async move { rate_limits::check(&db, b"race", now, 60_000, 5).await.unwrap() }
    })
    .await;
    assert_eq!(results.iter().filter(|refused| refused.is_none()).count(), 5, "{results:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_several_servers_claiming_a_due_job_exactly_one_runs_it() {
    let server = TestServer::start().await;
    let claims = at_once(12, |_| {
        let db = server.state.db.clone();
        async move { jobs::claim(&db, "prune", 1_000, 600).await.unwrap() }
    })
    .await;
    assert_eq!(claims.iter().filter(|claimed| **claimed).count(), 1, "{claims:?}");
    // Not due again until its period has passed.
    assert!(!jobs::claim(&server.state.db, "prune", 1_599, 600).await.unwrap());
    assert!(jobs::claim(&server.state.db, "prune", 1_600, 600).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_code_spent_by_several_requests_at_once_is_spent_once() {
    let server = TestServer::start().await;
    let db = &server.state.db;
    codes::insert(db, "race@example.com", &[1; 32], &[2; 32], "/", i64::MAX / 2).await.unwrap();
    let id = codes::live_for_email(db, "race@example.com").await.unwrap()[0].id;
    let spent = at_once(8, |_| {
        let db = db.clone();
        async move { codes::spend(&db, id).await.unwrap() }
    })
    .await;
    assert_eq!(spent.iter().filter(|spent| **spent).count(), 1, "{spent:?}");
    assert!(codes::live_for_email(db, "race@example.com").await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_token_spent_by_several_requests_at_once_is_spent_once() {
    let server = TestServer::start().await;
    let db = &server.state.db;
    let reader = readers::proven_owner(db, "tabs@example.com").await.unwrap();
    let lifetime = sessions::Lifetime { idle: 3600, absolute: 7200 };
    sessions::create(db, reader, &[7; 32], lifetime).await.unwrap();
    let rotations = at_once(8, |n| {
        let db = db.clone();
        async move {
            let new = [u8::try_from(n).unwrap() + 100; 32];
            sessions::rotate(&db, &[7; 32], &new, lifetime, "203.0.113.9", 30).await.unwrap()
        }
    })
    .await;
    let rotated =
        rotations.iter().filter(|rotation| matches!(rotation, sessions::Rotation::Rotated { .. })).count();
    assert_eq!(rotated, 1, "{rotations:?}");
    assert!(
        rotations.iter().all(|rotation| !matches!(rotation, sessions::Rotation::Unknown)),
        "{rotations:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_publisher_reader_signing_in_on_several_servers_at_once_is_one_reader() {
    let server = TestServer::start().await;
    let outcomes = at_once(6, |n| {
        let db = server.state.db.clone();
        async move {
            let refresh = [u8::try_from(n).unwrap(); 32];
            let jti = format!("jti-{n}");
            let sign_in = publisher::PublisherSession {
                issuer: "https://news.example",
                subject: "member-1",
                email: "member@news.example",
                email_verified: true,
                token_id: Some((&jti, i64::MAX / 2)),
                tier: Some(("premium", i64::MAX / 2)),
                refresh_hash: &refresh,
                lifetime: sessions::Lifetime { idle: 3600, absolute: 7200 },
            };
            publisher::sign_in(&db, &sign_in).await.unwrap()
        }
    })
    .await;
    let readers: std::collections::BTreeSet<i64> = outcomes
        .iter()
        .map(|outcome| match outcome {
            publisher::Outcome::Started { reader_id, .. } => *reader_id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(readers.len(), 1, "{outcomes:?}");
    assert_eq!(server.count_where("subscriptions", "source = 'publisher'").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_ceremony_answered_by_several_requests_at_once_is_taken_once() {
    use paywall_server::store::ceremonies::{self, Kind};
    let server = TestServer::start().await;
    ceremonies::start(&server.state.db, b"race", Kind::PasskeySignIn, None, "{}", 60).await.unwrap();
    let taken = at_once(8, |_| {
        let db = server.state.db.clone();
        async move { ceremonies::take(&db, b"race", Kind::PasskeySignIn).await.unwrap().is_some() }
    })
    .await;
    assert_eq!(taken.iter().filter(|taken| **taken).count(), 1, "{taken:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_provider_s_new_reader_signing_in_on_several_servers_at_once_is_one_reader() {
    use paywall_server::store::identities::{self, Linked};
    let server = TestServer::start().await;
    let linked =
        at_once(6, |_| {
            let db = server.state.db.clone();
            async move {
                identities::sign_in(&db, "https://idp", "sub-race", "race@idp.example", true).await.unwrap()
            }
        })
        .await;
    assert!(matches!(linked[0], Linked::Reader(_)), "{linked:?}");
    assert!(linked.iter().all(|one| *one == linked[0]), "one reader: {linked:?}");
    assert_eq!(server.count("reader_identities").await, 1);
}
