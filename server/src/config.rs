//! The server's configuration, from command-line flags or environment variables.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use ipnet::IpNet;

use crate::store::sessions::Lifetime;
use crate::store::sessions::REFRESH_TOKEN_SECONDS;

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON object a line, for a log pipeline.
    Json,
}

/// How the paywall server runs. With nothing set it listens on 127.0.0.1:8080, serves the site
/// in the current directory and keeps its data in `./data`; the demo is off unless asked for.
#[derive(Clone, Debug, Parser)]
#[command(name = "paywall-server")]
pub struct Config {
    /// How log lines are written: `text` (the default) or `json`. Which lines is `RUST_LOG`'s
    /// to say (default `info`).
    #[arg(long, env = "PAYWALL_LOG", value_enum, default_value_t = LogFormat::Text)]
    pub log: LogFormat,

    /// The address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, env = "PAYWALL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The directory for the SQLite database and the generated signing key.
    #[arg(long, env = "PAYWALL_DATA", default_value = "data")]
    pub data: PathBuf,

    /// The database to use instead of `<data>/paywall.db`: a `sqlite:` URL, or a
    /// `postgres://` URL for several servers on one database.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Publisher origins allowed to call the API from the browser, comma-separated
    /// (e.g. `https://news.example`). The page the server itself serves needs none.
    #[arg(long, env = "PAYWALL_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// The directory holding `index.html` (served at `/`) and `www/` (the widget's files).
    #[arg(long, env = "PAYWALL_SITE", default_value = ".")]
    pub site: PathBuf,

    /// Serve the widget's files from this directory (laid out as `www/`: `paywall.js` and
    /// `pkg/`) instead of the copies built into the binary: for developing the widget without
    /// rebuilding the server.
    #[arg(long, env = "PAYWALL_WIDGET_DIR")]
    pub widget_dir: Option<PathBuf>,

    /// The server's public address, for the sign-in links in emails
    /// (default: `http://` and the address it listens on).
    #[arg(long, env = "PAYWALL_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The publication's name, as readers see it in emails.
    #[arg(long, env = "PAYWALL_PUBLICATION", default_value = "The Platform")]
    pub publication: String,

    /// The longest a reader stays signed in on one device, however often they come back, in
    /// days; then they sign in again.
    #[arg(long, env = "PAYWALL_SESSION_MAX_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub session_max_days: u32,

    /// Seconds between prunings of expired codes, sessions, kept mail and idle rate-limit keys.
    #[arg(long, env = "PAYWALL_PRUNE_EVERY", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    pub prune_every: u64,

    /// The key that signs access tokens and keys sign-in codes: given, or generated and kept in the data directory (or the database, on PostgreSQL).
    #[command(flatten, next_help_heading = "The signing key")]
    pub signing: SigningKey,

    /// The demo: its article and readers, on loopback only unless said otherwise.
    #[command(flatten, next_help_heading = "The demo")]
    pub demo: Demo,

    /// Where sign-in emails go.
    #[command(flatten, next_help_heading = "Sign-in emails")]
    pub mail: Mail,

    /// Sign-in with the publisher's own tokens.
    #[command(flatten, next_help_heading = "Publisher tokens")]
    pub publisher: PublisherTokens,

    /// Passkeys, and sign-in with OpenID Connect providers.
    #[command(flatten, next_help_heading = "Passkeys and identity providers")]
    pub sign_in: SignInMethods,

    /// Selling through Stripe.
    #[command(flatten, next_help_heading = "Payments (Stripe)")]
    pub stripe: Stripe,

    /// Connections: deadlines, how many, and whose `X-Forwarded-For` is believed.
    #[command(flatten, next_help_heading = "Connections")]
    pub connections: Connections,
}

/// Passkeys, and sign-in with OpenID Connect providers.
#[derive(Clone, Debug, clap::Args)]
pub struct SignInMethods {
    /// The site readers' passkeys are for: the WebAuthn relying party id, the publisher's
    /// registrable domain or a host under it (`news.example`), never the paywall server's
    /// own unless the articles are on it. A passkey made on a page of this site works on every
    /// page the server allows on it. Unset: no passkeys.
    #[arg(long = "passkey-rp-id", value_name = "PASSKEY_RP_ID", env = "PAYWALL_PASSKEY_RP_ID")]
    pub passkey_rp_id: Option<String>,

