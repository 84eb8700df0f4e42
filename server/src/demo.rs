//! The demo: one article and two readers, added at start when missing.

use serde::Deserialize;

use crate::auth::hash_password;
use crate::error::AppError;
use crate::sanitize;
use crate::store::{Db, articles, readers, subscriptions};
use crate::time::now;

/// The demo article as stored: the id `index.html` uses, and its locked sections. The free
/// section is the page's own HTML.
const ARTICLE: &str = include_str!("../demo/article.json");

/// The password of both demo readers.
const DEMO_PASSWORD: &str = "paywall-demo";

#[derive(Deserialize)]
struct DemoArticle {
    id: String,
    title: String,
    tier: String,
    sections: Vec<DemoSection>,
}

#[derive(Deserialize)]
struct DemoSection {
    title: String,
    locked: bool,
    html: String,
}

/// Adds whatever of the demo is missing; leaves everything that is there alone.
pub async fn seed(db: &Db) -> Result<(), AppError> {
    let article: DemoArticle = serde_json::from_str(ARTICLE).expect("demo/article.json is valid");
    let sections: Vec<articles::NewSection<'_>> = article
        .sections
        .iter()
        .map(|section| articles::NewSection {
            locked: section.locked,
            title: &section.title,
            html: sanitize::html(&section.html),
        })
        .collect();
    if articles::insert_if_missing(db, &article.id, &article.title, &article.tier, &sections).await? {
        tracing::info!(article = %article.id, "seeded the demo article");
    }

    let subscriber = demo_reader(db, "subscriber@example.com").await?;
    subscriptions::ensure_active(db, subscriber, &article.tier, now() + 365 * 24 * 60 * 60).await?;
    demo_reader(db, "reader@example.com").await?;
    Ok(())
}

async fn demo_reader(db: &Db, email: &str) -> Result<i64, AppError> {
    if let Some(reader) = readers::by_email(db, email).await? {
        return Ok(reader.id);
    }
    let hash = hash_password(DEMO_PASSWORD)?;
    Ok(readers::find_or_create(db, email, Some(&hash)).await?)
}
