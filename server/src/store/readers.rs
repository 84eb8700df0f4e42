//! SQL for readers.

use super::db::{BeginWrite, Db, with_pool};
use super::sessions::REVOKE_ALL;
use crate::time::now;
use paywall_protocol::admin::SubscriptionSource;

/// A reader as sign-in needs them.
#[derive(Debug, sqlx::FromRow)]
pub struct ReaderRow {
    /// The reader's id.
    pub id: i64,
    /// The normalised email.
    pub email: String,
    /// The argon2id hash, if the reader has a password.
    pub password_hash: Option<String>,
    /// Whether this is one of the demo's readers (whose password is public).
    pub demo: bool,
}

/// The longest address mail can be sent to (RFC 5321).
const MAX_EMAIL_LEN: usize = 254;

/// Emails are compared trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The normalised email, if mail can be sent to it.
pub fn valid_email(email: &str) -> Option<String> {
    let email = normalize_email(email);
    let valid = email.len() <= MAX_EMAIL_LEN
        && email.parse::<lettre::Address>().is_ok_and(|address| address.domain().contains('.'));
    valid.then_some(email)
}

/// The reader with this (normalised) email, if any.
pub async fn by_email(db: &Db, email: &str) -> Result<Option<ReaderRow>, sqlx::Error> {
    let sql = "SELECT id, email, password_hash, demo FROM readers WHERE email = $1";
    with_pool!(db, |pool| sqlx::query_as(sql).bind(email).fetch_optional(pool).await)
}

/// The email of a reader by id, if they exist.
pub async fn email(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT email FROM readers WHERE id = $1";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(id).fetch_optional(pool).await)
}

/// The reader who has just proved they own `email` (with an emailed code or link): created if
/// there is none. If a publisher's reader holds the email without anyone having vouched for it,
/// the email's owner takes the account back: the publisher identity is unlinked, its sessions
/// and passkeys end, its publisher-asserted subscription goes, and the email is marked verified. Otherwise
/// whoever signed up at the publisher with someone else's address would be in the account
/// its owner signs into.
pub async fn proven_owner(db: &Db, email: &str) -> Result<i64, sqlx::Error> {
    let now = now();
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let created: Option<i64> = sqlx::query_scalar(
            "INSERT INTO readers (email, created_at) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(email)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let id: i64 = match created {
            Some(id) => {
                reader_created!(tx, id)?;
                id
            }
            None => {
                sqlx::query_scalar("SELECT id FROM readers WHERE email = $1")
                    .bind(email)
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        let released: Option<i64> = sqlx::query_scalar(
            "UPDATE readers SET email_verified = TRUE, external_issuer = NULL, external_id = NULL, password_hash = NULL
              WHERE id = $1 AND NOT email_verified RETURNING id",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if released.is_some() {
            sqlx::query(REVOKE_ALL).bind(now).bind(id).bind(None::<i64>).execute(&mut *tx).await?;
            // So do the passkeys whoever held the email added, and their ceremonies under way.
            sqlx::query("DELETE FROM passkeys WHERE reader_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sign_in_ceremonies WHERE reader_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM subscriptions WHERE reader_id = $1 AND source = $2")
                .bind(id)
                .bind(SubscriptionSource::Publisher)
                .execute(&mut *tx)
                .await?;
            tracing::warn!(
                reader = id,
                "the owner of an email proved it; the publisher identity that held it unverified was unlinked"
            );
        }
        tx.commit().await?;
        Ok(id)
    })
}

/// Creates a demo reader with the demo password's hash unless someone has the email (another
/// server may have made it a moment ago); returns the id of whoever has it then, and whether
/// they are a demo reader.
pub async fn create_demo(db: &Db, email: &str, password_hash: &str) -> Result<(i64, bool), sqlx::Error> {
    let insert = "INSERT INTO readers (email, password_hash, created_at, demo) VALUES ($1, $2, $3, TRUE)
                  ON CONFLICT (email) DO NOTHING";
    with_pool!(db, |pool| {
        sqlx::query(insert).bind(email).bind(password_hash).bind(now()).execute(pool).await?;
        sqlx::query_as("SELECT id, demo FROM readers WHERE email = $1").bind(email).fetch_one(pool).await
    })
}

/// Deletes the demo readers, and with them their sessions and subscriptions; returns how many.
pub async fn delete_demo(db: &Db) -> Result<u64, sqlx::Error> {
    with_pool!(db, |pool| Ok(sqlx::query("DELETE FROM readers WHERE demo")
        .execute(pool)
        .await?
        .rows_affected()))
}

/// The password hash of a reader by id: `None` if there is no such reader, `Some(None)` if
/// they have no password.
pub async fn password_hash(db: &Db, id: i64) -> Result<Option<Option<String>>, sqlx::Error> {
    let sql = "SELECT password_hash FROM readers WHERE id = $1";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(id).fetch_optional(pool).await)
}