    /// The pages' origins passkeys may be used from, comma-separated (e.g.
    /// `https://news.example,https://www.news.example`); each must be on the relying party's
    /// site. Default: the allowed publisher origins (`PAYWALL_CORS_ORIGINS`) that are on it.
    #[arg(
        long = "passkey-origins",
        value_name = "PASSKEY_ORIGINS",
        env = "PAYWALL_PASSKEY_ORIGINS",
        value_delimiter = ',',
        requires = "passkey_rp_id"
    )]
    pub passkey_origins: Vec<String>,

    /// A JSON file listing the OpenID Connect providers readers may sign in with: an array of
    /// `{"id": "google", "name": "Google", "issuer": "https://accounts.google.com",
    /// "client_id": "…", "client_secret": "…"}`. Register
    /// `<PUBLIC_URL>/v1/providers/<id>/callback` as the redirect URI with each provider.
    #[arg(
        long = "oidc-providers-file",
        value_name = "OIDC_PROVIDERS_FILE",
        env = "PAYWALL_OIDC_PROVIDERS_FILE"
    )]
    pub oidc_providers_file: Option<PathBuf>,
}

/// The key that signs access tokens and keys sign-in codes: given, or generated and kept in the data directory (or the database, on PostgreSQL).
#[derive(Clone, Debug, clap::Args)]
pub struct SigningKey {
    /// The secret that signs access tokens and keys the hashes of sign-in codes: at least 32
    /// random bytes. Read only from the environment variable `PAYWALL_SIGNING_KEY`, never from
    /// the command line (where `ps` would show it). Without it, `--signing-key-file`; without
    /// either, a random key is generated at first start: into `<data>/signing.key` with SQLite,
    /// into the database with PostgreSQL (so that every server on it uses the same one). A
    /// server given a key other than the one its PostgreSQL database knows refuses to start.
    #[arg(skip = std::env::var("PAYWALL_SIGNING_KEY").ok().filter(|key| !key.is_empty()))]
    pub key: Option<String>,

    /// A file holding the signing key (its first line), e.g. a mounted secret; unless
    /// `PAYWALL_SIGNING_KEY` is set. Make one with `head -c 48 /dev/urandom | base64 > FILE`.
    #[arg(
        id = "signing_key_file",
        long = "signing-key-file",
        value_name = "SIGNING_KEY_FILE",
        env = "PAYWALL_SIGNING_KEY_FILE"
    )]
    pub file: Option<PathBuf>,

    /// Make the signing key this server is given the one its PostgreSQL database knows, in
    /// place of the key with this fingerprint (the one a refused start prints): for changing
    /// the key on purpose. Access tokens and sign-in codes issued under the old key stop
    /// working, sessions go on, and servers still on the old key report not ready.
    #[arg(
        long = "replace-signing-key",
        value_name = "REPLACE_SIGNING_KEY",
        env = "PAYWALL_REPLACE_SIGNING_KEY"
    )]
    pub replace: Option<String>,
}

/// The demo: its article and readers, on loopback only unless said otherwise.
#[derive(Clone, Debug, clap::Args)]
pub struct Demo {
    /// Demo mode, for trying the paywall on one machine: seeds the demo article and two demo
    /// readers whose password is public (`paywall-demo`), and shows every sign-in email at
    /// `/dev/outbox` when no SMTP server is set. Off by default; without it, demo readers
    /// left from an earlier demo run are removed at start.
    #[arg(
        long = "demo", value_name = "DEMO",
        env = "PAYWALL_DEMO",
        num_args = 0..=1,
        default_value_t = false,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub on: bool,

    /// Allow demo mode on an address other than loopback. Anyone who can reach the server can
    /// then sign in as the demo subscriber and read every sign-in code at `/dev/outbox`.
    #[arg(
        long = "demo-public", value_name = "DEMO_PUBLIC",
        env = "PAYWALL_DEMO_PUBLIC",
        num_args = 0..=1,
        default_value_t = false,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub public: bool,

    /// In demo mode without Stripe keys, how long the demo provider's events take to reach
    /// the webhook after "Pay", in milliseconds (Stripe's sometimes come after the reader is
    /// back): the return to the article is then confirmed by asking the provider itself.
    #[arg(
        long = "demo-event-delay-ms",
        value_name = "DEMO_EVENT_DELAY_MS",
        env = "PAYWALL_DEMO_EVENT_DELAY_MS",
        default_value_t = 0
    )]
    pub event_delay_ms: u64,
}

