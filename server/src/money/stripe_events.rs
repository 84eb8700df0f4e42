//! Stripe's webhooks: the `Stripe-Signature` header checked over the raw body before anything
//! is parsed, and the few fields of an event the server acts on.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// How far an event's signed time may be from now, either way (Stripe's own default).
pub const TOLERANCE_SECONDS: i64 = 300;

/// The most `v1` signatures one header may carry.
const MAX_SIGNATURES: usize = 8;

/// Why a webhook was refused; nothing was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No header, or not `t=…,v1=…`.
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    /// Signed too long ago (a replay), or in the future.
    #[error("the signature's time is outside the tolerance")]
    Stale,
    /// No `v1` matches any configured secret.
    #[error("no signature matches")]
    Mismatch,
}

/// Checks `header` (`t=TIME,v1=HEX[,v1=HEX…]`) over `body` against each of `secrets` (more
/// than one while a secret is being rolled), at `now`. Any `v1` matching any secret passes;
/// comparisons are constant-time.
pub fn verify(header: Option<&str>, body: &[u8], secrets: &[String], now: i64) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Malformed)?;
    let mut time = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => time = Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            // A SHA-256 in hex, and a few at most (Stripe sends one, two while a secret rolls).
            Some(("v1", value)) if value.len() == 64 && signatures.len() < MAX_SIGNATURES => {
                signatures.push(decode_hex(value).ok_or(SignatureError::Malformed)?)
            }
            Some(("v1", _)) => return Err(SignatureError::Malformed),
            // Other schemes (`v0`, test-mode extras) are ignored, as Stripe's libraries do.
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let time = time.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    // `abs_diff`: a time at the far end of `i64` (anyone can write one) must not overflow.
    if now.abs_diff(time) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    // One MAC per secret, compared with each signature given (in constant time), so a header
    // full of signatures costs no more than one with a single one.
    for secret in secrets {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(time.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        let expected = mac.finalize().into_bytes();
        if signatures.iter().any(|signature| bool::from(expected[..].ct_eq(signature))) {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// The header Stripe would send for `body` signed with `secret` at `time`: for the demo
/// checkout and for tests.
pub fn sign(body: &[u8], secret: &str, time: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(time.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect();
    format!("t={time},v1={hex}")
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    // Hex digits only: `from_str_radix` alone would also take a sign (`+0` for `00`).
    if !text.len().is_multiple_of(2) || text.len() > 128 || !text.bytes().all(|byte| byte.is_ascii_hexdigit())
    {
        return None;
    }
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok()).collect()
}

/// The parts of an event the server reads.
#[derive(Clone, Debug, Deserialize)]
pub struct Event {
    /// Stripe's id for the event: each is processed once.
    pub id: String,
    /// What happened (`customer.subscription.updated`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// What it happened to.
    pub data: EventData,
}

/// An event's object.
#[derive(Clone, Debug, Deserialize)]
pub struct EventData {
    /// The object, as Stripe sent it.
    pub object: EventObject,
}

/// The fields of an event's object that lead to a subscription.
#[derive(Clone, Debug, Deserialize)]
pub struct EventObject {
    /// The object's own id (`sub_…`, `cs_…`, `in_…`).
    #[serde(default)]
    pub id: Option<String>,
    /// Its kind (`subscription`, `checkout.session`, `invoice`).
    #[serde(default)]
    pub object: Option<String>,
    /// On a checkout session or an invoice: the subscription.
    #[serde(default)]
    pub subscription: Option<serde_json::Value>,
}

impl Event {
    /// The subscription the event is about, if it is about one the server follows.
    pub fn subscription_id(&self) -> Option<String> {
        let object = &self.data.object;
        match self.kind.as_str() {
            "customer.subscription.created"
            | "customer.subscription.updated"
            | "customer.subscription.deleted" => object.id.clone(),
            "checkout.session.completed" | "invoice.paid" | "invoice.payment_failed" => match &object
                .subscription
            {
                Some(serde_json::Value::String(id)) => Some(id.clone()),
                // Expanded: the subscription object itself.
                Some(serde_json::Value::Object(expanded)) => expanded.get("id")?.as_str().map(str::to_owned),
                _ => None,
            },
            _ => None,
        }
    }

    /// The checkout session, for `checkout.session.completed`.
    pub fn checkout_id(&self) -> Option<&str> {
        (self.kind == "checkout.session.completed").then_some(self.data.object.id.as_deref()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"id":"evt_1","type":"invoice.paid"}"#;

    fn secrets(list: &[&str]) -> Vec<String> {
        list.iter().map(|secret| (*secret).to_owned()).collect()
    }

    #[test]
    fn a_signature_made_with_any_configured_secret_passes_within_the_tolerance() {
        let header = sign(BODY, "whsec_new", 1_000);
        assert_eq!(verify(Some(&header), BODY, &secrets(&["whsec_old", "whsec_new"]), 1_000 + 300), Ok(()));
        assert_eq!(verify(Some(&header), BODY, &secrets(&["whsec_new"]), 1_000 - 300), Ok(()));
        // Several v1 values: one matching is enough.
        let old = sign(BODY, "whsec_old", 1_000);
        let both = format!("{header},v1={}", old.split("v1=").nth(1).unwrap());
        assert_eq!(verify(Some(&both), BODY, &secrets(&["whsec_old"]), 1_000), Ok(()));
    }

    #[test]
    fn forged_stale_tampered_and_malformed_signatures_are_refused() {
        let header = sign(BODY, "whsec_right", 1_000);
        let secret = secrets(&["whsec_right"]);
        assert_eq!(
            verify(Some(&header), BODY, &secrets(&["whsec_wrong"]), 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&header), br#"{"id":"evt_2"}"#, &secret, 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify(Some(&header), BODY, &secret, 1_301), Err(SignatureError::Stale));
        assert_eq!(verify(Some(&header), BODY, &secret, 699), Err(SignatureError::Stale));
        let later = header.replace("t=1000", "t=1200");
        assert_eq!(verify(Some(&later), BODY, &secret, 1_200), Err(SignatureError::Mismatch));
        for malformed in ["", "t=1000", "v1=00", "t=x,v1=00", "t=1000,v1=zz", "garbage", "t=1000,v1=0"] {
            assert_eq!(
                verify(Some(malformed), BODY, &secret, 1_000),
                Err(SignatureError::Malformed),
                "{malformed}"
            );
        }
        assert_eq!(verify(None, BODY, &secret, 1_000), Err(SignatureError::Malformed));
    }

    #[test]
    fn a_time_at_the_ends_of_the_range_is_stale_not_an_overflow() {
        // Found by `tests/fuzz.rs` (fuzz_stripe_round_trip): `now - time` overflowed.
        let signature = "0".repeat(64);
        let secret = secrets(&["whsec_right"]);
        for time in [i64::MIN, i64::MAX] {
            let header = format!("t={time},v1={signature}");
            for now in [i64::MIN, -1, 0, 1_767_225_600, i64::MAX] {
                let expected =
                    if now == time { Err(SignatureError::Mismatch) } else { Err(SignatureError::Stale) };
                assert_eq!(verify(Some(&header), BODY, &secret, now), expected, "{header} at {now}");
            }
        }
        let header = sign(BODY, "whsec_right", i64::MIN);
        assert_eq!(verify(Some(&header), BODY, &secret, i64::MIN + 300), Ok(()));
    }

    #[test]
    fn a_signature_is_hex_digits_only() {
        // Found by `tests/fuzz.rs` (fuzz_stripe_round_trip): `+0` was read as the byte `00`.
        assert_eq!(decode_hex("+0"), None);
        assert_eq!(decode_hex("0aFf"), Some(vec![0x0a, 0xff]));
        let plus = format!("t=1000,v1=+{}", "0".repeat(63));
        assert_eq!(
            verify(Some(&plus), BODY, &secrets(&["whsec_right"]), 1_000),
            Err(SignatureError::Malformed)
        );
    }
}
