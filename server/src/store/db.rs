//! The connection to either database: the pool, running one body for both, writing
//! transactions, migrations.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

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
            $crate::store::db::Db::Sqlite($pool) => $body,
            $crate::store::db::Db::Postgres($pool) => $body,
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
            $crate::store::db::Db::Sqlite(pool) => {
                let $executor = pool;
                $body
            }
            $crate::store::db::Db::Postgres(pool) => {
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

    pub fn migrator(&self) -> &'static sqlx::migrate::Migrator {
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

/// Connects to the PostgreSQL database at `url`, creating it if the server has none of that
/// name (as SQLite creates a missing file), when the role may.
pub async fn open_postgres(url: &str) -> Result<PgPool, sqlx::Error> {
    use sqlx::migrate::MigrateDatabase;
    let options = PgConnectOptions::from_str(url)?;
    let pool = || {
        PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(|connection, _| Box::pin(durable_commits(connection)))
    };
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

/// Makes this connection's COMMIT wait until the commit is on disk (`synchronous_commit` `on`)
/// where the database's own setting is `off`, which answers before that. What we acknowledge
/// (a Stripe event, a checkout, an admin write) is never sent again, so with `off` a crash of
/// PostgreSQL would lose a payment it had already confirmed (`tests/postgres_restart.rs` saw
/// it happen). Every other setting waits for the local disk at least, and is left as it is.
async fn durable_commits(connection: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "SELECT set_config('synchronous_commit', 'on', false)
          WHERE current_setting('synchronous_commit') = 'off'",
    )
    .execute(connection)
    .await?;
    Ok(())
}

pub async fn open_sqlite(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?;
    let file = options.get_filename();
    if !url.contains(":memory:") && !url.contains("mode=memory") && !file.exists() {
        // SQLite gives its journal files the database file's permissions.
        crate::files::write_private(file, b"").map_err(sqlx::Error::Io)?;
    }
    let options = options
        .create_if_missing(true)
        .foreign_keys(true)
        // WAL lets readers go on while a sign-in writes.
        .journal_mode(SqliteJournalMode::Wal)
        // FULL syncs the WAL at every commit, so a commit is on disk before the handler
        // answers: Stripe, a browser or the publisher's system stops retrying once answered
        // 2xx. (NORMAL would sync only at checkpoints, and a power cut could lose commits
        // already acknowledged.) FULL is SQLite's compiled-in default, which sqlx leaves alone;
        // it is set here so that neither a SQLite built otherwise nor a change of default
        // weakens it. tests/power_loss.rs cuts the power to show it.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(8)
        // A request that finds every connection busy for 5 s is answered 503 (see
        // `error::database_unavailable`), as on PostgreSQL.
        .acquire_timeout(Duration::from_secs(5))
        .after_release(|connection, _| Box::pin(not_left_in_a_transaction(connection)))
        .connect_with(options)
        .await
}

/// Whether a connection going back to the pool is fit to serve again. When a COMMIT fails on a
/// disk error (an `fsync` refused, a full disk), SQLite has already rolled the transaction back,
/// so the ROLLBACK sqlx sends when the transaction is dropped fails too, and sqlx goes on
/// counting the connection as inside a transaction: every later `begin` on it would fail
/// ("attempted to call begin_with at non-zero transaction depth"), a 500 long after the disk is
/// well again. Such a connection is closed instead, and the pool opens a fresh one.
async fn not_left_in_a_transaction(connection: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    // The ping runs after the rollback a dropped transaction queued, so the count is settled.
    connection.ping().await?;
    Ok(!connection.is_in_transaction())
}
