//! SQL for subscriptions: what entitles a reader to locked sections.

use super::{BeginWrite, Db, SubscriptionSource, SubscriptionStatus, with_pool};
use crate::time::now;

/// Whether the reader has a subscription to `tier` that is active and paid up to now.
pub async fn is_entitled(db: &Db, reader_id: i64, tier: &str) -> Result<bool, sqlx::Error> {
    let sql = "SELECT EXISTS (SELECT 1 FROM subscriptions
                WHERE reader_id = $1 AND tier = $2 AND status = $3 AND current_period_end > $4)";
    with_pool!(db, |pool| {
        sqlx::query_scalar(sql)
            .bind(reader_id)
            .bind(tier)
            .bind(SubscriptionStatus::Active)
            .bind(now())
            .fetch_one(pool)
            .await
    })
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
