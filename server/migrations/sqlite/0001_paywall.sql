-- Articles, readers, subscriptions and sessions. Times are Unix seconds (INTEGER), which both
-- SQLite and PostgreSQL store and compare the same way.

CREATE TABLE articles (
    id         TEXT    PRIMARY KEY,
    title      TEXT    NOT NULL,
    -- The subscription tier a reader needs for the locked sections.
    tier       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE sections (
    article_id TEXT    NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- Reading order within the article, from 0.
    position   INTEGER NOT NULL,
    locked     BOOLEAN NOT NULL,
    title      TEXT    NOT NULL,
    -- Sanitized before it is stored; sanitized again before it is sent.
    html       TEXT    NOT NULL,
    PRIMARY KEY (article_id, position)
);

CREATE TABLE readers (
    id            INTEGER PRIMARY KEY,
    -- Trimmed and lower-cased before it is stored or looked up.
    email         TEXT    NOT NULL UNIQUE,
    -- An argon2id PHC string; NULL for a reader who has never set a password.
    password_hash TEXT,
    created_at    INTEGER NOT NULL
);

CREATE TABLE subscriptions (
    id                 INTEGER PRIMARY KEY,
    reader_id          INTEGER NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    tier               TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('active', 'past_due', 'canceled')),
    current_period_end INTEGER NOT NULL
);
CREATE INDEX subscriptions_by_reader ON subscriptions (reader_id);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    reader_id    INTEGER NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    -- SHA-256 of the current refresh token; the token itself is never stored.
    refresh_hash BLOB    NOT NULL UNIQUE,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX sessions_by_reader ON sessions (reader_id);
