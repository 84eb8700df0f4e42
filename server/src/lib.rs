//! The reference paywall server: articles, readers, subscriptions and sessions in SQLite or
//! PostgreSQL,
//! behind the JSON API the widget calls, plus the demo site's files.
//!
//! `main.rs` parses a [`Config`], calls [`start`] and [`serve`]; tests call [`start`] and
//! drive [`app`] without a socket.

pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
mod demo;
pub mod entitlement;
pub mod error;
mod extract;
pub mod import;
pub mod limits;
pub mod mail;
pub mod members;
pub mod meter;
pub mod payments;
pub mod random;
mod routes;
pub mod sanitize;
mod serve;
pub mod startup;
pub mod store;
pub mod time;
pub mod webhooks;
pub mod widget;

use std::sync::Arc;

pub use config::Config;
pub use routes::{MAX_ADMIN_BODY_BYTES, MAX_BODY_BYTES, app};
pub use startup::StartError;

use auth::publisher::PublisherVerifier;
use auth::{AccessKeys, PasswordHasher, SignInCodes};
use limits::Limits;
use mail::Mailer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub db: store::Db,
    /// The access-token signing key.
    pub keys: Arc<AccessKeys>,
    /// The password checker.
    pub passwords: PasswordHasher,
    /// Sign-in codes and links: issued, checked and redeemed.
    pub codes: SignInCodes,
    /// Where sign-in emails go.
    pub mailer: Arc<Mailer>,
    /// Abuse limits.
    pub limits: Arc<Limits>,
    /// The publisher-token checker, when one is configured.
    pub publisher: Option<Arc<PublisherVerifier>>,
    /// The payment provider and its webhook secrets, when selling is set up.
    pub payments: Option<Arc<Payments>>,
    /// The server's public URL, for links in emails (no trailing slash).
    pub public_url: Arc<str>,
    /// The signing key's fingerprint, when the database records the one the servers share.
    pub key_fingerprint: Option<Arc<[u8]>>,
    /// The widget's files, if this server has them.
    pub widget: Option<Arc<widget::Widget>>,
    /// The meter: free articles for readers without a subscription.
    pub meter: Arc<meter::Meter>,
    /// The articles the locked-sections request read lately.
    pub catalog: Arc<catalog::Catalog>,
    /// How the server was configured.
    pub config: Arc<Config>,
}

impl AppState {
    /// The origins an emailed sign-in link may lead back to: this server's own and the
    /// configured publisher origins. Nowhere else, or the link would be an open redirect.
    pub fn return_origins(&self) -> Vec<String> {
        let own = self
            .public_url
            .parse::<axum::http::Uri>()
            .ok()
            .and_then(|uri| Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?)));
        let publishers =
            self.config.cors_origins.iter().map(|origin| origin.trim().trim_end_matches('/').to_owned());
        own.into_iter().chain(publishers).filter(|origin| !origin.is_empty()).collect()
    }

    /// Whether pages of `origin` (as a browser's `Origin` header names it) may use the API: it
    /// is one of the configured publisher origins.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.config.cors_origins.iter().any(|allowed| allowed.trim().trim_end_matches('/') == origin)
    }

    /// `url` if it is a page on one of [`Self::return_origins`]: where a reader may be sent
    /// back to. Anywhere else would make the server an open redirect.
    pub fn page_on_allowed_site(&self, url: &str) -> Result<String, error::AppError> {
        let refused = || {
            error::AppError::InvalidInput(
                "return_to must be a page of this site or a configured publisher site.".into(),
            )
        };
        let uri: axum::http::Uri = url.trim().parse().map_err(|_| refused())?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(refused());
        };
        let origin = format!("{scheme}://{authority}");
        let allowed = self.return_origins().contains(&origin) && matches!(scheme, "http" | "https");
        if allowed { Ok(url.trim().to_owned()) } else { Err(refused()) }
    }
}

/// Creates the data directory and the database if missing and brings the schema up to date,
/// then stops: what `paywall-server migrate` does in a deploy pipeline.
pub async fn migrate(config: &Config) -> Result<(), StartError> {
    startup::create_private_dir(&config.data)
        .map_err(StartError::file("preparing the data directory", &config.data))?;
    let db = store::open(&config.database_url()).await?;
    let applied = store::migrations_applied(&db).await?;
    tracing::info!(applied, "the database schema is up to date");
    db.close().await;
    Ok(())
}

