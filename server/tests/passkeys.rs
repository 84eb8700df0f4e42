//! Passkeys and identity providers through the router (the ceremonies themselves, with a real
//! authenticator, are in e2e/passkeys.test.mjs and e2e/providers.test.mjs): what the server
//! offers, the page's site checked, challenges kept once and for minutes, forged answers
//! refused with nothing written; and the store's rules for providers' identities.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use paywall_server::store::{ceremonies, identities, passkeys, readers};
use serde_json::{Value, json};

const PAGE: &str = "http://localhost:8081";

async fn with_passkeys() -> TestServer {
    TestServer::start_with(|config| {
        config.cors_origins = vec![PAGE.to_owned()];
        config.sign_in.passkey_rp_id = Some("localhost".to_owned());
    })
    .await
}

/// A POST from a page on `origin`, with a bearer token and a body if given.
async fn post_from(
    server: &TestServer,
    origin: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut builder = Request::builder().method(Method::POST).uri(path).header(header::ORIGIN, origin);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(body) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    server.send(builder.body(body).unwrap()).await
}

/// A well-formed answer no authenticator made.
fn forged(ceremony: &str, registering: bool) -> Value {
    let response = if registering {
        json!({ "attestationObject": "o2NmbXRkbm9uZQ", "clientDataJSON": "e30" })
    } else {
        json!({ "authenticatorData": "AAAA", "clientDataJSON": "e30", "signature": "AAAA",
                "userHandle": "AAAAAAAAAAAAAAAAAAAAAA" })
    };
    json!({ "ceremony": ceremony,
            "credential": { "id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": response } })
}

#[tokio::test]
async fn the_sign_in_methods_say_what_is_configured() {
    let plain = TestServer::start().await;
    let reply = plain.get("/v1/sign-in-methods", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({ "providers": [] }));
    assert_eq!(
        plain.post_json("/v1/passkeys/challenges", "").await.problem(StatusCode::SERVICE_UNAVAILABLE)["detail"],
        "Passkeys are not set up on this server."
    );

    let server = with_passkeys().await;
    assert_eq!(
        server.get("/v1/sign-in-methods", None).await.json(),
        json!({ "passkeys": "localhost", "providers": [] })
    );
}

#[tokio::test]
async fn a_page_on_another_site_is_told_which_site_passkeys_are_for() {
    let server = with_passkeys().await;
    for origin in ["http://127.0.0.1:8080", "http://localhost:9999", "https://localhost.evil"] {
        let problem = post_from(&server, origin, "/v1/passkeys/challenges", None, None)
            .await
            .problem(StatusCode::FORBIDDEN);
        assert_eq!(problem["reason"], "passkey_wrong_site");
        assert_eq!(problem["detail"], format!("Passkeys here are for localhost; this page is on {origin}."));
    }
    assert_eq!(server.count("sign_in_ceremonies").await, 0, "a refused page starts nothing");
}

#[tokio::test]
async fn a_sign_in_challenge_is_kept_once_and_a_forged_answer_spends_it_and_signs_nobody_in() {
    let server = with_passkeys().await;
    let reply = post_from(&server, PAGE, "/v1/passkeys/challenges", None, None).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let challenge = reply.json();
    let options = &challenge["public_key"];
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(options["userVerification"], "required");
    assert!(options["challenge"].as_str().is_some_and(|c| c.len() >= 43), "{options}");
    assert!(options.get("mediation").is_none(), "the page chooses autofill or the button: {options}");
    let ceremony = challenge["ceremony"].as_str().unwrap();
    let stored = server.snapshot().await;
    assert_not_stored(&stored, ceremony);
    assert_eq!(server.count("sign_in_ceremonies").await, 1);

    let sessions = server.count("sessions").await;
    let answer = forged(ceremony, false);
    let problem = post_from(&server, PAGE, "/v1/sessions/passkey", None, Some(answer.clone()))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["reason"], "passkey_refused");
    assert_eq!(server.count("sign_in_ceremonies").await, 0, "answered, the challenge is gone");
    let again = post_from(&server, PAGE, "/v1/sessions/passkey", None, Some(answer)).await;
    assert_eq!(
        again.problem(StatusCode::UNAUTHORIZED)["detail"],
        "This passkey challenge expired or was answered already. Try again."
    );
    assert_eq!(server.count("sessions").await, sessions);
    assert_eq!(server.count("passkeys").await, 0);
}

