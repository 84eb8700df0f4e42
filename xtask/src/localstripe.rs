//! localstripe (PyPI): a stateful emulator of Stripe's API (customers, plans, subscriptions,
//! invoices) that signs its webhooks as Stripe does. The server's tests run its Stripe client
//! and its webhook checks against it; it runs on a free loopback port for the length of the
//! test run and is stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::root;
use crate::run::{Failed, command};
use crate::setup;

const LOCALSTRIPE_VERSION: &str = "1.15.10";

/// A running emulator.
pub struct Localstripe {
    child: Child,
    /// Its API's base URL, `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Localstripe {
    /// Installs localstripe if missing, starts it on a free port, and waits until it listens.
    pub fn start() -> Result<Self, Failed> {
        setup::python_tool(&venv(), "localstripe", LOCALSTRIPE_VERSION, "localstripe")?;
        // The port is free when it is picked and taken by localstripe a moment later; in
        // between something else may take it (localstripe listens on every address, where the
        // pick looked at loopback alone), and localstripe then exits. A new port then.
        let mut said = String::new();
        for _ in 0..3 {
            match Self::start_on_a_free_port() {
                Ok(localstripe) => return Ok(localstripe),
                Err(why) => said = why,
            }
        }
        Err(Failed(format!(
            "localstripe did not start listening, three times; the last time it said:\n{said}"
        )))
    }

    fn start_on_a_free_port() -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|error| format!("a free port: {error}"))?
            .port();
        let log = tempfile_in_target(&format!("localstripe-{port}.log"))?;
        let child = command(venv().join("bin/localstripe"))
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).map_err(|error| format!("{}: {error}", log.display()))?)
            .spawn()
            .map_err(|error| format!("starting localstripe: {error}"))?;
        let mut localstripe = Localstripe { child, url: format!("http://127.0.0.1:{port}") };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if started.elapsed() > Duration::from_secs(30)
                || localstripe.child.try_wait().ok().flatten().is_some()
            {
                return Err(std::fs::read_to_string(&log).unwrap_or_default());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = std::fs::remove_file(&log);
        println!("    ✓ localstripe {LOCALSTRIPE_VERSION} on {}", localstripe.url);
        Ok(localstripe)
    }
}

/// A file of this name in `target/tmp` (made if missing).
fn tempfile_in_target(name: &str) -> Result<PathBuf, String> {
    let dir = root().join("target/tmp");
    std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    Ok(dir.join(name))
}

impl Drop for Localstripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        println!("    ✓ localstripe stopped");
    }
}

fn venv() -> PathBuf {
    root().join(".tools/localstripe")
}
