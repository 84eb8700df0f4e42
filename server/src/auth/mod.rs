//! Who is asking: access tokens, refresh tokens, passwords and the `Reader` extractor.

mod access;
mod extract;
mod password;
mod refresh;

pub use access::{ACCESS_TOKEN_SECONDS, AccessClaims, AccessKeys};
pub use extract::Reader;
pub use password::{PasswordHasher, hash_password};
pub use refresh::{REFRESH_TOKEN_SECONDS, RefreshToken};
