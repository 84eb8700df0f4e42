//! Each event's delivery to each endpoint: due, claimed, tried, delivered or given up.

use paywall_protocol::admin::{DeliveryStatus, WebhookDelivery};

use crate::store::audit::{Entry, record};
use crate::store::db::{BeginWrite, Db, with_pool};

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
    DeliveryStatus,
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
