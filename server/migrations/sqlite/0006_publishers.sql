-- What a publisher fills and runs: the tier ladder, API keys, the audit log, articles' entity
-- tags, readers' names and payment customers (for moving readers over from another system).

-- The tiers, lowest first. `free` (anyone) and `registered` (any signed-in reader) are always
-- the two lowest; a subscription to a tier opens every article whose tier ranks at or below it.
CREATE TABLE tiers (
    name  TEXT    PRIMARY KEY,
    rank  INTEGER NOT NULL UNIQUE,
    -- How readers see the tier named ("Premium").
    label TEXT    NOT NULL
);
INSERT INTO tiers (name, rank, label) VALUES
    ('free', 0, 'Free'), ('registered', 1, 'Registered'),
    ('subscriber', 2, 'Standard'), ('premium', 3, 'Premium');
-- A tier that articles and subscriptions name but the ladder lacks (from before the ladder,
-- or a publisher token's claim) opens only articles of exactly that tier, as before.

-- A hash of the article's title, tier and sections, for `ETag` and `If-Match`; set by every
-- write (NULL only for rows written before this migration, until the server's start fills it).
ALTER TABLE articles ADD COLUMN etag TEXT;

-- Keys for the admin API. The key itself is shown once; only its SHA-256 is stored (it has
-- 256 random bits, so a slow hash would add nothing).
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    -- The key's first characters, to recognise it in a list.
    prefix       TEXT    NOT NULL,
    hash         BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
);

-- Every write through the admin API or the command line: who (a key, or the command line),
-- what, and when.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    -- NULL for the command line.
    key_id  INTEGER REFERENCES api_keys (id),
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    -- A JSON object with what changed.
    detail  TEXT    NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);

-- What publishers export from other systems.
ALTER TABLE readers ADD COLUMN name TEXT;
-- The payment provider's customer id (Stripe's `cus_…`).
ALTER TABLE readers ADD COLUMN customer_id TEXT;
