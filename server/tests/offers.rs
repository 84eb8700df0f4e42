//! Offers: what the prompt sells for an article, set by the publisher through the admin API.

mod common;

use axum::http::{Method, StatusCode, header};
use common::*;
use serde_json::{Value, json};

fn offer(tier: &str, name: &str, amount: i64, position: i64) -> Value {
    json!({"tier": tier, "name": name, "amount": amount, "currency": "EUR", "interval": "month",
           "provider_price": format!("price_{name}"), "position": position})
}

fn names(reply: &Reply) -> Vec<String> {
    reply.json()["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|offer| offer["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_article_offers_what_opens_it_in_the_publishers_order_and_at_most_three() {
    let server = TestServer::start().await;
    let demo = server.get(&format!("/v1/offers?article={ARTICLE}"), None).await;
    assert_eq!(demo.status, StatusCode::OK);
    assert_eq!(demo.header(header::CACHE_CONTROL), "public, max-age=60");
    let offers = demo.json();
    assert_eq!(names(&demo), ["Monthly", "Yearly"]);
    assert_eq!(offers["offers"][0]["amount"], 800);
    assert_eq!(
        (offers["offers"][1]["interval"].as_str(), offers["offers"][1]["trial_days"].as_i64()),
        (Some("year"), Some(14))
    );
    assert!(
        offers["offers"][0].get("provider_price").is_none(),
        "the provider's price is the publisher's business"
    );

    let key = server.admin_key().await;
    let put = json!({"title": "Standard story", "tier": "subscriber", "sections": [{"title": "One", "html": "<p>1</p>"}]});
    server.admin(Method::PUT, "/v1/admin/articles/standard-story", &key, Some(put)).await;
    let added = server
        .admin(Method::POST, "/v1/admin/offers", &key, Some(offer("subscriber", "Standard", 400, -1)))
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    assert_eq!(added.json()["currency"], "eur");
    // A standard offer opens standard stories, not premium ones; premium offers open both.
    assert_eq!(
        names(&server.get("/v1/offers?article=standard-story", None).await),
        ["Standard", "Monthly", "Yearly"]
    );
    assert_eq!(
        names(&server.get(&format!("/v1/offers?article={ARTICLE}"), None).await),
        ["Monthly", "Yearly"]
    );

    // A fourth is not shown; an inactive one is not either.
    server.admin(Method::POST, "/v1/admin/offers", &key, Some(offer("premium", "Weekly", 300, 5))).await;
    assert_eq!(names(&server.get("/v1/offers?article=standard-story", None).await).len(), 3);
    let id = added.json()["id"].as_i64().unwrap();
    let mut inactive = offer("subscriber", "Standard", 400, -1);
    inactive["active"] = json!(false);
    let updated = server.admin(Method::PUT, &format!("/v1/admin/offers/{id}"), &key, Some(inactive)).await;
    assert_eq!(updated.json()["active"], false);
    assert_eq!(
        names(&server.get("/v1/offers?article=standard-story", None).await),
        ["Monthly", "Yearly", "Weekly"]
    );
    let all = server.admin(Method::GET, "/v1/admin/offers", &key, None).await.json();
    assert_eq!(all["offers"].as_array().unwrap().len(), 4);
    let log = server.count_where("audit_log", "action IN ('offer.create', 'offer.update')").await;
    assert_eq!(log, 3);
}

#[tokio::test]
async fn bad_offers_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    server.admin(Method::GET, "/v1/admin/offers", &key, None).await;
    let before = server.snapshot().await;
    let mut euro = offer("premium", "Monthly", 800, 0);
    euro["currency"] = json!("euro");
    let mut weekly = offer("premium", "Weekly", 800, 0);
    weekly["interval"] = json!("week");
    for (bad, status) in [
        (offer("gold", "Gold", 800, 0), StatusCode::UNPROCESSABLE_ENTITY),
        (offer("registered", "Free?", 0, 0), StatusCode::UNPROCESSABLE_ENTITY),
        (offer("premium", "Negative", -1, 0), StatusCode::UNPROCESSABLE_ENTITY),
        (offer("premium", " ", 800, 0), StatusCode::UNPROCESSABLE_ENTITY),
        (euro, StatusCode::UNPROCESSABLE_ENTITY),
        (weekly, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        server.admin(Method::POST, "/v1/admin/offers", &key, Some(bad)).await.problem(status);
    }
    server
        .admin(Method::PUT, "/v1/admin/offers/9999", &key, Some(offer("premium", "M", 1, 0)))
        .await
        .problem(StatusCode::NOT_FOUND);
    server.admin(Method::GET, "/v1/admin/offers/9999", &key, None).await.problem(StatusCode::NOT_FOUND);
    server
        .admin(Method::POST, "/v1/admin/offers", "", Some(offer("premium", "M", 1, 0)))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(server.snapshot().await, before);
    server.get("/v1/offers?article=nothing-here", None).await.problem(StatusCode::NOT_FOUND);
    server.get("/v1/offers", None).await.problem(StatusCode::BAD_REQUEST);
}
