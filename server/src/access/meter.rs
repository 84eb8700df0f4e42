//! The meter: a few articles a period free to readers without a subscription, counted on the
//! server (a count kept in the browser is reset by clearing it).
//!
//! A signed-in reader is counted by their id. A browser nobody is signed in on is counted by an
//! anonymous id the server gives it, signed so it cannot be made up, which the widget keeps and
//! sends back in the `Paywall-Visitor` header. Not a cookie: the API usually sits on another
//! site than the article, where browsers block or partition cookies, so a cookie would give
//! most readers a fresh meter on every page. A browser that comes without an id (it cleared
//! its storage, or never keeps one) is given a new one only while its network address (an
//! IPv4 address, an IPv6 /64) has started fewer than the policy's `per_address` in the period;
//! after that it shares the address's own meter, so clearing buys nothing more.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use paywall_protocol::admin::MeterPolicy;
use sha2::Sha256;

use crate::http::client::Client;
use crate::random;
use crate::store::{Db, meter};

/// How long a server trusts the policy it read (another server may have changed it).
const POLICY_FRESH_FOR: Duration = Duration::from_secs(5);

/// The meter's keys and the policy last read.
pub struct Meter {
    key: [u8; 32],
    policy: Mutex<Option<(Instant, Option<MeterPolicy>)>>,
}

/// Who is asking, as the meter counts them.
#[derive(Clone, Copy, Debug)]
pub enum Visitor<'a> {
    /// A signed-in reader without a subscription that opens the article.
    Reader(i64),
    /// Nobody signed in: the `Paywall-Visitor` token the browser sent, if any, and where from.
    Anonymous {
        /// The token as sent.
        token: Option<&'a str>,
        /// The network address.
        client: Client,
    },
}

/// What the meter says about one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Metered {
    /// The meter does not count this reader (it is off for them).
    Off,
    /// It opened the article, or not (`opened`), with the reader's counts.
    Counted {
        /// Whether the article opens.
        opened: bool,
        /// The counts, this read included.
        meter: paywall_protocol::Meter,
        /// A new anonymous id for the browser to keep, signed.
        new_token: Option<String>,
    },
}

impl Meter {
    /// The meter's signing key, derived from the server's secret.
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"paywall visitor ids v1").expect("HMAC takes any key");
        mac.update(secret);
        Meter { key: mac.finalize().into_bytes().into(), policy: Mutex::new(None) }
    }

    fn mac(&self, visitor: &str) -> [u8; 16] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(visitor.as_bytes());
        let tag: [u8; 32] = mac.finalize().into_bytes().into();
        tag[..16].try_into().expect("16 of 32 bytes")
    }

    /// The token that names `visitor` to this server: the id and its MAC.
    fn sign(&self, visitor: &str) -> String {
        format!("{}.{}", URL_SAFE_NO_PAD.encode(visitor), URL_SAFE_NO_PAD.encode(self.mac(visitor)))
    }

    /// The visitor a token names, if this server signed it; anything else (made up, changed,
    /// signed with another key) is as good as no token.
    fn verify(&self, token: &str) -> Option<String> {
        let (visitor, tag) = token.split_once('.')?;
        let visitor = String::from_utf8(URL_SAFE_NO_PAD.decode(visitor).ok()?).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(visitor.as_bytes());
        mac.verify_truncated_left(&tag).ok()?;
        // A tag cut shorter than the one issued would be easier to guess.
        (tag.len() == 16 && (visitor.starts_with("v:") || visitor.starts_with("n:"))).then_some(visitor)
    }

    /// The publisher's policy, read again when the last read is a few seconds old.
    pub async fn policy(&self, db: &Db) -> Result<Option<MeterPolicy>, sqlx::Error> {
        if let Some((read_at, policy)) = &*self.policy.lock().expect("the policy lock is never poisoned")
            && read_at.elapsed() < POLICY_FRESH_FOR
        {
            return Ok(policy.clone());
        }
        let policy = meter::policy(db).await?;
        *self.policy.lock().expect("the policy lock is never poisoned") =
            Some((Instant::now(), policy.clone()));
        Ok(policy)
    }

    /// Forgets the policy read, after this server changed it.
    pub fn forget_policy(&self) {
        *self.policy.lock().expect("the policy lock is never poisoned") = None;
    }

    /// Whether the meter may open an article to some reader without a subscription.
    pub async fn is_on(&self, db: &Db) -> Result<bool, sqlx::Error> {
        Ok(self.policy(db).await?.is_some_and(|policy| policy.anonymous > 0 || policy.registered > 0))
    }

    /// The key a visitor is counted under, and a new token for a browser that came without a
    /// good one: a fresh anonymous id while its address has started fewer than the policy's
    /// `per_address` in the period, else the address's own.
    pub async fn key_of(
        &self,
        db: &Db,
        visitor: Visitor<'_>,
        policy: &MeterPolicy,
        now: i64,
    ) -> Result<(String, Option<String>), sqlx::Error> {
        let (token, client) = match visitor {
            Visitor::Reader(id) => return Ok((format!("r:{id}"), None)),
            Visitor::Anonymous { token, client } => (token, client),
        };
        if let Some(key) = token.and_then(|token| self.verify(token)) {
            return Ok((key, None));
        }
        let network = client.ip().to_string();
        let fresh = format!("v:{}", random::token());
        let since = now - i64::from(policy.period_days) * 24 * 60 * 60;
        let key = if meter::issue(db, &network, &fresh, now, since, policy.per_address).await? {
            fresh
        } else {
            format!("n:{network}")
        };
        let token = self.sign(&key);
        Ok((key, Some(token)))
    }

    /// Who a browser is, for a gift link's count of browsers: as the meter counts it, under
    /// its policy or, with the meter off, the default one.
    pub async fn browser(
        &self,
        db: &Db,
        visitor: Visitor<'_>,
        now: i64,
    ) -> Result<(String, Option<String>), sqlx::Error> {
        let policy = self.policy(db).await?.unwrap_or_else(off);
        self.key_of(db, visitor, &policy, now).await
    }

    /// Counts `article` for `visitor` at `now`: opens it if the visitor has free articles
    /// left (or opened it already in the period).
    pub async fn open(
        &self,
        db: &Db,
        visitor: Visitor<'_>,
        article: &str,
        now: i64,
    ) -> Result<Metered, sqlx::Error> {
        let Some(policy) = self.policy(db).await? else { return Ok(Metered::Off) };
        let period = i64::from(policy.period_days) * 24 * 60 * 60;
        let since = now - period;
        let (limit, registered_limit) = match visitor {
            Visitor::Reader(_) => (policy.registered, 0),
            Visitor::Anonymous { .. } => (policy.anonymous, policy.registered),
        };
        if limit == 0 {
            return Ok(Metered::Off);
        }
        let (key, new_token) = self.key_of(db, visitor, &policy, now).await?;
        let count = meter::count(db, &key, article, now, since, limit).await?;
        let meter = paywall_protocol::Meter {
            articles_read: count.read,
            articles_left: limit.saturating_sub(count.read),
            limit,
            resets_at: count.oldest.unwrap_or(now) + period,
            registered_limit,
        };
        Ok(Metered::Counted { opened: count.opened, meter, new_token })
    }
}

