-- What the publisher's numbers are made of: when each subscription started and ended, and the
-- article its checkout was started from.
ALTER TABLE subscriptions ADD COLUMN created_at BIGINT;
ALTER TABLE subscriptions ADD COLUMN ended_at BIGINT;
ALTER TABLE subscriptions ADD COLUMN article_id TEXT;
ALTER TABLE checkouts ADD COLUMN article_id TEXT;
CREATE INDEX subscriptions_by_start ON subscriptions (created_at);
