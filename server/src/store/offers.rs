//! SQL for offers: what the prompt sells.

use paywall_protocol::admin::{AdminOffer, OfferSettings};
use paywall_protocol::{BillingInterval, Offer};

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, with_pool};
use crate::time::now;

/// The columns an offer is read from, in [`Row`]'s order (`o` is `offers`).
macro_rules! columns {
    () => {
        "o.id, o.tier, o.name, o.amount, o.currency, o.billing_interval, o.trial_days, o.provider_price, o.active, o.position"
    };
}

/// The same, unqualified: SQLite's `RETURNING` takes no table names.
macro_rules! returning {
    () => {
        "id, tier, name, amount, currency, billing_interval, trial_days, provider_price, active, position"
    };
}

type Row = (i64, String, String, i64, String, String, i64, String, bool, i64);

fn interval(text: &str) -> BillingInterval {
    if text == "year" { BillingInterval::Year } else { BillingInterval::Month }
}

fn interval_name(interval: BillingInterval) -> &'static str {
    match interval {
        BillingInterval::Month => "month",
        BillingInterval::Year => "year",
    }
}

fn admin_offer(
    (id, tier, name, amount, currency, billing_interval, trial_days, provider_price, active, position): Row,
) -> AdminOffer {
    AdminOffer {
        id,
        settings: OfferSettings {
            tier,
            name,
            amount,
            currency,
            interval: interval(&billing_interval),
            trial_days: u32::try_from(trial_days).unwrap_or(0),
            provider_price,
            active,
            position,
        },
    }
}

/// The public form of an offer.
pub fn public(offer: &AdminOffer) -> Offer {
    let settings = &offer.settings;
    Offer {
        id: offer.id,
        tier: settings.tier.clone(),
        name: settings.name.clone(),
        amount: settings.amount,
        currency: settings.currency.clone(),
        interval: settings.interval,
        trial_days: settings.trial_days,
    }
}

/// Every offer, in the prompt's order.
pub async fn all(db: &Db) -> Result<Vec<AdminOffer>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM offers o ORDER BY o.position, o.id");
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(admin_offer).collect())
}

/// One offer, active or not.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<AdminOffer>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM offers o WHERE o.id = $1");
    let row: Option<Row> = with_pool!(db, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    Ok(row.map(admin_offer))
}

/// The active offers whose tier opens an article of `tier`, in the publisher's order: at
/// most `limit`.
pub async fn opening(db: &Db, tier: &str, limit: u32) -> Result<Vec<Offer>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM offers o JOIN tiers held ON held.name = o.tier
           WHERE o.active AND (o.tier = $1 OR held.rank >= (SELECT rank FROM tiers WHERE name = $1))
           ORDER BY o.position, o.id LIMIT $2"
    );
    let rows: Vec<Row> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(tier).bind(i64::from(limit)).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(admin_offer).map(|offer| public(&offer)).collect())
}

/// Why an offer was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    /// The tier is not one a subscription can open.
    #[error("no tier {0:?} a subscription can open")]
    UnknownTier(String),
    /// There is no such offer (updating).
    #[error("no such offer")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Adds an offer (`id` `None`) or replaces one's settings, recording `audit` with it (the
/// demo's own offers have none).
pub async fn put(
    db: &Db,
    id: Option<i64>,
    offer: &OfferSettings,
    audit: Option<&Entry<'_>>,
) -> Result<AdminOffer, OfferError> {
    let insert = concat!(
        "INSERT INTO offers (tier, name, amount, currency, billing_interval, trial_days, provider_price, active, position, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ",
        returning!()
    );
    let update = concat!(
        "UPDATE offers SET tier = $1, name = $2, amount = $3, currency = $4, billing_interval = $5, trial_days = $6,
                provider_price = $7, active = $8, position = $9
          WHERE id = $10 RETURNING ",
        returning!()
    );
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let paid: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tiers WHERE name = $1 AND rank > 1)")
                .bind(&offer.tier)
                .fetch_one(&mut *tx)
                .await?;
        if !paid {
            return Err(OfferError::UnknownTier(offer.tier.clone()));
        }
        let query = sqlx::query_as::<_, Row>(if id.is_some() { update } else { insert })
            .bind(&offer.tier)
            .bind(&offer.name)
            .bind(offer.amount)
            .bind(&offer.currency)
            .bind(interval_name(offer.interval))
            .bind(i64::from(offer.trial_days))
            .bind(&offer.provider_price)
            .bind(offer.active)
            .bind(offer.position);
        let query = match id {
            Some(id) => query.bind(id),
            None => query.bind(now()),
        };
        let row = query.fetch_optional(&mut *tx).await?.ok_or(OfferError::NotFound)?;
        let stored = admin_offer(row);
        if let Some(audit) = audit {
            let audit = Entry { target: format!("offer:{}", stored.id), ..audit.clone() };
            record!(&mut *tx, &audit)?;
        }
        tx.commit().await?;
        Ok(stored)
    })
}