#[tokio::test]
async fn an_expired_challenge_is_refused() {
    let server = with_passkeys().await;
    let challenge = post_from(&server, PAGE, "/v1/passkeys/challenges", None, None).await.json();
    server.exec("UPDATE sign_in_ceremonies SET expires_at = 1").await;
    let answer = forged(challenge["ceremony"].as_str().unwrap(), false);
    let problem = post_from(&server, PAGE, "/v1/sessions/passkey", None, Some(answer))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["detail"], "This passkey challenge expired or was answered already. Try again.");
}

#[tokio::test]
async fn a_registration_is_the_signed_in_reader_s_own_and_a_forged_one_adds_nothing() {
    let server = with_passkeys().await;
    assert_eq!(
        post_from(&server, PAGE, "/v1/passkeys/registrations", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let subscriber = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let token = subscriber["access_token"].as_str().unwrap();
    let reply = post_from(&server, PAGE, "/v1/passkeys/registrations", Some(token), None).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let challenge = reply.json();
    let options = &challenge["public_key"];
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], SUBSCRIBER);
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
    let ceremony = challenge["ceremony"].as_str().unwrap();

    // Another reader cannot answer it.
    let reader = server.sign_in(READER, PASSWORD).await;
    let other = reader["access_token"].as_str().unwrap();
    let problem = post_from(&server, PAGE, "/v1/passkeys", Some(other), Some(forged(ceremony, true)))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["reason"], "passkey_refused");
    // Nor, then, its reader: taken once.
    let problem = post_from(&server, PAGE, "/v1/passkeys", Some(token), Some(forged(ceremony, true)))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["reason"], "passkey_refused");

    let challenge = post_from(&server, PAGE, "/v1/passkeys/registrations", Some(token), None).await.json();
    let forged_answer = forged(challenge["ceremony"].as_str().unwrap(), true);
    let problem = post_from(&server, PAGE, "/v1/passkeys", Some(token), Some(forged_answer))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["detail"], "The passkey's answer did not pass the checks.");
    assert_eq!(server.count("passkeys").await, 0);
    assert_eq!(server.get("/v1/passkeys", Some(token)).await.json(), json!([]));
    assert_eq!(
        server.delete("/v1/passkeys/1", Some(token)).await.problem(StatusCode::NOT_FOUND)["status"],
        404
    );
}

