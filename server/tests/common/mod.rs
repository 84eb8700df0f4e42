//! A paywall server on a real SQLite file in a temporary directory, driven through its router.

#![allow(dead_code)]

pub mod process;
pub mod smtp;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use paywall_server::{AppState, Config};
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

/// The demo article's id, as `index.html` uses it.
pub const ARTICLE: &str = "night-trains-second-act";
/// The demo readers' password.
pub const PASSWORD: &str = "paywall-demo";
/// A reader with an active subscription.
pub const SUBSCRIBER: &str = "subscriber@example.com";
/// A reader with an account and no subscription.
pub const READER: &str = "reader@example.com";

/// A started server and the directory holding its data.
pub struct TestServer {
    pub state: AppState,
    pub app: Router,
    pub dir: TempDir,
}

/// What came back.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.text))
    }

    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(&name).map(|value| value.to_str().unwrap()).unwrap_or("")
    }

    /// Asserts a problem+json error with this status and returns its body.
    pub fn problem(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(self.header(header::CONTENT_TYPE), "application/problem+json");
        let body = self.json();
        assert_eq!(body["status"], status.as_u16());
        assert!(body["title"].is_string() && body["type"].is_string(), "{body}");
        body
    }
}

impl TestServer {
    /// A fresh server in demo mode: the demo article and readers are seeded.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A fresh server in demo mode after `configure` has had its say on the configuration.
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = demo_config(dir.path().join("data"));
        configure(&mut config);
        let state = paywall_server::start(config).await.expect("the server starts");
        let app = paywall_server::app(state.clone());
        TestServer { state, app, dir }
    }

    /// Sends a request from 127.0.0.1 (unless the request names another peer) and reads the
    /// whole reply.
    pub async fn send(&self, mut request: Request<Body>) -> Reply {
        if request.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        }
        let response = self.app.clone().oneshot(request).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("a readable body").to_bytes();
        Reply { status, headers, text: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(request(Method::GET, path, token, None)).await
    }

    pub async fn post_json(&self, path: &str, body: &str) -> Reply {
        self.send(request(Method::POST, path, None, Some(body))).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(request(Method::DELETE, path, token, None)).await
    }

    /// `GET /v1/articles/{ARTICLE}/locked` with this access token.
    pub async fn locked(&self, token: &serde_json::Value) -> Reply {
        self.get(&format!("/v1/articles/{ARTICLE}/locked"), token.as_str()).await
    }

    /// Signs in and returns the session body.
    pub async fn sign_in(&self, email: &str, password: &str) -> Value {
        let body = serde_json::json!({ "email": email, "password": password }).to_string();
        let reply = self.post_json("/v1/sessions", &body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json()
    }

    /// How many rows a table has: to show a refused request wrote nothing.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.state.db).await.unwrap()
    }

    /// Every table of the database and its columns, read from the schema itself (so a table or
    /// column added by a migration is covered without anyone remembering to list it).
    pub async fn schema(&self) -> Vec<(String, Vec<String>)> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(&self.state.db)
        .await
        .unwrap();
        let mut schema = Vec::new();
        for table in tables {
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                    .bind(&table)
                    .fetch_all(&self.state.db)
                    .await
                    .unwrap();
            schema.push((table, columns));
        }
        schema
    }

    /// Every row of every table, every column quoted as SQL (blobs as `X'…'`), in a stable
    /// order: to show a refused request changed nothing.
    pub async fn snapshot(&self) -> String {
        let mut all = String::new();
        for (table, columns) in self.schema().await {
            let row = columns
                .iter()
                .map(|column| format!("quote(\"{column}\")"))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            let order = columns.iter().map(|column| format!("\"{column}\"")).collect::<Vec<_>>().join(", ");
            let rows: Option<String> = sqlx::query_scalar(&format!(
                "SELECT group_concat(r, ';') FROM (SELECT {row} AS r FROM \"{table}\" ORDER BY {order})"
            ))
            .fetch_one(&self.state.db)
            .await
            .unwrap();
            all.push_str(&format!("{table}({}): {}\n", columns.join(","), rows.unwrap_or_default()));
        }
        all
    }
}

/// Asserts that `secret` is stored nowhere in the database: not as text, and not as the bytes
/// of a blob (which the snapshot shows in hex).
pub fn assert_not_stored(snapshot: &str, secret: &str) {
    let hex: String = secret.bytes().map(|byte| format!("{byte:02X}")).collect();
    assert!(!snapshot.contains(&format!("'{secret}'")), "{secret:?} is stored as text: {snapshot}");
    assert!(!snapshot.contains(secret), "{secret:?} is stored: {snapshot}");
    assert!(!snapshot.contains(&hex), "{secret:?} is stored as a blob: {snapshot}");
}

/// The configuration of a demo server keeping its data in `data`, serving this repository's site.
pub fn demo_config(data: impl Into<std::path::PathBuf>) -> Config {
    let mut config = Config::defaults(data);
    config.site = concat!(env!("CARGO_MANIFEST_DIR"), "/..").into();
    config.demo = true;
    config
}

/// A request with an optional bearer token and JSON body.
pub fn request(method: Method, path: &str, token: Option<&str>, body: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    match body {
        Some(body) => {
            builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_owned()))
        }
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

/// Distinctive sentences from each locked section of the demo article.
pub fn locked_phrases() -> Vec<String> {
    let article: Value = serde_json::from_str(include_str!("../../demo/article.json")).unwrap();
    article["sections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|section| section["locked"] == true)
        .map(|section| {
            let html = section["html"].as_str().unwrap();
            // The longest run of text between tags: a sentence no heading repeats.
            let text = html.split(['<', '>']).step_by(2).max_by_key(|text| text.len()).unwrap();
            assert!(text.len() >= 60, "a locked section needs a sentence to look for: {html}");
            text.chars().take(60).collect()
        })
        .collect()
}

/// Asserts that no locked text is in `text`.
pub fn assert_no_locked_text(text: &str) {
    for phrase in locked_phrases() {
        assert!(!text.contains(&phrase), "locked text {phrase:?} leaked into: {text}");
    }
}
