//! A paywall server process for the steps that need one running: the load numbers and the
//! API fuzzing.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::root;
use crate::run::Failed;

/// A paywall server in demo mode on a free loopback port, stopped when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `binary` with its data in `data`, on `database` (a SQLite file in `data` when
    /// `None`), with `settings` in its environment, and waits until it listens.
    pub fn start(
        binary: &Path,
        data: &Path,
        database: Option<&str>,
        settings: &[(&str, &OsStr)],
    ) -> Result<Self, Failed> {
        let mut server = Command::new(binary);
        server.envs(settings.iter().copied());
        server
            .env("PAYWALL_ADDR", "127.0.0.1:0")
            .env("PAYWALL_DATA", data)
            .env("PAYWALL_SITE", root())
            .env("PAYWALL_DEMO", "true")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped());
        if let Some(url) = database {
            server.env("DATABASE_URL", url);
        }
        let mut child = server.spawn().map_err(|error| Failed(format!("starting the server: {error}")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| line.split("listening on http://").nth(1)?.trim().parse().ok());
        // The rest is read and dropped: a closed pipe would fail the server's every log line.
        std::thread::spawn(move || lines.for_each(drop));
        match addr {
            Some(addr) => Ok(Server { child, addr }),
            None => {
                let _ = child.kill();
                Err(Failed("the server stopped before listening".into()))
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Signs in as the demo subscriber; their access token.
    pub fn access_token(&self) -> Result<String, Failed> {
        let body = r#"{"email":"subscriber@example.com","password":"paywall-demo"}"#;
        let mut stream = TcpStream::connect(self.addr).map_err(|error| Failed(error.to_string()))?;
        write!(
            stream,
            "POST /v1/sessions HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .map_err(|error| Failed(error.to_string()))?;
        let mut reply = String::new();
        stream.read_to_string(&mut reply).map_err(|error| Failed(error.to_string()))?;
        let token = reply
            .split("\"access_token\":\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| Failed(format!("signing in failed: {reply}")))?;
        Ok(token.to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
