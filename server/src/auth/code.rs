//! One-time sign-in codes: six digits for the reader to type, a random token for the link.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::random;

/// How long a code and its link work.
pub const CODE_SECONDS: i64 = 15 * 60;
/// Wrong tries before a code stops working.
pub const MAX_ATTEMPTS: i64 = 5;

/// A new code: the digits and link token for the email, the hashes for the database.
pub struct NewCode {
    /// Six digits.
    pub code: String,
    /// The link's random token.
    pub link_token: String,
    /// What the database keeps for the code.
    pub code_hash: Vec<u8>,
    /// What the database keeps for the link.
    pub link_hash: Vec<u8>,
}

/// Hashes codes under a key derived from the server's secret. A million possible codes are
/// nothing to try offline, so a plain hash would not protect them; a keyed one does.
#[derive(Clone)]
pub struct CodeHasher {
    key: [u8; 32],
}

impl CodeHasher {
    /// A hasher whose key is derived from the server's secret (not the secret itself).
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut mac = Self::mac(b"paywall sign-in codes v1");
        mac.update(secret);
        CodeHasher { key: mac.finalize().into_bytes().into() }
    }

    fn mac(key: &[u8]) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length")
    }

    /// A fresh code for `email`.
    pub fn generate(&self, email: &str) -> NewCode {
        let code = random::digits(6);
        let link_token = random::token();
        NewCode {
            code_hash: self.hash(email, &code),
            link_hash: crate::auth::RefreshToken::hash(&link_token),
            code,
            link_token,
        }
    }

    /// The keyed hash of a code sent to `email`.
    pub fn hash(&self, email: &str, code: &str) -> Vec<u8> {
        self.keyed(email, code).finalize().into_bytes().to_vec()
    }

    /// Whether `code` is the one whose hash is `stored`, compared in constant time.
    pub fn matches(&self, email: &str, code: &str, stored: &[u8]) -> bool {
        self.keyed(email, code).verify_slice(stored).is_ok()
    }

    fn keyed(&self, email: &str, code: &str) -> Hmac<Sha256> {
        let mut mac = Self::mac(&self.key);
        mac.update(email.as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        mac
    }
}
