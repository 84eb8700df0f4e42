//! SQL for one-time sign-in codes.
//!
//! A code is live until it is spent, voided or expired. Several can be live for one email at
//! once (asking again, or a stranger asking, does not void a code already sent); spending
//! one voids the rest. Which codes take digits, and how wrong tries count, is decided in
//! `auth::code`; a code with too many no longer accepts its digits, though its link (256
//! random bits, nothing to guess) still works.

use super::db::{BeginWrite, Db, with_pool};
use crate::time::now;

/// A code as verification needs it.
#[derive(Debug, sqlx::FromRow)]
pub struct StoredCode {
    /// The row's id.
    pub id: i64,
    /// The normalised email it was sent to.
    pub email: String,
    /// The keyed hash of the digits.
    pub code_hash: Vec<u8>,
    /// Wrong tries so far.
    pub attempts: i64,
    /// The page to come back to.
    pub return_to: String,
}

// A code is live while `used_at IS NULL AND expires_at > now`: each query below says so
// in its own words, with the current time bound as its last parameter.

/// Stores a new code for `email`.
pub async fn insert(
    db: &Db,
    email: &str,
    code_hash: &[u8],
    link_hash: &[u8],
    return_to: &str,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO sign_in_codes (email, code_hash, link_hash, return_to, expires_at, created_at)
               VALUES ($1, $2, $3, $4, $5, $6)";
    with_pool!(db, |pool| {
        sqlx::query(sql)
            .bind(email)
            .bind(code_hash)
            .bind(link_hash)
            .bind(return_to)
            .bind(expires_at)
            .bind(now())
            .execute(pool)
            .await?;
        Ok(())
    })
}

/// Every live code sent to `email`, newest first.
pub async fn live_for_email(db: &Db, email: &str) -> Result<Vec<StoredCode>, sqlx::Error> {
    let sql = "SELECT id, email, code_hash, attempts, return_to FROM sign_in_codes
                WHERE email = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY id DESC";
    with_pool!(db, |pool| sqlx::query_as(sql).bind(email).bind(now()).fetch_all(pool).await)
}

/// The live code whose link token hashes to `link_hash`, if any.
pub async fn live_for_link(db: &Db, link_hash: &[u8]) -> Result<Option<StoredCode>, sqlx::Error> {
    let sql = "SELECT id, email, code_hash, attempts, return_to FROM sign_in_codes
                WHERE link_hash = $1 AND used_at IS NULL AND expires_at > $2";
    with_pool!(db, |pool| sqlx::query_as(sql).bind(link_hash).bind(now()).fetch_optional(pool).await)
}

/// Spends a live code and voids every other live code of its email; false if another request
/// spent or voided it first.
pub async fn spend(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let now = now();
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let email: Option<String> = sqlx::query_scalar(
            "UPDATE sign_in_codes SET used_at = $2
              WHERE id = $1 AND used_at IS NULL AND expires_at > $2 RETURNING email",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(email) = email else {
            return Ok(false);
        };
        sqlx::query("UPDATE sign_in_codes SET used_at = $1 WHERE email = $2 AND used_at IS NULL")
            .bind(now)
            .bind(&email)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Counts a wrong try against a code; returns its wrong tries so far.
pub async fn count_wrong_try(db: &Db, id: i64) -> Result<i64, sqlx::Error> {
    let sql = "UPDATE sign_in_codes SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(id).fetch_one(pool).await)
}
