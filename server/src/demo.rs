//! The demo: one article and two readers, added at start when missing.

use std::path::Path;

use paywall_protocol::BillingInterval;
use paywall_protocol::admin::OfferSettings;

use crate::auth::hash_password;
use crate::import;
use crate::startup::StartError;
use crate::store::articles::{self, Precondition, Put};
use crate::store::{Db, offers, outbox, readers, subscriptions};
use crate::time::now;

/// The demo article, as `paywall-server import` reads it: the id `index.html` uses, and its
/// locked sections. The free section is the page's own HTML.
const ARTICLE: &str = include_str!("../demo/article.html");

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
