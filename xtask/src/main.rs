//! `cargo xtask`: the project's two commands and their helpers.
//!
//! - `cargo xtask demo`: install what is missing, build the widget, serve the demo: the
//!   article on the publisher's site, the paywall server on another origin.
//! - `cargo xtask test`: install what is missing, run every test (native, the server's on
//!   SQLite and on a throwaway PostgreSQL, the API against its OpenAPI description, widget in
//!   headless Chromium, end to end).
//! - `cargo xtask size`: build the widget and print its transfer size (gzip -9 and brotli).
//! - `cargo xtask bench`: the widget beside Ghost Portal and the Unlock paywall in headless
//!   Chromium, requests per second and latency of the hot endpoints on SQLite and PostgreSQL
//!   (wrk), and the time of an emailed-code sign-in; written to `BENCHMARKS.md`.
//! - `cargo xtask fuzz [SECONDS] [TARGET...]`: the server's fuzz targets, coverage-guided by
//!   libFuzzer, each for longer than `cargo test` runs them; new inputs go to their corpus.
//! - `cargo xtask setup`: only install what is missing.

mod api_fuzz;
mod build;
mod compress;
mod fuzz;
mod layers;
mod load;
mod localstripe;
mod overload;
mod postgres;
mod run;
mod server;
mod setup;
mod size;
mod tidy;
mod web_tests;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use run::{Failed, Run};

