//! The `paywall-server` binary: the command and its settings in, the server up (or the
//! database migrated).

use clap::Parser;
use paywall_server::cli::{ApiKeyCommand, Cli, Command, ReadersCommand, StaffCommand};
use paywall_server::config::LogFormat;
use paywall_server::error::with_causes;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let command = Cli::parse().command();
    let config = match &command {
        Command::Serve(config) | Command::Migrate(config) => config,
        Command::Import(import) => &import.config,
        Command::ApiKey(
            ApiKeyCommand::Create { config, .. }
            | ApiKeyCommand::List { config }
            | ApiKeyCommand::Revoke { config, .. },
        )
        | Command::Readers(ReadersCommand::Import { config, .. } | ReadersCommand::Export { config, .. })
        | Command::Staff(
            StaffCommand::Add { config, .. }
            | StaffCommand::Link { config, .. }
            | StaffCommand::List { config },
        ) => config,
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match config.log {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        LogFormat::Json => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
    }
    let result = match command {
        Command::Serve(config) => match paywall_server::start(config).await {
            Ok(state) => paywall_server::serve(state).await.map_err(|error| with_causes(&error)),
            Err(error) => Err(with_causes(&error)),
        },
        Command::Migrate(config) => {
            paywall_server::migrate(&config).await.map_err(|error| with_causes(&error))
        }
        Command::Import(import) => paywall_server::cli::commands::import(&import).await,
        Command::ApiKey(command) => paywall_server::cli::commands::api_key(&command).await,
        Command::Readers(command) => paywall_server::cli::commands::readers(&command).await,
        Command::Staff(command) => paywall_server::cli::commands::staff(&command).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("paywall-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
