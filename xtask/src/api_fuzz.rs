//! The API against its own description: schemathesis (from PyPI, in a virtual environment under
//! `.tools/`) reads `/v1/openapi.json` from a running server and sends a bounded number of
//! generated requests to every operation, checking that none gets a 5xx and that every answer
//! (its status, content type, headers and body) is one the description allows.
//!
//! Its hooks (`xtask/schemathesis_hooks.py`) give each operation the credential it names and
//! real ids, and each request an address of its own; its settings (`xtask/schemathesis.toml`)
//! fail the run on any of its warnings, each of which means that part of the API went
//! untested (only 401/403, only 404, mostly 429, or everything generated refused).

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::root;
use crate::run::{Failed, Run, command};
use crate::server::Server;
use crate::setup;

const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Checks for valid requests: each answer is one the description allows.
const POSITIVE_CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                               response_schema_conformance,response_headers_conformance";

/// Checks for invalid requests: refused as the description says, never with a 5xx.
const NEGATIVE_CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance";

/// Which requests a run sends, and how many per operation and phase.
#[derive(Clone, Copy)]
enum Requests {
    /// Valid requests to the operations of `Part`: each answer one the description allows.
    Valid(u32, Part),
    /// Invalid requests to the admin API: each refused as the description says.
    InvalidToAdmin(u32),
}

/// Which of the API's operations a run of valid requests sends to.
#[derive(Clone, Copy)]
enum Part {
    Everything,
    /// The admin API (`/v1/admin/`).
    Admin,
    /// Everything but the admin API: the readers' operations and the publisher's sign-in.
    Readers,
}

/// The admin API's operations, as schemathesis picks them by path.
const ADMIN_PATHS: &str = "^/v1/admin/";

/// Installs schemathesis if missing.
pub fn setup() -> Result<(), Failed> {
    setup::python_tool(&venv(), "schemathesis", SCHEMATHESIS_VERSION, "st")
}

/// Runs schemathesis against the debug server (with the demo's data and an admin key) on
/// `database` (SQLite in `scratch` when `None`), in `scratch`, where its caches go too; what
/// it prints goes to `log`.
fn run(
    scratch: &Path,
    database: Option<&str>,
    requests: Requests,
    log: &std::fs::File,
) -> Result<(), Failed> {
    let binary = root().join("target/debug/paywall-server");
    let data = scratch.join("data");
    let mut create_key = command(&binary);
    create_key
        .args(["api-key", "create", "--name", "schemathesis"])
        .env("PAYWALL_DATA", &data)
        .env("RUST_LOG", "warn");
    if let Some(url) = database {
        create_key.env("DATABASE_URL", url);
    }
    let output = create_key
        .output_text()
        .ok_or_else(|| Failed("creating an API key for schemathesis failed".into()))?;
    // The key is the last line: a warning may come before it.
    let key = output.lines().last().unwrap_or_default().trim().to_owned();
    // Publisher sign-in set up with a key made for this run, whose private half the hooks sign
    // tokens with, so that its endpoint gets past the signature too.
    let publisher_key = scratch.join("publisher.pem");
    let publisher_private_key = scratch.join("publisher-private.pem");
    command("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&publisher_private_key)
        .status_ok("openssl genpkey (a publisher key for schemathesis)")?;
    command("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&publisher_private_key)
        .arg("-out")
        .arg(&publisher_key)
        .status_ok("openssl pkey")?;
    // The provider's port is chosen first, for the server to know its issuer; it starts once
    // the server's callback address is known (discovery happens only at a sign-in).
    let idp_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|probe| probe.local_addr())
        .map_err(|error| Failed(format!("finding a port for the test provider: {error}")))?
        .port();
    let providers = scratch.join("providers.json");
    let list = format!(
        r#"[{{"id": "test-idp", "name": "Test IdP", "issuer": "http://127.0.0.1:{idp_port}",
              "client_id": "paywall", "client_secret": "{IDP_SECRET}"}}]"#
    );
    std::fs::write(&providers, list)
        .map_err(|error| Failed(format!("writing {}: {error}", providers.display())))?;
    let settings = [
        ("PAYWALL_PUBLISHER_KEY_FILE", publisher_key.as_os_str()),
        ("PAYWALL_PUBLISHER_ISSUER", OsStr::new("https://publisher.example")),
        // Every request says where it comes from (`X-Forwarded-For`), as behind a proxy, so that
        // the limits per client address answer what they would to many readers, not 429s. The
        // demo runs behind a proxy only when told it may be public.
        ("PAYWALL_TRUSTED_PROXIES", OsStr::new("127.0.0.1")),
        ("PAYWALL_DEMO_PUBLIC", OsStr::new("true")),
        (crate::CHEAP_HASHES, OsStr::new("1")),
        // Passkeys for the publisher's site, and a real OpenID Connect provider on loopback.
        ("PAYWALL_CORS_ORIGINS", OsStr::new("http://localhost:8081")),
        ("PAYWALL_PASSKEY_RP_ID", OsStr::new("localhost")),
        ("PAYWALL_OIDC_PROVIDERS_FILE", providers.as_os_str()),
    ];
    let server = Server::start(&binary, &data, database, &settings)?;
    let callback = format!("http://{}/v1/providers/test-idp/callback", server.addr);
    let _idp = Idp::start(idp_port, &callback)?;
    let schemathesis = |mode: &str, checks: &str, examples: u32| {
        let mut st = command(venv().join("bin/st"));
        st.arg("--config-file")
            .arg(root().join("xtask/schemathesis.toml"))
            .args(["run", &format!("http://{}/v1/openapi.json", server.addr)])
            .args(["--checks", checks, "--mode", mode, "--phases", "examples,coverage,fuzzing"])
            .args(["--max-examples", &examples.to_string()])
            .args(["--seed", "1", "--workers", "1", "--request-timeout", "10"])
            .args(["--generation-database", "none", "--no-color"])
            .current_dir(scratch)
            .env("HYPOTHESIS_STORAGE_DIRECTORY", scratch.join("hypothesis"))
            .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
            .env("PYTHONPATH", root().join("xtask"))
            // No `__pycache__` beside the hooks, in the source tree.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PAYWALL_ST_SERVER", format!("http://{}", server.addr))
            .env("PAYWALL_ST_ADMIN_KEY", &key)
            .env("PAYWALL_ST_PUBLISHER_KEY", &publisher_private_key);
        if let (Ok(out), Ok(err)) = (log.try_clone(), log.try_clone()) {
            st.stdout(out).stderr(err);
        }
        st
    };
    match requests {
        Requests::Valid(examples, part) => {
            let mut valid = schemathesis("positive", POSITIVE_CHECKS, examples);
            match part {
                Part::Everything => &mut valid,
                Part::Admin => valid.args(["--include-path-regex", ADMIN_PATHS]),
                Part::Readers => valid.args(["--exclude-path-regex", ADMIN_PATHS]),
            }
            .status_ok("schemathesis")
        }
        Requests::InvalidToAdmin(examples) => schemathesis("negative", NEGATIVE_CHECKS, examples)
            // The admin API: what a publisher's scripts send, typos and all.
            .args(["--include-path-regex", ADMIN_PATHS])
            // Its warnings are about reaching the logic behind the checks, which invalid
            // requests are not meant to (an operation with no parameters can only be sent
            // without its key, and is refused with 401 every time).
            .args(["--warnings", "off"])
            .status_ok("schemathesis, invalid requests to the admin API"),
    }
}

