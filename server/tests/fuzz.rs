//! Fuzz targets for every parser of outside input: the readers CSV importer, the article
//! importer (Markdown and HTML), Stripe's webhook signature and event body, `X-Forwarded-For`,
//! and the widget files' `Accept-Encoding` and `If-None-Match`.
//!
//! Each target is a plain `#[test]` driven by bolero. Under `cargo test` it replays its corpus
//! (`tests/__fuzz__/<target>/corpus/`, the target's name without `fuzz_`; also `crashes/`, where
//! a crash the coverage-guided run found is kept until it is fixed) and then random inputs
//! for a bounded time ([`BOUND`]; `BOLERO_RANDOM_TEST_TIME_MS` changes it, and a failure
//! prints the `BOLERO_RANDOM_SEED` that replays it). `cargo xtask fuzz` builds this file with
//! libFuzzer and runs each target for longer, adding what reaches new code to its corpus.
//!
//! The properties: no input makes a parser panic, and where a parser's answer can be checked
//! without parsing again, it is (a CSV that reads writes back to the same rows; a signed
//! event verifies and any change to it does not; the client is the socket or the right-most
//! untrusted forwarded address; a compressed body is one the request accepts).

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use bolero::{TypeGenerator, check};
use http_body_util::BodyExt;
use ipnet::IpNet;
use paywall_server::http::client::client_address;
use paywall_server::money::stripe_events::{self, Event, SignatureError};
use paywall_server::publishing::import::{self, Overrides};
use paywall_server::publishing::readers_csv;
use paywall_server::widget::{Widget, matches_etag};
use tower::ServiceExt;

/// How long each target runs on random inputs under `cargo test`, after its corpus: the
/// targets together stay within about 20 s of a debug build on two cores.
const BOUND: Duration = Duration::from_secs(2);

#[test]
fn fuzz_readers_csv() {
    check!().with_test_time(BOUND).for_each(|input: &[u8]| {
        let Ok(members) = readers_csv::read(input) else { return };
        // What was read writes out and reads back as the same rows (formulas made inert and
        // undone, times as RFC 3339).
        let mut written = Vec::new();
        readers_csv::write(&members, &mut written).expect("writing to memory cannot fail");
        let again = readers_csv::read(written.as_slice());
        assert_eq!(again.as_ref(), Ok(&members), "written as:\n{}", String::from_utf8_lossy(&written));
    });
}

#[test]
fn fuzz_import_markdown() {
    check!().with_test_time(BOUND).for_each(|input: &[u8]| import_checked("article.md", input));
}

#[test]
fn fuzz_import_html() {
    check!().with_test_time(BOUND).for_each(|input: &[u8]| import_checked("article.html", input));
}

/// An imported article, if the file is one, has what the store needs: a usable id, a title
/// and titled sections.
fn import_checked(path: &str, input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let Ok(article) = import::parse(Path::new(path), &text, &Overrides::default()) else { return };
    assert!(import::valid_id(&article.id), "{:?}", article.id);
    assert!(!article.title.is_empty() && article.title.trim() == article.title, "{:?}", article.title);
    assert!(article.sections.iter().all(|(title, _)| !title.trim().is_empty()), "{:?}", article.sections);
    assert_eq!(article.stored().sections.len(), article.sections.len());
}

/// The secret the Stripe corpus is signed with, and the time it is checked at.
const STRIPE_SECRET: &str = "whsec_fuzz";
const STRIPE_NOW: i64 = 1_767_225_600;

/// The input is a webhook as it arrives: the `Stripe-Signature` header on the first line, the
/// body after it.
#[test]
fn fuzz_stripe_signature() {
    check!().with_test_time(BOUND).for_each(|input: &[u8]| {
        let (header, body) = match input.iter().position(|&byte| byte == b'\n') {
            Some(at) => (&input[..at], &input[at + 1..]),
            None => (input, &[][..]),
        };
        let header = std::str::from_utf8(header).ok();
        let result = stripe_events::verify(header, body, &[STRIPE_SECRET.to_owned()], STRIPE_NOW);
        if result.is_ok() {
            // Passing needs the MAC of this body at a time within the tolerance.
            let header = header.expect("a header passed").to_ascii_lowercase();
            let signed = (STRIPE_NOW - stripe_events::TOLERANCE_SECONDS
                ..=STRIPE_NOW + stripe_events::TOLERANCE_SECONDS)
                .any(|at| header.contains(signature_of(&stripe_events::sign(body, STRIPE_SECRET, at))));
            assert!(signed, "{header}");
        }
    });
}

