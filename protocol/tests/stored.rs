//! With the `sqlx` feature, the subscription and delivery enums are stored as the server has
//! always stored them: a TEXT column holding the `serde` name (`past_due`), which they are
//! written as, read back from, and compared with in a `WHERE`, in SQLite and in PostgreSQL.
//! PostgreSQL is tried when `PAYWALL_TEST_POSTGRES` names a server (`cargo xtask test` sets it
//! on its PostgreSQL run); without one that test says so and does nothing.

#![cfg(feature = "sqlx")]

use paywall_protocol::admin::{DeliveryStatus, SubscriptionSource, SubscriptionStatus};
use sqlx::{Connection, PgConnection, SqliteConnection};

/// Stores every variant of each enum named in a TEMPORARY table of `$connection`, and reads it
/// back as text and as the enum.
macro_rules! stored_by_name {
    ($connection:expr, $($enum:ident),+) => {{
        let connection = $connection;
        sqlx::query("CREATE TEMPORARY TABLE stored (name TEXT NOT NULL)").execute(&mut *connection).await.unwrap();
        $(
            for variant in $enum::ALL {
                sqlx::query("DELETE FROM stored").execute(&mut *connection).await.unwrap();
                sqlx::query("INSERT INTO stored (name) VALUES ($1)")
                    .bind(variant)
                    .execute(&mut *connection)
                    .await
                    .unwrap();
                let text: String =
                    sqlx::query_scalar("SELECT name FROM stored").fetch_one(&mut *connection).await.unwrap();
                assert_eq!(text, variant.as_str(), "{variant:?}");
                let read: $enum =
                    sqlx::query_scalar("SELECT name FROM stored").fetch_one(&mut *connection).await.unwrap();
                assert_eq!(read, variant);
                let matching: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stored WHERE name = $1")
                    .bind(variant)
                    .fetch_one(&mut *connection)
                    .await
                    .unwrap();
                assert_eq!(matching, 1, "{variant:?}");
            }
            // A name the enum does not have is an error, not some variant.
            sqlx::query("UPDATE stored SET name = 'no_such_name'").execute(&mut *connection).await.unwrap();
            let unknown = sqlx::query_scalar::<_, $enum>("SELECT name FROM stored").fetch_one(&mut *connection).await;
            assert!(unknown.is_err(), "{unknown:?}");
        )+
    }};
}

#[tokio::test]
async fn the_enums_are_stored_by_name_in_sqlite() {
    let mut connection = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    stored_by_name!(&mut connection, SubscriptionStatus, SubscriptionSource, DeliveryStatus);
}

#[tokio::test]
async fn the_enums_are_stored_by_name_in_postgres() {
    let Some(server) = std::env::var("PAYWALL_TEST_POSTGRES").ok().filter(|url| !url.is_empty()) else {
        eprintln!("skipped: no PostgreSQL server for this run (PAYWALL_TEST_POSTGRES)");
        return;
    };
    // Every server has the `postgres` database; a TEMPORARY table leaves nothing in it.
    let url = format!("{}/postgres", server.trim_end_matches('/'));
    let mut connection = PgConnection::connect(&url).await.unwrap();
    stored_by_name!(&mut connection, SubscriptionStatus, SubscriptionSource, DeliveryStatus);
}
