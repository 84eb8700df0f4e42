//! Demo mode is opt-in: the server alone seeds nothing, refuses the demo on a public address
//! unless told, and removes the demo readers when started without it.

mod common;

use axum::http::StatusCode;
use common::process::ServerProcess;
use common::*;
use paywall_server::config::Config;
use serde_json::json;

#[test]
fn the_server_alone_runs_no_demo_no_demo_reader_can_sign_in_and_codes_are_a_clear_503() {
    assert!(!Config::defaults("data").demo.on, "demo mode is off by default");
    let server = ServerProcess::start(&[]);
    let sign_in = json!({ "email": SUBSCRIBER, "password": PASSWORD }).to_string();
    let reply = server.request("POST", "/v1/sessions", &[], Some(&sign_in));
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert!(reply.json()["access_token"].is_null());
    assert_eq!(server.request("GET", "/dev/outbox", &[], None).status, 404);
    assert_eq!(server.request("GET", &format!("/v1/articles/{ARTICLE}"), &[], None).status, 404);
    // No SMTP and no demo: email sign-in is off, and says so.
    let code = server.request("POST", "/v1/sign-in-codes", &[], Some(r#"{"email":"r@example.com"}"#));
    assert_eq!(code.status, 503, "{}", code.body);
    assert!(code.json()["detail"].as_str().unwrap().contains("not set up"), "{}", code.body);
}

#[test]
fn the_demo_flag_turns_the_demo_on() {
    let server = ServerProcess::start(&[("PAYWALL_DEMO", "true")]);
    let sign_in = json!({ "email": SUBSCRIBER, "password": PASSWORD }).to_string();
    assert_eq!(server.request("POST", "/v1/sessions", &[], Some(&sign_in)).status, 201);
    assert_eq!(server.request("GET", "/dev/outbox", &[], None).status, 200);
}

#[test]
fn the_demo_refuses_a_public_address_unless_told_and_then_says_what_it_exposes() {
    let refused = ServerProcess::try_start(&[("PAYWALL_DEMO", "true"), ("PAYWALL_ADDR", "0.0.0.0:0")])
        .err()
        .expect("the demo does not start on 0.0.0.0");
    assert_eq!(refused.status.and_then(|status| status.code()), Some(1));
    assert!(refused.log.contains("not a loopback address"), "{}", refused.log);
    assert!(refused.log.contains("PAYWALL_DEMO_PUBLIC"), "{}", refused.log);

    let told = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_DEMO_PUBLIC", "true"),
        ("PAYWALL_ADDR", "0.0.0.0:0"),
    ]);
    let log = told.log_once_it_says("/dev/outbox");
    assert!(log.contains("demo mode on a public address"), "{log}");
    assert!(log.contains("subscriber@example.com") && log.contains("/dev/outbox"), "{log}");
}

#[tokio::test]
async fn the_loopback_check_covers_ipv6_and_leaves_a_server_without_the_demo_alone() {
    let dir = tempfile::tempdir().unwrap();
    for (addr, demo, public, starts) in [
        ("[::1]:0", true, false, true),
        ("[::]:0", true, false, false),
        ("0.0.0.0:0", false, false, true),
        ("0.0.0.0:0", true, true, true),
    ] {
        let mut config = demo_config(dir.path().join(addr.replace([':', '[', ']'], "_")));
        config.addr = addr.parse().unwrap();
        config.demo.on = demo;
        config.demo.public = public;
        assert_eq!(paywall_server::start(config).await.is_ok(), starts, "{addr} demo={demo} public={public}");
    }
}

