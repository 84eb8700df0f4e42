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
    /// Whether this is one of the demo's readers (whose password is public).
    pub demo: bool,
}

/// The longest address mail can be sent to (RFC 5321).
const MAX_EMAIL_LEN: usize = 254;

/// Emails are compared trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The normalised email, if mail can be sent to it.
pub fn valid_email(email: &str) -> Option<String> {
    let email = normalize_email(email);
    let valid = email.len() <= MAX_EMAIL_LEN
        && email.parse::<lettre::Address>().is_ok_and(|address| address.domain().contains('.'));
    valid.then_some(email)
}

/// The reader with this (normalised) email, if any.
pub async fn by_email(db: &Db, email: &str) -> Result<Option<ReaderRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, email, password_hash, demo FROM readers WHERE email = ?")
        .bind(email)
        .fetch_optional(db)
        .await
}

/// The email of a reader by id, if they exist.
pub async fn email(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT email FROM readers WHERE id = ?").bind(id).fetch_optional(db).await
}

/// The id of the reader with this normalised email, created first if there is none (with
/// this password hash, or none). An existing reader is left as they are: signing in with an
/// emailed code is also how a new reader signs up.
pub async fn find_or_create(
    db: impl sqlx::SqliteExecutor<'_>,
    email: &str,
    password_hash: Option<&str>,
) -> Result<i64, sqlx::Error> {
    // The no-op update makes RETURNING answer for an existing row too.
    sqlx::query_scalar(
        "INSERT INTO readers (email, password_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(now())
    .fetch_one(db)
    .await
}

/// Creates a demo reader with the demo password's hash; returns the id.
pub async fn create_demo(db: &Db, email: &str, password_hash: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO readers (email, password_hash, created_at, demo) VALUES (?, ?, ?, TRUE) RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(now())
    .fetch_one(db)
    .await
}

/// Deletes the demo readers, and with them their sessions and subscriptions; returns how many.
pub async fn delete_demo(db: &Db) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM readers WHERE demo").execute(db).await?.rows_affected())
}

/// Sets a reader's password hash.
pub async fn set_password(db: &Db, id: i64, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE readers SET password_hash = ? WHERE id = ?")
        .bind(password_hash)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The reader the publisher's token names: by the publisher's id for them if known, else by
/// email (remembering the publisher's id), else a new reader. Returns the id and the email
/// the reader is known by here.
pub async fn from_publisher(
    tx: &mut sqlx::SqliteConnection,
    email: &str,
    external_id: Option<&str>,
) -> Result<(i64, String), sqlx::Error> {
    if let Some(external_id) = external_id {
        let known: Option<(i64, String)> =
            sqlx::query_as("SELECT id, email FROM readers WHERE external_id = ?")
                .bind(external_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(known) = known {
            return Ok(known);
        }
    }
    let id = find_or_create(&mut *tx, email, None).await?;
    if let Some(external_id) = external_id {
        sqlx::query("UPDATE readers SET external_id = ? WHERE id = ? AND external_id IS NULL")
            .bind(external_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok((id, email.to_owned()))
}
