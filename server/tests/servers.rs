//! Several servers on one PostgreSQL database, as behind a load balancer: what one does, the
//! others know at once. These need the run's PostgreSQL server (`PAYWALL_TEST_POSTGRES`), so
//! plain `cargo test` leaves them out; `cargo xtask test` runs them on its PostgreSQL run
//! (`--include-ignored`), where one is missing fails.

mod common;

use common::process::ServerProcess;
use common::*;
use serde_json::json;

/// A fresh database on the run's PostgreSQL server.
fn fresh_database() -> String {
    assert!(postgres().is_some(), "PAYWALL_TEST_POSTGRES names no PostgreSQL server");
    database_url_for(tempfile::tempdir().unwrap().path()).expect("a PostgreSQL database")
}

fn sign_in_body(email: &str, password: &str) -> String {
    json!({ "email": email, "password": password }).to_string()
}

#[test]
#[ignore = "needs a PostgreSQL server in PAYWALL_TEST_POSTGRES (cargo xtask test starts one)"]
fn two_servers_on_one_database_share_sessions_sign_outs_limits_and_codes() {
    let url = fresh_database();
    let env = [("PAYWALL_DEMO", "true"), ("DATABASE_URL", url.as_str())];
    let one = ServerProcess::start(&env);
    let two = ServerProcess::start(&env);
    let locked = format!("/v1/articles/{ARTICLE}/locked");
    let json = ["Content-Type: application/json"];

    // A session made on one works on the other: the database keeps the signing key they share.
    let session = one.request("POST", "/v1/sessions", &json, Some(&sign_in_body(SUBSCRIBER, PASSWORD)));
    assert_eq!(session.status, 201, "{}", session.body);
    let access = session.json()["access_token"].as_str().unwrap().to_owned();
    let bearer = format!("Authorization: Bearer {access}");
    assert_eq!(two.request("GET", &locked, &[&bearer], None).status, 200);
    let refresh = json!({ "refresh_token": session.json()["refresh_token"] }).to_string();
    assert_eq!(two.request("POST", "/v1/sessions/refresh", &json, Some(&refresh)).status, 200);

    // A sign-out on one is refused on the other at once.
    let fresh = one.request("POST", "/v1/sessions", &json, Some(&sign_in_body(SUBSCRIBER, PASSWORD)));
    let bearer = format!("Authorization: Bearer {}", fresh.json()["access_token"].as_str().unwrap());
    assert_eq!(one.request("DELETE", "/v1/sessions", &[&bearer], None).status, 204);
    assert_eq!(two.request("GET", &locked, &[&bearer], None).status, 401);

    // Password tries for one email from one client: five, counted across both servers.
    let wrong = sign_in_body(READER, "not the password");
    for n in 0..5 {
        let server = if n % 2 == 0 { &one } else { &two };
        assert_eq!(server.request("POST", "/v1/sessions", &json, Some(&wrong)).status, 401, "try {n}");
    }
    let sixth = two.request("POST", "/v1/sessions", &json, Some(&wrong));
    assert_eq!(sixth.status, 429, "the sixth try, on the other server: {}", sixth.body);
    assert!(sixth.header("retry-after").is_some());

    // A code sent by one is accepted by the other.
    let email = json!({ "email": "both@example.com" }).to_string();
    assert_eq!(one.request("POST", "/v1/sign-in-codes", &json, Some(&email)).status, 202);
    let outbox = two.request("GET", "/dev/outbox", &[], None).body;
    let code = outbox
        .split(|c: char| !c.is_ascii_digit())
        .find(|digits| digits.len() == 6)
        .unwrap_or_else(|| panic!("a code in the outbox: {outbox}"));
    let with_code = json!({ "email": "both@example.com", "code": code }).to_string();
    let signed_in = two.request("POST", "/v1/sessions/code", &json, Some(&with_code));
    assert_eq!(signed_in.status, 201, "{}", signed_in.body);
}

/// The fingerprint a refused start names for `PAYWALL_REPLACE_SIGNING_KEY`.
fn fingerprint_to_replace(log: &str) -> String {
    let named = log.split("PAYWALL_REPLACE_SIGNING_KEY=").nth(1).unwrap_or_else(|| panic!("named in: {log}"));
    named.chars().take_while(char::is_ascii_hexdigit).collect()
}

