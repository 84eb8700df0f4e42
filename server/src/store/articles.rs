//! SQL for articles and their locked sections.

use paywall_protocol::admin::{Article, ArticleListItem};
use paywall_protocol::{ArticleSummary, LockedSection};
use sha2::{Digest, Sha256};

use super::audit::{Entry, record};
use super::db::{BeginWrite, Db, with_pool};
use crate::sanitize;
use crate::time::now;

/// An article's public metadata, or `None` if there is no such article.
pub async fn summary(db: &Db, id: &str) -> Result<Option<ArticleSummary>, sqlx::Error> {
    with_pool!(db, |pool| {
        let Some((title, tier, tier_label)) = sqlx::query_as::<_, (String, String, Option<String>)>(
            "SELECT a.title, a.tier, t.label FROM articles a LEFT JOIN tiers t ON t.name = a.tier WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?
        else {
            return Ok(None);
        };
        let locked_section_titles = sqlx::query_scalar(
            "SELECT title FROM sections WHERE article_id = $1 AND locked ORDER BY position",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        let tier_label = tier_label.unwrap_or_else(|| tier.clone());
        Ok(Some(ArticleSummary {
            id: id.to_owned(),
            title,
            tier,
            tier_label,
            locked_section_titles,
            metered: false,
        }))
    })
}

/// The tier an article requires, or `None` if there is no such article.
pub async fn tier(db: &Db, id: &str) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT tier FROM articles WHERE id = $1";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(id).fetch_optional(pool).await)
}

/// An article's tier and its locked sections in reading order, in one statement, or `None` if
/// there is no such article. Callers check entitlement before serving the sections.
pub async fn locked(db: &Db, id: &str) -> Result<Option<(String, Vec<LockedSection>)>, sqlx::Error> {
    let sql = "SELECT a.tier, s.title, s.html FROM articles a
               LEFT JOIN sections s ON s.article_id = a.id AND s.locked
               WHERE a.id = $1 ORDER BY s.position";
    let rows: Vec<(String, Option<String>, Option<String>)> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(id).fetch_all(pool).await)?;
    let Some((tier, _, _)) = rows.first() else { return Ok(None) };
    let tier = tier.clone();
    let sections = rows
        .into_iter()
        .filter_map(|(_, title, html)| Some(LockedSection { title: title?, html: html? }))
        .collect();
    Ok(Some((tier, sections)))
}

/// The locked sections of an article, in reading order. Callers check entitlement first.
async fn locked_sections(db: &Db, id: &str) -> Result<Vec<LockedSection>, sqlx::Error> {
    let sql = "SELECT title, html FROM sections WHERE article_id = $1 AND locked ORDER BY position";
    let rows: Vec<(String, String)> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(id).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(|(title, html)| LockedSection { title, html }).collect())
}

/// An article as the admin API answers it, with its entity tag; `None` if there is none.
pub async fn get(db: &Db, id: &str) -> Result<Option<(Article, String)>, sqlx::Error> {
    let sql = "SELECT title, tier, etag FROM articles WHERE id = $1";
    let row: Option<(String, String, Option<String>)> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(id).fetch_optional(pool).await)?;
    let Some((title, tier, stored)) = row else { return Ok(None) };
    let article = Article { title, tier, sections: locked_sections(db, id).await? };
    // The stored tag is the one writes compare with.
    let etag = stored.unwrap_or_else(|| etag(&article));
    Ok(Some((article, etag)))
}

/// Up to `limit` articles whose ids sort after `after`, by id.
pub async fn list(db: &Db, after: Option<&str>, limit: u32) -> Result<Vec<ArticleListItem>, sqlx::Error> {
    let sql = "SELECT a.id, a.title, a.tier, COALESCE(a.etag, ''),
                      (SELECT COUNT(*) FROM sections s WHERE s.article_id = a.id AND s.locked)
                 FROM articles a WHERE $1 IS NULL OR a.id > $1 ORDER BY a.id LIMIT $2";
    let rows: Vec<(String, String, String, String, i64)> = with_pool!(db, |pool| {
        sqlx::query_as(sql).bind(after).bind(i64::from(limit)).fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, title, tier, etag, sections)| ArticleListItem {
            id,
            title,
            tier,
            locked_sections: u32::try_from(sections).unwrap_or(u32::MAX),
            etag,
        })
        .collect())
}

/// The entity tag of an article's stored form: a hash of its title, tier and sections.
pub fn etag(article: &Article) -> String {
    let mut hash = Sha256::new();
    for part in [&article.title, &article.tier] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    for section in &article.sections {
        hash.update(section.title.as_bytes());
        hash.update([0]);
        hash.update(section.html.as_bytes());
        hash.update([0]);
    }
    hash.finalize()[..16].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What a write expects to find, from the request's `If-Match` / `If-None-Match`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// Whatever is there (no header).
    Any,
    /// The article, with one of these entity tags (`If-Match`; `*` is any tag).
    Matches(Vec<String>),
    /// No article (`If-None-Match: *`).
    Absent,
}

