//! SQL for the dev outbox: mail kept instead of sent, in demo mode.

use super::Db;
use crate::time::now;

/// One kept email.
#[derive(Debug, sqlx::FromRow)]
pub struct KeptEmail {
    /// The recipient.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// When it was kept (Unix seconds).
    pub created_at: i64,
}

/// Keeps an email.
pub async fn insert(db: &Db, recipient: &str, subject: &str, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO outbox (recipient, subject, body, created_at) VALUES (?, ?, ?, ?)")
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(now())
        .execute(db)
        .await?;
    Ok(())
}

/// The newest kept emails, newest first.
pub async fn latest(db: &Db, limit: i64) -> Result<Vec<KeptEmail>, sqlx::Error> {
    sqlx::query_as("SELECT recipient, subject, body, created_at FROM outbox ORDER BY id DESC LIMIT ?")
        .bind(limit)
        .fetch_all(db)
        .await
}

/// Forgets every kept email.
pub async fn clear(db: &Db) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM outbox").execute(db).await?.rows_affected())
}