/// Where sign-in emails go.
#[derive(Clone, Debug, clap::Args)]
pub struct Mail {
    /// Where sign-in emails are sent: `smtps://user:pass@host:465` (TLS),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), or plain `smtp://host:port`
    /// (unencrypted: only for a relay on the same machine).
    #[arg(long, env = "PAYWALL_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of sign-in emails.
    #[arg(
        long = "mail-from",
        value_name = "MAIL_FROM",
        env = "PAYWALL_MAIL_FROM",
        default_value = "The Platform <no-reply@localhost>"
    )]
    pub from: String,
}

/// Sign-in with the publisher's own tokens.
#[derive(Clone, Debug, clap::Args)]
pub struct PublisherTokens {
    /// The publisher's public key (PEM: RSA, P-256 or Ed25519) or JWKS file, for exchanging the
    /// publisher's own signed tokens for sessions.
    #[arg(
        long = "publisher-key-file",
        value_name = "PUBLISHER_KEY_FILE",
        env = "PAYWALL_PUBLISHER_KEY_FILE"
    )]
    pub key_file: Option<PathBuf>,

    /// The `iss` a publisher token must carry.
    #[arg(
        long = "publisher-issuer",
        value_name = "PUBLISHER_ISSUER",
        env = "PAYWALL_PUBLISHER_ISSUER",
        requires = "key_file"
    )]
    pub issuer: Option<String>,

    /// The `aud` a publisher token must carry.
    #[arg(
        long = "publisher-audience",
        value_name = "PUBLISHER_AUDIENCE",
        env = "PAYWALL_PUBLISHER_AUDIENCE",
        default_value = "paywall"
    )]
    pub audience: String,

    /// The claim of a publisher token that names the reader's tier (e.g. `premium`).
    #[arg(
        long = "publisher-tier-claim",
        value_name = "PUBLISHER_TIER_CLAIM",
        env = "PAYWALL_PUBLISHER_TIER_CLAIM",
        default_value = "tier"
    )]
    pub tier_claim: String,

    /// The longest lifetime a publisher token may have, in seconds, from its `iat` (or from
    /// now) to its `exp`. Sign a fresh, short-lived token for each page view.
    #[arg(
        long = "publisher-token-max-seconds",
        value_name = "PUBLISHER_TOKEN_MAX_SECONDS",
        env = "PAYWALL_PUBLISHER_TOKEN_MAX_SECONDS",
        default_value_t = 600
    )]
    pub token_max_seconds: u64,

    /// Whether a publisher token must carry a `jti` (each is accepted once). Without one, a
    /// token can be replayed until it expires: a page cached with `data-paywall-token` in it
    /// would sign every visitor in as that reader. Turn off only if your tokens cannot have one.
    #[arg(
        long = "publisher-require-jti", value_name = "PUBLISHER_REQUIRE_JTI",
        env = "PAYWALL_PUBLISHER_REQUIRE_JTI",
        num_args = 0..=1,
        default_value_t = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub require_jti: bool,
}

/// Selling through Stripe.
#[derive(Clone, Debug, clap::Args)]
pub struct Stripe {
    /// Stripe's secret key (`sk_live_…`), for selling subscriptions: read only from the
    /// environment variable `PAYWALL_STRIPE_SECRET_KEY`, never from the command line.
    #[arg(skip = std::env::var("PAYWALL_STRIPE_SECRET_KEY").ok().filter(|key| !key.is_empty()))]
    pub secret_key: Option<String>,

    /// The signing secrets of Stripe's webhooks to this server (`whsec_…`), comma-separated
    /// while one is being rolled: read only from `PAYWALL_STRIPE_WEBHOOK_SECRET`.
    #[arg(skip = std::env::var("PAYWALL_STRIPE_WEBHOOK_SECRET").ok().map(|secrets| {
        secrets.split(',').map(str::trim).filter(|secret| !secret.is_empty()).map(str::to_owned).collect::<Vec<_>>()
    }).unwrap_or_default())]
    pub webhook_secrets: Vec<String>,

    /// Stripe's API address; another for a stand-in (tests, staging).
    #[arg(
        long = "stripe-api",
        value_name = "STRIPE_API",
        env = "PAYWALL_STRIPE_API",
        default_value = "https://api.stripe.com"
    )]
    pub api: String,
}

/// Connections: deadlines, how many, and whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, clap::Args)]
pub struct Connections {
    /// Seconds a client has to send a request's headers: from opening the connection, or
    /// from the first byte of a later request on it.
    #[arg(long, env = "PAYWALL_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,

