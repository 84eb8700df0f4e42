//! SQL for the signing secret the servers on one database share: the secret itself when the
//! database keeps it, or only its fingerprint when each server is given it.

use super::db::{Db, with_pool};
use crate::time::now;

/// The name the servers' signing key is stored under.
pub const SIGNING: &str = "signing";

/// Whether the database still knows `fingerprint` as the servers' signing key: false once
/// another server replaced it (this one then signs tokens the others refuse).
pub async fn still_agrees(db: &Db, fingerprint: &[u8]) -> bool {
    self::fingerprint(db, SIGNING).await.is_ok_and(|stored| stored.as_deref() == Some(fingerprint))
}

/// A stored key: the secret, if the database keeps it, and its fingerprint.
#[derive(Debug, sqlx::FromRow)]
pub struct StoredKey {
    /// The secret, when the database keeps it.
    pub secret: Option<Vec<u8>>,
    /// A one-way fingerprint of the secret.
    pub fingerprint: Vec<u8>,
}

/// Stores `name`'s key unless one is stored already, and returns the one stored: the first
/// server to start decides, and every other gets its answer.
pub async fn first_or_existing(
    db: &Db,
    name: &str,
    secret: Option<&[u8]>,
    fingerprint: &[u8],
) -> Result<StoredKey, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query(
            "INSERT INTO server_keys (name, secret, fingerprint, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(secret)
        .bind(fingerprint)
        .bind(now())
        .execute(pool)
        .await?;
        sqlx::query_as("SELECT secret, fingerprint FROM server_keys WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await
    })
}

/// The fingerprint of `name`'s key, if one is stored.
pub async fn fingerprint(db: &Db, name: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let sql = "SELECT fingerprint FROM server_keys WHERE name = $1";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(name).fetch_optional(pool).await)
}

/// Replaces `name`'s key: an operator changing the key on purpose.
pub async fn replace(
    db: &Db,
    name: &str,
    secret: Option<&[u8]>,
    fingerprint: &[u8],
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO server_keys (name, secret, fingerprint, created_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (name) DO UPDATE SET secret = excluded.secret, fingerprint = excluded.fingerprint,
                                                created_at = excluded.created_at";
    with_pool!(db, |pool| {
        sqlx::query(sql).bind(name).bind(secret).bind(fingerprint).bind(now()).execute(pool).await?;
        Ok(())
    })
}