#[tokio::test]
async fn a_reader_removes_only_their_own_passkeys() {
    let server = with_passkeys().await;
    let subscriber = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let reader = server.sign_in(READER, PASSWORD).await;
    let subscriber_id = subscriber["reader"]["id"].as_i64().unwrap();
    let new = passkeys::New {
        reader_id: subscriber_id,
        credential_id: "cred-1",
        user_handle: "00000000-0000-4000-8000-000000000001",
        credential: "{}",
        sign_count: 3,
    };
    let added = passkeys::add(&server.state.db, &new).await.unwrap().unwrap();
    assert!(passkeys::add(&server.state.db, &new).await.unwrap().is_none(), "a credential is one reader's");
    let path = format!("/v1/passkeys/{}", added.id);
    assert_eq!(server.delete(&path, reader["access_token"].as_str()).await.status, StatusCode::NOT_FOUND);
    let listed = server.get("/v1/passkeys", subscriber["access_token"].as_str()).await.json();
    assert_eq!(listed, json!([{ "id": added.id, "created_at": added.created_at }]));
    assert_eq!(
        server.delete(&path, subscriber["access_token"].as_str()).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(passkeys::by_credential_id(&server.state.db, "cred-1").await.unwrap().is_none());
}

#[tokio::test]
async fn a_passkey_s_counter_moves_on_only_from_the_value_it_was_checked_against() {
    let server = with_passkeys().await;
    let db = &server.state.db;
    let reader_id = server.sign_in(SUBSCRIBER, PASSWORD).await["reader"]["id"].as_i64().unwrap();
    let new =
        passkeys::New { reader_id, credential_id: "c", user_handle: "h", credential: "{}", sign_count: 5 };
    passkeys::add(db, &new).await.unwrap();
    let checked = passkeys::by_credential_id(db, "c").await.unwrap().unwrap();
    assert!(passkeys::used(db, &checked, "{\"n\":6}", 6).await.unwrap());
    // Another answer with the same counter, or one behind it: a copied authenticator's.
    assert!(!passkeys::used(db, &checked, "{\"n\":6}", 6).await.unwrap());
    assert!(!passkeys::used(db, &checked, "{\"n\":5}", 5).await.unwrap());
    let now = passkeys::by_credential_id(db, "c").await.unwrap().unwrap();
    assert_eq!((now.sign_count, now.credential.as_str()), (6, "{\"n\":6}"));
    // One that keeps no counter (0 every time) is used as often as it likes.
    let new = passkeys::New {
        reader_id,
        credential_id: "synced",
        user_handle: "h",
        credential: "{}",
        sign_count: 0,
    };
    passkeys::add(db, &new).await.unwrap();
    let synced = passkeys::by_credential_id(db, "synced").await.unwrap().unwrap();
    assert!(passkeys::used(db, &synced, "{}", 0).await.unwrap());
    assert!(passkeys::used(db, &synced, "{}", 0).await.unwrap());
}

#[tokio::test]
async fn the_owner_of_an_email_taking_the_account_back_removes_the_passkeys_added_without_it() {
    let server = with_passkeys().await;
    let db = &server.state.db;
    // A publisher's reader holds the email unverified, and added a passkey.
    server
        .exec("INSERT INTO readers (email, created_at, email_verified) VALUES ('held@example.com', 1, FALSE)")
        .await;
    let held = readers::by_email(db, "held@example.com").await.unwrap().unwrap().id;
    let new = passkeys::New {
        reader_id: held,
        credential_id: "squat",
        user_handle: "h",
        credential: "{}",
        sign_count: 1,
    };
    passkeys::add(db, &new).await.unwrap();
    ceremonies::start(db, b"pending", ceremonies::Kind::PasskeyRegistration, Some(held), "{}", 60)
        .await
        .unwrap();
    assert_eq!(readers::proven_owner(db, "held@example.com").await.unwrap(), held);
    assert!(passkeys::by_credential_id(db, "squat").await.unwrap().is_none());
    assert_eq!(server.count("sign_in_ceremonies").await, 0);
    // A verified account keeps its passkeys when its owner proves the email again.
    passkeys::add(db, &passkeys::New { credential_id: "own", ..new }).await.unwrap();
    readers::proven_owner(db, "held@example.com").await.unwrap();
    assert!(passkeys::by_credential_id(db, "own").await.unwrap().is_some());
}

#[tokio::test]
async fn ceremonies_never_finished_are_pruned() {
    let server = TestServer::start().await;
    let db = &server.state.db;
    // One a dialog opened and closed ten seconds ago, one under way.
    ceremonies::start(db, b"old", ceremonies::Kind::PasskeySignIn, None, "{}", -10).await.unwrap();
    ceremonies::start(db, b"new", ceremonies::Kind::PasskeySignIn, None, "{}", 60).await.unwrap();
    let pruned = paywall_server::store::prune::run(db, paywall_server::time::now()).await.unwrap();
    assert_eq!(pruned.ceremonies, 1);
    assert_eq!(server.count("sign_in_ceremonies").await, 1);
}

#[tokio::test]
async fn a_ceremony_is_taken_once_and_only_as_its_own_kind() {
    let server = TestServer::start().await;
    let db = &server.state.db;
    ceremonies::start(db, b"hash", ceremonies::Kind::PasskeySignIn, None, "state", 60).await.unwrap();
    assert!(ceremonies::take(db, b"hash", ceremonies::Kind::ProviderReturn).await.unwrap().is_none());
    let taken = ceremonies::take(db, b"hash", ceremonies::Kind::PasskeySignIn).await.unwrap().unwrap();
    assert_eq!((taken.reader_id, taken.state.as_str()), (None, "state"));
    assert!(ceremonies::take(db, b"hash", ceremonies::Kind::PasskeySignIn).await.unwrap().is_none());
}

#[tokio::test]
async fn passkeys_need_a_page_origin_on_their_site() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = demo_config(dir.path().join("data"));
    config.cors_origins = vec![PAGE.to_owned()];
    config.sign_in.passkey_rp_id = Some("news.example".to_owned());
    let Err(error) = paywall_server::start(config.clone()).await else {
        panic!("started without a page for passkeys")
    };
    assert!(error.to_string().contains("PAYWALL_PASSKEY_ORIGINS"), "{error}");
    config.sign_in.passkey_origins = vec!["https://news.example.evil".to_owned()];
    let Err(error) = paywall_server::start(config).await else {
        panic!("started with an origin off the site")
    };
    assert!(error.to_string().contains("is not on the site news.example"), "{error}");
}

