//! SQL for webhooks to the publisher's systems: the endpoints, the events queued for them in
//! the transaction of the change they tell of (so an event is never sent for a change that did
//! not commit, nor lost for one that did), and each delivery's tries.

use paywall_protocol::admin::{
    DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEndpointSettings, WebhookEventType,
};

use super::audit::{Entry, record};
use super::{BeginWrite, Db, with_pool};

/// The condition under which the endpoint row takes events of the type bound as `$1`: active,
/// and listing the type or no type at all.
macro_rules! takes {
    () => {
        "active AND (events = '' OR ',' || events || ',' LIKE '%,' || $1 || ',%')"
    };
}

/// Whether any endpoint takes events of the type bound as `$1`.
pub const WANTED: &str = concat!("SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE ", takes!(), ")");
/// Keeps an event: `$1` id, `$2` type, `$3` body, `$4` time.
pub const INSERT_MESSAGE: &str =
    "INSERT INTO webhook_messages (id, type, payload, created_at) VALUES ($1, $2, $3, $4)";
/// Queues the event `$2` (of type `$1`, at `$3`) for every endpoint that takes it, due now.
pub const INSERT_DELIVERIES: &str = concat!(
    "INSERT INTO webhook_deliveries (message_id, endpoint_id, status, attempts, next_attempt_at, created_at)
     SELECT $2, id, 'pending', 0, $3, $3 FROM webhook_endpoints WHERE ",
    takes!()
);

/// Queues an event of type `$kind` whose `data` is the JSON `$data` (evaluated only when some
/// endpoint takes the type) in the transaction `$tx`, for every endpoint that takes it.
/// Evaluates to `Result<(), sqlx::Error>`.
macro_rules! emit {
    ($tx:ident, $kind:expr, $data:expr) => {
        async {
            let kind: paywall_protocol::admin::WebhookEventType = $kind;
            let wanted: bool = sqlx::query_scalar($crate::store::webhooks::WANTED)
                .bind(kind.as_str())
                .fetch_one(&mut *$tx)
                .await?;
            if wanted {
                let data: serde_json::Value = $data;
                let now = $crate::time::now();
                let (id, body) = $crate::store::webhooks::message(kind, now, data);
                sqlx::query($crate::store::webhooks::INSERT_MESSAGE)
                    .bind(&id)
                    .bind(kind.as_str())
                    .bind(&body)
                    .bind(now)
                    .execute(&mut *$tx)
                    .await?;
                sqlx::query($crate::store::webhooks::INSERT_DELIVERIES)
                    .bind(kind.as_str())
                    .bind(&id)
                    .bind(now)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}
pub(crate) use emit;

/// Queues `reader.created` for the reader `$id` in the transaction `$tx`.
macro_rules! reader_created {
    ($tx:ident, $id:expr) => {{
        let id: i64 = $id;
        $crate::store::webhooks::emit!($tx, paywall_protocol::admin::WebhookEventType::ReaderCreated, {
            let sql = concat!("SELECT ", $crate::store::readers::admin_columns!(), " FROM readers WHERE id = $1");
            let row: $crate::store::readers::AdminRow = sqlx::query_as(sql).bind(id).fetch_one(&mut *$tx).await?;
            serde_json::json!({ "reader": $crate::store::readers::admin_reader(row) })
        })
    }};
}
pub(crate) use reader_created;

/// Queues a `subscription.*` event `$kind` for the subscription `$id` (with its reader) in the
/// transaction `$tx`.
macro_rules! subscription_event {
    ($tx:ident, $kind:expr, $id:expr) => {{
        let id: i64 = $id;
        $crate::store::webhooks::emit!($tx, $kind, {
            let sql = concat!("SELECT ", $crate::store::subscriptions::columns!(), " FROM subscriptions WHERE id = $1");
            let row: $crate::store::subscriptions::Row = sqlx::query_as(sql).bind(id).fetch_one(&mut *$tx).await?;
            let subscription = $crate::store::subscriptions::subscription(row);
            let sql = concat!("SELECT ", $crate::store::readers::admin_columns!(), " FROM readers WHERE id = $1");
            let row: $crate::store::readers::AdminRow =
                sqlx::query_as(sql).bind(subscription.reader_id).fetch_one(&mut *$tx).await?;
            serde_json::json!({
                "subscription": subscription,
                "reader": $crate::store::readers::admin_reader(row),
            })
        })
    }};
}
pub(crate) use subscription_event;

/// A new event's id (`webhook-id`) and body: `{"type", "timestamp", "data"}`, as Standard
/// Webhooks suggests.
pub fn message(kind: WebhookEventType, now: i64, data: serde_json::Value) -> (String, String) {
    let timestamp = time::OffsetDateTime::from_unix_timestamp(now)
        .ok()
        .and_then(|at| at.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default();
    let body = serde_json::json!({ "type": kind.as_str(), "timestamp": timestamp, "data": data });
    (format!("msg_{}", crate::random::token()), body.to_string())
}

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

/// The columns a [`WebhookDelivery`] is read from, in its order (`d` the delivery, `m` its
/// message).
macro_rules! delivery_columns {
    () => {
        "d.id, d.message_id, m.type, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at,
         d.last_status_code, d.last_error, d.delivered_at, d.created_at, m.payload"
    };
}

type DeliveryRow = (
    i64,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
    String,
);

fn delivery(
    (
        id,
        message_id,
        event_type,
        status,
        attempts,
        next_attempt_at,
        last_attempt_at,
        last_status_code,
        last_error,
        delivered_at,
        created_at,
        payload,
    ): DeliveryRow,
) -> WebhookDelivery {
    let status = match status.as_str() {
        "delivered" => DeliveryStatus::Delivered,
        "failed" => DeliveryStatus::Failed,
        _ => DeliveryStatus::Pending,
    };
    WebhookDelivery {
        id,
        message_id,
        event_type,
        status,
        attempts,
        next_attempt_at,
        last_attempt_at,
        last_status_code,
        last_error,
        delivered_at,
        created_at,
        payload,
    }
}

/// Up to `limit` of an endpoint's deliveries older than `before` (all when `None`), newest
/// first.
pub async fn deliveries(
    db: &Db,
    endpoint_id: i64,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<WebhookDelivery>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id
          WHERE d.endpoint_id = $1 AND ($2 IS NULL OR d.id < $2) ORDER BY d.id DESC LIMIT $3"
    );
    let rows: Vec<DeliveryRow> = with_pool!(db, |pool| {
        sqlx::query_as(sql).bind(endpoint_id).bind(before).bind(i64::from(limit)).fetch_all(pool).await
    })?;
    Ok(rows.into_iter().map(delivery).collect())
}

/// Sends a delivery again from `now` (after it failed, or to send a delivered one once more),
/// with its tries counted afresh; `None` if the endpoint has no such delivery.
pub async fn retry(
    db: &Db,
    endpoint_id: i64,
    delivery_id: i64,
    now: i64,
    audit: &Entry<'_>,
) -> Result<Option<WebhookDelivery>, sqlx::Error> {
    let select = concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id WHERE d.id = $1"
    );
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3, delivered_at = NULL
              WHERE id = $1 AND endpoint_id = $2",
        )
        .bind(delivery_id)
        .bind(endpoint_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        record!(&mut *tx, audit)?;
        let row: DeliveryRow = sqlx::query_as(select).bind(delivery_id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(delivery(row)))
    })
}

