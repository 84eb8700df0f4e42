//! `/v1/articles`: metadata for anyone, locked sections only for entitled readers.

mod common;

use axum::http::{StatusCode, header};
use common::*;
use jsonwebtoken::{EncodingKey, Header};
use paywall_server::store::{readers, subscriptions};

#[tokio::test]
async fn anyone_gets_the_title_tier_and_locked_titles_but_no_locked_text() {
    let server = TestServer::start().await;
    let reply = server.get(&format!("/v1/articles/{ARTICLE}"), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["id"], ARTICLE);
    assert_eq!(body["title"], "The night train's second act");
    assert_eq!(body["tier"], "premium");
    assert_eq!(
        body["locked_section_titles"],
        serde_json::json!(["Our Take", "Tailwinds & headwinds", "Connections", "What should you do"])
    );
    assert!(reply.header(header::CACHE_CONTROL).starts_with("public"));
    assert_no_locked_text(&reply.text);
}

#[tokio::test]
async fn an_unknown_article_is_a_404_problem() {
    let server = TestServer::start().await;
    let body = server.get("/v1/articles/no-such-story", None).await.problem(StatusCode::NOT_FOUND);
    // The id is not echoed back: error bodies never reflect what the client sent.
    assert_eq!(body["detail"], "There is no article with this id.");
}

#[tokio::test]
async fn a_subscriber_gets_the_four_locked_sections_in_order_never_cached() {
    let server = TestServer::start().await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();
    let reply = server.get(&format!("/v1/articles/{ARTICLE}/locked"), Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.header(header::CACHE_CONTROL), "private, no-store");
    let body = reply.json();
    assert_eq!(body["article_id"], ARTICLE);
    let titles: Vec<&str> =
        body["sections"].as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Our Take", "Tailwinds & headwinds", "Connections", "What should you do"]);
    for phrase in locked_phrases() {
        assert!(reply.text.contains(&phrase), "missing {phrase:?}");
    }
}

#[tokio::test]
async fn a_reader_without_a_subscription_gets_a_403_with_the_reason_and_no_locked_text() {
    let server = TestServer::start().await;
    let session = server.sign_in(READER, PASSWORD).await;
    let reply = server.locked(&session["access_token"]).await;
    let body = reply.problem(StatusCode::FORBIDDEN);
    assert_eq!(body["reason"], "no_subscription");
    assert_no_locked_text(&reply.text);
}

#[tokio::test]
async fn an_expired_or_cancelled_subscription_does_not_entitle() {
    let server = TestServer::start().await;
    let hash = paywall_server::auth::hash_password("lapsed-reader").unwrap();
    let lapsed = readers::proven_owner(&server.state.db, "lapsed@example.com").await.unwrap();
    readers::set_password(&server.state.db, lapsed, &hash, None).await.unwrap();
    subscriptions::ensure_active(&server.state.db, lapsed, "premium", 1_000).await.unwrap();
    let session = server.sign_in("lapsed@example.com", "lapsed-reader").await;
    let reply = server.locked(&session["access_token"]).await;
    assert_eq!(reply.problem(StatusCode::FORBIDDEN)["reason"], "no_subscription");

    let subscriber = readers::by_email(&server.state.db, SUBSCRIBER).await.unwrap().unwrap();
    server
        .exec(&format!("UPDATE subscriptions SET status = 'canceled' WHERE reader_id = {}", subscriber.id))
        .await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let reply = server.locked(&session["access_token"]).await;
    assert_eq!(reply.problem(StatusCode::FORBIDDEN)["reason"], "no_subscription");
}

#[tokio::test]
async fn locked_sections_of_an_unknown_article_are_a_404_for_a_signed_in_reader() {
    let server = TestServer::start().await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let reply = server.get("/v1/articles/nothing-here/locked", session["access_token"].as_str()).await;
    reply.problem(StatusCode::NOT_FOUND);
}

