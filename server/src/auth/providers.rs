//! Sign-in with OpenID Connect providers: the authorization code flow with PKCE, `state` and
//! `nonce`, and the ID token's checks (signature from the provider's published keys, issuer,
//! audience, expiry, nonce), all by the `openidconnect` crate on the server's reqwest client.
//! Which reader a provider's identity is, is `store::identities`' to say.

use std::path::Path;
use std::time::Duration;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use paywall_protocol::IdentityProvider;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, StartError};

/// How long a reader has to come back from the provider.
pub const SIGN_IN_SECONDS: i64 = 10 * 60;

/// How long the provider has to answer each request.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// One provider, as the publisher configures it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Its id in the server's paths: lower-case letters, digits and dashes.
    pub id: String,
    /// Its name, as readers know it.
    pub name: String,
    /// Its issuer URL (discovery is at `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    /// The client id the provider gave the publisher.
    pub client_id: String,
    /// The client secret the provider gave the publisher.
    pub client_secret: String,
    /// Whether the provider's `email_verified` is to be believed (default yes). Say `false`
    /// for a provider whose users set their own unchecked addresses (a multi-tenant directory,
    /// say): its emails then join no account.
    #[serde(default = "believed")]
    pub trust_email_verified: bool,
}

fn believed() -> bool {
    true
}

/// What a sign-in keeps while the reader is at the provider.
#[derive(Serialize, Deserialize)]
pub struct Away {
    /// The provider's id.
    pub provider: String,
    /// The PKCE verifier.
    verifier: String,
    /// The nonce the ID token must carry.
    nonce: String,
    /// The article page to come back to.
    pub return_to: String,
    /// The hash of the secret the starting tab keeps: only that tab may take the sign-in.
    pub binding: String,
}

/// Who the provider says the reader is.
pub struct Identity {
    /// The provider's issuer.
    pub issuer: String,
    /// Its id for the reader (`sub`).
    pub subject: String,
    /// Their email, if the provider gave one.
    pub email: Option<String>,
    /// Whether the provider says it verified the email.
    pub email_verified: bool,
}

/// The configured providers.
pub struct Providers {
    list: Vec<Provider>,
    http: reqwest::Client,
}

impl Providers {
    /// The providers in the configured file, or `None` when there is none.
    pub fn from_config(file: Option<&Path>) -> Result<Option<Self>, StartError> {
        let Some(file) = file else { return Ok(None) };
        let text = std::fs::read_to_string(file).map_err(StartError::file("reading", file))?;
        let list: Vec<Provider> = serde_json::from_str(&text)
            .map_err(|error| StartError::invalid("PAYWALL_OIDC_PROVIDERS_FILE", error))?;
        for (index, provider) in list.iter().enumerate() {
            let id_ok = !provider.id.is_empty()
                && provider
                    .id
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
            if !id_ok || list[..index].iter().any(|other| other.id == provider.id) {
                return Err(StartError::Refused(format!(
                    "OIDC provider ids must be unique and made of a-z, 0-9 and -: {:?} is not",
                    provider.id
                )));
            }
            IssuerUrl::new(provider.issuer.clone())
                .map_err(|error| StartError::invalid("PAYWALL_OIDC_PROVIDERS_FILE", error))?;
        }
        let http = reqwest::Client::builder()
            // A provider's answers are never followed elsewhere (the library's own advice).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .map_err(|error| StartError::invalid("PAYWALL_OIDC_PROVIDERS_FILE", error))?;
        Ok((!list.is_empty()).then_some(Providers { list, http }))
    }

    /// The providers as readers see them.
    pub fn public(&self) -> Vec<IdentityProvider> {
        self.list.iter().map(|p| IdentityProvider { id: p.id.clone(), name: p.name.clone() }).collect()
    }

    /// The provider with this id.
    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.list.iter().find(|provider| provider.id == id)
    }

    /// The provider's authorization URL for a sign-in with this `state`, and what to keep
    /// until the reader comes back.
    pub async fn start(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        state: &str,
        return_to: String,
        binding: String,
    ) -> Result<(String, Away), AppError> {
        let metadata = self.discover(provider).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.clone())),
        )
        .set_redirect_uri(redirect(redirect_uri)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = state.to_owned();
        let (url, _, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        let away = Away {
            provider: provider.id.clone(),
            verifier: verifier.into_secret(),
            nonce: nonce.secret().clone(),
            return_to,
            binding,
        };
        Ok((url.to_string(), away))
    }

    /// Trades the provider's code for its ID token and checks it: who the reader is.
    pub async fn finish(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        code: String,
        away: Away,
    ) -> Result<Identity, AppError> {
        let metadata = self.discover(provider).await?;
        let issuer = metadata.issuer().to_string();
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.clone())),
        )
        .set_redirect_uri(redirect(redirect_uri)?);
        let request = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|_| unavailable(provider, "publishes no token endpoint"))?
            .set_pkce_verifier(PkceCodeVerifier::new(away.verifier));
        let answer = request.request_async(&self.http).await.map_err(|error| match error {
            openidconnect::RequestTokenError::ServerResponse(refusal) => {
                tracing::info!(provider = provider.id, error = %refusal, "a provider refused a code");
                AppError::ProviderRefused(format!("{} did not accept this sign-in. Try again.", provider.name))
            }
            other => {
                tracing::warn!(provider = provider.id, error = %crate::error::with_causes(&other), "a provider's token endpoint failed");
                unavailable(provider, "did not answer")
            }
        })?;
        let token = answer
            .id_token()
            .ok_or_else(|| AppError::ProviderRefused(format!("{} sent no ID token.", provider.name)))?;
        let claims = token.claims(&client.id_token_verifier(), &Nonce::new(away.nonce)).map_err(|error| {
            tracing::warn!(provider = provider.id, error = %error, "a provider's ID token failed a check");
            AppError::ProviderRefused(format!(
                "The sign-in from {} failed a check. Try again.",
                provider.name
            ))
        })?;
        Ok(Identity {
            issuer,
            subject: claims.subject().to_string(),
            email: claims.email().map(|email| email.to_string()),
            email_verified: provider.trust_email_verified && claims.email_verified().unwrap_or(false),
        })
    }

    /// The provider's discovery document and keys.
    async fn discover(&self, provider: &Provider) -> Result<CoreProviderMetadata, AppError> {
        let issuer = IssuerUrl::new(provider.issuer.clone())
            .map_err(|error| AppError::internal("an issuer URL", error))?;
        CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|error| {
            tracing::warn!(provider = provider.id, error = %crate::error::with_causes(&error), "a provider's discovery failed");
            unavailable(provider, "is not answering")
        })
    }
}

fn redirect(uri: &str) -> Result<RedirectUrl, AppError> {
    RedirectUrl::new(uri.to_owned()).map_err(|error| AppError::internal("the provider callback's URL", error))
}

fn unavailable(provider: &Provider, what: &str) -> AppError {
    AppError::ProviderUnavailable(format!(
        "{} {what} right now. Try again in a moment, or sign in another way.",
        provider.name
    ))
}
