//! SQL for a sign-in with the publisher's token: the token's id is spent, the reader found or
//! made, their publisher-asserted subscription set and a session started, all in one
//! transaction: a refused step leaves nothing behind.

use super::db::{BeginWrite, Db, with_pool};
use super::sessions::{CREATE, Lifetime};
use crate::time::now;
use paywall_protocol::admin::{SubscriptionSource, SubscriptionStatus};

/// What the publisher's verified token says, and the session to start.
pub struct PublisherSession<'a> {
    /// The publisher (`iss`).
    pub issuer: &'a str,
    /// The publisher's id for the reader (`sub`).
    pub subject: &'a str,
    /// The reader's normalised email.
    pub email: &'a str,
    /// Whether the publisher vouches for the email.
    pub email_verified: bool,
    /// The token's id (`jti`) and expiry, if it has one: accepted once.
    pub token_id: Option<(&'a str, i64)>,
    /// The tier the publisher says the reader has, if any, and until when.
    pub tier: Option<(&'a str, i64)>,
    /// The new session's refresh token hash.
    pub refresh_hash: &'a [u8],
    /// How long the session lives.
    pub lifetime: Lifetime,
}

/// How a publisher sign-in ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The reader (id, and the email they are known by here) has a new session.
    Started {
        /// The reader.
        reader_id: i64,
        /// Their email here.
        email: String,
        /// The new session.
        session_id: i64,
    },
    /// The token's id was accepted before.
    TokenUsed,
    /// Someone here already has the email and the publisher did not vouch for it (or the
    /// account belongs to another of the publisher's readers): nothing was joined.
    EmailTaken,
}

/// Signs in the reader the publisher's token names, by the publisher's issuer and its id for
/// them: known already, else a new reader with the token's email. An account that already has
/// the email is joined only when the publisher vouches for the email, and only if it is not
/// already another of the publisher's readers.
pub async fn sign_in(db: &Db, sign_in: &PublisherSession<'_>) -> Result<Outcome, sqlx::Error> {
    let now = now();
    let PublisherSession { issuer, subject, email, email_verified, .. } = *sign_in;
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        if let Some((jti, expires_at)) = sign_in.token_id {
            let recorded = sqlx::query(
                "INSERT INTO publisher_token_ids (issuer, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(issuer)
            .bind(jti)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            if recorded.rows_affected() == 0 {
                return Ok(Outcome::TokenUsed);
            }
        }
        let known_sql = "SELECT id, email FROM readers WHERE external_issuer = $1 AND external_id = $2";
        let mut found: Option<(i64, String)> =
            sqlx::query_as(known_sql).bind(issuer).bind(subject).fetch_optional(&mut *tx).await?;
        if found.is_none() {
            // A new reader holds the email as verified only if the publisher vouches for it;
            // else the email's owner takes it back by proving it (`readers::proven_owner`).
            let created: Option<i64> = sqlx::query_scalar(
                "INSERT INTO readers (email, created_at, external_issuer, external_id, email_verified)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(email)
            .bind(now)
            .bind(issuer)
            .bind(subject)
            .bind(email_verified)
            .fetch_optional(&mut *tx)
            .await?;
            found = match created {
                Some(id) => Some((id, email.to_owned())),
                // Another server may have just made this reader: look again.
                None => sqlx::query_as(known_sql).bind(issuer).bind(subject).fetch_optional(&mut *tx).await?,
            };
        }
        if found.is_none() && email_verified {
            let joined: Option<i64> = sqlx::query_scalar(
                "UPDATE readers SET external_issuer = $1, external_id = $2
                  WHERE email = $3 AND external_id IS NULL RETURNING id",
            )
            .bind(issuer)
            .bind(subject)
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
            found = match joined {
                Some(id) => Some((id, email.to_owned())),
                // Another server may have just joined this very reader to the account.
                None => sqlx::query_as(known_sql).bind(issuer).bind(subject).fetch_optional(&mut *tx).await?,
            };
        }
        let Some((reader_id, email)) = found else {
            return Ok(Outcome::EmailTaken);
        };
        // The conflict target names the partial unique index by its predicate, which must be
        // written out as in the migration.
        match sign_in.tier {
            Some((tier, period_end)) => {
                sqlx::query(
                    "INSERT INTO subscriptions (reader_id, tier, status, current_period_end, source)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (reader_id) WHERE source = 'publisher'
                     DO UPDATE SET tier = excluded.tier, status = excluded.status,
                                   current_period_end = excluded.current_period_end",
                )
                .bind(reader_id)
                .bind(tier)
                .bind(SubscriptionStatus::Active)
                .bind(period_end)
                .bind(SubscriptionSource::Publisher)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM subscriptions WHERE reader_id = $1 AND source = $2")
                    .bind(reader_id)
                    .bind(SubscriptionSource::Publisher)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let lifetime = sign_in.lifetime;
        let session_id: i64 = sqlx::query_scalar(CREATE)
            .bind(reader_id)
            .bind(sign_in.refresh_hash)
            .bind(now + lifetime.idle.min(lifetime.absolute))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Outcome::Started { reader_id, email, session_id })
    })
}
