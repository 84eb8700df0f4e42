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
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|error| Failed(format!("a free port: {error}")))?
            .port();
        let child = command(venv().join("bin/localstripe"))
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| Failed(format!("starting localstripe: {error}")))?;
        let mut localstripe = Localstripe { child, url: format!("http://127.0.0.1:{port}") };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if started.elapsed() > Duration::from_secs(30)
                || localstripe.child.try_wait().ok().flatten().is_some()
            {
                return Err(Failed("localstripe did not start listening".into()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        println!("    ✓ localstripe {LOCALSTRIPE_VERSION} on {}", localstripe.url);
        Ok(localstripe)
    }
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
