//! Gift links: a subscriber makes one for an article; it opens that article, and only that,
//! in as many browsers as it may, until it expires or the subscriber withdraws it.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};

/// `GET /v1/articles/{article}/locked` from a browser with this visitor id (or none), perhaps
/// a reader's token, and a gift token.
async fn open(
    server: &TestServer,
    article: &str,
    visitor: Option<&str>,
    bearer: Option<&str>,
    gift: &str,
) -> Reply {
    let mut builder =
        Request::builder().uri(format!("/v1/articles/{article}/locked")).header("paywall-gift", gift);
    if let Some(visitor) = visitor {
        builder = builder.header("paywall-visitor", visitor);
    }
    if let Some(bearer) = bearer {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    }
    let mut request = builder.body(Body::empty()).unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 50], 1000))));
    server.send(request).await
}

async fn make_gift(server: &TestServer, token: &str, article: &str) -> Reply {
    let page = format!("{}/stories/night-trains#top", server.state.public_url);
    let body = json!({ "article_id": article, "page": page });
    let request = request(Method::POST, "/v1/gifts", Some(token), Some(&body.to_string()));
    server.send(request).await
}

fn token_of(gift: &Value) -> String {
    let url = gift["url"].as_str().unwrap();
    assert!(url.contains("/stories/night-trains#paywall-gift="), "{url}");
    url.rsplit_once('=').unwrap().1.to_owned()
}

async fn server_with_second_article() -> (TestServer, String) {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    let article = json!({
        "title": "Another story",
        "tier": "premium",
        "sections": [{ "title": "Inside", "html": "<p>The other story's locked words.</p>" }],
    });
    let reply = server.admin(Method::PUT, "/v1/admin/articles/another", &key, Some(article)).await;
    assert!(reply.status.is_success(), "{}", reply.text);
    (server, key)
}

#[tokio::test]
async fn a_gift_opens_its_article_in_its_browsers_and_nothing_else() {
    let (server, key) = server_with_second_article().await;
    let policy = json!({ "monthly_allowance": 10, "days": 14, "reach": 2 });
    assert_eq!(
        server.admin(Method::PUT, "/v1/admin/gift-policy", &key, Some(policy)).await.status,
        StatusCode::OK
    );
    let subscriber = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let made = make_gift(&server, subscriber["access_token"].as_str().unwrap(), ARTICLE).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let gift = made.json();
    let token = token_of(&gift);
    let listed = server.get("/v1/gifts", subscriber["access_token"].as_str()).await.json();
    assert_eq!(listed["gifts"][0]["id"], gift["id"]);
    assert_eq!(
        (listed["gifts"][0]["reach"].as_u64(), listed["gifts"][0]["opened"].as_u64()),
        (Some(2), Some(0))
    );
    assert!(listed["gifts"][0].get("url").is_none(), "the link is told once");
    assert_not_stored(&server.snapshot().await, &token);

    // A browser without an account opens it, is given an id, and opens it again with it.
    let first = open(&server, ARTICLE, None, None, &token).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json()["grant_reason"], "gift");
    assert_eq!(first.header(header::CACHE_CONTROL), "private, no-store");
    let browser = first.header(header::HeaderName::from_static("paywall-visitor")).to_owned();
    assert!(!browser.is_empty());
    assert_eq!(open(&server, ARTICLE, Some(&browser), None, &token).await.status, StatusCode::OK);
    // It opens nothing of another article, and a made-up token opens nothing.
    let before = server.snapshot().await;
    for (article, gift) in [("another", token.as_str()), (ARTICLE, "not-a-gift")] {
        let reply = open(&server, article, Some(&browser), None, gift).await;
        assert_eq!(reply.problem(StatusCode::FORBIDDEN)["reason"], "gift_unavailable", "{article}");
        assert!(!reply.text.contains("locked words"));
        assert_no_locked_text(&reply.text);
    }
    assert_eq!(server.snapshot().await, before, "a refused gift writes nothing");
    // A signed-in reader without a subscription is a browser of their own.
    let reader = server.sign_in(READER, PASSWORD).await;
    let second = open(&server, ARTICLE, None, reader["access_token"].as_str(), &token).await;
    assert_eq!(second.json()["grant_reason"], "gift");
    // Two browsers is its reach: a third is refused; the first two still read.
    let third = open(&server, ARTICLE, None, None, &token).await;
    assert_eq!(third.problem(StatusCode::FORBIDDEN)["reason"], "gift_unavailable");
    assert_eq!(open(&server, ARTICLE, Some(&browser), None, &token).await.status, StatusCode::OK);
    // The subscriber sees it opened twice, withdraws it, and it opens nothing more.
    let listed = server.get("/v1/gifts", subscriber["access_token"].as_str()).await.json();
    assert_eq!(
        (listed["gifts"][0]["opened"].as_u64(), listed["left_this_month"].as_u64()),
        (Some(2), Some(9))
    );
    let path = format!("/v1/gifts/{}", gift["id"]);
    assert_eq!(
        server.delete(&path, reader["access_token"].as_str()).await.status,
        StatusCode::NOT_FOUND,
        "not theirs"
    );
    assert_eq!(
        server.delete(&path, subscriber["access_token"].as_str()).await.status,
        StatusCode::NO_CONTENT
    );
    let revoked = open(&server, ARTICLE, Some(&browser), None, &token).await;
    assert_eq!(revoked.problem(StatusCode::FORBIDDEN)["reason"], "gift_unavailable");
    assert_no_locked_text(&revoked.text);

    // An expired link opens nothing either (its expiry moved into the past, as time would).
    let another =
        token_of(&make_gift(&server, subscriber["access_token"].as_str().unwrap(), ARTICLE).await.json());
    assert_eq!(open(&server, ARTICLE, Some(&browser), None, &another).await.status, StatusCode::OK);
    server.exec("UPDATE gifts SET expires_at = 1").await;
    let expired = open(&server, ARTICLE, Some(&browser), None, &another).await;
    assert_eq!(expired.problem(StatusCode::FORBIDDEN)["reason"], "gift_unavailable");

    let stats = server.admin(Method::GET, "/v1/admin/stats", &key, None).await.json();
    assert_eq!((stats["gifts_made"].as_u64(), stats["gift_opens"].as_u64()), (Some(2), Some(3)));
    // The publisher sees them on the subscriber's page, and the funnel counted each browser.
    let reader = server
        .text("SELECT CAST(id AS TEXT) FROM readers WHERE email = 'subscriber@example.com'")
        .await
        .unwrap();
    let detail = server.admin(Method::GET, &format!("/v1/admin/readers/{reader}"), &key, None).await.json();
    let gifts: Vec<(bool, u64)> = detail["gifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|gift| (gift["revoked"].as_bool().unwrap(), gift["opened"].as_u64().unwrap()))
        .collect();
    assert_eq!(gifts.len(), 2, "{detail}");
    let funnel = server.admin(Method::GET, "/v1/admin/funnel", &key, None).await.json();
    assert_eq!(funnel["articles"][0]["gift_opened"], 3, "{funnel}");
}

