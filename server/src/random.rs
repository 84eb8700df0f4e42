//! Random bytes from the operating system, for keys and tokens, and the one way a random token
//! is hashed for storage.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// `N` bytes from the operating system's generator.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// 256 random bits as URL-safe text.
pub fn token() -> String {
    URL_SAFE_NO_PAD.encode(bytes::<32>())
}

/// The hash under which a random token (a refresh token, an emailed link's token) is stored
/// and looked up. A fast hash is enough: the token is 256 random bits, so there is nothing to
/// guess; a stolen database still holds no usable token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new random token: the text its holder is shown once, and the hash the database keeps.
pub struct NewToken {
    /// What the holder keeps and sends back.
    pub token: String,
    /// What the database keeps.
    pub hash: Vec<u8>,
}

impl NewToken {
    /// A fresh token (256 bits) and its hash.
    pub fn generate() -> Self {
        let token = token();
        let hash = token_hash(&token);
        NewToken { token, hash }
    }
}

/// `count` decimal digits, each uniformly random.
pub fn digits(count: usize) -> String {
    let mut out = String::with_capacity(count);
    while out.len() < count {
        // Rejection sampling: 250 = 25 * 10, so bytes below it map evenly onto 0..=9.
        let [byte] = bytes::<1>();
        if byte < 250 {
            out.push(char::from(b'0' + byte % 10));
        }
    }
    out
}
