//! The server's configuration, from command-line flags or environment variables.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Parser;

/// How the paywall server runs. With nothing set it listens on 127.0.0.1:8080, serves the site
/// in the current directory and keeps its data in `./data`; the demo is off unless asked for.
#[derive(Clone, Debug, Parser)]
#[command(name = "paywall-server", version, about)]
pub struct Config {
    /// The address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "PAYWALL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The directory for the SQLite database and the generated signing key.
    #[arg(long, env = "PAYWALL_DATA", default_value = "data")]
    pub data: PathBuf,

    /// The database to use instead of `<data>/paywall.db` (a `sqlite:` URL).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// The secret that signs access tokens (at least 32 bytes). Without it a random key is
    /// generated into `<data>/signing.key` at first start. Every server behind one load
    /// balancer needs the same key.
    #[arg(long, env = "PAYWALL_SIGNING_KEY", hide_env_values = true)]
    pub signing_key: Option<String>,

    /// Publisher origins allowed to call the API from the browser, comma-separated
    /// (e.g. `https://news.example`). The page the server itself serves needs none.
    #[arg(long, env = "PAYWALL_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// The directory holding `index.html` (served at `/`) and `www/` (the widget's files).
    #[arg(long, env = "PAYWALL_SITE", default_value = ".")]
    pub site: PathBuf,

    /// Demo mode, for trying the paywall on one machine: seeds the demo article and two demo
    /// readers whose password is public (`paywall-demo`), and shows every sign-in email at
    /// `/dev/outbox` when no SMTP server is set. Off by default; without it, demo readers
    /// left from an earlier demo run are removed at start.
    #[arg(
        long,
        env = "PAYWALL_DEMO",
        num_args = 0..=1,
        default_value_t = false,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub demo: bool,

    /// Allow demo mode on an address other than loopback. Anyone who can reach the server can
    /// then sign in as the demo subscriber and read every sign-in code at `/dev/outbox`.
    #[arg(
        long,
        env = "PAYWALL_DEMO_PUBLIC",
        num_args = 0..=1,
        default_value_t = false,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub demo_public: bool,

    /// The server's public address, for the sign-in links in emails
    /// (default: `http://` and the address it listens on).
    #[arg(long, env = "PAYWALL_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The publication's name, as readers see it in emails.
    #[arg(long, env = "PAYWALL_PUBLICATION", default_value = "The Platform")]
    pub publication: String,

    /// Where sign-in emails are sent: `smtps://user:pass@host:465` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), or plain `smtp://host:port`
    /// (unencrypted: only for a relay on the same machine).
    #[arg(long, env = "PAYWALL_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of sign-in emails.
    #[arg(long, env = "PAYWALL_MAIL_FROM", default_value = "The Platform <no-reply@localhost>")]
    pub mail_from: String,

    /// The publisher's public key (PEM: RSA, P-256 or Ed25519) or JWKS file, for exchanging the
    /// publisher's own signed tokens for sessions.
    #[arg(long, env = "PAYWALL_PUBLISHER_KEY_FILE")]
    pub publisher_key_file: Option<PathBuf>,

    /// The `iss` a publisher token must carry.
    #[arg(long, env = "PAYWALL_PUBLISHER_ISSUER", requires = "publisher_key_file")]
    pub publisher_issuer: Option<String>,

    /// The `aud` a publisher token must carry.
    #[arg(long, env = "PAYWALL_PUBLISHER_AUDIENCE", default_value = "paywall")]
    pub publisher_audience: String,

    /// The claim of a publisher token that names the reader's tier (e.g. `premium`).
    #[arg(long, env = "PAYWALL_PUBLISHER_TIER_CLAIM", default_value = "tier")]
    pub publisher_tier_claim: String,

    /// Proxies whose `X-Forwarded-For` is believed, comma-separated IP addresses. A request
    /// from any other address is identified by its socket address alone.
    #[arg(long, env = "PAYWALL_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
}

impl Config {
    /// The configuration with every default, data kept in `data`: what tests start from.
    pub fn with_data_dir(data: impl Into<PathBuf>) -> Self {
        let mut config = Config::parse_from(["paywall-server"]);
        config.data = data.into();
        config
    }

    /// The public URL: the one given, or the listening address.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }

    /// The database URL: the one given, or a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data.join("paywall.db").display()),
        }
    }
}
