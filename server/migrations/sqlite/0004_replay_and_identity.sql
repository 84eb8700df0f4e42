-- A publisher's reader is known by the issuer and the publisher's id for them together, never
-- by email alone. Readers linked by earlier versions have no issuer yet; the server adopts
-- them into the configured issuer at start.
ALTER TABLE readers ADD COLUMN external_issuer TEXT;
DROP INDEX readers_by_external_id;
CREATE UNIQUE INDEX readers_by_external_id ON readers (external_issuer, external_id);

-- Whether the reader is known to own the email: proved here by a code or link, or vouched for
-- by the publisher (`email_verified`). A publisher's reader whose email nobody vouched for
-- holds it only until its owner proves it. Readers linked by earlier versions are not known.
ALTER TABLE readers ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE readers SET email_verified = FALSE WHERE external_id IS NOT NULL;

-- Refresh tokens already spent, so that one used twice is noticed and ends its session.
CREATE TABLE spent_refresh_tokens (
    id         INTEGER PRIMARY KEY,
    -- SHA-256 of the spent token.
    hash       BLOB    NOT NULL UNIQUE,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    spent_at   INTEGER NOT NULL,
    -- The client (address, or IPv6 network) that spent it: only that client's second use
    -- within a few seconds is taken for two tabs racing.
    spent_by   TEXT    NOT NULL
);
CREATE INDEX spent_refresh_tokens_by_session ON spent_refresh_tokens (session_id);
CREATE INDEX spent_refresh_tokens_by_time ON spent_refresh_tokens (spent_at);

-- The `jti` of each publisher token accepted, until it expires: each is accepted once.
CREATE TABLE publisher_token_ids (
    issuer     TEXT    NOT NULL,
    jti        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, jti)
);

-- For pruning.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sign_in_codes_by_expiry ON sign_in_codes (expires_at);
CREATE INDEX outbox_by_time ON outbox (created_at);
