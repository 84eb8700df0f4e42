//! `/v1/admin`: API keys, articles with entity tags, the tier ladder and what it opens,
//! readers, subscriptions, sessions, the audit log, and the OpenAPI description.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use paywall_server::auth::admin::NewKey;
use paywall_server::store::api_keys;
use paywall_server::store::audit::{Actor, Entry};

/// The audit entry of a key made by hand, as the command line would.
fn by_hand() -> Entry<'static> {
    static ACTOR: std::sync::LazyLock<Actor> = std::sync::LazyLock::new(Actor::command_line);
    Entry { actor: &ACTOR, action: "api_key.create", target: String::new(), detail: String::new() }
}
use serde_json::{Value, json};

/// A live key named `name`, stored as `paywall-server api-key create` stores it.
async fn admin_key(server: &TestServer, name: &str) -> String {
    let key = NewKey::generate();
    api_keys::create(&server.state.db, name, &key.prefix, &key.hash, None, None, &by_hand()).await.unwrap();
    key.key
}

/// An admin request with a key, a JSON body and extra headers.
async fn admin(
    server: &TestServer,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
    headers: &[(header::HeaderName, &str)],
) -> Reply {
    let mut builder =
        Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {key}"));
    for (name, value) in headers {
        builder = builder.header(name, *value);
    }
    let request = match body {
        Some(body) => {
            builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string()))
        }
        None => builder.body(Body::empty()),
    };
    server.send(request.unwrap()).await
}

fn article(title: &str, tier: &str, sections: &[(&str, &str)]) -> Value {
    json!({
        "title": title,
        "tier": tier,
        "sections": sections.iter().map(|(title, html)| json!({"title": title, "html": html})).collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn only_a_live_admin_key_opens_the_admin_api_and_a_key_never_reads_as_a_reader() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "cms").await;
    let reader = server.sign_in(SUBSCRIBER, "paywall-demo").await;
    let reader_token = reader["access_token"].as_str().unwrap();

    let expired = NewKey::generate();
    api_keys::create(&server.state.db, "old", &expired.prefix, &expired.hash, Some(1), None, &by_hand())
        .await
        .unwrap();
    let revoked = admin_key(&server, "gone").await;
    assert_eq!(api_keys::revoke(&server.state.db, "gone", &by_hand()).await.unwrap(), 1);
    let forged = format!("{}{}", &key[..key.len() - 1], if key.ends_with('A') { 'B' } else { 'A' });

    let before = server.snapshot().await;
    let body = article("Sneaky", "premium", &[("One", "<p>x</p>")]);
    for (what, token) in [
        ("a reader's access token", reader_token),
        ("an expired key", &expired.key),
        ("a revoked key", &revoked),
        ("a key one character off", &forged),
        ("a key cut short", &key[..20]),
        ("no key at all", ""),
    ] {
        let reply =
            admin(&server, Method::PUT, "/v1/admin/articles/sneaky", token, Some(body.clone()), &[]).await;
        reply.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(reply.header(header::WWW_AUTHENTICATE), "Bearer", "{what}");
        let reply = admin(&server, Method::GET, "/v1/admin/readers", token, None, &[]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}: {}", reply.text);
    }
    let reply = server.send(request(Method::GET, "/v1/admin/tiers", None, None)).await;
    reply.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(server.snapshot().await, before, "a refused admin request wrote something");

    // The key is no reader's token either.
    server.get(&format!("/v1/articles/{ARTICLE}/locked"), Some(&key)).await.problem(StatusCode::UNAUTHORIZED);
    let reply = admin(&server, Method::GET, "/v1/admin/tiers", &key, None, &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // Only the hash is kept.
    assert_not_stored(&server.snapshot().await, &key);
}

#[tokio::test]
async fn what_get_answers_can_be_put_back_and_entity_tags_stop_silent_overwrites() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "cms").await;
    let path = "/v1/admin/articles/tide-tables";
    let first = article(
        "Tide tables",
        "subscriber",
        &[
            ("High water", "<p onclick=\"steal()\">Twice a day.</p><script>alert(1)</script>"),
            ("Low water", "<p>Mud.</p>"),
        ],
    );
    let created = admin(&server, Method::PUT, path, &key, Some(first), &[]).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let etag = created.header(header::ETAG).to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let stored = created.json();
    assert_eq!(stored["sections"][0]["html"], "<p>Twice a day.</p>", "sanitised on the way in");

    let got = admin(&server, Method::GET, path, &key, None, &[]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header(header::ETAG), etag);
    assert_eq!(got.json(), stored);
    let summary = server.get("/v1/articles/tide-tables", None).await.json();
    assert_eq!(summary["locked_section_titles"], json!(["High water", "Low water"]));
    assert_eq!(summary["tier_label"], "Standard");

    // What GET gave goes back unchanged.
    let audited = server.count("audit_log").await;
    let again = admin(&server, Method::PUT, path, &key, Some(got.json()), &[(header::IF_MATCH, &etag)]).await;
    assert_eq!((again.status, again.header(header::ETAG)), (StatusCode::OK, etag.as_str()), "{}", again.text);
    assert_eq!(server.count("audit_log").await, audited, "an unchanged article is no write");

    // Editor A saves; editor B, still on the old version, is refused and changes nothing.
    let mut edited = got.json();
    edited["title"] = json!("Tide tables, revised");
    let saved = admin(&server, Method::PUT, path, &key, Some(edited), &[(header::IF_MATCH, &etag)]).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let newer = saved.header(header::ETAG).to_owned();
    assert_ne!(newer, etag);
    let before = server.snapshot().await;
    let mut stale = got.json();
    stale["sections"] = json!([]);
    let refused = admin(&server, Method::PUT, path, &key, Some(stale), &[(header::IF_MATCH, &etag)]).await;
    refused.problem(StatusCode::PRECONDITION_FAILED);
    let weak = format!("W/{newer}");
    let refused = admin(&server, Method::DELETE, path, &key, None, &[(header::IF_MATCH, &weak)]).await;
    refused.problem(StatusCode::PRECONDITION_FAILED);
    let refused =
        admin(&server, Method::PUT, path, &key, Some(got.json()), &[(header::IF_NONE_MATCH, "*")]).await;
    refused.problem(StatusCode::PRECONDITION_FAILED);
    let refused = admin(
        &server,
        Method::PUT,
        "/v1/admin/articles/nothing-yet",
        &key,
        Some(got.json()),
        &[(header::IF_MATCH, &newer)],
    )
    .await;
    refused.problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(server.snapshot().await, before, "a refused write changed something");

    let deleted = admin(&server, Method::DELETE, path, &key, None, &[(header::IF_MATCH, &newer)]).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    admin(&server, Method::GET, path, &key, None, &[]).await.problem(StatusCode::NOT_FOUND);
    admin(&server, Method::DELETE, path, &key, None, &[]).await.problem(StatusCode::NOT_FOUND);
    server.get("/v1/articles/tide-tables", None).await.problem(StatusCode::NOT_FOUND);
    assert_eq!(server.count_where("sections", "article_id = 'tide-tables'").await, 0);
}

