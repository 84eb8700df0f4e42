//! The `paywall-server` binary: configuration in, server up.

use clap::Parser;
use paywall_server::Config;
use paywall_server::error::with_causes;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let config = Config::parse();
    let result = match paywall_server::start(config).await {
        Ok(state) => paywall_server::serve(state).await.map_err(|error| with_causes(&error)),
        Err(error) => Err(with_causes(&error)),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("paywall-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
