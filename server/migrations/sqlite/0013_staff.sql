-- The publisher's staff: people who sign in to the dashboard at /admin, each with a role.
CREATE TABLE staff (
    id         INTEGER PRIMARY KEY,
    -- Lower-cased.
    email      TEXT    NOT NULL UNIQUE,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    created_at INTEGER NOT NULL
);

-- One-time sign-in links (from `paywall-server staff add`, an invitation, or the sign-in
-- page): the SHA-256 of the token; the token itself is only in the link.
CREATE TABLE staff_links (
    token_hash BLOB    PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX staff_links_by_staff ON staff_links (staff_id);

-- A signed-in browser: the SHA-256 of its cookie.
CREATE TABLE staff_sessions (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB    NOT NULL UNIQUE,
    staff_id   INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX staff_sessions_by_staff ON staff_sessions (staff_id);

-- The staff member who made an API key in the dashboard (NULL: the command line): a key acts
-- as an owner, so it is revoked when they stop being one.
ALTER TABLE api_keys ADD COLUMN staff_id INTEGER REFERENCES staff (id) ON DELETE SET NULL;

-- What the widget and the server saw of each article, counted per day: no reader, browser
-- or address, only how many times.
CREATE TABLE article_events (
    day        INTEGER NOT NULL,
    article_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (day, article_id, kind)
);