impl Precondition {
    fn holds(&self, current: Option<&str>) -> bool {
        match (self, current) {
            (Precondition::Any, _) => true,
            (Precondition::Absent, current) => current.is_none(),
            (Precondition::Matches(_), None) => false,
            (Precondition::Matches(tags), Some(current)) => {
                tags.iter().any(|tag| tag == "*" || tag == current)
            }
        }
    }
}

/// What storing an article did, and its entity tag now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Put {
    /// There was no article with this id.
    Added(String),
    /// The article's title, tier or sections changed; its sections were replaced.
    Replaced(String),
    /// It was stored exactly so already: nothing was written.
    Unchanged(String),
}

/// Why a write was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The article is not as the request expected (it changed, or exists, or does not).
    #[error("the article is not as expected")]
    PreconditionFailed,
    /// The tier is not on the ladder.
    #[error("no tier {0:?}")]
    UnknownTier(String),
    /// There is no such article (deleting).
    #[error("no such article")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Stores an article, replacing its title, tier and sections in one transaction if it exists
/// and differs, when `expected` holds; records `audit` with it. Its HTML is sanitised here, on
/// the one way into the table, so that reads serve it as stored (callers sanitise first to
/// answer or report what is kept, which makes this a second pass that changes nothing).
pub async fn put(
    db: &Db,
    id: &str,
    article: &Article,
    expected: &Precondition,
    audit: Option<&Entry<'_>>,
) -> Result<Put, WriteError> {
    let article = &Article {
        sections: (article.sections.iter())
            .map(|section| LockedSection {
                title: section.title.clone(),
                html: sanitize::html(&section.html),
            })
            .collect(),
        ..article.clone()
    };
    let etag = etag(article);
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let known_tier: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tiers WHERE name = $1)")
            .bind(&article.tier)
            .fetch_one(&mut *tx)
            .await?;
        if !known_tier {
            return Err(WriteError::UnknownTier(article.tier.clone()));
        }
        let current: Option<String> =
            sqlx::query_scalar("SELECT COALESCE(etag, '') FROM articles WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if !expected.holds(current.as_deref()) {
            return Err(WriteError::PreconditionFailed);
        }
        let put = match current {
            Some(current) if current == etag => return Ok(Put::Unchanged(etag)),
            Some(current) => {
                // Conditional on the tag read above: on PostgreSQL another server's write
                // between the two statements leaves nothing to update, and this one is refused
                // rather than overwriting what it never saw.
                let updated = sqlx::query(
                    "UPDATE articles SET title = $2, tier = $3, etag = $4
                      WHERE id = $1 AND COALESCE(etag, '') = $5",
                )
                .bind(id)
                .bind(&article.title)
                .bind(&article.tier)
                .bind(&etag)
                .bind(&current)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Err(WriteError::PreconditionFailed);
                }
                sqlx::query("DELETE FROM sections WHERE article_id = $1").bind(id).execute(&mut *tx).await?;
                Put::Replaced(etag.clone())
            }
            None => {
                let inserted = sqlx::query(
                    "INSERT INTO articles (id, title, tier, created_at, etag) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(id)
                .bind(&article.title)
                .bind(&article.tier)
                .bind(now())
                .bind(&etag)
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Err(WriteError::PreconditionFailed);
                }
                Put::Added(etag.clone())
            }
        };
        for (position, section) in (0i64..).zip(&article.sections) {
            sqlx::query(
                "INSERT INTO sections (article_id, position, locked, title, html) VALUES ($1, $2, TRUE, $3, $4)",
            )
            .bind(id)
            .bind(position)
            .bind(&section.title)
            .bind(&section.html)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(audit) = audit {
            record!(&mut *tx, audit)?;
        }
        tx.commit().await?;
        Ok(put)
    })
}

/// Deletes an article and its sections, when `expected` holds; records `audit` with it.
pub async fn delete(db: &Db, id: &str, expected: &Precondition, audit: &Entry<'_>) -> Result<(), WriteError> {
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let current: String = sqlx::query_scalar("SELECT COALESCE(etag, '') FROM articles WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(WriteError::NotFound)?;
        if !expected.holds(Some(&current)) {
            return Err(WriteError::PreconditionFailed);
        }
        let deleted = sqlx::query("DELETE FROM articles WHERE id = $1 AND COALESCE(etag, '') = $2")
            .bind(id)
            .bind(&current)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(WriteError::PreconditionFailed);
        }
        record!(&mut *tx, audit)?;
        tx.commit().await?;
        Ok(())
    })
}

/// Gives every article stored before entity tags were one (run when the database opens).
pub async fn fill_etags(db: &Db) -> Result<u64, sqlx::Error> {
    let sql = "SELECT id FROM articles WHERE etag IS NULL";
    let ids: Vec<String> = with_pool!(db, |pool| sqlx::query_scalar(sql).fetch_all(pool).await)?;
    for id in &ids {
        let Some((_, etag)) = get(db, id).await? else { continue };
        let sql = "UPDATE articles SET etag = $2 WHERE id = $1 AND etag IS NULL";
        with_pool!(db, |pool| sqlx::query(sql).bind(id).bind(&etag).execute(pool).await.map(drop))?;
    }
    Ok(ids.len() as u64)
}
