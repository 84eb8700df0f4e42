-- What several servers on one database must agree on.

-- Rate limits (a generic cell rate algorithm): per limit and key, the moment in Unix
-- milliseconds by which the bucket is empty again. A request is allowed while that moment is
-- less than the limit's burst ahead of now, and moves it one interval later.
CREATE TABLE rate_limits (
    -- The limit's name, a colon, and the key (an address, a network, or an email's hash).
    key        BYTEA    PRIMARY KEY,
    empty_at   BIGINT NOT NULL
);
CREATE INDEX rate_limits_by_time ON rate_limits (empty_at);

-- Jobs one server at a time runs on a schedule (pruning): the server that moves next_run_at
-- forward runs it.
CREATE TABLE jobs (
    name        TEXT    PRIMARY KEY,
    next_run_at BIGINT NOT NULL
);

-- The signing secret every server uses, when the database holds it (PostgreSQL without a
-- configured key), or only its fingerprint (a configured key), so that a server given
-- another key refuses to start instead of refusing every token the others issue.
CREATE TABLE server_keys (
    name        TEXT    PRIMARY KEY,
    secret      BYTEA,
    fingerprint BYTEA    NOT NULL,
    created_at  BIGINT NOT NULL
);

-- A reader has at most one subscription asserted by the publisher (the tier its newest token
-- named): two servers signing the reader in at once update one row instead of adding two.
CREATE UNIQUE INDEX subscriptions_one_from_publisher ON subscriptions (reader_id) WHERE source = 'publisher';
