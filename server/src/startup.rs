//! What start-up checks and prepares before the server answers anyone: a data directory only
//! its owner can read, and demo mode only where nobody else can reach it.

use std::path::PathBuf;

use crate::config::Config;
use crate::demo;
use crate::error::BoxError;

/// Why the server could not start. `main` prints it with its causes; none of it is ever an
/// HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is unsafe or incomplete; the message says what to do.
    #[error("{0}")]
    Refused(String),
    /// A setting's value cannot be used.
    #[error("{setting} is not valid")]
    Invalid {
        /// The setting, as its environment variable.
        setting: &'static str,
        /// What is wrong with it.
        #[source]
        source: BoxError,
    },
    /// A file or directory could not be read, written or created.
    #[error("{action} {}", path.display())]
    File {
        /// What was being done to it.
        action: &'static str,
        /// Which file.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened, brought up to date, or prepared.
    #[error("preparing the database")]
    Database(#[from] sqlx::Error),
    /// A password could not be hashed (the demo's, or the decoy).
    #[error("hashing a password")]
    Hashing(#[source] argon2::password_hash::Error),
}

impl StartError {
    /// A setting whose value cannot be used, and why.
    pub fn invalid(setting: &'static str, source: impl Into<BoxError>) -> Self {
        StartError::Invalid { setting, source: source.into() }
    }

    /// A file that could not be read, written or created.
    pub fn file(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| StartError::File { action, path, source }
    }
}

/// Creates the data directory, and any missing parent, readable by the owner only: it holds
/// the database and the signing key. A directory (and its files) left readable by others by an
/// earlier version is made private.
pub(crate) fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let make_private = |path: &std::path::Path, mode: u32| -> std::io::Result<()> {
            let metadata = std::fs::metadata(path)?;
            if metadata.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
                tracing::warn!(path = %path.display(), "others could read this; it is now the owner's alone");
            }
            Ok(())
        };
        make_private(path, 0o700)?;
        for file in ["paywall.db", "paywall.db-wal", "paywall.db-shm", "signing.key"] {
            let file = path.join(file);
            if file.exists() {
                make_private(&file, 0o600)?;
            }
        }
    }
    Ok(())
}

/// Demo mode gives away a subscriber's account (its password is public) and every sign-in code
/// (at `/dev/outbox`), so it runs only where nobody else can reach it: on a loopback address,
/// not behind a proxy (a proxy on this machine makes loopback public), and not under a public
/// URL. Unless the configuration says explicitly that it may be public; then the log says
/// what that exposes.
pub(crate) fn check_demo_address(config: &Config) -> Result<(), StartError> {
    let public_url_host = config
        .public_url
        .as_deref()
        .and_then(|url| url.parse::<axum::http::Uri>().ok())
        .and_then(|uri| uri.host().map(str::to_owned));
    let why_public = if !config.addr.ip().is_loopback() {
        Some(format!("it listens on {}, which is not a loopback address", config.addr))
    } else if !config.trusted_proxies.is_empty() {
        Some(
            "it trusts proxies (PAYWALL_TRUSTED_PROXIES), so it is meant to be reached through one"
                .to_owned(),
        )
    } else {
        public_url_host
            .filter(|host| !is_loopback_host(host))
            .map(|host| format!("its public address (PAYWALL_PUBLIC_URL) is {host}"))
    };
    let Some(why_public) = why_public.filter(|_| config.demo) else {
        return Ok(());
    };
    if !config.demo_public {
        return Err(StartError::Refused(format!(
            "refusing to run the demo where others can reach it: {why_public}. Anyone could sign in as \
             a demo subscriber and read every sign-in code. Run it on 127.0.0.1 alone, turn the demo \
             off (PAYWALL_DEMO=false), or set PAYWALL_DEMO_PUBLIC=true if that is wanted"
        )));
    }
    tracing::warn!(
        "demo mode on a public address ({why_public}): anyone who can reach it can sign in as {} with \
         the password `paywall-demo` and read every article of its tier, and /dev/outbox shows every \
         sign-in code the server sends to visitors on this machine",
        demo::READERS[0]
    );
    Ok(())
}

/// Whether a URL's host names this machine.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
