//! The bypass suite: from outside, against the real server binary over real sockets, every way
//! of getting locked text or a session without the right that we know of: the techniques of
//! DESIGN.md's one rule (crawlers, referrers, guessed paths, every method, forged tokens, ...),
//! and each finding of the security audit. Each technique is recorded; every reply is checked
//! for locked text and for tokens; the test prints how many were tried and that none leaked.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::process::{RawReply, ServerProcess, raw_request};
use common::{ARTICLE, PASSWORD, READER, SUBSCRIBER, locked_phrases};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

/// The key the server under attack signs with: known to the test so it can forge tokens
/// that are right in every way but one.
const SIGNING_KEY: &str = "Vq7c2mT9xZkP4rJ8wN1bY6hL3sD0fG5aQe7uI2oK9tR4yX1c";
const ISSUER: &str = "https://news.example";

/// What has been tried, and the check every reply goes through.
struct Attacker<'a> {
    server: &'a ServerProcess,
    tried: BTreeSet<&'static str>,
    requests: usize,
    phrases: Vec<String>,
}

impl<'a> Attacker<'a> {
    fn new(server: &'a ServerProcess) -> Self {
        Attacker { server, tried: BTreeSet::new(), requests: 0, phrases: locked_phrases() }
    }

    /// Whether `reply` carries locked text, plainly or inside JSON strings.
    fn shows_locked_text(&self, reply: &RawReply) -> bool {
        let mut text = reply.body.clone();
        if let Ok(json) = serde_json::from_str::<Value>(&reply.body) {
            collect_strings(&json, &mut text);
        }
        self.phrases.iter().any(|phrase| text.contains(phrase.as_str()))
    }

    /// Sends `raw` as `technique` and asserts it got neither locked text nor a session.
    fn attempt(&mut self, technique: &'static str, raw: &str) -> RawReply {
        let reply = self.server.send(raw);
        self.tried.insert(technique);
        self.requests += 1;
        assert!(!self.shows_locked_text(&reply), "{technique} leaked locked text:\n{raw}\n{}", reply.body);
        assert!(
            // A token's value, not the name (the OpenAPI description names both).
            !reply.body.contains("\"access_token\":\"") && !reply.body.contains("\"refresh_token\":\""),
            "{technique} got a session:\n{raw}\n{}",
            reply.body
        );
        reply
    }

    fn attempt_request(
        &mut self,
        technique: &'static str,
        method: &str,
        path: &str,
        headers: &[&str],
        body: Option<&str>,
    ) -> RawReply {
        self.attempt(technique, &raw_request(method, path, headers, body))
    }

    /// Locked sections with this bearer token, as `technique`: refused, with no text.
    fn locked_with(&mut self, technique: &'static str, token: &str) -> RawReply {
        let reply = self.attempt_request(
            technique,
            "GET",
            &locked_path(),
            &[&format!("Authorization: Bearer {token}")],
            None,
        );
        assert!(matches!(reply.status, 401 | 403), "{technique}: {}", reply.head);
        reply
    }
}

fn collect_strings(json: &Value, into: &mut String) {
    match json {
        Value::String(text) => into.push_str(text),
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, into)),
        Value::Object(map) => map.values().for_each(|value| collect_strings(value, into)),
        _ => {}
    }
}

