//! The publisher's own accounts: its signed JWT is exchanged for our session, and any token
//! that fails a check is a 401 that creates nothing.

mod common;

use argon2::password_hash::rand_core::OsRng;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

const ISSUER: &str = "https://news.example";

/// A key pair: what the publisher signs with, and what we are given to check.
struct KeyPair {
    algorithm: Algorithm,
    private_pem: String,
    public_pem: String,
}

fn ec_pair() -> KeyPair {
    let secret = p256::SecretKey::random(&mut OsRng);
    KeyPair {
        algorithm: Algorithm::ES256,
        private_pem: secret.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: secret.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
    }
}

fn ed_pair() -> KeyPair {
    let secret = ed25519_dalek::SigningKey::generate(&mut OsRng);
    KeyPair {
        algorithm: Algorithm::EdDSA,
        private_pem: secret.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: secret.verifying_key().to_public_key_pem(LineEnding::LF).unwrap(),
    }
}

fn sign(pair: &KeyPair, kid: Option<&str>, claims: &Value) -> String {
    let key = match pair.algorithm {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pair.private_pem.as_bytes()),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(pair.private_pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(pair.private_pem.as_bytes()),
    }
    .unwrap();
    let mut header = Header::new(pair.algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A fresh token id: each token the publisher signs has its own.
fn token_id() -> String {
    use argon2::password_hash::rand_core::RngCore;
    format!("view-{:016x}", OsRng.next_u64())
}

fn without(claims: &Value, name: &str) -> Value {
    let mut claims = claims.clone();
    claims.as_object_mut().unwrap().remove(name);
    claims
}

fn claims(email: &str, tier: Option<&str>) -> Value {
    let mut claims = json!({
        "iss": ISSUER, "aud": "paywall", "sub": format!("member-{}", email.to_lowercase()), "email": email,
        "iat": now(), "nbf": now() - 5, "exp": now() + 300, "jti": token_id(),
    });
    if let Some(tier) = tier {
        claims["tier"] = json!(tier);
    }
    claims
}

/// A server that trusts the public key in `key_file_contents`.
async fn trusting(key_file_contents: &str) -> TestServer {
    trusting_with(key_file_contents, |_| {}).await
}

/// A server that trusts the public key in `key_file_contents`, after `configure` has had its say.
async fn trusting_with(
    key_file_contents: &str,
    configure: impl FnOnce(&mut paywall_server::config::Config),
) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("publisher-key");
    std::fs::write(&path, key_file_contents).unwrap();
    let server = TestServer::start_with(|config| {
        config.publisher.key_file = Some(path.clone());
        config.publisher.issuer = Some(ISSUER.into());
        configure(config);
    })
    .await;
    // The key file was read at start; the directory can go.
    drop(dir);
    server
}

async fn exchange(server: &TestServer, token: &str) -> Reply {
    server.post_json("/v1/sessions/publisher", &json!({ "token": token }).to_string()).await
}

#[tokio::test]
async fn a_good_es256_token_signs_the_reader_in_with_the_tier_it_names() {
    let pair = ec_pair();
    let server = trusting(&pair.public_pem).await;
    let reply = exchange(&server, &sign(&pair, None, &claims("Member@News.Example", Some("premium")))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let session = reply.json();
    assert_eq!(session["reader"]["email"], "member@news.example");
    assert_eq!(server.locked(&session["access_token"]).await.status, StatusCode::OK);

    // The same member again, now without the tier: the same reader, no longer entitled.
    let again = exchange(&server, &sign(&pair, None, &claims("member@news.example", None))).await.json();
    assert_eq!(again["reader"]["id"], session["reader"]["id"]);
    server.locked(&again["access_token"]).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(server.count("readers").await, 3);
}

#[tokio::test]
async fn an_eddsa_token_is_accepted() {
    let pair = ed_pair();
    let server = trusting(&pair.public_pem).await;
    let reply = exchange(&server, &sign(&pair, None, &claims("ed@news.example", Some("premium")))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

#[tokio::test]
async fn an_rs256_token_is_checked_against_the_jwks_key_its_kid_names() {
    let private = rsa::RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
    let public = rsa::RsaPublicKey::from(&private);
    let pair = KeyPair {
        algorithm: Algorithm::RS256,
        private_pem: private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: String::new(),
    };
    let other = ec_pair();
    let jwks = json!({ "keys": [
        { "kty": "RSA", "kid": "rsa-2026", "alg": "RS256", "use": "sig",
          "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()), "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()) },
    ]});
    let server = trusting(&jwks.to_string()).await;
    let good =
        exchange(&server, &sign(&pair, Some("rsa-2026"), &claims("rsa@news.example", Some("premium")))).await;
    assert_eq!(good.status, StatusCode::CREATED, "{}", good.text);
    let wrong_kid = exchange(&server, &sign(&pair, Some("retired"), &claims("rsa@news.example", None))).await;
    wrong_kid.problem(StatusCode::UNAUTHORIZED);
    let unknown_key = exchange(&server, &sign(&other, None, &claims("rsa@news.example", None))).await;
    unknown_key.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_with_a_wrong_issuer_audience_key_time_or_algorithm_are_401_and_create_nothing() {
    let pair = ec_pair();
    let server = trusting(&pair.public_pem).await;
    let stranger = ec_pair();
    let good = claims("victim@news.example", Some("premium"));
    let with = |field: &str, value: Value| {
        let mut claims = good.clone();
        claims[field] = value;
        claims
    };
    let mut no_email = good.clone();
    no_email.as_object_mut().unwrap().remove("email");
    let b64 = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let cases = [
        ("wrong issuer", sign(&pair, None, &with("iss", json!("https://evil.example")))),
        ("wrong audience", sign(&pair, None, &with("aud", json!("someone-else")))),
        ("another key", sign(&stranger, None, &good)),
        ("expired", sign(&pair, None, &with("exp", json!(now() - 120)))),
        ("not yet valid", sign(&pair, None, &with("nbf", json!(now() + 600)))),
        ("no email", sign(&pair, None, &no_email)),
        ("no subject", sign(&pair, None, &without(&good, "sub"))),
        ("no expiry", sign(&pair, None, &without(&good, "exp"))),
        ("ten years", sign(&pair, None, &with("exp", json!(now() + 10 * 365 * 24 * 3600)))),
        ("an hour", sign(&pair, None, &with("exp", json!(now() + 3600)))),
        ("issued in the future", sign(&pair, None, &with("iat", json!(now() + 3600)))),
        ("a jti of 201 characters", sign(&pair, None, &with("jti", json!("j".repeat(201))))),
        ("bad email", sign(&pair, None, &with("email", json!("not an email")))),
        ("alg none", format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&good))),
        (
            "HS256 with the public key as secret",
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &good,
                &EncodingKey::from_secret(pair.public_pem.as_bytes()),
            )
            .unwrap(),
        ),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    let before = server.snapshot().await;
    for (case, token) in cases {
        let reply = exchange(&server, &token).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{case}: {}", reply.text);
        reply.problem(StatusCode::UNAUTHORIZED);
    }
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn without_a_configured_key_publisher_tokens_are_not_accepted() {
    let server = TestServer::start().await;
    let pair = ec_pair();
    let reply = exchange(&server, &sign(&pair, None, &claims("m@news.example", Some("premium")))).await;
    reply.problem(StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn a_token_naming_a_local_readers_email_without_vouching_for_it_joins_nothing() {
    let pair = ec_pair();
    let server = trusting(&pair.public_pem).await;
    let before = server.snapshot().await;
    // The audit's token: the local subscriber's email, a sub nobody knows, no tier.
    let mut takeover = claims(SUBSCRIBER, None);
    takeover["sub"] = json!("someone-else");
    let reply = exchange(&server, &sign(&pair, None, &takeover)).await;
    let problem = reply.problem(StatusCode::CONFLICT);
    assert_eq!(problem["reason"], "account_exists");
    assert!(reply.json()["access_token"].is_null());
    assert_no_locked_text(&reply.text);
    assert_eq!(server.snapshot().await, before);
    // Saying so explicitly is the same as not saying it.
    takeover["email_verified"] = json!(false);
    exchange(&server, &sign(&pair, None, &takeover)).await.problem(StatusCode::CONFLICT);
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn a_verified_email_joins_the_local_account_but_gives_no_right_to_set_its_password() {
    let pair = ec_pair();
    let server = trusting(&pair.public_pem).await;
    let mut vouched = claims(SUBSCRIBER, None);
    vouched["email_verified"] = json!(true);
    let reply = exchange(&server, &sign(&pair, None, &vouched)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let session = reply.json();
    assert_eq!(session["reader"]["email"], SUBSCRIBER);
    assert_eq!(server.locked(&session["access_token"]).await.status, StatusCode::OK);

    let token = session["access_token"].as_str().unwrap();
    let before = server.snapshot().await;
    for body in [
        json!({ "password": "taken over for good" }),
        json!({ "password": "taken over for good", "current_password": "a guess at it" }),
        json!({ "password": "taken over for good", "code": "123456" }),
    ] {
        let request = axum::http::Request::put("/v1/readers/me/password")
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        server.send(request).await.problem(StatusCode::FORBIDDEN);
    }
    assert_eq!(server.snapshot().await, before);
    server.sign_in(SUBSCRIBER, PASSWORD).await;
}

#[tokio::test]
async fn the_reader_is_the_one_the_publisher_names_by_sub_whatever_the_email() {
    let pair = ec_pair();
    let server = trusting(&pair.public_pem).await;
    let mut first = claims("member@news.example", None);
    first["sub"] = json!("member-1");
    let reader = exchange(&server, &sign(&pair, None, &first)).await.json()["reader"].clone();
    // The same member with a new email: still the same reader.
    first["email"] = json!("renamed@news.example");
    first["jti"] = json!(token_id());
    let again = exchange(&server, &sign(&pair, None, &first)).await.json();
    assert_eq!(again["reader"]["id"], reader["id"]);
    // Another member claiming the first one's email: not joined to them, even vouched for.
    let mut other = claims("member@news.example", Some("premium"));
    other["sub"] = json!("member-2");
    other["email_verified"] = json!(true);
    exchange(&server, &sign(&pair, None, &other)).await.problem(StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_token_with_an_id_is_accepted_once() {
    let pair = ec_pair();
    let server = trusting(&pair.public_pem).await;
    let mut once = claims("once@news.example", Some("premium"));
    once["jti"] = json!("page-view-7f3a");
    let token = sign(&pair, None, &once);
    assert_eq!(exchange(&server, &token).await.status, StatusCode::CREATED);
    let before = server.snapshot().await;
    let replay = exchange(&server, &token).await;
    replay.problem(StatusCode::UNAUTHORIZED);
    assert!(replay.json()["access_token"].is_null());
    assert_eq!(server.snapshot().await, before);
    // Another id is another token.
    once["jti"] = json!("page-view-7f3b");
    assert_eq!(exchange(&server, &sign(&pair, None, &once)).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_longest_lifetime_accepted_is_configurable_and_ten_minutes_by_default() {
    let pair = ec_pair();
    let ten_minutes = with_lifetime(&pair, 600);
    let an_hour = with_lifetime(&pair, 3600);
    let server = trusting(&pair.public_pem).await;
    assert_eq!(exchange(&server, &ten_minutes).await.status, StatusCode::CREATED);
    exchange(&server, &an_hour).await.problem(StatusCode::UNAUTHORIZED);

    let server = trusting_with(&pair.public_pem, |config| config.publisher.token_max_seconds = 3600).await;
    assert_eq!(exchange(&server, &an_hour).await.status, StatusCode::CREATED);
}

fn with_lifetime(pair: &KeyPair, seconds: i64) -> String {
    let mut claims = claims("lifetime@news.example", Some("premium"));
    claims["exp"] = json!(now() + seconds);
    claims["iat"] = json!(now());
    sign(pair, None, &claims)
}

#[tokio::test]
async fn an_email_nobody_vouched_for_goes_back_to_its_owner_when_they_prove_it() {
    let pair = ec_pair();
    let server = trusting(&pair.public_pem).await;
    // Someone signs up at the publisher with another person's address, which the publisher
    // does not verify, and comes here first: the account is made with that address.
    let mut squatter = claims("owner@example.org", Some("premium"));
    squatter["sub"] = json!("squatter");
    let squatted = exchange(&server, &sign(&pair, None, &squatter)).await.json();
    assert_eq!(server.locked(&squatted["access_token"]).await.status, StatusCode::OK);

    // The address's owner signs in with an emailed code (kept in the demo outbox).
    let ask = server.post_json("/v1/sign-in-codes", r#"{"email":"owner@example.org"}"#).await;
    assert_eq!(ask.status, StatusCode::ACCEPTED);
    let subject =
        server.text("SELECT subject FROM outbox WHERE recipient = 'owner@example.org'").await.unwrap();
    let code = subject.rsplit(' ').next().unwrap();
    let owner = server
        .post_json("/v1/sessions/code", &json!({ "email": "owner@example.org", "code": code }).to_string())
        .await;
    assert_eq!(owner.status, StatusCode::CREATED, "{}", owner.text);
    let owner = owner.json();
    assert_eq!(owner["reader"]["id"], squatted["reader"]["id"], "the same account, now its owner's");

    // The squatter is out: their session ended, the publisher's tier went with them, and their
    // next token can no longer claim the address.
    server.locked(&squatted["access_token"]).await.problem(StatusCode::UNAUTHORIZED);
    server.locked(&owner["access_token"]).await.problem(StatusCode::FORBIDDEN);
    squatter["jti"] = json!(token_id());
    exchange(&server, &sign(&pair, None, &squatter)).await.problem(StatusCode::CONFLICT);
    let linked = server.text("SELECT external_id FROM readers WHERE email = 'owner@example.org'").await;
    assert_eq!(linked, None);
}

#[tokio::test]
async fn an_email_the_publisher_vouched_for_stays_with_its_reader() {
    let pair = ec_pair();
    let server = trusting(&pair.public_pem).await;
    let mut member = claims("member@example.org", Some("premium"));
    member["email_verified"] = json!(true);
    let session = exchange(&server, &sign(&pair, None, &member)).await.json();
    server.post_json("/v1/sign-in-codes", r#"{"email":"member@example.org"}"#).await;
    let subject = server.text("SELECT subject FROM outbox").await.unwrap();
    let code = subject.rsplit(' ').next().unwrap();
    let body = json!({ "email": "member@example.org", "code": code }).to_string();
    assert_eq!(server.post_json("/v1/sessions/code", &body).await.status, StatusCode::CREATED);
    // Proving the email changed nothing for the publisher's reader.
    assert_eq!(server.locked(&session["access_token"]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_without_an_id_is_refused_unless_the_publisher_turns_that_off() {
    let pair = ec_pair();
    let no_id = sign(&pair, None, &without(&claims("noid@news.example", Some("premium")), "jti"));
    let server = trusting(&pair.public_pem).await;
    let problem = exchange(&server, &no_id).await.problem(StatusCode::UNAUTHORIZED);
    assert!(problem["detail"].as_str().unwrap().contains("jti"), "{problem}");

    let server = trusting_with(&pair.public_pem, |config| config.publisher.require_jti = false).await;
    assert_eq!(exchange(&server, &no_id).await.status, StatusCode::CREATED);
}
