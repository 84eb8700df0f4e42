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
//! When every place is taken, a new connection is not left in the operating system's queue
//! (where a reader would wait, unanswered, until some connection timed out): the connection
//! that has waited longest for a request (a kept-alive one between requests, or one that has
//! sent nothing yet) is closed to make room, as nginx reuses its idle keep-alive connections.
//! If none is waiting, every place is working on a request: the new connection is answered
//! `503` with `Retry-After` at once, as a request shed by admission is (`http::admission`).
//!
//! The body and the work are bounded by the router's own time limit (a 408 problem); see
//! `routes::app`. A failed read or write ends the connection, and hyper drops the request.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::IntoResponse;
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
use crate::error::AppError;
use crate::http::admission::RETRY_AFTER_SECONDS;
use crate::http::client::{Client, is_trusted_proxy};

/// Connections answered `503` at once while every place is working: each takes a moment (the
/// answer written, the request read so that closing does not reset it); past this many at once,
/// a new connection is closed unanswered.
const TURNED_AWAY_AT_ONCE: usize = 64;

/// How long a connection turned away may take, from the accept to its close.
const TURN_AWAY_WITHIN: Duration = Duration::from_secs(2);

/// How long the accept loop waits for the place of a connection it closed to make room.
const ROOM_WITHIN: Duration = Duration::from_millis(200);

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

/// A connection as the accept loop sees it: where it is, and a way to close it while it waits
/// for a request.
struct Watch {
    phase: Mutex<Phase>,
    /// Set when the connection is to close, to make room for a new one.
    closing: AtomicBool,
    /// The task waiting to read the connection's next request, woken to close it.
    reader: Mutex<Option<Waker>>,
}

impl Watch {
    fn new(phase: Phase) -> Arc<Self> {
        Arc::new(Watch {
            phase: Mutex::new(phase),
            closing: AtomicBool::new(false),
            reader: Mutex::new(None),
        })
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().expect("the phase lock is never poisoned")
    }
}

/// Every connection being served, so that the one waiting longest can be closed for a new one.
#[derive(Default)]
struct Open {
    next: AtomicU64,
    watches: Mutex<HashMap<u64, Arc<Watch>>>,
}

impl Open {
    /// Counts `watch` among the open connections until the returned guard is dropped.
    fn register(self: &Arc<Self>, watch: Arc<Watch>) -> Registered {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.watches.lock().expect("the registry lock is never poisoned").insert(id, watch);
        Registered { open: self.clone(), id }
    }

    /// Tells the connection that has waited longest for a request to close; whether there was
    /// one. Connections at work (reading a request, handling it, writing its reply) are left.
    fn close_longest_waiting(&self) -> bool {
        let watches = self.watches.lock().expect("the registry lock is never poisoned");
        let longest = watches
            .values()
            .filter(|watch| !watch.closing.load(Ordering::Relaxed))
            .filter_map(|watch| match *watch.phase() {
                Phase::Waiting { since, .. } => Some((since, watch)),
                Phase::Head { .. } | Phase::Handling => None,
            })
            .min_by_key(|(since, _)| *since);
        let Some((_, watch)) = longest else { return false };
        watch.closing.store(true, Ordering::Relaxed);
        if let Some(reader) = watch.reader.lock().expect("the waker lock is never poisoned").take() {
            reader.wake();
        }
        true
    }
}

/// One connection counted among the open ones, until dropped.
struct Registered {
    open: Arc<Open>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.open.watches.lock().expect("the registry lock is never poisoned").remove(&self.id);
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
    let turning_away = Arc::new(Semaphore::new(TURNED_AWAY_AT_ONCE));
    let open_per_client = Arc::new(OpenPerClient::default());
    let serving = Serving { app, deadlines, graceful: GracefulShutdown::new(), open: Arc::default() };
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Reap finished connections so the set does not grow with every one ever served.
        while connections.try_join_next().is_some() {}
        // Room for one more connection before accepting it: a free place, or while every place
        // is taken, the means to find it one or answer it 503. With neither, new connections
        // wait in the operating system's queue.
        let room = tokio::select! {
            biased;
            () = &mut shutdown => break,
            place = permits.clone().acquire_owned() => Ok(place.expect("the semaphore is never closed")),
            turning = turning_away.clone().acquire_owned() => Err(turning.expect("the semaphore is never closed")),
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
        let place = match room {
            Ok(place) => place,
            Err(turning) => match room_made(&permits, &serving.open).await {
                Some(place) => place,
                None => {
                    tracing::debug!(%remote, "every connection is at work: answering 503");
                    connections.spawn(async move {
                        let _held = (turning, slot);
                        turn_away(stream).await;
                    });
                    continue;
                }
            },
        };
        connections.spawn(serving.connection(stream, remote, (place, slot)));
    }
    drop(listener);
    while connections.try_join_next().is_some() {}
    let open = connections.len();
    tracing::info!(open, "shutting down: no new connections; letting requests in progress finish");
    if tokio::time::timeout(grace, serving.graceful.shutdown()).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            seconds = grace.as_secs(),
            "shutdown grace over: closing the connections left"
        );
    }
    connections.shutdown().await;
}

/// What serving each connection needs.
struct Serving {
    app: Router,
    deadlines: Deadlines,
    graceful: GracefulShutdown,
    open: Arc<Open>,
}

