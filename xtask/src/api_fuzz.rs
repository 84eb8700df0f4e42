//! The API against its own description: schemathesis (from PyPI, in a virtual environment under
//! `.tools/`) reads `/v1/openapi.json` from a running server and sends a bounded number of
//! generated requests to every operation, checking that none gets a 5xx and that every answer
//! (its status, content type, headers and body) is one the description allows.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::root;
use crate::run::{Failed, Run, command};
use crate::server::Server;
use crate::setup;

const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// An Ed25519 public key whose private half was thrown away when it was made.
const PUBLISHER_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAUXUVXayCdkIXgPkq7UiSTNB3Lt4NDs1GYHjQbgnh2YM=
-----END PUBLIC KEY-----
";

/// Generated requests per operation and phase: enough to reach every field, and a run of
/// about a minute.
const EXAMPLES: &str = "50";

/// Installs schemathesis if missing.
pub fn setup() -> Result<(), Failed> {
    setup::python_tool(&venv(), "schemathesis", SCHEMATHESIS_VERSION, "st")
}

/// Runs schemathesis against the debug server (with the demo's data and an admin key) in
/// `scratch`, where its caches go too.
pub fn run(scratch: &Path) -> Result<(), Failed> {
    let binary = root().join("target/debug/paywall-server");
    let data = scratch.join("data");
    let key = command(&binary)
        .args(["api-key", "create", "--name", "schemathesis"])
        .env("PAYWALL_DATA", &data)
        .env("RUST_LOG", "warn")
        .output_text()
        .ok_or_else(|| Failed("creating an API key for schemathesis failed".into()))?;
    // Publisher sign-in set up, so that its endpoint answers as it does in production (its
    // tokens refused: nobody has this key's private half).
    let publisher_key = scratch.join("publisher.pem");
    std::fs::write(&publisher_key, PUBLISHER_PUBLIC_KEY)
        .map_err(|error| Failed(format!("writing {}: {error}", publisher_key.display())))?;
    let settings = [
        ("PAYWALL_PUBLISHER_KEY_FILE", publisher_key.as_os_str()),
        ("PAYWALL_PUBLISHER_ISSUER", OsStr::new("https://publisher.example")),
    ];
    let server = Server::start(&binary, &data, None, &settings)?;
    let spec = format!("http://{}/v1/openapi.json", server.addr);
    command(venv().join("bin/st"))
        .args(["run", &spec, "--header"])
        .arg(format!("Authorization: Bearer {}", key.trim()))
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
            // Valid requests, so that they reach the handlers; the server's own tests send the
            // malformed ones.
            "--mode",
            "positive",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            EXAMPLES,
            "--seed",
            "1",
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--generation-database",
            "none",
            "--no-color",
        ])
        .current_dir(scratch)
        .env("HYPOTHESIS_STORAGE_DIRECTORY", scratch.join("hypothesis"))
        .status_ok("schemathesis")
}

fn venv() -> PathBuf {
    root().join(".tools/schemathesis")
}
