//! SQL for readers' identities at OpenID Connect providers, and the rules that join one to a
//! reader. An identity seen before is its reader. Else only a verified email joins it to one:
//! it is proof of owning the email (as an emailed code is), so the reader with it, or a new
//! one, is theirs. An unverified email joins nobody and makes nobody: a reader made from it
//! would be an account that someone else's address signs into.

use super::db::{Db, with_pool};
use super::readers;
use crate::time::now;

/// Whom a provider's identity signs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linked {
    /// This reader.
    Reader(i64),
    /// Nobody: someone here has the email, and the provider did not verify it. Nothing was
    /// written.
    EmailTaken,
    /// Nobody: the provider did not verify the email, which nobody here has. Nothing was
    /// written.
    Unverified,
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
    let taken = readers::by_email(db, email).await?.is_some();
    Ok(if taken { Linked::EmailTaken } else { Linked::Unverified })
}