#[tokio::test]
async fn only_a_subscriber_gives_and_only_as_many_as_the_month_allows() {
    let (server, key) = server_with_second_article().await;
    let policy = json!({ "monthly_allowance": 2, "days": 14, "reach": 20 });
    assert_eq!(
        server.admin(Method::PUT, "/v1/admin/gift-policy", &key, Some(policy)).await.status,
        StatusCode::OK
    );
    let subscriber = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let token = subscriber["access_token"].as_str().unwrap();
    for _ in 0..2 {
        assert_eq!(make_gift(&server, token, ARTICLE).await.status, StatusCode::CREATED);
    }
    let reader = server.sign_in(READER, PASSWORD).await;
    let before = server.snapshot().await;
    let spent = make_gift(&server, token, ARTICLE).await;
    assert_eq!(spent.problem(StatusCode::TOO_MANY_REQUESTS)["reason"], "gift_allowance_spent");
    let refused = make_gift(&server, reader["access_token"].as_str().unwrap(), ARTICLE).await;
    assert_eq!(refused.problem(StatusCode::FORBIDDEN)["reason"], "no_subscription");
    assert_eq!(make_gift(&server, token, "no-such-story").await.status, StatusCode::NOT_FOUND);
    let elsewhere = json!({ "article_id": ARTICLE, "page": "https://evil.example/story" }).to_string();
    let reply = server.send(request(Method::POST, "/v1/gifts", Some(token), Some(&elsewhere))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
    assert_eq!(
        server
            .post_json(
                "/v1/gifts",
                &json!({ "article_id": ARTICLE, "page": "http://127.0.0.1/" }).to_string()
            )
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    for bad in [
        json!({ "monthly_allowance": 10, "days": 0, "reach": 20 }),
        json!({ "monthly_allowance": 10, "days": 14, "reach": 0 }),
        json!({ "monthly_allowance": 1001, "days": 14, "reach": 20 }),
        json!({ "monthly_allowance": "ten", "days": 14, "reach": 20 }),
    ] {
        let reply = server.admin(Method::PUT, "/v1/admin/gift-policy", &key, Some(bad.clone())).await;
        assert!(reply.status.is_client_error(), "{bad}: {}", reply.text);
    }
    assert_eq!(server.snapshot().await, before, "refusals write nothing");
    assert_eq!(server.get("/v1/gifts", Some(token)).await.json()["left_this_month"], 0);
}