/// Everything the server needs before it can answer: the data directory, the migrated
/// database, the signing key, and (in demo mode) the demo article and readers.
pub async fn start(config: Config) -> Result<AppState, StartError> {
    startup::check_demo_address(&config)?;
    startup::create_private_dir(&config.data)
        .map_err(StartError::file("preparing the data directory", &config.data))?;
    let db = store::open(&config.database_url()).await?;
    let auth::secret::Agreed { secret, fingerprint } = auth::secret::agree(&db, &config).await?;
    let keys = Arc::new(AccessKeys::from_secret(&secret));
    let codes = SignInCodes::from_secret(&secret);
    let meter = Arc::new(meter::Meter::from_secret(&secret));
    let passwords = PasswordHasher::new().map_err(StartError::Hashing)?;
    let mailer = Arc::new(Mailer::from_config(&config)?);
    let publisher = match (&config.publisher_key_file, &config.publisher_issuer) {
        (Some(path), Some(issuer)) => {
            let expected = auth::publisher::Expectations {
                issuer: issuer.clone(),
                audience: config.publisher_audience.clone(),
                tier_claim: config.publisher_tier_claim.clone(),
                max_lifetime: config.publisher_token_max_seconds,
                require_token_id: config.publisher_require_jti,
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
            return Err(StartError::Refused("PAYWALL_PUBLISHER_ISSUER must be set with the key".into()));
        }
        _ => None,
    };
    if config.demo {
        demo::seed(&db).await?;
    } else {
        demo::remove(&db).await?;
    }
    let limits = Limits::new(&db);
    let widget = widget_files(&config)?;
    let payments = payments_from(&config)?;
    Ok(AppState {
        db,
        keys,
        passwords,
        codes,
        mailer,
        limits,
        widget: widget.map(Arc::new),
        key_fingerprint: fingerprint.map(Arc::from),
        publisher,
        payments,
        public_url: public_url(&config, config.addr).into(),
        meter,
        catalog: Arc::default(),
        config: Arc::new(config),
    })
}

/// Serves the app on the configured address until Ctrl-C or SIGTERM, printing the address it
/// bound, prunes what is no longer needed on a schedule, and sends the publisher's webhooks.
pub async fn serve(mut state: AppState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.addr).await?;
    let addr = listener.local_addr()?;
    // With port 0 the address is known only now.
    state.public_url = public_url(&state.config, addr).into();
    // Tests and `cargo xtask demo` read this line to learn the port.
    println!("paywall-server listening on http://{addr}");
    let pruning = tokio::spawn(prune_every(state.clone()));
    let webhooks = tokio::spawn(webhooks::deliver_every_second(state.db.clone()));
    let config = state.config.clone();
    serve::serve(
        listener,
        app(state),
        serve::Deadlines::from_config(&config),
        serve::Capacity::from_config(&config),
        std::time::Duration::from_secs(config.shutdown_timeout),
        serve::shutdown_signal(),
    )
    .await;
    pruning.abort();
    webhooks.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Selling through a payment provider, and how its webhooks are checked.
#[derive(Debug)]
pub struct Payments {
    /// The provider.
    pub provider: payments::Provider,
    /// The webhook signing secrets (more than one while rolling).
    pub webhook_secrets: Vec<String>,
}

/// Stripe, when its secret key is set (it then needs the webhook secret too); in demo mode
/// without one, the demo's own provider.
fn payments_from(config: &Config) -> Result<Option<Arc<Payments>>, StartError> {
    let Some(key) = &config.stripe_secret_key else {
        if !config.demo {
            return Ok(None);
        }
        let demo = payments::demo::Demo::new();
        let webhook_secrets = vec![demo.secret().to_owned()];
        return Ok(Some(Arc::new(Payments { provider: payments::Provider::Demo(demo), webhook_secrets })));
    };
    if config.stripe_webhook_secrets.is_empty() {
        return Err(StartError::Refused(
            "PAYWALL_STRIPE_WEBHOOK_SECRET must be set with PAYWALL_STRIPE_SECRET_KEY: without it no payment would ever \
             reach a subscription"
                .into(),
        ));
    }
    let stripe = payments::stripe::Stripe::new(&config.stripe_api, key)
        .map_err(|error| StartError::Invalid { setting: "PAYWALL_STRIPE_API", source: error.into() })?;
    Ok(Some(Arc::new(Payments {
        provider: payments::Provider::Stripe(stripe),
        webhook_secrets: config.stripe_webhook_secrets.clone(),
    })))
}

/// The widget's files: from the directory configured for development, else those built into
/// the binary, else (a server built before the widget) from the site directory, if there.
fn widget_files(config: &Config) -> Result<Option<widget::Widget>, StartError> {
    if let Some(dir) = &config.widget_dir {
        let widget =
            widget::Widget::from_dir(dir).map_err(StartError::file("reading the widget from", dir))?;
        tracing::info!(dir = %dir.display(), "serving the widget from disk");
        return Ok(Some(widget));
    }
    if let Some(widget) = widget::Widget::embedded() {
        return Ok(Some(widget));
    }
    let site = config.site.join("www");
    match widget::Widget::from_dir(&site) {
        Ok(widget) => {
            tracing::warn!(dir = %site.display(), "this binary was built without the widget; serving it from disk");
            Ok(Some(widget))
        }
        Err(_) => {
            tracing::warn!(
                "this binary was built without the widget and none is built on disk: run `cargo xtask size`"
            );
            Ok(None)
        }
    }
}

/// The server's public address, for links in emails: the one configured (without a trailing
/// slash), else `http://` and the address it listens on.
fn public_url(config: &Config, listening: std::net::SocketAddr) -> String {
    match &config.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("http://{listening}"),
    }
}

/// Forgets idle rate-limit keys every `prune_every` seconds, and prunes the tables when it is
/// this server's turn: of several servers on one database, one prunes each period.
async fn prune_every(state: AppState) {
    let period = state.config.prune_every;
    let mut every = tokio::time::interval(std::time::Duration::from_secs(period));
    loop {
        every.tick().await;
        state.limits.forget_idle();
        let now = time::now();
        let pruned = match store::jobs::claim(
            &state.db,
            "prune",
            now,
            i64::try_from(period).unwrap_or(i64::MAX),
        )
        .await
        {
            Ok(true) => store::prune::run(&state.db, now).await,
            Ok(false) => continue,
            Err(error) => Err(error),
        };
        match pruned {
            Ok(pruned) if pruned.total() > 0 => tracing::info!(?pruned, "pruned"),
            Ok(_) => {}
            Err(error) => tracing::error!(error = %error::with_causes(&error), "pruning failed"),
        }
    }
}
