//! Password hashing with argon2id, off the async threads and a few at a time.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordVerifier, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// 64 MiB, two passes, one lane: about 80 ms per check on this project's 2-core machines
/// (`cargo run --release` of a loop over `hash_password`), within the 50–150 ms that makes
/// guessing slow without making sign-in feel slow.
const MEMORY_KIB: u32 = 64 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

/// Checks that may run at once: each holds 64 MiB, so a burst of sign-ins queues instead of
/// exhausting memory.
const CONCURRENT_CHECKS: usize = 4;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("the argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password as an argon2id PHC string (salted; the parameters are stored with it,
/// so hashes made with older parameters still verify).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    use argon2::PasswordHasher as _;
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AppError::Internal(format!("hashing a password: {error}")))
}

/// Hashes and checks passwords, spending the same work whether or not the account exists,
/// so that the time a sign-in takes does not say which emails have accounts.
#[derive(Clone)]
pub struct PasswordHasher {
    /// A hash of a password nobody knows, checked when there is no account.
    decoy: Arc<str>,
    permits: Arc<Semaphore>,
}

impl PasswordHasher {
    /// A checker with a freshly made decoy hash.
    pub fn new() -> Result<Self, AppError> {
        let decoy = hash_password(&crate::random::token())?;
        Ok(PasswordHasher { decoy: decoy.into(), permits: Arc::new(Semaphore::new(CONCURRENT_CHECKS)) })
    }

    /// Whether `password` matches `stored` (or, with no stored hash, the decoy: always false).
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let decoy = self.decoy.clone();
        self.blocking(move || {
            let (hash, real) = match &stored {
                Some(hash) => (hash.as_str(), true),
                None => (&*decoy, false),
            };
            let parsed = PasswordHash::new(hash).map_err(|error| {
                AppError::Internal(format!("a stored password hash is malformed: {error}"))
            })?;
            let matches = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
            Ok(real && matches)
        })
        .await
    }

    /// Hashes a new password, after checking it is long enough.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AppError::InvalidInput(format!(
                "Choose a password of at least {MIN_PASSWORD_CHARS} characters."
            )));
        }
        self.blocking(move || hash_password(&password)).await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit =
            self.permits.acquire().await.map_err(|_| AppError::Internal("password checks closed".into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|error| AppError::Internal(format!("password task: {error}")))?
    }
}
