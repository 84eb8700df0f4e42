-- The meter: how many articles readers without a subscription may open free in a rolling
-- period, and which each has opened.

-- The publisher's one policy (no row: the meter is off).
CREATE TABLE meter_policy (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    anonymous   INTEGER NOT NULL,
    registered  INTEGER NOT NULL,
    period_days INTEGER NOT NULL,
    per_address INTEGER NOT NULL
);

-- An article a visitor opened by the meter, when it was counted. A visitor is a reader
-- ('r:' and the id), a browser the server gave an anonymous id ('v:' and the id), or a
-- network address whose browsers share one meter ('n:' and the address).
CREATE TABLE meter_reads (
    visitor    TEXT    NOT NULL,
    article_id TEXT    NOT NULL,
    read_at    INTEGER NOT NULL,
    PRIMARY KEY (visitor, article_id)
);
CREATE INDEX meter_reads_by_time ON meter_reads (read_at);

-- The anonymous ids given out to each network address, to cap how many one address starts.
CREATE TABLE meter_visitors (
    network    TEXT    NOT NULL,
    visitor    TEXT    NOT NULL,
    issued_at  INTEGER NOT NULL,
    PRIMARY KEY (network, visitor)
);
CREATE INDEX meter_visitors_by_time ON meter_visitors (issued_at);
