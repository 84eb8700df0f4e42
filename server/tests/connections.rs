//! Slow and half-open connections, with real sockets on loopback against the real binary:
//! headers that never end, bodies that never come, idle kept-alive connections, a few hundred
//! half-open connections at once, every place taken (by idle connections, or by ones at work),
//! and a shutdown with connections still open.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::ARTICLE;
use common::process::{ServerProcess, parse_reply, raw_request};

/// Connects and sends `bytes`, leaving the connection open.
fn open_with(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("the server accepts the connection");
    stream.write_all(bytes).expect("the bytes are sent");
    stream
}

/// How long until the server closes `stream` (reading whatever it sends first), at most `limit`.
fn closed_after(stream: &mut TcpStream, limit: Duration) -> Option<(Duration, Vec<u8>)> {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Some((started.elapsed(), received)),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error) if error.kind() == ErrorKind::ConnectionReset => {
                return Some((started.elapsed(), received));
            }
            Err(_) => return None,
        }
        if started.elapsed() > limit {
            return None;
        }
    }
}

/// Reads one whole reply (headers and a `Content-Length` body) from a kept-alive connection.
fn read_reply(stream: &mut TcpStream) -> String {
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = stream.read(&mut buffer).expect("a reply");
        assert!(n > 0, "the connection closed before the reply was complete");
        received.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|n| n.trim().parse().unwrap())
                })
                .expect("a Content-Length");
            if body.len() >= length {
                return text;
            }
        }
    }
}

fn keep_alive_request() -> String {
    format!("GET /v1/articles/{ARTICLE} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
}

#[test]
fn headers_that_never_end_are_cut_off_at_the_header_timeout() {
    let server = ServerProcess::start(&[("PAYWALL_DEMO", "true"), ("PAYWALL_HEADER_TIMEOUT", "1")]);
    let mut silent = open_with(server.addr, b"");
    let mut half = open_with(server.addr, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    // One header byte every 300 ms: always sending, never done.
    let mut trickle = open_with(server.addr, b"G");
    let started = Instant::now();
    for byte in b"ET / HTTP/1.1\r\nX-Slow: abcdef".iter() {
        std::thread::sleep(Duration::from_millis(300));
        if trickle.write_all(&[*byte]).is_err() {
            break;
        }
    }
    let trickled_for = started.elapsed();
    assert!(trickled_for < Duration::from_secs(4), "the trickling connection was cut off: {trickled_for:?}");
    for (what, stream) in [("silent", &mut silent), ("half a request", &mut half)] {
        let (after, _) =
            closed_after(stream, Duration::from_secs(5)).unwrap_or_else(|| panic!("{what} was never closed"));
        println!("# {what}: closed {} ms after the test looked", after.as_millis());
    }
    // The server still answers.
    assert_eq!(server.request("GET", &format!("/v1/articles/{ARTICLE}"), &[], None).status, 200);
}

#[test]
fn a_body_that_never_comes_gets_a_408_at_the_request_timeout() {
    let server = ServerProcess::start(&[("PAYWALL_DEMO", "true"), ("PAYWALL_REQUEST_TIMEOUT", "1")]);
    let head = "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    let mut stream = open_with(server.addr, format!("{head}{{\"email\":").as_bytes());
    let started = Instant::now();
    let (after, bytes) = closed_after(&mut stream, Duration::from_secs(6)).expect("the connection is closed");
    let reply = parse_reply(&bytes);
    assert_eq!(reply.status, 408, "{}", reply.head);
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    assert!(started.elapsed() >= Duration::from_millis(900), "not before the timeout: {after:?}");
}

#[test]
fn an_idle_kept_alive_connection_lives_past_the_header_timeout_and_closes_at_the_idle_timeout() {
    let server = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_HEADER_TIMEOUT", "1"),
        ("PAYWALL_IDLE_TIMEOUT", "3"),
    ]);
    let mut stream = open_with(server.addr, keep_alive_request().as_bytes());
    assert!(read_reply(&mut stream).starts_with("HTTP/1.1 200"));
    // Idle for longer than the header timeout: still open, as a load balancer expects.
    std::thread::sleep(Duration::from_millis(1800));
    stream.write_all(keep_alive_request().as_bytes()).unwrap();
    assert!(read_reply(&mut stream).starts_with("HTTP/1.1 200"));
    // Idle past the idle timeout: closed.
    let (after, bytes) =
        closed_after(&mut stream, Duration::from_secs(8)).expect("the idle connection is closed");
    assert!(bytes.is_empty());
    assert!(after >= Duration::from_millis(2500), "closed at the idle timeout, not before: {after:?}");
}

