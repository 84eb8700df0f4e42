//! Abuse limits: 429 with Retry-After. Clients are counted by address (IPv6 by /64), from the
//! socket unless it is a trusted proxy, so a spoofed X-Forwarded-For changes nothing; limits
//! on an email sit behind limits on the client and email together, so a stranger's requests
//! for someone's address stop the stranger, not the owner.

mod common;

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::*;
use paywall_server::auth::MAX_ATTEMPTS;
use paywall_server::auth::code::CODES_TAKING_DIGITS;
use paywall_server::http::limits::*;
use serde_json::json;

/// A JSON POST from `peer`, claiming to forward for `forwarded_for`.
fn post_from(path: &str, body: serde_json::Value, peer: &str, forwarded_for: Option<&str>) -> Request<Body> {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    let mut request = request.body(Body::from(body.to_string())).unwrap();
    let ip: IpAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::new(ip, 50000)));
    request
}

fn code_request(email: &str, peer: &str, forwarded_for: Option<&str>) -> Request<Body> {
    post_from("/v1/sign-in-codes", json!({ "email": email }), peer, forwarded_for)
}

fn password_from(email: &str, password: &str, peer: &str) -> Request<Body> {
    post_from("/v1/sessions", json!({ "email": email, "password": password }), peer, None)
}

fn code_from(email: &str, code: &str, peer: &str) -> Request<Body> {
    post_from("/v1/sessions/code", json!({ "email": email, "code": code }), peer, None)
}

fn assert_rate_limited(reply: &Reply) {
    let problem = reply.problem(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["reason"], "rate_limited");
    let wait: u64 = reply.header(header::RETRY_AFTER).parse().expect("Retry-After in seconds");
    assert!(wait >= 1, "{wait}");
    assert_eq!(problem["retry_after"], wait);
}

/// The subject and body of the `nth` (from 0) email the demo outbox kept for `email`.
async fn kept_email(server: &TestServer, email: &str, nth: i64) -> (String, String) {
    let sql = "SELECT subject, body FROM outbox WHERE recipient = $1 ORDER BY id LIMIT 1 OFFSET $2";
    with_pool!(&server.state.db, |pool| sqlx::query_as(sql)
        .bind(email)
        .bind(nth)
        .fetch_one(pool)
        .await
        .unwrap())
}

/// The code in the `nth` email kept for `email`: the subject ends with it.
async fn kept_code(server: &TestServer, email: &str, nth: i64) -> String {
    let (subject, _) = kept_email(server, email, nth).await;
    subject.rsplit(' ').next().unwrap().to_owned()
}

