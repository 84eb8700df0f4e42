//! The database: opening and migrating it, and the SQL for each resource, one module each.

pub mod articles;
pub mod codes;
pub mod outbox;
pub mod prune;
pub mod publisher_tokens;
pub mod readers;
pub mod sessions;
pub mod subscriptions;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

/// The connection pool every handler shares.
pub type Db = sqlx::SqlitePool;

/// How many migrations the database has applied.
pub async fn migrations_applied(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success").fetch_one(db).await
}

/// Whether the database answers and has every migration this build knows.
pub async fn is_ready(db: &Db) -> bool {
    let known = i64::try_from(MIGRATIONS.iter().count()).unwrap_or(i64::MAX);
    migrations_applied(db).await.is_ok_and(|applied| applied >= known)
}

/// The migrations compiled into this build.
static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens the database at `url` (creating the file, readable by its owner only, if needed) and
/// brings its schema up to date.
pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?;
    let file = options.get_filename();
    if !url.contains(":memory:") && !url.contains("mode=memory") && !file.exists() {
        // SQLite gives its journal files the database file's permissions.
        crate::auth::secret::write_private(file, b"").map_err(sqlx::Error::Io)?;
    }
    let options = options
        .create_if_missing(true)
        .foreign_keys(true)
        // WAL lets readers go on while a sign-in writes.
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(5));
    let db = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
    MIGRATIONS.run(&db).await?;
    Ok(db)
}
