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
mod random;
mod routes;
pub mod sanitize;
pub mod store;
mod time;

use std::sync::Arc;

pub use config::Config;
pub use routes::{MAX_BODY_BYTES, app};

use auth::{AccessKeys, PasswordHasher};
use error::AppError;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: store::Db,
    /// The access-token signing key.
    pub keys: AccessKeys,
    /// The password checker.
    pub passwords: PasswordHasher,
    /// How the server was configured.
    pub config: Arc<Config>,
}

/// Everything the server needs before it can answer: the data directory, the migrated
/// database, the signing key, and (in demo mode) the demo article and readers.
pub async fn start(config: Config) -> Result<AppState, AppError> {
    std::fs::create_dir_all(&config.data).map_err(|error| {
        AppError::Internal(format!("creating {}: {error}", config.data.display()))
    })?;
    let db = store::open(&config.database_url()).await?;
    let keys = AccessKeys::load_or_create(config.signing_key.as_deref(), &config.data)?;
    let passwords = PasswordHasher::new()?;
    if config.demo {
        demo::seed(&db).await?;
    }
    Ok(AppState {
        db,
        keys,
        passwords,
        config: Arc::new(config),
    })
}

/// Serves the app on the configured address until Ctrl-C, printing the address it bound.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.addr).await?;
    let addr = listener.local_addr()?;
    // Tests and `cargo xtask demo` read this line to learn the port.
    println!("paywall-server listening on http://{addr}");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
