//! SQL for the publisher's staff: who they are, their one-time sign-in links, their sessions.
//! Only hashes of links and session cookies are stored.

use paywall_protocol::admin::{StaffMember, StaffRole};

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, with_pool};
use crate::time::now;

/// A staff member's row: id, email, role, created at.
type Row = (i64, String, String, i64);

fn member((id, email, role, created_at): Row) -> StaffMember {
    // The table's CHECK allows only the three names.
    let role = StaffRole::parse(&role).unwrap_or(StaffRole::Viewer);
    StaffMember { id, email, role, created_at }
}

/// Why a change to the staff was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffChange {
    /// Done.
    Done,
    /// Nobody has this id.
    Unknown,
    /// It would leave no owner.
    LastOwner,
}

/// Adds a staff member, recording `audit` with it; `None` if the email is taken.
pub async fn add(
    db: &Db,
    email: &str,
    role: StaffRole,
    audit: &Entry<'_>,
) -> Result<Option<StaffMember>, sqlx::Error> {
    let sql = "INSERT INTO staff (email, role, created_at) VALUES ($1, $2, $3)
               ON CONFLICT (email) DO NOTHING RETURNING id, email, role, created_at";
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let row: Option<Row> =
            sqlx::query_as(sql).bind(email).bind(role.as_str()).bind(now()).fetch_optional(&mut *tx).await?;
        if row.is_some() {
            record!(&mut *tx, audit)?;
        }
        tx.commit().await?;
        Ok(row.map(member))
    })
}

/// Everyone, by email.
pub async fn list(db: &Db) -> Result<Vec<StaffMember>, sqlx::Error> {
    let sql = "SELECT id, email, role, created_at FROM staff ORDER BY email";
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(member).collect())
}

/// The staff member with this (lower-cased) email.
pub async fn by_email(db: &Db, email: &str) -> Result<Option<StaffMember>, sqlx::Error> {
    let sql = "SELECT id, email, role, created_at FROM staff WHERE email = $1";
    let row: Option<Row> = with_pool!(db, |pool| sqlx::query_as(sql).bind(email).fetch_optional(pool).await)?;
    Ok(row.map(member))
}

/// The owners' ids, locked until the transaction ends where the database can lock rows
/// (SQLite's writing transaction holds the whole file already): two owners demoting or
/// removing each other at once cannot both pass the last-owner check.
fn owners_locked(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "SELECT id FROM staff WHERE role = 'owner' ORDER BY id",
        // In one order, so that two such transactions never each hold a lock the other waits for.
        Db::Postgres(_) => "SELECT id FROM staff WHERE role = 'owner' ORDER BY id FOR UPDATE",
    }
}

/// Revokes the live API keys member `$1` made, at `$2`: a key acts as an owner, and outlives
/// nobody's time as one.
const REVOKE_KEYS: &str = "UPDATE api_keys SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL";

/// The member with this id.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<StaffMember>, sqlx::Error> {
    let sql = "SELECT id, email, role, created_at FROM staff WHERE id = $1";
    let row: Option<Row> = with_pool!(db, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    Ok(row.map(member))
}

/// Gives member `id` another role, unless that leaves no owner; records `audit` if done. One
/// who is no longer an owner loses the API keys they made.
pub async fn set_role(
    db: &Db,
    id: i64,
    role: StaffRole,
    audit: &Entry<'_>,
) -> Result<StaffChange, sqlx::Error> {
    let lock = owners_locked(db);
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let owners: Vec<i64> = sqlx::query_scalar(lock).fetch_all(&mut *tx).await?;
        if role != StaffRole::Owner && owners == [id] {
            return Ok(StaffChange::LastOwner);
        }
        let changed = sqlx::query("UPDATE staff SET role = $2 WHERE id = $1")
            .bind(id)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(StaffChange::Unknown);
        }
        if role != StaffRole::Owner {
            sqlx::query(REVOKE_KEYS).bind(id).bind(now()).execute(&mut *tx).await?;
        }
        record!(&mut *tx, audit)?;
        tx.commit().await?;
        Ok(StaffChange::Done)
    })
}

/// Removes member `id` (their links and sessions with them, and the API keys they made
/// revoked), unless that leaves no owner; records `audit` if done.
pub async fn remove(db: &Db, id: i64, audit: &Entry<'_>) -> Result<StaffChange, sqlx::Error> {
    let lock = owners_locked(db);
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let owners: Vec<i64> = sqlx::query_scalar(lock).fetch_all(&mut *tx).await?;
        if owners == [id] {
            return Ok(StaffChange::LastOwner);
        }
        sqlx::query(REVOKE_KEYS).bind(id).bind(now()).execute(&mut *tx).await?;
        let removed =
            sqlx::query("DELETE FROM staff WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
        if removed == 0 {
            return Ok(StaffChange::Unknown);
        }
        record!(&mut *tx, audit)?;
        tx.commit().await?;
        Ok(StaffChange::Done)
    })
}

