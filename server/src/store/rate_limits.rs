//! SQL for rate limits every server counts together (a generic cell rate algorithm): per key,
//! the moment (Unix milliseconds) by which its bucket is empty again. One statement checks
//! and counts a request, so two servers counting at once cannot both take the last place.

use super::db::{Db, with_pool};

/// Counts one request for `key` at `now_ms` against a limit of `burst` requests at once and
/// one more every `interval_ms`. `Ok(None)` if allowed; `Ok(Some(ms))` if refused, with how
/// long until one more is allowed.
pub async fn check(
    db: &Db,
    key: &[u8],
    now_ms: i64,
    interval_ms: i64,
    burst: i64,
) -> Result<Option<i64>, sqlx::Error> {
    // Allowed while the bucket would empty no more than `burst - 1` intervals from now;
    // counting moves that moment one interval later (from now, if it had passed). `now_ms` is
    // read before the statement waits for its row (and servers' clocks differ a little), so a
    // request may count after one that read a later time: a tenth of an interval (at most a
    // second) of leeway keeps the burst whole then, and can never admit one more at once.
    let leeway = (interval_ms / 10).min(1000);
    let slack = (burst - 1) * interval_ms + leeway;
    let count = "INSERT INTO rate_limits (key, empty_at) VALUES ($1, $2 + $3)
                 ON CONFLICT (key) DO UPDATE
                    SET empty_at = CASE WHEN rate_limits.empty_at > $2 THEN rate_limits.empty_at ELSE $2 END + $3
                  WHERE rate_limits.empty_at - $2 <= $4
                 RETURNING empty_at";
    with_pool!(db, |pool| {
        let counted: Option<i64> = sqlx::query_scalar(count)
            .bind(key)
            .bind(now_ms)
            .bind(interval_ms)
            .bind(slack)
            .fetch_optional(pool)
            .await?;
        if counted.is_some() {
            return Ok(None);
        }
        let empty_at: Option<i64> = sqlx::query_scalar("SELECT empty_at FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await?;
        Ok(Some(empty_at.map_or(interval_ms, |empty_at| (empty_at - now_ms - slack).max(1))))
    })
}