/// The policy before the publisher sets one: the meter off.
pub fn off() -> MeterPolicy {
    MeterPolicy { anonymous: 0, registered: 0, period_days: 30, per_address: 10 }
}

/// Whether a request may be counted at all: not a `HEAD`, a prefetch or prerender (the reader
/// may never see the page), or a crawler. Such requests get no metered text either.
pub fn countable(method: &Method, headers: &HeaderMap) -> bool {
    let says = |name: &str, word: &str| {
        headers
            .get_all(name)
            .iter()
            .any(|value| value.to_str().is_ok_and(|value| value.to_ascii_lowercase().contains(word)))
    };
    let prefetch = says("sec-purpose", "prefetch")
        || says("purpose", "prefetch")
        || says("x-purpose", "preview")
        || says("x-moz", "prefetch");
    let user_agent = headers.get(header::USER_AGENT).and_then(|value| value.to_str().ok()).unwrap_or("");
    let user_agent = user_agent.to_ascii_lowercase();
    let crawler = ["bot", "crawler", "spider", "slurp", "facebookexternalhit", "mediapartners"]
        .iter()
        .any(|word| user_agent.contains(word));
    method == Method::GET && !prefetch && !crawler
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_token_is_read_back_only_as_signed() {
        let meter = Meter::from_secret(&[7; 32]);
        let token = meter.sign("v:abc");
        assert_eq!(meter.verify(&token).as_deref(), Some("v:abc"));
        let other = Meter::from_secret(&[8; 32]);
        assert_eq!(other.verify(&token), None, "another key");
        let (id, tag) = token.split_once('.').unwrap();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode("v:abd"));
        assert_eq!(meter.verify(&forged), None, "another id, the same tag");
        assert_eq!(meter.verify(&format!("{id}.{}", &tag[..10])), None, "a shorter tag");
        assert_eq!(meter.verify(&format!("{id}.")), None);
        assert_eq!(meter.verify(id), None);
        // A reader's key is never taken from a token, even one this server signed.
        assert_eq!(meter.verify(&meter.sign("r:1")), None);
    }

    #[test]
    fn head_prefetch_prerender_and_crawlers_are_not_counted() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.append(*name, value.parse().unwrap());
            }
            headers
        };
        let chrome = ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156");
        assert!(countable(&Method::GET, &headers(&[chrome])));
        assert!(!countable(&Method::HEAD, &headers(&[chrome])));
        assert!(!countable(&Method::GET, &headers(&[chrome, ("sec-purpose", "prefetch")])));
        assert!(!countable(&Method::GET, &headers(&[chrome, ("sec-purpose", "prefetch;prerender")])));
        assert!(!countable(&Method::GET, &headers(&[chrome, ("purpose", "prefetch")])));
        assert!(!countable(
            &Method::GET,
            &headers(&[("user-agent", "Mozilla/5.0 (compatible; Googlebot/2.1)")])
        ));
    }
}
