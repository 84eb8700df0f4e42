//! The meter: free articles for readers without a subscription, counted on the server by
//! reader, by the anonymous id it signs, and by network address for browsers that keep none.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use paywall_server::access::meter::{Metered, Visitor};
use serde_json::{Value, json};

const DAY: i64 = 24 * 60 * 60;

/// The server with `count` more premium articles (`metered-1`, …), and an admin key.
async fn with_articles(count: usize) -> (TestServer, String) {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    for n in 1..=count {
        let article = json!({
            "title": format!("Metered story {n}"),
            "tier": "premium",
            "sections": [{ "title": "Inside", "html": format!("<p>The locked part of story {n}.</p>") }],
        });
        let reply =
            server.admin(Method::PUT, &format!("/v1/admin/articles/metered-{n}"), &key, Some(article)).await;
        assert!(reply.status.is_success(), "{}", reply.text);
    }
    (server, key)
}

async fn set_policy(server: &TestServer, key: &str, policy: Value) {
    let reply = server.admin(Method::PUT, "/v1/admin/meter", key, Some(policy)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// `GET /v1/articles/{article}/locked` as a browser at `peer`, with a visitor token, perhaps a
/// bearer token, and extra headers.
async fn read(
    server: &TestServer,
    article: &str,
    peer: &str,
    visitor: Option<&str>,
    bearer: Option<&str>,
    extra: &[(&str, &str)],
) -> Reply {
    let mut builder = Request::builder().method(Method::GET).uri(format!("/v1/articles/{article}/locked"));
    if let Some(visitor) = visitor {
        builder = builder.header("paywall-visitor", visitor);
    }
    if let Some(bearer) = bearer {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    }
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(Body::empty()).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    server.send(request).await
}

fn visitor_of(reply: &Reply) -> String {
    let token = reply.header(header::HeaderName::from_static("paywall-visitor"));
    assert!(!token.is_empty(), "a new visitor gets an id: {:?}", reply.headers);
    token.to_owned()
}

#[tokio::test]
async fn the_meter_counts_different_articles_in_a_rolling_period_with_the_same_one_counted_once() {
    let (server, key) = with_articles(0).await;
    set_policy(&server, &key, json!({ "anonymous": 0, "registered": 2, "period_days": 30 })).await;
    let meter = &server.state.meter;
    let db = &server.state.db;
    let t0 = 1_900_000_000;
    let open = |article: &'static str, at: i64| meter.open(db, Visitor::Reader(7), article, at);
    let counted = |metered: Metered| match metered {
        Metered::Counted { opened, meter, new_token } => {
            assert_eq!(new_token, None, "a reader is counted by their id");
            (opened, meter.articles_read, meter.articles_left, meter.resets_at)
        }
        Metered::Off => panic!("the meter is on"),
    };
    assert_eq!(counted(open("a", t0).await.unwrap()), (true, 1, 1, t0 + 30 * DAY));
    assert_eq!(counted(open("a", t0 + DAY).await.unwrap()), (true, 1, 1, t0 + 30 * DAY), "not twice");
    assert_eq!(counted(open("b", t0 + 2 * DAY).await.unwrap()), (true, 2, 0, t0 + 30 * DAY));
    assert_eq!(counted(open("c", t0 + 3 * DAY).await.unwrap()), (false, 2, 0, t0 + 30 * DAY));
    assert_eq!(
        counted(open("a", t0 + 4 * DAY).await.unwrap()),
        (true, 2, 0, t0 + 30 * DAY),
        "a is still counted"
    );
    // Thirty days on, `a` has left the period: `c` takes its place, and `a` no longer opens.
    let later = t0 + 30 * DAY + 1;
    assert_eq!(counted(open("c", later).await.unwrap()), (true, 2, 0, t0 + 32 * DAY));
    assert_eq!(counted(open("a", later).await.unwrap()), (false, 2, 0, t0 + 32 * DAY));
    assert_eq!(count_where(db, "meter_reads", "visitor = 'r:7'").await, 3, "a's old row, b, c");
    // Anonymous readers are off in this policy, and a different reader has a meter of their own.
    let client = paywall_server::http::client::Client::new("192.0.2.1".parse().unwrap(), 64);
    assert_eq!(
        meter.open(db, Visitor::Anonymous { token: None, client }, "a", t0).await.unwrap(),
        Metered::Off
    );
    assert!(counted(meter.open(db, Visitor::Reader(8), "c", t0 + 3 * DAY).await.unwrap()).0);
}

#[tokio::test]
async fn an_anonymous_reader_reads_the_limit_then_meets_a_refusal_that_offers_registration() {
    let (server, key) = with_articles(3).await;
    // Off by default: no id, no count, the refusal as before.
    let reply = read(&server, "metered-1", "192.0.2.10:1000", None, None, &[]).await;
    let problem = reply.problem(StatusCode::UNAUTHORIZED);
    assert!(problem.get("meter").is_none() && reply.headers.get("paywall-visitor").is_none());
    assert_eq!(server.count("meter_reads").await, 0);
    assert_eq!(server.get("/v1/articles/metered-1", None).await.json()["metered"], false);

    set_policy(&server, &key, json!({ "anonymous": 2, "registered": 5, "period_days": 30 })).await;
    assert_eq!(server.get("/v1/articles/metered-1", None).await.json()["metered"], true);
    let first = read(&server, "metered-1", "192.0.2.10:1000", None, None, &[]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.header(header::CACHE_CONTROL), "private, no-store");
    let body = first.json();
    assert_eq!(body["grant_reason"], "metering");
    assert!(body["sections"][0]["html"].as_str().unwrap().contains("story 1"));
    assert_eq!(body["meter"]["articles_read"], 1);
    assert_eq!(body["meter"]["articles_left"], 1);
    assert_eq!(body["meter"]["limit"], 2);
    assert_eq!(body["meter"]["registered_limit"], 5);
    let visitor = visitor_of(&first);

    // The same browser, from another address even: its id counts.
    let second = read(&server, "metered-2", "198.51.100.7:1000", Some(&visitor), None, &[]).await;
    assert_eq!(second.json()["meter"]["articles_left"], 0);
    assert!(second.headers.get("paywall-visitor").is_none(), "a known visitor keeps its id");
    let before = server.snapshot().await;
    let third = read(&server, "metered-3", "192.0.2.10:1000", Some(&visitor), None, &[]).await;
    let problem = third.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(third.header(header::CACHE_CONTROL), "private, no-store");
    assert_eq!(problem["meter"]["articles_left"], 0);
    assert_eq!(problem["meter"]["registered_limit"], 5);
    assert!(problem["detail"].as_str().unwrap().contains("Sign up for 5 more"), "{problem}");
    assert!(!third.text.contains("story 3"));
    assert_eq!(server.snapshot().await, before, "a refusal writes nothing");
    // An article already counted still opens.
    assert_eq!(
        read(&server, "metered-1", "192.0.2.10:1000", Some(&visitor), None, &[]).await.status,
        StatusCode::OK
    );

    // A signed-in reader without a subscription has the registered meter, of their own.
    let session = server.sign_in(READER, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();
    let registered = read(&server, "metered-3", "192.0.2.10:1000", Some(&visitor), Some(token), &[]).await;
    let body = registered.json();
    assert_eq!((body["grant_reason"].as_str(), body["meter"]["limit"].as_u64()), (Some("metering"), Some(5)));
    assert_eq!(body["meter"]["registered_limit"], 0);
    // A subscriber is never counted.
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let rows = server.count("meter_reads").await;
    let subscriber =
        read(&server, "metered-3", "192.0.2.10:1000", None, session["access_token"].as_str(), &[]).await;
    assert_eq!(subscriber.json()["grant_reason"], "subscription");
    assert_eq!(server.count("meter_reads").await, rows);
}

#[tokio::test]
async fn a_forged_or_dropped_id_is_a_new_browser_and_an_address_starts_only_so_many() {
    let (server, key) = with_articles(4).await;
    set_policy(
        &server,
        &key,
        json!({ "anonymous": 1, "registered": 0, "period_days": 30, "per_address": 2 }),
    )
    .await;
    let peer = "192.0.2.20:1000";
    let mut visitors = Vec::new();
    // Two browsers from the address start meters of their own, one article each.
    for article in ["metered-1", "metered-2"] {
        let reply = read(&server, article, peer, None, None, &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        visitors.push(visitor_of(&reply));
    }
    assert_ne!(visitors[0], visitors[1]);
    let spent = read(&server, "metered-2", peer, Some(&visitors[0]), None, &[]).await;
    assert_eq!(spent.problem(StatusCode::UNAUTHORIZED)["meter"]["articles_left"], 0);
    // Made-up, changed and foreign ids are no ids: the browser is new, and the address has
    // started its two, so it shares the address's meter: one article, then nothing, however
    // often the id is dropped.
    let (id, tag) = visitors[0].split_once('.').unwrap();
    let tampered = format!("{}.{tag}", &id[..id.len() - 2]);
    let shared = read(&server, "metered-3", peer, Some(&tampered), None, &[]).await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.text);
    let shared_id = visitor_of(&shared);
    for forged in
        [Some("bm90IG91cnM.AAAAAAAAAAAAAAAAAAAAAA"), Some("nonsense"), None, Some(tampered.as_str())]
    {
        let reply = read(&server, "metered-4", peer, forged, None, &[]).await;
        assert_eq!(reply.problem(StatusCode::UNAUTHORIZED)["meter"]["articles_read"], 1, "{forged:?}");
        assert_eq!(visitor_of(&reply), shared_id, "the address's meter");
        assert!(!reply.text.contains("story 4"));
    }
    assert_eq!(count_where(&server.state.db, "meter_visitors", "1 = 1").await, 2);
    // An IPv6 address counts by its /64: another address in it is the same network.
    let v6 = |host: &str| format!("[2001:db8:1:2:{host}]:1000");
    for host in ["0:0:0:1", "0:0:0:2"] {
        assert_eq!(read(&server, "metered-1", &v6(host), None, None, &[]).await.status, StatusCode::OK);
    }
    let third = read(&server, "metered-2", &v6("ffff:0:0:3"), None, None, &[]).await;
    assert_eq!(third.status, StatusCode::OK, "the /64's own meter");
    let fourth = read(&server, "metered-3", &v6("ffff:ffff:0:4"), None, None, &[]).await;
    assert_eq!(fourth.status, StatusCode::UNAUTHORIZED, "the /64's meter is spent");
    // Another network starts its own.
    assert_eq!(
        read(&server, "metered-4", "[2001:db8:1:3::1]:1000", None, None, &[]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn prefetch_prerender_head_and_crawlers_get_no_metered_text_and_are_not_counted() {
    let (server, key) = with_articles(1).await;
    set_policy(&server, &key, json!({ "anonymous": 3, "registered": 3, "period_days": 7 })).await;
    let before = server.snapshot().await;
    for extra in [
        vec![("sec-purpose", "prefetch")],
        vec![("sec-purpose", "prefetch;prerender")],
        vec![("purpose", "prefetch")],
        vec![("user-agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")],
    ] {
        let reply = read(&server, "metered-1", "192.0.2.30:1000", None, None, &extra).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{extra:?}");
        assert!(!reply.text.contains("story 1") && reply.headers.get("paywall-visitor").is_none());
    }
    let mut head = request(Method::HEAD, "/v1/articles/metered-1/locked", None, None);
    head.extensions_mut().insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 30], 1000))));
    let reply = server.send(head).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(server.snapshot().await, before, "nothing counted, no id given");
    // The summary is never counted either.
    assert_eq!(server.get("/v1/articles/metered-1", None).await.status, StatusCode::OK);
    assert_eq!(server.count("meter_reads").await, 0);
    // And an ordinary read is.
    assert_eq!(read(&server, "metered-1", "192.0.2.30:1000", None, None, &[]).await.status, StatusCode::OK);
    assert_eq!(server.count("meter_reads").await, 1);
}

#[tokio::test]
async fn the_policy_is_the_admins_to_set_and_bad_values_change_nothing() {
    let (server, key) = with_articles(0).await;
    let reply = server.admin(Method::GET, "/v1/admin/meter", &key, None).await;
    assert_eq!(
        reply.json(),
        json!({ "anonymous": 0, "registered": 0, "period_days": 30, "per_address": 10 })
    );
    set_policy(&server, &key, json!({ "anonymous": 3, "registered": 10, "period_days": 30 })).await;
    let before = server.snapshot().await;
    for bad in [
        json!({ "anonymous": 3, "registered": 10, "period_days": 0 }),
        json!({ "anonymous": 3, "registered": 10, "period_days": 367 }),
        json!({ "anonymous": -1, "registered": 10, "period_days": 30 }),
        json!({ "anonymous": 3, "registered": 10_001, "period_days": 30 }),
        json!({ "anonymous": "3", "registered": 10, "period_days": 30 }),
        json!({ "anonymous": 3, "period_days": 30 }),
    ] {
        let reply = server.admin(Method::PUT, "/v1/admin/meter", &key, Some(bad.clone())).await;
        assert!(
            reply.status == StatusCode::UNPROCESSABLE_ENTITY || reply.status == StatusCode::BAD_REQUEST,
            "{bad}: {}",
            reply.text
        );
    }
    assert_eq!(server.snapshot().await, before);
    let reply = server.admin(Method::GET, "/v1/admin/meter", &key, None).await;
    assert_eq!(
        reply.json(),
        json!({ "anonymous": 3, "registered": 10, "period_days": 30, "per_address": 10 })
    );
    assert_eq!(server.get("/v1/admin/meter", None).await.status, StatusCode::UNAUTHORIZED);
    let audit = server.text("SELECT detail FROM audit_log WHERE action = 'meter.update'").await.unwrap();
    assert!(audit.contains("3 anonymous, 10 registered per 30 days"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_of_many_articles_at_once_never_pass_the_limit() {
    let (server, key) = with_articles(0).await;
    set_policy(&server, &key, json!({ "anonymous": 0, "registered": 3, "period_days": 30 })).await;
    let mut reads = tokio::task::JoinSet::new();
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(24));
    for n in 0..24 {
        let (state, start) = (server.state.clone(), start.clone());
        reads.spawn(async move {
            start.wait().await;
            let article = format!("parallel-{n}");
            match state.meter.open(&state.db, Visitor::Reader(11), &article, 1_900_000_000).await.unwrap() {
                Metered::Counted { opened, .. } => opened,
                Metered::Off => panic!("the meter is on"),
            }
        });
    }
    let opened = reads.join_all().await.into_iter().filter(|opened| *opened).count();
    assert_eq!(opened, 3, "exactly the limit, however many arrive at once");
    assert_eq!(count_where(&server.state.db, "meter_reads", "visitor = 'r:11'").await, 3);
}
