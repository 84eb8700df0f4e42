//! SQL for the tier ladder, and the one question entitlement asks of it.

use paywall_protocol::admin::Tier;

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, with_pool};
use super::sessions::live_session;
use super::subscriptions::opens;
use crate::time::now;

/// The ladder, lowest first.
pub async fn ladder(db: &Db) -> Result<Vec<Tier>, sqlx::Error> {
    let sql = "SELECT name, label FROM tiers ORDER BY rank";
    let rows: Vec<(String, String)> = with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(|(name, label)| Tier { name, label }).collect())
}

/// Whether the ladder has a tier of this name.
pub async fn exists(db: &Db, name: &str) -> Result<bool, sqlx::Error> {
    let sql = "SELECT EXISTS (SELECT 1 FROM tiers WHERE name = $1)";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(name).fetch_one(pool).await)
}

/// Where a reader stands against an article's tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Standing {
    /// Whether the session asked about is live (revoked or expired: `false`); `true` when
    /// none was asked about.
    pub live: bool,
    /// The tier's rank, or `None` if the ladder does not have it.
    pub needed: Option<i64>,
    /// The highest rank any live subscription of the reader opens, or `None` if none does.
    pub held: Option<i64>,
    /// Whether a live subscription of the reader is to exactly this tier.
    pub exact: bool,
}

/// Where `reader_id` stands against an article of `tier`, and whether their session `session`
/// (if given) is live, in one statement.
pub async fn standing(
    db: &Db,
    tier: &str,
    reader_id: i64,
    session: Option<i64>,
) -> Result<Standing, sqlx::Error> {
    let sql = concat!(
        "SELECT ($4 IS NULL OR ",
        live_session!("$4", "$2", "$3"),
        ") AS live,
                (SELECT rank FROM tiers WHERE name = $1) AS needed,
                (SELECT MAX(held.rank) FROM subscriptions s JOIN tiers held ON held.name = s.tier
                  WHERE s.reader_id = $2 AND s.current_period_end > $3 AND s.",
        opens!(),
        ") AS held,
                EXISTS (SELECT 1 FROM subscriptions
                  WHERE reader_id = $2 AND tier = $1 AND current_period_end > $3 AND ",
        opens!(),
        ") AS exact"
    );
    with_pool!(db, |pool| {
        sqlx::query_as(sql).bind(tier).bind(reader_id).bind(now()).bind(session).fetch_one(pool).await
    })
}

/// Why a new ladder was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum LadderError {
    /// Tiers that articles or subscriptions name would be gone.
    #[error("still in use: {}", .0.join(", "))]
    InUse(Vec<String>),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Replaces the ladder (already checked: unique names, `free` and `registered` first), unless
/// a tier on it that an article or a live subscription names would be gone. Returns whether
/// anything changed.
pub async fn replace(db: &Db, tiers: &[Tier], audit: &Entry<'_>) -> Result<bool, LadderError> {
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        // Takes the ladder's lock first on PostgreSQL (a no-op write), so that two
        // replacements run one after the other instead of both deleting the old ladder.
        sqlx::query("UPDATE tiers SET label = label WHERE name = 'free'").execute(&mut *tx).await?;
        let current: Vec<(String, String)> =
            sqlx::query_as("SELECT name, label FROM tiers ORDER BY rank").fetch_all(&mut *tx).await?;
        let wanted: Vec<(String, String)> =
            tiers.iter().map(|tier| (tier.name.clone(), tier.label.clone())).collect();
        if current == wanted {
            return Ok(false);
        }
        // What would go and is still needed: named by an article, an active offer or a live
        // subscription.
        let used: Vec<String> = sqlx::query_scalar(concat!(
            "SELECT tier FROM articles UNION SELECT tier FROM offers WHERE active
             UNION SELECT tier FROM subscriptions WHERE current_period_end > $1 AND ",
            opens!()
        ))
        .bind(now())
        .fetch_all(&mut *tx)
        .await?;
        let mut missing: Vec<String> = used
            .into_iter()
            .filter(|name| current.iter().any(|(current, _)| current == name))
            .filter(|name| !wanted.iter().any(|(wanted, _)| wanted == name))
            .collect();
        if !missing.is_empty() {
            missing.sort();
            return Err(LadderError::InUse(missing));
        }
        sqlx::query("DELETE FROM tiers").execute(&mut *tx).await?;
        for (rank, (name, label)) in (0i64..).zip(&wanted) {
            sqlx::query("INSERT INTO tiers (name, rank, label) VALUES ($1, $2, $3)")
                .bind(name)
                .bind(rank)
                .bind(label)
                .execute(&mut *tx)
                .await?;
        }
        record!(&mut *tx, audit)?;
        tx.commit().await?;
        Ok(true)
    })
}
