//! The embed's configuration, read once from the loader's script tag into a typed struct.

use paywall_protocol::DEFAULT_SUBSCRIBE_URL;
use web_sys::{Element, HtmlScriptElement, Url};

use crate::error::Error;

/// How the widget is set up on this page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The paywall API's base URL, absolute, without a trailing slash.
    pub api: String,
    /// Where the Subscribe button leads (`data-paywall-subscribe-url`).
    pub subscribe_url: String,
    /// The language (`data-paywall-locale`), if the embed names one.
    pub locale: Option<String>,
    /// `light`, `dark` or `auto` (`data-paywall-theme`), if the embed names one.
    pub theme: Option<String>,
}

impl Config {
    /// A configuration from an API base URL (resolved against `base`) and a subscribe URL.
    pub fn new(api: &str, base: &str, subscribe_url: Option<&str>) -> Result<Self, Error> {
        let url = Url::new_with_base(api, base)
            .map_err(|_| Error::Config(format!("data-paywall-api=\"{api}\" is not a URL")))?;
        if url.protocol() != "https:" && url.protocol() != "http:" {
            return Err(Error::Config(format!("data-paywall-api=\"{api}\" must be an http(s) URL")));
        }
        let api = format!("{}{}", url.origin(), url.pathname().trim_end_matches('/'));
        Ok(Config {
            api,
            subscribe_url: subscribe_url
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .unwrap_or(DEFAULT_SUBSCRIBE_URL)
                .to_owned(),
            locale: None,
            theme: None,
        })
    }

    /// The configuration a publisher wrote on the loader's script tag:
    /// `data-paywall-api` (default: the script's own origin) and `data-paywall-subscribe-url`.
    pub fn from_script(script: &HtmlScriptElement) -> Result<Self, Error> {
        let src = script.src();
        if src.is_empty() {
            return Err(Error::Config("the paywall script tag has no src".into()));
        }
        let api = script.get_attribute("data-paywall-api").unwrap_or_else(|| "/".into());
        let api = if api.trim().is_empty() { "/".to_owned() } else { api };
        let mut config =
            Self::new(&api, &src, script.get_attribute("data-paywall-subscribe-url").as_deref())?;
        config.locale = script.get_attribute("data-paywall-locale");
        config.theme = script.get_attribute("data-paywall-theme");
        Ok(config)
    }

    /// This configuration as one article's container refines it: the container's own
    /// `data-paywall-*` attributes win over the script tag's.
    pub fn for_container(&self, container: &Element) -> Config {
        let own = |name: &str| container.get_attribute(name).filter(|value| !value.trim().is_empty());
        Config {
            api: self.api.clone(),
            subscribe_url: own("data-paywall-subscribe-url").unwrap_or_else(|| self.subscribe_url.clone()),
            locale: own("data-paywall-locale").or_else(|| self.locale.clone()),
            theme: own("data-paywall-theme").or_else(|| self.theme.clone()),
        }
    }

    /// The language to speak: the embed's, else the page's `<html lang>`, else the browser's.
    pub fn language(&self) -> String {
        let page = || {
            let lang = web_sys::window()?.document()?.document_element()?.get_attribute("lang")?;
            Some(lang).filter(|lang| !lang.trim().is_empty())
        };
        let browser = || web_sys::window()?.navigator().language();
        self.locale.clone().or_else(page).or_else(browser).unwrap_or_else(|| "en".into())
    }
}
