//! The publisher's webhook endpoints: where events go, which ones, and the secrets they are
//! signed with.

use paywall_protocol::admin::{WebhookEndpoint, WebhookEndpointSettings, WebhookEventType};

use crate::store::audit::{Entry, record};
use crate::store::db::{BeginWrite, Db, with_pool};

/// The columns a [`WebhookEndpoint`] is read from, in its order.
macro_rules! endpoint_columns {
    () => {
        "id, url, events, description, active, created_at"
    };
}

type EndpointRow = (i64, String, String, String, bool, i64);

fn endpoint((id, url, events, description, active, created_at): EndpointRow) -> WebhookEndpoint {
    let events = events
        .split(',')
        .filter_map(|name| WebhookEventType::ALL.into_iter().find(|kind| kind.as_str() == name))
        .collect();
    WebhookEndpoint {
        id,
        settings: WebhookEndpointSettings { url, events, description, active },
        created_at,
        secret: None,
    }
}

/// The stored form of the event types an endpoint takes.
fn events(settings: &WebhookEndpointSettings) -> String {
    let mut names: Vec<&str> = settings.events.iter().map(|kind| kind.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(",")
}

/// Adds an endpoint signed with `secret`; the answer shows the secret.
pub async fn create_endpoint(
    db: &Db,
    settings: &WebhookEndpointSettings,
    secret: &str,
    audit: &Entry<'_>,
) -> Result<WebhookEndpoint, sqlx::Error> {
    let insert = concat!(
        "INSERT INTO webhook_endpoints (url, events, description, secret, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
        endpoint_columns!()
    );
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let row: EndpointRow = sqlx::query_as(insert)
            .bind(&settings.url)
            .bind(events(settings))
            .bind(&settings.description)
            .bind(secret)
            .bind(settings.active)
            .bind(crate::time::now())
            .fetch_one(&mut *tx)
            .await?;
        let audit = Entry { target: format!("webhook:{}", row.0), ..audit.clone() };
        record!(&mut *tx, &audit)?;
        tx.commit().await?;
        Ok(WebhookEndpoint { secret: Some(secret.to_owned()), ..endpoint(row) })
    })
}

/// Every endpoint, oldest first.
pub async fn endpoints(db: &Db) -> Result<Vec<WebhookEndpoint>, sqlx::Error> {
    let sql = concat!("SELECT ", endpoint_columns!(), " FROM webhook_endpoints ORDER BY id");
    let rows: Vec<EndpointRow> = with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(endpoint).collect())
}

/// One endpoint.
pub async fn endpoint_by_id(db: &Db, id: i64) -> Result<Option<WebhookEndpoint>, sqlx::Error> {
    let sql = concat!("SELECT ", endpoint_columns!(), " FROM webhook_endpoints WHERE id = $1");
    let row: Option<EndpointRow> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    Ok(row.map(endpoint))
}

/// Replaces an endpoint's settings (its secret stays); `None` if there is none.
pub async fn update_endpoint(
    db: &Db,
    id: i64,
    settings: &WebhookEndpointSettings,
    audit: &Entry<'_>,
) -> Result<Option<WebhookEndpoint>, sqlx::Error> {
    let update = concat!(
        "UPDATE webhook_endpoints SET url = $2, events = $3, description = $4, active = $5 WHERE id = $1 RETURNING ",
        endpoint_columns!()
    );
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let row: Option<EndpointRow> = sqlx::query_as(update)
            .bind(id)
            .bind(&settings.url)
            .bind(events(settings))
            .bind(&settings.description)
            .bind(settings.active)
            .fetch_optional(&mut *tx)
            .await?;
        if row.is_some() {
            record!(&mut *tx, audit)?;
        }
        tx.commit().await?;
        Ok(row.map(endpoint))
    })
}

/// Deletes an endpoint and its deliveries; whether there was one.
pub async fn delete_endpoint(db: &Db, id: i64, audit: &Entry<'_>) -> Result<bool, sqlx::Error> {
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        // SQLite cascades only with foreign keys on; the deliveries go first either way.
        sqlx::query("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let deleted =
            sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&mut *tx).await?;
        if deleted.rows_affected() == 0 {
            return Ok(false);
        }
        record!(&mut *tx, audit)?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Gives an endpoint the new `secret`; deliveries also carry the old one's signature until
/// `previous_until`. The answer shows the new secret; `None` if there is no such endpoint.
pub async fn rotate_secret(
    db: &Db,
    id: i64,
    secret: &str,
    previous_until: i64,
    audit: &Entry<'_>,
) -> Result<Option<WebhookEndpoint>, sqlx::Error> {
    let update = concat!(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_until = $3, secret = $2
          WHERE id = $1 RETURNING ",
        endpoint_columns!()
    );
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let row: Option<EndpointRow> = sqlx::query_as(update)
            .bind(id)
            .bind(secret)
            .bind(previous_until)
            .fetch_optional(&mut *tx)
            .await?;
        if row.is_some() {
            record!(&mut *tx, audit)?;
        }
        tx.commit().await?;
        Ok(row.map(|row| WebhookEndpoint { secret: Some(secret.to_owned()), ..endpoint(row) }))
    })
}