/// How many files the process has open.
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|entries| entries.count()).unwrap_or(0)
}

#[test]
fn three_hundred_half_open_connections_neither_exhaust_files_nor_take_the_site_down() {
    let server = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_HEADER_TIMEOUT", "1"),
        ("PAYWALL_MAX_CONNECTIONS", "50"),
    ]);
    // Settled first: the start-up's pruning and a request have opened the database connections
    // they need.
    std::thread::sleep(Duration::from_millis(300));
    let mut warm = open_with(
        server.addr,
        b"GET /v1/articles/night-trains-second-act HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    assert!(read_reply(&mut warm).starts_with("HTTP/1.1 200"));
    drop(warm);
    std::thread::sleep(Duration::from_millis(200));
    let baseline = open_files(server.pid());
    let mut flood: Vec<TcpStream> = (0..300)
        .map(|_| open_with(server.addr, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never: ends"))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let held = open_files(server.pid());
    println!("# open files: {baseline} before, {held} with 300 half-open connections (cap 50)");
    // 50 connections, 64 being answered 503 (`TURNED_AWAY_AT_ONCE`), and room for one more
    // database connection (its file, journal and shared memory) that a pool may open meanwhile.
    assert!(held <= baseline + 50 + 64 + 4, "{held} files open for a cap of 50 connections");

    // A reader (another address than the flood's) arriving now is answered: told to come back
    // (503 with `Retry-After`) while every place is held by a request still arriving, or
    // served once the flood has timed out.
    let started = Instant::now();
    let mut reader = connect_from("127.0.0.2", server.addr);
    reader.write_all(raw_request("GET", &format!("/v1/articles/{ARTICLE}"), &[], None).as_bytes()).unwrap();
    let (_, bytes) = closed_after(&mut reader, Duration::from_secs(30)).expect("an answer");
    let reply = parse_reply(&bytes);
    assert!(
        reply.status == 200 || (reply.status == 503 && reply.header("retry-after").is_some()),
        "{}",
        reply.head
    );
    println!(
        "# a reader's request during the flood answered {} in {} ms",
        reply.status,
        started.elapsed().as_millis()
    );

    // Every half-open connection is closed in the end (those queued behind the cap in turn),
    // and readers are served again.
    for stream in &mut flood {
        assert!(
            closed_after(stream, Duration::from_secs(30)).is_some(),
            "a half-open connection stayed open"
        );
    }
    assert_eq!(server.request("GET", &format!("/v1/articles/{ARTICLE}"), &[], None).status, 200);
}

#[test]
fn with_every_place_taken_a_new_connection_takes_the_place_of_the_longest_idle_one() {
    let server = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_MAX_CONNECTIONS", "3"),
        ("PAYWALL_IDLE_TIMEOUT", "60"),
    ]);
    // Three readers' browsers keep their connections open between requests, the first idle
    // longest.
    let mut kept: Vec<TcpStream> = Vec::new();
    for _ in 0..3 {
        let mut stream = open_with(server.addr, keep_alive_request().as_bytes());
        assert!(read_reply(&mut stream).starts_with("HTTP/1.1 200"));
        kept.push(stream);
        std::thread::sleep(Duration::from_millis(50));
    }
    // A fourth reader is served at once, not left waiting the minute until one of them idles out.
    let started = Instant::now();
    let mut fourth = open_with(server.addr, keep_alive_request().as_bytes());
    assert!(read_reply(&mut fourth).starts_with("HTTP/1.1 200"));
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // The longest idle was closed for it; the others are still open and still served.
    let (_, sent) = closed_after(&mut kept[0], Duration::from_secs(2)).expect("the longest idle is closed");
    assert!(sent.is_empty(), "closed without a reply: {}", String::from_utf8_lossy(&sent));
    kept[2].write_all(keep_alive_request().as_bytes()).unwrap();
    assert!(read_reply(&mut kept[2]).starts_with("HTTP/1.1 200"));
}