/// A delivery due to be tried, with what it takes to send it.
#[derive(Clone, sqlx::FromRow)]
pub struct Due {
    /// The delivery.
    pub id: i64,
    /// When it was due: the claim moves it only if it still is.
    pub next_attempt_at: i64,
    /// Tries so far.
    pub attempts: i64,
    /// The event's id.
    pub message_id: String,
    /// The body to send.
    pub payload: String,
    /// Where.
    pub url: String,
    /// The endpoint's signing secret.
    pub secret: String,
    /// The one before, while it is still signed with.
    pub previous_secret: Option<String>,
    /// Until when.
    pub previous_until: Option<i64>,
}

impl std::fmt::Debug for Due {
    /// Without the secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Due")
            .field("id", &self.id)
            .field("message_id", &self.message_id)
            .field("url", &self.url)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// Up to `limit` deliveries due at `now` to active endpoints, most overdue first.
pub async fn due(db: &Db, now: i64, limit: i64) -> Result<Vec<Due>, sqlx::Error> {
    let sql = "SELECT d.id, d.next_attempt_at, d.attempts, d.message_id, m.payload, e.url, e.secret,
                      e.previous_secret, e.previous_until
                 FROM webhook_deliveries d
                 JOIN webhook_messages m ON m.id = d.message_id
                 JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.active
                ORDER BY d.next_attempt_at LIMIT $2";
    with_pool!(db, |pool| sqlx::query_as(sql).bind(now).bind(limit).fetch_all(pool).await)
}

/// Claims a due delivery for one try by moving its next try to `lease_until` (in case this
/// server stops mid-try): true for the one caller, of several servers, whose move it was.
pub async fn claim(db: &Db, due: &Due, lease_until: i64) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE webhook_deliveries SET next_attempt_at = $3
                WHERE id = $1 AND status = 'pending' AND next_attempt_at = $2";
    with_pool!(db, |pool| {
        let claimed =
            sqlx::query(sql).bind(due.id).bind(due.next_attempt_at).bind(lease_until).execute(pool).await?;
        Ok(claimed.rows_affected() == 1)
    })
}

/// How one try went.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// When it started.
    pub at: i64,
    /// The HTTP status the endpoint answered, if it did.
    pub status_code: Option<u16>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
    /// What comes next: delivered (`None` and no error), another try at this time, or none
    /// (failed).
    pub next: Option<i64>,
}

impl Attempt {
    /// Where the delivery is after this try.
    pub fn status(&self) -> DeliveryStatus {
        match (&self.error, self.next) {
            (None, _) => DeliveryStatus::Delivered,
            (Some(_), Some(_)) => DeliveryStatus::Pending,
            (Some(_), None) => DeliveryStatus::Failed,
        }
    }
}

/// Records a try and where the delivery is now, if the try's claim (`lease_until`) still
/// holds: not after the delivery was deleted, sent again by the publisher, or claimed by
/// another server when the lease ran out. Whether it was recorded.
pub async fn record_attempt(
    db: &Db,
    delivery_id: i64,
    lease_until: i64,
    attempt: &Attempt,
) -> Result<bool, sqlx::Error> {
    let status = attempt.status();
    let delivered = status == DeliveryStatus::Delivered;
    let status = match status {
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::Failed => "failed",
    };
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, next_attempt_at = $3,
                    last_attempt_at = $4, last_status_code = $5, last_error = $6,
                    delivered_at = CASE WHEN $2 = 'delivered' THEN $4 ELSE delivered_at END
              WHERE id = $1 AND status = 'pending' AND next_attempt_at = $7",
        )
        .bind(delivery_id)
        .bind(status)
        .bind(if delivered { None } else { attempt.next })
        .bind(attempt.at)
        .bind(attempt.status_code.map(i64::from))
        .bind(&attempt.error)
        .bind(lease_until)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(delivery_id)
        .bind(attempt.at)
        .bind(attempt.status_code.map(i64::from))
        .bind(&attempt.error)
        .bind(attempt.duration_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    })
}
