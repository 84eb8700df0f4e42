//! `cargo xtask bench`'s load numbers: requests per second and latency percentiles of the
//! API's hot endpoints and the widget's loader, with `wrk` on loopback against the release
//! server, on SQLite and on a throwaway PostgreSQL. wrk and the server share this machine's
//! cores, so the numbers are a floor, comparable from run to run on one machine.

use crate::postgres::Postgres;
use crate::root;
use crate::run::{self, Failed, Run, command};
use crate::server::Server;

/// The demo article's id.
const ARTICLE: &str = "night-trains-second-act";
/// wrk's settings: threads, connections, seconds.
const WRK: [&str; 6] = ["-t2", "-c32", "-d5s", "--latency", "--timeout", "5s"];

/// One endpoint's numbers.
struct Measured {
    what: String,
    requests_per_second: f64,
    p50: String,
    p99: String,
}

/// Measures every endpoint on both databases; returns the table, in Markdown.
pub fn report() -> Result<String, Failed> {
    wrk_installed()?;
    let mut rows = Vec::new();
    rows.extend(measure_on("SQLite", None)?);
    let postgres = Postgres::start()?;
    rows.extend(measure_on("PostgreSQL", Some(&postgres.url))?);
    drop(postgres);
    let mut table = format!(
        "| endpoint (`wrk {}`) | requests/s | p50 | p99 |\n|---|---:|---:|---:|\n",
        WRK[..3].join(" ")
    );
    for row in rows {
        table += &format!("| {} | {:.0} | {} | {} |\n", row.what, row.requests_per_second, row.p50, row.p99);
    }
    Ok(table)
}

fn wrk_installed() -> Result<(), Failed> {
    if command("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    run::step("Installing wrk (apt-get install wrk)");
    command("apt-get").args(["install", "-y", "-q", "wrk"]).status_ok("apt-get install wrk")
}

/// Starts the release server on `database` (SQLite in a temporary directory when `None`) and
/// measures the locked sections (signed in as the demo subscriber), the article's summary,
/// and the loader.
fn measure_on(name: &str, database: Option<&str>) -> Result<Vec<Measured>, Failed> {
    run::step(&format!("Load on {name}"));
    let data = std::env::temp_dir().join(format!("paywall-bench-{}-{name}", std::process::id()));
    let server = Server::start(
        &root().join("target/release/paywall-server"),
        &data,
        // Its own database on the throwaway server, made by the paywall server at start.
        database.map(|url| format!("{url}/bench")).as_deref(),
        &[],
    )?;
    let token = server.access_token()?;
    let base = format!("http://{}", server.addr);
    let measured = [
        (
            format!("{name}: GET /v1/articles/{{id}}/locked"),
            format!("{base}/v1/articles/{ARTICLE}/locked"),
            true,
        ),
        (format!("{name}: GET /v1/articles/{{id}}"), format!("{base}/v1/articles/{ARTICLE}"), false),
        (format!("{name}: GET /paywall.js"), format!("{base}/paywall.js"), false),
    ]
    .into_iter()
    .map(|(what, url, signed_in)| {
        let mut wrk = command("wrk");
        wrk.args(WRK);
        if signed_in {
            wrk.args(["-H", &format!("Authorization: Bearer {token}")]);
        }
        let output = wrk.arg(&url).output_text().ok_or_else(|| Failed(format!("wrk on {url} failed")))?;
        parse_wrk(what, &output)
    })
    .collect();
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    measured
}

/// Reads wrk's `Requests/sec:` and its 50% and 99% latency lines; refuses a run with errors.
fn parse_wrk(what: String, output: &str) -> Result<Measured, Failed> {
    let value = |prefix: &str| {
        output
            .lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix).map(|rest| rest.trim().to_owned()))
    };
    if let Some(errors) = value("Non-2xx or 3xx responses:") {
        return Err(Failed(format!("{what}: {errors} requests failed:\n{output}")));
    }
    let requests_per_second = value("Requests/sec:")
        .and_then(|rate| rate.parse().ok())
        .ok_or_else(|| Failed(format!("no rate in wrk's output:\n{output}")))?;
    let p50 = value("50%").ok_or_else(|| Failed(format!("no p50 in wrk's output:\n{output}")))?;
    let p99 = value("99%").ok_or_else(|| Failed(format!("no p99 in wrk's output:\n{output}")))?;
    println!("    {what}: {requests_per_second:.0} requests/s, p50 {p50}, p99 {p99}");
    Ok(Measured { what, requests_per_second, p50, p99 })
}
