//! Who is asking: access tokens, refresh tokens, sign-in codes, passwords, publisher tokens,
//! and the `Reader` extractor.

mod access;
mod code;
mod extract;
mod password;
pub mod publisher;
mod refresh;
pub mod secret;

pub use access::{ACCESS_TOKEN_SECONDS, AccessClaims, AccessKeys};
pub use code::{CODE_SECONDS, CodeHasher, CodeRefused, MAX_ATTEMPTS, NewCode};
pub use extract::Reader;
pub use password::{MIN_PASSWORD_CHARS, PasswordHasher, hash_password};
pub use refresh::{REFRESH_TOKEN_SECONDS, RefreshToken};