/// Claims like the server's own, for forging tokens.
fn claims(reader_id: i64, session_id: i64, exp: u64) -> serde_json::Value {
    serde_json::json!({
        "sub": reader_id.to_string(), "sid": session_id, "iat": exp - 900, "exp": exp,
        "iss": "paywall", "aud": "paywall-api",
    })
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn missing_malformed_forged_expired_and_unsigned_tokens_are_all_401_without_locked_text() {
    let server = TestServer::start_with(|config| config.signing.key = Some(SIGNING_KEY.into())).await;
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let (reader_id, session_id) = (session["reader"]["id"].as_i64().unwrap(), 1);
    let key = SIGNING_KEY.as_bytes();

    let forged = jsonwebtoken::encode(
        &Header::default(),
        &claims(reader_id, session_id, now() + 600),
        &EncodingKey::from_secret(b"a key that is not the server's key, long enough"),
    )
    .unwrap();
    let expired = jsonwebtoken::encode(
        &Header::default(),
        &claims(reader_id, session_id, now() - 120),
        &EncodingKey::from_secret(key),
    )
    .unwrap();
    let b64 = |json: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, json);
    let unsigned = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT"}"#),
        b64(&claims(reader_id, session_id, now() + 600).to_string())
    );
    let good_payload_bad_alg = format!(
        "{}.{}.{}",
        b64(r#"{"alg":"HS512","typ":"JWT"}"#),
        b64(&claims(reader_id, session_id, now() + 600).to_string()),
        session["access_token"].as_str().unwrap().rsplit('.').next().unwrap()
    );

    let path = format!("/v1/articles/{ARTICLE}/locked");
    let mut cases: Vec<(&str, Option<String>)> = vec![
        ("no header", None),
        ("not a JWT", Some("Bearer not-a-token".into())),
        ("empty bearer", Some("Bearer ".into())),
        ("wrong scheme", Some(format!("Basic {}", session["access_token"].as_str().unwrap()))),
        ("forged", Some(format!("Bearer {forged}"))),
        ("expired", Some(format!("Bearer {expired}"))),
        ("alg none", Some(format!("Bearer {unsigned}"))),
        ("alg swapped", Some(format!("Bearer {good_payload_bad_alg}"))),
    ];
    // A refresh token is not an access token.
    cases.push(("refresh token", Some(format!("Bearer {}", session["refresh_token"].as_str().unwrap()))));
    for (case, authorization) in cases {
        let mut request = axum::http::Request::get(&path);
        if let Some(value) = &authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let reply = server.send(request.body(axum::body::Body::empty()).unwrap()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{case}: {}", reply.text);
        reply.problem(StatusCode::UNAUTHORIZED);
        assert_eq!(reply.header(header::WWW_AUTHENTICATE), "Bearer", "{case}");
        assert_no_locked_text(&reply.text);
    }
}

#[tokio::test]
async fn locked_html_is_sanitized_again_on_the_way_out() {
    let server = TestServer::start().await;
    // A row written around the sanitizer, as a bad import or a manual edit might.
    let html = r#"<p>Safe words.</p><script>alert(1)</script><img src="x.png" onerror="alert(2)"><a href="javascript:alert(3)">link</a>"#;
    with_pool!(&server.state.db, |pool| {
        sqlx::query("UPDATE sections SET html = $1 WHERE article_id = $2 AND position = 0")
            .bind(html)
            .bind(ARTICLE)
            .execute(pool)
            .await
            .unwrap();
    });
    let session = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let reply = server.locked(&session["access_token"]).await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = reply.json()["sections"][0]["html"].as_str().unwrap().to_owned();
    assert!(html.contains("<p>Safe words.</p>"), "{html}");
    for bad in ["<script", "onerror", "javascript:", "alert"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
}

#[test]
fn the_sanitizer_keeps_article_markup_and_drops_active_content() {
    let clean = paywall_server::sanitize::html(
        r#"<h3>Title</h3><p style="color:red" onclick="x()">Text <strong>bold</strong> <a href="https://example.com/">link</a></p><iframe src="https://evil.example"></iframe><form><input></form>"#,
    );
    assert!(clean.contains("<h3>Title</h3>"));
    assert!(clean.contains("<strong>bold</strong>"));
    assert!(clean.contains(r#"href="https://example.com/""#));
    for bad in ["onclick", "style=", "<iframe", "<form", "<input"] {
        assert!(!clean.contains(bad), "{bad} survived: {clean}");
    }
}

#[tokio::test]
async fn anyone_gets_the_prompt_drawn_in_their_language_with_no_locked_text() {
    let server = TestServer::start().await;
    let path = format!("/v1/articles/{ARTICLE}/prompt?locale=de&subscribe=%2Fabo%3Fvon%3D%22x%22");
    let reply = server.get(&path, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["lang"], "de");
    assert_eq!(body["opens_without_subscription"], false);
    let html = body["html"].as_str().unwrap();
    assert!(html.contains("Dieser Artikel ist für Premium-Abonnenten."), "{html}");
    assert!(html.contains("8,00\u{a0}€ / Monat"), "the demo's offer, priced in German: {html}");
    let unavailable = body["unavailable"].as_str().unwrap();
    assert!(
        unavailable.contains("href=\"/abo?von=&quot;x&quot;\""),
        "the page's subscribe address, escaped: {unavailable}"
    );
    assert!(body["css"].as_str().unwrap().contains(".prompt"));
    assert!(reply.header(header::CACHE_CONTROL).starts_with("public"));
    assert_no_locked_text(&reply.text);
}

#[tokio::test]
async fn the_prompt_of_an_unknown_article_or_with_a_huge_or_scripted_address_is_refused() {
    let server = TestServer::start().await;
    server.get("/v1/articles/no-such-story/prompt", None).await.problem(StatusCode::NOT_FOUND);
    let huge = format!("/v1/articles/{ARTICLE}/prompt?subscribe={}", "a".repeat(3000));
    server.get(&huge, None).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    for scheme in ["javascript:alert(1)", "JavaScript%3Aalert(1)", "data:text/html,x", "%20vbscript:x"] {
        let path = format!("/v1/articles/{ARTICLE}/prompt?subscribe={scheme}");
        server.get(&path, None).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    }
    for fine in ["/subscribe.html", "https%3A%2F%2Fnews.example%2Fjoin", "join?from=x:y", "%23plans"] {
        let path = format!("/v1/articles/{ARTICLE}/prompt?subscribe={fine}");
        assert_eq!(server.get(&path, None).await.status, StatusCode::OK, "{fine}");
    }
}
