//! One-time sign-in codes: six digits for the reader to type, a random token for the link,
//! and the one place that decides whether typed digits are accepted.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{AppError, CodeRefused};
use crate::http::client::Client;
use crate::http::limits::{EmailKey, Limits};
use crate::random;
use crate::store::{Db, codes};

/// How long a code and its link work.
pub const CODE_SECONDS: i64 = 15 * 60;
/// Wrong tries (for its email, while it is live) before a code stops taking digits. (Apart
/// from this cap on each code, `limits::CODE_TRIES_PER_CLIENT_AND_EMAIL` and
/// `limits::CODE_TRIES_PER_EMAIL` limit how often anyone may type a code at all.)
pub const MAX_ATTEMPTS: i64 = 5;

/// How many of an email's live codes, newest first, accept their digits: one more than one
/// client may ask for at once, so no single stranger can push the owner's code out. Each is
/// one more chance for a guess. Older live codes still sign in through their link (256
/// random bits, nothing to guess).
pub const CODES_TAKING_DIGITS: usize = 4;

/// A new code: the digits and link token for the email, the hashes for the database.
pub struct NewCode {
    /// Six digits.
    pub code: String,
    /// The link's random token.
    pub link_token: String,
    /// What the database keeps for the code.
    pub code_hash: Vec<u8>,
    /// What the database keeps for the link.
    pub link_hash: Vec<u8>,
}

/// Sign-in codes and links: issued, checked and redeemed here and nowhere else. Codes are
/// hashed under a key derived from the server's secret: a million possible codes are nothing
/// to try offline, so a plain hash would not protect them; a keyed one does.
#[derive(Clone)]
pub struct SignInCodes {
    key: [u8; 32],
}

impl SignInCodes {
    /// Codes keyed by a key derived from the server's secret (not the secret itself).
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut mac = Self::mac(b"paywall sign-in codes v1");
        mac.update(secret);
        SignInCodes { key: mac.finalize().into_bytes().into() }
    }

    fn mac(key: &[u8]) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length")
    }

    /// Makes and stores a fresh code for `email`, to come back to `return_to`. Earlier codes
    /// stay valid: a code already on its way keeps working, whoever asks again.
    pub async fn issue(&self, db: &Db, email: &str, return_to: &str) -> Result<NewCode, sqlx::Error> {
        let code = self.generate(email);
        codes::insert(
            db,
            email,
            &code.code_hash,
            &code.link_hash,
            return_to,
            crate::time::now() + CODE_SECONDS,
        )
        .await?;
        Ok(code)
    }

    /// A fresh code for `email`.
    fn generate(&self, email: &str) -> NewCode {
        let code = random::digits(6);
        let link = random::NewToken::generate();
        NewCode { code_hash: self.hash(email, &code), link_hash: link.hash, code, link_token: link.token }
    }

    /// The keyed hash of a code sent to `email`.
    pub fn hash(&self, email: &str, code: &str) -> Vec<u8> {
        self.keyed(email, code).finalize().into_bytes().to_vec()
    }

    /// Whether `code` is the one whose hash is `stored`, compared in constant time.
    pub fn matches(&self, email: &str, code: &str, stored: &[u8]) -> bool {
        self.keyed(email, code).verify_slice(stored).is_ok()
    }

    /// Checks digits `client` typed against the newest live codes sent to `email`. The matching
    /// code is spent and the email's other codes voided; a wrong code counts a try against each
    /// live code. Tries are limited per client and email and per email (only while a code is
    /// live and takes digits, so nobody can use up an email's tries before its owner asks for a code).
    pub async fn verify(
        &self,
        db: &Db,
        limits: &Limits,
        client: Client,
        email: &str,
        typed: &str,
    ) -> Result<Result<(), CodeRefused>, AppError> {
        let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        let live = codes::live_for_email(db, email).await?;
        if live.is_empty() {
            return Ok(Err(CodeRefused::Expired));
        }
        // What "takes digits" means, once: one of the newest few (each live code is one more
        // chance for a guess), with tries left.
        let open: Vec<&codes::StoredCode> =
            live.iter().take(CODES_TAKING_DIGITS).filter(|code| code.attempts < MAX_ATTEMPTS).collect();
        if open.is_empty() {
            return Ok(Err(CodeRefused::TooManyAttempts));
        }
        let key = EmailKey::new(email);
        limits.code_tries_per_client_and_email.check(&(client, key)).await?;
        limits.code_tries_per_email.check(&key).await?;
        // Every open code is compared, so the time taken does not say which one matched.
        let matched = open.iter().fold(None, |found, code| {
            if self.matches(email, &typed, &code.code_hash) { Some(code.id) } else { found }
        });
        Ok(match matched {
            Some(id) if codes::spend(db, id).await? => Ok(()),
            Some(_) => Err(CodeRefused::Expired),
            None => {
                // The wrong try counts against every code that took it.
                let mut attempts_left = 0;
                for code in &open {
                    let attempts = codes::count_wrong_try(db, code.id).await?;
                    attempts_left = attempts_left.max(MAX_ATTEMPTS - attempts);
                }
                match attempts_left {
                    0 => Err(CodeRefused::TooManyAttempts),
                    attempts_left => Err(CodeRefused::Wrong { attempts_left }),
                }
            }
        })
    }

    /// The live code an emailed link's `token` belongs to, if any: what the confirmation page
    /// shows before the reader confirms. Nothing is spent.
    pub async fn live_link(&self, db: &Db, token: &str) -> Result<Option<codes::StoredCode>, sqlx::Error> {
        codes::live_for_link(db, &random::token_hash(token)).await
    }

    /// Spends the code an emailed link's `token` belongs to (voiding the email's other codes);
    /// the email it was sent to, or `None` if the link is unknown, expired or already spent. A
    /// link takes no tries: its token is 256 random bits.
    pub async fn redeem_link(&self, db: &Db, token: &str) -> Result<Option<String>, sqlx::Error> {
        let Some(link) = self.live_link(db, token).await? else {
            return Ok(None);
        };
        Ok(codes::spend(db, link.id).await?.then_some(link.email))
    }

    fn keyed(&self, email: &str, code: &str) -> Hmac<Sha256> {
        let mut mac = Self::mac(&self.key);
        mac.update(email.as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        mac
    }
}
