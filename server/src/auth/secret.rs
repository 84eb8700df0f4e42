//! The server's secret: signs access tokens and keys the hashes of sign-in codes.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::AppError;

const KEY_FILE: &str = "signing.key";

/// The secret given in the configuration, else the one in the data directory, else a new
/// random one written there (readable by the owner only).
pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> Result<Vec<u8>, AppError> {
    if let Some(secret) = configured {
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| AppError::Internal(format!("{} is not a key this server wrote", path.display()))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let secret = crate::random::bytes::<64>().to_vec();
            write_private(&path, URL_SAFE_NO_PAD.encode(&secret).as_bytes())
                .map_err(|error| AppError::Internal(format!("writing {}: {error}", path.display())))?;
            tracing::info!(path = %path.display(), "generated a new token-signing key");
            Ok(secret)
        }
        Err(error) => Err(AppError::Internal(format!("reading {}: {error}", path.display()))),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents)
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
