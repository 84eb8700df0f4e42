//! SQL for readers' passkeys: the credential as webauthn-rs keeps it, found by its id.

use paywall_protocol::PasskeyInfo;

use super::db::{Db, with_pool};
use crate::time::now;

/// A stored passkey, as a sign-in needs it.
#[derive(Debug, sqlx::FromRow)]
pub struct Stored {
    /// Its row.
    pub id: i64,
    /// Whose it is.
    pub reader_id: i64,
    /// The reader's id at the authenticator (a UUID).
    pub user_handle: String,
    /// webauthn-rs's `Passkey`, as JSON.
    pub credential: String,
    /// The signature counter the credential holds.
    pub sign_count: i64,
}

/// A new passkey of a reader.
pub struct New<'a> {
    /// Whose it is.
    pub reader_id: i64,
    /// The credential's id, base64url.
    pub credential_id: &'a str,
    /// The reader's id at the authenticator.
    pub user_handle: &'a str,
    /// webauthn-rs's `Passkey`, as JSON.
    pub credential: &'a str,
    /// Its signature counter.
    pub sign_count: i64,
}

/// Adds a passkey; `None` if its credential is already someone's.
pub async fn add(db: &Db, new: &New<'_>) -> Result<Option<PasskeyInfo>, sqlx::Error> {
    let now = now();
    let sql =
        "INSERT INTO passkeys (reader_id, credential_id, user_handle, credential, sign_count, created_at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (credential_id) DO NOTHING RETURNING id";
    let id: Option<i64> = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(new.reader_id)
        .bind(new.credential_id)
        .bind(new.user_handle)
        .bind(new.credential)
        .bind(new.sign_count)
        .bind(now)
        .fetch_optional(pool)
        .await)?;
    Ok(id.map(|id| PasskeyInfo { id, created_at: now, last_used_at: None }))
}

/// The id a reader is known by at their authenticators, if they have a passkey.
pub async fn user_handle(db: &Db, reader_id: i64) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT user_handle FROM passkeys WHERE reader_id = $1 ORDER BY id LIMIT 1";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(reader_id).fetch_optional(pool).await)
}

/// A reader's credentials (webauthn-rs's JSON), so that an authenticator is not given a
/// second passkey for the same reader.
pub async fn credentials_of(db: &Db, reader_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let sql = "SELECT credential FROM passkeys WHERE reader_id = $1";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(reader_id).fetch_all(pool).await)
}

/// The passkey with this credential id (base64url).
pub async fn by_credential_id(db: &Db, credential_id: &str) -> Result<Option<Stored>, sqlx::Error> {
    let sql =
        "SELECT id, reader_id, user_handle, credential, sign_count FROM passkeys WHERE credential_id = $1";
    with_pool!(db, |pool| sqlx::query_as(sql).bind(credential_id).fetch_optional(pool).await)
}

/// Records a sign-in with the passkey: its updated credential and counter, if the stored
/// counter is still behind the new one (or both are 0: a passkey that keeps no counter).
/// `false` if a sign-in with this counter or a later one came first: an answer whose counter
/// does not move on is a copied authenticator's.
pub async fn used(db: &Db, passkey: &Stored, credential: &str, sign_count: i64) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE passkeys SET credential = $1, sign_count = $2, last_used_at = $3
                WHERE id = $4 AND (sign_count < $2 OR (sign_count = 0 AND $2 = 0))";
    let updated = with_pool!(db, |pool| sqlx::query(sql)
        .bind(credential)
        .bind(sign_count)
        .bind(now())
        .bind(passkey.id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(updated == 1)
}

/// A reader's passkeys, oldest first.
pub async fn list(db: &Db, reader_id: i64) -> Result<Vec<PasskeyInfo>, sqlx::Error> {
    let sql = "SELECT id, created_at, last_used_at FROM passkeys WHERE reader_id = $1 ORDER BY id";
    let rows: Vec<(i64, i64, Option<i64>)> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(reader_id).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, created_at, last_used_at)| PasskeyInfo { id, created_at, last_used_at })
        .collect())
}

/// Removes one of a reader's passkeys; `false` if they have none with this id.
pub async fn remove(db: &Db, reader_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM passkeys WHERE id = $1 AND reader_id = $2";
    let deleted = with_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(reader_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(deleted == 1)
}
