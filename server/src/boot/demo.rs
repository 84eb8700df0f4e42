//! The demo: one article and two readers, added at start when missing.

use std::path::Path;

use paywall_protocol::BillingInterval;
use paywall_protocol::admin::OfferSettings;

use crate::auth::hash_password;
use crate::config::Config;
use crate::error::StartError;
use crate::publishing::import;
use crate::store::articles::{self, Precondition, Put};
use crate::store::{Db, offers, outbox, readers, subscriptions};
use crate::time::now;

/// The demo article, as `paywall-server import` reads it: the id `index.html` uses, and its
/// locked sections. The free section is the page's own HTML.
const ARTICLE: &str = include_str!("../../demo/article.html");

/// The password of both demo readers.
const DEMO_PASSWORD: &str = "paywall-demo";

/// The demo's two offers for its article's tier: monthly, and yearly with a trial. Without
/// Stripe keys their prices are the demo checkout's own.
fn demo_offers(tier: &str) -> [OfferSettings; 2] {
    let offer = |name: &str, amount, interval, trial_days, price: &str, position| OfferSettings {
        tier: tier.to_owned(),
        name: name.to_owned(),
        amount,
        currency: "eur".to_owned(),
        interval,
        trial_days,
        provider_price: price.to_owned(),
        active: true,
        position,
    };
    [
        offer("Monthly", 800, BillingInterval::Month, 0, "price_demo_monthly", 0),
        offer("Yearly", 8000, BillingInterval::Year, 14, "price_demo_yearly", 1),
    ]
}

/// The demo readers' addresses: one with a subscription to the demo article's tier, one without.
pub const READERS: [&str; 2] = ["subscriber@example.com", "reader@example.com"];

/// Adds whatever of the demo is missing; leaves everything that is there alone.
pub async fn seed(db: &Db) -> Result<(), StartError> {
    let article = import::parse(Path::new("article.html"), ARTICLE, &import::Overrides::default())
        .expect("demo/article.html imports");
    let put = articles::put(db, &article.id, &article.stored(), &Precondition::Any, None).await;
    match put.map_err(|error| match error {
        articles::WriteError::Database(error) => StartError::from(error),
        other => StartError::Refused(format!("the demo article could not be stored: {other}")),
    })? {
        Put::Added(_) => tracing::info!(article = %article.id, "seeded the demo article"),
        Put::Replaced(_) => tracing::info!(article = %article.id, "updated the demo article"),
        Put::Unchanged(_) => {}
    }

    if offers::all(db).await?.is_empty() {
        for offer in demo_offers(&article.tier) {
            offers::put(db, None, &offer, None).await.map_err(|error| match error {
                offers::OfferError::Database(error) => StartError::from(error),
                other => StartError::Refused(format!("the demo's offers could not be stored: {other}")),
            })?;
        }
        tracing::info!("seeded the demo's offers");
    }

    let [subscriber, reader] = READERS;
    if let Some(subscriber) = demo_reader(db, subscriber).await? {
        subscriptions::ensure_active(db, subscriber, &article.tier, now() + 365 * 24 * 60 * 60).await?;
    }
    demo_reader(db, reader).await?;
    Ok(())
}

/// Removes the demo readers (with their sessions and subscriptions) and the mail kept for the
/// dev outbox: outside demo mode nobody may sign in with the demo's public password, and
/// nothing shows the kept mail. The demo article stays: its text is ours and locked as before.
pub async fn remove(db: &Db) -> Result<(), StartError> {
    let removed = readers::delete_demo(db).await?;
    if removed > 0 {
        tracing::info!(removed, "demo mode is off: removed the demo readers");
    }
    outbox::clear(db).await?;
    Ok(())
}

/// The demo reader with this address, created with the demo password if missing. `None` when
/// a reader who is not a demo reader already has the address: they are left alone.
async fn demo_reader(db: &Db, email: &str) -> Result<Option<i64>, StartError> {
    if let Some(reader) = readers::by_email(db, email).await? {
        return Ok(reader.demo.then_some(reader.id));
    }
    let hash = hash_password(DEMO_PASSWORD).map_err(StartError::Hashing)?;
    let (id, demo) = readers::create_demo(db, email, &hash).await?;
    Ok(demo.then_some(id))
}

/// Demo mode gives away a subscriber's account (its password is public) and every sign-in code
/// (at `/dev/outbox`), so it runs only where nobody else can reach it: on a loopback address,
/// not behind a proxy (a proxy on this machine makes loopback public), and not under a public
/// URL. Unless the configuration says explicitly that it may be public; then the log says
/// what that exposes.
pub fn check_demo_address(config: &Config) -> Result<(), StartError> {
    let public_url_host = config
        .public_url
        .as_deref()
        .and_then(|url| url.parse::<axum::http::Uri>().ok())
        .and_then(|uri| uri.host().map(str::to_owned));
    let why_public = if !config.addr.ip().is_loopback() {
        Some(format!("it listens on {}, which is not a loopback address", config.addr))
    } else if !config.connections.trusted_proxies.is_empty() {
        Some(
            "it trusts proxies (PAYWALL_TRUSTED_PROXIES), so it is meant to be reached through one"
                .to_owned(),
        )
    } else {
        public_url_host
            .filter(|host| !is_loopback_host(host))
            .map(|host| format!("its public address (PAYWALL_PUBLIC_URL) is {host}"))
    };
    let Some(why_public) = why_public.filter(|_| config.demo.on) else {
        return Ok(());
    };
    if !config.demo.public {
        return Err(StartError::Refused(format!(
            "refusing to run the demo where others can reach it: {why_public}. Anyone could sign in as \
             a demo subscriber and read every sign-in code. Run it on 127.0.0.1 alone, turn the demo \
             off (PAYWALL_DEMO=false), or set PAYWALL_DEMO_PUBLIC=true if that is wanted"
        )));
    }
    tracing::warn!(
        "demo mode on a public address ({why_public}): anyone who can reach it can sign in as {} with \
         the password `paywall-demo` and read every article of its tier, and /dev/outbox shows every \
         sign-in code the server sends to visitors on this machine",
        READERS[0]
    );
    Ok(())
}

/// Whether a URL's host names this machine.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
