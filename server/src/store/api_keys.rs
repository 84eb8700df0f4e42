//! SQL for the admin API's keys: only each key's SHA-256 is stored.

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, with_pool};
use crate::time::now;

/// A key as `api-key list` shows it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct KeyRow {
    /// Its id.
    pub id: i64,
    /// The name it was created with.
    pub name: String,
    /// Its first characters.
    pub prefix: String,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
    /// When it was last used (to the minute), if ever.
    pub last_used_at: Option<i64>,
}

/// Stores a new key's hash (made by staff member `staff_id`, or on the command line), recording
/// `audit` with it; returns its id.
pub async fn create(
    db: &Db,
    name: &str,
    prefix: &str,
    hash: &[u8],
    expires_at: Option<i64>,
    staff_id: Option<i64>,
    audit: &Entry<'_>,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO api_keys (name, prefix, hash, created_at, expires_at, staff_id) VALUES ($1, $2, $3, $4, $5, $6)
               RETURNING id";
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let id = sqlx::query_scalar(sql)
            .bind(name)
            .bind(prefix)
            .bind(hash)
            .bind(now())
            .bind(expires_at)
            .bind(staff_id)
            .fetch_one(&mut *tx)
            .await?;
        record!(&mut *tx, audit)?;
        tx.commit().await?;
        Ok(id)
    })
}

/// Every key, newest first.
pub async fn list(db: &Db) -> Result<Vec<KeyRow>, sqlx::Error> {
    let sql = "SELECT id, name, prefix, created_at, expires_at, revoked_at, last_used_at FROM api_keys
                ORDER BY id DESC";
    with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)
}

/// Revokes the live keys with this id, name or prefix, recording `audit` if any was;
/// returns how many.
pub async fn revoke(db: &Db, which: &str, audit: &Entry<'_>) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE api_keys SET revoked_at = $1
                WHERE revoked_at IS NULL AND (CAST(id AS TEXT) = $2 OR name = $2 OR prefix = $2)";
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let revoked = sqlx::query(sql).bind(now()).bind(which).execute(&mut *tx).await?.rows_affected();
        if revoked > 0 {
            record!(&mut *tx, audit)?;
        }
        tx.commit().await?;
        Ok(revoked)
    })
}

/// Revokes the live key with this id, recording `audit` if it was; returns how many (0 or 1).
pub async fn revoke_by_id(db: &Db, id: i64, audit: &Entry<'_>) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE api_keys SET revoked_at = $1 WHERE revoked_at IS NULL AND id = $2";
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let revoked = sqlx::query(sql).bind(now()).bind(id).execute(&mut *tx).await?.rows_affected();
        if revoked > 0 {
            record!(&mut *tx, audit)?;
        }
        tx.commit().await?;
        Ok(revoked)
    })
}

/// The live key with this hash (neither revoked nor expired): its id, name and prefix. Notes
/// when it was used, at most once a minute.
pub async fn live(db: &Db, hash: &[u8]) -> Result<Option<(i64, String, String)>, sqlx::Error> {
    let now = now();
    let find = "SELECT id, name, prefix FROM api_keys
                 WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)";
    let used = "UPDATE api_keys SET last_used_at = $2
                 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2 - 60)";
    with_pool!(db, |pool| {
        let key: Option<(i64, String, String)> =
            sqlx::query_as(find).bind(hash).bind(now).fetch_optional(pool).await?;
        if let Some((id, _, _)) = &key {
            sqlx::query(used).bind(id).bind(now).execute(pool).await?;
        }
        Ok(key)
    })
}
