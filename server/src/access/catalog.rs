//! The articles as the locked-sections request reads them: each one's tier and its locked
//! sections, sanitised, kept in memory for a few seconds. That request is the hot path (every
//! page view of a subscriber or a metered reader), and the article changes seldom: reading it
//! from the database and cleaning its HTML once per article per few seconds, instead of once per
//! request, halves the statements the request runs.
//!
//! This server forgets an article the moment it changes it (the admin API). A change made by
//! another server on the same database, or by `paywall-server import`, reaches readers
//! within [`FRESH_FOR`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use paywall_protocol::LockedSection;

use crate::sanitize;
use crate::store::{self, Db};

/// How long an article read from the database is served without reading it again.
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// At most this many articles are kept; when full, the catalog starts again empty (kept
/// articles cost memory, and an unknown id is never kept, so only real articles fill it).
const MAX_KEPT: usize = 10_000;

/// An article as the locked-sections request serves it.
#[derive(Debug)]
pub struct Article {
    /// The tier it needs.
    pub tier: String,
    /// Its locked sections in reading order, their HTML sanitised.
    pub sections: Vec<LockedSection>,
}

/// The articles read lately.
#[derive(Default)]
pub struct Catalog {
    kept: Mutex<HashMap<String, (Instant, Arc<Article>)>>,
    /// How many times an article was forgotten: a read that began before one is not kept, as
    /// it may have read the article before this server changed it.
    forgotten: AtomicU64,
}

impl Catalog {
    /// The article `id`, or `None` if there is none: as kept, if read within [`FRESH_FOR`],
    /// else read in one statement and kept.
    pub async fn article(&self, db: &Db, id: &str) -> Result<Option<Arc<Article>>, sqlx::Error> {
        if let Some((read, article)) = self.lock().get(id)
            && read.elapsed() < FRESH_FOR
        {
            return Ok(Some(article.clone()));
        }
        let read = Instant::now();
        let forgotten = self.forgotten.load(Ordering::SeqCst);
        let Some((tier, mut sections)) = store::articles::locked(db, id).await? else { return Ok(None) };
        // Stored HTML was sanitised on the way in; cleaning it again here, once per read,
        // means a row written around the server (a manual edit) still never carries a script
        // to a reader.
        for section in &mut sections {
            section.html = sanitize::html(&section.html);
        }
        let article = Arc::new(Article { tier, sections });
        let mut kept = self.lock();
        if self.forgotten.load(Ordering::SeqCst) == forgotten {
            if kept.len() >= MAX_KEPT {
                kept.clear();
            }
            kept.insert(id.to_owned(), (read, article.clone()));
        }
        Ok(Some(article))
    }

    /// Forgets `id`, which this server has just changed or deleted (and any read of it under
    /// way, which will not be kept).
    pub fn forget(&self, id: &str) {
        let mut kept = self.lock();
        self.forgotten.fetch_add(1, Ordering::SeqCst);
        kept.remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Arc<Article>)>> {
        // A panic while holding the lock cannot leave the map half-changed.
        self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
