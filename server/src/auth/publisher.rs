//! The publisher's own accounts: a JWT the publisher signed (RS256, ES256 or EdDSA), checked
//! against its public key or JWKS file, names the reader and their tier.

use std::path::Path;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::error::AppError;

/// The algorithms a publisher may sign with: asymmetric only, so we never hold their secret.
const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA];

/// Who the publisher says the reader is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublisherIdentity {
    /// The reader's email (the `email` claim).
    pub email: String,
    /// The publisher's id for the reader (`sub`), if given.
    pub subject: Option<String>,
    /// The tier the configured claim names, if the token carries it.
    pub tier: Option<String>,
}

/// One key the publisher may sign with.
struct PublisherKey {
    id: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

/// Checks publisher tokens: signature, algorithm, issuer, audience, expiry and not-before.
pub struct PublisherVerifier {
    keys: Vec<PublisherKey>,
    issuer: String,
    audience: String,
    tier_claim: String,
}

impl PublisherVerifier {
    /// A verifier for the keys in a PEM public-key file or a JWKS file (chosen by content).
    pub fn from_file(
        path: &Path,
        issuer: String,
        audience: String,
        tier_claim: String,
    ) -> Result<Self, AppError> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            AppError::Internal(format!("reading the publisher key {}: {error}", path.display()))
        })?;
        let keys = if text.trim_start().starts_with('{') { jwks_keys(&text)? } else { vec![pem_key(&text)?] };
        if keys.is_empty() {
            return Err(AppError::Internal(format!("{} holds no RS256, ES256 or EdDSA key", path.display())));
        }
        Ok(PublisherVerifier { keys, issuer, audience, tier_claim })
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
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    AppError::InvalidToken("The publisher token has expired.")
                }
                _ => AppError::InvalidToken("The publisher token is not valid."),
            })?
            .claims;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let email = text("email").ok_or(AppError::InvalidToken("The publisher token names no email."))?;
        Ok(PublisherIdentity {
            email,
            subject: text("sub"),
            tier: text(&self.tier_claim).filter(|t| !t.is_empty()),
        })
    }
}

/// One public key in PEM: RSA, P-256 or Ed25519.
fn pem_key(pem: &str) -> Result<PublisherKey, AppError> {
    let bytes = pem.as_bytes();
    let (algorithm, key) = if let Ok(key) = DecodingKey::from_rsa_pem(bytes) {
        (Algorithm::RS256, key)
    } else if let Ok(key) = DecodingKey::from_ec_pem(bytes) {
        (Algorithm::ES256, key)
    } else if let Ok(key) = DecodingKey::from_ed_pem(bytes) {
        (Algorithm::EdDSA, key)
    } else {
        return Err(AppError::Internal(
            "the publisher key is not an RSA, P-256 or Ed25519 public key in PEM".into(),
        ));
    };
    Ok(PublisherKey { id: None, algorithm, key })
}

/// The usable keys of a JWKS document; keys for other algorithms are skipped.
fn jwks_keys(text: &str) -> Result<Vec<PublisherKey>, AppError> {
    let set: JwkSet = serde_json::from_str(text)
        .map_err(|error| AppError::Internal(format!("the publisher JWKS: {error}")))?;
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
