//! Load shedding: at most so many requests are worked on at once, and a request that cannot
//! start within a short wait is answered `503` with `Retry-After` at once, instead of joining a
//! queue that only grows while arrivals outpace the work. Those admitted keep a bounded
//! latency, and the server is back to normal as soon as the surge ends.
//!
//! The wait is short and fixed (CoDel's idea in its simplest form): a burst smaller than the
//! limit waits a moment and is served; a sustained overload is refused at the door, where a
//! refusal costs almost nothing. Health probes are outside this layer (see `routes::app`), so
//! a busy server is not mistaken for a dead one.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::error::AppError;

/// Seconds a shed client is told to wait: long enough for a surge to pass, short enough that
/// a reader barely notices.
pub const RETRY_AFTER_SECONDS: u64 = 1;

/// The door every request passes.
#[derive(Clone, Debug)]
pub struct Admission {
    in_flight: Arc<Semaphore>,
    wait: Duration,
    /// How long a body may take to arrive, and how large it may be (by path), before it is
    /// counted.
    body_deadline: Duration,
    max_body: fn(&str) -> usize,
}

impl Admission {
    /// At most `in_flight` requests at once; a request waits at most `wait` for its turn; a
    /// body of at most `max_body(path)` bytes arrives within `body_deadline` before that.
    pub fn new(
        in_flight: usize,
        wait: Duration,
        body_deadline: Duration,
        max_body: fn(&str) -> usize,
    ) -> Self {
        Admission { in_flight: Arc::new(Semaphore::new(in_flight)), wait, body_deadline, max_body }
    }

    /// The admission the configuration sets, with each path's body limit.
    pub fn from_config(config: &Config, max_body: fn(&str) -> usize) -> Self {
        let in_flight = usize::try_from(config.connections.max_in_flight).unwrap_or(usize::MAX);
        Admission::new(
            in_flight,
            Duration::from_millis(config.connections.queue_timeout_ms),
            Duration::from_secs(config.connections.request_timeout),
            max_body,
        )
    }
}

/// Reads the body, then runs the request once a place is free, or sheds it with `503` and
/// `Retry-After`. The body comes first, outside the count: a client that sends its body
/// slowly (on purpose or not) must not hold a place while it does, or a few such clients
/// would shut everyone else out. No more is read than the path's own limit.
pub async fn admit(State(admission): State<Admission>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let limit = (admission.max_body)(parts.uri.path());
    let body = match tokio::time::timeout(admission.body_deadline, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => axum::body::Body::from(bytes),
        Ok(Err(error)) => {
            let too_large = std::error::Error::source(&error)
                .is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>());
            let (status, detail) = match too_large {
                true => (StatusCode::PAYLOAD_TOO_LARGE, format!("The body is larger than {limit} bytes.")),
                false => (StatusCode::BAD_REQUEST, "The body could not be read.".to_owned()),
            };
            return AppError::InvalidRequest { status, detail }.into_response();
        }
        Err(_) => return AppError::RequestTimeout.into_response(),
    };
    let request = Request::from_parts(parts, body);
    let place = match admission.in_flight.clone().try_acquire_owned() {
        Ok(place) => place,
        Err(_) => {
            match tokio::time::timeout(admission.wait, admission.in_flight.clone().acquire_owned()).await {
                Ok(Ok(place)) => place,
                _ => {
                    tracing::debug!(path = request.uri().path(), "shed: too many requests in flight");
                    return AppError::Overloaded { retry_after: RETRY_AFTER_SECONDS }.into_response();
                }
            }
        }
    };
    let response = next.run(request).await;
    drop(place);
    response
}
