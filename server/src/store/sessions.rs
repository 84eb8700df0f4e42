//! SQL for sessions: one row per signed-in device, holding the hash of its refresh token.

use super::Db;
use crate::time::now;

/// Starts a session for a reader; returns its id.
pub async fn create(
    db: impl sqlx::SqliteExecutor<'_>,
    reader_id: i64,
    refresh_hash: &[u8],
    expires_at: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO sessions (reader_id, refresh_hash, expires_at, created_at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(reader_id)
    .bind(refresh_hash)
    .bind(expires_at)
    .bind(now())
    .fetch_one(db)
    .await
}

/// Swaps a live session's refresh token for a new one in one statement, so a token can be
/// spent once only even when two requests race. Returns `(session id, reader id)`, or `None`
/// when the old token is unknown, already spent, expired or revoked.
pub async fn rotate(
    db: &Db,
    old_hash: &[u8],
    new_hash: &[u8],
    expires_at: i64,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE sessions SET refresh_hash = ?, expires_at = ?
           WHERE refresh_hash = ? AND revoked_at IS NULL AND expires_at > ?
           RETURNING id, reader_id",
    )
    .bind(new_hash)
    .bind(expires_at)
    .bind(old_hash)
    .bind(now())
    .fetch_optional(db)
    .await
}

/// Whether a session exists for this reader and is neither revoked nor expired.
pub async fn is_active(db: &Db, session_id: i64, reader_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sessions
           WHERE id = ? AND reader_id = ? AND revoked_at IS NULL AND expires_at > ?)",
    )
    .bind(session_id)
    .bind(reader_id)
    .bind(now())
    .fetch_one(db)
    .await
}

/// Ends a session: its refresh token and its access tokens stop working.
pub async fn revoke(db: &Db, session_id: i64, reader_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = ? WHERE id = ? AND reader_id = ? AND revoked_at IS NULL")
        .bind(now())
        .bind(session_id)
        .bind(reader_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of a reader ("sign out everywhere").
pub async fn revoke_all(db: &Db, reader_id: i64) -> Result<u64, sqlx::Error> {
    let revoked =
        sqlx::query("UPDATE sessions SET revoked_at = ? WHERE reader_id = ? AND revoked_at IS NULL")
            .bind(now())
            .bind(reader_id)
            .execute(db)
            .await?;
    Ok(revoked.rows_affected())
}
