//! Paying: checkout at the provider (a stand-in for Stripe on loopback), the return to the
//! article confirmed with or without the webhook, the provider's signed events in any order and
//! more than once, failed payments, cancellation, and every way a webhook or a checkout is
//! refused without writing anything.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::stripe::{SECRET_KEY, StandIn, WEBHOOK_SECRET};
use common::*;
use serde_json::{Value, json};

/// A demo server selling through the stand-in.
async fn selling() -> (TestServer, StandIn) {
    let stripe = StandIn::start().await;
    let url = stripe.url.clone();
    let server = TestServer::start_with(|config| {
        config.stripe.secret_key = Some(SECRET_KEY.into());
        config.stripe.webhook_secrets = vec!["whsec_old_one".into(), WEBHOOK_SECRET.into()];
        config.stripe.api = url;
    })
    .await;
    (server, stripe)
}

/// The demo's monthly offer.
async fn monthly(server: &TestServer) -> i64 {
    let offers = server.get(&format!("/v1/offers?article={ARTICLE}"), None).await.json();
    offers["offers"][0]["id"].as_i64().unwrap()
}

fn page(server: &TestServer) -> String {
    format!("{}/", server.state.public_url)
}

async fn post(server: &TestServer, path: &str, token: Option<&str>, body: Value) -> Reply {
    server.send(request(Method::POST, path, token, Some(&body.to_string()))).await
}

async fn confirm(server: &TestServer, checkout: &str, token: &str) -> Reply {
    let request = Request::get(format!("/v1/checkout/{checkout}"))
        .header("paywall-checkout-token", token)
        .body(Body::empty())
        .unwrap();
    server.send(request).await
}

async fn webhook(server: &TestServer, event: (String, String)) -> Reply {
    server.stripe_event(event).await
}

/// Starts a checkout for a new reader; the started checkout's body.
async fn start_for(server: &TestServer, email: &str) -> Value {
    let body = json!({"offer_id": monthly(server).await, "return_to": format!("{}#top", page(server)), "email": email});
    let started = post(server, "/v1/checkout", None, body).await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);
    started.json()
}

#[tokio::test]
async fn a_new_reader_pays_and_is_back_on_the_article_signed_in_without_waiting_for_the_webhook() {
    let (server, stripe) = selling().await;
    let started = start_for(&server, "New.Reader@example.com").await;
    let (checkout, token) =
        (started["checkout_id"].as_str().unwrap(), started["checkout_token"].as_str().unwrap());
    assert!(started["url"].as_str().unwrap().starts_with("https://checkout.stripe.test/pay/cs_test_"));
    let asked = stripe.checkout_request(0);
    assert_eq!(asked["line_items[0][price]"], "price_demo_monthly");
    assert_eq!(asked["customer_email"], "new.reader@example.com");
    assert_eq!(asked["success_url"], format!("{}#paywall-checkout={{CHECKOUT_SESSION_ID}}", page(&server)));
    assert_eq!(asked["cancel_url"], page(&server));
    assert!(!asked.contains_key("subscription_data[trial_period_days]"));
    assert_not_stored(&server.snapshot().await, token);

    // Back before paying (or while Stripe is still processing): pending.
    assert_eq!(confirm(&server, checkout, token).await.status, StatusCode::ACCEPTED);
    stripe.pay(checkout);
    // Another browser, or a guess, cannot confirm it.
    confirm(&server, checkout, "not-the-token").await.problem(StatusCode::NOT_FOUND);
    let signed_in = confirm(&server, checkout, token).await;
    assert_eq!(signed_in.status, StatusCode::CREATED, "{}", signed_in.text);
    let session = signed_in.json();
    assert_eq!(session["reader"]["email"], "new.reader@example.com");
    let locked = server.locked(&session["access_token"]).await;
    assert_eq!(locked.status, StatusCode::OK, "{}", locked.text);
    // Once only.
    let again = confirm(&server, checkout, token).await.problem(StatusCode::CONFLICT);
    assert_eq!(again["reason"], "checkout_confirmed");

    // The webhook arriving afterwards changes nothing more.
    let before = server.count("subscriptions").await;
    let event = StandIn::event(
        "evt_late",
        "checkout.session.completed",
        json!({"id": checkout, "object": "checkout.session", "subscription": "sub_test_2"}),
    );
    assert_eq!(webhook(&server, event).await.status, StatusCode::OK);
    assert_eq!(server.count("subscriptions").await, before);

    // The subscriber manages the subscription at the provider.
    let portal = post(
        &server,
        "/v1/billing-portal",
        session["access_token"].as_str(),
        json!({"return_to": page(&server)}),
    )
    .await;
    assert_eq!(portal.status, StatusCode::OK, "{}", portal.text);
    assert!(portal.json()["url"].as_str().unwrap().starts_with("https://billing.stripe.test/p/cus_test_"));
}

