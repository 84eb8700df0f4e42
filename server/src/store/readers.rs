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

/// The reader who has just proved they own `email` (with an emailed code or link): created if
/// there is none. If a publisher's reader holds the email without anyone having vouched for it,
/// the email's owner takes the account back: the publisher identity is unlinked, its sessions
/// end, its publisher-asserted subscription goes, and the email is marked verified. Otherwise
/// whoever signed up at the publisher with someone else's address would be in the account
/// its owner signs into.
pub async fn proven_owner(db: &Db, email: &str) -> Result<i64, sqlx::Error> {
    // BEGIN IMMEDIATE: the transaction reads and then writes; it takes the write lock first.
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO readers (email, created_at) VALUES (?, ?)
         ON CONFLICT (email) DO UPDATE SET email = excluded.email RETURNING id",
    )
    .bind(email)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let released: Option<i64> = sqlx::query_scalar(
        "UPDATE readers SET email_verified = TRUE, external_issuer = NULL, external_id = NULL, password_hash = NULL
          WHERE id = ? AND NOT email_verified RETURNING id",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if released.is_some() {
        super::sessions::revoke_all(&mut *tx, id, None).await?;
        sqlx::query("DELETE FROM subscriptions WHERE reader_id = ? AND source = 'publisher'")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tracing::warn!(
            reader = id,
            "the owner of an email proved it; the publisher identity that held it unverified was unlinked"
        );
    }
    tx.commit().await?;
    Ok(id)
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

/// The password hash of a reader by id: `None` if there is no such reader, `Some(None)` if
/// they have no password.
pub async fn password_hash(db: &Db, id: i64) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM readers WHERE id = ?").bind(id).fetch_optional(db).await
}

/// Sets a reader's password hash.
pub async fn set_password(
    db: impl sqlx::SqliteExecutor<'_>,
    id: i64,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE readers SET password_hash = ? WHERE id = ?")
        .bind(password_hash)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// How a publisher's reader was matched to a reader here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublisherReader {
    /// A reader here: known by the publisher's id, new, or (with a verified email) the
    /// account that already had the email. Their id and the email they are known by here.
    Found(i64, String),
    /// Someone here already has the email and the publisher did not say it verified it (or
    /// the account belongs to another of the publisher's readers): nothing was joined.
    EmailTaken,
}

/// The reader the publisher's token names, by the publisher's issuer and its id for them
/// (`iss`, `sub`): known already, else a new reader with the token's email. An account that
/// already has the email is joined only when the publisher says it verified the email, and
/// only if it is not already another of the publisher's readers.
pub async fn from_publisher(
    tx: &mut sqlx::SqliteConnection,
    issuer: &str,
    subject: &str,
    email: &str,
    email_verified: bool,
) -> Result<PublisherReader, sqlx::Error> {
    let known: Option<(i64, String)> =
        sqlx::query_as("SELECT id, email FROM readers WHERE external_issuer = ? AND external_id = ?")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((id, email)) = known {
        return Ok(PublisherReader::Found(id, email));
    }
    // A new reader holds the email as verified only if the publisher vouches for it; else the
    // email's owner takes it back by proving it (see `proven_owner`).
    let created: Option<i64> = sqlx::query_scalar(
        "INSERT INTO readers (email, created_at, external_issuer, external_id, email_verified) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(now())
    .bind(issuer)
    .bind(subject)
    .bind(email_verified)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = created {
        return Ok(PublisherReader::Found(id, email.to_owned()));
    }
    if !email_verified {
        return Ok(PublisherReader::EmailTaken);
    }
    let joined: Option<i64> = sqlx::query_scalar(
        "UPDATE readers SET external_issuer = ?, external_id = ?
          WHERE email = ? AND external_id IS NULL RETURNING id",
    )
    .bind(issuer)
    .bind(subject)
    .bind(email)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(match joined {
        Some(id) => PublisherReader::Found(id, email.to_owned()),
        None => PublisherReader::EmailTaken,
    })
}

/// Gives readers linked by a version that kept no issuer the configured issuer (there was only
/// ever one). Returns how many.
pub async fn adopt_unscoped_publisher_readers(db: &Db, issuer: &str) -> Result<u64, sqlx::Error> {
    let adopted = sqlx::query(
        "UPDATE readers SET external_issuer = ? WHERE external_id IS NOT NULL AND external_issuer IS NULL",
    )
    .bind(issuer)
    .execute(db)
    .await?;
    Ok(adopted.rows_affected())
}
