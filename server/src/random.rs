//! Random bytes from the operating system, for keys and tokens.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
