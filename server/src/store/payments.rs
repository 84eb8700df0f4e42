//! SQL for what the payment provider tells us: its subscriptions (the truth entitlement reads),
//! the checkouts browsers started, and the events already processed.

use paywall_protocol::admin::WebhookEventType;

use super::db::{BeginWrite, Db, with_pool};
use super::readers::reader_created;
use super::subscriptions::subscription_event;
use crate::time::now;
use paywall_protocol::admin::{SubscriptionSource, SubscriptionStatus};

/// A subscription as the provider has it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSubscription {
    /// The provider's id for it.
    pub id: String,
    /// The provider's customer who pays for it.
    pub customer: String,
    /// Its state.
    pub status: SubscriptionStatus,
    /// When the period paid for (or the trial) ends (Unix seconds).
    pub current_period_end: i64,
    /// Whether it ends at `current_period_end` instead of renewing.
    pub cancel_at_period_end: bool,
    /// The price it charges.
    pub price: Option<String>,
    /// The offer it was bought with, as the checkout recorded it.
    pub offer_id: Option<i64>,
    /// The reader's email, as the checkout recorded it.
    pub email: Option<String>,
}

/// What recording a provider subscription did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Stored for this reader.
    Stored {
        /// Whose it is.
        reader_id: i64,
    },
    /// The event was processed before: nothing was written.
    AlreadyProcessed,
    /// No offer matches its price and none is named on it: the event is recorded, nothing else.
    NotOurs,
}

/// Whether the provider's event was processed already.
pub async fn event_seen(db: &Db, id: &str) -> Result<bool, sqlx::Error> {
    let sql = "SELECT EXISTS (SELECT 1 FROM provider_events WHERE id = $1)";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(id).fetch_one(pool).await)
}

/// Records an event that changes nothing (one the server does not act on), once.
pub async fn record_event(db: &Db, id: &str, kind: &str) -> Result<(), sqlx::Error> {
    let sql =
        "INSERT INTO provider_events (id, type, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING";
    with_pool!(db, |pool| sqlx::query(sql).bind(id).bind(kind).bind(now()).execute(pool).await.map(drop))
}

