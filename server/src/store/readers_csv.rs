//! SQL for moving readers in and out (`paywall-server readers import|export`).

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, with_pool};
use super::subscriptions::opens;
use crate::time::now;
use paywall_protocol::admin::{SubscriptionSource, SubscriptionStatus};

/// One row: a reader, and their subscription if the row names a tier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The reader's email, normalised.
    pub email: String,
    /// Their name, if given.
    pub name: Option<String>,
    /// Their subscription, if the row has a tier.
    pub subscription: Option<MemberSubscription>,
    /// The payment provider's id for them, if given.
    pub customer_id: Option<String>,
}

/// A subscription as a row gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberSubscription {
    /// The tier.
    pub tier: String,
    /// Its state.
    pub status: SubscriptionStatus,
    /// When its period ends (Unix seconds).
    pub current_period_end: i64,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Readers that were not here.
    pub readers_added: u64,
    /// Readers whose name or customer id changed.
    pub readers_updated: u64,
    /// Subscriptions added.
    pub subscriptions_added: u64,
    /// Imported subscriptions whose tier, status or period changed.
    pub subscriptions_updated: u64,
    /// Rows that changed nothing.
    pub unchanged: u64,
}

/// Gives each row's tier the ladder's name for it (rows may name a tier by its label, or in
/// another case: `Premium`); returns the tiers no subscription can open, which the ladder
/// lacks or are `free` or `registered`.
pub async fn resolve_tiers(db: &Db, members: &mut [Member]) -> Result<Vec<String>, sqlx::Error> {
    let sql = "SELECT name, label FROM tiers WHERE rank > 1";
    let paid: Vec<(String, String)> = with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    let mut unknown = Vec::new();
    for subscription in members.iter_mut().filter_map(|member| member.subscription.as_mut()) {
        let named = paid.iter().find(|(name, _)| *name == subscription.tier).or_else(|| {
            paid.iter().find(|(name, label)| {
                name.eq_ignore_ascii_case(&subscription.tier)
                    || label.eq_ignore_ascii_case(&subscription.tier)
            })
        });
        match named {
            Some((name, _)) => subscription.tier.clone_from(name),
            None => unknown.push(subscription.tier.clone()),
        }
    }
    unknown.sort();
    unknown.dedup();
    Ok(unknown)
}

/// Adds or updates every row's reader and subscription in one transaction, recording `audit`
/// with it. A row is a subscription already if the reader has one of that tier, status and
/// period end, whatever its source; otherwise the reader's imported subscription is updated,
/// or one is added.
pub async fn import(db: &Db, members: &[Member], audit: &Entry<'_>) -> Result<Imported, sqlx::Error> {
    let now = now();
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let mut done = Imported::default();
        for member in members {
            let mut changed = false;
            let existing: Option<(i64, Option<String>, Option<String>)> =
                sqlx::query_as("SELECT id, name, customer_id FROM readers WHERE email = $1")
                    .bind(&member.email)
                    .fetch_optional(&mut *tx)
                    .await?;
            let reader_id = match existing {
                None => {
                    done.readers_added += 1;
                    changed = true;
                    sqlx::query_scalar(
                        "INSERT INTO readers (email, name, customer_id, created_at, email_verified)
                         VALUES ($1, $2, $3, $4, FALSE) RETURNING id",
                    )
                    .bind(&member.email)
                    .bind(&member.name)
                    .bind(&member.customer_id)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?
                }
                Some((id, name, customer_id)) => {
                    // A cell left empty keeps what is stored.
                    let name = member.name.clone().or(name);
                    let customer_id = member.customer_id.clone().or(customer_id);
                    let updated = sqlx::query(
                        "UPDATE readers SET name = $2, customer_id = $3
                          WHERE id = $1 AND (name IS DISTINCT FROM $2 OR customer_id IS DISTINCT FROM $3)",
                    )
                    .bind(id)
                    .bind(&name)
                    .bind(&customer_id)
                    .execute(&mut *tx)
                    .await?;
                    if updated.rows_affected() > 0 {
                        done.readers_updated += 1;
                        changed = true;
                    }
                    id
                }
            };
            if let Some(MemberSubscription { tier, status, current_period_end }) = &member.subscription {
                let same: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM subscriptions
                      WHERE reader_id = $1 AND tier = $2 AND status = $3 AND current_period_end = $4)",
                )
                .bind(reader_id)
                .bind(tier)
                .bind(status)
                .bind(current_period_end)
                .fetch_one(&mut *tx)
                .await?;
                if !same {
                    changed = true;
                    let updated = sqlx::query(
                        "UPDATE subscriptions SET tier = $2, status = $3, current_period_end = $4
                          WHERE reader_id = $1 AND source = $5",
                    )
                    .bind(reader_id)
                    .bind(tier)
                    .bind(status)
                    .bind(current_period_end)
                    .bind(SubscriptionSource::Import)
                    .execute(&mut *tx)
                    .await?;
                    if updated.rows_affected() > 0 {
                        done.subscriptions_updated += 1;
                    } else {
                        sqlx::query(
                            "INSERT INTO subscriptions (reader_id, tier, status, current_period_end, source)
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(reader_id)
                        .bind(tier)
                        .bind(status)
                        .bind(current_period_end)
                        .bind(SubscriptionSource::Import)
                        .execute(&mut *tx)
                        .await?;
                        done.subscriptions_added += 1;
                    }
                }
            }
            if !changed {
                done.unchanged += 1;
            }
        }
        if done.unchanged < members.len() as u64 {
            record!(&mut *tx, audit)?;
        }
        tx.commit().await?;
        Ok(done)
    })
}

/// Every reader but the demo's, by id, with the subscription that matters most: a live one
/// before an ended one, a higher tier before a lower, a newer before an older.
pub async fn export(db: &Db) -> Result<Vec<Member>, sqlx::Error> {
    type Row =
        (String, Option<String>, Option<String>, Option<String>, Option<SubscriptionStatus>, Option<i64>);
    let sql = concat!(
        "SELECT r.email, r.name, r.customer_id, s.tier, s.status, s.current_period_end
                 FROM readers r
                 LEFT JOIN subscriptions s ON s.id = (
                      SELECT mine.id FROM subscriptions mine LEFT JOIN tiers t ON t.name = mine.tier
                       WHERE mine.reader_id = r.id
                       ORDER BY CASE WHEN mine.current_period_end > $1 AND mine.",
        opens!(),
        " THEN 0 ELSE 1 END,
                                COALESCE(t.rank, -1) DESC, mine.id DESC
                       LIMIT 1)
                WHERE NOT r.demo ORDER BY r.id"
    );
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sql).bind(now()).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|(email, name, customer_id, tier, status, end)| Member {
            email,
            name,
            customer_id,
            subscription: match (tier, status, end) {
                (Some(tier), Some(status), Some(current_period_end)) => {
                    Some(MemberSubscription { tier, status, current_period_end })
                }
                _ => None,
            },
        })
        .collect())
}
