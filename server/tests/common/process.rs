//! The real `paywall-server` binary on a free loopback port with a fresh data directory, and a
//! bare HTTP/1.1 client that sends exactly the bytes a test gives it (a normalising client could
//! not send `/../` or a header that never ends).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A running `paywall-server` process.
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its data directory.
    pub dir: TempDir,
    log: Arc<Mutex<String>>,
}

/// How a server that would not start ended.
#[derive(Debug)]
pub struct StartFailed {
    /// Its exit status.
    pub status: Option<ExitStatus>,
    /// What it printed.
    pub log: String,
}

impl ServerProcess {
    /// Starts the binary with only `env` (and a data directory and loopback address unless
    /// `env` names them); panics if it does not say where it listens within 30 s.
    pub fn start(env: &[(&str, &str)]) -> Self {
        Self::try_start(env).unwrap_or_else(|failed| panic!("the server did not start: {failed:?}"))
    }

    /// Starts the binary, or says how it ended.
    pub fn try_start(env: &[(&str, &str)]) -> Result<Self, StartFailed> {
        Self::try_start_in(tempfile::tempdir().expect("a temporary directory"), env)
    }

    /// Starts the binary on `dir`, a data directory a server used before (one killed with
    /// [`ServerProcess::kill`]), or says how it ended.
    pub fn try_start_in(dir: TempDir, env: &[(&str, &str)]) -> Result<Self, StartFailed> {
        Self::try_start_under(&[], dir, env)
    }

    /// Starts the binary through `wrapper` (a program and its arguments, which runs the
    /// binary: `fiu-run -x`), on `dir`, or says how it ended.
    pub fn try_start_under(
        wrapper: &[&str],
        dir: TempDir,
        env: &[(&str, &str)],
    ) -> Result<Self, StartFailed> {
        let binary = env!("CARGO_BIN_EXE_paywall-server");
        let mut command = match wrapper {
            [] => Command::new(binary),
            [program, arguments @ ..] => {
                let mut command = Command::new(program);
                command.args(arguments).arg(binary);
                command
            }
        };
        // Nothing from the developer's environment: every setting comes from the test (and the
        // run's PostgreSQL database, if it uses one).
        command.env_clear();
        if let Some(url) = super::database_url_for(&dir.path().join("data")) {
            command.env("DATABASE_URL", url);
        }
        command
            .env("PAYWALL_ADDR", "127.0.0.1:0")
            .env("PAYWALL_DATA", dir.path().join("data"))
            .env("PAYWALL_SITE", concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the server binary runs");
        let log = Arc::new(Mutex::new(String::new()));
        keep_lines(child.stderr.take().expect("stderr is piped"), log.clone(), |_| {});
        let (found, listening) = mpsc::channel();
        keep_lines(child.stdout.take().expect("stdout is piped"), log.clone(), move |line| {
            if let Some(url) = line.split("listening on http://").nth(1) {
                let _ = found.send(url.trim().parse::<SocketAddr>().expect("an address"));
            }
        });
        match listening.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => Ok(ServerProcess { child, addr, dir, log }),
            Err(_) => {
                let status = wait_for_exit(&mut child, Duration::from_secs(5));
                if status.is_none() {
                    let _ = child.kill();
                }
                // The stderr thread finishes once the process is gone.
                std::thread::sleep(Duration::from_millis(100));
                let log = log.lock().unwrap().clone();
                Err(StartFailed { status, log })
            }
        }
    }

    /// What the server has printed so far (standard output and error).
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// What the server has printed, once it includes `text` (or after 10 s).
    pub fn log_once_it_says(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(text) || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process id, for counting its open files.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process with SIGKILL (as the kernel's out-of-memory killer or a hard stop
    /// would: no shutdown, nothing flushed by the process), and gives back its data directory.
    pub fn kill(mut self) -> TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The process is gone; an empty directory takes the data's place for `drop`.
        std::mem::replace(&mut self.dir, tempfile::tempdir().expect("a temporary directory"))
    }

    /// Sends SIGTERM and waits up to `limit` for the process to exit; `None` if it did not.
    pub fn terminate(&mut self, limit: Duration) -> Option<ExitStatus> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        wait_for_exit(&mut self.child, limit)
    }

    /// Sends `raw` on a new connection and reads the whole reply.
    pub fn send(&self, raw: &str) -> RawReply {
        send(self.addr, raw.as_bytes())
    }

    /// A complete request with `Connection: close`, `headers` (each `Name: value`) and `body`.
    pub fn request(&self, method: &str, path: &str, headers: &[&str], body: Option<&str>) -> RawReply {
        self.send(&raw_request(method, path, headers, body))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends every line `output` prints to `log`, on a thread of its own, and shows each to `seen`.
fn keep_lines(
    output: impl Read + Send + 'static,
    log: Arc<Mutex<String>>,
    seen: impl Fn(&str) + Send + 'static,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(output).lines().map_while(Result::ok) {
            {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
            seen(&line);
        }
    });
}

fn wait_for_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The bytes of a request that asks the server to close the connection after answering.
pub fn raw_request(method: &str, path: &str, headers: &[&str], body: Option<&str>) -> String {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for header in headers {
        raw.push_str(header);
        raw.push_str("\r\n");
    }
    if let Some(body) = body {
        raw.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    raw.push_str("\r\n");
    raw.push_str(body.unwrap_or_default());
    raw
}

/// What came back over the wire.
#[derive(Clone, Debug)]
pub struct RawReply {
    /// The status code (0 if the connection closed without a reply).
    pub status: u16,
    /// The header lines, as sent.
    pub head: String,
    /// The body, with any chunked framing taken off.
    pub body: String,
}

impl RawReply {
    /// The value of the first header with this name, if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }
}

/// Sends `raw` on a new connection to `addr` and reads until the server closes it (at most 20 s).
pub fn send(addr: SocketAddr, raw: &[u8]) -> RawReply {
    let mut stream = TcpStream::connect(addr).expect("the server accepts a connection");
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    stream.write_all(raw).expect("the request is sent");
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    parse_reply(&bytes)
}

/// A reply's status, head and body.
pub fn parse_reply(bytes: &[u8]) -> RawReply {
    let split = bytes.windows(4).position(|window| window == b"\r\n\r\n");
    let (head, body) = match split {
        Some(at) => (&bytes[..at], &bytes[at + 4..]),
        None => (bytes, &[][..]),
    };
    let head = String::from_utf8_lossy(head).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    let body = if chunked { unchunk(body) } else { body.to_vec() };
    RawReply { status, head, body: String::from_utf8_lossy(&body).into_owned() }
}

/// The body of a `Transfer-Encoding: chunked` message.
fn unchunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|window| window == b"\r\n") {
        let size = std::str::from_utf8(&rest[..line_end]).ok().and_then(|size| {
            usize::from_str_radix(size.split(';').next().unwrap_or_default().trim(), 16).ok()
        });
        let after = &rest[line_end + 2..];
        match size {
            Some(size) if size > 0 && after.len() >= size => {
                body.extend_from_slice(&after[..size]);
                rest = after[size..].strip_prefix(b"\r\n").unwrap_or(&after[size..]);
            }
            _ => break,
        }
    }
    body
}
