//! SQL for subscriptions: what entitles a reader to locked sections.

use paywall_protocol::admin::{Subscription, WebhookEventType};

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, with_pool};
use crate::time::now;
use paywall_protocol::admin::{SubscriptionSource, SubscriptionStatus};

/// The condition under which a subscription opens its tier, with its period not yet over:
/// Stripe's `active`, `trialing`, and `past_due` (a grace period while a payment is retried).
macro_rules! opens {
    () => {
        "status IN ('active', 'trialing', 'past_due')"
    };
}
pub(crate) use opens;

/// The columns a [`Subscription`] is read from, in its order.
macro_rules! columns {
    () => {
        "id, reader_id, tier, status, current_period_end, source, cancel_at_period_end, offer_id"
    };
}
pub(crate) use columns;

/// A row of [`columns!`].
pub(crate) type Row = (i64, i64, String, SubscriptionStatus, i64, SubscriptionSource, bool, Option<i64>);

/// The [`Subscription`] a row of [`columns!`] is.
pub(crate) fn subscription(
    (id, reader_id, tier, status, current_period_end, source, cancel_at_period_end, offer_id): Row,
) -> Subscription {
    Subscription { id, reader_id, tier, status, current_period_end, source, cancel_at_period_end, offer_id }
}

/// Gives a reader an active subscription to `tier` until `period_end`, unless they have one.
pub async fn ensure_active(db: &Db, reader_id: i64, tier: &str, period_end: i64) -> Result<(), sqlx::Error> {
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE reader_id = $1 AND tier = $2 AND status = $3)",
        )
        .bind(reader_id)
        .bind(tier)
        .bind(SubscriptionStatus::Active)
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            sqlx::query(
                "INSERT INTO subscriptions (reader_id, tier, status, current_period_end, source)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(reader_id)
            .bind(tier)
            .bind(SubscriptionStatus::Active)
            .bind(period_end)
            .bind(SubscriptionSource::Paywall)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    })
}

/// A reader's subscriptions, newest first.
pub async fn of_reader(db: &Db, reader_id: i64) -> Result<Vec<Subscription>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM subscriptions WHERE reader_id = $1 ORDER BY id DESC");
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sql).bind(reader_id).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(subscription).collect())
}

/// Why a grant was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// There is no such reader.
    #[error("no such reader")]
    NoReader,
    /// The tier is not one a subscription can open.
    #[error("no tier {0:?} a subscription can open")]
    UnknownTier(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Gives a reader a complimentary subscription to `tier` until `period_end`.
pub async fn grant(
    db: &Db,
    reader_id: i64,
    tier: &str,
    period_end: i64,
    audit: &Entry<'_>,
) -> Result<Subscription, GrantError> {
    let insert = concat!(
        "INSERT INTO subscriptions (reader_id, tier, status, current_period_end, source, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
        columns!()
    );
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let reader: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM readers WHERE id = $1)")
            .bind(reader_id)
            .fetch_one(&mut *tx)
            .await?;
        if !reader {
            return Err(GrantError::NoReader);
        }
        let paid: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tiers WHERE name = $1 AND rank > 1)")
                .bind(tier)
                .fetch_one(&mut *tx)
                .await?;
        if !paid {
            return Err(GrantError::UnknownTier(tier.to_owned()));
        }
        let row: Row = sqlx::query_as(insert)
            .bind(reader_id)
            .bind(tier)
            .bind(SubscriptionStatus::Active)
            .bind(period_end)
            .bind(SubscriptionSource::Complimentary)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
        let subscription = subscription(row);
        let audit = Entry { target: format!("subscription:{}", subscription.id), ..audit.clone() };
        record!(&mut *tx, &audit)?;
        subscription_event!(tx, WebhookEventType::SubscriptionCreated, subscription.id)?;
        tx.commit().await?;
        Ok(subscription)
    })
}

/// Ends a subscription now: it stops opening its tier at once. `None` if there is none.
pub async fn end(db: &Db, id: i64, audit: &Entry<'_>) -> Result<Option<Subscription>, sqlx::Error> {
    // SQLite has no LEAST, and PostgreSQL's MIN takes no second argument.
    let update = concat!(
        "UPDATE subscriptions SET status = $2, ended_at = COALESCE(ended_at, $3),
                current_period_end = CASE WHEN current_period_end < $3 THEN current_period_end ELSE $3 END
          WHERE id = $1 RETURNING ",
        columns!()
    );
    // Read under the row's lock: of two ends at once, only the first was of an open one.
    let was_open = concat!("UPDATE subscriptions SET status = status WHERE id = $1 RETURNING ", opens!());
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let was_open: Option<bool> = sqlx::query_scalar(was_open).bind(id).fetch_optional(&mut *tx).await?;
        let Some(row) = sqlx::query_as::<_, Row>(update)
            .bind(id)
            .bind(SubscriptionStatus::Canceled)
            .bind(now())
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        record!(&mut *tx, audit)?;
        if was_open == Some(true) {
            subscription_event!(tx, WebhookEventType::SubscriptionCanceled, id)?;
        }
        tx.commit().await?;
        Ok(Some(subscription(row)))
    })
}

/// Queues a `subscription.*` event `$kind` for the subscription `$id` (with its reader) in the
/// transaction `$tx`.
macro_rules! subscription_event {
    ($tx:ident, $kind:expr, $id:expr) => {{
        let id: i64 = $id;
        $crate::store::webhooks::events::emit!($tx, $kind, {
            let sql = concat!("SELECT ", $crate::store::subscriptions::columns!(), " FROM subscriptions WHERE id = $1");
            let row: $crate::store::subscriptions::Row = sqlx::query_as(sql).bind(id).fetch_one(&mut *$tx).await?;
            let subscription = $crate::store::subscriptions::subscription(row);
            let sql = concat!("SELECT ", $crate::store::readers::admin_columns!(), " FROM readers WHERE id = $1");
            let row: $crate::store::readers::AdminRow =
                sqlx::query_as(sql).bind(subscription.reader_id).fetch_one(&mut *$tx).await?;
            serde_json::json!({
                "subscription": subscription,
                "reader": $crate::store::readers::admin_reader(row),
            })
        })
    }};
}
pub(crate) use subscription_event;