#[test]
fn with_every_place_at_work_a_new_connection_is_answered_503_at_once() {
    let server = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_MAX_CONNECTIONS", "2"),
        ("PAYWALL_HEADER_TIMEOUT", "30"),
    ]);
    // Two requests whose headers are still arriving hold both places.
    let held: Vec<TcpStream> =
        (0..2).map(|_| open_with(server.addr, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")).collect();
    std::thread::sleep(Duration::from_millis(300));
    // A third is answered at once, as a request shed by admission is, not queued for 30 s.
    let started = Instant::now();
    let reply = server.request("GET", &format!("/v1/articles/{ARTICLE}"), &[], None);
    assert_eq!(reply.status, 503, "{}", reply.head);
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert!(reply.body.contains("urn:paywall:overloaded"), "{}", reply.body);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // Once a place frees, readers are served.
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.request("GET", &format!("/v1/articles/{ARTICLE}"), &[], None).status, 200);
}

#[test]
fn shutdown_finishes_in_bounded_time_with_connections_still_open() {
    let mut server = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_HEADER_TIMEOUT", "30"),
        ("PAYWALL_REQUEST_TIMEOUT", "30"),
        ("PAYWALL_IDLE_TIMEOUT", "30"),
        ("PAYWALL_SHUTDOWN_TIMEOUT", "1"),
    ]);
    let _half_open: Vec<TcpStream> = (0..20).map(|_| open_with(server.addr, b"GET / HTTP/1.1\r\n")).collect();
    let head = "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n";
    let _body_never_comes = open_with(server.addr, head.as_bytes());
    let mut idle = open_with(server.addr, keep_alive_request().as_bytes());
    assert!(read_reply(&mut idle).starts_with("HTTP/1.1 200"));
    std::thread::sleep(Duration::from_millis(300));

    let started = Instant::now();
    let status = server.terminate(Duration::from_secs(10)).expect("the server exits after SIGTERM");
    let took = started.elapsed();
    println!("# shutdown with 22 connections open took {} ms", took.as_millis());
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // The idle connection was closed, not left hanging.
    assert!(closed_after(&mut idle, Duration::from_secs(2)).is_some());
}

#[test]
fn a_request_in_progress_at_shutdown_is_answered() {
    let mut server = ServerProcess::start(&[("PAYWALL_DEMO", "true"), ("PAYWALL_SHUTDOWN_TIMEOUT", "5")]);
    // A request whose body is still on its way when the shutdown begins.
    let body = r#"{"email":"subscriber@example.com","password":"paywall-demo"}"#;
    let request = raw_request("POST", "/v1/sessions", &[], Some(body));
    let (first, rest) = request.split_at(request.len() - 10);
    let mut stream = open_with(server.addr, first.as_bytes());
    std::thread::sleep(Duration::from_millis(300));
    let _ = std::process::Command::new("kill").args(["-TERM", &server.pid().to_string()]).status();
    std::thread::sleep(Duration::from_millis(300));
    // No new connection is taken once the shutdown began.
    assert!(TcpStream::connect(server.addr).is_err());
    stream.write_all(rest.as_bytes()).expect("the connection is still open during the grace");
    let (_, bytes) =
        closed_after(&mut stream, Duration::from_secs(6)).expect("the reply comes, then the close");
    assert_eq!(parse_reply(&bytes).status, 201);
    assert!(server.terminate(Duration::from_secs(6)).is_some_and(|status| status.success()));
}

/// A connection from another loopback address (all of 127.0.0.0/8 is this machine).
fn connect_from(source: &str, addr: SocketAddr) -> TcpStream {
    connect_with(source, None, addr)
}

/// A connection from `source`, with a receive buffer of `window` bytes if given.
fn connect_with(source: &str, window: Option<u32>, addr: SocketAddr) -> TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        if let Some(window) = window {
            socket.set_recv_buffer_size(window).unwrap();
        }
        socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
        let stream = socket.connect(addr).await.expect("the server accepts the connection");
        let stream = stream.into_std().unwrap();
        stream.set_nonblocking(false).unwrap();
        stream
    })
}

