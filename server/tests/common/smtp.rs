//! A real SMTP server on loopback that keeps what it receives: enough of RFC 5321 for a
//! client that sends plain mail (EHLO, MAIL, RCPT, DATA, QUIT; no TLS, no auth). Written here
//! because the SMTP server crates are blocking and cannot be stopped.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One message as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// Everything between DATA and the final dot, headers included, with a
    /// quoted-printable body decoded.
    pub data: String,
}

/// The message with its body decoded if it was sent quoted-printable.
fn decoded(data: String) -> String {
    let Some((head, body)) = data.split_once("\n\n") else {
        return data;
    };
    if !head.to_ascii_lowercase().contains("content-transfer-encoding: quoted-printable") {
        return data;
    }
    let body = quoted_printable::decode(body.replace('\n', "\r\n"), quoted_printable::ParseMode::Robust)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_else(|_| body.to_owned());
    format!("{head}\n\n{body}")
}

/// A sink listening on 127.0.0.1, on a port of its own.
pub struct SmtpSink {
    /// `smtp://127.0.0.1:PORT`, for `PAYWALL_SMTP_URL`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
}

impl SmtpSink {
    /// Starts a sink on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (keep, notify) = (received.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (keep, notify) = (keep.clone(), notify.clone());
                tokio::spawn(async move {
                    let _ = session(socket, keep, notify).await;
                });
            }
        });
        SmtpSink { url, received, arrived }
    }

    /// Every message so far.
    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (at most 10 s) until `count` messages have arrived, and returns the last.
    pub async fn wait_for(&self, count: usize) -> Received {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let notified = self.arrived.notified();
            tokio::pin!(notified);
            // Registered before looking, so a message that lands in between still wakes us.
            notified.as_mut().enable();
            if let Some(message) = self.messages().get(count - 1) {
                return message.clone();
            }
            tokio::time::timeout_at(deadline, notified).await.expect("the email arrives within 10 s");
        }
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    keep: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut to = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 sink\r\n"
        } else if command.starts_with("RCPT TO:") {
            to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
            b"250 OK\r\n"
        } else if command.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            while let Some(line) = lines.next_line().await? {
                if line == "." {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                data.push('\n');
            }
            keep.lock().unwrap().push(Received { to: std::mem::take(&mut to), data: decoded(data) });
            arrived.notify_waiters();
            b"250 kept\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
    Ok(())
}