/// The test provider's client secret (loopback only).
const IDP_SECRET: &str = "schemathesis-client-secret";

/// The test OpenID Connect provider (`e2e/oidc-idp.mjs`), stopped when dropped.
struct Idp(std::process::Child);

impl Idp {
    /// Starts it on `port`, sending readers back to `callback`, and waits until it listens.
    fn start(port: u16, callback: &str) -> Result<Self, Failed> {
        use std::io::BufRead;
        let mut child = command("node")
            .arg(root().join("e2e/oidc-idp.mjs"))
            .args([&port.to_string(), callback, IDP_SECRET])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|error| Failed(format!("starting the test provider (node): {error}")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let listening =
            lines.by_ref().map_while(Result::ok).any(|line| line.starts_with("oidc-idp listening on"));
        // The rest is read and dropped, so that the provider never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        if !listening {
            let _ = child.kill();
            return Err(Failed("the test provider (e2e/oidc-idp.mjs) did not start".into()));
        }
        Ok(Idp(child))
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn venv() -> PathBuf {
    root().join(".tools/schemathesis")
}

/// The runs of `cargo xtask test`, side by side, each against a server of its own (each is one
/// Python process, up to a core's work with the server it drives): valid requests on SQLite,
/// in two runs (the admin API, and the rest: of about equal length, so that both cores stay
/// busy to the end), invalid ones to the admin API on SQLite, and valid ones on PostgreSQL at
/// `postgres`. Each run's output is printed whole when all are done.
pub fn on_both_databases(scratch: &Path, postgres: &str) -> Result<(), Failed> {
    let readers = Side::new(scratch, "sqlite-readers")?;
    let admin = Side::new(scratch, "sqlite-admin")?;
    let invalid = Side::new(scratch, "sqlite-invalid")?;
    let on_postgres = Side::new(scratch, "postgres")?;
    let database = format!("{postgres}/schemathesis");
    let results = std::thread::scope(|scope| {
        let runs = [
            scope.spawn(|| run(&readers.dir, None, Requests::Valid(50, Part::Readers), &readers.log)),
            scope.spawn(|| run(&admin.dir, None, Requests::Valid(50, Part::Admin), &admin.log)),
            scope.spawn(|| run(&invalid.dir, None, Requests::InvalidToAdmin(50), &invalid.log)),
            // The same valid requests, half as many of each: what differs between the
            // databases is under them, not in what the server refuses, and every operation's
            // coverage phase (its boundaries and each documented value) runs whole on both.
            scope.spawn(|| {
                run(
                    &on_postgres.dir,
                    Some(&database),
                    Requests::Valid(25, Part::Everything),
                    &on_postgres.log,
                )
            }),
        ];
        runs.map(|run| run.join().unwrap_or_else(|_| Err(Failed("a schemathesis run panicked".into()))))
    });
    readers.print("on SQLite, the readers' operations");
    admin.print("on SQLite, the admin API");
    invalid.print("on SQLite, invalid requests to the admin API");
    on_postgres.print("on PostgreSQL");
    results.into_iter().collect()
}

/// One of the runs side by side: its directory and its log.
struct Side {
    dir: PathBuf,
    log: std::fs::File,
    log_path: PathBuf,
}

impl Side {
    fn new(scratch: &Path, name: &str) -> Result<Self, Failed> {
        let dir = scratch.join(name);
        std::fs::create_dir_all(&dir)
            .map_err(|error| Failed(format!("creating {}: {error}", dir.display())))?;
        let log_path = scratch.join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path)
            .map_err(|error| Failed(format!("creating {}: {error}", log_path.display())))?;
        Ok(Side { dir, log, log_path })
    }

    fn print(&self, what: &str) {
        println!("\n--- schemathesis {what} ---");
        let text = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        print!("{text}");
        let _ = std::io::stdout().flush();
    }
}