/// Stores the provider's current state of a subscription, with the event that told of it
/// (processed once: a second delivery writes nothing) and the checkout that started it, in one
/// transaction. The reader is the provider's customer's, else the one whose email the checkout
/// recorded (made if there is none yet). Every event stores the provider's current state, so
/// events in any order leave the same final state.
pub async fn apply(
    db: &Db,
    event: Option<(&str, &str)>,
    subscription: &ProviderSubscription,
    checkout: Option<&str>,
) -> Result<Applied, sqlx::Error> {
    let now = now();
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        if let Some((id, kind)) = event {
            let inserted = sqlx::query(
                "INSERT INTO provider_events (id, type, received_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(kind)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 0 {
                return Ok(Applied::AlreadyProcessed);
            }
        }
        // The price actually charged decides the tier (a plan switched at the provider keeps
        // the checkout's metadata); the metadata only when the provider names no price.
        let offer: Option<(i64, String)> = match &subscription.price {
            Some(price) => {
                sqlx::query_as("SELECT id, tier FROM offers WHERE provider_price = $1 ORDER BY id LIMIT 1")
                    .bind(price)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => {
                sqlx::query_as("SELECT id, tier FROM offers WHERE id = $1")
                    .bind(subscription.offer_id)
                    .fetch_optional(&mut *tx)
                    .await?
            }
        };
        let Some((offer_id, tier)) = offer else {
            tx.commit().await?;
            return Ok(Applied::NotOurs);
        };
        // The checkout: the one named, else the newest unpaid one for this email and offer (the
        // subscription's own event may come before the checkout's).
        let checkout: Option<String> = match (checkout, &subscription.email) {
            (Some(checkout), _) => Some(checkout.to_owned()),
            (None, Some(email)) => {
                sqlx::query_scalar(
                    "SELECT id FROM checkouts WHERE email = $1 AND offer_id = $2 AND completed_at IS NULL
                      ORDER BY created_at DESC LIMIT 1",
                )
                .bind(crate::store::readers::normalize_email(email))
                .bind(offer_id)
                .fetch_optional(&mut *tx)
                .await?
            }
            (None, None) => None,
        };
        let started: Option<(Option<i64>, String)> = match &checkout {
            Some(checkout) => {
                sqlx::query_as("SELECT reader_id, email FROM checkouts WHERE id = $1")
                    .bind(checkout)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => None,
        };
        let by_customer: Option<i64> = sqlx::query_scalar("SELECT id FROM readers WHERE customer_id = $1")
            .bind(&subscription.customer)
            .fetch_optional(&mut *tx)
            .await?;
        let email = subscription.email.clone().or_else(|| started.as_ref().map(|(_, email)| email.clone()));
        // Whose it is, and whether they are the buyer (whose customer it is, and who the
        // checkout may sign in). An account the email already had gets the subscription, but
        // neither the payer's customer nor a session: paying with someone's address is no way
        // into their account.
        let (reader_id, buyer) = match (by_customer, started.as_ref().and_then(|(reader, _)| *reader), email)
        {
            (Some(id), _, _) => (id, false),
            (None, Some(signed_in), _) => (signed_in, true),
            (None, None, Some(email)) => {
                let email = crate::store::readers::normalize_email(&email);
                let created: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO readers (email, created_at, email_verified) VALUES ($1, $2, FALSE)
                     ON CONFLICT (email) DO NOTHING RETURNING id",
                )
                .bind(&email)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                match created {
                    Some(id) => {
                        reader_created!(tx, id)?;
                        if let Some(checkout) = &checkout {
                            sqlx::query(
                                "UPDATE checkouts SET reader_id = $2 WHERE id = $1 AND reader_id IS NULL",
                            )
                            .bind(checkout)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        }
                        (id, true)
                    }
                    None => {
                        let id = sqlx::query_scalar("SELECT id FROM readers WHERE email = $1")
                            .bind(&email)
                            .fetch_one(&mut *tx)
                            .await?;
                        (id, false)
                    }
                }
            }
            (None, None, None) => {
                tx.commit().await?;
                return Ok(Applied::NotOurs);
            }
        };
        if buyer {
            sqlx::query("UPDATE readers SET customer_id = $2 WHERE id = $1 AND customer_id IS NULL")
                .bind(reader_id)
                .bind(&subscription.customer)
                .execute(&mut *tx)
                .await?;
        }
        let checkout = checkout.as_deref();
        // Started now (if new), from the checkout's article; ended when it stops opening its tier.
        let ended_at = (!opens(subscription.status)).then_some(now);
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO subscriptions (reader_id, tier, status, current_period_end, source, provider_id, offer_id,
                 cancel_at_period_end, created_at, ended_at, article_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, (SELECT article_id FROM checkouts WHERE id = $11))
             ON CONFLICT (provider_id) DO NOTHING RETURNING id",
        )
        .bind(reader_id)
        .bind(&tier)
        .bind(subscription.status)
        .bind(subscription.current_period_end)
        .bind(SubscriptionSource::Paywall)
        .bind(&subscription.id)
        .bind(offer_id)
        .bind(subscription.cancel_at_period_end)
        .bind(now)
        .bind(ended_at)
        .bind(checkout)
        .fetch_optional(&mut *tx)
        .await?;
        let (stored, before) = match inserted {
            Some(id) => (id, None),
            None => {
                // What it was, read under the row's lock: of two events about it at once (on
                // PostgreSQL), the second sees the first's change, so each change is told once.
                let (id, old_tier, status, period_end, cancel, offer): (
                    i64,
                    String,
                    _,
                    i64,
                    bool,
                    Option<i64>,
                ) = sqlx::query_as(
                    "UPDATE subscriptions SET status = status WHERE provider_id = $1
                         RETURNING id, tier, status, current_period_end, cancel_at_period_end, offer_id",
                )
                .bind(&subscription.id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE subscriptions SET tier = $2, status = $3, current_period_end = $4, offer_id = $5,
                            cancel_at_period_end = $6,
                            ended_at = CASE WHEN $7 IS NULL THEN NULL ELSE COALESCE(ended_at, $7) END,
                            article_id = COALESCE(article_id, (SELECT article_id FROM checkouts WHERE id = $8))
                      WHERE id = $1",
                )
                .bind(id)
                .bind(&tier)
                .bind(subscription.status)
                .bind(subscription.current_period_end)
                .bind(offer_id)
                .bind(subscription.cancel_at_period_end)
                .bind(ended_at)
                .bind(checkout)
                .execute(&mut *tx)
                .await?;
                (id, Some((old_tier, status, period_end, cancel, offer)))
            }
        };
        let now_known = (
            tier,
            subscription.status,
            subscription.current_period_end,
            subscription.cancel_at_period_end,
            Some(offer_id),
        );
        if let Some(kind) = change(before.as_ref(), &now_known) {
            subscription_event!(tx, kind, stored)?;
        }
        if let Some(checkout) = checkout {
            sqlx::query("UPDATE checkouts SET completed_at = $2 WHERE id = $1 AND completed_at IS NULL")
                .bind(checkout)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Applied::Stored { reader_id })
    })
}

