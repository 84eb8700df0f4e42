//! Serving connections: the accept loop, a cap on connections, a deadline on every phase of a
//! connection, and a shutdown that ends in bounded time.
//!
//! `axum::serve` has none of these settings, and hyper's own header timeout also runs while a
//! kept-alive connection waits for its next request, so with it idle connections could live no
//! longer than slow headers (and a load balancer that keeps connections for a minute would see
//! them closed under it). So each socket is wrapped in a [`Watched`] stream that knows which
//! phase its connection is in and fails a read or write that waits past that phase's deadline:
//!
//! - waiting for a request, from the accept (the header timeout) or from the last byte of the
//!   previous reply (the idle timeout), until the request's first byte;
//! - reading the request's headers, from its first byte until the router has it (the header
//!   timeout);
//! - writing: a reply the client leaves unread for the request timeout, or has not read whole
//!   within three times that, closes the connection.
//!
//! One client (an address, or an IPv6 network) holds at most `per_client` connections, so no
//! single host can take every place; trusted proxies, which carry many clients, are exempt.
//!
//! The body and the work are bounded by the router's own time limit (a 408 problem); see
//! `routes::app`. A failed read or write ends the connection, and hyper drops the request.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::config::Config;
use crate::http::client::{Client, is_trusted_proxy};

/// How long each phase of a connection may take.
#[derive(Clone, Copy, Debug)]
pub struct Deadlines {
    /// From the accept to the first request's first byte, and from a request's first byte to
    /// the end of its headers.
    pub header: Duration,
    /// From the end of a reply to the next request's first byte.
    pub idle: Duration,
    /// How long a write may wait for the client to read; a whole reply may take three times this.
    pub write: Duration,
}

/// How many connections may be open at once, in all and per client.
#[derive(Clone, Debug)]
pub struct Capacity {
    /// Connections in all; more wait in the operating system's queue.
    pub total: usize,
    /// Connections from one client (address, or IPv6 network); more are closed at once.
    pub per_client: usize,
    /// How many bits of an IPv6 address name a client.
    pub ipv6_prefix: u8,
    /// Proxies, which carry many clients: not held to `per_client`.
    pub trusted_proxies: Vec<IpNet>,
}

impl Capacity {
    /// The capacity the configuration sets.
    pub fn from_config(config: &Config) -> Self {
        Capacity {
            total: usize::try_from(config.connections.max_connections).unwrap_or(usize::MAX),
            per_client: usize::try_from(config.connections.max_connections_per_client).unwrap_or(usize::MAX),
            ipv6_prefix: config.connections.ipv6_prefix,
            trusted_proxies: config.connections.trusted_proxies.clone(),
        }
    }
}

/// How many connections each client has open.
#[derive(Default)]
struct OpenPerClient(Mutex<HashMap<Client, usize>>);

impl OpenPerClient {
    /// Counts a new connection from `client`, unless it has `limit` open already.
    fn admit(self: &Arc<Self>, client: Client, limit: usize) -> Option<ClientSlot> {
        let mut open = self.0.lock().expect("the count lock is never poisoned");
        let count = open.entry(client).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(ClientSlot { open: self.clone(), client })
    }
}

/// One connection counted for its client, until dropped.
struct ClientSlot {
    open: Arc<OpenPerClient>,
    client: Client,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.open.0.lock().expect("the count lock is never poisoned");
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

impl Deadlines {
    /// The deadlines the configuration sets.
    pub fn from_config(config: &Config) -> Self {
        Deadlines {
            header: Duration::from_secs(config.connections.header_timeout),
            idle: Duration::from_secs(config.connections.idle_timeout),
            write: Duration::from_secs(config.connections.request_timeout),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes: within `capacity`, each connection
/// held to `deadlines`. Then it stops accepting, lets requests in progress finish for up to
/// `grace`, and closes what is left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    deadlines: Deadlines,
    capacity: Capacity,
    grace: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(capacity.total));
    let open_per_client = Arc::new(OpenPerClient::default());
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Reap finished connections so the set does not grow with every one ever served.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    tracing::error!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let peer = remote.ip().to_canonical();
        let slot = if is_trusted_proxy(&capacity.trusted_proxies, &peer) {
            None
        } else {
            let client = Client::new(peer, capacity.ipv6_prefix);
            match open_per_client.admit(client, capacity.per_client) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(%remote, "closing a connection: its client has too many open");
                    continue;
                }
            }
        };
        // Replies are small and written whole: send them at once, not after a delayed ACK.
        let _ = stream.set_nodelay(true);
        let phase = Arc::new(Mutex::new(Phase::Waiting { since: Instant::now(), limit: deadlines.header }));
        let router = app.clone();
        let started = phase.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            *started.lock().expect("the phase lock is never poisoned") = Phase::Handling;
            request.extensions_mut().insert(ConnectInfo(remote));
            router.clone().oneshot(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .header_read_timeout(None)
            .serve_connection(TokioIo::new(Watched::new(stream, phase, deadlines)), service);
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            let _held = (permit, slot);
            if let Err(error) = connection.await {
                tracing::debug!(%remote, %error, "connection ended");
            }
        });
    }
    drop(listener);
    while connections.try_join_next().is_some() {}
    let open = connections.len();
    tracing::info!(open, "shutting down: no new connections; letting requests in progress finish");
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            seconds = grace.as_secs(),
            "shutdown grace over: closing the connections left"
        );
    }
    connections.shutdown().await;
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// Where a connection is, as its deadlines see it.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Waiting for a request's first byte since `since`, for at most `limit`.
    Waiting { since: Instant, limit: Duration },
    /// A request's headers have been arriving since `since`.
    Head { since: Instant },
    /// The router has the request; its own time limit applies.
    Handling,
}

