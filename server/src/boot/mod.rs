//! Starting the server: the data directory, the migrated database, the signing key, the demo;
//! then serving until asked to stop, with the background jobs (pruning, outbound webhooks).

pub mod demo;
pub mod signing_key;

use std::sync::Arc;

use crate::access::meter;
use crate::auth::passkeys::Passkeys;
use crate::auth::providers::Providers;
use crate::auth::publisher::{self, PublisherVerifier};
use crate::auth::{AccessKeys, PasswordHasher, SignInCodes};
use crate::config::Config;
use crate::error::{self, StartError};
use crate::files;
use crate::http::connections;
use crate::http::limits::Limits;
use crate::mail::Mailer;
use crate::money::{self, Payments};
use crate::publishing::webhooks;
use crate::routes::app;
use crate::state::AppState;
use crate::store;
use crate::time;
use crate::widget;

/// Creates the data directory and the database if missing and brings the schema up to date,
/// then stops: what `paywall-server migrate` does in a deploy pipeline.
pub async fn migrate(config: &Config) -> Result<(), StartError> {
    files::create_private_dir(&config.data)
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
    demo::check_demo_address(&config)?;
    files::create_private_dir(&config.data)
        .map_err(StartError::file("preparing the data directory", &config.data))?;
    let db = store::open(&config.database_url()).await?;
    let signing_key::Agreed { secret, fingerprint } = signing_key::agree(&db, &config).await?;
    let keys = Arc::new(AccessKeys::from_secret(&secret));
    let codes = SignInCodes::from_secret(&secret);
    let meter = Arc::new(meter::Meter::from_secret(&secret));
    let passwords = PasswordHasher::new().map_err(StartError::Hashing)?;
    let mailer = Arc::new(Mailer::from_config(&config)?);
    let publisher = match (&config.publisher.key_file, &config.publisher.issuer) {
        (Some(path), Some(issuer)) => {
            let expected = publisher::Expectations {
                issuer: issuer.clone(),
                audience: config.publisher.audience.clone(),
                tier_claim: config.publisher.tier_claim.clone(),
                max_lifetime: config.publisher.token_max_seconds,
                require_token_id: config.publisher.require_jti,
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
    if config.demo.on {
        demo::seed(&db).await?;
    } else {
        demo::remove(&db).await?;
    }
    let limits = Limits::new(&db);
    let widget = widget_files(&config)?;
    let payments = payments_from(&config)?;
    let passkeys = Passkeys::from_config(&config)?.map(Arc::new);
    let providers = Providers::from_config(config.sign_in.oidc_providers_file.as_deref())?.map(Arc::new);
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
        passkeys,
        providers,
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
    connections::serve(
        listener,
        app(state),
        connections::Deadlines::from_config(&config),
        connections::Capacity::from_config(&config),
        std::time::Duration::from_secs(config.connections.shutdown_timeout),
        connections::shutdown_signal(),
    )
    .await;
    pruning.abort();
    webhooks.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Stripe, when its secret key is set (it then needs the webhook secret too); in demo mode
/// without one, the demo's own provider.
fn payments_from(config: &Config) -> Result<Option<Arc<Payments>>, StartError> {
    let Some(key) = &config.stripe.secret_key else {
        if !config.demo.on {
            return Ok(None);
        }
        let demo = money::demo::Demo::new();
        let webhook_secrets = vec![demo.secret().to_owned()];
        return Ok(Some(Arc::new(Payments { provider: money::Provider::Demo(demo), webhook_secrets })));
    };
    if config.stripe.webhook_secrets.is_empty() {
        return Err(StartError::Refused(
            "PAYWALL_STRIPE_WEBHOOK_SECRET must be set with PAYWALL_STRIPE_SECRET_KEY: without it no payment would ever \
             reach a subscription"
                .into(),
        ));
    }
    let stripe = money::stripe::Stripe::new(&config.stripe.api, key)
        .map_err(|error| StartError::Invalid { setting: "PAYWALL_STRIPE_API", source: error.into() })?;
    Ok(Some(Arc::new(Payments {
        provider: money::Provider::Stripe(stripe),
        webhook_secrets: config.stripe.webhook_secrets.clone(),
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
