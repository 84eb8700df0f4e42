//! SQL for sessions: one row per signed-in device, holding the hash of its current refresh
//! token; the hashes of the tokens it spent are kept to notice a replay.

use super::Db;
use crate::time::now;

/// How long a session lives: refreshed, it lasts `idle` more seconds each time, but never more
/// than `absolute` seconds after it started.
#[derive(Clone, Copy, Debug)]
pub struct Lifetime {
    /// Seconds a refresh token works unused.
    pub idle: i64,
    /// Seconds a session works at most, however often it is refreshed.
    pub absolute: i64,
}

/// Starts a session for a reader; returns its id.
pub async fn create(
    db: impl sqlx::SqliteExecutor<'_>,
    reader_id: i64,
    refresh_hash: &[u8],
    lifetime: Lifetime,
) -> Result<i64, sqlx::Error> {
    let now = now();
    sqlx::query_scalar(
        "INSERT INTO sessions (reader_id, refresh_hash, expires_at, created_at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(reader_id)
    .bind(refresh_hash)
    .bind(now + lifetime.idle.min(lifetime.absolute))
    .bind(now)
    .fetch_one(db)
    .await
}

/// What spending a refresh token did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current: it is spent and the new one stored.
    Rotated {
        /// The session.
        session_id: i64,
        /// Its reader.
        reader_id: i64,
    },
    /// The token was replaced within the last `grace` seconds by the same client, most likely
    /// another tab of the same browser a moment earlier: refused, nothing else happens.
    JustReplaced,
    /// The token was spent before: someone holds a copy. The session is ended for everyone.
    Replayed,
    /// Unknown, or its session expired or ended.
    Unknown,
}

/// Swaps a live session's refresh token for a new one, so a token can be spent once only even
/// when two requests race; a token spent earlier ends its session, unless it is the one just
/// replaced, within `grace` seconds, by the same `client` (two tabs refreshing at once). A
/// thief elsewhere who refreshed first is noticed when the owner's tab comes second.
pub async fn rotate(
    db: &Db,
    old_hash: &[u8],
    new_hash: &[u8],
    lifetime: Lifetime,
    client: &str,
    grace: i64,
) -> Result<Rotation, sqlx::Error> {
    let now = now();
    let mut tx = db.begin().await?;
    let rotated: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE sessions SET refresh_hash = ?,
                expires_at = CASE WHEN created_at + ? < ? THEN created_at + ? ELSE ? END
          WHERE refresh_hash = ? AND revoked_at IS NULL AND expires_at > ?
          RETURNING id, reader_id",
    )
    .bind(new_hash)
    .bind(lifetime.absolute)
    .bind(now + lifetime.idle)
    .bind(lifetime.absolute)
    .bind(now + lifetime.idle)
    .bind(old_hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((session_id, reader_id)) = rotated {
        sqlx::query(
            "INSERT INTO spent_refresh_tokens (hash, session_id, spent_at, spent_by) VALUES (?, ?, ?, ?)",
        )
        .bind(old_hash)
        .bind(session_id)
        .bind(now)
        .bind(client)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Rotation::Rotated { session_id, reader_id });
    }
    let spent: Option<(i64, i64, String, bool)> = sqlx::query_as(
        "SELECT session_id, spent_at, spent_by,
                NOT EXISTS (SELECT 1 FROM spent_refresh_tokens later
                             WHERE later.session_id = spent.session_id AND later.id > spent.id)
           FROM spent_refresh_tokens spent WHERE hash = ?",
    )
    .bind(old_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((session_id, spent_at, spent_by, newest)) = spent else {
        return Ok(Rotation::Unknown);
    };
    if newest && now - spent_at <= grace && spent_by == client {
        return Ok(Rotation::JustReplaced);
    }
    sqlx::query("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Rotation::Replayed)
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

/// Ends every session of a reader ("sign out everywhere"), except `keep` if given.
pub async fn revoke_all(
    db: impl sqlx::SqliteExecutor<'_>,
    reader_id: i64,
    keep: Option<i64>,
) -> Result<u64, sqlx::Error> {
    let revoked = sqlx::query(
        "UPDATE sessions SET revoked_at = ? WHERE reader_id = ? AND revoked_at IS NULL AND id IS NOT ?",
    )
    .bind(now())
    .bind(reader_id)
    .bind(keep)
    .execute(db)
    .await?;
    Ok(revoked.rows_affected())
}
