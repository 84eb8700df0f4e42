//! SQL for the meter: the publisher's policy, the ledger of articles each visitor opened by it,
//! and the anonymous ids given out to each network address.

use paywall_protocol::admin::MeterPolicy;

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, one_at_a_time, with_pool};

/// The longest rolling period a policy may have, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// The stored policy; `None` when the publisher never set one (the meter is off).
pub async fn policy(db: &Db) -> Result<Option<MeterPolicy>, sqlx::Error> {
    let sql = "SELECT anonymous, registered, period_days, per_address FROM meter_policy WHERE id = 1";
    let row: Option<(i64, i64, i64, i64)> =
        with_pool!(db, |pool| sqlx::query_as(sql).fetch_optional(pool).await)?;
    let count = |value: i64| u32::try_from(value).unwrap_or(0);
    Ok(row.map(|(anonymous, registered, period_days, per_address)| MeterPolicy {
        anonymous: count(anonymous),
        registered: count(registered),
        period_days: count(period_days),
        per_address: count(per_address),
    }))
}

/// Stores the policy, audited in the same transaction.
pub async fn set_policy(db: &Db, policy: &MeterPolicy, audit: &Entry<'_>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO meter_policy (id, anonymous, registered, period_days, per_address)
               VALUES (1, $1, $2, $3, $4)
               ON CONFLICT (id) DO UPDATE SET anonymous = excluded.anonymous, registered = excluded.registered,
                      period_days = excluded.period_days, per_address = excluded.per_address";
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(sql)
            .bind(i64::from(policy.anonymous))
            .bind(i64::from(policy.registered))
            .bind(i64::from(policy.period_days))
            .bind(i64::from(policy.per_address))
            .execute(&mut *tx)
            .await?;
        record!(&mut *tx, audit)?;
        tx.commit().await
    })
}

/// The meter's count: one statement, in its own file so that both databases run the very same
/// text (SQLite as it is, PostgreSQL inside `meter_count`).
const COUNT: &str = include_str!("meter_count.sql");

/// A visitor's count in the period after a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    /// Whether the meter opened the article (it was counted already, or there was room).
    pub opened: bool,
    /// Different articles counted in the period, this one included if it opened.
    pub read: u32,
    /// When the oldest of them was counted (`None`: none are).
    pub oldest: Option<i64>,
}

/// Counts `article` for `visitor` at `now` if fewer than `limit` other articles were counted
/// since `since`; an article counted since then opens again without counting twice (even
/// after the publisher lowered the limit). One statement: the count, the condition and the
/// write are one step, with the other articles' count returned from it (they are the same
/// before and after it, since only this article's row changes). On PostgreSQL it runs alone
/// for the visitor, so parallel reads of different articles cannot each find the last place.
pub async fn count(
    db: &Db,
    visitor: &str,
    article: &str,
    now: i64,
    since: i64,
    limit: u32,
) -> Result<Count, sqlx::Error> {
    // PostgreSQL runs the same statement in a function that first waits for any other count
    // of this visitor (see [`define_count_function`]): one round trip either way.
    let sql = match db {
        Db::Sqlite(_) => COUNT,
        Db::Postgres(_) => "SELECT counted_at, others, oldest_other FROM meter_count($1, $2, $3, $4, $5)",
    };
    let before =
        "SELECT EXISTS (SELECT 1 FROM meter_reads WHERE visitor = $1 AND article_id = $2 AND read_at > $3)";
    let read_before: bool = with_pool!(db, |pool| sqlx::query_scalar(before)
        .bind(visitor)
        .bind(article)
        .bind(since)
        .fetch_one(pool)
        .await)?;
    let row: Option<(i64, i64, Option<i64>)> = with_pool!(db, |pool| {
        sqlx::query_as(sql)
            .bind(visitor)
            .bind(article)
            .bind(now)
            .bind(since)
            .bind(i64::from(limit))
            .fetch_optional(pool)
            .await
    })?;
    let read = |count: i64| u32::try_from(count).unwrap_or(u32::MAX);
    if let Some((read_at, others, oldest_other)) = row {
        // A free article spent now, not one read again in the period: for the funnel.
        if !read_before {
            super::events::count_after(db, article, super::events::METER_SPENT).await;
        }
        let oldest = oldest_other.map_or(read_at, |other| other.min(read_at));
        return Ok(Count { opened: true, read: read(others).saturating_add(1), oldest: Some(oldest) });
    }
    let sql = "SELECT COUNT(*), MIN(read_at) FROM meter_reads WHERE visitor = $1 AND read_at > $2";
    let (counted, oldest): (i64, Option<i64>) =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(visitor).bind(since).fetch_one(pool).await)?;
    Ok(Count { opened: false, read: read(counted), oldest })
}

