//! SQL for readers' identities at OpenID Connect providers, and the rules that join one to a
//! reader: those of the publisher's tokens (`store::publisher`). An identity seen before is
//! its reader. Else a verified email is proof of owning it (as an emailed code is); an
//! unverified one makes a new reader only if nobody here has the email, and joins nobody.

use super::db::{BeginWrite, Db, with_pool};
use super::readers::{self, reader_created};
use crate::time::now;

/// Whom a provider's identity signs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linked {
    /// This reader.
    Reader(i64),
    /// Nobody: someone here has the email, and the provider did not verify it. Nothing was
    /// written.
    EmailTaken,
}

/// The reader the provider's identity (`issuer`, `subject`, with its email) signs in.
pub async fn sign_in(
    db: &Db,
    issuer: &str,
    subject: &str,
    email: &str,
    email_verified: bool,
) -> Result<Linked, sqlx::Error> {
    let known_sql = "SELECT reader_id FROM reader_identities WHERE issuer = $1 AND subject = $2";
    let link_sql =
        "INSERT INTO reader_identities (issuer, subject, reader_id, created_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (issuer, subject) DO NOTHING";
    let known: Option<i64> = with_pool!(db, |pool| sqlx::query_scalar(known_sql)
        .bind(issuer)
        .bind(subject)
        .fetch_optional(pool)
        .await)?;
    if let Some(reader_id) = known {
        return Ok(Linked::Reader(reader_id));
    }
    if email_verified {
        let reader_id = readers::proven_owner(db, email).await?;
        with_pool!(db, |pool| sqlx::query(link_sql)
            .bind(issuer)
            .bind(subject)
            .bind(reader_id)
            .bind(now())
            .execute(pool)
            .await
            .map(|_| ()))?;
        // Another server may have just joined the identity to a reader: that one it is.
        let linked: i64 = with_pool!(db, |pool| sqlx::query_scalar(known_sql)
            .bind(issuer)
            .bind(subject)
            .fetch_one(pool)
            .await)?;
        return Ok(Linked::Reader(linked));
    }
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let created: Option<i64> = sqlx::query_scalar(
            "INSERT INTO readers (email, created_at, email_verified) VALUES ($1, $2, FALSE)
             ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(email)
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(reader_id) = created else {
            return Ok(Linked::EmailTaken);
        };
        reader_created!(tx, reader_id)?;
        sqlx::query(link_sql)
            .bind(issuer)
            .bind(subject)
            .bind(reader_id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Linked::Reader(reader_id))
    })
}