/// The link token in the `nth` email kept for `email`.
async fn kept_link_token(server: &TestServer, email: &str, nth: i64) -> String {
    let (_, body) = kept_email(server, email, nth).await;
    body.split("#token=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn a_stranger_asking_for_codes_for_an_address_is_stopped_and_the_owners_code_keeps_working() {
    let server = TestServer::start().await;
    let owner = "10.0.0.2";
    assert_eq!(server.send(code_request(SUBSCRIBER, owner, None)).await.status, StatusCode::ACCEPTED);
    let owners_code = kept_code(&server, SUBSCRIBER, 0).await;

    let stranger = "10.0.0.1";
    for _ in 0..CODES_PER_CLIENT_AND_EMAIL.burst {
        let reply = server.send(code_request(SUBSCRIBER, stranger, None)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    }
    let before = server.count("sign_in_codes").await;
    assert_rate_limited(&server.send(code_request(SUBSCRIBER, stranger, None)).await);
    assert_eq!(server.count("sign_in_codes").await, before, "a refused request sends nothing");

    // The code sent before the stranger came still works, and the owner can still ask.
    let reply = server.send(code_from(SUBSCRIBER, &owners_code, owner)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(server.send(code_request(SUBSCRIBER, owner, None)).await.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn codes_to_one_email_are_capped_whoever_asks_so_no_inbox_is_flooded() {
    let server = TestServer::start().await;
    let mut sent = 0;
    for n in 1..=CODES_PER_EMAIL.burst + 1 {
        let reply = server.send(code_request("flooded@example.com", &format!("10.0.1.{n}"), None)).await;
        if reply.status == StatusCode::ACCEPTED {
            sent += 1;
        } else {
            assert_rate_limited(&reply);
        }
    }
    assert_eq!(sent, CODES_PER_EMAIL.burst);
    assert_eq!(server.count("outbox").await, i64::from(CODES_PER_EMAIL.burst));
}

#[tokio::test]
async fn codes_from_one_address_are_limited_however_x_forwarded_for_is_spoofed() {
    let server = TestServer::start().await;
    for n in 0..CODES_PER_CLIENT.burst {
        let spoofed = format!("203.0.113.{n}");
        let reply = server.send(code_request(&format!("r{n}@example.com"), "10.0.0.3", Some(&spoofed))).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    }
    assert_rate_limited(
        &server.send(code_request("r10@example.com", "10.0.0.3", Some("198.51.100.7"))).await,
    );
}

#[tokio::test]
async fn behind_trusted_proxies_each_forwarded_client_is_counted_on_its_own() {
    let server = TestServer::start_with(|config| {
        config.connections.trusted_proxies =
            vec!["10.0.0.0/24".parse().unwrap(), "2001:db8:ffff::1/128".parse().unwrap()];
        config.demo.public = true;
    })
    .await;
    for n in 0..CODES_PER_CLIENT.burst + 2 {
        // The client's own (spoofable) entry comes first; the proxy appends the real address,
        // here with its port as some proxies write it; proxies anywhere in the range are believed.
        let chain = format!("6.6.6.6, 203.0.113.{n}:5{n:04}");
        let proxy = format!("10.0.0.{}", n + 1);
        let reply = server.send(code_request(&format!("p{n}@example.com"), &proxy, Some(&chain))).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{n}: {}", reply.text);
    }
    // One client behind the proxies is still limited, however it writes its entry.
    for n in 0..CODES_PER_CLIENT.burst {
        let chain = if n % 2 == 0 { "203.0.113.200" } else { "203.0.113.200:4711" };
        server.send(code_request(&format!("q{n}@example.com"), "2001:db8:ffff::1", Some(chain))).await;
    }
    assert_rate_limited(
        &server.send(code_request("q10@example.com", "10.0.0.9", Some("203.0.113.200"))).await,
    );
    // A proxy outside the range is not believed: its clients are all the proxy.
    for n in 0..CODES_PER_CLIENT.burst {
        server
            .send(code_request(&format!("o{n}@example.com"), "10.0.1.1", Some(&format!("198.51.100.{n}"))))
            .await;
    }
    assert_rate_limited(
        &server.send(code_request("o10@example.com", "10.0.1.1", Some("198.51.100.99"))).await,
    );
}

#[tokio::test]
async fn a_strangers_wrong_passwords_stop_the_stranger_not_the_owner() {
    let server = TestServer::start().await;
    let stranger = "10.0.0.4";
    for _ in 0..PASSWORD_PER_CLIENT_AND_EMAIL.burst {
        server.send(password_from(SUBSCRIBER, "guess", stranger)).await.problem(StatusCode::UNAUTHORIZED);
    }
    assert_rate_limited(&server.send(password_from(SUBSCRIBER, "guess", stranger)).await);
    // Even the right password waits, from the stranger: the limit is checked before the password.
    assert_rate_limited(&server.send(password_from(SUBSCRIBER, PASSWORD, stranger)).await);
    assert_eq!(server.count("sessions").await, 0);
    // The owner, elsewhere, signs in.
    assert_eq!(
        server.send(password_from(SUBSCRIBER, PASSWORD, "10.0.0.5")).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn password_guesses_for_one_email_from_many_networks_are_capped_and_codes_still_sign_the_owner_in() {
    let server = TestServer::start().await;
    // Enough clients, each within its own allowance, to go past the email's.
    let per_client = PASSWORD_PER_CLIENT_AND_EMAIL.burst;
    let clients = PASSWORD_PER_EMAIL.burst / per_client + 1;
    let mut refused = 0;
    for n in 0..clients {
        for _ in 0..per_client {
            let reply = server.send(password_from(SUBSCRIBER, "guess", &format!("10.0.2.{n}"))).await;
            if reply.status == StatusCode::TOO_MANY_REQUESTS {
                refused += 1;
            }
        }
    }
    assert_eq!(refused, clients * per_client - PASSWORD_PER_EMAIL.burst, "the email's allowance, then none");
    assert_rate_limited(&server.send(password_from(SUBSCRIBER, PASSWORD, "10.0.3.1")).await);
    // The owner still has the emailed code.
    server.send(code_request(SUBSCRIBER, "10.0.3.1", None)).await;
    let code = kept_code(&server, SUBSCRIBER, 0).await;
    assert_eq!(server.send(code_from(SUBSCRIBER, &code, "10.0.3.1")).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn code_guesses_from_one_address_are_limited_across_emails() {
    let server = TestServer::start().await;
    let mut limited = false;
    for n in 0..SIGN_IN_PER_CLIENT.burst + 5 {
        let body = json!({ "email": format!("g{n}@example.com"), "code": "123456" }).to_string();
        let reply = server.post_json("/v1/sessions/code", &body).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert_rate_limited(&reply);
            assert!(n >= SIGN_IN_PER_CLIENT.burst, "limited after only {n}");
            limited = true;
            break;
        }
        reply.problem(StatusCode::UNAUTHORIZED);
    }
    assert!(limited, "guesses past the limit were never limited");
}

#[tokio::test]
async fn asking_for_new_codes_buys_no_more_guesses() {
    let server = TestServer::start().await;
    let email = "guessed@example.com";
    let mut tries = 0;
    for round in 0..3 {
        // A fresh code each round, from a fresh client, and all its wrong tries.
        let client = format!("10.0.4.{round}");
        assert_eq!(server.send(code_request(email, &client, None)).await.status, StatusCode::ACCEPTED);
        let code = kept_code(&server, email, round).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..MAX_ATTEMPTS {
            let reply = server.send(code_from(email, wrong, &format!("10.0.5.{tries}"))).await;
            tries += 1;
            if reply.status == StatusCode::TOO_MANY_REQUESTS {
                assert_rate_limited(&reply);
                assert_eq!(
                    tries,
                    CODE_TRIES_PER_EMAIL.burst + 1,
                    "the email's tries, across its codes, then none"
                );
                return;
            }
        }
    }
    panic!("{tries} wrong tries for one email were never limited");
}

#[tokio::test]
async fn a_strangers_wrong_codes_leave_the_owners_emailed_link_working() {
    let server = TestServer::start().await;
    server.send(code_request(READER, "10.0.6.1", None)).await;
    let code = kept_code(&server, READER, 0).await;
    let token = kept_link_token(&server, READER, 0).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 1..MAX_ATTEMPTS {
        let problem =
            server.send(code_from(READER, wrong, "10.0.6.66")).await.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(problem["reason"], "wrong_code");
    }
    let problem = server.send(code_from(READER, wrong, "10.0.6.66")).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["reason"], "too_many_attempts");
    // The digits no longer work for anyone; the link (256 random bits) still does.
    let problem = server.send(code_from(READER, &code, "10.0.6.1")).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["reason"], "too_many_attempts");
    let reply = server.post_json("/v1/sessions/link", &json!({ "token": token }).to_string()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

#[tokio::test]
async fn an_ipv6_client_rotating_through_its_64_is_one_client() {
    let server = TestServer::start().await;
    for n in 1..=CODES_PER_CLIENT.burst {
        let reply = server
            .send(code_request(&format!("v{n}@example.com"), &format!("2001:db8:1:2::{n:x}"), None))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    }
    let rotated = code_request("v11@example.com", "2001:db8:1:2:ffff:ffff:ffff:fffe", None);
    assert_rate_limited(&server.send(rotated).await);
    // The next /64 is somebody else.
    assert_eq!(
        server.send(code_request("v12@example.com", "2001:db8:1:3::1", None)).await.status,
        StatusCode::ACCEPTED
    );

    // And password guesses across accounts, from ever-new addresses in one /64, are limited too.
    let mut limited = false;
    for n in 1..=SIGN_IN_PER_CLIENT.burst + 5 {
        let reply = server
            .send(password_from(&format!("a{n}@example.com"), "guess", &format!("2001:db8:9:9::{n:x}")))
            .await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(n > SIGN_IN_PER_CLIENT.burst, "limited after only {n}");
            limited = true;
            break;
        }
    }
    assert!(limited, "25 guesses from one /64 were never limited");
}

#[tokio::test]
async fn the_ipv6_prefix_that_names_a_client_is_configurable() {
    let server = TestServer::start_with(|config| config.connections.ipv6_prefix = 48).await;
    for n in 1..=CODES_PER_CLIENT.burst {
        let peer = format!("2001:db8:7:{n:x}::1");
        assert_eq!(
            server.send(code_request(&format!("w{n}@example.com"), &peer, None)).await.status,
            StatusCode::ACCEPTED
        );
    }
    assert_rate_limited(&server.send(code_request("w11@example.com", "2001:db8:7:ffff::1", None)).await);
}

#[tokio::test]
async fn nobody_can_use_up_an_emails_code_tries_before_a_code_is_sent() {
    let server = TestServer::start().await;
    for n in 0..CODE_TRIES_PER_EMAIL.burst + 5 {
        let problem = server
            .send(code_from(READER, "123456", &format!("10.0.7.{n}")))
            .await
            .problem(StatusCode::UNAUTHORIZED);
        assert_eq!(problem["reason"], "code_expired");
    }
    server.send(code_request(READER, "10.0.8.1", None)).await;
    let code = kept_code(&server, READER, 0).await;
    assert_eq!(server.send(code_from(READER, &code, "10.0.8.1")).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn only_the_newest_codes_take_digits_and_every_live_link_still_works() {
    let server = TestServer::start().await;
    let sent = CODES_TAKING_DIGITS + 1;
    for n in 0..sent {
        let client = if n < CODES_PER_CLIENT_AND_EMAIL.burst as usize { "10.0.9.1" } else { "10.0.9.2" };
        assert_eq!(server.send(code_request(READER, client, None)).await.status, StatusCode::ACCEPTED);
    }
    let oldest = kept_code(&server, READER, 0).await;
    let newest = kept_code(&server, READER, sent as i64 - 1).await;
    if oldest != newest {
        let problem =
            server.send(code_from(READER, &oldest, "10.0.9.1")).await.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(problem["reason"], "wrong_code");
    }
    let token = kept_link_token(&server, READER, 0).await;
    let reply = server.post_json("/v1/sessions/link", &json!({ "token": token }).to_string()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}
