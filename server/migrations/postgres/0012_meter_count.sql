-- The meter's count as one call: it waits for any other count of the same visitor (an advisory
-- lock, held to the end of the call's transaction), then counts and writes with a fresh look at
-- the ledger. PostgreSQL reads a statement's rows as they were when the statement began, so
-- without the wait two reads of different articles at once would each find the last free
-- place. One call keeps it one round trip. SQLite writes one statement at a time and needs
-- none of this (its 0012 is empty).
CREATE FUNCTION meter_count(p_visitor TEXT, p_article TEXT, p_now BIGINT, p_since BIGINT, p_limit BIGINT)
RETURNS TABLE (counted_at BIGINT, others BIGINT, oldest_other BIGINT)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('meter:' || p_visitor));
    RETURN QUERY
    INSERT INTO meter_reads AS m (visitor, article_id, read_at)
    SELECT p_visitor, p_article, p_now
     WHERE (SELECT COUNT(*) FROM meter_reads r
             WHERE r.visitor = p_visitor AND r.article_id <> p_article AND r.read_at > p_since) < p_limit
        OR EXISTS (SELECT 1 FROM meter_reads r
                    WHERE r.visitor = p_visitor AND r.article_id = p_article AND r.read_at > p_since)
    ON CONFLICT (visitor, article_id) DO UPDATE
       SET read_at = CASE WHEN m.read_at > p_since THEN m.read_at ELSE EXCLUDED.read_at END
    RETURNING m.read_at,
              (SELECT COUNT(*) FROM meter_reads r
                WHERE r.visitor = p_visitor AND r.article_id <> p_article AND r.read_at > p_since),
              (SELECT MIN(r.read_at) FROM meter_reads r
                WHERE r.visitor = p_visitor AND r.article_id <> p_article AND r.read_at > p_since);
END
$$;