fn locked_path() -> String {
    format!("/v1/articles/{ARTICLE}/locked")
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A legitimate password sign-in, outside the attack: the session a victim would have.
fn sign_in(server: &ServerProcess, email: &str) -> Value {
    let body = json!({ "email": email, "password": PASSWORD }).to_string();
    let reply = server.request("POST", "/v1/sessions", &[], Some(&body));
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

/// An access token signed with `key` carrying `claims`.
fn forge(claims: &Value, key: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(key)).unwrap()
}

/// The claims of a real access token.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[test]
fn no_known_technique_gets_locked_text_or_a_session() {
    let publisher_key = p256::SecretKey::random(&mut OsRng);
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("publisher.pem");
    std::fs::write(&key_file, publisher_key.public_key().to_public_key_pem(LineEnding::LF).unwrap()).unwrap();
    let server = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_SIGNING_KEY", SIGNING_KEY),
        ("PAYWALL_HEADER_TIMEOUT", "1"),
        ("PAYWALL_CORS_ORIGINS", "https://news.example"),
        ("PAYWALL_PUBLISHER_KEY_FILE", key_file.to_str().unwrap()),
        ("PAYWALL_PUBLISHER_ISSUER", ISSUER),
    ]);
    let mut attacker = Attacker::new(&server);

    // The detector works: a subscriber's own request does show the locked text.
    let subscriber = sign_in(&server, SUBSCRIBER);
    let access = subscriber["access_token"].as_str().unwrap().to_owned();
    let own = server.request("GET", &locked_path(), &[&format!("Authorization: Bearer {access}")], None);
    assert_eq!(own.status, 200);
    assert!(attacker.shows_locked_text(&own), "the leak detector would miss a leak");
    assert_eq!(own.header("cache-control"), Some("private, no-store"));

    anonymous_requests(&mut attacker);
    forged_tokens(&mut attacker, &subscriber);
    static_files(&mut attacker);
    cross_origin(&mut attacker, &access);
    sessions_and_accounts(&mut attacker, &publisher_key);
    slow_connections(&mut attacker);

    // The subscriber's own session is still fine after all of it.
    let own = server.request("GET", &locked_path(), &[&format!("Authorization: Bearer {access}")], None);
    assert_eq!(own.status, 200, "{}", own.head);

    let others = other_servers();
    println!(
        "# bypass: {} techniques tried in {} requests (and {} against other configurations); none leaked locked text or a session",
        attacker.tried.len(),
        attacker.requests,
        others
    );
    for technique in &attacker.tried {
        println!("#   {technique}");
    }
    assert!(attacker.tried.len() >= 30, "{:?}", attacker.tried);
}

/// Without any token: crawlers, referrers, spoofed addresses, guessed paths, every method.
fn anonymous_requests(attacker: &mut Attacker) {
    let pages = ["/".to_owned(), format!("/v1/articles/{ARTICLE}"), locked_path()];
    for agent in [
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1",
        "Twitterbot/1.0",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2)",
        "Mediapartners-Google",
        "Google-Extended",
    ] {
        for page in &pages {
            attacker.attempt_request(
                "crawler user agent",
                "GET",
                page,
                &[&format!("User-Agent: {agent}")],
                None,
            );
        }
    }
    for referrer in [
        "https://www.google.com/",
        "https://t.co/abc123",
        "https://www.facebook.com/",
        "https://news.ycombinator.com/",
    ] {
        attacker.attempt_request(
            "social or search referrer",
            "GET",
            &locked_path(),
            &[&format!("Referer: {referrer}")],
            None,
        );
        attacker.attempt_request(
            "referrer with campaign parameters",
            "GET",
            &format!("{}?utm_source=facebook&fbclid=x", locked_path()),
            &[&format!("Referer: {referrer}")],
            None,
        );
    }
    for header in [
        "X-Forwarded-For: 127.0.0.1",
        "X-Forwarded-For: 66.249.66.1",
        "X-Real-IP: 66.249.66.1",
        "Forwarded: for=66.249.66.1",
        "X-Forwarded-Host: news.example",
        "X-Original-URL: /v1/articles/night-trains-second-act/locked",
    ] {
        attacker.attempt_request("spoofed client address or host", "GET", &locked_path(), &[header], None);
    }
    for path in [
        "/feed",
        "/rss",
        "/rss.xml",
        "/feed.xml",
        "/atom.xml",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/llms.txt",
        "/llms-full.txt",
        "/robots.txt",
        "/index.json",
        "/amp",
        "/?amp=1",
        "/?format=amp",
        "/amp/index.html",
        "/v1/articles",
        "/v1/articles/",
        "/v1/articles/night-trains-second-act.json",
        "/v1/articles/night-trains-second-act.md",
        "/v1/articles/night-trains-second-act/full",
        "/v1/articles/night-trains-second-act/sections",
        "/v1/articles/night-trains-second-act?full=true",
        "/v1/articles/night-trains-second-act/locked.json",
        "/v1/articles/night-trains-second-act/locked/",
        "/v1/articles/night-trains-second-act/locked?preview=1",
        "/v1//articles/night-trains-second-act/locked",
        "/V1/articles/night-trains-second-act/locked",
        "/v1/articles/NIGHT-TRAINS-SECOND-ACT/locked",
        "/v1/articles/night-trains-second-act%2Flocked",
        "/v2/articles/night-trains-second-act/locked",
        "/api/articles/night-trains-second-act",
        "/v1/admin/articles/night-trains-second-act",
        "/v1/openapi.json",
        "/demo/article.html",
        "/server/demo/article.html",
        "/data/paywall.db",
        "/.env",
        "/.git/config",
        "/dev/outbox.json",
    ] {
        attacker.attempt_request(
            "guessed feed, sitemap, llms.txt, AMP, JSON or API path",
            "GET",
            path,
            &[],
            None,
        );
    }
    for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO"] {
        let reply = attacker.attempt_request(
            "every method on the locked path",
            method,
            &locked_path(),
            &[],
            Some("{}"),
        );
        if method == "OPTIONS" {
            assert!(reply.body.is_empty(), "{}", reply.body);
        } else {
            assert_ne!(reply.status, 200, "{method}: {}", reply.head);
        }
    }
    attacker.attempt("HTTP/1.0 without Host", &format!("GET {} HTTP/1.0\r\n\r\n", locked_path()));
    attacker.attempt(
        "absolute-form request target",
        &format!(
            "GET http://127.0.0.1{} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
            locked_path()
        ),
    );
    attacker.attempt_request(
        "prefetch and prerender",
        "GET",
        &locked_path(),
        &["Sec-Purpose: prefetch;prerender", "Purpose: prefetch"],
        None,
    );
}

