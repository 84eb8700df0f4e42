//! SQL for readers.

use super::Db;
use crate::time::now;

/// A reader as sign-in needs them.
#[derive(Debug, sqlx::FromRow)]
pub struct ReaderRow {
    /// The reader's id.
    pub id: i64,
    /// The normalised email.
    pub email: String,
    /// The argon2id hash, if the reader has a password.
    pub password_hash: Option<String>,
}

/// Emails are compared trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The reader with this (normalised) email, if any.
pub async fn by_email(db: &Db, email: &str) -> Result<Option<ReaderRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, email, password_hash FROM readers WHERE email = ?")
        .bind(email)
        .fetch_optional(db)
        .await
}

/// The email of a reader by id, if they exist.
pub async fn email(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT email FROM readers WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Adds a reader unless one with this email exists; returns the reader's id either way.
pub async fn insert_if_missing(
    db: &Db,
    email: &str,
    password_hash: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query("INSERT INTO readers (email, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (email) DO NOTHING")
        .bind(email)
        .bind(password_hash)
        .bind(now())
        .execute(db)
        .await?;
    sqlx::query_scalar("SELECT id FROM readers WHERE email = ?")
        .bind(email)
        .fetch_one(db)
        .await
}