/// `meter_count`'s body: wait for any other count of the same visitor (an advisory lock, held
/// to the end of the call's transaction), then run [`COUNT`] with a fresh look at the ledger.
/// PostgreSQL reads a statement's rows as they were when the statement began, so without the
/// wait two reads of different articles at once would each find the last free place.
fn count_function_body() -> String {
    let statement: String =
        COUNT.lines().filter(|line| !line.starts_with("--")).map(|line| format!("{line}\n")).collect();
    format!(
        "\nBEGIN\n    PERFORM pg_advisory_xact_lock(hashtext('meter:' || p_visitor));\n    RETURN QUERY\n{};\nEND\n",
        statement.trim_end().trim_end_matches(';')
    )
}

/// On PostgreSQL, (re)defines `meter_count` from [`COUNT`] unless it is that already: the
/// function always runs today's statement, whatever an earlier version defined (migration
/// 0012 defined its first version). Servers starting together take turns. On SQLite, nothing.
pub async fn define_count_function(db: &Db) -> Result<(), sqlx::Error> {
    let Db::Postgres(pool) = db else { return Ok(()) };
    let body = count_function_body();
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('define meter_count'))").execute(&mut *tx).await?;
    // The one the server's calls find, on the role's search path.
    let current: Option<String> = sqlx::query_scalar(
        "SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure('meter_count(text, text, bigint, bigint, bigint)')",
    )
    .fetch_optional(&mut *tx)
    .await?;
    if current.as_deref() != Some(body.as_str()) {
        let define = format!(
            "CREATE OR REPLACE FUNCTION meter_count(p_visitor TEXT, p_article TEXT, p_now BIGINT, p_since BIGINT, p_limit BIGINT)
             RETURNS TABLE (counted_at BIGINT, others BIGINT, oldest_other BIGINT)
             LANGUAGE plpgsql AS $meter_count${body}$meter_count$"
        );
        match sqlx::raw_sql(&define).execute(&mut *tx).await {
            Ok(_) => {}
            // 42501: the role may use the function but does not own it (another role ran the
            // migrations). The version there counts as well; say how to let this one keep it.
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42501") => {
                tracing::warn!(
                    "this server's database role does not own the function meter_count, so it cannot bring it \
                     up to date and the meter counts with the version the database has; make the role its owner \
                     (ALTER FUNCTION meter_count OWNER TO …)"
                );
                return Ok(());
            }
            Err(error) => return Err(error),
        }
    }
    tx.commit().await
}

/// Records that `visitor` was given to a browser at `network`, if fewer than `limit` were
/// given there since `since`; `false` when the address has had its share.
pub async fn issue(
    db: &Db,
    network: &str,
    visitor: &str,
    now: i64,
    since: i64,
    limit: u32,
) -> Result<bool, sqlx::Error> {
    let sql = "INSERT INTO meter_visitors (network, visitor, issued_at)
               SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT)
                WHERE (SELECT COUNT(*) FROM meter_visitors WHERE network = $1 AND issued_at > $4) < $5
               ON CONFLICT (network, visitor) DO NOTHING";
    let done = one_at_a_time!(db, ["network:", network].concat(), |executor| {
        sqlx::query(sql)
            .bind(network)
            .bind(visitor)
            .bind(now)
            .bind(since)
            .bind(i64::from(limit))
            .execute(executor)
            .await
            .map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Forgets reads and ids older than `before` (the longest period a policy allows).
pub async fn prune(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    with_pool!(db, |pool| {
        let reads =
            sqlx::query("DELETE FROM meter_reads WHERE read_at < $1").bind(before).execute(pool).await?;
        let ids =
            sqlx::query("DELETE FROM meter_visitors WHERE issued_at < $1").bind(before).execute(pool).await?;
        Ok(reads.rows_affected() + ids.rows_affected())
    })
}
