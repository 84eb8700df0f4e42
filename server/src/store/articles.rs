//! SQL for articles and their sections.

use paywall_protocol::{ArticleSummary, LockedSection};

use super::{BeginWrite, Db, with_pool};
use crate::time::now;

/// A section to store: the HTML must already be sanitized.
pub struct NewSection<'a> {
    /// Whether only entitled readers may read it.
    pub locked: bool,
    /// The heading, as plain text.
    pub title: &'a str,
    /// Sanitized HTML.
    pub html: String,
}

/// An article's public metadata, or `None` if there is no such article.
pub async fn summary(db: &Db, id: &str) -> Result<Option<ArticleSummary>, sqlx::Error> {
    with_pool!(db, |pool| {
        let Some((title, tier)) =
            sqlx::query_as::<_, (String, String)>("SELECT title, tier FROM articles WHERE id = $1")
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
        Ok(Some(ArticleSummary { id: id.to_owned(), title, tier, locked_section_titles }))
    })
}

/// The tier an article requires, or `None` if there is no such article.
pub async fn tier(db: &Db, id: &str) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT tier FROM articles WHERE id = $1";
    with_pool!(db, |pool| sqlx::query_scalar(sql).bind(id).fetch_optional(pool).await)
}

/// The locked sections of an article, in reading order. Callers check entitlement first.
pub async fn locked_sections(db: &Db, id: &str) -> Result<Vec<LockedSection>, sqlx::Error> {
    let sql = "SELECT title, html FROM sections WHERE article_id = $1 AND locked ORDER BY position";
    let rows: Vec<(String, String)> =
        with_pool!(db, |pool| sqlx::query_as(sql).bind(id).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(|(title, html)| LockedSection { title, html }).collect())
}

/// What storing an article did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Put {
    /// There was no article with this id.
    Added,
    /// The article's title, tier or sections changed; its sections were replaced.
    Replaced,
    /// It was stored exactly so already: nothing was written.
    Unchanged,
}

/// Stores an article, replacing its title, tier and sections in one transaction if it exists
/// and differs. The HTML must already be sanitised.
pub async fn put(
    db: &Db,
    id: &str,
    title: &str,
    tier: &str,
    sections: &[NewSection<'_>],
) -> Result<Put, sqlx::Error> {
    let wanted: Vec<(bool, String, String)> = sections
        .iter()
        .map(|section| (section.locked, section.title.to_owned(), section.html.clone()))
        .collect();
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let existing: Option<(String, String)> =
            sqlx::query_as("SELECT title, tier FROM articles WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let put = match existing {
            None => {
                sqlx::query("INSERT INTO articles (id, title, tier, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(title)
                    .bind(tier)
                    .bind(now())
                    .execute(&mut *tx)
                    .await?;
                Put::Added
            }
            Some(stored) => {
                let stored_sections: Vec<(bool, String, String)> = sqlx::query_as(
                    "SELECT locked, title, html FROM sections WHERE article_id = $1 ORDER BY position",
                )
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                if stored == (title.to_owned(), tier.to_owned()) && stored_sections == wanted {
                    return Ok(Put::Unchanged);
                }
                sqlx::query("UPDATE articles SET title = $2, tier = $3 WHERE id = $1")
                    .bind(id)
                    .bind(title)
                    .bind(tier)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sections WHERE article_id = $1").bind(id).execute(&mut *tx).await?;
                Put::Replaced
            }
        };
        for (position, (locked, title, html)) in (0i64..).zip(&wanted) {
            sqlx::query("INSERT INTO sections (article_id, position, locked, title, html) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(position)
                .bind(locked)
                .bind(title)
                .bind(html)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(put)
    })
}