/// The input is an event body: whatever it is, reading it and asking what it is about does
/// not panic.
#[test]
fn fuzz_stripe_event() {
    check!().with_test_time(BOUND).for_each(|input: &[u8]| {
        if let Ok(event) = serde_json::from_slice::<Event>(input) {
            let _ = (event.subscription_id(), event.checkout_id());
        }
    });
}

/// A webhook signed as Stripe signs it, and one change to it.
#[derive(Debug, TypeGenerator)]
struct SignedWebhook {
    body: Vec<u8>,
    secret: String,
    signed_at: i64,
    /// When it arrives, from the time it was signed.
    delay: i16,
    /// When it arrives, any time at all.
    arrives_at: i64,
    change: Change,
}

#[derive(Debug, TypeGenerator)]
enum Change {
    /// One byte of the body flipped.
    Body { at: usize, flip: u8 },
    /// Another time in the header.
    Time { by: i64 },
    /// One hex digit of the signature another.
    Digit { at: usize, by: u8 },
    /// Checked with another secret, or none.
    Secret { other: String },
    /// Any byte of the header replaced.
    Header { at: usize, byte: u8 },
}

#[test]
fn fuzz_stripe_round_trip() {
    check!().with_type::<SignedWebhook>().with_test_time(BOUND).for_each(|webhook| {
        let SignedWebhook { body, secret, signed_at, delay, arrives_at, change } = webhook;
        let secrets = [secret.clone()];
        let header = stripe_events::sign(body, secret, *signed_at);
        let within = |now: i64| (i128::from(now) - i128::from(*signed_at)).abs() <= 300;
        for now in [signed_at.saturating_add(i64::from(*delay)), *arrives_at] {
            let expected = if within(now) { Ok(()) } else { Err(SignatureError::Stale) };
            assert_eq!(
                stripe_events::verify(Some(&header), body, &secrets, now),
                expected,
                "{header} at {now}"
            );
        }
        let now = *signed_at;
        let verify = |header: &str, body: &[u8]| stripe_events::verify(Some(header), body, &secrets, now);
        match change {
            Change::Body { at, flip } if !body.is_empty() && *flip != 0 => {
                let mut changed = body.clone();
                changed[at % body.len()] ^= flip;
                assert_eq!(verify(&header, &changed), Err(SignatureError::Mismatch));
            }
            Change::Time { by } if *by != 0 => {
                let moved = signed_at.wrapping_add(*by);
                let changed = header.replacen(&format!("t={signed_at},"), &format!("t={moved},"), 1);
                let result = stripe_events::verify(Some(&changed), body, &secrets, moved);
                assert_eq!(result, Err(SignatureError::Mismatch), "{changed}");
            }
            Change::Digit { at, by } if by % 16 != 0 => {
                let signature = signature_of(&header);
                let at = at % signature.len();
                let digit = u8::from_str_radix(&signature[at..=at], 16).expect("sign writes hex");
                let other = format!("{:x}", (digit + by % 16) % 16);
                let changed = format!("t={signed_at},v1={}{other}{}", &signature[..at], &signature[at + 1..]);
                assert_eq!(verify(&changed, body), Err(SignatureError::Mismatch), "{changed}");
            }
            // HMAC pads a short key with zeros: `k` and `k\0` are one key (found by
            // `cargo xtask fuzz`; Stripe's secrets are `whsec_` and base64, never NUL).
            Change::Secret { other } if other.trim_end_matches('\0') != secret.trim_end_matches('\0') => {
                let result = stripe_events::verify(Some(&header), body, std::slice::from_ref(other), now);
                assert_eq!(result, Err(SignatureError::Mismatch));
                assert_eq!(
                    stripe_events::verify(Some(&header), body, &[], now),
                    Err(SignatureError::Mismatch)
                );
            }
            Change::Header { at, byte } => {
                let mut changed = header.clone().into_bytes();
                let at = at % changed.len();
                changed[at] = *byte;
                let Ok(changed) = String::from_utf8(changed) else { return };
                // Equivalent spellings pass (`A` for `a` in the hex, a space after the comma);
                // nothing passes without the signature itself.
                if verify(&changed, body).is_ok() {
                    assert!(changed.to_ascii_lowercase().contains(signature_of(&header)), "{changed}");
                }
            }
            _ => {}
        }
    });
}

