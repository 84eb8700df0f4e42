//! Short-lived signed access tokens (JWT, HS256) and the key that signs them.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::time::now;

/// How long an access token lives: long enough for a reading session, short enough that a
/// leaked one is soon worthless.
pub const ACCESS_TOKEN_SECONDS: u64 = 15 * 60;

/// The shortest signing key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

const ISSUER: &str = "paywall";
const AUDIENCE: &str = "paywall-api";

/// What an access token says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The reader's id, as a decimal string (JWT subjects are strings).
    pub sub: String,
    /// The session the token was issued for; revoking it revokes the token.
    pub sid: i64,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Expires at (Unix seconds).
    pub exp: u64,
    /// Always `paywall`.
    pub iss: String,
    /// Always `paywall-api`.
    pub aud: String,
}

/// The key that signs and checks access tokens.
#[derive(Clone)]
pub struct AccessKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl AccessKeys {
    /// Keys from a secret of at least [`MIN_KEY_BYTES`] (checked when it was loaded).
    pub fn from_secret(secret: &[u8]) -> Self {
        assert!(secret.len() >= MIN_KEY_BYTES, "the signing key was checked when it was loaded");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // One server (or one cluster sharing a clock) signs and checks, so skew is small.
        validation.leeway = 5;
        AccessKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// A signed access token for a reader's session.
    pub fn issue(&self, reader_id: i64, session_id: i64) -> Result<String, AppError> {
        let iat = now_u64();
        let claims = AccessClaims {
            sub: reader_id.to_string(),
            sid: session_id,
            iat,
            exp: iat + ACCESS_TOKEN_SECONDS,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| AppError::internal("signing an access token", error))
    }

    /// The claims of a token this server signed and that has not expired. Any other
    /// algorithm (including `none`), a bad signature or a wrong issuer or audience is refused.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, AppError> {
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    AppError::InvalidToken("The access token has expired.")
                }
                _ => AppError::InvalidToken("The access token is not valid."),
            })
    }
}

fn now_u64() -> u64 {
    u64::try_from(now()).unwrap_or_default()
}