#[tokio::test]
async fn starting_without_the_demo_removes_the_demo_readers_their_sessions_and_the_kept_mail() {
    let server = TestServer::start().await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let code = server.post_json("/v1/sign-in-codes", r#"{"email":"kept@example.com"}"#).await;
    assert_eq!(code.status, StatusCode::ACCEPTED);
    let page = server.get("/dev/outbox", None).await;
    let digits = page.text.split("Platform: ").nth(1).unwrap()[..6].to_owned();
    let kept = server
        .post_json("/v1/sessions/code", &json!({ "email": "kept@example.com", "code": digits }).to_string())
        .await;
    assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.text);
    assert_eq!(server.count("outbox").await, 1);

    let mut config = demo_config(server.dir.path().join("data"));
    config.demo.on = false;
    let restarted = paywall_server::start(config).await.expect("the server starts without the demo");
    let app = paywall_server::app(restarted.clone());
    let after = TestServer { state: restarted, app, dir: server.dir };

    // The demo readers are gone, and so is everything that let anyone in as them.
    let demo_readers = after.count_where("readers", &format!("email IN ('{SUBSCRIBER}', '{READER}')")).await;
    assert_eq!(demo_readers, 0);
    let sign_in = json!({ "email": SUBSCRIBER, "password": PASSWORD }).to_string();
    after.post_json("/v1/sessions", &sign_in).await.problem(StatusCode::UNAUTHORIZED);
    after.locked(&session["access_token"]).await.problem(StatusCode::UNAUTHORIZED);
    let refresh = json!({ "refresh_token": session["refresh_token"] }).to_string();
    after.post_json("/v1/sessions/refresh", &refresh).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(after.count("subscriptions").await, 0);
    assert_eq!(after.count("outbox").await, 0);
    after.get("/dev/outbox", None).await.problem(StatusCode::NOT_FOUND);
    // A real reader and the article stay.
    assert_eq!(after.count("readers").await, 1);
    let refresh = json!({ "refresh_token": kept.json()["refresh_token"] }).to_string();
    assert_eq!(after.post_json("/v1/sessions/refresh", &refresh).await.status, StatusCode::OK);
    assert_eq!(after.count("articles").await, 1);
}

#[tokio::test]
async fn the_demo_never_takes_over_a_real_reader_who_has_a_demo_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = demo_config(dir.path().join("data"));
    config.demo.on = false;
    let state = paywall_server::start(config).await.unwrap();
    paywall_server::store::readers::proven_owner(&state.db, SUBSCRIBER).await.unwrap();

    let server = TestServer::start_with(|config| config.data = dir.path().join("data")).await;
    // The demo did not give this reader the demo password or a subscription.
    let sign_in = json!({ "email": SUBSCRIBER, "password": PASSWORD }).to_string();
    server.post_json("/v1/sessions", &sign_in).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(server.count("subscriptions").await, 0);
    // And turning the demo off removes the demo reader but leaves them be.
    let mut config = demo_config(dir.path().join("data"));
    config.demo.on = false;
    paywall_server::start(config).await.unwrap();
    let left: Vec<String> = with_pool!(&server.state.db, |pool| {
        sqlx::query_scalar("SELECT email FROM readers").fetch_all(pool).await.unwrap()
    });
    assert_eq!(left, [SUBSCRIBER]);
}

/// A configuration to try, and whether the demo may start with it.
type Case = (&'static str, fn(&mut Config), bool);

#[tokio::test]
async fn the_demo_also_refuses_a_proxy_in_front_or_a_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [Case; 4] = [
        (
            "behind a proxy",
            |config| config.connections.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()],
            false,
        ),
        ("under a public URL", |config| config.public_url = Some("https://news.example".into()), false),
        ("under a local URL", |config| config.public_url = Some("http://localhost:8080".into()), true),
        (
            "told it may be public",
            |config| {
                config.public_url = Some("https://news.example".into());
                config.demo.public = true;
            },
            true,
        ),
    ];
    for (n, (case, configure, starts)) in cases.into_iter().enumerate() {
        let mut config = demo_config(dir.path().join(n.to_string()));
        configure(&mut config);
        let started = paywall_server::start(config).await;
        assert_eq!(started.is_ok(), starts, "{case}");
    }
}

#[tokio::test]
async fn the_dev_outbox_is_shown_only_to_this_machine_and_not_through_a_proxy() {
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::Request;
    let server = TestServer::start().await;
    server.post_json("/v1/sign-in-codes", r#"{"email":"r@example.com"}"#).await;
    assert_eq!(server.get("/dev/outbox", None).await.status, StatusCode::OK);
    let mut from_afar = Request::get("/dev/outbox").body(Body::empty()).unwrap();
    from_afar.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from(([203, 0, 113, 5], 1))));
    let reply = server.send(from_afar).await;
    reply.problem(StatusCode::NOT_FOUND);
    assert!(!reply.text.contains("sign-in code"));
    let proxied =
        Request::get("/dev/outbox").header("x-forwarded-for", "203.0.113.5").body(Body::empty()).unwrap();
    server.send(proxied).await.problem(StatusCode::NOT_FOUND);
}