/// Tokens that are wrong in one way each.
fn forged_tokens(attacker: &mut Attacker, subscriber: &Value) {
    let access = subscriber["access_token"].as_str().unwrap();
    let claims = claims_of(access);
    let b64 = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let with = |field: &str, value: Value| {
        let mut forged = claims.clone();
        forged[field] = value;
        forged
    };
    let expired = with("exp", json!(now() - 3600));
    let other_audience = with("aud", json!("someone-else"));
    let other_issuer = with("iss", json!("evil"));
    let other_session = with("sid", json!(999_999));
    let other_reader = with("sub", json!("999999"));
    let [header, _, signature] = <[&str; 3]>::try_from(access.split('.').collect::<Vec<_>>()).unwrap();
    let cases: Vec<(&'static str, String)> = vec![
        ("no token at all", String::new()),
        ("a random string as token", "not-a-token".into()),
        ("the refresh token as an access token", subscriber["refresh_token"].as_str().unwrap().into()),
        ("alg none", format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims))),
        (
            "alg none, signature kept",
            format!("{}.{}.{signature}", b64(&json!({"alg": "none"})), b64(&claims)),
        ),
        ("payload tampered, signature kept", format!("{header}.{}.{signature}", b64(&other_reader))),
        ("signed with another key", forge(&claims, b"another-key-another-key-another-key-!")),
        ("expired, signed with the right key", forge(&expired, SIGNING_KEY.as_bytes())),
        ("wrong audience, signed with the right key", forge(&other_audience, SIGNING_KEY.as_bytes())),
        ("wrong issuer, signed with the right key", forge(&other_issuer, SIGNING_KEY.as_bytes())),
        (
            "a session that does not exist, signed with the right key",
            forge(&other_session, SIGNING_KEY.as_bytes()),
        ),
        (
            "another reader's id in a real session, signed with the right key",
            forge(&other_reader, SIGNING_KEY.as_bytes()),
        ),
        (
            "RS256 header over an HS256 token",
            format!("{}.{}.{signature}", b64(&json!({"alg": "RS256"})), b64(&claims)),
        ),
    ];
    for (technique, token) in cases {
        if token.is_empty() {
            attacker.attempt_request(technique, "GET", &locked_path(), &["Authorization: Bearer "], None);
        } else {
            let reply = attacker.locked_with(technique, &token);
            assert_eq!(reply.status, 401, "{technique}: {}", reply.body);
        }
    }
    attacker.attempt_request(
        "Basic instead of Bearer",
        "GET",
        &locked_path(),
        &[&format!(
            "Authorization: Basic {}",
            base64::engine::general_purpose::STANDARD.encode("subscriber@example.com:paywall-demo")
        )],
        None,
    );
    attacker.attempt_request(
        "token in the query string",
        "GET",
        &format!("{}?access_token={access}", locked_path()),
        &[],
        None,
    );
    attacker.attempt_request(
        "token in a cookie",
        "GET",
        &locked_path(),
        &[&format!("Cookie: access_token={access}")],
        None,
    );
}

