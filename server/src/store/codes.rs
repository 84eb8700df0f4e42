//! SQL for one-time sign-in codes.
//!
//! A code is live until it is spent, voided or expired. Several can be live for one email at
//! once (asking again, or a stranger asking, does not void a code already sent); spending
//! one voids the rest. Which codes take digits, and how wrong tries count, is decided in
//! `auth::code`; a code with too many no longer accepts its digits, though its link (256
//! random bits, nothing to guess) still works.

use super::Db;
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

/// What makes a code live: not spent or voided, not expired. The one definition, used by
/// every query below (each binds the current time for the `?`).
const LIVE: &str = "used_at IS NULL AND expires_at > ?";

/// Stores a new code for `email`.
pub async fn insert(
    db: &Db,
    email: &str,
    code_hash: &[u8],
    link_hash: &[u8],
    return_to: &str,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_codes (email, code_hash, link_hash, return_to, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(email)
    .bind(code_hash)
    .bind(link_hash)
    .bind(return_to)
    .bind(expires_at)
    .bind(now())
    .execute(db)
    .await?;
    Ok(())
}

/// Every live code sent to `email`, newest first.
pub async fn live_for_email(db: &Db, email: &str) -> Result<Vec<StoredCode>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT id, email, code_hash, attempts, return_to FROM sign_in_codes
          WHERE email = ? AND {LIVE} ORDER BY id DESC"
    ))
    .bind(email)
    .bind(now())
    .fetch_all(db)
    .await
}

/// The live code whose link token hashes to `link_hash`, if any.
pub async fn live_for_link(db: &Db, link_hash: &[u8]) -> Result<Option<StoredCode>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT id, email, code_hash, attempts, return_to FROM sign_in_codes WHERE link_hash = ? AND {LIVE}"
    ))
    .bind(link_hash)
    .bind(now())
    .fetch_optional(db)
    .await
}

/// Spends a live code and voids every other live code of its email; false if another request
/// spent or voided it first.
pub async fn spend(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let now = now();
    let mut tx = db.begin().await?;
    let email: Option<String> = sqlx::query_scalar(&format!(
        "UPDATE sign_in_codes SET used_at = ? WHERE id = ? AND {LIVE} RETURNING email"
    ))
    .bind(now)
    .bind(id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(email) = email else {
        return Ok(false);
    };
    sqlx::query("UPDATE sign_in_codes SET used_at = ? WHERE email = ? AND used_at IS NULL")
        .bind(now)
        .bind(&email)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Counts a wrong try against a code; returns its wrong tries so far.
pub async fn count_wrong_try(db: &Db, id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("UPDATE sign_in_codes SET attempts = attempts + 1 WHERE id = ? RETURNING attempts")
        .bind(id)
        .fetch_one(db)
        .await
}