const USAGE: &str = "usage: cargo xtask <demo | test | size | bench | fuzz | setup>

  demo    install what is missing, build the widget in release mode, and serve the demo: the
          article on the publisher's site at http://localhost:8081/ (PAYWALL_DEMO_SITE_PORT),
          the paywall server at PAYWALL_ADDR (default 127.0.0.1:8080; data in PAYWALL_DATA,
          default ./data)
  test    install what is missing and run every test: native (the server's on SQLite and on a
          throwaway PostgreSQL), the API against its description (schemathesis), widget
          (headless Chromium), end to end
  size    build the widget and print its transfer size, gzip -9 and brotli
  bench   the widget beside Ghost Portal and the Unlock paywall on one article page in
          headless Chromium (bytes, main-thread time, heap, time to prompt, layout shift), then
          requests/s and p50/p99 of the hot endpoints on SQLite and PostgreSQL (wrk), then an
          emailed-code sign-in (median of 9 runs), the first click on Sign in and a
          subscriber's page-load, Lighthouse's score of each page, then each hot path at twice
          its capacity for 60 s (PAYWALL_BENCH_OVERLOAD_SECONDS), open loop; release server;
          writes BENCHMARKS.md. `bench overload`: that last section alone, printed
  fuzz [SECONDS] [TARGET...]
          the fuzz targets of server/tests/fuzz.rs (all, or those named: fuzz_readers_csv,
          ...), coverage-guided by libFuzzer for SECONDS each (default 60); inputs that reach
          new code are added to server/tests/__fuzz__/TARGET/corpus (commit them), a crash is
          written to .../crashes, which cargo test then replays until it is fixed
  setup   install what is missing and nothing else
  layers  check that no modules of the server, the widget or the protocol import each other
          in a circle (the test command's first step)";

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "demo" => demo(),
        "test" => test(),
        "size" => setup::for_building()
            .and_then(|()| build::widget())
            .and_then(|()| build::dashboard())
            .and_then(|()| size::report()),
        "setup" => setup::everything(),
        "layers" => no_import_cycles(),
        "bench" if std::env::args().nth(2).as_deref() == Some("overload") => bench_overload(),
        "bench" => bench(),
        "fuzz" => fuzz(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed(message)) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Builds the widget and the server in release mode and runs the demo as it is deployed: the
/// paywall server in the foreground, and the publisher's site (the article page, on another
/// origin) beside it, stopped with it.
fn demo() -> Result<(), Failed> {
    setup::for_building()?;
    build::widget()?;
    build::dashboard()?;
    build::server()?;
    run::step("Starting the paywall server and the publisher's site (Ctrl-C stops both)");
    let addr = std::env::var("PAYWALL_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let site_port = std::env::var("PAYWALL_DEMO_SITE_PORT").unwrap_or_else(|_| "8081".into());
    // `localhost` and 127.0.0.1 are different sites to a browser, as a publisher's site and
    // its paywall server are.
    let site = format!("http://localhost:{site_port}");
    println!("    the demo article, on the publisher's site: {site}/");
    println!("    the paywall server: http://{addr}/ (the widget's files, the API, /dev/outbox)");
    println!("    demo readers: subscriber@example.com and reader@example.com, password paywall-demo");
    let origins = match std::env::var("PAYWALL_CORS_ORIGINS") {
        Ok(yours) if !yours.trim().is_empty() => format!("{yours},{site}"),
        _ => site.clone(),
    };
    let mut publisher = run::command("node")
        .args(["e2e/publisher-site.mjs", &format!("http://{addr}"), &site_port])
        .current_dir(root())
        .spawn()
        .map_err(|error| Failed(format!("the publisher's site could not start (node): {error}")))?;
    let served = run::command(root().join("target/release/paywall-server"))
        .current_dir(root())
        .env("PAYWALL_SITE", root())
        // The demo's readers have a public password: the server runs it on loopback only.
        .env("PAYWALL_DEMO", "true")
        .env("PAYWALL_CORS_ORIGINS", origins)
        // Passkeys belong to the publisher's site: the demo's is `localhost`.
        .env(
            "PAYWALL_PASSKEY_RP_ID",
            std::env::var("PAYWALL_PASSKEY_RP_ID").unwrap_or_else(|_| "localhost".into()),
        )
        .status_ok("the paywall server");
    let _ = publisher.kill();
    let _ = publisher.wait();
    served
}

/// Runs every test suite, stopping at the first that fails so the output ends with its summary.
fn test() -> Result<(), Failed> {
    for deps in ["target/debug/deps", "target/wasm32-unknown-unknown/debug/deps"] {
        tidy::old_test_binaries(&root().join(deps));
    }
    no_import_cycles()?;
    setup::everything()?;
    run::step("The dependencies' licences, sources and duplicate versions (cargo deny, deny.toml)");
    run::command(setup::cargo_deny_binary())
        .args(["--offline", "check", "bans", "licenses", "sources"])
        .current_dir(root())
        .status_ok("cargo deny")?;
    // First, so that the server the tests build has the widget built into it.
    build::widget()?;
    build::dashboard()?;
    run::step("A Stripe emulator for the server's payment tests (localstripe)");
    let stripe = localstripe::Localstripe::start()?;
    // One PostgreSQL for the storage suites and schemathesis's run on it below.
    let postgres = postgres::Postgres::start()?;

    // Every native test is built once, by the first run; the second runs some of the same
    // binaries again (nextest builds all of the workspace's tests each time, so the two runs
    // never differ in features and nothing is rebuilt between them). `.config/nextest.toml`
    // says which tests run alone and whose output is shown.
    run::step("Native tests, the server's on SQLite, with disk errors (fiu-run) and the Stripe emulator");
    nextest()
        // The `#[ignore]`d tests need what this command provides: fiu-run, the emulator, and
        // (those left out here, run below) PostgreSQL.
        .args(["--run-ignored", "all", "-E", &format!("not ({})", binaries(&NEED_POSTGRES))])
        .env(LOCALSTRIPE, &stripe.url)
        .status_ok("the native tests")?;
    // Chromium and chromedriver leave profile directories in the temporary directory (about
    // 28 MB a session); the browser steps get one of their own, removed afterwards.
    let scratch = Scratch::new("browser")?;
    // The widget's tests in Chromium need under a core, and so do the storage suites on
    // PostgreSQL (most of their time is spent waiting on the database): they run side by side.
    run::step("Widget tests in headless Chromium: built, then run beside the storage suites on PostgreSQL");
    let widget_tests =
        web_tests::start(web_tests::build()?, &scratch.0, &scratch.0.join("widget-tests.log"))?;
    run::step("The storage suites and the bypass suite again, on a throwaway PostgreSQL");
    let storage = nextest()
        .args(["--run-ignored", "all", "-E", &binaries(&ON_POSTGRES)])
        .env("PAYWALL_TEST_POSTGRES", &postgres.url)
        .env("PAYWALL_TEST_POSTGRES_BIN", postgres.bin())
        .env("PAYWALL_TEST_POSTGRES_DATA", postgres.data())
        .env(LOCALSTRIPE, &stripe.url)
        .status_ok("the storage suites on PostgreSQL");
    drop(stripe);
    // Waited for whatever the suites beside them did: never left running with their browser
    // when the command stops, nor their failures unsaid.
    run::step("Widget tests in headless Chromium (what wasm-bindgen-test-runner printed)");
    let widget = widget_tests.finish();
    storage?;
    widget?;

    run::step(
        "The API against its OpenAPI description (schemathesis): on SQLite, with invalid requests to the admin API, and on PostgreSQL, side by side",
    );
    api_fuzz::setup()?;
    let fuzzing = Scratch::new("schemathesis")?;
    api_fuzz::on_both_databases(&fuzzing.0, &postgres.url)?;
    drop(fuzzing);
    drop(postgres);

    // The native tests above built the server binary, with the widget in it, for their
    // integration tests; building it again here with other features would only cost time.
    // The end-to-end tests keep both cores busy (Chromium drawing pages, three test files at a
    // time: `e2e/package.json`): nothing runs beside them.
    run::step("End-to-end tests in headless Chromium against the real server");
    run::command("npm")
        .args(["test", "--silent"])
        .current_dir(root().join("e2e"))
        .env("PAYWALL_SERVER_BIN", root().join("target/debug/paywall-server"))
        .env("PAYWALL_SITE", root())
        .env(CHEAP_HASHES, "1")
        .env("TMPDIR", &scratch.0)
        .status_ok("end-to-end tests")
}

/// `cargo xtask fuzz [SECONDS] [TARGET...]`.
fn fuzz() -> Result<(), Failed> {
    let mut args = std::env::args().skip(2).peekable();
    let seconds = match args.peek().map(|first| first.parse::<u64>()) {
        Some(Ok(seconds)) => {
            args.next();
            seconds
        }
        _ => 60,
    };
    fuzz::run(seconds, &args.collect::<Vec<_>>())
}

/// Fails on an import cycle among the modules of the server, the widget or the protocol.
fn no_import_cycles() -> Result<(), Failed> {
    run::step("No import cycles among the modules of the server, the widget and the protocol");
    let mut found = 0;
    for src in ["server/src", "src", "protocol/src"] {
        let cycles = layers::cycles(&root().join(src)).map_err(Failed)?;
        for cycle in &cycles {
            println!(
                "    {src}: {} → {} (of {} modules in one circle: {})",
                cycle.shortest.join(" → "),
                cycle.shortest[0],
                cycle.modules.len(),
                cycle.modules.join(", ")
            );
            for because in &cycle.because {
                println!("        {because}");
            }
        }
        found += cycles.len();
    }
    match found {
        0 => {
            println!("    none");
            Ok(())
        }
        1 => Err(Failed("an import cycle: move what ties it to a module below both".into())),
        found => Err(Failed(format!("{found} import cycles: move what ties them to a module below both"))),
    }
}

/// A temporary directory of this run's own, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Result<Self, Failed> {
        let dir = std::env::temp_dir().join(format!("paywall-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|error| Failed(format!("creating {}: {error}", dir.display())))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Makes the server's build fail if the widget is not built, instead of leaving it out.
const EMBEDDED_WIDGET: &str = "PAYWALL_REQUIRE_EMBEDDED_WIDGET";

/// Makes a debug-built server's new password hashes cheap (the server's `CHEAP_IN_TESTS`): the
/// tests below start hundreds of servers and sign in by password thousands of times.
const CHEAP_HASHES: &str = "PAYWALL_TEST_CHEAP_PASSWORD_HASHES";

/// Where the server's tests find the Stripe emulator.
const LOCALSTRIPE: &str = "PAYWALL_TEST_LOCALSTRIPE";

/// The server's test suites that run on PostgreSQL too: those whose promises rest on what
/// differs between the databases (transactions, locks, claims and leases, limits counted in
/// the database, several servers on one database, crashes and restarts), and the bypass
/// suite. The rest send the same SQL through the same store functions, and run on SQLite only.
const ON_POSTGRES: [&str; 15] = [
    "store",
    "bypass",
    "servers",
    "crash",
    "postgres_restart",
    "meter",
    "gifts",
    "limits",
    "webhooks",
    "checkout",
    "localstripe",
    "prune",
    "codes",
    "sessions",
    "staff",
];

/// The suites among those that only run on PostgreSQL: several servers on one database, and
/// PostgreSQL stopped under the server.
const NEED_POSTGRES: [&str; 2] = ["servers", "postgres_restart"];

/// A nextest filter that picks the test binaries named.
fn binaries(names: &[&str]) -> String {
    names.iter().map(|name| format!("binary({name})")).collect::<Vec<_>>().join(" | ")
}

/// `cargo nextest run` over the whole workspace, with the server built to hold the widget.
fn nextest() -> std::process::Command {
    let mut nextest = run::cargo();
    nextest
        .args(["nextest", "run", "--workspace", "--no-fail-fast"])
        .env(EMBEDDED_WIDGET, "1")
        .env(CHEAP_HASHES, "1");
    nextest
}

/// The widget beside its peers on the same article page in headless Chromium, the API's load
/// numbers on both databases, and the emailed-code sign-in, against the release server;
/// printed, and written with the machine and the command to `BENCHMARKS.md`. Numbers are
/// reported, never asserted.
fn bench() -> Result<(), Failed> {
    setup::everything()?;
    setup::bench_peers()?;
    build::widget()?;
    build::server()?;
    let server = root().join("target/release/paywall-server");
    let node = |script: &str, args: &[&str]| {
        let mut node = run::command("node");
        node.arg(script)
            .args(args)
            .current_dir(root().join("e2e"))
            .env("PAYWALL_SERVER_BIN", &server)
            .env("PAYWALL_SITE", root())
            .env("PAYWALL_BENCH_PEERS", root().join(setup::BENCH_PEERS).join("node_modules"));
        node
    };
    run::step("Benchmark: the widget beside Ghost Portal and the Unlock paywall (headless Chromium)");
    let pages = node("bench-pages.mjs", &["9"]).stdout_ok("the page benchmark")?;
    println!("{pages}");
    run::step("Benchmark: the first click, and a subscriber's page-load (headless Chromium)");
    let first = node("bench-prompt-first.mjs", &["7"]).stdout_ok("the first-click benchmark")?;
    println!("{first}");
    run::step("Benchmark: the API under load (wrk)");
    let load = load::report()?;
    println!("{load}");
    run::step("Benchmark: overload, each hot path at twice its capacity (open loop)");
    let overload = overload::report()?;
    println!("{overload}");
    run::step("Benchmark: emailed code submitted → locked sections on screen");
    let sign_in = node("bench-code-sign-in.mjs", &[]).stdout_ok("the sign-in benchmark")?;
    println!("{sign_in}");
    let report = format!(
        "# Benchmarks\n\n\
         The last output of `cargo xtask bench`, on {machine}. Every number is measured on one \
         machine in one run, over loopback, with the load tool and the browser on the same cores \
         as the server: compare them within a run and from run to run, not with other machines.\n\n\
         ## The widget beside its peers\n\n{pages}\n\
         ## After the prompt: the first click, and subscribers\n\n{first}\n\
         ## The API under load\n\n{load}\n\
         ## Overload: twice the capacity, shed at the door\n\n\
         Each path's capacity (closed loop, 32 workers, 5 s), then twice that offered at a fixed \
         arrival rate, then half of it for 5 s. The release server on one core (SQLite), held to \
         a share of it, the \
         generator (`server/examples/open_loop.rs`) on the other; latency counted from when \
         each request was due. `PAYWALL_MAX_IN_FLIGHT` 64, `PAYWALL_QUEUE_TIMEOUT_MS` 50 (the defaults).\n\n{overload}\n\
         ## Signing in\n\n```\n{sign_in}```\n",
        machine = machine(),
    );
    std::fs::write(root().join("BENCHMARKS.md"), report)
        .map_err(|error| Failed(format!("writing BENCHMARKS.md: {error}")))?;
    println!("\nwritten to BENCHMARKS.md");
    Ok(())
}

/// `cargo xtask bench overload`: the overload section alone, printed, not written.
fn bench_overload() -> Result<(), Failed> {
    setup::for_building()?;
    build::widget()?;
    build::server()?;
    let overload = overload::report()?;
    println!("{overload}");
    Ok(())
}

/// This machine as the report names it: the date, the processor and its cores, the memory,
/// the system.
fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let processor = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")?.split_once(':').map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_else(|| "an unknown processor".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory_gb = read("/proc/meminfo")
        .lines()
        .find_map(|line| {
            line.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?.trim().parse::<f64>().ok()
        })
        .map_or(String::new(), |kb| format!(", {:.0} GB", kb / 1024.0 / 1024.0));
    let system = read("/etc/os-release")
        .lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME=").map(|name| name.trim_matches('"').to_owned()))
        .unwrap_or_default();
    let date = run::command("date").args(["-u", "+%Y-%m-%d"]).output_text().unwrap_or_default();
    format!("{} ({processor}, {cores} cores{memory_gb}, {system})", date.trim())
}

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_path_buf()
}