/// The hex of a header `sign` made.
fn signature_of(header: &str) -> &str {
    header.split_once(",v1=").expect("sign writes t=…,v1=…").1
}

/// The proxies the forwarded-address targets trust.
fn trusted_proxies() -> Vec<IpNet> {
    ["10.0.0.0/8", "2001:db8:ffff::/48"].map(|net| net.parse().expect("a network")).to_vec()
}

/// The input is `X-Forwarded-For` as any client may write it, one header line per line.
#[test]
fn fuzz_forwarded_for() {
    let trusted = trusted_proxies();
    let proxy: IpAddr = Ipv4Addr::new(10, 0, 0, 1).into();
    let stranger: IpAddr = Ipv4Addr::new(198, 51, 100, 7).into();
    check!().with_test_time(BOUND).for_each(|input: &[u8]| {
        let mut headers = HeaderMap::new();
        for line in input.split(|&byte| byte == b'\n') {
            if let Ok(value) = HeaderValue::from_bytes(line) {
                headers.append("x-forwarded-for", value);
            }
        }
        assert_eq!(client_address(stranger, &headers, &trusted), stranger, "believed a stranger");
        let client = client_address(proxy, &headers, &trusted);
        assert!(client == proxy || !trusted.iter().any(|net| net.contains(&client)), "{client}");
    });
}

/// A chain of proxies, each adding the address it was reached from in one of the ways
/// proxies write them.
#[derive(Debug, TypeGenerator)]
struct ForwardedChain {
    socket: Hop,
    entries: Vec<(Hop, Spelling, bool)>,
}

#[derive(Debug, TypeGenerator)]
struct Hop {
    ip: IpAddr,
    /// Moved into a trusted network.
    trusted: bool,
}

impl Hop {
    fn ip(&self) -> IpAddr {
        match (self.ip, self.trusted) {
            (IpAddr::V4(ip), true) => Ipv4Addr::from(ip.to_bits() & 0x00ff_ffff | 0x0a00_0000).into(),
            (IpAddr::V6(ip), true) => {
                Ipv6Addr::from(ip.to_bits() & ((1u128 << 80) - 1) | (0x2001_0db8_ffffu128 << 80)).into()
            }
            (ip, false) => ip,
        }
    }
}

#[derive(Debug, TypeGenerator)]
enum Spelling {
    Plain,
    Port(u16),
    Bracketed,
    BracketedPort(u16),
    Quoted,
    /// IPv4 as an IPv4-mapped IPv6 address.
    Mapped,
}

impl Spelling {
    fn write(&self, ip: IpAddr) -> String {
        match (self, ip) {
            (Spelling::Port(port), IpAddr::V4(_)) => format!("{ip}:{port}"),
            (Spelling::Port(port) | Spelling::BracketedPort(port), IpAddr::V6(_)) => format!("[{ip}]:{port}"),
            (Spelling::Bracketed, _) => format!("[{ip}]"),
            (Spelling::Quoted, _) => format!("\"{ip}\""),
            (Spelling::Mapped, IpAddr::V4(v4)) => v4.to_ipv6_mapped().to_string(),
            _ => ip.to_string(),
        }
    }
}