/// Stores a one-time sign-in link for member `staff_id`, working until `expires_at`: their
/// only one (a link sent earlier stops working).
pub async fn create_link(
    db: &Db,
    staff_id: i64,
    token_hash: &[u8],
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO staff_links (token_hash, staff_id, expires_at) VALUES ($1, $2, $3)";
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(FORGET_LINKS).bind(staff_id).execute(&mut *tx).await?;
        sqlx::query(sql).bind(token_hash).bind(staff_id).bind(expires_at).execute(&mut *tx).await?;
        tx.commit().await
    })
}

/// Deletes every sign-in link of member `$1`.
const FORGET_LINKS: &str = "DELETE FROM staff_links WHERE staff_id = $1";

/// A staff member's live session, as a request's cookie finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffSession {
    /// The session's id.
    pub session_id: i64,
    /// Who.
    pub member: StaffMember,
}

/// Spends the unexpired link with this hash (it works once) and starts a session with the
/// cookie hashed `session_hash`, lasting `seconds`; `None` if there is no such link.
pub async fn sign_in_with_link(
    db: &Db,
    link_hash: &[u8],
    session_hash: &[u8],
    seconds: i64,
) -> Result<Option<StaffSession>, sqlx::Error> {
    let spend = "DELETE FROM staff_links WHERE token_hash = $1 AND expires_at > $2 RETURNING staff_id";
    let start =
        "INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)
                 RETURNING id";
    let who = "SELECT id, email, role, created_at FROM staff WHERE id = $1";
    let now = now();
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let Some(staff_id): Option<i64> =
            sqlx::query_scalar(spend).bind(link_hash).bind(now).fetch_optional(&mut *tx).await?
        else {
            return Ok(None);
        };
        let session_id: i64 = sqlx::query_scalar(start)
            .bind(session_hash)
            .bind(staff_id)
            .bind(now)
            .bind(now + seconds)
            .fetch_one(&mut *tx)
            .await?;
        let row: Row = sqlx::query_as(who).bind(staff_id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(StaffSession { session_id, member: member(row) }))
    })
}

/// The live session (unexpired, not ended) whose cookie has this hash.
pub async fn session(db: &Db, session_hash: &[u8]) -> Result<Option<StaffSession>, sqlx::Error> {
    let sql = "SELECT s.id, m.id, m.email, m.role, m.created_at FROM staff_sessions s JOIN staff m ON m.id = s.staff_id
                WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2";
    let row: Option<(i64, i64, String, String, i64)> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(session_hash).bind(now()).fetch_optional(pool).await)?;
    Ok(row.map(|(session_id, id, email, role, created_at)| StaffSession {
        session_id,
        member: member((id, email, role, created_at)),
    }))
}

/// Ends one session (signing out in one browser).
pub async fn end_session(db: &Db, session_id: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE staff_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    with_pool!(db, |pool| sqlx::query(sql).bind(session_id).bind(now()).execute(pool).await.map(drop))
}

/// Ends every session of member `staff_id`, and any sign-in link of theirs not yet used,
/// recording `audit`; returns how many sessions.
pub async fn end_sessions(db: &Db, staff_id: i64, audit: &Entry<'_>) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE staff_sessions SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL";
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(FORGET_LINKS).bind(staff_id).execute(&mut *tx).await?;
        let ended = sqlx::query(sql).bind(staff_id).bind(now()).execute(&mut *tx).await?.rows_affected();
        record!(&mut *tx, audit)?;
        tx.commit().await?;
        Ok(ended)
    })
}

/// Deletes the links expired before `links_before` and the sessions over (expired or ended)
/// before `sessions_before`; returns how many rows.
pub async fn prune(db: &Db, links_before: i64, sessions_before: i64) -> Result<u64, sqlx::Error> {
    let links = "DELETE FROM staff_links WHERE expires_at < $1";
    let sessions = "DELETE FROM staff_sessions WHERE expires_at < $1 OR revoked_at < $1";
    with_pool!(db, |pool| {
        let links = sqlx::query(links).bind(links_before).execute(pool).await?.rows_affected();
        let sessions = sqlx::query(sessions).bind(sessions_before).execute(pool).await?.rows_affected();
        Ok(links + sessions)
    })
}
