//! SQL for sessions: one row per signed-in device, holding the hash of its current refresh
//! token; the hashes of the tokens it spent are kept to notice a replay.

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, with_pool};
use crate::time::now;

/// How long a session lasts without being refreshed.
pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 60 * 60;

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
    db: &Db,
    reader_id: i64,
    refresh_hash: &[u8],
    lifetime: Lifetime,
) -> Result<i64, sqlx::Error> {
    let now = now();
    let expires_at = now + lifetime.idle.min(lifetime.absolute);
    with_pool!(db, |pool| {
        sqlx::query_scalar(CREATE)
            .bind(reader_id)
            .bind(refresh_hash)
            .bind(expires_at)
            .bind(now)
            .fetch_one(pool)
            .await
    })
}

/// Inserts a session: reader, refresh hash, expiry, now. Returns its id. Also run inside the
/// publisher sign-in's transaction.
pub(super) const CREATE: &str = "INSERT INTO sessions (reader_id, refresh_hash, expires_at, created_at) VALUES ($1, $2, $3, $4) RETURNING id";

/// Ends every session of reader `$2` at `$1` except `$3` (NULL: none kept). Also run inside
/// the transactions of `readers`.
pub(super) const REVOKE_ALL: &str = "UPDATE sessions SET revoked_at = $1
  WHERE reader_id = $2 AND revoked_at IS NULL AND id IS DISTINCT FROM $3";

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
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let rotated: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE sessions SET refresh_hash = $1,
                    expires_at = CASE WHEN created_at + $2 < $3 THEN created_at + $2 ELSE $3 END
              WHERE refresh_hash = $4 AND revoked_at IS NULL AND expires_at > $5
              RETURNING id, reader_id",
        )
        .bind(new_hash)
        .bind(lifetime.absolute)
        .bind(now + lifetime.idle)
        .bind(old_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((session_id, reader_id)) = rotated {
            sqlx::query(
                "INSERT INTO spent_refresh_tokens (hash, session_id, spent_at, spent_by) VALUES ($1, $2, $3, $4)",
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
               FROM spent_refresh_tokens spent WHERE hash = $1",
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
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Rotation::Replayed)
    })
}

/// Whether session `$id` of reader `$reader` is live at `$now` (placeholders): not revoked,
/// not expired. The one definition of a live session, for every statement that asks.
macro_rules! live_session {
    ($id:literal, $reader:literal, $now:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM sessions WHERE id = ",
            $id,
            " AND reader_id = ",
            $reader,
            " AND revoked_at IS NULL AND expires_at > ",
            $now,
            ")"
        )
    };
}
pub(crate) use live_session;

/// Whether a session exists for this reader and is neither revoked nor expired.
pub async fn is_active(db: &Db, session_id: i64, reader_id: i64) -> Result<bool, sqlx::Error> {
    let sql = concat!("SELECT ", live_session!("$1", "$2", "$3"));
    with_pool!(db, |pool| {
        sqlx::query_scalar(sql).bind(session_id).bind(reader_id).bind(now()).fetch_one(pool).await
    })
}

/// Ends a session: its refresh token and its access tokens stop working.
pub async fn revoke(db: &Db, session_id: i64, reader_id: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND reader_id = $3 AND revoked_at IS NULL";
    with_pool!(db, |pool| {
        sqlx::query(sql).bind(now()).bind(session_id).bind(reader_id).execute(pool).await?;
        Ok(())
    })
}

/// Ends every session of a reader ("sign out everywhere"), recording `audit` with it when
/// the publisher asks. Returns how many ended.
pub async fn revoke_all(db: &Db, reader_id: i64, audit: Option<&Entry<'_>>) -> Result<u64, sqlx::Error> {
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let revoked =
            sqlx::query(REVOKE_ALL).bind(now()).bind(reader_id).bind(None::<i64>).execute(&mut *tx).await?;
        if let Some(audit) = audit {
            record!(&mut *tx, audit)?;
        }
        tx.commit().await?;
        Ok(revoked.rows_affected())
    })
}

/// A reader's sessions that have not ended, newest first.
pub async fn live_of(db: &Db, reader_id: i64) -> Result<Vec<paywall_protocol::admin::Session>, sqlx::Error> {
    let sql = "SELECT id, created_at, expires_at FROM sessions
                WHERE reader_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY id DESC";
    let rows: Vec<(i64, i64, i64)> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(reader_id).bind(now()).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, created_at, expires_at)| paywall_protocol::admin::Session { id, created_at, expires_at })
        .collect())
}