#[test]
fn one_client_cannot_hold_every_connection() {
    let server = ServerProcess::start(&[
        ("PAYWALL_DEMO", "true"),
        ("PAYWALL_HEADER_TIMEOUT", "30"),
        ("PAYWALL_MAX_CONNECTIONS_PER_CLIENT", "5"),
    ]);
    let _held: Vec<TcpStream> = (0..5).map(|_| open_with(server.addr, b"GET / HTTP/1.1\r\n")).collect();
    std::thread::sleep(Duration::from_millis(300));
    // The sixth from the same address is closed at once, long before any timeout.
    let mut sixth = open_with(server.addr, b"");
    let (after, _) =
        closed_after(&mut sixth, Duration::from_secs(5)).expect("the sixth connection is closed");
    assert!(after < Duration::from_secs(2), "{after:?}");
    // Another client is served.
    let mut other = connect_from("127.0.0.2", server.addr);
    other.write_all(raw_request("GET", &format!("/v1/articles/{ARTICLE}"), &[], None).as_bytes()).unwrap();
    let (_, bytes) = closed_after(&mut other, Duration::from_secs(5)).expect("a reply");
    assert_eq!(parse_reply(&bytes).status, 200);
}

#[test]
fn a_body_sent_after_100_continue_is_held_to_the_request_timeout_not_the_header_timeout() {
    let server = ServerProcess::start(&[("PAYWALL_DEMO", "true"), ("PAYWALL_HEADER_TIMEOUT", "1")]);
    let body = r#"{"email":"subscriber@example.com","password":"paywall-demo"}"#;
    let head = format!(
        "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    let mut stream = open_with(server.addr, head.as_bytes());
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert!(interim.starts_with(b"HTTP/1.1 100 Continue"), "{}", String::from_utf8_lossy(&interim));
    // The body comes in three parts over 1.5 s: longer than the header timeout.
    for part in [&body[..20], &body[20..40], &body[40..]] {
        std::thread::sleep(Duration::from_millis(500));
        stream.write_all(part.as_bytes()).unwrap();
    }
    let (_, bytes) = closed_after(&mut stream, Duration::from_secs(5)).expect("a reply");
    assert_eq!(parse_reply(&bytes).status, 201, "{}", String::from_utf8_lossy(&bytes));
}

#[test]
fn a_reader_too_slow_to_take_a_reply_is_cut_off_and_its_place_freed() {
    // A site with one large file, and a client that reads a little of it now and then.
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("www")).unwrap();
    std::fs::write(site.path().join("index.html"), "<!doctype html><title>t</title>").unwrap();
    std::fs::write(site.path().join("www/large.bin"), vec![7u8; 16 * 1024 * 1024]).unwrap();
    let server = ServerProcess::start(&[
        ("PAYWALL_SITE", site.path().to_str().unwrap()),
        ("PAYWALL_REQUEST_TIMEOUT", "1"),
        ("PAYWALL_MAX_CONNECTIONS_PER_CLIENT", "1"),
    ]);
    // A small receive window, so the server's writes wait on the reader (else the operating
    // system would take the whole reply into its buffers at once).
    let mut slow = connect_with("127.0.0.1", Some(8 * 1024), server.addr);
    slow.write_all(raw_request("GET", "/large.bin", &[], None).as_bytes()).unwrap();
    slow.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 16 * 1024];
    // It keeps reading slowly. (What it still receives after the server closed is the
    // operating system delivering what was already sent into its buffers.)
    let freed = loop {
        std::thread::sleep(Duration::from_millis(400));
        let _ = slow.read(&mut buffer);
        // The client's one place is free again once the server has let go of the slow reply.
        let mut probe = open_with(server.addr, raw_request("GET", "/", &[], None).as_bytes());
        if let Some((_, bytes)) = closed_after(&mut probe, Duration::from_secs(2))
            && parse_reply(&bytes).status == 200
        {
            break started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the slow reader held its place for 20 s");
    };
    println!("# a slow reader's place was freed after {} ms", freed.as_millis());
}
