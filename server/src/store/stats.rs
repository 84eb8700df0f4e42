//! SQL for the publisher's numbers (`GET /v1/admin/stats`).

use paywall_protocol::admin::{ArticleCount, DayCount, Money, Stats, TierStatusCount};

use super::db::{Db, with_pool};
use crate::time::now;
use paywall_protocol::admin::SubscriptionStatus;

const DAY: i64 = 24 * 60 * 60;

/// The numbers, with starts and ends over the last `days` days.
pub async fn stats(db: &Db, days: u32) -> Result<Stats, sqlx::Error> {
    let now = now();
    let since = (now / DAY - i64::from(days) + 1) * DAY;
    let by_state =
        "SELECT tier, status, COUNT(*) FROM subscriptions GROUP BY tier, status ORDER BY tier, status";
    // Paying now: trials are not revenue yet.
    let revenue = "SELECT o.currency,
                          CAST(SUM(CASE WHEN o.billing_interval = 'year' THEN o.amount / 12 ELSE o.amount END) AS BIGINT)
                     FROM subscriptions s JOIN offers o ON o.id = s.offer_id
                    WHERE s.status IN ('active', 'past_due') AND s.current_period_end > $1
                    GROUP BY o.currency ORDER BY o.currency";
    let started = "SELECT created_at / 86400, COUNT(*) FROM subscriptions WHERE created_at >= $1
                    GROUP BY created_at / 86400";
    let ended =
        "SELECT ended_at / 86400, COUNT(*) FROM subscriptions WHERE ended_at >= $1 GROUP BY ended_at / 86400";
    let articles = "SELECT article_id, COUNT(*) FROM subscriptions WHERE article_id IS NOT NULL
                     GROUP BY article_id ORDER BY COUNT(*) DESC, article_id LIMIT 100";
    let (states, money, starts, ends, by_article) = with_pool!(db, |pool| {
        let states: Vec<(String, SubscriptionStatus, i64)> = sqlx::query_as(by_state).fetch_all(pool).await?;
        let money: Vec<(String, i64)> = sqlx::query_as(revenue).bind(now).fetch_all(pool).await?;
        let starts: Vec<(i64, i64)> = sqlx::query_as(started).bind(since).fetch_all(pool).await?;
        let ends: Vec<(i64, i64)> = sqlx::query_as(ended).bind(since).fetch_all(pool).await?;
        let by_article: Vec<(String, i64)> = sqlx::query_as(articles).fetch_all(pool).await?;
        Ok::<_, sqlx::Error>((states, money, starts, ends, by_article))
    })?;
    let (gifts_made, gift_opens) = super::gifts::counts(db, since).await?;
    let mut days: Vec<i64> = starts.iter().chain(&ends).map(|(day, _)| *day).collect();
    days.sort_unstable();
    days.dedup();
    let count = |rows: &[(i64, i64)], day: i64| rows.iter().find(|(at, _)| *at == day).map_or(0, |(_, n)| *n);
    Ok(Stats {
        subscriptions: states
            .into_iter()
            .map(|(tier, status, count)| TierStatusCount { tier, status, count })
            .collect(),
        monthly_recurring_revenue: money
            .into_iter()
            .map(|(currency, amount)| Money { currency, amount })
            .collect(),
        days: days
            .into_iter()
            .map(|day| DayCount {
                day: date_of_day(day),
                started: count(&starts, day),
                ended: count(&ends, day),
            })
            .collect(),
        articles: by_article
            .into_iter()
            .map(|(article_id, started)| ArticleCount { article_id, started })
            .collect(),
        gifts_made,
        gift_opens,
    })
}

/// A day (counted from 1970-01-01, UTC) as `YYYY-MM-DD`.
pub fn date_of_day(day: i64) -> String {
    crate::time::format(day * DAY).split('T').next().unwrap_or_default().to_owned()
}
