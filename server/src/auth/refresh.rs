//! Refresh tokens: random, shown to the client once, stored only as a SHA-256 hash.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// How long a session lasts without being refreshed.
pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 60 * 60;

/// A new refresh token: the text for the client and the hash for the database.
pub struct RefreshToken {
    /// What the client keeps and sends back.
    pub token: String,
    /// What the database keeps.
    pub hash: Vec<u8>,
}

impl RefreshToken {
    /// A fresh random token (256 bits).
    pub fn generate() -> Self {
        let token = URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>());
        let hash = Self::hash(&token);
        RefreshToken { token, hash }
    }

    /// The hash under which a presented token would be stored. A fast hash is enough: the
    /// token is 256 random bits, so there is nothing to guess.
    pub fn hash(token: &str) -> Vec<u8> {
        Sha256::digest(token.as_bytes()).to_vec()
    }
}
