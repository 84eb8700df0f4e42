//! Events for the publisher's webhooks, queued in the transaction of the change they tell of
//! (so an event is never sent for a change that did not commit, nor lost for one that did).

use paywall_protocol::admin::WebhookEventType;

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
