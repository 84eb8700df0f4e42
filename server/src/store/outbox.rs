//! SQL for the dev outbox: mail kept instead of sent, in demo mode.

use super::db::{Db, with_pool};
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
    let sql = "INSERT INTO outbox (recipient, subject, body, created_at) VALUES ($1, $2, $3, $4)";
    with_pool!(db, |pool| {
        sqlx::query(sql).bind(recipient).bind(subject).bind(body).bind(now()).execute(pool).await?;
        Ok(())
    })
}

/// The newest kept emails, newest first.
pub async fn latest(db: &Db, limit: i64) -> Result<Vec<KeptEmail>, sqlx::Error> {
    let sql = "SELECT recipient, subject, body, created_at FROM outbox ORDER BY id DESC LIMIT $1";
    with_pool!(db, |pool| sqlx::query_as(sql).bind(limit).fetch_all(pool).await)
}

/// Forgets every kept email.
pub async fn clear(db: &Db) -> Result<u64, sqlx::Error> {
    with_pool!(db, |pool| Ok(sqlx::query("DELETE FROM outbox").execute(pool).await?.rows_affected()))
}
