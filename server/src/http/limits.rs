//! Abuse limits: how often one client, one email, or one client for one email may try to sign
//! in, ask for codes or change a password.
//!
//! Limits that protect an account against guessing count per email, but always behind a
//! tighter limit per client and email: a stranger's requests for someone's address stop the
//! stranger long before they could stop the owner.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;

use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::http::client::Client;
use crate::store::{Db, rate_limits};

/// One kind of limit, keyed by client, email, reader, or a pair of them. Counted twice: in
/// this process's memory first (cheap, and a flood stops there without touching the
/// database), then in the database, which every server behind a load balancer shares.
pub struct Limit<K: LimitKey> {
    name: &'static str,
    rate: Rate,
    here: DefaultKeyedRateLimiter<K>,
    db: Db,
}

impl<K: LimitKey> Limit<K> {
    /// A limit of `rate`, named `name` in the database.
    fn new(name: &'static str, rate: Rate, db: &Db) -> Self {
        let burst = NonZeroU32::new(rate.burst).expect("a limit allows at least one request");
        let quota = Quota::with_period(rate.every).expect("a limit's period is not zero").allow_burst(burst);
        Limit { name, rate, here: DefaultKeyedRateLimiter::keyed(quota), db: db.clone() }
    }

    /// Counts one request for `key`; a 429 with the wait if it is one too many, here or on
    /// all servers together.
    pub async fn check(&self, key: &K) -> Result<(), AppError> {
        self.check_here(key)?;
        let mut shared_key = Vec::with_capacity(self.name.len() + 1 + 32);
        shared_key.extend_from_slice(self.name.as_bytes());
        shared_key.push(b':');
        key.write(&mut shared_key);
        let interval_ms = i64::try_from(self.rate.every.as_millis()).unwrap_or(i64::MAX);
        let now_ms = crate::time::now_ms();
        match rate_limits::check(&self.db, &shared_key, now_ms, interval_ms, i64::from(self.rate.burst))
            .await?
        {
            None => Ok(()),
            Some(wait_ms) => {
                Err(AppError::RateLimited { retry_after: ((wait_ms + 999) / 1000).unsigned_abs() })
            }
        }
    }

    /// Counts one request for `key` in this process only.
    pub fn check_here(&self, key: &K) -> Result<(), AppError> {
        self.here.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::RateLimited { retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }

    fn forget_idle(&self) {
        self.here.retain_recent();
        self.here.shrink_to_fit();
    }

    /// How many keys this process remembers.
    pub fn keys(&self) -> usize {
        self.here.len()
    }
}

/// What a limit counts by, written as bytes for the database's key.
pub trait LimitKey: std::hash::Hash + Eq + Clone {
    /// Appends the key's bytes.
    fn write(&self, out: &mut Vec<u8>);
}

impl LimitKey for Client {
    fn write(&self, out: &mut Vec<u8>) {
        match self.ip() {
            IpAddr::V4(v4) => out.extend_from_slice(&v4.octets()),
            IpAddr::V6(v6) => out.extend_from_slice(&v6.octets()),
        }
    }
}

impl LimitKey for EmailKey {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
}

impl LimitKey for i64 {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
}

impl LimitKey for (Client, EmailKey) {
    fn write(&self, out: &mut Vec<u8>) {
        self.0.write(out);
        self.1.write(out);
    }
}

/// An email as the limits key it: a 16-byte digest, so that a key costs the same whatever
/// was typed (an address can be 16 KB of garbage) and no address is kept in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EmailKey([u8; 16]);

impl EmailKey {
    /// The key for an (already normalised) email.
    pub fn new(email: &str) -> Self {
        let digest = Sha256::digest(email.as_bytes());
        EmailKey(digest[..16].try_into().expect("a SHA-256 digest has 32 bytes"))
    }
}

/// Every limit the server keeps, counted by each server and by all of them together (see
/// [`Limit`]).
///
/// Where a limit per email stands behind a limit per client and email, the pair's limit
/// refills several times more slowly than the email's: one client can never keep an email's
/// allowance used up, only many can, and the reader still has the emailed link.
pub struct Limits {
    /// Password, code and link sign-ins from one client.
    pub sign_in_per_client: Limit<Client>,
    /// Publisher-token sign-ins from one client: signed tokens, not guesses, so more are
    /// allowed (a newsroom behind one address signs in on every page view).
    pub publisher_sign_in_per_client: Limit<Client>,
    /// Passkey challenges and identity-provider sign-ins started by one client: each keeps a
    /// row for a few minutes (a dialog opened starts one, for passkey autofill).
    pub ceremonies_per_client: Limit<Client>,
    /// Password tries for one email from one client.
    pub password_per_client_and_email: Limit<(Client, EmailKey)>,
    /// Password tries for one email from every client together: against guessing spread over
    /// many networks.
    pub password_per_email: Limit<EmailKey>,
    /// Codes typed for one email by one client.
    pub code_tries_per_client_and_email: Limit<(Client, EmailKey)>,
    /// Codes typed for one email, across every code sent to it: asking for new codes never
    /// buys more guesses.
    pub code_tries_per_email: Limit<EmailKey>,
    /// Codes asked for by one client.
    pub codes_per_client: Limit<Client>,
    /// Codes one client asks to send to one email.
    pub codes_per_client_and_email: Limit<(Client, EmailKey)>,
    /// Codes sent to one email, whoever asks: nobody's inbox is flooded.
    pub codes_per_email: Limit<EmailKey>,
    /// Password changes by one signed-in reader (each costs an argon2 hash or two).
    pub password_changes_per_reader: Limit<i64>,
    /// The funnel's event reports from one client (counted in this process only: a page sends
    /// one or two, and a count lost to a restart costs nothing).
    pub events_per_client: Limit<Client>,
}

/// How many requests a limit allows at once, and how often it allows one more after that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed at once.
    pub burst: u32,
    /// Then one more each this long.
    pub every: Duration,
}