/// Sets a reader's password hash and ends every other session of theirs (all but `keep`):
/// whoever knew the old password is signed out. Returns how many sessions ended.
pub async fn set_password(
    db: &Db,
    id: i64,
    password_hash: &str,
    keep: Option<i64>,
) -> Result<u64, sqlx::Error> {
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query("UPDATE readers SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let ended = sqlx::query(REVOKE_ALL).bind(now()).bind(id).bind(keep).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(ended.rows_affected())
    })
}

/// Gives readers linked by a version that kept no issuer the configured issuer (there was only
/// ever one). Returns how many.
pub async fn adopt_unscoped_publisher_readers(db: &Db, issuer: &str) -> Result<u64, sqlx::Error> {
    let sql =
        "UPDATE readers SET external_issuer = $1 WHERE external_id IS NOT NULL AND external_issuer IS NULL";
    with_pool!(db, |pool| Ok(sqlx::query(sql).bind(issuer).execute(pool).await?.rows_affected()))
}

/// The columns an admin [`Reader`](paywall_protocol::admin::Reader) is read from, in its order.
macro_rules! admin_columns {
    () => {
        "id, email, name, customer_id, email_verified, created_at"
    };
}
pub(crate) use admin_columns;

pub(crate) type AdminRow = (i64, String, Option<String>, Option<String>, bool, i64);

pub(crate) fn admin_reader(
    (id, email, name, customer_id, email_verified, created_at): AdminRow,
) -> paywall_protocol::admin::Reader {
    paywall_protocol::admin::Reader { id, email, name, customer_id, email_verified, created_at }
}

/// A reader as the publisher sees them, by id.
pub async fn admin_by_id(db: &Db, id: i64) -> Result<Option<paywall_protocol::admin::Reader>, sqlx::Error> {
    let sql = concat!("SELECT ", admin_columns!(), " FROM readers WHERE id = $1");
    let row: Option<AdminRow> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    Ok(row.map(admin_reader))
}

/// Up to `limit` readers with ids above `after`, by id; only the one with `email` if given.
pub async fn admin_page(
    db: &Db,
    email: Option<&str>,
    after: Option<i64>,
    limit: u32,
) -> Result<Vec<paywall_protocol::admin::Reader>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        admin_columns!(),
        " FROM readers WHERE ($1 IS NULL OR email = $1) AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    );
    let rows: Vec<AdminRow> = with_pool!(db, |pool| {
        sqlx::query_as(sql).bind(email).bind(after).bind(i64::from(limit)).fetch_all(pool).await
    })?;
    Ok(rows.into_iter().map(admin_reader).collect())
}

/// The reader with this (normalised) email, created with `name` if there is none; whether
/// they were created. A creation is recorded as `audit`.
pub async fn admin_create(
    db: &Db,
    email: &str,
    name: Option<&str>,
    audit: &super::audit::Entry<'_>,
) -> Result<(paywall_protocol::admin::Reader, bool), sqlx::Error> {
    let insert = concat!(
        "INSERT INTO readers (email, name, created_at, email_verified) VALUES ($1, $2, $3, FALSE)
         ON CONFLICT (email) DO NOTHING RETURNING ",
        admin_columns!()
    );
    let existing = concat!("SELECT ", admin_columns!(), " FROM readers WHERE email = $1");
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let created: Option<AdminRow> =
            sqlx::query_as(insert).bind(email).bind(name).bind(now()).fetch_optional(&mut *tx).await?;
        let (row, created) = match created {
            Some(row) => {
                let audit = super::audit::Entry { target: format!("reader:{}", row.0), ..audit.clone() };
                super::audit::record!(&mut *tx, &audit)?;
                reader_created!(tx, row.0)?;
                (row, true)
            }
            None => (sqlx::query_as(existing).bind(email).fetch_one(&mut *tx).await?, false),
        };
        tx.commit().await?;
        Ok((admin_reader(row), created))
    })
}

/// Queues `reader.created` for the reader `$id` in the transaction `$tx`.
macro_rules! reader_created {
    ($tx:ident, $id:expr) => {{
        let id: i64 = $id;
        $crate::store::webhooks::events::emit!($tx, paywall_protocol::admin::WebhookEventType::ReaderCreated, {
            let sql = concat!("SELECT ", $crate::store::readers::admin_columns!(), " FROM readers WHERE id = $1");
            let row: $crate::store::readers::AdminRow = sqlx::query_as(sql).bind(id).fetch_one(&mut *$tx).await?;
            serde_json::json!({ "reader": $crate::store::readers::admin_reader(row) })
        })
    }};
}
pub(crate) use reader_created;
