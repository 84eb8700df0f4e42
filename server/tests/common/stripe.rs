//! A stand-in for the parts of Stripe's API the server calls (Checkout Sessions, Subscriptions,
//! billing-portal sessions), on loopback, with what the tests do at Stripe (paying, a failed
//! renewal, cancelling) as methods; and webhook events signed as Stripe signs them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// The secret key the stand-in accepts.
pub const SECRET_KEY: &str = "sk_test_stand_in_key";
/// The webhook secret the tests sign with.
pub const WEBHOOK_SECRET: &str = "whsec_stand_in_secret";

#[derive(Default)]
struct Objects {
    sessions: HashMap<String, Value>,
    subscriptions: HashMap<String, Value>,
    /// The form each checkout was created with.
    requests: Vec<HashMap<String, String>>,
    next: u32,
    calls: u32,
}

/// The stand-in, listening on loopback until dropped.
#[derive(Clone)]
pub struct StandIn {
    /// Its base URL, for `PAYWALL_STRIPE_API`.
    pub url: String,
    objects: Arc<Mutex<Objects>>,
    server: Arc<tokio::task::JoinHandle<()>>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if Arc::strong_count(&self.server) == 1 {
            self.server.abort();
        }
    }
}

fn now() -> i64 {
    paywall_server::time::now()
}

impl StandIn {
    /// Starts it on a free loopback port.
    pub async fn start() -> Self {
        let objects = Arc::new(Mutex::new(Objects::default()));
        let app = Router::new()
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/checkout/sessions/{id}", get(session))
            .route("/v1/subscriptions/{id}", get(subscription))
            .route("/v1/billing_portal/sessions", post(portal))
            .with_state(objects.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        StandIn { url, objects, server: Arc::new(server) }
    }

    /// The form the `n`th checkout was created with.
    pub fn checkout_request(&self, n: usize) -> HashMap<String, String> {
        self.objects.lock().unwrap().requests[n].clone()
    }

    /// How many requests the server has made.
    pub fn calls(&self) -> u32 {
        self.objects.lock().unwrap().calls
    }

    /// The reader pays for a checkout: it completes and starts a subscription (trialing if
    /// the checkout asked for a trial); returns the subscription's id.
    pub fn pay(&self, checkout: &str) -> String {
        let mut objects = self.objects.lock().unwrap();
        objects.next += 1;
        let n = objects.next;
        let session = objects.sessions.get_mut(checkout).expect("a checkout the server started");
        let subscription_id = format!("sub_test_{n}");
        session["status"] = json!("complete");
        session["payment_status"] = json!("paid");
        session["subscription"] = json!(subscription_id);
        let customer = session["customer"].as_str().map_or_else(|| format!("cus_test_{n}"), str::to_owned);
        session["customer"] = json!(customer);
        let trial = session["trial_days"].as_i64().unwrap_or(0);
        let (status, end) =
            if trial > 0 { ("trialing", now() + trial * 86_400) } else { ("active", now() + 30 * 86_400) };
        let subscription = json!({
            "id": subscription_id, "object": "subscription", "customer": customer, "status": status,
            "current_period_end": end, "cancel_at_period_end": false,
            "items": {"data": [{"price": {"id": session["price"]}}]},
            "metadata": session["subscription_metadata"],
        });
        objects.subscriptions.insert(subscription_id.clone(), subscription);
        subscription_id
    }

    /// Changes a subscription at Stripe (a failed renewal, a cancellation, a new period).
    pub fn update(&self, subscription: &str, change: impl FnOnce(&mut Value)) {
        change(self.objects.lock().unwrap().subscriptions.get_mut(subscription).expect("a subscription"));
    }

    /// An event as Stripe sends it: the body and its `Stripe-Signature`, signed now.
    pub fn event(id: &str, kind: &str, object: Value) -> (String, String) {
        Self::event_at(id, kind, object, now(), WEBHOOK_SECRET)
    }

    /// An event signed at `time` with `secret`.
    pub fn event_at(id: &str, kind: &str, object: Value, time: i64, secret: &str) -> (String, String) {
        let body =
            json!({"id": id, "object": "event", "type": kind, "created": time, "data": {"object": object}})
                .to_string();
        let signature = paywall_server::money::stripe_events::sign(body.as_bytes(), secret, time);
        (body, signature)
    }
}

type Shared = State<Arc<Mutex<Objects>>>;

fn authorised(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|value| value.to_str().ok())
        == Some(&format!("Bearer {SECRET_KEY}"))
}

fn refused() -> Response {
    (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": {"message": "Invalid API Key provided"}})))
        .into_response()
}

fn missing() -> Response {
    (StatusCode::NOT_FOUND, axum::Json(json!({"error": {"message": "No such object"}}))).into_response()
}

async fn create_session(
    State(objects): Shared,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !authorised(&headers) {
        return refused();
    }
    let mut objects = objects.lock().unwrap();
    objects.calls += 1;
    objects.next += 1;
    let id = format!("cs_test_{}", objects.next);
    let field = |name: &str| form.get(name).cloned();
    let session = json!({
        "id": id, "object": "checkout.session", "url": format!("https://checkout.stripe.test/pay/{id}"),
        "status": "open", "payment_status": "unpaid", "subscription": null,
        "customer": field("customer"), "price": field("line_items[0][price]"),
        "trial_days": field("subscription_data[trial_period_days]").and_then(|days| days.parse::<i64>().ok()),
        "subscription_metadata": {
            "paywall_offer_id": field("subscription_data[metadata][paywall_offer_id]"),
            "paywall_email": field("subscription_data[metadata][paywall_email]"),
        },
    });
    objects.sessions.insert(id, session.clone());
    objects.requests.push(form);
    axum::Json(session).into_response()
}

async fn session(State(objects): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorised(&headers) {
        return refused();
    }
    let mut objects = objects.lock().unwrap();
    objects.calls += 1;
    objects.sessions.get(&id).map_or_else(missing, |session| axum::Json(session.clone()).into_response())
}

async fn subscription(State(objects): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorised(&headers) {
        return refused();
    }
    let mut objects = objects.lock().unwrap();
    objects.calls += 1;
    objects
        .subscriptions
        .get(&id)
        .map_or_else(missing, |subscription| axum::Json(subscription.clone()).into_response())
}

async fn portal(
    State(objects): Shared,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !authorised(&headers) {
        return refused();
    }
    objects.lock().unwrap().calls += 1;
    let customer = form.get("customer").cloned().unwrap_or_default();
    let back = form.get("return_url").cloned().unwrap_or_default();
    axum::Json(json!({"url": format!("https://billing.stripe.test/p/{customer}?return={back}")}))
        .into_response()
}
