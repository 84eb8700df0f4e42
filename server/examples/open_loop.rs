//! A load generator for `cargo xtask bench`'s overload section: requests at a fixed arrival
//! rate (open loop: a request is sent at its time whether or not earlier ones were answered,
//! as readers arrive), or as fast as a number of workers can send them (closed loop: the
//! server's capacity). Each request may differ (`{n}` in the path or body is its number) and
//! may come from a client of its own (`--forwarded-for`, for a server that trusts this
//! address as a proxy), so that the per-client and per-email limits do not measure the
//! generator. Latency counts from the moment a request was due, not from when it could be
//! sent, so a queue in the generator is not hidden (coordinated omission).
//!
//! Prints one JSON object: what was sent, answered, served, shed and failed, and the
//! latency percentiles of the served and the shed.
//!
//! `cargo run --release -p paywall-server --example open_loop -- --rate 2000 --seconds 60 URL`

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use tokio::sync::Mutex;

#[derive(Parser, Debug)]
struct Args {
    /// The address; `{n}` becomes the request's number.
    url: String,
    /// Requests per second, sent on schedule (open loop). Without it, `--workers` send as
    /// fast as they are answered (closed loop).
    #[arg(long)]
    rate: Option<f64>,
    /// Workers of the closed loop.
    #[arg(long, default_value_t = 32)]
    workers: usize,
    /// How long to send.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    #[arg(long, default_value = "GET")]
    method: String,
    /// `Name: value`, repeatable.
    #[arg(long = "header")]
    headers: Vec<String>,
    /// A JSON body; `{n}` becomes the request's number.
    #[arg(long)]
    body: Option<String>,
    /// Sends `X-Forwarded-For: 10.a.b.c`, a different client for each request.
    #[arg(long)]
    forwarded_for: bool,
    /// Signs each body as Stripe signs its webhooks, with this secret (`Stripe-Signature`).
    #[arg(long)]
    stripe_secret: Option<String>,
    /// Connections at most, each kept alive, as many readers' browsers would hold: a request
    /// due while all are busy waits for one, and that wait counts in its latency. Without a
    /// cap, an open loop past capacity opens connections without end and measures the
    /// operating system's accept queue.
    #[arg(long, default_value_t = 400)]
    connections: usize,
    /// Seconds before an unanswered request counts as failed.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
}

/// What came of the requests.
#[derive(Default)]
struct Outcomes {
    statuses: BTreeMap<u16, u64>,
    served_micros: Vec<u64>,
    shed_micros: Vec<u64>,
    shed_with_retry_after: u64,
    failed: BTreeMap<String, u64>,
}

struct Load {
    args: Args,
    connections: tokio::sync::Semaphore,
    client: reqwest::Client,
    method: reqwest::Method,
    outcomes: Mutex<Outcomes>,
}

impl Load {
    /// Sends request `n`, due at `due`, and records what came of it.
    async fn send(&self, n: u64, due: Instant) {
        let _connection = self.connections.acquire().await.expect("the semaphore is never closed");
        let url = self.args.url.replace("{n}", &n.to_string());
        let mut request = self.client.request(self.method.clone(), url);
        for header in &self.args.headers {
            if let Some((name, value)) = header.split_once(':') {
                request = request.header(name.trim(), value.trim());
            }
        }
        if self.args.forwarded_for {
            request = request
                .header("x-forwarded-for", format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255));
        }
        if let Some(body) = &self.args.body {
            let body = body.replace("{n}", &n.to_string());
            if let Some(secret) = &self.args.stripe_secret {
                let signature = paywall_server::money::stripe_events::sign(
                    body.as_bytes(),
                    secret,
                    paywall_server::time::now(),
                );
                request = request.header("stripe-signature", signature);
            }
            request = request.header("content-type", "application/json").body(body);
        }
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response.headers().contains_key("retry-after");
                response.bytes().await.map(|_| (status, retry_after))
            }
            Err(error) => Err(error),
        };
        let micros = u64::try_from(due.elapsed().as_micros()).unwrap_or(u64::MAX);
        let mut outcomes = self.outcomes.lock().await;
        match answer {
            Ok((status, retry_after)) => {
                *outcomes.statuses.entry(status).or_default() += 1;
                if (200..300).contains(&status) {
                    outcomes.served_micros.push(micros);
                } else if status == 503 || status == 429 {
                    outcomes.shed_micros.push(micros);
                    outcomes.shed_with_retry_after += u64::from(retry_after);
                }
            }
            Err(error) => {
                let kind = if error.is_timeout() {
                    "timeout"
                } else if error.is_connect() {
                    "connect"
                } else {
                    "other"
                };
                *outcomes.failed.entry(kind.to_owned()).or_default() += 1;
            }
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let index = ((last as f64) * p).round() as usize;
    Some(sorted[index.min(last)] as f64 / 1000.0)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs_f64(args.timeout))
        .pool_max_idle_per_host(args.connections)
        .build()
        .expect("a client");
    let method = args.method.parse().expect("an HTTP method");
    let connections = tokio::sync::Semaphore::new(args.connections);
    let load = Arc::new(Load { args, connections, client, method, outcomes: Mutex::default() });
    let started = Instant::now();
    let length = Duration::from_secs_f64(load.args.seconds);
    let mut tasks = tokio::task::JoinSet::new();
    let sent = match load.args.rate {
        Some(rate) => {
            let period = Duration::from_secs_f64(1.0 / rate);
            let mut n = 0u64;
            loop {
                let due = started + period.mul_f64(n as f64);
                if due >= started + length {
                    break n;
                }
                tokio::time::sleep_until(due.into()).await;
                let load = load.clone();
                tasks.spawn(async move { load.send(n, due).await });
                n += 1;
                // Answers are collected as they come, so the set stays small.
                while tasks.try_join_next().is_some() {}
            }
        }
        None => {
            let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
            for _ in 0..load.args.workers {
                let (load, next) = (load.clone(), next.clone());
                tasks.spawn(async move {
                    while started.elapsed() < length {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        load.send(n, Instant::now()).await;
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
            next.load(std::sync::atomic::Ordering::Relaxed)
        }
    };
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    let mut outcomes = load.outcomes.lock().await;
    outcomes.served_micros.sort_unstable();
    outcomes.shed_micros.sort_unstable();
    let served = outcomes.served_micros.len();
    let report = json!({
        "sent": sent,
        "seconds": elapsed,
        "offered_per_second": sent as f64 / load.args.seconds,
        "served": served,
        "served_per_second": served as f64 / elapsed,
        "shed": outcomes.shed_micros.len(),
        "shed_with_retry_after": outcomes.shed_with_retry_after,
        "statuses": outcomes.statuses,
        "failed": outcomes.failed,
        "served_ms": {
            "p50": percentile(&outcomes.served_micros, 0.50),
            "p99": percentile(&outcomes.served_micros, 0.99),
            "max": percentile(&outcomes.served_micros, 1.0),
        },
        "shed_ms": {
            "p50": percentile(&outcomes.shed_micros, 0.50),
            "p99": percentile(&outcomes.shed_micros, 0.99),
        },
    });
    println!("{report}");
}
