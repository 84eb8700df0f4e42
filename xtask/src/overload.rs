//! `cargo xtask bench`'s overload section. For each hot path, read and write: its capacity
//! (closed loop, 32 workers, 5 s), then twice that offered at a fixed arrival rate (open loop)
//! for 60 s (`PAYWALL_BENCH_OVERLOAD_SECONDS`), then half the capacity for 5 s to see it back
//! to normal. The release server runs on core 0 and the generator (`server/examples/
//! open_loop.rs`) on core 1, on SQLite. The server is held to a share of its core (a CPU
//! quota, `PAYWALL_BENCH_SERVER_CPU`, default a quarter): on a whole core it serves the read
//! paths faster than one core of generator can send, so twice their capacity could not be
//! offered at all. The server trusts loopback as a proxy and each request
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
    let share = server_cpu_share()?;
    println!("    the server is held to {:.0} % of one core (cgroup CPU quota)", share * 100.0);
    let mut table = format!(
        "| path | capacity (req/s) | offered at 2× for {seconds} s (req/s) | served/s | shed (503/429) with `Retry-After` | other 4xx/5xx, failed | served p50 / p99 | shed p99 | 5 s later at ½ capacity: served p99, shed |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    // The demo, selling through its own provider.
    let server = pinned_server("demo", share, &[])?;
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
        share,
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
    Ok(format!(
        "The server held to {:.0} % of one core (a cgroup CPU quota, `PAYWALL_BENCH_SERVER_CPU`).\n\n{table}",
        share * 100.0
    ))
}

/// The share of one core the server may use: `PAYWALL_BENCH_SERVER_CPU`, default a quarter.
fn server_cpu_share() -> Result<f64, Failed> {
    let share = std::env::var("PAYWALL_BENCH_SERVER_CPU").unwrap_or_else(|_| "0.25".into());
    match share.parse::<f64>() {
        Ok(share) if share > 0.0 && share <= 1.0 => Ok(share),
        _ => Err(Failed(format!("PAYWALL_BENCH_SERVER_CPU must be a share of one core in (0, 1]: {share}"))),
    }
}

/// Where the kernel's CPU controller for the bench's server lives: cgroup v1's `cpu`
/// hierarchy, as on these machines.
const CPU_CGROUP: &str = "/sys/fs/cgroup/cpu";

/// The quota's period: 10 ms, short enough that the limit does not show as 100 ms stalls (the
/// kernel's default period) in the latencies measured.
const PERIOD_US: f64 = 10_000.0;

/// A CPU cgroup that holds its processes to a share of one core, removed when dropped.
struct CpuQuota(std::path::PathBuf);

impl CpuQuota {
    /// Puts process `pid` (all its threads) in a new cgroup limited to `share` of a core.
    fn hold(pid: u32, share: f64) -> Result<Self, Failed> {
        let dir = std::path::Path::new(CPU_CGROUP).join(format!("paywall-bench-{pid}"));
        let write = |file: &str, value: String| {
            std::fs::write(dir.join(file), value).map_err(|error| {
                Failed(format!(
                    "{}/{file}: {error} (the bench needs root and cgroup v1's cpu controller)",
                    dir.display()
                ))
            })
        };
        std::fs::create_dir(&dir).map_err(|error| {
            Failed(format!(
                "creating {} (the bench needs root and cgroup v1's cpu controller): {error}",
                dir.display()
            ))
        })?;
        let quota = CpuQuota(dir.clone());
        write("cpu.cfs_period_us", format!("{PERIOD_US}"))?;
        write("cpu.cfs_quota_us", format!("{:.0}", PERIOD_US * share))?;
        write("cgroup.procs", pid.to_string())?;
        Ok(quota)
    }
}

impl Drop for CpuQuota {
    fn drop(&mut self) {
        // Its process is gone by now (the server is dropped first): an empty cgroup is removed.
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// The release server on a SQLite file of its own, with `settings`, pinned to core 0 and held
/// to `share` of it.
fn pinned_server(name: &str, share: f64, settings: &[(&str, &OsStr)]) -> Result<Held, Failed> {
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
    let quota = CpuQuota::hold(server.pid(), share)?;
    Ok(Held { server, _quota: quota })
}

/// The server under its quota; the server stops before its cgroup is removed.
struct Held {
    server: Server,
    _quota: CpuQuota,
}

impl std::ops::Deref for Held {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
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