/// What the publisher's systems are told of a subscription: its tier, state, period end,
/// whether it renews, and its offer.
type Known = (String, SubscriptionStatus, i64, bool, Option<i64>);

/// The event a subscription's change from `before` (none: it is new) to `after` is, if any:
/// created; canceled when it stops opening its tier; updated when anything else told of it
/// changed.
fn change(before: Option<&Known>, after: &Known) -> Option<WebhookEventType> {
    match before {
        None => Some(WebhookEventType::SubscriptionCreated),
        Some(before) if opens(before.1) && !opens(after.1) => Some(WebhookEventType::SubscriptionCanceled),
        Some(before) if before != after => Some(WebhookEventType::SubscriptionUpdated),
        Some(_) => None,
    }
}

/// Whether a subscription in this state opens its tier (as `subscriptions::opens!` says in SQL).
fn opens(status: SubscriptionStatus) -> bool {
    use SubscriptionStatus::{Active, PastDue, Trialing};
    matches!(status, Active | Trialing | PastDue)
}

/// A checkout a browser started.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckoutRow {
    /// The offer bought.
    pub offer_id: i64,
    /// Who was signed in, if anyone.
    pub reader_id: Option<i64>,
    /// The email checkout was for.
    pub email: String,
    /// Where the reader comes back to.
    pub return_to: String,
    /// When the provider said it was paid.
    pub completed_at: Option<i64>,
    /// When the browser signed in with it.
    pub confirmed_at: Option<i64>,
}

/// A checkout a browser started, to record.
pub struct NewCheckoutRow<'a> {
    /// The provider's id for it.
    pub id: &'a str,
    /// The offer bought.
    pub offer_id: i64,
    /// Who was signed in, if anyone.
    pub reader_id: Option<i64>,
    /// The email checkout is for.
    pub email: &'a str,
    /// SHA-256 of the token the browser keeps.
    pub browser_hash: &'a [u8],
    /// Where the reader comes back to.
    pub return_to: &'a str,
    /// The article the prompt was on, if it is one the server knows.
    pub article_id: Option<&'a str>,
}

/// Records a checkout the provider started for a browser.
pub async fn start_checkout(db: &Db, checkout: &NewCheckoutRow<'_>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO checkouts (id, offer_id, reader_id, email, browser_hash, return_to, created_at, article_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    with_pool!(db, |pool| {
        sqlx::query(sql)
            .bind(checkout.id)
            .bind(checkout.offer_id)
            .bind(checkout.reader_id)
            .bind(checkout.email)
            .bind(checkout.browser_hash)
            .bind(checkout.return_to)
            .bind(now())
            .bind(checkout.article_id)
            .execute(pool)
            .await
            .map(drop)
    })
}

/// The checkout `id`, if the browser holding `browser_hash` started it.
pub async fn checkout_of(db: &Db, id: &str, browser_hash: &[u8]) -> Result<Option<CheckoutRow>, sqlx::Error> {
    let sql = "SELECT offer_id, reader_id, email, return_to, completed_at, confirmed_at FROM checkouts
                WHERE id = $1 AND browser_hash = $2";
    with_pool!(db, |pool| sqlx::query_as(sql).bind(id).bind(browser_hash).fetch_optional(pool).await)
}

/// Marks a completed checkout confirmed, once: whether this call did.
pub async fn confirm_checkout(db: &Db, id: &str, browser_hash: &[u8]) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE checkouts SET confirmed_at = $3
                WHERE id = $1 AND browser_hash = $2 AND completed_at IS NOT NULL AND confirmed_at IS NULL";
    with_pool!(db, |pool| {
        let updated = sqlx::query(sql).bind(id).bind(browser_hash).bind(now()).execute(pool).await?;
        Ok(updated.rows_affected() == 1)
    })
}

/// The provider's customer a reader is, if any.
pub async fn customer_of(db: &Db, reader_id: i64) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT customer_id FROM readers WHERE id = $1";
    let customer: Option<Option<String>> =
        with_pool!(db, |pool| sqlx::query_scalar(sql).bind(reader_id).fetch_optional(pool).await)?;
    Ok(customer.flatten())
}
