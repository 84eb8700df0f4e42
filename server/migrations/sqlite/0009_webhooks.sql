-- Webhooks to the publisher's systems, in the Standard Webhooks format: the endpoints, each
-- event once, one delivery per event and endpoint, and every attempt at one.

-- Where to send events, signed with `secret`.
CREATE TABLE webhook_endpoints (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL,
    -- The event types it takes, comma-separated; empty for every type.
    events          TEXT    NOT NULL DEFAULT '',
    description     TEXT    NOT NULL DEFAULT '',
    -- `whsec_` and base64 of 32 random bytes.
    secret          TEXT    NOT NULL,
    -- The secret before the last rotation: deliveries carry its signature too until
    -- previous_until, so the receiver can switch without missing one.
    previous_secret TEXT,
    previous_until  INTEGER,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      INTEGER NOT NULL
);

-- An event, as sent: its id (`webhook-id`), type and JSON body.
CREATE TABLE webhook_messages (
    id         TEXT    PRIMARY KEY,
    type       TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_messages_by_time ON webhook_messages (created_at);

-- An event on its way to one endpoint: pending until a 2xx answer, retried with backoff,
-- failed after the last try.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    message_id       TEXT    NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    last_attempt_at  INTEGER,
    last_status_code INTEGER,
    last_error       TEXT,
    delivered_at     INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_by_message ON webhook_deliveries (message_id);

-- Every try: when, what the endpoint answered (or why there was no answer), how long it took.
CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id);

-- Every provider event looks its reader up by customer.
CREATE INDEX readers_by_customer ON readers (customer_id);
