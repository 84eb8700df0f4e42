//! SQL for subscriptions: what entitles a reader to locked sections.

use super::Db;
use crate::time::now;

/// Whether the reader has a subscription to `tier` that is active and paid up to now.
pub async fn is_entitled(db: &Db, reader_id: i64, tier: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM subscriptions
           WHERE reader_id = ? AND tier = ? AND status = 'active' AND current_period_end > ?)",
    )
    .bind(reader_id)
    .bind(tier)
    .bind(now())
    .fetch_one(db)
    .await
}

/// Gives a reader an active subscription to `tier` until `period_end`, unless they have one.
pub async fn ensure_active(db: &Db, reader_id: i64, tier: &str, period_end: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE reader_id = ? AND tier = ? AND status = 'active')",
    )
    .bind(reader_id)
    .bind(tier)
    .fetch_one(&mut *tx)
    .await?;
    if !exists {
        sqlx::query(
            "INSERT INTO subscriptions (reader_id, tier, status, current_period_end) VALUES (?, ?, 'active', ?)",
        )
        .bind(reader_id)
        .bind(tier)
        .bind(period_end)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Makes the reader's publisher-asserted subscription say what the publisher's token says:
/// active for `tier` until `period_end`, or none at all.
pub async fn set_from_publisher(
    tx: &mut sqlx::SqliteConnection,
    reader_id: i64,
    tier: Option<&str>,
    period_end: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM subscriptions WHERE reader_id = ? AND source = 'publisher'")
        .bind(reader_id)
        .execute(&mut *tx)
        .await?;
    if let Some(tier) = tier {
        sqlx::query(
            "INSERT INTO subscriptions (reader_id, tier, status, current_period_end, source)
             VALUES (?, ?, 'active', ?, 'publisher')",
        )
        .bind(reader_id)
        .bind(tier)
        .bind(period_end)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
