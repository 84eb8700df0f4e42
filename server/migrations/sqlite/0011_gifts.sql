-- Gift links: a subscriber sends one article to whoever they like, for a while, to a few
-- browsers.

-- The publisher's one policy (no row: the defaults, 10 links a month, 14 days, 20 browsers).
CREATE TABLE gift_policy (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    monthly_allowance INTEGER NOT NULL,
    days              INTEGER NOT NULL,
    reach             INTEGER NOT NULL
);

-- A link: the SHA-256 of its token (the token itself is only in the link).
CREATE TABLE gifts (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    reader_id  INTEGER NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    reach      INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX gifts_by_reader ON gifts (reader_id, created_at);
CREATE INDEX gifts_by_time ON gifts (created_at);

-- Each browser a link opened its article in (the meter's visitor key, or 'r:' and a reader).
CREATE TABLE gift_opens (
    gift_id    INTEGER NOT NULL REFERENCES gifts (id) ON DELETE CASCADE,
    browser    TEXT NOT NULL,
    opened_at  INTEGER NOT NULL,
    PRIMARY KEY (gift_id, browser)
);
CREATE INDEX gift_opens_by_time ON gift_opens (opened_at);
