//! Who is asking: access tokens, refresh tokens, sign-in codes, passwords, publisher tokens,
//! and the `SignedIn` extractor.

mod access;
pub mod admin;
pub mod code;
mod extract;
mod password;
pub mod publisher;
pub mod secret;

pub use access::{ACCESS_TOKEN_SECONDS, AccessClaims, AccessKeys};
pub use admin::Admin;
pub use code::{CODE_SECONDS, CodeRefused, MAX_ATTEMPTS, NewCode, SignInCodes};
pub use extract::{Bearer, SESSION_ENDED, SignedIn};
pub use password::{MIN_PASSWORD_CHARS, PasswordHasher, check_new_password, hash_password};

/// How long a session lasts without being refreshed.
pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 60 * 60;