/// A socket that fails a read or write waiting past its connection's deadline.
struct Watched {
    stream: TcpStream,
    phase: Arc<Mutex<Phase>>,
    deadlines: Deadlines,
    read_timer: Pin<Box<Sleep>>,
    write_timer: Pin<Box<Sleep>>,
    /// Since when a write has been waiting for the client to read.
    write_stalled_since: Option<Instant>,
    /// When the reply being written started.
    reply_started: Option<Instant>,
}

impl Watched {
    fn new(stream: TcpStream, phase: Arc<Mutex<Phase>>, deadlines: Deadlines) -> Self {
        let far = Instant::now() + Duration::from_secs(24 * 60 * 60);
        Watched {
            stream,
            phase,
            deadlines,
            read_timer: Box::pin(tokio::time::sleep_until(far)),
            write_timer: Box::pin(tokio::time::sleep_until(far)),
            write_stalled_since: None,
            reply_started: None,
        }
    }

    /// When a read waiting now must give up, if ever.
    fn read_deadline(&self) -> Option<Instant> {
        match *self.phase.lock().expect("the phase lock is never poisoned") {
            Phase::Waiting { since, limit } => Some(since + limit),
            Phase::Head { since } => Some(since + self.deadlines.header),
            Phase::Handling => None,
        }
    }

    /// Bytes came in: a waiting connection now has a request arriving.
    fn bytes_read(&mut self) {
        let mut phase = self.phase.lock().expect("the phase lock is never poisoned");
        if let Phase::Waiting { .. } = *phase {
            *phase = Phase::Head { since: Instant::now() };
            self.reply_started = None;
        }
    }

    /// Bytes went out: a reply is being written, and the wait for the next request starts
    /// from its last byte. When the reply starts, the task is woken: hyper's read was last
    /// polled while the request was handled (with no deadline), and its next poll arms one.
    fn bytes_written(&mut self, cx: &mut Context<'_>) {
        let now = Instant::now();
        self.write_stalled_since = None;
        let mut phase = self.phase.lock().expect("the phase lock is never poisoned");
        let reply_starts = !matches!(*phase, Phase::Waiting { .. });
        *phase = Phase::Waiting { since: now, limit: self.deadlines.idle };
        drop(phase);
        if reply_starts {
            self.reply_started = Some(now);
            cx.waker().wake_by_ref();
        }
    }

    /// Whether a write that cannot go on now has waited too long, or the reply it belongs to
    /// has taken too long in all (arming the timer if not).
    fn write_timed_out(&mut self, cx: &mut Context<'_>) -> bool {
        let now = Instant::now();
        let stalled_since = *self.write_stalled_since.get_or_insert(now);
        let whole_reply = self.reply_started.unwrap_or(now) + 3 * self.deadlines.write;
        expired(&mut self.write_timer, (stalled_since + self.deadlines.write).min(whole_reply), cx)
    }

    /// What a write returned, with the deadline applied. An interim `100 Continue` (sent when
    /// the handler starts reading a body the client asked leave to send) is not the reply.
    fn after_write(
        &mut self,
        result: Poll<io::Result<usize>>,
        interim: bool,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<usize>> {
        match result {
            Poll::Ready(Ok(written)) => {
                if written > 0 && !interim {
                    self.bytes_written(cx);
                }
                Poll::Ready(Ok(written))
            }
            Poll::Pending if self.write_timed_out(cx) => {
                Poll::Ready(Err(timed_out("the client stopped reading")))
            }
            other => other,
        }
    }
}

/// Whether `deadline` has passed; if not, `timer` is set to wake the task then.
fn expired(timer: &mut Pin<Box<Sleep>>, deadline: Instant, cx: &mut Context<'_>) -> bool {
    if Instant::now() >= deadline {
        return true;
    }
    if timer.deadline() != deadline {
        timer.as_mut().reset(deadline);
    }
    timer.as_mut().poll(cx).is_ready()
}

/// Whether bytes about to be written are an interim response (`HTTP/1.1 1xx`), which hyper
/// writes on its own.
fn is_interim(bytes: &[u8]) -> bool {
    bytes.starts_with(b"HTTP/1.1 1") || bytes.starts_with(b"HTTP/1.0 1")
}

fn timed_out(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what)
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.bytes_read();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => match this.read_deadline() {
                Some(deadline) if expired(&mut this.read_timer, deadline, cx) => {
                    Poll::Ready(Err(timed_out("no complete request in time")))
                }
                _ => Poll::Pending,
            },
            error => error,
        }
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.after_write(result, is_interim(buf), cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        let first = bufs.iter().find(|buf| !buf.is_empty()).map_or(&[][..], |buf| &buf[..]);
        this.after_write(result, is_interim(first), cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