#[test]
#[ignore = "needs a PostgreSQL server in PAYWALL_TEST_POSTGRES (cargo xtask test starts one)"]
fn a_server_given_another_signing_key_than_the_others_refuses_to_start() {
    let url = fresh_database();
    let new_key = "Zr8pQ2wX5tY7uI9oP1aS3dF6gH8jK0lZ4xC6vB8nM2qW4eR6";
    let old = [("DATABASE_URL", url.as_str()), ("PAYWALL_SIGNING_KEY", SIGNING_KEY)];
    let new = [("DATABASE_URL", url.as_str()), ("PAYWALL_SIGNING_KEY", new_key)];
    let first = ServerProcess::start(&old);
    assert_eq!(first.request("GET", "/readyz", &[], None).status, 200);
    let refused = ServerProcess::try_start(&new).err().expect("a second key is refused");
    let old_fingerprint = fingerprint_to_replace(&refused.log);
    assert_eq!(old_fingerprint.len(), 16, "{}", refused.log);
    // Nor may a server without a key start: it would make up one of its own.
    let keyless = ServerProcess::try_start(&[("DATABASE_URL", &url)]).err().expect("no key is refused");
    assert!(keyless.log.contains("PAYWALL_SIGNING_KEY"), "{}", keyless.log);
    // Naming a fingerprint that is not the database's replaces nothing.
    let wrong = [new[0], new[1], ("PAYWALL_REPLACE_SIGNING_KEY", "0123456789abcdef")];
    assert!(ServerProcess::try_start(&wrong).is_err());

    // Replacing the key named by its fingerprint: the new server is ready, the old one no
    // longer is (a load balancer stops sending it readers), and a server still on the old key
    // cannot take the database back even with the same flag left set.
    let replacing = [new[0], new[1], ("PAYWALL_REPLACE_SIGNING_KEY", old_fingerprint.as_str())];
    let second = ServerProcess::start(&replacing);
    assert_eq!(second.request("GET", "/readyz", &[], None).status, 200);
    let stale = first.request("GET", "/readyz", &[], None);
    assert_eq!(stale.status, 503, "{}", stale.body);
    assert!(stale.body.contains("signing key"), "{}", stale.body);
    let back = [old[0], old[1], ("PAYWALL_REPLACE_SIGNING_KEY", old_fingerprint.as_str())];
    assert!(ServerProcess::try_start(&back).is_err(), "the old key cannot come back by a stale flag");
    assert!(ServerProcess::try_start(&new).is_ok(), "the new key is every server's now");
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server in PAYWALL_TEST_POSTGRES (cargo xtask test starts one)"]
async fn both_databases_have_the_same_tables_and_columns() {
    let url = fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = paywall_server::store::open(&format!("sqlite://{}", dir.path().join("s.db").display()))
        .await
        .unwrap();
    let postgres = paywall_server::store::open(&url).await.unwrap();
    let (sqlite, postgres) = (schema(&sqlite).await, schema(&postgres).await);
    assert!(sqlite.iter().any(|(table, _)| table == "readers"), "{sqlite:?}");
    for (a, b) in sqlite.iter().zip(&postgres) {
        assert_eq!(a, b, "the same table in both");
    }
    assert_eq!(sqlite.len(), postgres.len(), "{sqlite:?}\n{postgres:?}");
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server in PAYWALL_TEST_POSTGRES (cargo xtask test starts one)"]
async fn the_meter_counts_with_todays_statement_whatever_an_earlier_server_defined() {
    use paywall_server::store::{Db, meter};
    let url = fresh_database();
    let db = paywall_server::store::open(&url).await.unwrap();
    let Db::Postgres(pool) = &db else { panic!("a PostgreSQL database") };
    // As an older server might have left it: a function that opens everything.
    sqlx::raw_sql(
        "CREATE OR REPLACE FUNCTION meter_count(p_visitor TEXT, p_article TEXT, p_now BIGINT, p_since BIGINT, p_limit BIGINT)
         RETURNS TABLE (counted_at BIGINT, others BIGINT, oldest_other BIGINT)
         LANGUAGE sql AS $$ SELECT p_now, 0::BIGINT, NULL::BIGINT $$",
    )
    .execute(pool)
    .await
    .unwrap();
    let stale = meter::count(&db, "v:stale", "b", 100, 0, 1).await.unwrap();
    assert!(stale.opened, "the stand-in opens everything");
    db.close().await;

    let db = paywall_server::store::open(&url).await.unwrap();
    let first = meter::count(&db, "v:today", "a", 100, 0, 1).await.unwrap();
    assert!(first.opened && first.read == 1, "{first:?}");
    let second = meter::count(&db, "v:today", "b", 101, 0, 1).await.unwrap();
    assert!(!second.opened, "one free article, and it is spent: {second:?}");
    let again = meter::count(&db, "v:today", "a", 102, 0, 1).await.unwrap();
    assert!(again.opened && again.read == 1, "the article counted opens again: {again:?}");
}