#[tokio::test]
async fn the_webhook_first_then_the_return_signs_in_without_asking_the_provider_again() {
    let (server, stripe) = selling().await;
    let started = start_for(&server, "early@example.com").await;
    let (checkout, token) =
        (started["checkout_id"].as_str().unwrap(), started["checkout_token"].as_str().unwrap());
    let subscription = stripe.pay(checkout);
    let object = json!({"id": checkout, "object": "checkout.session", "subscription": subscription});
    assert_eq!(
        webhook(&server, StandIn::event("evt_1", "checkout.session.completed", object)).await.status,
        StatusCode::OK
    );
    let calls = stripe.calls();
    let signed_in = confirm(&server, checkout, token).await;
    assert_eq!(signed_in.status, StatusCode::CREATED, "{}", signed_in.text);
    assert_eq!(stripe.calls(), calls, "the webhook had said it all");
    assert_eq!(server.locked(&signed_in.json()["access_token"]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn events_in_any_order_and_twice_leave_the_providers_final_state() {
    let (server, stripe) = selling().await;
    let key = server.admin_key().await;
    let publisher = common::receiver::Receiver::start().await;
    let added =
        server.admin(Method::POST, "/v1/admin/webhooks", &key, Some(json!({"url": publisher.url}))).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text);
    let deliveries = format!("/v1/admin/webhooks/{}/deliveries", added.json()["id"]);
    let started = start_for(&server, "ordered@example.com").await;
    let checkout = started["checkout_id"].as_str().unwrap();
    let subscription = stripe.pay(checkout);
    let object = json!({"id": subscription, "object": "subscription"});
    let status = format!("SELECT status FROM subscriptions WHERE provider_id = '{subscription}'");

    // The provider has moved on to past_due by the time the events arrive, newest first.
    stripe.update(&subscription, |sub| sub["status"] = json!("past_due"));
    webhook(&server, StandIn::event("evt_updated", "customer.subscription.updated", object.clone())).await;
    webhook(&server, StandIn::event("evt_created", "customer.subscription.created", object.clone())).await;
    let invoice = json!({"id": "in_1", "object": "invoice", "subscription": subscription});
    webhook(&server, StandIn::event("evt_failed", "invoice.payment_failed", invoice.clone())).await;
    assert_eq!(server.text(&status).await.as_deref(), Some("past_due"));

    // past_due is a grace period: the reader still reads.
    let reader = server
        .text("SELECT CAST(reader_id AS TEXT) FROM subscriptions WHERE provider_id LIKE 'sub_test_%'")
        .await
        .unwrap();
    let reader_id: i64 = reader.parse().unwrap();
    let count = server.count("subscriptions").await;
    // The same event again: nothing is written.
    let snapshot = server.snapshot().await;
    assert_eq!(
        webhook(&server, StandIn::event("evt_failed", "invoice.payment_failed", invoice.clone()))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(server.snapshot().await, snapshot);
    assert_eq!(server.count("subscriptions").await, count);
    assert!(opens(&server, reader_id).await, "past_due keeps access while the provider retries");

    // Payments stop being retried: unpaid closes the tier; paid again opens it.
    stripe.update(&subscription, |sub| sub["status"] = json!("unpaid"));
    webhook(&server, StandIn::event("evt_unpaid", "customer.subscription.updated", object.clone())).await;
    assert!(!opens(&server, reader_id).await);
    stripe.update(&subscription, |sub| sub["status"] = json!("active"));
    webhook(&server, StandIn::event("evt_paid", "invoice.paid", invoice)).await;
    assert!(opens(&server, reader_id).await);

    // Cancelled at period end: open until the period ends, then closed.
    stripe.update(&subscription, |sub| sub["cancel_at_period_end"] = json!(true));
    webhook(&server, StandIn::event("evt_cancel", "customer.subscription.updated", object.clone())).await;
    assert!(opens(&server, reader_id).await);
    // The period ends (the provider's clock, injected): Stripe ends it and says so.
    stripe.update(&subscription, |sub| {
        sub["status"] = json!("canceled");
        sub["current_period_end"] = json!(paywall_server::time::now() - 1);
    });
    webhook(&server, StandIn::event("evt_deleted", "customer.subscription.deleted", object)).await;
    assert!(!opens(&server, reader_id).await);

    // The publisher's systems were told of each change once, whatever the provider repeated.
    let client = paywall_server::publishing::webhooks::client();
    paywall_server::publishing::webhooks::deliver_due(&server.state.db, &client, paywall_server::time::now())
        .await
        .unwrap();
    assert_eq!(publisher.got().len(), 6);
    // In the order they happened (deliveries may overtake one another).
    let listed = server.admin(Method::GET, &deliveries, &key, None).await.json();
    let told: Vec<Value> = listed["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|delivery| serde_json::from_str(delivery["payload"].as_str().unwrap()).unwrap())
        .collect();
    let types: Vec<&str> = told.iter().map(|event| event["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "reader.created",
            "subscription.created",
            "subscription.canceled",
            "subscription.updated",
            "subscription.updated",
            "subscription.canceled"
        ]
    );
    assert_eq!(told[0]["data"]["reader"]["email"], "ordered@example.com");
    let states: Vec<(&Value, &Value)> = told[1..]
        .iter()
        .map(|event| {
            (&event["data"]["subscription"]["status"], &event["data"]["subscription"]["cancel_at_period_end"])
        })
        .collect();
    assert_eq!(
        states,
        [
            (&json!("past_due"), &json!(false)),
            (&json!("unpaid"), &json!(false)),
            (&json!("active"), &json!(false)),
            (&json!("active"), &json!(true)),
            (&json!("canceled"), &json!(true)),
        ]
    );
}

/// Whether the reader's subscriptions open the demo article's tier now.
async fn opens(server: &TestServer, reader_id: i64) -> bool {
    use paywall_server::access::entitlement::{Asker, Decision, Question, decide};
    let question = Question { tier: "premium", asker: Asker::Reader(reader_id), read: None };
    let answer = decide(&server.state.db, question).await.unwrap();
    matches!(answer.decision, Decision::Granted(_))
}

#[tokio::test]
async fn forged_stale_and_malformed_webhooks_are_refused_and_write_nothing() {
    let (server, stripe) = selling().await;
    let started = start_for(&server, "victim@example.com").await;
    let subscription = stripe.pay(started["checkout_id"].as_str().unwrap());
    let object = json!({"id": subscription, "object": "subscription"});
    let before = server.snapshot().await;
    let now = paywall_server::time::now();
    let forged =
        StandIn::event_at("evt_forged", "customer.subscription.created", object.clone(), now, "whsec_guess");
    let stale = StandIn::event_at(
        "evt_stale",
        "customer.subscription.created",
        object.clone(),
        now - 301,
        WEBHOOK_SECRET,
    );
    let future = StandIn::event_at(
        "evt_future",
        "customer.subscription.created",
        object.clone(),
        now + 301,
        WEBHOOK_SECRET,
    );
    let (body, signature) = StandIn::event("evt_tampered", "customer.subscription.created", object.clone());
    let tampered = (body.replace("evt_tampered", "evt_tampere2"), signature.clone());
    for (what, event) in [
        ("forged", forged),
        ("stale", stale),
        ("future", future),
        ("tampered", tampered),
        ("unsigned", (body.clone(), String::new())),
        ("not JSON", ("{".into(), paywall_server::money::stripe_events::sign(b"{", WEBHOOK_SECRET, now))),
    ] {
        let reply = webhook(&server, event).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {}", reply.text);
        assert_eq!(reply.header(header::CONTENT_TYPE), "application/problem+json");
    }
    assert_eq!(server.snapshot().await, before, "a refused webhook wrote something");

    // The old secret, still configured while it is rolled, is accepted; an unknown event
    // changes nothing but is remembered.
    let rolled =
        StandIn::event_at("evt_rolled", "customer.subscription.created", object, now, "whsec_old_one");
    assert_eq!(webhook(&server, rolled).await.status, StatusCode::OK);
    let unknown =
        StandIn::event("evt_other", "product.created", json!({"id": "prod_1", "object": "product"}));
    let snapshot = server.count("subscriptions").await;
    assert_eq!(webhook(&server, unknown).await.status, StatusCode::OK);
    assert_eq!(server.count("subscriptions").await, snapshot);
    assert_eq!(server.count_where("provider_events", "id = 'evt_other'").await, 1);
}

#[tokio::test]
async fn checkouts_that_cannot_be_sold_are_refused_before_the_provider_is_asked() {
    let (server, stripe) = selling().await;
    let offer = monthly(&server).await;
    let back = page(&server);
    let subscriber = server.sign_in(SUBSCRIBER, PASSWORD).await;
    let held = post(
        &server,
        "/v1/checkout",
        subscriber["access_token"].as_str(),
        json!({"offer_id": offer, "return_to": back}),
    )
    .await;
    assert_eq!(held.problem(StatusCode::CONFLICT)["reason"], "already_subscribed");
    let taken =
        post(&server, "/v1/checkout", None, json!({"offer_id": offer, "return_to": back, "email": READER}))
            .await;
    assert_eq!(taken.problem(StatusCode::CONFLICT)["reason"], "account_exists");
    post(&server, "/v1/checkout", None, json!({"offer_id": offer, "return_to": back}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    let elsewhere =
        json!({"offer_id": offer, "return_to": "https://evil.example/", "email": "a@example.com"});
    post(&server, "/v1/checkout", None, elsewhere).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let none = post(
        &server,
        "/v1/checkout",
        None,
        json!({"offer_id": 9999, "return_to": back, "email": "a@example.com"}),
    )
    .await;
    assert_eq!(none.problem(StatusCode::CONFLICT)["reason"], "offer_unavailable");
    server.exec("UPDATE offers SET active = FALSE").await;
    let inactive = post(
        &server,
        "/v1/checkout",
        None,
        json!({"offer_id": offer, "return_to": back, "email": "a@example.com"}),
    )
    .await;
    assert_eq!(inactive.problem(StatusCode::CONFLICT)["reason"], "offer_unavailable");
    assert_eq!(stripe.calls(), 0, "the provider was asked");
    assert_eq!(server.count("checkouts").await, 0);

    // A reader without a paid subscription has nothing to manage.
    let reader = server.sign_in(READER, PASSWORD).await;
    post(&server, "/v1/billing-portal", reader["access_token"].as_str(), json!({"return_to": back}))
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_stripe_keys_or_demo_mode_selling_is_not_set_up() {
    let server = TestServer::start_with(|config| config.demo.on = false).await;
    let reply = post(
        &server,
        "/v1/checkout",
        None,
        json!({"offer_id": 1, "return_to": page(&server), "email": "a@example.com"}),
    )
    .await;
    reply.problem(StatusCode::SERVICE_UNAVAILABLE);
    let (body, signature) = StandIn::event("evt_1", "invoice.paid", json!({}));
    webhook(&server, (body, signature)).await.problem(StatusCode::SERVICE_UNAVAILABLE);
}

/// A form post, as the demo's pages send.
async fn form(server: &TestServer, path: &str, body: &str) -> Reply {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    server.send(request).await
}

#[tokio::test]
async fn the_demo_sells_through_its_own_checkout_page_and_billing_portal() {
    let server = TestServer::start().await;
    let started = start_for(&server, "demo-buyer@example.com").await;
    let (checkout, token) =
        (started["checkout_id"].as_str().unwrap(), started["checkout_token"].as_str().unwrap());
    let url = started["url"].as_str().unwrap();
    let path = url.strip_prefix(&*server.state.public_url).expect("the demo's checkout is on this server");
    let shown = server.get(path, None).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.text.contains("No card, no money") && shown.text.contains("€8.00 / month"),
        "{}",
        shown.text
    );
    assert_eq!(confirm(&server, checkout, token).await.status, StatusCode::ACCEPTED);

    let paid = form(&server, &format!("{path}/pay"), "").await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    assert_eq!(paid.header(header::LOCATION), format!("{}#paywall-checkout={checkout}", page(&server)));
    // Paid once: the page is gone, and paying again does nothing.
    server.get(path, None).await.problem(StatusCode::NOT_FOUND);
    let signed_in = confirm(&server, checkout, token).await;
    assert_eq!(signed_in.status, StatusCode::CREATED, "{}", signed_in.text);
    let access = signed_in.json()["access_token"].clone();
    assert_eq!(server.locked(&access).await.status, StatusCode::OK);

    let portal = post(&server, "/v1/billing-portal", access.as_str(), json!({"return_to": page(&server)}))
        .await
        .json();
    let portal = portal["url"].as_str().unwrap().strip_prefix(&*server.state.public_url).unwrap().to_owned();
    assert!(server.get(&portal, None).await.text.contains("Renews on"));
    let subscription = server
        .text("SELECT provider_id FROM subscriptions WHERE provider_id LIKE 'sub_demo_%'")
        .await
        .unwrap();
    let cancelled = form(&server, &portal, &format!("subscription={subscription}&action=cancel")).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    assert!(server.get(&portal, None).await.text.contains("you keep reading until"));
    assert_eq!(
        server.locked(&access).await.status,
        StatusCode::OK,
        "cancelled at period end: open until then"
    );
    form(&server, &portal, &format!("subscription={subscription}&action=end")).await;
    assert_eq!(server.locked(&access).await.status, StatusCode::FORBIDDEN);
    assert!(server.count_where("provider_events", "id LIKE 'evt_demo_%'").await >= 4);
}

#[tokio::test]
async fn outside_demo_mode_there_are_no_demo_payment_pages() {
    let server = TestServer::start_with(|config| config.demo.on = false).await;
    server.get("/demo/checkout/cs_demo_x", None).await.problem(StatusCode::NOT_FOUND);
    server.get("/demo/billing/x", None).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_publishers_numbers_count_what_was_sold_given_and_ended_and_where() {
    let (server, stripe) = selling().await;
    let key = server.admin_key().await;
    let stats = || server.get("/v1/admin/stats", Some(&key));

    let body = json!({"offer_id": monthly(&server).await, "return_to": page(&server), "email": "counted@example.com",
                      "article_id": ARTICLE});
    let started = post(&server, "/v1/checkout", None, body).await.json();
    let checkout = started["checkout_id"].as_str().unwrap();
    let subscription = stripe.pay(checkout);
    // The subscription's event first, then the checkout's: the article still comes through.
    webhook(
        &server,
        StandIn::event(
            "evt_s1",
            "customer.subscription.created",
            json!({"id": subscription, "object": "subscription"}),
        ),
    )
    .await;
    webhook(
        &server,
        StandIn::event(
            "evt_s2",
            "checkout.session.completed",
            json!({"id": checkout, "object": "checkout.session", "subscription": subscription}),
        ),
    )
    .await;
    let reader =
        server.text("SELECT CAST(id AS TEXT) FROM readers WHERE email = 'reader@example.com'").await.unwrap();
    let grant = json!({"tier": "premium", "days": 7});
    let given = server
        .send(request(
            Method::POST,
            &format!("/v1/admin/readers/{reader}/subscriptions"),
            Some(&key),
            Some(&grant.to_string()),
        ))
        .await;
    assert_eq!(given.status, StatusCode::CREATED);
    let ended = server
        .send(request(
            Method::POST,
            &format!("/v1/admin/subscriptions/{}/end", given.json()["id"]),
            Some(&key),
            None,
        ))
        .await;
    assert_eq!(ended.status, StatusCode::OK);

    let numbers = stats().await.json();
    assert_eq!(numbers["monthly_recurring_revenue"], json!([{"currency": "eur", "amount": 800}]));
    let days = numbers["revenue_by_day"].as_array().unwrap();
    assert_eq!(days.len(), 30, "{numbers}");
    assert_eq!((&days[29]["amount"], &days[28]["amount"]), (&json!(800), &json!(0)), "{numbers}");
    assert_eq!(numbers["articles"], json!([{"article_id": ARTICLE, "started": 1}]));
    let today = &numbers["days"][numbers["days"].as_array().unwrap().len() - 1];
    assert_eq!((today["started"].as_i64(), today["ended"].as_i64()), (Some(2), Some(1)), "{numbers}");
    let premium: i64 = numbers["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["tier"] == "premium" && row["status"] == "active")
        .map(|row| row["count"].as_i64().unwrap())
        .sum();
    assert_eq!(premium, 2, "the demo subscriber and the new one: {numbers}");

    // A failed renewal past its retries: no longer revenue, and ended.
    stripe.update(&subscription, |sub| sub["status"] = json!("unpaid"));
    webhook(
        &server,
        StandIn::event(
            "evt_s3",
            "customer.subscription.updated",
            json!({"id": subscription, "object": "subscription"}),
        ),
    )
    .await;
    let numbers = stats().await.json();
    assert_eq!(numbers["monthly_recurring_revenue"], json!([]));
    assert_eq!(numbers["revenue_by_day"][29]["amount"], 0, "{numbers}");
    assert_eq!(numbers["days"][numbers["days"].as_array().unwrap().len() - 1]["ended"], 2);
    server.get("/v1/admin/stats?days=0", Some(&key)).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    server.get("/v1/admin/stats", None).await.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn paying_with_an_address_that_gets_an_account_meanwhile_is_no_way_into_it() {
    let (server, stripe) = selling().await;
    // The attacker starts a checkout for an address nobody has yet.
    let started = start_for(&server, "victim@example.com").await;
    let (checkout, token) =
        (started["checkout_id"].as_str().unwrap(), started["checkout_token"].as_str().unwrap());
    // The address's owner signs up (with an emailed code) before the attacker pays.
    let victim =
        paywall_server::store::readers::proven_owner(&server.state.db, "victim@example.com").await.unwrap();
    stripe.pay(checkout);
    let refused = confirm(&server, checkout, token).await.problem(StatusCode::CONFLICT);
    assert_eq!(refused["reason"], "account_exists");
    assert_eq!(
        server.count_where("sessions", &format!("reader_id = {victim}")).await,
        0,
        "no session for the payer"
    );
    assert_eq!(
        server.text(&format!("SELECT customer_id FROM readers WHERE id = {victim}")).await,
        None,
        "the payer's customer is not the owner's"
    );
    // The owner got what was paid for, on their own sign-in.
    assert_eq!(
        server
            .count_where("subscriptions", &format!("reader_id = {victim} AND provider_id IS NOT NULL"))
            .await,
        1
    );
}

#[tokio::test]
async fn two_events_about_one_subscription_at_once_tell_the_publisher_once() {
    use paywall_protocol::admin::SubscriptionStatus;
    use paywall_server::money::ProviderSubscription;
    use paywall_server::store::payments;
    let (server, _stripe) = selling().await;
    let key = server.admin_key().await;
    let publisher = common::receiver::Receiver::start().await;
    server.admin(Method::POST, "/v1/admin/webhooks", &key, Some(json!({"url": publisher.url}))).await;
    for n in 0..8 {
        let subscription = ProviderSubscription {
            id: format!("sub_race_{n}"),
            customer: format!("cus_race_{n}"),
            status: SubscriptionStatus::Active,
            current_period_end: paywall_server::time::now() + 30 * 86_400,
            cancel_at_period_end: false,
            price: Some("price_demo_monthly".into()),
            offer_id: None,
            email: Some(format!("race-{n}@example.com")),
        };
        // A reader who is the provider's customer already (the events go straight to the
        // subscription, with nothing else to wait on).
        server
            .exec(&format!(
                "INSERT INTO readers (email, created_at, customer_id, email_verified)
                 VALUES ('race-{n}@example.com', 0, 'cus_race_{n}', TRUE)"
            ))
            .await;
        let (first, second) = (format!("evt_race_{n}_a"), format!("evt_race_{n}_b"));
        let (a, b) = tokio::join!(
            payments::apply(
                &server.state.db,
                Some((&first, "customer.subscription.created")),
                &subscription,
                None
            ),
            payments::apply(&server.state.db, Some((&second, "invoice.paid")), &subscription, None),
        );
        a.unwrap();
        b.unwrap();
    }
    let server = &server;
    let told = |kind: &'static str| async move {
        server.count_where("webhook_messages", &format!("type = '{kind}'")).await
    };
    assert_eq!((told("subscription.created").await, told("subscription.updated").await), (8, 0));
    assert_eq!(server.count_where("subscriptions", "provider_id LIKE 'sub_race_%'").await, 8);
}
