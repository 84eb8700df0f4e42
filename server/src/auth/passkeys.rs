//! Passkeys: the server as the WebAuthn relying party of the publisher's site. The widget runs
//! in the publisher's pages, so a passkey belongs to their site (`PAYWALL_PASSKEY_RP_ID`), and
//! only pages on the origins allowed for it may make or use one. The ceremonies themselves are
//! webauthn-rs's; their state waits in the database between the two requests of each.

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

use crate::config::Config;
use crate::error::{AppError, StartError};

/// How long a reader has to answer a passkey challenge.
pub const CEREMONY_SECONDS: i64 = 5 * 60;

/// The relying party: which site passkeys are for, and the pages that may use them.
pub struct Passkeys {
    webauthn: Webauthn,
    rp_id: String,
    origins: Vec<String>,
}

impl Passkeys {
    /// The relying party configured, or `None` when passkeys are off. Every origin must be on
    /// the relying party's site, and there must be one: otherwise no page could use them.
    pub fn from_config(config: &Config) -> Result<Option<Self>, StartError> {
        let Some(rp_id) = config.sign_in.passkey_rp_id.as_deref().map(str::trim).filter(|id| !id.is_empty())
        else {
            return Ok(None);
        };
        let rp_id = rp_id.to_ascii_lowercase();
        let named = &config.sign_in.passkey_origins;
        let origins: Vec<String> = if named.is_empty() {
            config
                .cors_origins
                .iter()
                .map(|origin| bare(origin))
                .filter(|origin| on_site(origin, &rp_id))
                .collect()
        } else {
            named.iter().map(|origin| bare(origin)).filter(|origin| !origin.is_empty()).collect()
        };
        if origins.is_empty() {
            return Err(StartError::Refused(format!(
                "PAYWALL_PASSKEY_RP_ID is {rp_id}, but no page origin on that site is allowed: set \
                 PAYWALL_PASSKEY_ORIGINS (like https://{rp_id}) or add one to PAYWALL_CORS_ORIGINS"
            )));
        }
        let mut urls = Vec::with_capacity(origins.len());
        for origin in &origins {
            let url =
                Url::parse(origin).map_err(|error| StartError::invalid("PAYWALL_PASSKEY_ORIGINS", error))?;
            if !on_site(origin, &rp_id) {
                return Err(StartError::Refused(format!(
                    "the passkey origin {origin} is not on the site {rp_id} (PAYWALL_PASSKEY_RP_ID)"
                )));
            }
            urls.push(url);
        }
        let mut builder = WebauthnBuilder::new(&rp_id, &urls[0])
            .map_err(|error| StartError::invalid("PAYWALL_PASSKEY_RP_ID", error))?
            .rp_name(&config.publication);
        for url in &urls[1..] {
            builder = builder.append_allowed_origin(url);
        }
        let webauthn =
            builder.build().map_err(|error| StartError::invalid("PAYWALL_PASSKEY_RP_ID", error))?;
        Ok(Some(Passkeys { webauthn, rp_id, origins }))
    }

    /// The ceremonies.
    pub fn webauthn(&self) -> &Webauthn {
        &self.webauthn
    }

    /// The site passkeys are for.
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// Refuses a page (by its `Origin` header) that may not use passkeys, saying which site
    /// they are for. A request without the header (not from a browser) is let through:
    /// webauthn-rs checks the origin the browser signed into the answer all the same.
    pub fn check_page(&self, origin: Option<&str>) -> Result<(), AppError> {
        match origin {
            Some(origin) if !self.origins.iter().any(|allowed| allowed == origin) => {
                Err(AppError::PasskeyWrongSite(format!(
                    "Passkeys here are for {}; this page is on {origin}.",
                    self.rp_id
                )))
            }
            _ => Ok(()),
        }
    }
}

/// An origin as a browser writes it: no trailing slash, no spaces.
fn bare(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Whether `origin`'s host is `rp_id` or a host under it.
fn on_site(origin: &str, rp_id: &str) -> bool {
    let host = Url::parse(origin).ok().and_then(|url| url.host_str().map(str::to_owned));
    host.is_some_and(|host| host == rp_id || host.ends_with(&format!(".{rp_id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_is_on_its_own_site_and_its_parents_but_not_a_lookalike() {
        assert!(on_site("https://news.example", "news.example"));
        assert!(on_site("https://www.news.example", "news.example"));
        assert!(on_site("http://localhost:8081", "localhost"));
        assert!(!on_site("https://badnews.example", "news.example"));
        assert!(!on_site("https://news.example.evil", "news.example"));
        assert!(!on_site("not a url", "news.example"));
    }
}