#[test]
fn fuzz_forwarded_chain() {
    let trusted = trusted_proxies();
    check!().with_type::<ForwardedChain>().with_test_time(BOUND).for_each(|chain| {
        let mut headers = HeaderMap::new();
        let mut line = String::new();
        for (n, (hop, spelling, new_line)) in chain.entries.iter().enumerate() {
            if *new_line && !line.is_empty() {
                headers.append("x-forwarded-for", HeaderValue::from_str(&line).expect("addresses are ASCII"));
                line.clear();
            }
            let separator = if line.is_empty() {
                ""
            } else if n % 2 == 0 {
                ","
            } else {
                " , "
            };
            line += separator;
            line += &spelling.write(hop.ip());
        }
        if !line.is_empty() {
            headers.append("x-forwarded-for", HeaderValue::from_str(&line).expect("addresses are ASCII"));
        }
        let socket = chain.socket.ip().to_canonical();
        let believed = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
        let expected = if believed(&socket) {
            let mut hops = chain.entries.iter().rev().map(|(hop, ..)| hop.ip().to_canonical());
            hops.find(|ip| !believed(ip)).unwrap_or(socket)
        } else {
            socket
        };
        assert_eq!(client_address(chain.socket.ip(), &headers, &trusted), expected, "{headers:?}");
    });
}

/// The widget's loader, served from a directory laid out as `www/` is.
const LOADER: &str = "import init from './pkg/paywall.js';\ninit('./pkg/paywall_bg.wasm');\n";

/// The input is a request's `Accept-Encoding` and `If-None-Match` lines, alternately, for
/// `/paywall.js`.
#[test]
fn fuzz_widget_request_headers() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(dir.path().join("pkg")).expect("pkg/");
    std::fs::write(dir.path().join("paywall.js"), LOADER).expect("the loader");
    std::fs::write(dir.path().join("pkg/paywall.js"), "export default function init() {}").expect("the glue");
    std::fs::write(dir.path().join("pkg/paywall_bg.wasm"), b"\0asm\x01\0\0\0").expect("the wasm");
    let router: Router = Widget::from_dir(dir.path()).expect("the widget's files").router();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
    let get = |headers: HeaderMap| {
        let mut request = Request::get("/paywall.js").body(Body::empty()).expect("a request");
        *request.headers_mut() = headers;
        runtime.block_on(async {
            let response = router.clone().oneshot(request).await.expect("the router answers");
            let (parts, body) = response.into_parts();
            (parts, body.collect().await.expect("the body").to_bytes())
        })
    };
    let (plain, loader) = get(HeaderMap::new());
    let etag = plain.headers[header::ETAG].clone();
    let get = AssertUnwindSafe(get);
    check!().with_test_time(BOUND).for_each(|input: &[u8]| {
        let mut headers = HeaderMap::new();
        for (n, line) in input.split(|&byte| byte == b'\n').enumerate() {
            let name = if n % 2 == 0 { header::ACCEPT_ENCODING } else { header::IF_NONE_MATCH };
            if let Ok(value) = HeaderValue::from_bytes(line) {
                headers.append(name, value);
            }
        }
        let (answer, body) = get(headers.clone());
        if matches_etag(&headers, &etag) {
            assert_eq!(answer.status, StatusCode::NOT_MODIFIED);
            return;
        }
        assert_eq!(answer.status, StatusCode::OK);
        let accepted = headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(",");
        let mut unpacked = Vec::new();
        match answer.headers.get(header::CONTENT_ENCODING).map(HeaderValue::as_bytes) {
            None => unpacked = body.to_vec(),
            Some(b"br") => {
                assert!(accepted.contains("br") || accepted.contains('*'), "{accepted}");
                brotli::Decompressor::new(&body[..], 4096).read_to_end(&mut unpacked).expect("brotli");
            }
            Some(b"gzip") => {
                assert!(accepted.contains("gzip") || accepted.contains('*'), "{accepted}");
                flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut unpacked).expect("gzip");
            }
            Some(other) => panic!("an encoding of its own: {other:?}"),
        }
        assert_eq!(unpacked, loader, "{accepted}");
    });
}
