//! The reference paywall server: articles, readers, subscriptions and sessions in SQLite,
//! behind the JSON API the widget calls, plus the demo site's files.
//!
//! `main.rs` parses a [`Config`], calls [`start`] and [`serve`]; tests call [`start`] and
//! drive [`app`] without a socket.

pub mod auth;
pub mod config;
mod demo;
pub mod error;
mod json;
pub mod limits;
pub mod mail;
mod random;
mod routes;
pub mod sanitize;
mod serve;
pub mod store;
mod time;

use std::sync::Arc;

pub use config::Config;
pub use routes::{MAX_BODY_BYTES, app};

use auth::publisher::PublisherVerifier;
use auth::{AccessKeys, CodeHasher, PasswordHasher};
use error::AppError;
use limits::Limits;
use mail::Mailer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: store::Db,
    /// The access-token signing key.
    pub keys: AccessKeys,
    /// The password checker.
    pub passwords: PasswordHasher,
    /// The sign-in code hasher.
    pub codes: CodeHasher,
    /// Where sign-in emails go.
    pub mailer: Mailer,
    /// Abuse limits.
    pub limits: Arc<Limits>,
    /// The publisher-token checker, when one is configured.
    pub publisher: Option<Arc<PublisherVerifier>>,
    /// The server's public URL, for links in emails (no trailing slash).
    pub public_url: Arc<str>,
    /// How the server was configured.
    pub config: Arc<Config>,
}

/// Everything the server needs before it can answer: the data directory, the migrated
/// database, the signing key, and (in demo mode) the demo article and readers.
pub async fn start(config: Config) -> Result<AppState, AppError> {
    check_demo_address(&config)?;
    create_private_dir(&config.data)
        .map_err(|error| AppError::Internal(format!("creating {}: {error}", config.data.display())))?;
    let db = store::open(&config.database_url()).await?;
    let secret = auth::secret::load_or_create(
        config.signing_key.as_deref(),
        config.signing_key_file.as_deref(),
        &config.data,
    )?;
    let keys = AccessKeys::from_secret(&secret)?;
    let codes = CodeHasher::from_secret(&secret);
    let passwords = PasswordHasher::new()?;
    let mailer = Mailer::from_config(&config)?;
    let publisher = match (&config.publisher_key_file, &config.publisher_issuer) {
        (Some(path), Some(issuer)) => {
            let expected = auth::publisher::Expectations {
                issuer: issuer.clone(),
                audience: config.publisher_audience.clone(),
                tier_claim: config.publisher_tier_claim.clone(),
                max_lifetime: config.publisher_token_max_seconds,
            };
            let adopted = store::readers::adopt_unscoped_publisher_readers(&db, issuer).await?;
            if adopted > 0 {
                tracing::info!(
                    adopted,
                    issuer,
                    "publisher readers from an earlier version now belong to the issuer"
                );
            }
            Some(Arc::new(PublisherVerifier::from_file(path, expected)?))
        }
        (Some(_), None) => {
            return Err(AppError::Internal("PAYWALL_PUBLISHER_ISSUER must be set with the key".into()));
        }
        _ => None,
    };
    if config.demo {
        demo::seed(&db).await?;
    } else {
        demo::remove(&db).await?;
    }
    Ok(AppState {
        db,
        keys,
        passwords,
        codes,
        mailer,
        limits: Limits::new(),
        publisher,
        public_url: config.public_url().into(),
        config: Arc::new(config),
    })
}

/// Creates the data directory, and any missing parent, readable by the owner only: it holds
/// the database and the signing key.
fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Demo mode gives away a subscriber's account (its password is public) and every sign-in code
/// (at `/dev/outbox`), so it runs on a loopback address only, unless the configuration says
/// explicitly that it may be public; then the log says what that exposes.
fn check_demo_address(config: &Config) -> Result<(), AppError> {
    if !config.demo || config.addr.ip().is_loopback() {
        return Ok(());
    }
    if !config.demo_public {
        return Err(AppError::Internal(format!(
            "refusing to run the demo on {}, which is not a loopback address: anyone who reaches it \
             could sign in as a demo subscriber and read every sign-in code. Listen on 127.0.0.1, \
             turn the demo off (PAYWALL_DEMO=false), or set PAYWALL_DEMO_PUBLIC=true if that is wanted",
            config.addr
        )));
    }
    tracing::warn!(
        addr = %config.addr,
        "demo mode on a public address: anyone who can reach it can sign in as {} with the password \
         `paywall-demo` and read every article of its tier, and /dev/outbox shows every sign-in code \
         the server sends, so anyone can sign in as any reader who asks for one",
        demo::READERS[0]
    );
    Ok(())
}

/// Serves the app on the configured address until Ctrl-C or SIGTERM, printing the address it
/// bound, and prunes what is no longer needed on a schedule.
pub async fn serve(mut state: AppState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.addr).await?;
    let addr = listener.local_addr()?;
    if state.config.public_url.is_none() {
        state.public_url = format!("http://{addr}").into();
    }
    // Tests and `cargo xtask demo` read this line to learn the port.
    println!("paywall-server listening on http://{addr}");
    let pruning = tokio::spawn(prune_every(state.clone()));
    let config = state.config.clone();
    serve::serve(
        listener,
        app(state),
        serve::Deadlines::from_config(&config),
        usize::try_from(config.max_connections).unwrap_or(usize::MAX),
        std::time::Duration::from_secs(config.shutdown_timeout),
        serve::shutdown_signal(),
    )
    .await;
    pruning.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Prunes the tables and forgets idle rate-limit keys every `prune_every` seconds.
async fn prune_every(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(state.config.prune_every));
    loop {
        every.tick().await;
        state.limits.forget_idle();
        match store::prune::run(&state.db, time::now()).await {
            Ok(pruned) if pruned.total() > 0 => tracing::info!(?pruned, "pruned"),
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "pruning failed"),
        }
    }
}
