//! SQL for the funnel's counters: how many times each thing happened on each article each
//! day (UTC). Nothing about who: no reader, browser, session or address is stored with a
//! count, so the counters cannot be joined to anyone.

use std::collections::BTreeMap;

use paywall_protocol::PageEvent;
use paywall_protocol::admin::ArticleFunnel;

use super::db::{BeginWrite, Db, with_pool};
use crate::time::{DAY, day_of, now};

/// What a counter counts, beside the page's own events ([`PageEvent`], by their names).
pub const CHECKOUT_STARTED: &str = "checkout_started";
/// A browser opened the article with a gift link (once per browser and link).
pub const GIFT_OPENED: &str = "gift_opened";
/// The meter let a visitor in (once per visitor and article in a period).
pub const METER_SPENT: &str = "meter_spent";

/// Adds one to today's counter of each `(article, kind)`, in one transaction: a batch is
/// counted whole or not at all. Concurrent counts of the same counter all land (the upsert
/// adds to the stored count under the row's lock).
pub async fn count(db: &Db, article_id: &str, kinds: &[&str]) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO article_events (day, article_id, kind, count) VALUES ($1, $2, $3, 1)
               ON CONFLICT (day, article_id, kind) DO UPDATE SET count = article_events.count + 1";
    let day = day_of(now());
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        for kind in kinds {
            sqlx::query(sql).bind(day).bind(article_id).bind(kind).execute(&mut *tx).await?;
        }
        tx.commit().await
    })
}

/// [`count`] for a write that is already done (a checkout, a gift opened, the meter): a count
/// that fails is logged and lost, never the write's answer.
pub async fn count_after(db: &Db, article_id: &str, kind: &'static str) {
    if let Err(error) = count(db, article_id, &[kind]).await {
        tracing::warn!(%error, article_id, kind, "a funnel count was lost");
    }
}

/// A counter's total: the article, the kind, how many.
type Counted = (String, String, i64);

/// Every article's counts from `since_day` on, with the subscriptions each sold in that time
/// (from the subscriptions themselves: a payment is counted when it is stored, not reported).
pub async fn funnel(db: &Db, since_day: i64) -> Result<Vec<ArticleFunnel>, sqlx::Error> {
    let counted = "SELECT article_id, kind, CAST(SUM(count) AS BIGINT) FROM article_events WHERE day >= $1
                    GROUP BY article_id, kind";
    let sold = "SELECT article_id, COUNT(*) FROM subscriptions
                 WHERE article_id IS NOT NULL AND created_at >= $1 AND source <> 'complimentary'
                 GROUP BY article_id";
    let (counts, sales): (Vec<Counted>, Vec<(String, i64)>) = with_pool!(db, |pool| {
        let counts = sqlx::query_as(counted).bind(since_day).fetch_all(pool).await?;
        let sales = sqlx::query_as(sold).bind(since_day * DAY).fetch_all(pool).await?;
        Ok::<_, sqlx::Error>((counts, sales))
    })?;
    let mut articles: BTreeMap<String, ArticleFunnel> = BTreeMap::new();
    fn article(articles: &mut BTreeMap<String, ArticleFunnel>, id: String) -> &mut ArticleFunnel {
        articles
            .entry(id.clone())
            .or_insert_with(|| ArticleFunnel { article_id: id, ..ArticleFunnel::default() })
    }
    for (id, kind, count) in counts {
        let funnel = article(&mut articles, id);
        let page = PageEvent::ALL.into_iter().find(|event| event.as_str() == kind);
        let field = match (page, kind.as_str()) {
            (Some(PageEvent::PromptShown), _) => &mut funnel.prompt_shown,
            (Some(PageEvent::SignInOpened), _) => &mut funnel.sign_in_opened,
            (Some(PageEvent::SignedIn), _) => &mut funnel.signed_in,
            (None, CHECKOUT_STARTED) => &mut funnel.checkout_started,
            (None, GIFT_OPENED) => &mut funnel.gift_opened,
            (None, METER_SPENT) => &mut funnel.meter_spent,
            (None, _) => continue,
        };
        *field += count;
    }
    for (id, count) in sales {
        article(&mut articles, id).subscribed = count;
    }
    let mut articles: Vec<ArticleFunnel> = articles.into_values().collect();
    articles.sort_by(|a, b| {
        (b.subscribed, b.prompt_shown)
            .cmp(&(a.subscribed, a.prompt_shown))
            .then_with(|| a.article_id.cmp(&b.article_id))
    });
    Ok(articles)
}
