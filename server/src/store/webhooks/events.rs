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
            let wanted: bool = sqlx::query_scalar($crate::store::webhooks::events::WANTED)
                .bind(kind.as_str())
                .fetch_one(&mut *$tx)
                .await?;
            if wanted {
                let data: serde_json::Value = $data;
                let now = $crate::time::now();
                let (id, body) = $crate::store::webhooks::events::message(kind, now, data);
                sqlx::query($crate::store::webhooks::events::INSERT_MESSAGE)
                    .bind(&id)
                    .bind(kind.as_str())
                    .bind(&body)
                    .bind(now)
                    .execute(&mut *$tx)
                    .await?;
                sqlx::query($crate::store::webhooks::events::INSERT_DELIVERIES)
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

/// A new event's id (`webhook-id`) and body: `{"type", "timestamp", "data"}`, as Standard
/// Webhooks suggests.
pub fn message(kind: WebhookEventType, now: i64, data: serde_json::Value) -> (String, String) {
    let body =
        serde_json::json!({ "type": kind.as_str(), "timestamp": crate::time::format(now), "data": data });
    (format!("msg_{}", crate::random::token()), body.to_string())
}
