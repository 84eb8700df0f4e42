//! The server's Stripe client and webhook checks against localstripe, a stateful Stripe
//! emulator from PyPI that signs its webhooks as Stripe does: a subscription made at "Stripe"
//! reaches the server only through localstripe's own signed events and the server's own calls
//! back to it, then is cancelled at period end and ended there. `cargo xtask test` starts the
//! emulator and names it in `PAYWALL_TEST_LOCALSTRIPE`; plain `cargo test` leaves this test
//! out, and run without the emulator (`--include-ignored`) it fails.

mod common;

use std::time::Duration;

use common::process::ServerProcess;
use common::*;
use serde_json::Value;

const SECRET_KEY: &str = "sk_test_localstripe";
const WEBHOOK_SECRET: &str = "whsec_localstripe_paywall";

/// localstripe's API, as a Stripe client calls it.
struct Emulator {
    http: reqwest::Client,
    url: String,
}

impl Emulator {
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .basic_auth(SECRET_KEY, Some(""))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {text}");
        // The emulator's own settings answer with no JSON.
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn delete(&self, path: &str) -> Value {
        let response = self
            .http
            .delete(format!("{}{path}", self.url))
            .basic_auth(SECRET_KEY, Some(""))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "DELETE {path}: {}", response.status());
        response.json().await.unwrap()
    }
}

fn id(object: &Value) -> String {
    object["id"].as_str().unwrap_or_else(|| panic!("no id in {object}")).to_owned()
}

/// Waits up to 10 s for `sql` (one text value) to answer `expected`.
async fn eventually(db: &paywall_server::store::Db, sql: &str, expected: &str) {
    let mut last = None;
    for _ in 0..200 {
        last =
            with_pool!(db, |pool| sqlx::query_scalar::<_, String>(sql).fetch_optional(pool).await.unwrap());
        if last.as_deref() == Some(expected) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{sql} answered {last:?}, not {expected:?}");
}

#[test]
#[ignore = "needs the Stripe emulator in PAYWALL_TEST_LOCALSTRIPE (cargo xtask test starts localstripe)"]
fn a_subscription_made_at_the_emulator_reaches_the_server_through_its_signed_events() {
    let url = std::env::var("PAYWALL_TEST_LOCALSTRIPE").expect(
        "the Stripe emulator's address in PAYWALL_TEST_LOCALSTRIPE (cargo xtask test starts localstripe)",
    );
    let server = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_STRIPE_SECRET_KEY", SECRET_KEY),
        ("PAYWALL_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("PAYWALL_STRIPE_API", &url),
    ]);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let stripe = Emulator { http: reqwest::Client::new(), url };
        let db = database_of(&server.dir.path().join("data")).await;

        // The publisher's product and price at Stripe, and the demo's monthly offer selling it.
        let product = stripe.post("/v1/products", &[("name", "The Standard"), ("type", "service")]).await;
        let plan = stripe
            .post(
                "/v1/plans",
                &[("product", &id(&product)), ("amount", "800"), ("currency", "eur"), ("interval", "month")],
            )
            .await;
        let plan = id(&plan);
        let offer: i64 = with_pool!(&db, |pool| sqlx::query_scalar("SELECT id FROM offers ORDER BY position, id LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap());
        exec(&db, &format!("UPDATE offers SET provider_price = '{plan}' WHERE id = {offer}")).await;

        // Stripe's webhook endpoint pointed at this server, with its signing secret.
        let endpoint = format!("http://{}/v1/webhooks/stripe", server.addr);
        let name = format!("/_config/webhooks/paywall_{}", server.addr.port());
        stripe.post(&name, &[("url", &endpoint), ("secret", WEBHOOK_SECRET)]).await;

        // A reader subscribes at Stripe (a card, a customer, a subscription to the offer's plan).
        let card = stripe
            .post(
                "/v1/tokens",
                &[
                    ("card[number]", "4242424242424242"),
                    ("card[exp_month]", "12"),
                    ("card[exp_year]", "2040"),
                    ("card[cvc]", "123"),
                ],
            )
            .await;
        let customer =
            stripe.post("/v1/customers", &[("email", "emulated@example.com"), ("source", &id(&card))]).await;
        let customer = id(&customer);
        // Only the email is carried; the price charged (the emulator's item names it as a plan,
        // as older API versions do) decides the offer and so the tier.
        let subscription = stripe
            .post(
                "/v1/subscriptions",
                &[
                    ("customer", &customer),
                    ("items[0][plan]", &plan),
                    ("metadata[paywall_email]", "emulated@example.com"),
                ],
            )
            .await;
        assert_eq!(subscription["status"], "active");
        let subscription = id(&subscription);
        let row = |column: &str| {
            format!("SELECT CAST({column} AS TEXT) FROM subscriptions WHERE provider_id = '{subscription}'")
        };

        // Its events reach the server, which asks the emulator for the subscription and stores
        // it for a reader made from the email, who is the emulator's customer.
        eventually(&db, &row("status"), "active").await;
        let tier: Option<String> = with_pool!(&db, |pool| sqlx::query_scalar(
            "SELECT tier FROM offers WHERE id = $1"
        )
        .bind(offer)
        .fetch_optional(pool)
        .await
        .unwrap());
        eventually(&db, &row("tier"), tier.as_deref().unwrap()).await;
        let reader = format!(
            "SELECT customer_id FROM readers WHERE id = (SELECT reader_id FROM subscriptions WHERE provider_id = '{subscription}')"
        );
        eventually(&db, &reader, &customer).await;
        let email = "SELECT email FROM readers WHERE customer_id IS NOT NULL AND email = 'emulated@example.com'";
        eventually(&db, email, "emulated@example.com").await;

        // Cancelled at period end: still open, marked to end. The emulator sends no event for
        // an update, so the test sends Stripe's, signed as Stripe signs; the server reads the
        // change from the emulator.
        stripe.post(&format!("/v1/subscriptions/{subscription}"), &[("cancel_at_period_end", "true")]).await;
        let event = serde_json::json!({
            "id": format!("evt_updated_{}", server.addr.port()),
            "object": "event",
            "type": "customer.subscription.updated",
            "data": {"object": {"id": subscription, "object": "subscription"}},
        })
        .to_string();
        let now = paywall_server::time::now();
        let signature = paywall_server::money::stripe_events::sign(event.as_bytes(), WEBHOOK_SECRET, now);
        let header = format!("Stripe-Signature: {signature}");
        let sent = server.request("POST", "/v1/webhooks/stripe", &[header.as_str()], Some(&event));
        assert_eq!(sent.status, 200, "{}", sent.body);
        eventually(&db, &row("status"), "active").await;
        let ends = format!(
            "SELECT CASE WHEN cancel_at_period_end THEN 'ends' ELSE 'renews' END FROM subscriptions WHERE provider_id = '{subscription}'"
        );
        eventually(&db, &ends, "ends").await;

        // Ended at Stripe: the tier closes.
        stripe.delete(&format!("/v1/subscriptions/{subscription}")).await;
        eventually(&db, &row("status"), "canceled").await;
        assert!(count_where(&db, "provider_events", "TRUE").await >= 3, "each event recorded once");
    });
}
