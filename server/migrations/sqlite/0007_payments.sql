-- Selling subscriptions: offers, the payment provider's subscriptions and checkouts, and the
-- provider's events already processed.

-- What the prompt sells: a tier, at a price, every month or year, perhaps after a trial.
CREATE TABLE offers (
    id               INTEGER PRIMARY KEY,
    tier             TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    -- In the currency's minor unit (cents).
    amount           INTEGER NOT NULL CHECK (amount >= 0),
    -- ISO 4217, lower case.
    currency         TEXT    NOT NULL,
    billing_interval TEXT    NOT NULL CHECK (billing_interval IN ('month', 'year')),
    trial_days       INTEGER NOT NULL DEFAULT 0,
    -- The provider's price (Stripe's `price_…`).
    provider_price   TEXT    NOT NULL,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    -- The publisher's order in the prompt.
    position         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);

-- Subscriptions take the provider's states (Stripe's): active, trialing and past_due open
-- their tier; the others do not. SQLite cannot change a CHECK, so the table is rebuilt, its
-- columns in the order PostgreSQL's ALTER TABLE leaves them.
CREATE TABLE subscriptions_new (
    id                   INTEGER PRIMARY KEY,
    reader_id            INTEGER NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    tier                 TEXT    NOT NULL,
    status               TEXT    NOT NULL CHECK (status IN ('active', 'trialing', 'past_due', 'unpaid',
                             'canceled', 'incomplete', 'incomplete_expired', 'paused')),
    current_period_end   INTEGER NOT NULL,
    source               TEXT    NOT NULL DEFAULT 'paywall',
    -- The provider's id for it (Stripe's `sub_…`), for subscriptions sold here.
    provider_id          TEXT    UNIQUE,
    -- The offer it was bought with.
    offer_id             INTEGER REFERENCES offers (id),
    -- Canceled, but open until current_period_end.
    cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO subscriptions_new (id, reader_id, tier, status, current_period_end, source)
SELECT id, reader_id, tier, status, current_period_end, source FROM subscriptions;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_new RENAME TO subscriptions;
CREATE INDEX subscriptions_by_reader ON subscriptions (reader_id);
CREATE UNIQUE INDEX subscriptions_one_from_publisher ON subscriptions (reader_id) WHERE source = 'publisher';

-- A checkout a browser started: confirmed once, by that browser only.
CREATE TABLE checkouts (
    -- The provider's id for the checkout session.
    id           TEXT    PRIMARY KEY,
    offer_id     INTEGER NOT NULL REFERENCES offers (id),
    -- Who was signed in when it started, if anyone.
    reader_id    INTEGER REFERENCES readers (id) ON DELETE CASCADE,
    email        TEXT    NOT NULL,
    -- SHA-256 of the token the starting browser keeps.
    browser_hash BLOB    NOT NULL,
    return_to    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    -- When the provider said it was paid.
    completed_at INTEGER,
    -- When the browser signed in with it.
    confirmed_at INTEGER
);
CREATE INDEX checkouts_by_time ON checkouts (created_at);

-- The provider's events already processed, each once, in the transaction of its effect.
CREATE TABLE provider_events (
    id          TEXT    PRIMARY KEY,
    type        TEXT    NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX provider_events_by_time ON provider_events (received_at);
