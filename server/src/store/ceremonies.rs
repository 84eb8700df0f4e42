//! SQL for sign-ins made of two requests (a passkey challenge and its answer, an identity
//! provider's round trip): what the second request needs from the first, under the hash of a
//! random token the client holds. Each is taken once, and only before it expires.

use super::db::{Db, with_pool};
use crate::time::now;

/// Which kind of sign-in a ceremony belongs to: a token of one kind is never taken as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A passkey being added to a signed-in reader.
    PasskeyRegistration,
    /// A passkey signing a reader in.
    PasskeySignIn,
    /// A reader away at an identity provider (the token is the OpenID `state`).
    ProviderSignIn,
    /// A provider's sign-in done, waiting for the widget to take it (the token is in the
    /// page's address).
    ProviderReturn,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::PasskeyRegistration => "passkey_registration",
            Kind::PasskeySignIn => "passkey_sign_in",
            Kind::ProviderSignIn => "provider_sign_in",
            Kind::ProviderReturn => "provider_return",
        }
    }
}

/// A ceremony taken: whose it is (if anyone's yet) and its state.
#[derive(Debug)]
pub struct Taken {
    /// The reader it is for, if it is for one.
    pub reader_id: Option<i64>,
    /// What the first request left for the second.
    pub state: String,
}

/// Keeps a ceremony's state under `token_hash` for `seconds`.
pub async fn start(
    db: &Db,
    token_hash: &[u8],
    kind: Kind,
    reader_id: Option<i64>,
    state: &str,
    seconds: i64,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO sign_in_ceremonies (token_hash, kind, reader_id, state, expires_at)
               VALUES ($1, $2, $3, $4, $5)";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(token_hash)
        .bind(kind.as_str())
        .bind(reader_id)
        .bind(state)
        .bind(now() + seconds)
        .execute(pool)
        .await
        .map(|_| ()))
}

/// Takes the ceremony of `kind` under `token_hash`: it is deleted whatever happens next, so
/// it can be answered once. `None` if there is none, or it expired.
pub async fn take(db: &Db, token_hash: &[u8], kind: Kind) -> Result<Option<Taken>, sqlx::Error> {
    let sql = "DELETE FROM sign_in_ceremonies WHERE token_hash = $1 AND kind = $2
               RETURNING reader_id, state, expires_at";
    let row: Option<(Option<i64>, String, i64)> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(token_hash)
        .bind(kind.as_str())
        .fetch_optional(pool)
        .await)?;
    Ok(row
        .filter(|(_, _, expires_at)| *expires_at > now())
        .map(|(reader_id, state, _)| Taken { reader_id, state }))
}
