//! Sending the publisher's webhooks: each queued event POSTed to each endpoint that takes it,
//! signed as Standard Webhooks says (`webhook-id`, `webhook-timestamp`, `webhook-signature`,
//! through its reference library), tried again with growing waits until a 2xx answer, and
//! every try recorded. Several servers on one database share the work: each delivery is
//! claimed by one of them before it is tried.

use std::time::{Duration, Instant};

use paywall_protocol::admin::DeliveryStatus;

use crate::store::Db;
use crate::store::webhooks::{self, Attempt, Due};

/// How long to wait after each failed try before the next: the first failure waits 5 s, the
/// seventh a day; after the eighth try the delivery has failed (about 42 hours in all).
pub const RETRY_AFTER: [i64; 7] = [5, 60, 10 * 60, 60 * 60, 5 * 60 * 60, 12 * 60 * 60, 24 * 60 * 60];
/// How long an endpoint has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is held by the server trying it (longer than a try can take),
/// after which another may try it, as when that server stopped mid-try.
const LEASE_SECONDS: i64 = 60;
/// How many deliveries one round tries at once.
const BATCH: i64 = 16;
/// How many rounds may be under way at once.
const ROUNDS: usize = 4;
/// How long the old secret signs too after a rotation.
pub const ROTATION_OVERLAP_SECONDS: i64 = 24 * 60 * 60;
/// How much of an endpoint's refusal is kept for the publisher to read.
const KEEP_ANSWER_BYTES: usize = 200;

/// The HTTP client deliveries go out through: no redirects followed (a delivery goes where the
/// publisher said, nowhere else), a deadline on every try.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("paywall-webhooks/", env!("CARGO_PKG_VERSION")))
        // Straight to the publisher's endpoint, whatever proxy the environment names.
        .no_proxy()
        .build()
        .expect("the HTTP client's settings are valid")
}

/// A new signing secret: `whsec_` and base64 of 32 random bytes.
pub fn new_secret() -> String {
    use base64::Engine;
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(crate::random::bytes::<32>()))
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Answered with a 2xx.
    pub delivered: usize,
    /// Failed, to be tried again.
    pub retrying: usize,
    /// Failed for the last time.
    pub failed: usize,
}

/// Tries every delivery due at `now` (Unix seconds; tests pass a later time instead of
/// waiting) that this server claims, at most [`BATCH`] at once.
pub async fn deliver_due(db: &Db, client: &reqwest::Client, now: i64) -> Result<Round, sqlx::Error> {
    let mut tries = tokio::task::JoinSet::new();
    let lease_until = now + LEASE_SECONDS;
    for due in webhooks::due(db, now, BATCH).await? {
        if webhooks::claim(db, &due, lease_until).await? {
            let client = client.clone();
            tries.spawn(async move {
                let attempt = send(&client, &due, now).await;
                (due.id, attempt)
            });
        }
    }
    let mut round = Round::default();
    while let Some(tried) = tries.join_next().await {
        let Ok((id, attempt)) = tried else { continue };
        // One failed record costs that delivery a second send after its lease, not the round.
        match webhooks::record_attempt(db, id, lease_until, &attempt).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => {
                tracing::error!(delivery = id, error = %crate::error::with_causes(&error), "recording a webhook try failed");
                continue;
            }
        }
        match attempt.status() {
            DeliveryStatus::Delivered => round.delivered += 1,
            DeliveryStatus::Pending => round.retrying += 1,
            DeliveryStatus::Failed => round.failed += 1,
        }
    }
    Ok(round)
}

