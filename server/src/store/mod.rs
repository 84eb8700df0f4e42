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
pub mod codes;
pub mod gifts;
pub mod jobs;
pub mod members;
pub mod meter;
pub mod offers;
pub mod outbox;
pub mod payments;
pub mod prune;
pub mod publisher;
pub mod rate_limits;
pub mod readers;
pub mod server_keys;
pub mod sessions;
pub mod stats;
pub mod subscriptions;
pub mod tiers;
pub mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

/// The connection pool every handler shares.
#[derive(Clone, Debug)]
pub enum Db {
    /// A SQLite file: one server.
    Sqlite(SqlitePool),
    /// A PostgreSQL database: any number of servers.
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the pool of whichever database `$db` is: the body is
/// compiled once per database. Exported for tests that set up rows directly.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}
pub use with_pool;

/// Runs `$body`, a statement that counts rows and writes only if there is room, with
/// `$executor` bound so that no other such statement for the same `$key` runs at once. SQLite
/// runs one write at a time already. PostgreSQL reads each statement's count as it was when
/// the statement began, so two at once would both see room: there the statement runs in a
/// transaction holding an advisory lock named by the key.
macro_rules! one_at_a_time {
    ($db:expr, $key:expr, |$executor:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite(pool) => {
                let $executor = pool;
                $body
            }
            $crate::store::Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind($key)
                    .execute(&mut *tx)
                    .await?;
                let result = {
                    let $executor = &mut *tx;
                    $body
                };
                tx.commit().await?;
                result
            }
        }
    };
}
pub(crate) use one_at_a_time;

/// Starting a transaction that will write.
pub trait BeginWrite {
    /// The database.
    type Database: sqlx::Database;

    /// Begins a transaction that will write.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>> + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;

    /// `BEGIN IMMEDIATE`: a transaction that reads and then writes takes SQLite's one write lock
    /// first, so two of them queue instead of one failing as busy when it tries to write.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;

    /// PostgreSQL locks rows as statements touch them; READ COMMITTED is enough for every
    /// transaction here (each re-checks its conditions in the `UPDATE … WHERE` it runs).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// A subscription's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Paid up: opens its tier until the period ends.
    Active,
    /// In a free trial: opens its tier.
    Trialing,
    /// A payment failed and is being retried: still opens its tier (a grace period).
    PastDue,
    /// Payments failed and stopped being retried: closed.
    Unpaid,
    /// Ended.
    Canceled,
    /// The first payment has not gone through yet: closed.
    Incomplete,
    /// The first payment never went through: closed.
    IncompleteExpired,
    /// Paused by the publisher at the provider: closed.
    Paused,
}

/// Where a subscription comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SubscriptionSource {
    /// Sold here.
    Paywall,
    /// Asserted by the publisher's token.
    Publisher,
    /// Given by the publisher through the admin API.
    Complimentary,
    /// Moved over from another system (`readers import`).
    Import,
}

impl From<SubscriptionStatus> for paywall_protocol::admin::SubscriptionStatus {
    fn from(status: SubscriptionStatus) -> Self {
        match status {
            SubscriptionStatus::Active => Self::Active,
            SubscriptionStatus::Trialing => Self::Trialing,
            SubscriptionStatus::PastDue => Self::PastDue,
            SubscriptionStatus::Unpaid => Self::Unpaid,
            SubscriptionStatus::Canceled => Self::Canceled,
            SubscriptionStatus::Incomplete => Self::Incomplete,
            SubscriptionStatus::IncompleteExpired => Self::IncompleteExpired,
            SubscriptionStatus::Paused => Self::Paused,
        }
    }
}

impl From<paywall_protocol::admin::SubscriptionStatus> for SubscriptionStatus {
    fn from(status: paywall_protocol::admin::SubscriptionStatus) -> Self {
        use paywall_protocol::admin::SubscriptionStatus as Wire;
        match status {
            Wire::Active => Self::Active,
            Wire::Trialing => Self::Trialing,
            Wire::PastDue => Self::PastDue,
            Wire::Unpaid => Self::Unpaid,
            Wire::Canceled => Self::Canceled,
            Wire::Incomplete => Self::Incomplete,
            Wire::IncompleteExpired => Self::IncompleteExpired,
            Wire::Paused => Self::Paused,
        }
    }
}

impl From<SubscriptionSource> for paywall_protocol::admin::SubscriptionSource {
    fn from(source: SubscriptionSource) -> Self {
        match source {
            SubscriptionSource::Paywall => Self::Paywall,
            SubscriptionSource::Publisher => Self::Publisher,
            SubscriptionSource::Complimentary => Self::Complimentary,
            SubscriptionSource::Import => Self::Import,
        }
    }
}

/// The migrations compiled into this build, one folder per database.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Which database this is, for logs and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await)
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self {
            Db::Sqlite(_) => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }
}

/// How many migrations the database has applied.
pub async fn migrations_applied(db: &Db) -> Result<i64, sqlx::Error> {
    let sql = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
    with_pool!(db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await)
}

/// Whether the database answers and has every migration this build knows.
pub async fn is_ready(db: &Db) -> bool {
    let known = i64::try_from(db.migrator().iter().count()).unwrap_or(i64::MAX);
    migrations_applied(db).await.is_ok_and(|applied| applied >= known)
}

/// Opens the database at `url` (`sqlite:` or `postgres:`) and brings its schema up to date.
/// A SQLite file is created if missing, readable by its owner only.
pub async fn open(url: &str) -> Result<Db, sqlx::Error> {
    let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Db::Postgres(open_postgres(url).await?)
    } else {
        Db::Sqlite(open_sqlite(url).await?)
    };
    let migrator = db.migrator();
    with_pool!(&db, |pool| migrator.run(pool).await)?;
    articles::fill_etags(&db).await?;
    Ok(db)
}

/// Connects to the PostgreSQL database at `url`, creating it if the server has none of that
/// name (as SQLite creates a missing file), when the role may.
async fn open_postgres(url: &str) -> Result<PgPool, sqlx::Error> {
    use sqlx::migrate::MigrateDatabase;
    let options = PgConnectOptions::from_str(url)?;
    let pool = || PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(5));
    match pool().connect_with(options.clone()).await {
        // 3D000: the database does not exist.
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("3D000") => {
            match sqlx::Postgres::create_database(url).await {
                Ok(()) => {
                    tracing::info!(database = options.get_database(), "created the PostgreSQL database")
                }
                // 42P04: another server created it a moment ago.
                Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P04") => {}
                Err(error) => return Err(error),
            }
            pool().connect_with(options).await
        }
        connected => connected,
    }
}

async fn open_sqlite(url: &str) -> Result<SqlitePool, sqlx::Error> {
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
    SqlitePoolOptions::new().max_connections(8).connect_with(options).await
}
