//! What an operator runs: health and readiness probes kept out of the request log, `migrate`
//! and `serve` subcommands, and JSON logs for a pipeline.

mod common;

use std::process::Command;

use axum::http::{StatusCode, header};
use common::process::ServerProcess;
use common::*;

/// Runs the binary with `args` and nothing from the developer's environment.
fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_paywall-server")).args(args).env_clear().output().unwrap()
}

#[tokio::test]
async fn the_probes_say_alive_and_ready_and_not_ready_once_the_database_is_gone() {
    let server = TestServer::start().await;
    let alive = server.get("/healthz", None).await;
    assert_eq!((alive.status, alive.text.as_str()), (StatusCode::OK, "ok\n"));
    assert_eq!(alive.header(header::CACHE_CONTROL), "no-store");
    let ready = server.get("/readyz", None).await;
    assert_eq!((ready.status, ready.text.as_str()), (StatusCode::OK, "ready\n"));

    server.state.db.close().await;
    assert_eq!(server.get("/readyz", None).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(server.get("/healthz", None).await.status, StatusCode::OK, "the process is still up");
}

#[test]
fn migrate_brings_the_schema_up_to_date_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let migrate = || {
        Command::new(env!("CARGO_BIN_EXE_paywall-server"))
            .arg("migrate")
            .env_clear()
            .env("PAYWALL_DATA", dir.path().join("data"))
            .output()
            .unwrap()
    };
    let first = migrate();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("the database schema is up to date"));
    assert!(dir.path().join("data/paywall.db").exists());
    // Again: nothing to do, and still a success.
    assert!(migrate().status.success());
    // No signing key was made and no demo seeded: migrate touches the schema alone.
    assert!(!dir.path().join("data/signing.key").exists());
}

#[test]
fn help_names_both_commands() {
    let text = String::from_utf8_lossy(&run(&["--help"]).stdout).into_owned();
    assert!(text.contains("serve") && text.contains("migrate"), "{text}");
    assert!(String::from_utf8_lossy(&run(&["migrate", "--help"]).stdout).contains("PAYWALL_DATA"));
}

#[test]
fn serve_is_the_default_and_json_logs_are_one_object_a_line() {
    let server =
        ServerProcess::start(&[("PAYWALL_LOG", "json"), ("RUST_LOG", "debug"), ("PAYWALL_DEMO", "true")]);
    assert_eq!(server.request("GET", "/healthz", &[], None).status, 200);
    assert_eq!(server.request("GET", "/v1/articles/night-trains-second-act", &[], None).status, 200);
    let log = server.log_once_it_says("/v1/articles/night-trains-second-act");
    let lines: Vec<&str> = log.lines().filter(|line| !line.starts_with("paywall-server listening")).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
        assert!(entry["level"].is_string() && entry["timestamp"].is_string(), "{line}");
    }
    // Requests are traced (at debug), probes are not.
    assert!(log.contains("/v1/articles/night-trains-second-act"), "{log}");
    assert!(!log.contains("/healthz"), "{log}");

    assert!(String::from_utf8_lossy(&run(&["serve", "--help"]).stdout).contains("--addr"));
}