impl Serving {
    /// Serves one connection with the router, watched by its deadlines and counted among the
    /// open ones, holding `held` (its place and its client's count) until it ends.
    fn connection(
        &self,
        stream: TcpStream,
        remote: std::net::SocketAddr,
        held: (tokio::sync::OwnedSemaphorePermit, Option<ClientSlot>),
    ) -> impl Future<Output = ()> + Send + 'static {
        // Replies are small and written whole: send them at once, not after a delayed ACK.
        let _ = stream.set_nodelay(true);
        let watch = Watch::new(Phase::Waiting { since: Instant::now(), limit: self.deadlines.header });
        let registered = self.open.register(watch.clone());
        let router = self.app.clone();
        let started = watch.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            *started.phase() = Phase::Handling;
            request.extensions_mut().insert(ConnectInfo(remote));
            router.clone().oneshot(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .header_read_timeout(None)
            .serve_connection(TokioIo::new(Watched::new(stream, watch, self.deadlines)), service);
        let connection = self.graceful.watch(connection);
        async move {
            let _held = (held, registered);
            if let Err(error) = connection.await {
                tracing::debug!(%remote, %error, "connection ended");
            }
        }
    }
}

/// A place for a new connection while every place was taken: one freed meanwhile, or the place
/// of the connection that has waited longest for a request, closed for it. `None` if every
/// connection is at work.
async fn room_made(permits: &Arc<Semaphore>, open: &Open) -> Option<tokio::sync::OwnedSemaphorePermit> {
    if let Ok(permit) = permits.clone().try_acquire_owned() {
        return Some(permit);
    }
    if !open.close_longest_waiting() {
        return None;
    }
    // The closed connection's task ends at its next poll, which gives its place back.
    tokio::time::timeout(ROOM_WITHIN, permits.clone().acquire_owned()).await.ok()?.ok()
}

/// Answers a connection `503` with `Retry-After`, the problem a request shed by admission gets,
/// and closes it. hyper reads the request (so that closing does not reset the connection before
/// the client has read the answer) and writes the answer with `Connection: close`.
async fn turn_away(stream: TcpStream) {
    let service = hyper::service::service_fn(|_request: Request<Incoming>| {
        std::future::ready(Ok::<_, std::convert::Infallible>(
            AppError::Overloaded { retry_after: RETRY_AFTER_SECONDS }.into_response(),
        ))
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .header_read_timeout(None)
        .serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(TURN_AWAY_WITHIN, connection).await;
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
    watch: Arc<Watch>,
    deadlines: Deadlines,
    read_timer: Pin<Box<Sleep>>,
    write_timer: Pin<Box<Sleep>>,
    /// Since when a write has been waiting for the client to read.
    write_stalled_since: Option<Instant>,
    /// When the reply being written started.
    reply_started: Option<Instant>,
}

impl Watched {
    fn new(stream: TcpStream, watch: Arc<Watch>, deadlines: Deadlines) -> Self {
        let far = Instant::now() + Duration::from_secs(24 * 60 * 60);
        Watched {
            stream,
            watch,
            deadlines,
            read_timer: Box::pin(tokio::time::sleep_until(far)),
            write_timer: Box::pin(tokio::time::sleep_until(far)),
            write_stalled_since: None,
            reply_started: None,
        }
    }

    /// When a read waiting now, in `phase`, must give up, if ever.
    fn read_deadline(&self, phase: Phase) -> Option<Instant> {
        match phase {
            Phase::Waiting { since, limit } => Some(since + limit),
            Phase::Head { since } => Some(since + self.deadlines.header),
            Phase::Handling => None,
        }
    }

    /// Bytes came in: a waiting connection now has a request arriving.
    fn bytes_read(&mut self) {
        let mut phase = self.watch.phase();
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
        let mut phase = self.watch.phase();
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

impl Watched {
    /// Whether the connection, waiting for a request, was told to close to make room for a new
    /// one. The flag is read first: the phase's lock is taken only for a connection told.
    fn told_to_close(&self) -> bool {
        self.watch.closing.load(Ordering::Relaxed) && matches!(*self.watch.phase(), Phase::Waiting { .. })
    }

    /// A read that waits for a request leaves its task to be woken if the connection is told to
    /// close; whether it was told meanwhile (checked after, so that no telling is missed).
    fn wait_for_request(&self, cx: &Context<'_>) -> bool {
        let mut reader = self.watch.reader.lock().expect("the waker lock is never poisoned");
        match reader.as_mut() {
            Some(waker) => waker.clone_from(cx.waker()),
            None => *reader = Some(cx.waker().clone()),
        }
        self.watch.closing.load(Ordering::Relaxed)
    }
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // Closed to make room: the end of the stream, as if the client had closed it, which
        // hyper takes as a connection ended between requests.
        if this.told_to_close() {
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.bytes_read();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                let phase = *this.watch.phase();
                if matches!(phase, Phase::Waiting { .. }) && this.wait_for_request(cx) {
                    return Poll::Ready(Ok(()));
                }
                match this.read_deadline(phase) {
                    Some(deadline) if expired(&mut this.read_timer, deadline, cx) => {
                        Poll::Ready(Err(timed_out("no complete request in time")))
                    }
                    _ => Poll::Pending,
                }
            }
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
