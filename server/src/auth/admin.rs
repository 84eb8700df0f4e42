//! The admin API's keys, and the `Admin` extractor: a handler that takes one runs only for a
//! request that carries a live key.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::AppError;
use crate::random;
use crate::store::{self, Db, audit::Actor};

/// What every admin key starts with, so that a key pasted where it should not be (a commit, a
/// chat) is recognisable to people and to secret scanners.
pub const KEY_PREFIX: &str = "paywall_sk_";

/// How many characters of a key (after [`KEY_PREFIX`]) lists show to tell keys apart.
const SHOWN_CHARS: usize = 8;

/// A new key: the text shown once, and what the database keeps.
pub struct NewKey {
    /// `paywall_sk_` and 256 random bits (43 URL-safe characters).
    pub key: String,
    /// The key's first characters, for lists.
    pub prefix: String,
    /// SHA-256 of the key.
    pub hash: Vec<u8>,
}

impl NewKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let random::NewToken { token, .. } = random::NewToken::generate();
        let key = format!("{KEY_PREFIX}{token}");
        let prefix = key[..KEY_PREFIX.len() + SHOWN_CHARS].to_owned();
        let hash = random::token_hash(&key);
        NewKey { key, prefix, hash }
    }
}

/// A request made with a live admin key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admin {
    /// Who, as the audit log names them.
    pub actor: Actor,
}

impl<S: Send + Sync> FromRequestParts<S> for Admin
where
    Db: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AppError::InvalidKey("The admin API needs `Authorization: Bearer <API key>`."))?;
        // A reader's access token is never a key: it cannot have this prefix.
        if !key.starts_with(KEY_PREFIX) || key.len() != KEY_PREFIX.len() + 43 {
            return Err(AppError::InvalidKey("This is not an admin API key."));
        }
        let (id, name, prefix) = store::api_keys::live(&Db::from_ref(state), &random::token_hash(key))
            .await?
            .ok_or(AppError::InvalidKey("This API key is unknown, revoked or expired."))?;
        Ok(Admin { actor: Actor { key_id: Some(id), name: format!("key:{name} ({prefix}…)") } })
    }
}