/// The widget's files: nothing outside `www/` is served, however the path is written.
fn static_files(attacker: &mut Attacker) {
    for path in [
        "/../server/demo/article.html",
        "/..%2fserver%2fdemo%2farticle.html",
        "/%2e%2e/server/demo/article.html",
        "/%2e%2e%2fserver%2fdemo%2farticle.html",
        "/%252e%252e/server/demo/article.html",
        "/pkg/../../server/demo/article.html",
        "/pkg/%2e%2e/%2e%2e/server/demo/article.html",
        "/.%2e/.%2e/server/demo/article.html",
        "/..\\server\\demo\\article.html",
        "/..%5cserver%5cdemo%5carticle.html",
        "//server/demo/article.html",
        "/server/demo/article.html%00.js",
        "/../Cargo.toml",
        "/../data/paywall.db",
        "/../../../../etc/passwd",
    ] {
        let reply = attacker.attempt_request("path traversal on static files", "GET", path, &[], None);
        assert!(
            !reply.body.contains("[workspace]") && !reply.body.contains("root:x:0"),
            "{path}: {}",
            reply.body
        );
        assert!(!reply.body.starts_with("SQLite format"), "{path} served the database");
    }
}

/// A hostile page may not read the API's answers through a reader's browser.
fn cross_origin(attacker: &mut Attacker, access: &str) {
    for origin in ["https://evil.example", "null", "https://news.example.evil.example", "http://news.example"]
    {
        let preflight = attacker.attempt_request(
            "hostile CORS origin",
            "OPTIONS",
            &locked_path(),
            &[
                &format!("Origin: {origin}"),
                "Access-Control-Request-Method: GET",
                "Access-Control-Request-Headers: authorization",
            ],
            None,
        );
        assert_eq!(preflight.header("access-control-allow-origin"), None, "{origin}: {}", preflight.head);
        // Even a request that carries a real token gets no permission for the page to read it.
        let reply = attacker.server.request(
            "GET",
            &locked_path(),
            &[&format!("Origin: {origin}"), &format!("Authorization: Bearer {access}")],
            None,
        );
        assert_eq!(reply.header("access-control-allow-origin"), None, "{origin}: {}", reply.head);
        assert_eq!(reply.header("access-control-allow-credentials"), None);
    }
}

