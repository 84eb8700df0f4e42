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

/// Hashes that may run at once: each holds 64 MiB, so a burst of sign-ins queues instead of
/// exhausting memory.
const RUNNING: usize = 4;

/// Hashes that may wait for one of those. Beyond this a request is answered at once with a 503
/// and `Retry-After`, never left in a queue that only grows: at about 80 ms a hash, the last
/// one admitted waits well under a second.
const WAITING: usize = 16;

/// What a request that finds the queue full is told to wait, in seconds.
const RETRY_AFTER_SECONDS: u64 = 1;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The environment variable with which a test run makes new hashes cheap (1 MiB, one pass):
/// honoured by debug builds only, so that a released server always hashes at full cost. The
/// tests start hundreds of servers, each hashing a decoy and the demo's passwords, and sign in
/// by password thousands of times; at full cost that was a third of their processor time.
/// What is tested (which hash is checked, the decoy, the queue, the limits) is the same.
const CHEAP_IN_TESTS: &str = "PAYWALL_TEST_CHEAP_PASSWORD_HASHES";

/// Whether new hashes are cheap (see [`CHEAP_IN_TESTS`]).
static CHEAP: std::sync::LazyLock<std::sync::atomic::AtomicBool> = std::sync::LazyLock::new(|| {
    let cheap = cfg!(debug_assertions) && std::env::var_os(CHEAP_IN_TESTS).is_some_and(|set| set == "1");
    if cheap {
        tracing::warn!("password hashes are cheap ({CHEAP_IN_TESTS}): for tests only");
    }
    std::sync::atomic::AtomicBool::new(cheap)
});

/// Makes this process's new hashes full cost again, whatever the environment says: for a test
/// of what happens while hashes take their real time.
#[doc(hidden)]
pub fn hash_at_full_cost() {
    CHEAP.store(false, std::sync::atomic::Ordering::Relaxed);
}

fn argon2() -> Argon2<'static> {
    let (memory_kib, passes) = match CHEAP.load(std::sync::atomic::Ordering::Relaxed) {
        true => (1024, 1),
        false => (MEMORY_KIB, PASSES),
    };
    let params = Params::new(memory_kib, passes, LANES, None).expect("the argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether a new password is long enough: the one rule for it.
pub fn check_new_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::InvalidInput(format!(
            "Choose a password of at least {MIN_PASSWORD_CHARS} characters."
        )));
    }
    Ok(())
}

/// Hashes a password as an argon2id PHC string (salted; the parameters are stored with it,
/// so hashes made with older parameters still verify).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    use argon2::PasswordHasher as _;
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
}

/// Hashes and checks passwords, spending the same work whether or not the account exists,
/// so that the time a sign-in takes does not say which emails have accounts.
#[derive(Clone)]
pub struct PasswordHasher {
    /// A hash of a password nobody knows, checked when there is no account.
    decoy: Arc<str>,
    /// Hashes running.
    running: Arc<Semaphore>,
    /// Hashes running or waiting to.
    admitted: Arc<Semaphore>,
}

impl PasswordHasher {
    /// A checker with a freshly made decoy hash, running [`RUNNING`] hashes at once and
    /// keeping [`WAITING`] more waiting.
    pub fn new() -> Result<Self, argon2::password_hash::Error> {
        Self::with_capacity(RUNNING, WAITING)
    }

    /// A checker that runs `running` hashes at once and keeps at most `waiting` more waiting.
    pub fn with_capacity(running: usize, waiting: usize) -> Result<Self, argon2::password_hash::Error> {
        let decoy = hash_password(&crate::random::token())?;
        Ok(PasswordHasher {
            decoy: decoy.into(),
            running: Arc::new(Semaphore::new(running)),
            admitted: Arc::new(Semaphore::new(running + waiting)),
        })
    }

    /// Whether `password` matches `stored` (or, with no stored hash, the decoy: always false).
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let decoy = self.decoy.clone();
        self.blocking(move || {
            let (hash, real) = match &stored {
                Some(hash) => (hash.as_str(), true),
                None => (&*decoy, false),
            };
            let parsed = PasswordHash::new(hash)
                .map_err(|error| AppError::internal("reading a stored password hash", error))?;
            let matches = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
            Ok(real && matches)
        })
        .await
    }

    /// Hashes a new password, after checking it is long enough.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        check_new_password(&password)?;
        self.blocking(move || {
            hash_password(&password).map_err(|error| AppError::internal("hashing a password", error))
        })
        .await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::Overloaded { retry_after: RETRY_AFTER_SECONDS })?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::bug("the password checks were closed"))?;
        // The permits go with the work: a request that gives up (its client left, or it timed
        // out) does not free a place while its hash still runs.
        tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            work()
        })
        .await
        .map_err(|error| AppError::internal("running a password check", error))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_hash_is_argon2id_at_64_mib_and_two_passes_unless_a_test_makes_it_cheap() {
        hash_at_full_cost();
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=65536,t=2,p=1$"), "{hash}");
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(argon2().verify_password(b"correct horse battery", &parsed).is_ok());
        assert!(argon2().verify_password(b"correct horse battery!", &parsed).is_err());
    }
}
