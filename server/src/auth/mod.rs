//! Who is asking: access tokens, refresh tokens, sign-in codes, passwords, publisher tokens,
//! admin API keys, and their extractors (`SignedIn`, `Bearer`, `Admin`).

pub mod access;
pub mod admin;
pub mod code;
mod extract;
pub mod passkeys;
mod password;
pub mod providers;
pub mod publisher;

pub use crate::error::CodeRefused;
pub use access::{ACCESS_TOKEN_SECONDS, AccessClaims, AccessKeys};
pub use admin::Admin;
pub use code::{CODE_SECONDS, MAX_ATTEMPTS, NewCode, SignInCodes};
pub use extract::{Bearer, SESSION_ENDED, SignedIn};
pub use password::{
    MIN_PASSWORD_CHARS, PasswordHasher, check_new_password, hash_at_full_cost, hash_password,
};

pub use crate::store::sessions::REFRESH_TOKEN_SECONDS;
