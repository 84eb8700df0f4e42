//! SQL for gift links: the publisher's policy, the links subscribers make, and the browsers
//! each has opened its article in.

use paywall_protocol::Gift;
use paywall_protocol::admin::GiftPolicy;

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, one_at_a_time, with_pool};

/// The rolling month a subscriber's allowance counts over.
pub const MONTH_SECONDS: i64 = 30 * 24 * 60 * 60;

/// How long made links are listed to their subscriber.
const LISTED_SECONDS: i64 = 90 * 24 * 60 * 60;

/// A gift's columns, as [`gift`] reads them.
macro_rules! columns {
    () => {
        "g.id, g.article_id, g.expires_at, g.reach, g.revoked_at IS NOT NULL,
         (SELECT COUNT(*) FROM gift_opens o WHERE o.gift_id = g.id)"
    };
}

type Row = (i64, String, i64, i64, bool, i64);

fn gift((id, article_id, expires_at, reach, revoked, opened): Row) -> Gift {
    let count = |value: i64| u32::try_from(value).unwrap_or(u32::MAX);
    Gift { id, article_id, expires_at, reach: count(reach), opened: count(opened), revoked }
}

/// The stored policy, or the defaults.
pub async fn policy(db: &Db) -> Result<GiftPolicy, sqlx::Error> {
    let sql = "SELECT monthly_allowance, days, reach FROM gift_policy WHERE id = 1";
    let row: Option<(i64, i64, i64)> = with_pool!(db, |pool| sqlx::query_as(sql).fetch_optional(pool).await)?;
    let count = |value: i64| u32::try_from(value).unwrap_or(0);
    Ok(row.map_or_else(GiftPolicy::default, |(monthly_allowance, days, reach)| GiftPolicy {
        monthly_allowance: count(monthly_allowance),
        days: count(days),
        reach: count(reach),
    }))
}

/// Stores the policy, audited in the same transaction.
pub async fn set_policy(db: &Db, policy: &GiftPolicy, audit: &Entry<'_>) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO gift_policy (id, monthly_allowance, days, reach) VALUES (1, $1, $2, $3)
               ON CONFLICT (id) DO UPDATE SET monthly_allowance = excluded.monthly_allowance,
                      days = excluded.days, reach = excluded.reach";
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query(sql)
            .bind(i64::from(policy.monthly_allowance))
            .bind(i64::from(policy.days))
            .bind(i64::from(policy.reach))
            .execute(&mut *tx)
            .await?;
        record!(&mut *tx, audit)?;
        tx.commit().await
    })
}

/// Stores a new link for `reader` if they made fewer than the policy allows in the rolling
/// month (one statement: the count and the write are one step); `None` when they have not.
pub async fn create(
    db: &Db,
    reader: i64,
    article: &str,
    token_hash: &[u8],
    now: i64,
    policy: &GiftPolicy,
) -> Result<Option<Gift>, sqlx::Error> {
    let sql = "INSERT INTO gifts (token_hash, reader_id, article_id, created_at, expires_at, reach)
               SELECT $1, CAST($2 AS BIGINT), CAST($3 AS TEXT), CAST($4 AS BIGINT), CAST($5 AS BIGINT), CAST($6 AS BIGINT)
                WHERE (SELECT COUNT(*) FROM gifts WHERE reader_id = $2 AND created_at > $7) < $8
               RETURNING id";
    let expires_at = now + i64::from(policy.days) * 24 * 60 * 60;
    let id: Option<i64> = one_at_a_time!(db, format!("gifts:{reader}"), |executor| {
        sqlx::query_scalar(sql)
            .bind(token_hash)
            .bind(reader)
            .bind(article)
            .bind(now)
            .bind(expires_at)
            .bind(i64::from(policy.reach))
            .bind(now - MONTH_SECONDS)
            .bind(i64::from(policy.monthly_allowance))
            .fetch_optional(executor)
            .await
    })?;
    Ok(id.map(|id| Gift {
        id,
        article_id: article.to_owned(),
        expires_at,
        reach: policy.reach,
        opened: 0,
        revoked: false,
    }))
}

