-- Email sign-in codes, the dev outbox, and readers who come from a publisher's own accounts.

CREATE TABLE sign_in_codes (
    id         INTEGER PRIMARY KEY,
    -- Normalised; the reader may not have an account yet (the first confirmation creates it).
    email      TEXT    NOT NULL,
    -- HMAC-SHA256 of the 6-digit code under the server's secret: useless without the key.
    code_hash  BLOB    NOT NULL,
    -- SHA-256 of the random token in the emailed link.
    link_hash  BLOB    NOT NULL UNIQUE,
    -- The article page the reader asked from, where the link brings them back.
    return_to  TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL,
    -- Set when the code or link is spent, voided by a newer code, or out of attempts.
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX sign_in_codes_by_email ON sign_in_codes (email, created_at);

-- Mail kept instead of sent, in demo mode without SMTP; shown at /dev/outbox.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    recipient  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- The publisher's own id for a reader who signs in with the publisher's token (`sub`).
ALTER TABLE readers ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX readers_by_external_id ON readers (external_id);

-- Where a subscription comes from: sold here ('paywall') or asserted by the publisher's token.
ALTER TABLE subscriptions ADD COLUMN source TEXT NOT NULL DEFAULT 'paywall';