    /// Seconds a request may take once its headers are in: its body, the work, and the
    /// client reading the answer (a reply left unread this long closes the connection).
    #[arg(long, env = "PAYWALL_REQUEST_TIMEOUT", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,

    /// Seconds a kept-alive connection may wait idle for its next request. Behind a load
    /// balancer, keep it longer than the balancer's own idle timeout (60 s at AWS).
    #[arg(long, env = "PAYWALL_IDLE_TIMEOUT", default_value_t = 75, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,

    /// Connections served at once. When all are open, a new one takes the place of the one
    /// that has waited longest for a request (a kept-alive connection between requests), or,
    /// if every one is at work, is answered 503 with `Retry-After`. Keep it well under the
    /// process's open-file limit (`ulimit -n`), with room for 64 more being answered 503.
    #[arg(long, env = "PAYWALL_MAX_CONNECTIONS", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Connections one client (an address, or an IPv6 network) may hold at once; more are
    /// closed at once. Trusted proxies are exempt.
    #[arg(long, env = "PAYWALL_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections_per_client: u32,

    /// Requests worked on at once; more wait up to `PAYWALL_QUEUE_TIMEOUT_MS` for a place, then
    /// are answered 503 with `Retry-After` (load shedding). Health probes are not counted.
    /// Writes queue for the database's one writer behind this door, so more places only add
    /// latency: at twice its capacity a demo checkout's p99 was 3.0 s with 256 places and a
    /// 100 ms wait, 0.2 s with 64 and 50 ms (`cargo xtask bench overload`).
    #[arg(long, env = "PAYWALL_MAX_IN_FLIGHT", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_in_flight: u32,

    /// Milliseconds a request may wait for a place when `PAYWALL_MAX_IN_FLIGHT` are in flight.
    #[arg(long, env = "PAYWALL_QUEUE_TIMEOUT_MS", default_value_t = 50)]
    pub queue_timeout_ms: u64,

    /// Seconds a shutdown (Ctrl-C or SIGTERM) waits for requests in progress before it
    /// closes every connection and exits.
    #[arg(long, env = "PAYWALL_SHUTDOWN_TIMEOUT", default_value_t = 10)]
    pub shutdown_timeout: u64,

    /// Proxies whose `X-Forwarded-For` is believed: comma-separated addresses or CIDR ranges
    /// (`10.0.0.0/8`, `2001:db8::/32`). A request from any other address is identified by its
    /// socket address alone.
    #[arg(long, env = "PAYWALL_TRUSTED_PROXIES", value_delimiter = ',', value_parser = network)]
    pub trusted_proxies: Vec<IpNet>,

    /// How many leading bits of an IPv6 address name one client for the abuse limits. One home
    /// or phone usually gets a whole /64, so counting single addresses would let it rotate
    /// through billions of them.
    #[arg(long, env = "PAYWALL_IPV6_PREFIX", default_value_t = 64, value_parser = clap::value_parser!(u8).range(16..=128))]
    pub ipv6_prefix: u8,
}

/// An address (`10.0.0.1`, a network of one) or a CIDR range (`10.0.0.0/8`).
fn network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is neither an IP address nor a CIDR range"))
}

impl Config {
    /// Every setting at its default, with data kept in `data`, whatever the environment says
    /// (a developer's exported `DATABASE_URL` or `PAYWALL_SMTP_URL` must not reach a test's
    /// fresh server): what tests build on.
    pub fn defaults(data: impl Into<PathBuf>) -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let command = Config::command().mut_args(|arg| arg.env(None::<&str>));
        let matches = command.try_get_matches_from(["paywall-server"]).expect("the defaults parse");
        let mut config = Config::from_arg_matches(&matches).expect("the defaults make a configuration");
        // Read from the environment by their own default expressions, not by clap.
        config.signing.key = None;
        config.stripe.secret_key = None;
        config.stripe.webhook_secrets = Vec::new();
        config.data = data.into();
        config
    }

    /// How long sessions last: a refresh token works [`REFRESH_TOKEN_SECONDS`] unused, and a
    /// session at most the configured number of days.
    pub fn session_lifetime(&self) -> Lifetime {
        Lifetime { idle: REFRESH_TOKEN_SECONDS, absolute: i64::from(self.session_max_days) * 24 * 60 * 60 }
    }

    /// The database URL: the one given, or a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data.join("paywall.db").display()),
        }
    }
}
