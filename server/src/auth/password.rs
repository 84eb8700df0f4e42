//! Password hashing with argon2id, off the async threads.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordVerifier};

use crate::error::AppError;

/// Hashes a password as an argon2id PHC string (salted, with the crate's recommended cost).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    use argon2::PasswordHasher as _;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AppError::Internal(format!("hashing a password: {error}")))
}

/// Checks passwords, spending the same work whether or not the account exists, so that the
/// time a sign-in takes does not say which emails have accounts.
#[derive(Clone)]
pub struct PasswordHasher {
    /// A hash of a password nobody knows, checked when there is no account.
    decoy: Arc<str>,
}

impl PasswordHasher {
    /// A checker with a freshly made decoy hash.
    pub fn new() -> Result<Self, AppError> {
        let decoy = hash_password(&crate::random::token())?;
        Ok(PasswordHasher {
            decoy: decoy.into(),
        })
    }

    /// Whether `password` matches `stored` (or, with no stored hash, the decoy: always false).
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let decoy = self.decoy.clone();
        tokio::task::spawn_blocking(move || {
            let (hash, real) = match &stored {
                Some(hash) => (hash.as_str(), true),
                None => (&*decoy, false),
            };
            let parsed = PasswordHash::new(hash).map_err(|error| {
                AppError::Internal(format!("a stored password hash is malformed: {error}"))
            })?;
            let matches = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(real && matches)
        })
        .await
        .map_err(|error| AppError::Internal(format!("password check task: {error}")))?
    }
}
