//! `cargo xtask bench`'s overload section. For each hot path, read and write: its capacity
//! (closed loop, 32 workers, 5 s), then twice that offered at a fixed arrival rate (open loop)
//! for 60 s (`PAYWALL_BENCH_OVERLOAD_SECONDS`), then half the capacity for 5 s to see it back
//! to normal. The release server runs on core 0 and the generator (`server/examples/
//! open_loop.rs`) on core 1, on SQLite. The server trusts loopback as a proxy and each request
//! names a client of its own (`X-Forwarded-For`), the documented setting for load-testing from
//! one address; each write is for a reader of its own, so the per-client and per-email limits
//! measure nothing here.

use std::ffi::OsStr;

use crate::root;
use crate::run::{self, Failed, Run, command};
use crate::server::Server;

/// The demo article's id.
const ARTICLE: &str = "night-trains-second-act";
/// Stripe's webhook signing secret the bench's server is given (a loopback server, no Stripe).
const WEBHOOK_SECRET: &str = "whsec_bench_only";

/// One path under load.
struct Path {
    what: &'static str,
    /// Signed as a Stripe webhook with this secret.
    stripe_secret: Option<&'static str>,
    method: &'static str,
    url: String,
    body: Option<String>,
    headers: Vec<String>,
}

/// Measures every path; the section's table, in Markdown.
pub fn report() -> Result<String, Failed> {
    let seconds = std::env::var("PAYWALL_BENCH_OVERLOAD_SECONDS").unwrap_or_else(|_| "60".into());
    run::cargo()
        .args(["build", "--release", "-p", "paywall-server", "--example", "open_loop"])
        .status_ok("building the load generator")?;
    let mut table = format!(
        "| path | capacity (req/s) | offered at 2× for {seconds} s (req/s) | served/s | shed (503/429) with `Retry-After` | other 4xx/5xx, failed | served p50 / p99 | shed p99 | 5 s later at ½ capacity: served p99, shed |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    // The demo, selling through its own provider.
    let server = pinned_server("demo", &[])?;
    let token = server.access_token()?;
    let base = format!("http://{}", server.addr);
    let path = |what, method, url: String, body: Option<String>, headers: Vec<String>| Path {
        what,
        stripe_secret: None,
        method,
        url,
        body,
        headers,
    };
    let paths = [
        path(
            "GET /v1/articles/{id}/locked",
            "GET",
            format!("{base}/v1/articles/{ARTICLE}/locked"),
            None,
            vec![format!("Authorization: Bearer {token}")],
        ),
        path("GET /v1/articles/{id}", "GET", format!("{base}/v1/articles/{ARTICLE}"), None, vec![]),
        path("GET /paywall.js", "GET", format!("{base}/paywall.js"), None, vec![]),
        path(
            "POST /v1/sign-in-codes (a code emailed)",
            "POST",
            format!("{base}/v1/sign-in-codes"),
            Some(r#"{"email":"load-{n}@example.com"}"#.into()),
            vec![],
        ),
        path(
            "POST /v1/checkout (the demo provider)",
            "POST",
            format!("{base}/v1/checkout"),
            Some(format!(r#"{{"offer_id":1,"return_to":"{base}/","email":"buyer-{{n}}@example.com"}}"#)),
            vec![],
        ),
    ];
    for path in &paths {
        table += &overload(path, &seconds)?;
    }
    drop(server);
    // Stripe's webhooks, each a new event to record (a type that needs no call back to Stripe).
    let server = pinned_server(
        "stripe",
        &[
            ("PAYWALL_STRIPE_SECRET_KEY", OsStr::new("sk_test_bench_only")),
            ("PAYWALL_STRIPE_WEBHOOK_SECRET", OsStr::new(WEBHOOK_SECRET)),
            ("PAYWALL_STRIPE_API", OsStr::new("http://127.0.0.1:9")),
        ],
    )?;
    let webhook = Path {
        what: "POST /v1/webhooks/stripe (a new event)",
        stripe_secret: Some(WEBHOOK_SECRET),
        method: "POST",
        url: format!("http://{}/v1/webhooks/stripe", server.addr),
        body: Some(
            r#"{"id":"evt_load_{n}","object":"event","type":"customer.created","data":{"object":{"id":"cus_{n}","object":"customer"}}}"#
                .into(),
        ),
        headers: vec![],
    };
    table += &overload(&webhook, &seconds)?;
    Ok(table)
}

/// The release server on a SQLite file of its own, with `settings`, pinned to core 0.
fn pinned_server(name: &str, settings: &[(&str, &OsStr)]) -> Result<Server, Failed> {
    let data = std::env::temp_dir().join(format!("paywall-bench-overload-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut all = vec![
        ("PAYWALL_TRUSTED_PROXIES", OsStr::new("127.0.0.1")),
        ("PAYWALL_DEMO_PUBLIC", OsStr::new("true")),
    ];
    all.extend_from_slice(settings);
    let server = Server::start(&root().join("target/release/paywall-server"), &data, None, &all)?;
    command("taskset")
        .args(["-a", "-p", "-c", "0", &server.pid().to_string()])
        .stdout(std::process::Stdio::null())
        .status_ok("pinning the server to core 0 (taskset)")?;
    Ok(server)
}

/// One path: its capacity, twice that for `seconds`, then half for 5 s; its table row.
fn overload(path: &Path, seconds: &str) -> Result<String, Failed> {
    run::step(&format!("Overload: {}", path.what));
    let capacity = generate(path, None, "5")?;
    let rate = capacity["served_per_second"].as_f64().unwrap_or(0.0);
    if rate < 1.0 {
        return Err(Failed(format!("{}: nothing served at capacity: {capacity}", path.what)));
    }
    let over = generate(path, Some(rate * 2.0), seconds)?;
    let after = generate(path, Some(rate / 2.0), "5")?;
    let shed = over["shed"].as_u64().unwrap_or(0);
    let sent = over["sent"].as_u64().unwrap_or(1).max(1);
    let statuses = over["statuses"].as_object().cloned().unwrap_or_default();
    let other: u64 = statuses
        .iter()
        .filter(|(status, _)| !status.starts_with('2') && *status != "503" && *status != "429")
        .map(|(_, count)| count.as_u64().unwrap_or(0))
        .sum::<u64>()
        + over["failed"].as_object().map_or(0, |failed| failed.values().filter_map(|n| n.as_u64()).sum());
    let ms = |value: &serde_json::Value| value.as_f64().map_or("–".into(), |ms| format!("{ms:.1} ms"));
    let row = format!(
        "| {} | {rate:.0} | {:.0} | {:.0} | {shed} ({:.0} %), {} | {other} | {} / {} | {} | {}, {} |\n",
        path.what,
        over["offered_per_second"].as_f64().unwrap_or(0.0),
        over["served_per_second"].as_f64().unwrap_or(0.0),
        100.0 * shed as f64 / sent as f64,
        over["shed_with_retry_after"],
        ms(&over["served_ms"]["p50"]),
        ms(&over["served_ms"]["p99"]),
        ms(&over["shed_ms"]["p99"]),
        ms(&after["served_ms"]["p99"]),
        after["shed"],
    );
    print!("    {row}");
    if other > 0 {
        println!("    statuses: {}", over["statuses"]);
    }
    Ok(row)
}

/// Runs the generator on core 1: open loop at `rate`, or closed loop (32 workers) without.
fn generate(path: &Path, rate: Option<f64>, seconds: &str) -> Result<serde_json::Value, Failed> {
    let mut generator = command("taskset");
    generator.args(["-c", "1"]).arg(root().join("target/release/examples/open_loop")).args([
        "--method",
        path.method,
        "--seconds",
        seconds,
        "--forwarded-for",
        &path.url,
    ]);
    if let Some(rate) = rate {
        generator.args(["--rate", &format!("{rate:.0}")]);
    }
    if let Some(body) = &path.body {
        generator.args(["--body", body]);
    }
    if let Some(secret) = path.stripe_secret {
        generator.args(["--stripe-secret", secret]);
    }
    for header in &path.headers {
        generator.args(["--header", header]);
    }
    let output = generator
        .output_text()
        .ok_or_else(|| Failed(format!("the load generator failed on {}", path.what)))?;
    serde_json::from_str(output.trim())
        .map_err(|error| Failed(format!("the generator's report ({error}): {output}")))
}
