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