/// One try: the signed POST and what came of it.
async fn send(client: &reqwest::Client, due: &Due, now: i64) -> Attempt {
    let started = Instant::now();
    let outcome = match signature(due, now) {
        Ok(signature) => {
            client
                .post(&due.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(standardwebhooks::HEADER_WEBHOOK_ID, &due.message_id)
                .header(standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, now.to_string())
                .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
                .body(due.payload.clone())
                .send()
                .await
        }
        Err(error) => {
            return failed(due, now, None, format!("the endpoint's secret is unusable: {error}"), started);
        }
    };
    match outcome {
        Ok(response) if response.status().is_success() => Attempt {
            at: now,
            status_code: Some(response.status().as_u16()),
            error: None,
            duration_ms: elapsed_ms(started),
            next: None,
        },
        Ok(mut response) => {
            let status = response.status();
            // The start of the answer only, however much the endpoint sends.
            let mut answer = Vec::new();
            while answer.len() < KEEP_ANSWER_BYTES
                && let Ok(Some(chunk)) = response.chunk().await
            {
                answer.extend_from_slice(&chunk);
            }
            let answer = String::from_utf8_lossy(&answer[..answer.len().min(KEEP_ANSWER_BYTES)]).into_owned();
            let why = if answer.trim().is_empty() {
                format!("answered {status}")
            } else {
                format!("answered {status}: {}", answer.trim())
            };
            failed(due, now, Some(status.as_u16()), why, started)
        }
        Err(error) => {
            let why = if error.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else if error.is_connect() {
                "could not connect".to_owned()
            } else {
                error.without_url().to_string()
            };
            failed(due, now, None, why, started)
        }
    }
}

/// A failed try: the next one after the wait its number calls for, or none.
fn failed(due: &Due, now: i64, status_code: Option<u16>, error: String, started: Instant) -> Attempt {
    let wait = usize::try_from(due.attempts).ok().and_then(|tried| RETRY_AFTER.get(tried));
    Attempt {
        at: now,
        status_code,
        error: Some(error),
        duration_ms: elapsed_ms(started),
        next: wait.map(|wait| now + wait),
    }
}

fn elapsed_ms(started: Instant) -> i64 {
    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// `webhook-signature`: `v1,…` with the endpoint's secret, and the previous secret's after it
/// while a rotation overlaps.
fn signature(due: &Due, now: i64) -> Result<String, standardwebhooks::WebhookError> {
    let sign = |secret: &str| {
        standardwebhooks::Webhook::new(secret)?.sign(&due.message_id, now, due.payload.as_bytes())
    };
    let mut signature = sign(&due.secret)?;
    if let (Some(previous), Some(until)) = (&due.previous_secret, due.previous_until)
        && now < until
    {
        signature.push(' ');
        signature.push_str(&sign(previous)?);
    }
    Ok(signature)
}

/// Sends due webhooks every second, for as long as the server runs. Rounds overlap (up to
/// [`ROUNDS`] at once), so an endpoint slow to answer holds up no other: each delivery is
/// claimed by one round only.
pub async fn deliver_every_second(db: Db) {
    let client = client();
    let rounds = std::sync::Arc::new(tokio::sync::Semaphore::new(ROUNDS));
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let Ok(round) = rounds.clone().try_acquire_owned() else { continue };
        let (db, client) = (db.clone(), client.clone());
        tokio::spawn(async move {
            let _round = round;
            match deliver_due(&db, &client, crate::time::now()).await {
                Ok(round) if round != Round::default() => tracing::info!(?round, "webhooks sent"),
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(error = %crate::error::with_causes(&error), "sending webhooks failed")
                }
            }
        });
    }
}

/// Whether an endpoint's URL is one deliveries may go to: `https://`, or `http://` to a
/// loopback address (for a receiver on the same machine); with a host and no credentials
/// before it (they would be sent, and shown in the audit log), at most 2,000 characters. The reason when not.
pub fn check_url(url: &str) -> Result<(), &'static str> {
    const WHY: &str = "url is https://… (http:// only to 127.0.0.1, [::1] or localhost), with no user:password@, at most 2000 \
         characters.";
    if url.len() > 2000 || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(WHY);
    }
    let parsed = reqwest::Url::parse(url).map_err(|_| WHY)?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(WHY);
    }
    let host = parsed.host_str().filter(|host| !host.is_empty()).ok_or(WHY)?;
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback());
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(WHY),
    }
}
