//! SQL for the publisher's numbers (`GET /v1/admin/stats`).

use paywall_protocol::admin::{ArticleCount, DayCount, DayMoney, Money, Stats, TierStatusCount, TrialCounts};

use super::db::{Db, with_pool};
use crate::time::{DAY, date_of_day, now};
use paywall_protocol::admin::SubscriptionStatus;

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
    let (revenue_by_day, trials) = revenue_and_trials(db, since, now).await?;
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
        revenue_by_day,
        trials,
    })
}

/// The monthly recurring revenue at the end of each day from `since` to `now`, and the trials
/// started since `since`, from the paid subscriptions sold here (with the offer each was sold
/// with: its trial and its monthly amount).
async fn revenue_and_trials(
    db: &Db,
    since: i64,
    now: i64,
) -> Result<(Vec<DayMoney>, TrialCounts), sqlx::Error> {
    let sold = "SELECT s.created_at, s.ended_at, CAST(o.trial_days AS BIGINT), o.currency,
                       CAST(CASE WHEN o.billing_interval = 'year' THEN o.amount / 12 ELSE o.amount END AS BIGINT)
                  FROM subscriptions s JOIN offers o ON o.id = s.offer_id
                 WHERE s.created_at IS NOT NULL AND (s.ended_at IS NULL OR s.ended_at >= $1)";
    let rows: Vec<(i64, Option<i64>, i64, String, i64)> =
        with_pool!(db, |pool| sqlx::query_as(sold).bind(since).fetch_all(pool).await)?;
    let mut currencies: Vec<&str> = rows.iter().map(|row| row.3.as_str()).collect();
    currencies.sort_unstable();
    currencies.dedup();
    let mut revenue = Vec::new();
    for day in since / DAY..=now / DAY {
        let end = ((day + 1) * DAY).min(now);
        for currency in &currencies {
            let amount = rows
                .iter()
                .filter(|(begun, ended, trial_days, of, _)| {
                    of == currency && begun + trial_days * DAY <= end && ended.is_none_or(|ended| ended > end)
                })
                .map(|row| row.4)
                .sum();
            revenue.push(DayMoney { day: date_of_day(day), currency: (*currency).to_owned(), amount });
        }
    }
    let mut trials = TrialCounts::default();
    for (begun, ended, trial_days, _, _) in rows.iter().filter(|row| row.2 > 0 && row.0 >= since) {
        let trial_end = begun + trial_days * DAY;
        trials.started += 1;
        match ended {
            Some(ended) if *ended <= trial_end => trials.ended += 1,
            _ if trial_end > now => trials.running += 1,
            _ => trials.converted += 1,
        }
    }
    Ok((revenue, trials))
}
