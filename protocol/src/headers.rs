//! The API's own HTTP headers, by name: what the widget sends and reads, and what the server
//! reads and sends. In lower case, as HTTP/2 writes every header name and as
//! `http::HeaderName::from_static` takes one; HTTP/1.1 compares names without regard to case,
//! so `VISITOR` is the `Paywall-Visitor` the documentation writes.

/// The anonymous id the publisher's meter gives a browser nobody is signed in on: the server
/// sends a new one with `GET /v1/articles/{id}/locked` (and lets a page's script read it), and
/// the widget sends the one it keeps with the next such request.
pub const VISITOR: &str = "paywall-visitor";

/// A gift link's token, sent with `GET /v1/articles/{id}/locked` by a browser that opened the
/// link.
pub const GIFT: &str = "paywall-gift";

/// The token `POST /v1/checkout` gave the browser that started a checkout, sent with
/// `GET /v1/checkout/{id}` to confirm it: only that browser can.
pub const CHECKOUT_TOKEN: &str = "paywall-checkout-token";

/// Every header above, for the server's CORS settings and for tests.
pub const ALL: [&str; 3] = [VISITOR, GIFT, CHECKOUT_TOKEN];