/// Sessions and accounts: replayed refresh tokens, a reader without a subscription, and each
/// of the audit's findings that can be tried from outside.
fn sessions_and_accounts(attacker: &mut Attacker, publisher_key: &p256::SecretKey) {
    let server = attacker.server;
    // A reader without a subscription.
    let reader = sign_in(server, READER);
    let reply =
        attacker.locked_with("a reader without a subscription", reader["access_token"].as_str().unwrap());
    assert_eq!(reply.status, 403);

    // A revoked session's access token.
    let revoked = sign_in(server, SUBSCRIBER);
    let token = revoked["access_token"].as_str().unwrap();
    assert_eq!(
        server.request("DELETE", "/v1/sessions", &[&format!("Authorization: Bearer {token}")], None).status,
        204
    );
    attacker.locked_with("an access token after sign-out", token);
    attacker.attempt_request(
        "a refresh token after sign-out",
        "POST",
        "/v1/sessions/refresh",
        &[],
        Some(&json!({ "refresh_token": revoked["refresh_token"] }).to_string()),
    );

    // Refresh replay: the thief's copy is spent before the owner's next refresh, or after.
    let victim = sign_in(server, SUBSCRIBER);
    let stolen = victim["refresh_token"].clone();
    let refresh = |token: &Value| {
        server.request(
            "POST",
            "/v1/sessions/refresh",
            &[],
            Some(&json!({ "refresh_token": token }).to_string()),
        )
    };
    let second = refresh(&stolen).json();
    let third = refresh(&second["refresh_token"]).json();
    let replay = attacker.attempt_request(
        "replayed refresh token",
        "POST",
        "/v1/sessions/refresh",
        &[],
        Some(&json!({ "refresh_token": stolen }).to_string()),
    );
    assert_eq!(replay.status, 401);
    assert_eq!(refresh(&third["refresh_token"]).status, 401, "the replay ended the session");

    // Finding 4: a publisher token naming a local subscriber's email, with a sub of its own.
    let sign = |claims: Value| {
        let pem = publisher_key.to_pkcs8_pem(LineEnding::LF).unwrap();
        jsonwebtoken::encode(
            &Header::new(Algorithm::ES256),
            &claims,
            &EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        )
        .unwrap()
    };
    let base = json!({
        "iss": ISSUER, "aud": "paywall", "sub": "attacker-1", "email": SUBSCRIBER,
        "iat": now(), "exp": now() + 300, "jti": "view-takeover",
    });
    let takeover = attacker.attempt_request(
        "publisher token naming a local account's email",
        "POST",
        "/v1/sessions/publisher",
        &[],
        Some(&json!({ "token": sign(base.clone()) }).to_string()),
    );
    assert_eq!(takeover.status, 409, "{}", takeover.body);
    // Finding 9: a token valid for ten years, and one replayed.
    let mut decade = base.clone();
    decade["email"] = json!("decade@news.example");
    decade["exp"] = json!(now() + 10 * 365 * 24 * 3600);
    decade["jti"] = json!("view-decade");
    let reply = attacker.attempt_request(
        "publisher token valid for ten years",
        "POST",
        "/v1/sessions/publisher",
        &[],
        Some(&json!({ "token": sign(decade) }).to_string()),
    );
    assert_eq!(reply.status, 401);
    let mut once = base.clone();
    once["email"] = json!("once@news.example");
    once["sub"] = json!("member-once");
    once["jti"] = json!("view-1");
    let token = json!({ "token": sign(once) }).to_string();
    assert_eq!(server.request("POST", "/v1/sessions/publisher", &[], Some(&token)).status, 201);
    let reply = attacker.attempt_request(
        "publisher token replayed (same jti)",
        "POST",
        "/v1/sessions/publisher",
        &[],
        Some(&token),
    );
    assert_eq!(reply.status, 401);

    // Finding 5: a stolen access token cannot set a password.
    let stolen_access = sign_in(server, SUBSCRIBER)["access_token"].as_str().unwrap().to_owned();
    let reply = attacker.attempt_request(
        "password change with a stolen access token and no proof",
        "PUT",
        "/v1/readers/me/password",
        &[&format!("Authorization: Bearer {stolen_access}")],
        Some(r#"{"password":"the thief's own password"}"#),
    );
    assert_eq!(reply.status, 403);
    let body = json!({ "email": SUBSCRIBER, "password": "the thief's own password" }).to_string();
    attacker.attempt_request(
        "sign-in with a password the thief tried to set",
        "POST",
        "/v1/sessions",
        &[],
        Some(&body),
    );

    // Finding 6: a stranger's code requests for an address do not stop its owner.
    let ask = json!({ "email": READER }).to_string();
    for _ in 0..4 {
        attacker.attempt_request(
            "flooding someone's address with code requests",
            "POST",
            "/v1/sign-in-codes",
            &[],
            Some(&ask),
        );
    }
    // Wrong codes and wrong passwords for someone else's account get nothing.
    for code in ["000000", "123456", "999999"] {
        let body = json!({ "email": READER, "code": code }).to_string();
        attacker.attempt_request("guessing a code", "POST", "/v1/sessions/code", &[], Some(&body));
    }
    for password in ["password", "paywall", "Paywall-demo", "paywall-demo "] {
        let body = json!({ "email": SUBSCRIBER, "password": password }).to_string();
        attacker.attempt_request("guessing a password", "POST", "/v1/sessions", &[], Some(&body));
    }
    // Hostile bodies.
    let huge = format!(r#"{{"email":"{}","password":"x"}}"#, "a".repeat(64 * 1024));
    for body in [
        "{not json",
        "[]",
        "null",
        r#"{"email":["subscriber@example.com"],"password":"paywall-demo"}"#,
        &huge,
    ] {
        attacker.attempt_request("malformed, mistyped or huge body", "POST", "/v1/sessions", &[], Some(body));
    }
}

/// Connections that never finish a request are closed, and get nothing.
fn slow_connections(attacker: &mut Attacker) {
    let addr = attacker.server.addr;
    let started = Instant::now();
    let mut streams: Vec<TcpStream> = (0..20)
        .map(|n| {
            let mut stream = TcpStream::connect(addr).unwrap();
            let half =
                format!("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {n}", locked_path());
            stream.write_all(half.as_bytes()).unwrap();
            stream
        })
        .collect();
    for stream in &mut streams {
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut received = Vec::new();
        let _ = stream.read_to_end(&mut received);
        let text = String::from_utf8_lossy(&received);
        assert!(!locked_phrases().iter().any(|phrase| text.contains(phrase.as_str())), "{text}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "half-open connections were held: {:?}",
        started.elapsed()
    );
    attacker.tried.insert("slow connections (headers that never end)");
    attacker.requests += streams.len();
}

/// Findings that need a server configured otherwise: returns how many requests were tried.
fn other_servers() -> usize {
    // Finding 1: the server alone runs no demo; the demo's public password opens nothing.
    let plain = ServerProcess::start(&[]);
    let body = json!({ "email": SUBSCRIBER, "password": PASSWORD }).to_string();
    let reply = plain.request("POST", "/v1/sessions", &[], Some(&body));
    assert_eq!(reply.status, 401);
    assert!(!reply.body.contains("access_token"));
    assert_eq!(plain.request("GET", "/dev/outbox", &[], None).status, 404);

    // Finding 7: code guesses from ever-new IPv6 addresses of one /64, through a trusted proxy.
    let proxied = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_DEMO_PUBLIC", "true"),
        ("PAYWALL_TRUSTED_PROXIES", "127.0.0.0/8"),
    ]);
    let mut limited = false;
    let mut tried = 2;
    for n in 1..=25 {
        let body = json!({ "email": format!("g{n}@example.com"), "code": "123456" }).to_string();
        let reply = proxied.request(
            "POST",
            "/v1/sessions/code",
            &[&format!("X-Forwarded-For: 2001:db8:5:5::{n:x}")],
            Some(&body),
        );
        tried += 1;
        assert!(!reply.body.contains("access_token"));
        if reply.status == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "rotating through a /64 was never limited");

    // Finding 11: the signing key is refused on the command line (`ps` would show it).
    let on_command_line = std::process::Command::new(env!("CARGO_BIN_EXE_paywall-server"))
        .args(["--signing-key", SIGNING_KEY])
        .env_clear()
        .output()
        .unwrap();
    assert!(!on_command_line.status.success());
    assert!(String::from_utf8_lossy(&on_command_line.stderr).contains("--signing-key"));
    tried + 1
}
