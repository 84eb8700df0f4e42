//! The database: SQLite (one file, the default) or PostgreSQL (any number of servers on one
//! database), chosen by the URL's scheme; opening and migrating it, and the SQL for each
//! resource, one module each.
//!
//! Every store function takes a [`Db`] and owns its transaction if it needs one: callers never
//! hold a transaction open across code of their own. The SQL is written once: both databases
//! read `$1`-style placeholders, `TRUE`/`FALSE`, `ON CONFLICT … RETURNING` and
//! `IS DISTINCT FROM` alike, and [`with_pool!`] compiles each function's body once per
//! database, so each gets its own concrete types (no `Any` driver, no generic bounds). Where
//! the two differ (the schema, how a writing transaction starts, job locks), the difference
//! is spelled out beside the code. Each database has its own migrations folder.

pub mod api_keys;
pub mod articles;
pub mod audit;
pub mod ceremonies;
pub mod codes;
pub mod db;
pub mod events;
pub mod gifts;
pub mod identities;
pub mod jobs;
pub mod meter;
pub mod offers;
pub mod outbox;
pub mod passkeys;
pub mod payments;
pub mod prune;
pub mod publisher;
pub mod rate_limits;
pub mod readers;
pub mod readers_csv;
pub mod server_keys;
pub mod sessions;
pub mod staff;
pub mod stats;
pub mod subscriptions;
pub mod tiers;
pub mod webhooks;

pub use db::{BeginWrite, Db, is_ready, migrations_applied, with_pool};

/// Opens the database at `url` (`sqlite:` or `postgres:`) and brings its schema up to date.
/// A SQLite file is created if missing, readable by its owner only.
pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
    let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Db::Postgres(db::open_postgres(url).await?)
    } else {
        Db::Sqlite(db::open_sqlite(url).await?)
    };
    let migrator = db.migrator();
    with_pool!(&db, |pool| migrator.run(pool).await)?;
    meter::define_count_function(&db).await?;
    articles::fill_etags(&db).await?;
    Ok(db)
}
