//! What every handler shares, and the sites it serves.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::access::{catalog, meter};
use crate::auth::passkeys::Passkeys;
use crate::auth::providers::Providers;
use crate::auth::publisher::PublisherVerifier;
use crate::auth::{AccessKeys, PasswordHasher, SignInCodes};
use crate::config::Config;
use crate::error;
use crate::http::limits::Limits;
use crate::mail::Mailer;
use crate::money::Payments;
use crate::store;
use crate::widget;

/// What every handler shares.
#[derive(Clone, FromRef)]
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
    /// The WebAuthn relying party, when passkeys are set up.
    pub passkeys: Option<Arc<Passkeys>>,
    /// The OpenID Connect providers readers may sign in with, when there are any.
    pub providers: Option<Arc<Providers>>,
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
