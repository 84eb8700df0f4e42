//! Abuse limits: how often one address or one email may try to sign in or ask for codes, and
//! which address a request comes from.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::AppState;
use crate::error::AppError;

/// One kind of limit, keyed by address or email.
pub struct Limit<K: std::hash::Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: std::hash::Hash + Eq + Clone> Limit<K> {
    /// `burst` requests at once, then one more every `every`.
    fn new(burst: u32, every: Duration) -> Self {
        let burst = NonZeroU32::new(burst).expect("a limit allows at least one request");
        let quota = Quota::with_period(every).expect("a limit's period is not zero").allow_burst(burst);
        Limit { limiter: DefaultKeyedRateLimiter::keyed(quota) }
    }

    /// Counts one request for `key`; a 429 with the wait if it is one too many.
    pub fn check(&self, key: &K) -> Result<(), AppError> {
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited { retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }

    fn forget_idle(&self) {
        self.limiter.retain_recent();
    }
}

/// Every limit the server keeps. They live in this process's memory: behind a load balancer
/// each server counts on its own.
pub struct Limits {
    /// Password, code and link sign-ins from one address.
    pub sign_in_per_ip: Limit<IpAddr>,
    /// Password sign-ins for one email, wherever they come from.
    pub password_per_email: Limit<String>,
    /// Codes sent to one email.
    pub codes_per_email: Limit<String>,
    /// Codes asked for from one address.
    pub codes_per_ip: Limit<IpAddr>,
}

impl Limits {
    /// The limits this server enforces.
    pub fn new() -> Arc<Self> {
        let minute = Duration::from_secs(60);
        Arc::new(Limits {
            sign_in_per_ip: Limit::new(20, minute / 10),
            password_per_email: Limit::new(5, minute),
            codes_per_email: Limit::new(3, 5 * minute),
            codes_per_ip: Limit::new(10, minute),
        })
    }

    /// Drops the counts of keys that have been quiet, so memory does not grow with every
    /// address ever seen. Run every few minutes.
    pub fn forget_idle(&self) {
        self.sign_in_per_ip.forget_idle();
        self.password_per_email.forget_idle();
        self.codes_per_email.forget_idle();
        self.codes_per_ip.forget_idle();
    }
}

/// The address a request comes from: the socket's, unless the socket is a trusted proxy, in
/// which case the last address in `X-Forwarded-For` that is not itself a trusted proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let socket = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| AppError::Internal("the server was started without connection info".into()))?;
        let trusted = &state.config.trusted_proxies;
        if !trusted.contains(&socket) {
            return Ok(ClientIp(socket));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|part| part.trim().parse::<IpAddr>().ok())
            .collect::<Vec<_>>();
        let client = forwarded.into_iter().rev().find(|ip| !trusted.contains(ip)).unwrap_or(socket);
        Ok(ClientIp(client))
    }
}
