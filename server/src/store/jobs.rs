//! SQL for jobs one server at a time runs on a schedule: whichever server moves a due job's
//! next run forward runs it. The move is one conditional upsert, so of several servers asking
//! at once exactly one gets it, on either database, without holding a lock while it works.

use super::db::{Db, with_pool};

/// Claims the job `name` if it is due at `now` (Unix seconds), moving its next run to
/// `now + every`. True for the one caller that should run it now.
pub async fn claim(db: &Db, name: &str, now: i64, every: i64) -> Result<bool, sqlx::Error> {
    let sql = "INSERT INTO jobs (name, next_run_at) VALUES ($1, $2 + $3)
               ON CONFLICT (name) DO UPDATE SET next_run_at = $2 + $3 WHERE jobs.next_run_at <= $2";
    with_pool!(db, |pool| {
        let claimed = sqlx::query(sql).bind(name).bind(now).bind(every).execute(pool).await?;
        Ok(claimed.rows_affected() == 1)
    })
}