/// How many links `reader` made in the rolling month before `now`.
pub async fn made_this_month(db: &Db, reader: i64, now: i64) -> Result<u32, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM gifts WHERE reader_id = $1 AND created_at > $2";
    let count: i64 = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(reader)
        .bind(now - MONTH_SECONDS)
        .fetch_one(pool)
        .await)?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// The links `reader` made in the last 90 days, newest first.
pub async fn of_reader(db: &Db, reader: i64, now: i64) -> Result<Vec<Gift>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM gifts g WHERE g.reader_id = $1 AND g.created_at > $2 ORDER BY g.id DESC LIMIT 100"
    );
    let rows: Vec<Row> = with_pool!(db, |pool| {
        sqlx::query_as(sql).bind(reader).bind(now - LISTED_SECONDS).fetch_all(pool).await
    })?;
    Ok(rows.into_iter().map(gift).collect())
}

/// Withdraws `reader`'s link `id`; `false` if they have no such link.
pub async fn revoke(db: &Db, reader: i64, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE gifts SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND reader_id = $2";
    let done = with_pool!(db, |pool| {
        sqlx::query(sql).bind(id).bind(reader).bind(now).execute(pool).await.map(|done| done.rows_affected())
    })?;
    Ok(done == 1)
}

/// Whether the link whose token hashes to `token_hash` opens `article` in `browser` at `now`:
/// it is for that article, neither expired nor withdrawn, and has opened it in this browser
/// already or in fewer browsers than it may (counted and recorded in one statement).
pub async fn open(
    db: &Db,
    token_hash: &[u8],
    article: &str,
    browser: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let sql = "INSERT INTO gift_opens (gift_id, browser, opened_at)
               SELECT g.id, CAST($3 AS TEXT), CAST($4 AS BIGINT) FROM gifts g
                WHERE g.token_hash = $1 AND g.article_id = $2 AND g.revoked_at IS NULL AND g.expires_at > $4
                  AND (SELECT COUNT(*) FROM gift_opens o WHERE o.gift_id = g.id) < g.reach
               ON CONFLICT (gift_id, browser) DO NOTHING";
    let again = "SELECT EXISTS (SELECT 1 FROM gifts g JOIN gift_opens o ON o.gift_id = g.id
                  WHERE g.token_hash = $1 AND g.article_id = $2 AND g.revoked_at IS NULL AND g.expires_at > $4
                    AND o.browser = $3)";
    let key: String = token_hash.iter().map(|byte| format!("{byte:02x}")).collect();
    let opened = one_at_a_time!(db, ["gift:", &key].concat(), |executor| {
        sqlx::query(sql)
            .bind(token_hash)
            .bind(article)
            .bind(browser)
            .bind(now)
            .execute(executor)
            .await
            .map(|done| done.rows_affected())
    })?;
    if opened == 1 {
        super::events::count_after(db, article, super::events::GIFT_OPENED).await;
        return Ok(true);
    }
    with_pool!(db, |pool| {
        sqlx::query_scalar(again).bind(token_hash).bind(article).bind(browser).bind(now).fetch_one(pool).await
    })
}

/// Links made, and browsers links opened articles in, since `since`.
pub async fn counts(db: &Db, since: i64) -> Result<(u64, u64), sqlx::Error> {
    let sql = "SELECT (SELECT COUNT(*) FROM gifts WHERE created_at >= $1),
                      (SELECT COUNT(*) FROM gift_opens WHERE opened_at >= $1)";
    let (made, opens): (i64, i64) =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(since).fetch_one(pool).await)?;
    Ok((u64::try_from(made).unwrap_or(0), u64::try_from(opens).unwrap_or(0)))
}

/// Forgets links that stopped opening their article before `before`, with their opens.
pub async fn prune(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query("DELETE FROM gift_opens WHERE gift_id IN (SELECT id FROM gifts WHERE expires_at < $1)")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        let gifts =
            sqlx::query("DELETE FROM gifts WHERE expires_at < $1").bind(before).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(gifts.rows_affected())
    })
}
