//! The publisher's own accounts: a JWT the publisher signed (RS256, ES256 or EdDSA), checked
//! against its public key or JWKS file, names the reader and their tier.

use std::path::Path;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::error::AppError;
use crate::error::StartError;

/// The algorithms a publisher may sign with: asymmetric only, so we never hold their secret.
const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// How far a token's clock may be from ours, in seconds.
const LEEWAY_SECONDS: u64 = 30;

/// The longest `jti` remembered; a longer one is refused.
const MAX_JTI_CHARS: usize = 200;

/// Who the publisher says the reader is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublisherIdentity {
    /// The publisher's id for the reader (`sub`): with the issuer, what names the reader.
    pub subject: String,
    /// The reader's email (the `email` claim).
    pub email: String,
    /// Whether the publisher says it verified that the reader owns the email (`email_verified`).
    pub email_verified: bool,
    /// The tier the configured claim names, if the token carries it.
    pub tier: Option<String>,
    /// The token's id (`jti`), if it has one: such a token is accepted once.
    pub token_id: Option<String>,
    /// When the token expires (Unix seconds).
    pub expires_at: i64,
}

/// One key the publisher may sign with.
struct PublisherKey {
    id: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// What a publisher's tokens must say, besides being signed by one of its keys.
#[derive(Clone, Debug)]
pub struct Expectations {
    /// The `iss` they carry.
    pub issuer: String,
    /// The `aud` they carry.
    pub audience: String,
    /// The claim that names the reader's tier.
    pub tier_claim: String,
    /// The longest lifetime accepted, in seconds: from `iat` (or now) to `exp`.
    pub max_lifetime: u64,
    /// Whether a token must carry a `jti`.
    pub require_token_id: bool,
}

/// Checks publisher tokens: signature, algorithm, issuer, audience, subject, expiry,
/// not-before, and a lifetime no longer than configured.
pub struct PublisherVerifier {
    keys: Vec<PublisherKey>,
    expected: Expectations,
}

impl PublisherVerifier {
    /// A verifier for the keys in a PEM public-key file or a JWKS file (chosen by content).
    pub fn from_file(path: &Path, expected: Expectations) -> Result<Self, StartError> {
        let text =
            std::fs::read_to_string(path).map_err(StartError::file("reading the publisher key", path))?;
        let keys = if text.trim_start().starts_with('{') { jwks_keys(&text)? } else { vec![pem_key(&text)?] };
        if keys.is_empty() {
            return Err(StartError::Refused(format!(
                "{} holds no RS256, ES256 or EdDSA key",
                path.display()
            )));
        }
        Ok(PublisherVerifier { keys, expected })
    }

    /// The issuer its tokens carry.
    pub fn issuer(&self) -> &str {
        &self.expected.issuer
    }

    /// The reader a valid token names; anything wrong with the token is a 401.
    pub fn verify(&self, token: &str) -> Result<PublisherIdentity, AppError> {
        let refused = AppError::InvalidToken("The publisher token is not valid.");
        let header = jsonwebtoken::decode_header(token).map_err(|_| refused)?;
        let key = self
            .keys
            .iter()
            .filter(|key| key.algorithm == header.alg)
            .find(|key| header.kid.is_none() || key.id.is_none() || key.id == header.kid)
            .ok_or(AppError::InvalidToken("The publisher token is not valid."))?;
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.expected.issuer]);
        validation.set_audience(&[&self.expected.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    AppError::InvalidToken("The publisher token has expired.")
                }
                _ => AppError::InvalidToken("The publisher token is not valid."),
            })?
            .claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let seconds = |name: &str| claims.get(name).and_then(Value::as_u64);
        let now = u64::try_from(crate::time::now()).unwrap_or_default();
        let exp = seconds("exp").ok_or(AppError::InvalidToken("The publisher token has no expiry."))?;
        // A token that works for years is a password that can never be changed: refuse one
        // whose lifetime, from when it says it was issued (or from now), is over the maximum.
        let issued = match seconds("iat") {
            Some(iat) if iat > now + LEEWAY_SECONDS => {
                return Err(AppError::InvalidToken("The publisher token was issued in the future."));
            }
            Some(iat) => iat.min(now),
            None => now,
        };
        if exp.saturating_sub(issued) > self.expected.max_lifetime + LEEWAY_SECONDS {
            return Err(AppError::InvalidToken("The publisher token lives longer than this server accepts."));
        }
        let subject = text("sub")
            .filter(|sub| !sub.is_empty())
            .ok_or(AppError::InvalidToken("The publisher token names no reader (sub)."))?;
        let email = text("email").ok_or(AppError::InvalidToken("The publisher token names no email."))?;
        let token_id = text("jti").filter(|jti| !jti.is_empty());
        if token_id.as_ref().is_some_and(|jti| jti.chars().count() > MAX_JTI_CHARS) {
            return Err(AppError::InvalidToken("The publisher token's id (jti) is too long."));
        }
        if token_id.is_none() && self.expected.require_token_id {
            return Err(AppError::InvalidToken(
                "The publisher token has no id (jti), so it could be replayed.",
            ));
        }
        Ok(PublisherIdentity {
            subject,
            email,
            email_verified: claims.get("email_verified").and_then(Value::as_bool).unwrap_or(false),
            tier: text(&self.expected.tier_claim).filter(|tier| !tier.is_empty()),
            token_id,
            expires_at: i64::try_from(exp).unwrap_or(i64::MAX),
        })
    }
}

/// One public key in PEM: RSA, P-256 or Ed25519.
fn pem_key(pem: &str) -> Result<PublisherKey, StartError> {
    let bytes = pem.as_bytes();
    let (algorithm, key) = if let Ok(key) = DecodingKey::from_rsa_pem(bytes) {
        (Algorithm::RS256, key)
    } else if let Ok(key) = DecodingKey::from_ec_pem(bytes) {
        (Algorithm::ES256, key)
    } else if let Ok(key) = DecodingKey::from_ed_pem(bytes) {
        (Algorithm::EdDSA, key)
    } else {
        return Err(StartError::Refused(
            "the publisher key is not an RSA, P-256 or Ed25519 public key in PEM".into(),
        ));
    };
    Ok(PublisherKey { id: None, algorithm, key })
}

/// The usable keys of a JWKS document; keys for other algorithms are skipped.
fn jwks_keys(text: &str) -> Result<Vec<PublisherKey>, StartError> {
    let set: JwkSet = serde_json::from_str(text)
        .map_err(|error| StartError::invalid("PAYWALL_PUBLISHER_KEY_FILE (a JWKS document)", error))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let declared = jwk.common.key_algorithm.and_then(|declared| match declared {
            KeyAlgorithm::RS256 => Some(Algorithm::RS256),
            KeyAlgorithm::ES256 => Some(Algorithm::ES256),
            KeyAlgorithm::EdDSA => Some(Algorithm::EdDSA),
            _ => None,
        });
        let implied = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                Some(Algorithm::ES256)
            }
            AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
                Some(Algorithm::EdDSA)
            }
            _ => None,
        };
        let (Some(algorithm), Ok(key)) = (declared.or(implied), DecodingKey::from_jwk(jwk)) else {
            continue;
        };
        if ALGORITHMS.contains(&algorithm) && (declared.is_none() || declared == implied) {
            keys.push(PublisherKey { id: jwk.common.key_id.clone(), algorithm, key });
        }
    }
    Ok(keys)
}
