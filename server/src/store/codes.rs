//! SQL for one-time sign-in codes.

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
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
    /// When it was spent or voided, if it was.
    pub used_at: Option<i64>,
}

impl StoredCode {
    /// Whether the code can still be spent at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        self.used_at.is_none() && self.expires_at > now
    }
}

const COLUMNS: &str = "id, email, code_hash, attempts, return_to, expires_at, used_at";

/// Stores a new code for `email` and voids any older live one, so only the newest works.
pub async fn replace(
    db: &Db,
    email: &str,
    code_hash: &[u8],
    link_hash: &[u8],
    return_to: &str,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    let now = now();
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE sign_in_codes SET used_at = ? WHERE email = ? AND used_at IS NULL")
        .bind(now)
        .bind(email)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sign_in_codes (email, code_hash, link_hash, return_to, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(email)
    .bind(code_hash)
    .bind(link_hash)
    .bind(return_to)
    .bind(expires_at)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

const LIVE: &str = "used_at IS NULL AND expires_at > ?";

/// The newest code sent to `email`, live or not.
pub async fn latest_for_email(db: &Db, email: &str) -> Result<Option<StoredCode>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM sign_in_codes WHERE email = ? ORDER BY id DESC LIMIT 1"))
        .bind(email)
        .fetch_optional(db)
        .await
}

/// The live code whose link token hashes to `link_hash`, if any.
pub async fn live_for_link(db: &Db, link_hash: &[u8]) -> Result<Option<StoredCode>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM sign_in_codes WHERE link_hash = ? AND {LIVE}"))
        .bind(link_hash)
        .bind(now())
        .fetch_optional(db)
        .await
}

/// Spends a live code; false if another request spent or voided it first.
pub async fn spend(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let spent = sqlx::query(&format!("UPDATE sign_in_codes SET used_at = ? WHERE id = ? AND {LIVE}"))
        .bind(now())
        .bind(id)
        .bind(now())
        .execute(db)
        .await?;
    Ok(spent.rows_affected() == 1)
}

/// Counts a wrong try; the code is voided on the `max`-th. Returns the tries left.
pub async fn count_wrong_try(db: &Db, id: i64, max: i64) -> Result<i64, sqlx::Error> {
    let attempts: Option<i64> = sqlx::query_scalar(
        "UPDATE sign_in_codes SET attempts = attempts + 1,
             used_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE used_at END
         WHERE id = ? AND used_at IS NULL
         RETURNING attempts",
    )
    .bind(max)
    .bind(now())
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(attempts.map_or(0, |attempts| (max - attempts).max(0)))
}
