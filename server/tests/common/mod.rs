//! A paywall server on a real database, driven through its router: a SQLite file in a
//! temporary directory, or, when `PAYWALL_TEST_POSTGRES` names a PostgreSQL server
//! (`postgres://user@127.0.0.1:port`, as `cargo xtask test` sets it on its second run), a
//! database of its own on that server.

#![allow(dead_code)]

pub mod process;
pub mod receiver;
pub mod smtp;
pub mod stripe;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use paywall_server::store::Db;
pub use paywall_server::with_pool;
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
        let derived = config.database_url.clone();
        configure(&mut config);
        // A test that moved the data directory means that directory's database too.
        if config.database_url == derived {
            config.database_url = database_url_for(&config.data);
        }
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

    /// A Stripe event (its body and `Stripe-Signature`) posted to the webhook, as Stripe posts it.
    pub async fn stripe_event(&self, (body, signature): (String, String)) -> Reply {
        let request = Request::post("/v1/webhooks/stripe")
            .header(header::CONTENT_TYPE, "application/json")
            .header("stripe-signature", signature)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// A live admin key, stored as `paywall-server api-key create` stores it.
    pub async fn admin_key(&self) -> String {
        admin_key_in(&self.state.db).await
    }

    /// An admin request with `key` and perhaps a JSON body.
    pub async fn admin(&self, method: Method, path: &str, key: &str, body: Option<Value>) -> Reply {
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {key}"));
        let request = match body {
            Some(body) => {
                builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string()))
            }
            None => builder.body(Body::empty()),
        };
        self.send(request.unwrap()).await
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
        count_where(&self.state.db, table, "TRUE").await
    }

    /// How many rows of a table match a condition.
    pub async fn count_where(&self, table: &str, condition: &str) -> i64 {
        count_where(&self.state.db, table, condition).await
    }

    /// The one text value (or NULL) a query returns.
    pub async fn text(&self, sql: &str) -> Option<String> {
        with_pool!(&self.state.db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await.unwrap())
    }

    /// Runs a statement that needs no parameters (test set-up: moving times, changing rows).
    pub async fn exec(&self, sql: &str) -> u64 {
        exec(&self.state.db, sql).await
    }

    /// Every table of the database and its columns, read from the schema itself (so a table or
    /// column added by a migration is covered without anyone remembering to list it).
    pub async fn schema(&self) -> Vec<(String, Vec<String>)> {
        let schema = schema(&self.state.db).await;
        schema
            .into_iter()
            .map(|(table, columns)| (table, columns.into_iter().map(|c| c.name).collect()))
            .collect()
    }

    /// Every row of every table, every column quoted as SQL (blobs as `X'…'` in upper-case
    /// hex), in a stable order: to show a refused request changed nothing. Rate-limit counts
    /// are left out: counting a refused request is what they are for (the limits' tests look
    /// at them).
    pub async fn snapshot(&self) -> String {
        let mut all = String::new();
        for (table, columns) in schema(&self.state.db).await {
            if table == "rate_limits" {
                continue;
            }
            let names: Vec<String> = columns.iter().map(|column| column.name.clone()).collect();
            let order = names.iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ");
            let quoted = |column: &Column| match (&self.state.db, column.class) {
                (Db::Sqlite(_), _) => format!("quote(\"{}\")", column.name),
                (Db::Postgres(_), "bytes") => {
                    format!("COALESCE('X''' || upper(encode(\"{}\", 'hex')) || '''', 'NULL')", column.name)
                }
                (Db::Postgres(_), _) => format!("quote_nullable(\"{}\")", column.name),
            };
            let row = columns.iter().map(quoted).collect::<Vec<_>>().join(" || ',' || ");
            let aggregate = match &self.state.db {
                Db::Sqlite(_) => "group_concat",
                Db::Postgres(_) => "string_agg",
            };
            let sql = format!(
                "SELECT {aggregate}(r, ';') FROM (SELECT {row} AS r FROM \"{table}\" ORDER BY {order}) t"
            );
            let rows: Option<String> =
                with_pool!(&self.state.db, |pool| sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap());
            all.push_str(&format!("{table}({}): {}\n", names.join(","), rows.unwrap_or_default()));
        }
        all
    }
}

