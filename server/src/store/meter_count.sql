-- The meter's count, the one statement both databases run (see `count` in meter.rs): counts
-- article $2 for visitor $1 at $3 if fewer than $5 other articles were counted since $4; an
-- article counted since then opens again without counting twice. It answers when the article
-- was counted, how many others were, and when the oldest of them was; no row when it did not
-- open. PostgreSQL runs it inside the function `meter_count` (see `define_count_function`).
INSERT INTO meter_reads (visitor, article_id, read_at)
SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT)
 WHERE (SELECT COUNT(*) FROM meter_reads
         WHERE visitor = $1 AND article_id <> $2 AND read_at > $4) < $5
    OR EXISTS (SELECT 1 FROM meter_reads WHERE visitor = $1 AND article_id = $2 AND read_at > $4)
ON CONFLICT (visitor, article_id) DO UPDATE
   SET read_at = CASE WHEN meter_reads.read_at > $4 THEN meter_reads.read_at ELSE excluded.read_at END
RETURNING read_at,
          (SELECT COUNT(*) FROM meter_reads o
            WHERE o.visitor = $1 AND o.article_id <> $2 AND o.read_at > $4),
          (SELECT MIN(o.read_at) FROM meter_reads o
            WHERE o.visitor = $1 AND o.article_id <> $2 AND o.read_at > $4)
