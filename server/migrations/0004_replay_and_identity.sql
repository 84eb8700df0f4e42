-- A publisher's reader is known by the issuer and the publisher's id for them together, never
-- by email alone. Readers linked by earlier versions have no issuer yet; the server adopts
-- them into the configured issuer at start.
ALTER TABLE readers ADD COLUMN external_issuer TEXT;
DROP INDEX readers_by_external_id;
CREATE UNIQUE INDEX readers_by_external_id ON readers (external_issuer, external_id);

-- Refresh tokens already spent, so that one used twice is noticed and ends its session.
CREATE TABLE spent_refresh_tokens (
    id         INTEGER PRIMARY KEY,
    -- SHA-256 of the spent token.
    hash       BLOB    NOT NULL UNIQUE,
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    spent_at   INTEGER NOT NULL
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