/// A live admin key in `db`, stored as `paywall-server api-key create` stores it.
pub async fn admin_key_in(db: &Db) -> String {
    let key = paywall_server::auth::admin::NewKey::generate();
    let actor = paywall_server::store::audit::Actor::command_line();
    let audit = paywall_server::store::audit::Entry {
        actor: &actor,
        action: "api_key.create",
        target: String::new(),
        detail: String::new(),
    };
    paywall_server::store::api_keys::create(db, "cms", &key.prefix, &key.hash, None, None, &audit)
        .await
        .unwrap();
    key.key
}

/// How many rows of a table match a condition.
pub async fn count_where(db: &Db, table: &str, condition: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {condition}");
    with_pool!(db, |pool| sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap())
}

/// Runs a statement that needs no parameters; returns how many rows it changed.
pub async fn exec(db: &Db, sql: &str) -> u64 {
    with_pool!(db, |pool| sqlx::query(sql).execute(pool).await.unwrap().rows_affected())
}

/// The database of a server (a process) keeping its data in `data`.
pub async fn database_of(data: &std::path::Path) -> Db {
    let sqlite = || format!("sqlite://{}", data.join("paywall.db").display());
    paywall_server::store::open(&database_url_for(data).unwrap_or_else(sqlite)).await.unwrap()
}

/// A column as both databases' schemas can be compared: its name, a type class, and
/// whether it may be NULL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub class: &'static str,
    pub nullable: bool,
}

/// Every table (but the migrations' own) and its columns in order, read from the database.
pub async fn schema(db: &Db) -> Vec<(String, Vec<Column>)> {
    let class = |declared: &str| match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "integer",
        "text" => "text",
        "blob" | "bytea" => "bytes",
        "boolean" => "boolean",
        other => panic!("a column type the stores do not use: {other}"),
    };
    let tables: Vec<String> = match db {
        Db::Sqlite(pool) => sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
              AND name <> '_sqlx_migrations' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        Db::Postgres(pool) => sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables
              WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' ORDER BY table_name",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    let mut schema = Vec::new();
    for table in tables {
        let columns: Vec<(String, String, bool)> = match db {
            Db::Sqlite(pool) => sqlx::query_as(
                "SELECT name, type, NOT \"notnull\" AND NOT pk FROM pragma_table_info($1) ORDER BY cid",
            )
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap(),
            Db::Postgres(pool) => sqlx::query_as(
                "SELECT column_name::text, data_type::text, is_nullable = 'YES' FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap(),
        };
        let columns = columns
            .into_iter()
            .map(|(name, declared, nullable)| Column { name, class: class(&declared), nullable })
            .collect();
        schema.push((table, columns));
    }
    schema
}

/// The PostgreSQL server this run uses instead of SQLite, if any.
pub fn postgres() -> Option<String> {
    std::env::var("PAYWALL_TEST_POSTGRES").ok().filter(|url| !url.is_empty())
}

/// The database for a server keeping its data in `data`: `None` (a SQLite file there) unless
/// this run uses PostgreSQL; then a database named after the directory, so that a server
/// restarted on the same directory finds its data (the server creates it when missing).
pub fn database_url_for(data: &std::path::Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let server = postgres()?;
    let digest = Sha256::digest(data.as_os_str().as_encoded_bytes());
    let name: String = digest[..8].iter().map(|byte| format!("{byte:02x}")).collect();
    Some(format!("{}/t{name}", server.trim_end_matches('/')))
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
    let data = data.into();
    let mut config = Config::defaults(&data);
    config.database_url = database_url_for(&data);
    config.site = concat!(env!("CARGO_MANIFEST_DIR"), "/..").into();
    config.demo.on = true;
    config
}

/// `config` on a SQLite file in its data directory, whatever database the run uses: for what
/// only SQLite has (the database's files and their permissions, the key file beside them).
pub fn on_sqlite(mut config: Config) -> Config {
    config.database_url = None;
    config
}

/// A signing key for tests that need to know it: random-looking, as the server requires.
pub const SIGNING_KEY: &str = "6Qx1VvR0m3pJbYk2s8ZfT9wLhN4cA7uE5gKdPq0oXyIrSt1W";

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
    let demo = include_str!("../../demo/article.html");
    let article = paywall_server::publishing::import::parse(
        std::path::Path::new("article.html"),
        demo,
        &Default::default(),
    )
    .unwrap();
    article
        .sections
        .iter()
        .map(|(_, html)| {
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