#[tokio::test]
async fn bad_articles_are_refused_with_a_reason_and_change_nothing() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "cms").await;
    // Used once, so that its last use is noted before the snapshot.
    admin(&server, Method::GET, "/v1/admin/tiers", &key, None, &[]).await;
    let before = server.snapshot().await;
    let put = |path: &'static str, body: Value| {
        let (server, key) = (&server, &key);
        async move { admin(server, Method::PUT, path, key, Some(body), &[]).await }
    };
    let reply = put("/v1/admin/articles/a", article("A", "gold", &[])).await;
    assert!(reply.problem(StatusCode::UNPROCESSABLE_ENTITY)["detail"].as_str().unwrap().contains("gold"));
    let reply =
        put("/v1/admin/articles/a", article("A", "premium", &[("One", "<p>1</p>"), ("  ", "<p>2</p>")]))
            .await;
    assert!(
        reply.problem(StatusCode::UNPROCESSABLE_ENTITY)["detail"].as_str().unwrap().contains("section 2")
    );
    put("/v1/admin/articles/a", article(" ", "premium", &[])).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    put("/v1/admin/articles/a%20b", article("A", "premium", &[]))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    put("/v1/admin/articles/a", json!({"title": "A", "tier": 3, "sections": []}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    put("/v1/admin/articles/a", json!({"title": "A"})).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let huge = "x".repeat(paywall_server::MAX_ADMIN_BODY_BYTES + 1);
    put("/v1/admin/articles/a", article("A", "premium", &[("Big", &huge)]))
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    let malformed = Request::builder()
        .method(Method::PUT)
        .uri("/v1/admin/articles/a")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"title\": \"A\", "))
        .unwrap();
    server.send(malformed).await.problem(StatusCode::BAD_REQUEST);
    assert_eq!(server.snapshot().await, before);

    // An article with no locked section is accepted: nothing is locked.
    let open = put("/v1/admin/articles/open-letter", article("An open letter", "premium", &[])).await;
    assert_eq!(open.status, StatusCode::CREATED, "{}", open.text);
    let summary = server.get("/v1/articles/open-letter", None).await.json();
    assert_eq!(summary["locked_section_titles"], json!([]));
    // Large articles fit: the admin API reads up to 2 MiB.
    let long = "<p>word </p>".repeat(100_000);
    let reply =
        put("/v1/admin/articles/long-read", article("Long", "premium", &[("All of it", &long)])).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn articles_page_by_id() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "cms").await;
    for id in ["c", "a", "b"] {
        let reply = admin(
            &server,
            Method::PUT,
            &format!("/v1/admin/articles/{id}"),
            &key,
            Some(article(id, "free", &[])),
            &[],
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    let first = admin(&server, Method::GET, "/v1/admin/articles?limit=2", &key, None, &[]).await.json();
    let ids: Vec<&str> =
        first["articles"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(first["next_after"], "b");
    let next =
        admin(&server, Method::GET, "/v1/admin/articles?limit=2&after=b", &key, None, &[]).await.json();
    let ids: Vec<&str> =
        next["articles"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["c", ARTICLE]);
    admin(&server, Method::GET, "/v1/admin/articles?limit=0", &key, None, &[])
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    admin(&server, Method::GET, "/v1/admin/articles?limit=x", &key, None, &[])
        .await
        .problem(StatusCode::BAD_REQUEST);
    admin(&server, Method::GET, "/v1/admin/readers/abc", &key, None, &[])
        .await
        .problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_tier_opens_every_article_at_or_below_it_and_the_refusal_names_what_is_missing() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "cms").await;
    let ladder = admin(&server, Method::GET, "/v1/admin/tiers", &key, None, &[]).await.json();
    let names: Vec<&str> =
        ladder["tiers"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["free", "registered", "subscriber", "premium"]);
    for tier in ["free", "registered", "subscriber", "premium"] {
        let body = article(tier, tier, &[("Inside", &format!("<p>The {tier} part.</p>"))]);
        let reply =
            admin(&server, Method::PUT, &format!("/v1/admin/articles/{tier}-story"), &key, Some(body), &[])
                .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    }
    let locked = |id: &str| format!("/v1/articles/{id}-story/locked");

    // Nobody signed in: only the free story.
    let free = server.get(&locked("free"), None).await;
    assert_eq!((free.status, free.json()["grant_reason"].as_str()), (StatusCode::OK, Some("free")));
    for tier in ["registered", "subscriber", "premium"] {
        server.get(&locked(tier), None).await.problem(StatusCode::UNAUTHORIZED);
    }
    // Signed in without a subscription: the registered story, and the reason for the rest.
    let reader = server.sign_in(READER, "paywall-demo").await;
    let token = reader["access_token"].as_str();
    let registered = server.get(&locked("registered"), token).await;
    assert_eq!(registered.json()["grant_reason"], "registered");
    let refused = server.get(&locked("subscriber"), token).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(
        (refused["reason"].as_str(), refused["tier"].as_str()),
        (Some("no_subscription"), Some("subscriber"))
    );

    // A reader whose session ended gets nothing more with its token, whatever the tier.
    let other = server.sign_in(READER, "paywall-demo").await;
    let ended = other["access_token"].as_str();
    assert_eq!(server.delete("/v1/sessions", ended).await.status, StatusCode::NO_CONTENT);
    for tier in ["free", "registered", "subscriber", "premium"] {
        let reply = server.get(&locked(tier), ended).await;
        reply.problem(StatusCode::UNAUTHORIZED);
        assert!(!reply.text.contains("part."), "{tier}: {}", reply.text);
    }

    // A subscriber-tier subscription opens subscriber and below, and premium says it needs more.
    let id = reader["reader"]["id"].as_i64().unwrap();
    let grant = json!({"tier": "subscriber", "days": 30});
    let granted = admin(
        &server,
        Method::POST,
        &format!("/v1/admin/readers/{id}/subscriptions"),
        &key,
        Some(grant),
        &[],
    )
    .await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.text);
    assert_eq!(server.get(&locked("subscriber"), token).await.json()["grant_reason"], "subscription");
    assert_eq!(server.get(&locked("registered"), token).await.status, StatusCode::OK);
    let refused = server.get(&locked("premium"), token).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(
        (refused["reason"].as_str(), refused["tier"].as_str()),
        (Some("higher_tier_required"), Some("premium"))
    );

    // The demo subscriber's premium subscription opens everything below it.
    let subscriber = server.sign_in(SUBSCRIBER, "paywall-demo").await;
    for tier in ["free", "registered", "subscriber", "premium"] {
        let reply = server.get(&locked(tier), subscriber["access_token"].as_str()).await;
        assert_eq!(reply.status, StatusCode::OK, "{tier}: {}", reply.text);
    }

    // A tier the ladder lacks (from before the ladder, or a publisher's claim) opens to its own
    // subscribers only: premium does not reach it, and it reaches nothing else.
    server
        .exec(
            "INSERT INTO articles (id, title, tier, created_at) VALUES ('legacy-story', 'Old', 'legacy', 0)",
        )
        .await;
    server.exec("INSERT INTO sections (article_id, position, locked, title, html) VALUES ('legacy-story', 0, TRUE, 'Old part', '<p>Old.</p>')").await;
    let legacy = server.get(&locked("legacy"), subscriber["access_token"].as_str()).await;
    assert_eq!(legacy.problem(StatusCode::FORBIDDEN)["reason"], "higher_tier_required");
    let demo_id = subscriber["reader"]["id"].as_i64().unwrap();
    server.exec(&format!("UPDATE subscriptions SET tier = 'legacy' WHERE reader_id = {demo_id}")).await;
    assert_eq!(
        server.get(&locked("legacy"), subscriber["access_token"].as_str()).await.status,
        StatusCode::OK
    );
    let refused = server.get(&locked("subscriber"), subscriber["access_token"].as_str()).await;
    assert_eq!(refused.problem(StatusCode::FORBIDDEN)["reason"], "no_subscription");

    // Reordering the ladder moves what opens what: premium below subscriber.
    let reordered = json!({"tiers": [
        {"name": "free", "label": "Free"}, {"name": "registered", "label": "Registered"},
        {"name": "premium", "label": "Premium"}, {"name": "subscriber", "label": "Members"},
    ]});
    let reply = admin(&server, Method::PUT, "/v1/admin/tiers", &key, Some(reordered), &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(server.get(&locked("premium"), token).await.status, StatusCode::OK);
    assert_eq!(server.get("/v1/articles/subscriber-story", None).await.json()["tier_label"], "Members");
}

#[tokio::test]
async fn a_change_to_an_article_holds_for_its_locked_sections_at_once() {
    // The server keeps articles it serves for a few seconds; its own changes must not wait.
    let server = TestServer::start().await;
    let key = admin_key(&server, "cms").await;
    let put = |tier: &str, words: &str| article("Changing", tier, &[("Inside", &format!("<p>{words}</p>"))]);
    let path = "/v1/admin/articles/changing";
    let reply = admin(&server, Method::PUT, path, &key, Some(put("free", "First words.")), &[]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let locked = "/v1/articles/changing/locked";
    assert!(server.get(locked, None).await.text.contains("First words."));

    let reply = admin(&server, Method::PUT, path, &key, Some(put("premium", "Second words.")), &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let anonymous = server.get(locked, None).await;
    anonymous.problem(StatusCode::UNAUTHORIZED);
    assert!(!anonymous.text.contains("words."), "{}", anonymous.text);
    let subscriber = server.sign_in(SUBSCRIBER, "paywall-demo").await;
    let token = subscriber["access_token"].as_str();
    let text = server.get(locked, token).await.text;
    assert!(text.contains("Second words.") && !text.contains("First words."), "{text}");

    let reply = admin(&server, Method::DELETE, path, &key, None, &[]).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    server.get(locked, token).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_ladder_that_drops_a_tier_in_use_or_is_not_a_ladder_is_refused() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "cms").await;
    // Used once, so that its last use is noted before the snapshot.
    admin(&server, Method::GET, "/v1/admin/tiers", &key, None, &[]).await;
    let before = server.snapshot().await;
    let put = |tiers: Value| {
        let (server, key) = (&server, &key);
        async move { admin(server, Method::PUT, "/v1/admin/tiers", key, Some(json!({"tiers": tiers})), &[]).await }
    };
    let base = json!([{"name": "free", "label": "Free"}, {"name": "registered", "label": "Registered"}]);
    // The demo article needs premium.
    let reply = put(base.clone()).await.problem(StatusCode::CONFLICT);
    assert!(reply["detail"].as_str().unwrap().contains("premium"), "{reply}");
    put(json!([{"name": "registered", "label": "R"}, {"name": "free", "label": "F"}]))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let mut twice = base.as_array().unwrap().clone();
    twice.extend([json!({"name": "premium", "label": "P"}), json!({"name": "premium", "label": "Q"})]);
    put(json!(twice)).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let mut bad_name = base.as_array().unwrap().clone();
    bad_name.push(json!({"name": "Prem ium", "label": "P"}));
    put(json!(bad_name)).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(server.snapshot().await, before);

    // A tier only ended subscriptions name may go.
    server.exec("UPDATE subscriptions SET tier = 'subscriber', status = 'canceled'").await;
    let mut without_subscriber = base.as_array().unwrap().clone();
    without_subscriber.push(json!({"name": "premium", "label": "Premium"}));
    let reply = put(json!(without_subscriber)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn the_publisher_finds_readers_gives_and_ends_subscriptions_and_signs_them_out_and_the_log_says_who() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "support desk").await;
    let added = admin(
        &server,
        Method::POST,
        "/v1/admin/readers",
        &key,
        Some(json!({"email": " Guest@Example.COM ", "name": "Guest"})),
        &[],
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let again = admin(
        &server,
        Method::POST,
        "/v1/admin/readers",
        &key,
        Some(json!({"email": "guest@example.com"})),
        &[],
    )
    .await;
    assert_eq!((again.status, again.json()["id"].clone()), (StatusCode::OK, added.json()["id"].clone()));
    admin(&server, Method::POST, "/v1/admin/readers", &key, Some(json!({"email": "nobody"})), &[])
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);

    let found = admin(&server, Method::GET, "/v1/admin/readers?email=READER@example.com", &key, None, &[])
        .await
        .json();
    let id = found["readers"][0]["id"].as_i64().unwrap();
    assert_eq!(found["readers"].as_array().unwrap().len(), 1);
    let session = server.sign_in(READER, "paywall-demo").await;
    let token = session["access_token"].as_str();
    server.locked(&session["access_token"]).await.problem(StatusCode::FORBIDDEN);

    let grant = json!({"tier": "premium", "days": 7});
    let path = format!("/v1/admin/readers/{id}/subscriptions");
    let granted = admin(&server, Method::POST, &path, &key, Some(grant), &[]).await.json();
    assert_eq!(
        (granted["source"].as_str(), granted["status"].as_str()),
        (Some("complimentary"), Some("active"))
    );
    assert_eq!(server.locked(&session["access_token"]).await.status, StatusCode::OK);
    for bad in [
        json!({"tier": "registered", "days": 7}),
        json!({"tier": "premium", "days": 0}),
        json!({"tier": "gold", "days": 7}),
    ] {
        admin(&server, Method::POST, &path, &key, Some(bad), &[])
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let grant = json!({"tier": "premium", "days": 7});
    admin(&server, Method::POST, "/v1/admin/readers/999999/subscriptions", &key, Some(grant), &[])
        .await
        .problem(StatusCode::NOT_FOUND);

    let detail =
        admin(&server, Method::GET, &format!("/v1/admin/readers/{id}"), &key, None, &[]).await.json();
    assert_eq!(detail["reader"]["email"], READER);
    assert_eq!(detail["subscriptions"][0]["id"], granted["id"]);
    assert_eq!(detail["sessions"].as_array().unwrap().len(), 1);

    let ended = admin(
        &server,
        Method::POST,
        &format!("/v1/admin/subscriptions/{}/end", granted["id"]),
        &key,
        None,
        &[],
    )
    .await;
    assert_eq!(ended.json()["status"], "canceled");
    server.locked(&session["access_token"]).await.problem(StatusCode::FORBIDDEN);
    admin(&server, Method::POST, "/v1/admin/subscriptions/999999/end", &key, None, &[])
        .await
        .problem(StatusCode::NOT_FOUND);

    let out =
        admin(&server, Method::POST, &format!("/v1/admin/readers/{id}/sign-out"), &key, None, &[]).await;
    assert_eq!(out.json()["sessions_ended"], 1);
    server.get(&format!("/v1/articles/{ARTICLE}/locked"), token).await.problem(StatusCode::UNAUTHORIZED);
    let refresh = json!({"refresh_token": session["refresh_token"]}).to_string();
    server.post_json("/v1/sessions/refresh", &refresh).await.problem(StatusCode::UNAUTHORIZED);

    let log = admin(&server, Method::GET, "/v1/admin/audit?limit=4", &key, None, &[]).await.json();
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|entry| entry["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["reader.sign_out", "subscription.end", "subscription.grant", "reader.create"]);
    assert!(
        entries
            .iter()
            .all(|entry| entry["actor"].as_str().unwrap().starts_with("key:support desk (paywall_sk_"))
    );
    assert_eq!(entries[1]["target"], format!("subscription:{}", granted["id"]));
    assert_eq!(entries[3]["target"], format!("reader:{}", added.json()["id"]));
    let older = admin(
        &server,
        Method::GET,
        &format!("/v1/admin/audit?limit=1&before={}", entries[1]["id"]),
        &key,
        None,
        &[],
    )
    .await
    .json();
    assert_eq!(older["entries"][0]["action"], "subscription.grant");
}

#[tokio::test]
async fn every_address_the_widget_writes_is_one_the_server_describes() {
    use paywall_protocol::paths;
    let server = TestServer::start().await;
    let doc = server.get("/v1/openapi.json", None).await.json();
    // As the widget writes them: an id after a trailing `/`, a query after `?`.
    let article = format!("{}{{id}}", paths::ARTICLE);
    let addresses = [
        article.clone(),
        format!("{article}{}", paths::LOCKED),
        paths::ORIGINS_CHECK.to_owned(),
        paths::SESSIONS.to_owned(),
        paths::SESSIONS_EVERYWHERE.to_owned(),
        paths::SESSIONS_CODE.to_owned(),
        paths::SESSIONS_LINK.to_owned(),
        paths::SESSIONS_PUBLISHER.to_owned(),
        paths::SESSIONS_REFRESH.to_owned(),
        paths::SIGN_IN_CODES.to_owned(),
        paths::OFFERS_FOR_ARTICLE.to_owned(),
        paths::CHECKOUT.to_owned(),
        format!("{}{{id}}", paths::CHECKOUT_CONFIRMATION),
        paths::BILLING_PORTAL.to_owned(),
        paths::GIFTS.to_owned(),
        paths::SIGN_IN_METHODS.to_owned(),
        paths::PASSKEY_CHALLENGES.to_owned(),
        paths::PASSKEY_REGISTRATIONS.to_owned(),
        paths::PASSKEYS.to_owned(),
        format!("{}/{{id}}", paths::PASSKEYS),
        paths::SESSIONS_PASSKEY.to_owned(),
        paths::SESSIONS_PROVIDER.to_owned(),
        format!("{}{{id}}{}", paths::PROVIDERS, paths::SIGN_INS),
    ];
    for address in addresses {
        let path = address.split('?').next().unwrap();
        assert!(path.starts_with(paths::API), "{address}");
        assert!(doc["paths"][path].is_object(), "{address} is not an address the server has");
    }
}

#[tokio::test]
async fn the_description_covers_every_route_with_its_errors_and_security() {
    let server = TestServer::start().await;
    let reply = server.get("/v1/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/v1/articles/{id}", &["get"][..]),
        ("/v1/articles/{id}/locked", &["get"]),
        ("/v1/articles/{id}/prompt", &["get"]),
        ("/v1/sessions", &["post", "delete"]),
        ("/v1/sessions/code", &["post"]),
        ("/v1/sessions/link", &["post"]),
        ("/v1/sessions/publisher", &["post"]),
        ("/v1/sessions/refresh", &["post"]),
        ("/v1/sign-in-codes", &["post"]),
        ("/v1/readers/me/password", &["put"]),
        ("/v1/admin/articles", &["get"]),
        ("/v1/admin/articles/{id}", &["get", "put", "delete"]),
        ("/v1/admin/tiers", &["get", "put"]),
        ("/v1/admin/readers", &["get", "post"]),
        ("/v1/admin/readers/{id}", &["get"]),
        ("/v1/admin/readers/{id}/subscriptions", &["post"]),
        ("/v1/admin/readers/{id}/sign-out", &["post"]),
        ("/v1/admin/subscriptions/{id}/end", &["post"]),
        ("/v1/admin/audit", &["get"]),
        ("/v1/offers", &["get"]),
        ("/v1/admin/offers", &["get", "post"]),
        ("/v1/admin/offers/{id}", &["get", "put"]),
        ("/v1/checkout", &["post"]),
        ("/v1/checkout/{id}", &["get"]),
        ("/v1/billing-portal", &["post"]),
        ("/v1/webhooks/stripe", &["post"]),
        ("/v1/admin/stats", &["get"]),
        ("/v1/admin/webhooks", &["get", "post"]),
        ("/v1/admin/webhooks/{id}", &["get", "put", "delete"]),
        ("/v1/admin/webhooks/{id}/rotate-secret", &["post"]),
        ("/v1/admin/webhooks/{id}/deliveries", &["get"]),
        ("/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry", &["post"]),
        ("/v1/admin/meter", &["get", "put"]),
        ("/v1/gifts", &["get", "post"]),
        ("/v1/gifts/{id}", &["delete"]),
        ("/v1/admin/gift-policy", &["get", "put"]),
        ("/v1/origins/check", &["get"]),
        ("/v1/events", &["post"]),
        ("/v1/admin/funnel", &["get"]),
        ("/v1/admin/me", &["get"]),
        ("/v1/admin/me/sign-out", &["post"]),
        ("/v1/admin/session", &["post", "delete"]),
        ("/v1/admin/sign-in", &["post"]),
        ("/v1/admin/staff", &["get", "post"]),
        ("/v1/admin/staff/{id}", &["put", "delete"]),
        ("/v1/admin/staff/{id}/sign-out", &["post"]),
        ("/v1/admin/api-keys", &["get", "post"]),
        ("/v1/admin/api-keys/{id}", &["delete"]),
        ("/v1/admin/article-files", &["post"]),
        ("/v1/admin/readers/import", &["post"]),
        ("/v1/admin/readers/export", &["get"]),
        ("/v1/sign-in-methods", &["get"]),
        ("/v1/passkeys/challenges", &["post"]),
        ("/v1/passkeys/registrations", &["post"]),
        ("/v1/passkeys", &["get", "post"]),
        ("/v1/passkeys/{id}", &["delete"]),
        ("/v1/sessions/passkey", &["post"]),
        ("/v1/providers/{id}/sign-ins", &["post"]),
        ("/v1/providers/{id}/callback", &["get"]),
        ("/v1/sessions/provider", &["post"]),
    ] {
        for method in methods {
            let operation = &paths[path][method];
            assert!(operation.is_object(), "{method} {path} is not described");
            let default = &operation["responses"]["default"]["content"]["application/problem+json"];
            assert!(default.is_object(), "{method} {path} has no problem answer");
            let signing_in = ["/v1/admin/sign-in", "/v1/admin/session"].contains(&path) && *method == "post";
            if path.starts_with("/v1/admin") && !signing_in {
                let either = json!([{"admin_key": []}, {"staff_session": []}]);
                assert_eq!(operation["security"], either, "{method} {path}");
            }
        }
    }
    assert_eq!(paths.len(), 60, "a described path is not in this list: {:?}", paths.keys());
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        (schemes["admin_key"]["scheme"].as_str(), schemes["reader_token"]["scheme"].as_str()),
        (Some("bearer"), Some("bearer"))
    );
}

#[tokio::test]
async fn an_article_file_is_imported_with_the_sanitisers_report_and_a_bad_one_changes_nothing() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "dashboard").await;
    let file = "---\ntitle: Harbour lights\ntier: premium\n---\nThe free part.\n\n<!-- paywall -->\n\n## What we found\n\nThe ledger <img src=x onerror=alert(1)> balanced.\n";
    let body = json!({ "filename": "harbour-lights.md", "text": file });
    let first = admin(&server, Method::POST, "/v1/admin/article-files", &key, Some(body.clone()), &[]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let report = first.json();
    assert_eq!((report["id"].as_str(), report["outcome"].as_str()), (Some("harbour-lights"), Some("added")));
    assert_eq!(report["locked_sections"], 1);
    assert!(report["removed"].as_str().unwrap().contains("onerror"), "{report}");
    let before = server.snapshot().await;
    let again = admin(&server, Method::POST, "/v1/admin/article-files", &key, Some(body.clone()), &[]).await;
    assert!(again.problem(StatusCode::CONFLICT)["detail"].as_str().unwrap().contains("harbour-lights"));
    assert_eq!(server.snapshot().await, before, "a file for an article that exists replaced it unasked");
    let replace = json!({ "replace": true, "filename": body["filename"], "text": body["text"] });
    let again = admin(&server, Method::POST, "/v1/admin/article-files", &key, Some(replace), &[]).await;
    assert_eq!(again.json()["outcome"], "unchanged");
    let stored =
        admin(&server, Method::GET, "/v1/admin/articles/harbour-lights", &key, None, &[]).await.json();
    assert!(!stored.to_string().contains("onerror"), "{stored}");

    let before = server.snapshot().await;
    for (filename, text) in [
        ("no-divider.md", "# Title\n\nNo divider here.\n"),
        ("x.html", "<h1>T</h1><!-- paywall --><p>loose</p>"),
    ] {
        let body = json!({ "filename": filename, "text": text });
        let reply = admin(&server, Method::POST, "/v1/admin/article-files", &key, Some(body), &[]).await;
        assert!(
            reply.problem(StatusCode::UNPROCESSABLE_ENTITY)["detail"].as_str().unwrap().contains(filename)
        );
    }
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn a_write_to_a_version_that_changed_names_who_changed_it() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "dashboard").await;
    let other = admin_key(&server, "newsroom").await;
    let path = format!("/v1/admin/articles/{ARTICLE}");
    let loaded = admin(&server, Method::GET, &path, &key, None, &[]).await;
    let etag = loaded.header(header::ETAG).to_owned();
    let mut theirs = loaded.json();
    theirs["title"] = json!("Their title");
    let put = admin(&server, Method::PUT, &path, &other, Some(theirs), &[]).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);

    let before = server.snapshot().await;
    let mut mine = loaded.json();
    mine["title"] = json!("My title");
    let refused = admin(&server, Method::PUT, &path, &key, Some(mine), &[(header::IF_MATCH, &etag)]).await;
    let problem = refused.problem(StatusCode::PRECONDITION_FAILED);
    assert!(problem["detail"].as_str().unwrap().contains("key:newsroom"), "{problem}");
    let deleted = admin(&server, Method::DELETE, &path, &key, None, &[(header::IF_MATCH, &etag)]).await;
    deleted.problem(StatusCode::PRECONDITION_FAILED);
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn a_readers_file_with_problems_lists_each_line_and_writes_nothing_and_a_good_one_goes_both_ways() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "dashboard").await;
    let send = |csv: &'static str, query: &'static str| {
        let request = Request::post(format!("/v1/admin/readers/import{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(csv))
            .unwrap();
        server.send(request)
    };
    // (A key's first use of the minute is noted on it.)
    admin(&server, Method::GET, "/v1/admin/tiers", &key, None, &[]).await;
    let before = server.snapshot().await;
    let bad = "email,name,tier,current_period_end\nada@news.example,Ada,premium,2031-01-01\nnot-an-address,Bo,,\ncy@news.example,Cy,premium,someday\n";
    let report = send(bad, "").await.json();
    assert_eq!(report["written"], false, "{report}");
    let lines: Vec<u64> =
        report["problems"].as_array().unwrap().iter().map(|p| p["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4], "{report}");
    let good =
        "email,name,tier,current_period_end\nada@news.example,Ada,premium,2031-01-01\nbo@news.example,Bo,,\n";
    let dry = send(good, "?dry_run=true").await.json();
    assert_eq!((dry["rows"].as_u64(), dry["written"].as_bool()), (Some(2), Some(false)), "{dry}");
    assert_eq!(server.snapshot().await, before, "a file with problems, or a dry run, wrote something");

    let done = send(good, "").await.json();
    assert_eq!((done["written"].as_bool(), done["readers_added"].as_u64()), (Some(true), Some(2)), "{done}");
    let export = admin(&server, Method::GET, "/v1/admin/readers/export", &key, None, &[]).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.header(header::CONTENT_DISPOSITION).starts_with("attachment; filename=\"readers-"));
    assert!(
        export.text.starts_with("email,name,tier,status,current_period_end,customer_id\n"),
        "{}",
        export.text
    );
    assert!(export.text.contains("ada@news.example,Ada,premium,active,2031-01-01"), "{}", export.text);
}

#[tokio::test]
async fn revenue_over_time_leaves_trials_out_until_they_end_and_counts_what_became_of_each() {
    let server = TestServer::start().await;
    let key = admin_key(&server, "dashboard").await;
    let now = paywall_server::time::now();
    let day = 24 * 60 * 60;
    // The demo's yearly offer (id 2): 80.00 EUR a year, 14 days free first.
    for (email, began, ended) in [
        ("past-trial@news.example", now - 20 * day, None),
        ("left-in-trial@news.example", now - 10 * day, Some(now - 5 * day)),
        ("in-trial@news.example", now - 2 * day, None),
    ] {
        server.exec(&format!("INSERT INTO readers (email, created_at) VALUES ('{email}', {began})")).await;
        let ended = ended.map_or("NULL".to_owned(), |at: i64| at.to_string());
        server
            .exec(&format!(
                "INSERT INTO subscriptions (reader_id, tier, status, current_period_end, source, offer_id, created_at, ended_at)
                 SELECT id, 'premium', 'active', {}, 'paywall', 2, {began}, {ended} FROM readers WHERE email = '{email}'",
                now + 300 * day
            ))
            .await;
    }
    let stats = admin(&server, Method::GET, "/v1/admin/stats?days=30", &key, None, &[]).await.json();
    assert_eq!(stats["trials"], json!({"started": 3, "converted": 1, "ended": 1, "running": 1}), "{stats}");
    let revenue: Vec<i64> = stats["revenue_by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|day| day["amount"].as_i64().unwrap())
        .collect();
    // Only the first, from the end of its trial (six days ago) on: 8000 / 12.
    assert_eq!(revenue.len(), 30);
    assert_eq!(&revenue[22..], &[0, 666, 666, 666, 666, 666, 666, 666], "{stats}");
}
