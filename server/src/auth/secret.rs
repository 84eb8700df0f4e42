//! The server's secret: signs access tokens and keys the hashes of sign-in codes.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::startup::StartError;

const KEY_FILE: &str = "signing.key";

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// How a key made by hand should be made.
const HOW_TO_MAKE_ONE: &str = "make one with `head -c 48 /dev/urandom | base64`";

/// Where the secret comes from: the environment, else a file named in the configuration, else
/// the one this server generated in the data directory, else a new random one written there
/// (readable by the owner only). A key given by hand must look random: see [`check_strength`].
pub fn load_or_create(
    from_env: Option<&str>,
    from_file: Option<&Path>,
    data_dir: &Path,
) -> Result<Vec<u8>, StartError> {
    if let Some(secret) = from_env {
        return check_strength(secret.trim().as_bytes(), "PAYWALL_SIGNING_KEY");
    }
    if let Some(path) = from_file {
        let text =
            std::fs::read_to_string(path).map_err(StartError::file("reading the signing key", path))?;
        let first_line = text.lines().next().unwrap_or_default().trim();
        return check_strength(first_line.as_bytes(), &path.display().to_string());
    }
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| StartError::Refused(format!("{} is not a key this server wrote", path.display()))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let secret = crate::random::bytes::<64>().to_vec();
            write_private(&path, URL_SAFE_NO_PAD.encode(&secret).as_bytes())
                .map_err(StartError::file("writing the signing key", &path))?;
            tracing::info!(path = %path.display(), "generated a new token-signing key");
            Ok(secret)
        }
        Err(error) => Err(StartError::file("reading the signing key", &path)(error)),
    }
}

/// A key given by hand is used as its bytes, and must be at least [`MIN_KEY_BYTES`] long and look
/// random: a phrase, a repeated word or a short alphabet is refused. "Random-looking" is
/// measured as the Shannon entropy of its bytes: more than 128 bits in all and 3.5 bits a byte.
/// A base64 or hex string from a random source passes (about 5 and 4 bits a byte); `changeme`
/// repeated, `k` forty times, digits, or 32 hex digits (16 bytes of randomness) do not.
pub fn check_strength(key: &[u8], source: &str) -> Result<Vec<u8>, StartError> {
    if key.len() < MIN_KEY_BYTES {
        return Err(StartError::Refused(format!(
            "the signing key in {source} is {} bytes; it must be at least {MIN_KEY_BYTES} random bytes: {HOW_TO_MAKE_ONE}",
            key.len()
        )));
    }
    let bits_per_byte = entropy_bits_per_byte(key);
    if bits_per_byte < 3.5 || bits_per_byte * key.len() as f64 <= 128.0 {
        return Err(StartError::Refused(format!(
            "the signing key in {source} does not look random (a word, a pattern or a short alphabet); {HOW_TO_MAKE_ONE}"
        )));
    }
    Ok(key.to_vec())
}

/// The Shannon entropy of the bytes of `data`, in bits a byte.
fn entropy_bits_per_byte(data: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for &byte in data {
        counts[usize::from(byte)] += 1;
    }
    let total = data.len() as f64;
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = count as f64 / total;
            -p * p.log2()
        })
        .sum()
}

/// Writes a new file only its owner can read.
#[cfg(unix)]
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents)
}

/// Writes a new file.
#[cfg(not(unix))]
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_made_as_the_message_says_pass_and_patterns_do_not() {
        let base64 = base64::engine::general_purpose::STANDARD.encode(crate::random::bytes::<48>());
        let hex: String = crate::random::bytes::<32>().iter().map(|byte| format!("{byte:02x}")).collect();
        for good in [base64.as_str(), hex.as_str(), &crate::random::token()] {
            assert!(check_strength(good.as_bytes(), "test").is_ok(), "{good}");
        }
        for bad in [
            "k".repeat(40),
            "changeme".repeat(4),
            "0123456789".repeat(4),
            "abababababababababababababababababab".to_owned(),
            "too short".to_owned(),
            crate::random::token()[..31].to_owned(),
            hex[..32].to_owned(),
        ] {
            assert!(check_strength(bad.as_bytes(), "test").is_err(), "{bad}");
        }
    }
}