mod providers {
    use super::*;

    /// A server with one provider, at `issuer` (nothing answers there unless a test starts it).
    async fn with_provider(issuer: &str) -> TestServer {
        let file = tempfile::NamedTempFile::new().unwrap();
        let providers = json!([{ "id": "idp", "name": "Test IdP", "issuer": issuer,
                                 "client_id": "paywall", "client_secret": "secret" }]);
        std::fs::write(file.path(), providers.to_string()).unwrap();
        let path = file.into_temp_path().keep().unwrap();
        TestServer::start_with(move |config| {
            config.cors_origins = vec![PAGE.to_owned()];
            config.sign_in.oidc_providers_file = Some(path);
        })
        .await
    }

    fn start_body(return_to: &str) -> String {
        json!({ "return_to": return_to }).to_string()
    }

    #[tokio::test]
    async fn the_providers_are_listed_and_one_that_is_down_is_said_to_be() {
        let server = with_provider("http://127.0.0.1:9").await;
        assert_eq!(
            server.get("/v1/sign-in-methods", None).await.json(),
            json!({ "providers": [{ "id": "idp", "name": "Test IdP" }] })
        );
        let reply =
            server.post_json("/v1/providers/idp/sign-ins", &start_body(&format!("{PAGE}/story"))).await;
        let problem = reply.problem(StatusCode::BAD_GATEWAY);
        assert_eq!(problem["reason"], "provider_unavailable");
        assert_eq!(
            problem["detail"],
            "Test IdP is not answering right now. Try again in a moment, or sign in another way."
        );
        assert_eq!(server.count("sign_in_ceremonies").await, 0);
        let elsewhere =
            server.post_json("/v1/providers/idp/sign-ins", &start_body("https://evil.example/")).await;
        assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
        let unknown = server.post_json("/v1/providers/nobody/sign-ins", &start_body(PAGE)).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_callback_with_a_state_nobody_made_ends_on_a_page_and_writes_nothing() {
        let server = with_provider("http://127.0.0.1:9").await;
        let before = server.snapshot().await;
        for query in ["?code=c&state=made-up", "?error=access_denied&state=made-up", "?code=c", ""] {
            let reply = server.get(&format!("/v1/providers/idp/callback{query}"), None).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(reply.header(header::CONTENT_TYPE).starts_with("text/html"));
            assert!(reply.text.contains("This sign-in has expired"), "{}", reply.text);
        }
        assert_eq!(server.snapshot().await, before);
        let problem = server
            .post_json("/v1/sessions/provider", r#"{"token":"made-up","binding":"b"}"#)
            .await
            .problem(StatusCode::UNAUTHORIZED);
        assert_eq!(problem["reason"], "provider_refused");
    }

    #[tokio::test]
    async fn an_identity_is_its_reader_and_a_verified_email_proves_an_account() {
        let server = TestServer::start().await;
        let db = &server.state.db;
        let subscriber = readers::by_email(db, SUBSCRIBER).await.unwrap().unwrap().id;
        let linked = identities::sign_in(db, "https://idp", "sub-1", SUBSCRIBER, true).await.unwrap();
        assert_eq!(linked, identities::Linked::Reader(subscriber));
        // Known, the identity is its reader whatever email it now has.
        let again =
            identities::sign_in(db, "https://idp", "sub-1", "renamed@example.com", false).await.unwrap();
        assert_eq!(again, identities::Linked::Reader(subscriber));
        assert_eq!(server.count_where("readers", "email = 'renamed@example.com'").await, 0);
        // A new verified email is a new reader, verified.
        let identities::Linked::Reader(new) =
            identities::sign_in(db, "https://idp", "sub-2", "new@example.com", true).await.unwrap()
        else {
            panic!("no reader")
        };
        assert_eq!(server.count_where("readers", &format!("id = {new} AND email_verified")).await, 1);
    }

    #[tokio::test]
    async fn an_unverified_email_joins_nobody_and_makes_nobody() {
        let server = TestServer::start().await;
        let db = &server.state.db;
        let before = server.snapshot().await;
        let taken = identities::sign_in(db, "https://idp", "sub-9", READER, false).await.unwrap();
        assert_eq!(taken, identities::Linked::EmailTaken);
        let new =
            identities::sign_in(db, "https://idp", "sub-9", "claimed@example.com", false).await.unwrap();
        assert_eq!(new, identities::Linked::Unverified);
        assert_eq!(server.snapshot().await, before, "nothing written");
    }

    /// A provider's finished sign-in waiting for the tab that started it, as the callback
    /// leaves it; its token.
    async fn returned(server: &TestServer, ended: &str, reader: Option<i64>, binding: &str) -> String {
        use base64::Engine;
        let token = format!("token-{ended}-{binding}");
        let kept = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(paywall_server::random::token_hash(binding));
        let state = json!({ "ended": ended, "binding": kept }).to_string();
        let hash = paywall_server::random::token_hash(&token);
        ceremonies::start(&server.state.db, &hash, ceremonies::Kind::ProviderReturn, reader, &state, 60)
            .await
            .unwrap();
        token
    }

    #[tokio::test]
    async fn a_finished_sign_in_is_taken_only_by_the_tab_that_started_it() {
        let server = with_provider("http://127.0.0.1:9").await;
        let reader = readers::by_email(&server.state.db, SUBSCRIBER).await.unwrap().unwrap().id;
        let sessions = server.count("sessions").await;
        // Someone else's finished sign-in, sent to this browser (whose tab has no binding, or
        // another): refused, and spent.
        let token = returned(&server, "SignedIn", Some(reader), "the starting tab's").await;
        for binding in ["", "another tab's"] {
            let body = json!({ "token": token, "binding": binding }).to_string();
            let problem =
                server.post_json("/v1/sessions/provider", &body).await.problem(StatusCode::UNAUTHORIZED);
            assert_eq!(problem["reason"], "provider_refused");
        }
        assert_eq!(server.count("sessions").await, sessions);
        // The tab that started it signs in, once.
        let token = returned(&server, "SignedIn", Some(reader), "mine").await;
        let body = json!({ "token": token, "binding": "mine" }).to_string();
        let signed_in = server.post_json("/v1/sessions/provider", &body).await;
        assert_eq!(signed_in.status, StatusCode::CREATED, "{}", signed_in.text);
        assert_eq!(signed_in.json()["reader"]["email"], SUBSCRIBER);
        assert_eq!(server.post_json("/v1/sessions/provider", &body).await.status, StatusCode::UNAUTHORIZED);
        // How the others end, as the widget hears it.
        for (ended, status, reason) in [
            ("AccountExists", StatusCode::CONFLICT, "unverified_email"),
            ("Unverified", StatusCode::FORBIDDEN, "unverified_email"),
        ] {
            let token = returned(&server, ended, None, "mine").await;
            let body = json!({ "token": token, "binding": "mine" }).to_string();
            assert_eq!(
                server.post_json("/v1/sessions/provider", &body).await.problem(status)["reason"],
                reason
            );
        }
    }

    #[tokio::test]
    async fn a_sign_in_returns_only_to_a_page_of_the_site_that_asked() {
        let server = with_provider("http://127.0.0.1:9").await;
        let body = start_body(&format!("{PAGE}/story")).to_string();
        let request = Request::post("/v1/providers/idp/sign-ins")
            .header(header::ORIGIN, "http://localhost:9999")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let problem = server.send(request).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["detail"], "return_to must be a page of the site that asks.");
    }
}
