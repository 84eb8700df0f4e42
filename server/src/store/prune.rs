//! Forgetting what is no longer needed: spent and expired sign-in codes, ended sessions and
//! the refresh tokens they spent, kept mail, the ids of expired publisher tokens, emptied
//! rate-limit buckets, webhook events long done, meter reads older than any period, staff
//! links and sessions long over, and passkey challenges and provider sign-ins never finished.
//! Without this every table that records an attempt would only grow.

use super::db::{BeginWrite, Db, with_pool};
use crate::store::sessions::REFRESH_TOKEN_SECONDS;

/// How long a code is kept once expired or spent, and an ended session once it ended.
const KEEP_CODES_SECONDS: i64 = 60 * 60;
const KEEP_SESSIONS_SECONDS: i64 = 24 * 60 * 60;
/// How long the dev outbox keeps mail.
const KEEP_MAIL_SECONDS: i64 = 24 * 60 * 60;
/// How long a webhook event is kept once every delivery of it is done (delivered or failed).
pub const KEEP_WEBHOOKS_SECONDS: i64 = 30 * 24 * 60 * 60;
/// A publisher token's id is kept until the token could no longer be accepted anyway (its
/// expiry, plus the clock leeway).
const KEEP_TOKEN_IDS_SECONDS: i64 = 60;

/// How many rows a pruning removed, per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Sign-in codes.
    pub codes: u64,
    /// Sessions (with their spent refresh tokens).
    pub sessions: u64,
    /// Spent refresh tokens of sessions still going.
    pub spent_refresh_tokens: u64,
    /// Kept mail.
    pub outbox: u64,
    /// Publisher token ids.
    pub publisher_token_ids: u64,
    /// Rate-limit buckets that emptied.
    pub rate_limits: u64,
    /// Webhook events (with their deliveries and tries).
    pub webhook_messages: u64,
    /// Meter reads and anonymous ids older than the longest period.
    pub meter: u64,
    /// Gift links long expired (with the browsers they opened).
    pub gifts: u64,
    /// Staff sign-in links expired and staff sessions ended.
    pub staff: u64,
    /// Passkey challenges and provider sign-ins never finished.
    pub ceremonies: u64,
}

impl Pruned {
    /// Rows removed in all.
    pub fn total(&self) -> u64 {
        self.codes
            + self.sessions
            + self.spent_refresh_tokens
            + self.outbox
            + self.publisher_token_ids
            + self.rate_limits
            + self.webhook_messages
            + self.meter
            + self.gifts
            + self.staff
            + self.ceremonies
    }
}

/// The webhook events older than `$1` with no delivery still being tried.
macro_rules! webhook_messages_done {
    () => {
        "SELECT id FROM webhook_messages m WHERE m.created_at < $1
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.message_id = m.id AND d.status = 'pending')"
    };
}

/// Deletes what is no longer needed at `now` (Unix seconds).
pub async fn run(db: &Db, now: i64) -> Result<Pruned, sqlx::Error> {
    let codes_ended = now - KEEP_CODES_SECONDS;
    let sessions_ended = now - KEEP_SESSIONS_SECONDS;
    let pruned: Result<Pruned, sqlx::Error> = with_pool!(db, |pool| {
        let codes = sqlx::query("DELETE FROM sign_in_codes WHERE expires_at < $1 OR used_at < $1")
            .bind(codes_ended)
            .execute(pool)
            .await?
            .rows_affected();
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1")
            .bind(sessions_ended)
            .execute(pool)
            .await?
            .rows_affected();
        // A token spent longer ago than a refresh token lives was not current recently: a
        // replay of it is refused as unknown, which is all a replay needs.
        let spent_refresh_tokens = sqlx::query("DELETE FROM spent_refresh_tokens WHERE spent_at < $1")
            .bind(now - REFRESH_TOKEN_SECONDS)
            .execute(pool)
            .await?
            .rows_affected();
        // A ceremony is taken once; one left is one abandoned (a dialog opened and closed).
        let ceremonies = sqlx::query("DELETE FROM sign_in_ceremonies WHERE expires_at < $1")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected();
        let outbox = sqlx::query("DELETE FROM outbox WHERE created_at < $1")
            .bind(now - KEEP_MAIL_SECONDS)
            .execute(pool)
            .await?
            .rows_affected();
        let publisher_token_ids = sqlx::query("DELETE FROM publisher_token_ids WHERE expires_at < $1")
            .bind(now - KEEP_TOKEN_IDS_SECONDS)
            .execute(pool)
            .await?
            .rows_affected();
        // A bucket that emptied is the same as no bucket.
        let rate_limits = sqlx::query("DELETE FROM rate_limits WHERE empty_at < $1")
            .bind(now * 1000)
            .execute(pool)
            .await?
            .rows_affected();
        // Webhook events whose deliveries are all done, a while after they happened, with their
        // deliveries and tries.
        let webhooks_done = now - KEEP_WEBHOOKS_SECONDS;
        // In one transaction: a retry in between would otherwise keep a delivery without its tries.
        let mut tx = pool.begin_write().await?;
        sqlx::query(concat!(
            "DELETE FROM webhook_attempts WHERE delivery_id IN
                (SELECT id FROM webhook_deliveries WHERE message_id IN (",
            webhook_messages_done!(),
            "))"
        ))
        .bind(webhooks_done)
        .execute(&mut *tx)
        .await?;
        sqlx::query(concat!(
            "DELETE FROM webhook_deliveries WHERE message_id IN (",
            webhook_messages_done!(),
            ")"
        ))
        .bind(webhooks_done)
        .execute(&mut *tx)
        .await?;
        let webhook_messages = sqlx::query(
            "DELETE FROM webhook_messages WHERE created_at < $1
                AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE message_id = webhook_messages.id)",
        )
        .bind(webhooks_done)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(Pruned {
            codes,
            sessions,
            spent_refresh_tokens,
            outbox,
            publisher_token_ids,
            rate_limits,
            webhook_messages,
            meter: 0,
            gifts: 0,
            staff: 0,
            ceremonies,
        })
    });
    let meter = super::meter::prune(db, now - super::meter::MAX_PERIOD_DAYS * 24 * 60 * 60).await?;
    // A link is listed to its subscriber for 90 days; kept a little longer than that.
    let gifts = super::gifts::prune(db, now - 100 * 24 * 60 * 60).await?;
    let staff = super::staff::prune(db, codes_ended, sessions_ended).await?;
    Ok(Pruned { meter, gifts, staff, ..pruned? })
}
