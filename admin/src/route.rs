//! The dashboard's pages and their addresses under `/admin/`; moving between them changes
//! the address (so the browser's back button and bookmarks work) without loading the page.

use wasm_bindgen::JsValue;

/// A page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// The numbers.
    Overview,
    /// Every article.
    Articles,
    /// One article, to edit.
    Article(String),
    /// Readers.
    Readers,
    /// One reader.
    Reader(i64),
    /// Offers and the tier ladder.
    Offers,
    /// The meter and gift links.
    Meter,
    /// Outbound webhooks.
    Webhooks,
    /// The audit log.
    Audit,
    /// API keys.
    Keys,
    /// The staff.
    Staff,
}

/// The pages in the navigation, in its order, with their names.
pub const MENU: [(Route, &str); 9] = [
    (Route::Overview, "Overview"),
    (Route::Articles, "Articles"),
    (Route::Readers, "Readers"),
    (Route::Offers, "Offers and tiers"),
    (Route::Meter, "Meter and gift links"),
    (Route::Webhooks, "Webhooks"),
    (Route::Audit, "Audit log"),
    (Route::Keys, "API keys"),
    (Route::Staff, "Staff"),
];

impl Route {
    /// Its address.
    pub fn path(&self) -> String {
        match self {
            Route::Overview => "/admin/".into(),
            Route::Articles => "/admin/articles".into(),
            Route::Article(id) => format!("/admin/articles/{}", crate::api::encode(id)),
            Route::Readers => "/admin/readers".into(),
            Route::Reader(id) => format!("/admin/readers/{id}"),
            Route::Offers => "/admin/offers".into(),
            Route::Meter => "/admin/meter".into(),
            Route::Webhooks => "/admin/webhooks".into(),
            Route::Audit => "/admin/audit".into(),
            Route::Keys => "/admin/api-keys".into(),
            Route::Staff => "/admin/staff".into(),
        }
    }

    /// The page at an address (the overview for any other).
    pub fn parse(path: &str) -> Route {
        let rest = path.trim_start_matches("/admin").trim_matches('/');
        let mut parts = rest.splitn(2, '/');
        match (parts.next().unwrap_or_default(), parts.next()) {
            ("articles", None) => Route::Articles,
            ("articles", Some(id)) => Route::Article(
                js_sys::decode_uri_component(id).ok().and_then(|id| id.as_string()).unwrap_or_default(),
            ),
            ("readers", None) => Route::Readers,
            ("readers", Some(id)) => id.parse().map_or(Route::Readers, Route::Reader),
            ("offers", _) => Route::Offers,
            ("meter", _) => Route::Meter,
            ("webhooks", _) => Route::Webhooks,
            ("audit", _) => Route::Audit,
            ("api-keys", _) => Route::Keys,
            ("staff", _) => Route::Staff,
            _ => Route::Overview,
        }
    }

    /// The page the browser's address names now.
    pub fn current() -> Route {
        let path = web_sys::window().and_then(|window| window.location().pathname().ok()).unwrap_or_default();
        Route::parse(&path)
    }

    /// Puts this page's address in the browser's history.
    pub fn push(&self) {
        if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
            let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&self.path()));
        }
    }
}
