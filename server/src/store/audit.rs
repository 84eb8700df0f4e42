//! SQL for the audit log: every write through the admin API or the command line, recorded in
//! the same transaction as the write itself, so that neither is ever there without the other.

use paywall_protocol::admin::AuditEntry;

use super::db::{Db, with_pool};

/// Who made a change: an API key, or the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The key's id; `None` for the command line.
    pub key_id: Option<i64>,
    /// How the log names them: `key:<name> (<prefix>)` or `command line`.
    pub name: String,
}

impl Actor {
    /// Whoever runs a `paywall-server` command on the server itself.
    pub fn command_line() -> Self {
        Actor { key_id: None, name: "command line".to_owned() }
    }
}

/// One change to record.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// Who.
    pub actor: &'a Actor,
    /// What, as `resource.verb`.
    pub action: &'static str,
    /// What it was done to: `article:<id>`, `reader:<id>`, ….
    pub target: String,
    /// What changed, in words.
    pub detail: String,
}

/// The statement that records an [`Entry`]; see [`record!`].
pub const INSERT: &str =
    "INSERT INTO audit_log (at, key_id, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)";

/// Records an [`Entry`] with the executor given (the write's own transaction).
macro_rules! record {
    ($executor:expr, $entry:expr) => {{
        let entry: &$crate::store::audit::Entry<'_> = $entry;
        sqlx::query($crate::store::audit::INSERT)
            .bind($crate::time::now())
            .bind(entry.actor.key_id)
            .bind(&entry.actor.name)
            .bind(entry.action)
            .bind(&entry.target)
            .bind(&entry.detail)
            .execute($executor)
            .await
    }};
}
pub(crate) use record;

/// Records an entry on its own, for a write that is already done in one statement elsewhere.
pub async fn insert(db: &Db, entry: &Entry<'_>) -> Result<(), sqlx::Error> {
    with_pool!(db, |pool| record!(pool, entry).map(drop))
}

/// Up to `limit` entries older than `before` (all when `None`), newest first.
pub async fn page(db: &Db, before: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let sql = "SELECT id, at, actor, action, target, detail FROM audit_log
                WHERE $1 IS NULL OR id < $1 ORDER BY id DESC LIMIT $2";
    let rows: Vec<(i64, i64, String, String, String, String)> = with_pool!(db, |pool| {
        sqlx::query_as(sql).bind(before).bind(i64::from(limit)).fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, at, actor, action, target, detail)| AuditEntry { id, at, actor, action, target, detail })
        .collect())
}

/// The newest entry about `target`, if any.
pub async fn last_for(db: &Db, target: &str) -> Result<Option<AuditEntry>, sqlx::Error> {
    let sql = "SELECT id, at, actor, action, target, detail FROM audit_log WHERE target = $1 ORDER BY id DESC LIMIT 1";
    let row: Option<(i64, i64, String, String, String, String)> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(target).fetch_optional(pool).await)?;
    Ok(row.map(|(id, at, actor, action, target, detail)| AuditEntry {
        id,
        at,
        actor,
        action,
        target,
        detail,
    }))
}