const fn rate(burst: u32, every_seconds: u64) -> Rate {
    Rate { burst, every: Duration::from_secs(every_seconds) }
}

/// Password, code and link sign-ins from one client.
pub const SIGN_IN_PER_CLIENT: Rate = rate(20, 6);
/// Publisher-token sign-ins from one client.
pub const PUBLISHER_SIGN_IN_PER_CLIENT: Rate = rate(60, 1);
/// Passkey challenges and provider sign-ins started by one client.
pub const CEREMONIES_PER_CLIENT: Rate = rate(30, 2);
/// Password tries for one email from one client.
pub const PASSWORD_PER_CLIENT_AND_EMAIL: Rate = rate(5, 10 * 60);
/// Password tries for one email from every client together.
pub const PASSWORD_PER_EMAIL: Rate = rate(50, 2 * 60);
/// Codes typed for one email by one client.
pub const CODE_TRIES_PER_CLIENT_AND_EMAIL: Rate = rate(5, 30 * 60);
/// Codes typed for one email, across its codes.
pub const CODE_TRIES_PER_EMAIL: Rate = rate(10, 10 * 60);
/// Codes asked for by one client.
pub const CODES_PER_CLIENT: Rate = rate(10, 6);
/// Codes one client asks to send to one email.
pub const CODES_PER_CLIENT_AND_EMAIL: Rate = rate(3, 30 * 60);
/// Codes sent to one email, whoever asks.
pub const CODES_PER_EMAIL: Rate = rate(8, 10 * 60);
/// Password changes by one reader.
pub const PASSWORD_CHANGES_PER_READER: Rate = rate(5, 10 * 60);
/// Event reports from one client: a newsroom behind one address reads many pages.
pub const EVENTS_PER_CLIENT: Rate = Rate { burst: 120, every: Duration::from_millis(500) };

impl Limits {
    /// The limits this server enforces, shared through `db` with every server on it.
    pub fn new(db: &Db) -> Arc<Self> {
        Arc::new(Limits {
            sign_in_per_client: Limit::new("sign_in_per_client", SIGN_IN_PER_CLIENT, db),
            publisher_sign_in_per_client: Limit::new(
                "publisher_sign_in_per_client",
                PUBLISHER_SIGN_IN_PER_CLIENT,
                db,
            ),
            ceremonies_per_client: Limit::new("ceremonies_per_client", CEREMONIES_PER_CLIENT, db),
            password_per_client_and_email: Limit::new(
                "password_per_client_and_email",
                PASSWORD_PER_CLIENT_AND_EMAIL,
                db,
            ),
            password_per_email: Limit::new("password_per_email", PASSWORD_PER_EMAIL, db),
            code_tries_per_client_and_email: Limit::new(
                "code_tries_per_client_and_email",
                CODE_TRIES_PER_CLIENT_AND_EMAIL,
                db,
            ),
            code_tries_per_email: Limit::new("code_tries_per_email", CODE_TRIES_PER_EMAIL, db),
            codes_per_client: Limit::new("codes_per_client", CODES_PER_CLIENT, db),
            codes_per_client_and_email: Limit::new(
                "codes_per_client_and_email",
                CODES_PER_CLIENT_AND_EMAIL,
                db,
            ),
            codes_per_email: Limit::new("codes_per_email", CODES_PER_EMAIL, db),
            password_changes_per_reader: Limit::new(
                "password_changes_per_reader",
                PASSWORD_CHANGES_PER_READER,
                db,
            ),
            events_per_client: Limit::new("events_per_client", EVENTS_PER_CLIENT, db),
        })
    }

    /// Drops the counts of keys that have been quiet, so memory does not grow with every
    /// client and email ever seen. Run every few minutes.
    pub fn forget_idle(&self) {
        self.sign_in_per_client.forget_idle();
        self.publisher_sign_in_per_client.forget_idle();
        self.ceremonies_per_client.forget_idle();
        self.password_per_client_and_email.forget_idle();
        self.password_per_email.forget_idle();
        self.events_per_client.forget_idle();
        self.code_tries_per_client_and_email.forget_idle();
        self.code_tries_per_email.forget_idle();
        self.codes_per_client.forget_idle();
        self.codes_per_client_and_email.forget_idle();
        self.codes_per_email.forget_idle();
        self.password_changes_per_reader.forget_idle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_are_fixed_size_and_idle_ones_are_forgotten() {
        assert_eq!(std::mem::size_of::<EmailKey>(), 16);
        assert_eq!(EmailKey::new(&"x".repeat(16 * 1024)), EmailKey::new(&"x".repeat(16 * 1024)));
        let db = Db::Sqlite(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
        let limit = Limit::new("test", Rate { burst: 1, every: Duration::from_millis(5) }, &db);
        for n in 0..1000 {
            limit.check_here(&EmailKey::new(&format!("reader{n}@example.com"))).unwrap();
        }
        assert_eq!(limit.keys(), 1000);
        std::thread::sleep(Duration::from_millis(20));
        limit.forget_idle();
        assert_eq!(limit.keys(), 0);
    }
}
