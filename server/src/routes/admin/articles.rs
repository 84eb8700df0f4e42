//! `/v1/admin/articles`: the articles as stored, written with preconditions.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::LockedSection;
use paywall_protocol::admin::{Article, ArticleFile, ArticleImported, ArticlePage};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::paging::{next_cursor, page_size};
use crate::auth::admin::{Admin, Editor};
use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Path, Query};
use crate::publishing::import;
use crate::sanitize;
use crate::state::AppState;
use crate::store::articles;
use crate::store::articles::{Precondition, Put, WriteError};
use crate::store::audit::Entry;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_articles)).routes(routes!(import_article)).routes(routes!(
        get_article,
        put_article,
        delete_article
    ))
}

/// `POST /v1/admin/article-files`: reads an HTML or Markdown file as `paywall-server import`
/// does, stores the article, and says what it did (and what the sanitiser took out).
#[utoipa::path(post, path = "/admin/article-files", tag = "admin", request_body = ArticleFile,
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "Stored (or unchanged)", body = ArticleImported),
        (status = 409, description = "An article has this id already, and `replace` was not asked for", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Not an article: no divider, no title, a bad id or an unknown tier", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn import_article(
    State(state): State<AppState>,
    admin: Admin<Editor>,
    Json(file): Json<ArticleFile>,
) -> AppResult<Json<ArticleImported>> {
    let parsed =
        import::parse(std::path::Path::new(&file.filename), &file.text, &import::Overrides::default())
            .map_err(|error| AppError::InvalidInput(format!("{}: {error}", file.filename)))?;
    let article = checked_article(parsed.stored())?;
    if !file.replace && articles::tier(&state.db, &parsed.id).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "An article with the id {:?} exists already: replace it, or give the file another name.",
            parsed.id
        )));
    }
    let audit = Entry {
        actor: &admin.actor,
        action: "article.put",
        target: format!("article:{}", parsed.id),
        detail: format!("imported from {}", file.filename),
    };
    let put = articles::put(&state.db, &parsed.id, &article, &Precondition::Any, Some(&audit)).await;
    state.catalog.forget(&parsed.id);
    let outcome = match put.map_err(|error| write_error(error, &parsed.id))? {
        Put::Added(_) => "added",
        Put::Replaced(_) => "replaced",
        Put::Unchanged(_) => "unchanged",
    };
    Ok(Json(ArticleImported {
        id: parsed.id,
        title: article.title,
        tier: article.tier,
        locked_sections: u32::try_from(article.sections.len()).unwrap_or(u32::MAX),
        outcome: outcome.to_owned(),
        removed: if parsed.removed.is_empty() { String::new() } else { parsed.removed.to_string() },
    }))
}

/// The longest title, of an article or a section, in characters.
const MAX_TITLE_CHARS: usize = 500;

/// The most locked sections an article may have.
const MAX_SECTIONS: usize = 200;

/// Paging through articles.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ArticlesQuery {
    /// The last id of the previous page.
    after: Option<String>,
    /// How many (1 to 500; default 50).
    limit: Option<u32>,
}

/// `GET /v1/admin/articles`: a page of articles, by id.
#[utoipa::path(get, path = "/admin/articles", tag = "admin", params(ArticlesQuery),
    security(("admin_key" = [])),
    responses((status = 200, description = "A page of articles", body = ArticlePage)))]
async fn list_articles(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<ArticlesQuery>,
) -> AppResult<Json<ArticlePage>> {
    let limit = page_size(query.limit)?;
    let articles = articles::list(&state.db, query.after.as_deref(), limit).await?;
    let next_after = next_cursor(&articles, limit, |article| article.id.clone());
    Ok(Json(ArticlePage { articles, next_after }))
}

/// `GET /v1/admin/articles/{id}`: the article as stored, with its `ETag`; what it answers can
/// be sent back with `PUT`.
#[utoipa::path(get, path = "/admin/articles/{id}", tag = "admin",
    params(("id" = String, Path, description = "The article's id")),
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "The article", body = Article,
            headers(("ETag" = String, description = "The article's version, for If-Match"))),
        (status = 404, description = "No such article", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn get_article(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (article, etag) = articles::get(&state.db, &id).await?.ok_or_else(|| no_article(&id))?;
    Ok(with_etag(StatusCode::OK, &etag, Json(article)))
}

/// `PUT /v1/admin/articles/{id}`: creates or replaces an article: its title, tier and locked
/// sections in order, their HTML sanitised. With `If-Match` it replaces only the version
/// named; with `If-None-Match: *` it only creates.
#[utoipa::path(put, path = "/admin/articles/{id}", tag = "admin",
    params(
        ("id" = String, Path, description = "The article's id: 1 to 128 letters, digits, `-`, `_` or `.`"),
        ("If-Match" = Option<String>, Header, description = "Replace only this version (its ETag)"),
        ("If-None-Match" = Option<String>, Header, description = "`*`: create only")),
    request_body = Article,
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "Replaced, or unchanged: the article as stored", body = Article,
            headers(("ETag" = String, description = "The article's version"))),
        (status = 201, description = "Created: the article as stored", body = Article,
            headers(("ETag" = String, description = "The article's version"))),
        (status = 412, description = "The article changed since the version named", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "An unknown tier, or a title missing", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn put_article(
    State(state): State<AppState>,
    admin: Admin<Editor>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Article>,
) -> AppResult<Response> {
    if !import::valid_id(&id) {
        return Err(AppError::InvalidInput(
            "An article id is 1 to 128 letters, digits, `-`, `_` or `.`.".to_owned(),
        ));
    }
    let article = checked_article(body)?;
    let expected = precondition(&headers);
    let audit = Entry {
        actor: &admin.actor,
        action: "article.put",
        target: format!("article:{id}"),
        detail: format!(
            "{:?}, tier {}, {} locked sections",
            article.title,
            article.tier,
            article.sections.len()
        ),
    };
    let mut put = articles::put(&state.db, &id, &article, &expected, Some(&audit)).await;
    if matches!(put, Err(WriteError::PreconditionFailed)) && expected == Precondition::Any {
        // Without a precondition, losing a race with another writer is no reason to refuse:
        // this write simply comes after theirs.
        put = articles::put(&state.db, &id, &article, &expected, Some(&audit)).await;
    }
    state.catalog.forget(&id);
    let (status, etag) = match put {
        Ok(Put::Added(etag)) => (StatusCode::CREATED, etag),
        Ok(Put::Replaced(etag) | Put::Unchanged(etag)) => (StatusCode::OK, etag),
        Err(WriteError::PreconditionFailed) => return Err(changed_since(&state, &id).await),
        Err(error) => return Err(write_error(error, &id)),
    };
    Ok(with_etag(status, &etag, Json(article)))
}

/// `DELETE /v1/admin/articles/{id}`: deletes an article and its locked sections; with
/// `If-Match`, only the version named.
#[utoipa::path(delete, path = "/admin/articles/{id}", tag = "admin",
    params(
        ("id" = String, Path, description = "The article's id"),
        ("If-Match" = Option<String>, Header, description = "Delete only this version (its ETag)")),
    security(("admin_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such article", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 412, description = "The article changed since the version named", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn delete_article(
    State(state): State<AppState>,
    admin: Admin<Editor>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult<StatusCode> {
    let audit = Entry {
        actor: &admin.actor,
        action: "article.delete",
        target: format!("article:{id}"),
        detail: String::new(),
    };
    match articles::delete(&state.db, &id, &precondition(&headers), &audit).await {
        Err(WriteError::PreconditionFailed) => return Err(changed_since(&state, &id).await),
        done => done.map_err(|error| write_error(error, &id))?,
    }
    state.catalog.forget(&id);
    Ok(StatusCode::NO_CONTENT)
}

/// The article to store: titles checked, sections' HTML sanitised.
fn checked_article(body: Article) -> AppResult<Article> {
    let title = body.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(AppError::InvalidInput(format!(
            "The title must have 1 to {MAX_TITLE_CHARS} characters."
        )));
    }
    if body.sections.len() > MAX_SECTIONS {
        return Err(AppError::InvalidInput(format!(
            "An article has at most {MAX_SECTIONS} locked sections."
        )));
    }
    let mut sections = Vec::with_capacity(body.sections.len());
    for (n, section) in body.sections.into_iter().enumerate() {
        let title = section.title.trim().to_owned();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(AppError::InvalidInput(format!(
                "Locked section {} needs a title of 1 to {MAX_TITLE_CHARS} characters.",
                n + 1
            )));
        }
        sections.push(LockedSection { title, html: sanitize::html(&section.html) });
    }
    Ok(Article { title, tier: body.tier.trim().to_owned(), sections })
}

/// What `If-Match` or `If-None-Match: *` asks of a write.
fn precondition(headers: &HeaderMap) -> Precondition {
    if let Some(tags) = headers.get(header::IF_MATCH).and_then(|value| value.to_str().ok()) {
        // Strong comparison (RFC 9110, 13.1.1): a weak tag never matches.
        let tags = tags
            .split(',')
            .map(str::trim)
            .filter(|tag| !tag.starts_with("W/"))
            .map(|tag| tag.trim_matches('"').to_owned())
            .collect();
        return Precondition::Matches(tags);
    }
    let absent =
        headers.get(header::IF_NONE_MATCH).is_some_and(|value| value.as_bytes().trim_ascii() == b"*");
    if absent { Precondition::Absent } else { Precondition::Any }
}

fn with_etag(status: StatusCode, etag: &str, body: impl IntoResponse) -> Response {
    let mut response = (status, body).into_response();
    let value = HeaderValue::from_str(&format!("\"{etag}\"")).expect("hex is a valid header");
    response.headers_mut().insert(header::ETAG, value);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn write_error(error: WriteError, id: &str) -> AppError {
    match error {
        WriteError::PreconditionFailed => AppError::PreconditionFailed,
        WriteError::NotFound => no_article(id),
        WriteError::UnknownTier(tier) => {
            AppError::InvalidInput(format!("There is no tier {tier:?}: see GET /v1/admin/tiers."))
        }
        WriteError::Database(error) => error.into(),
    }
}

/// The refusal of a write whose `If-Match` names a version that is no longer the article's:
/// who changed it last, and when, as the audit log says.
async fn changed_since(state: &AppState, id: &str) -> AppError {
    match crate::store::audit::last_for(&state.db, &format!("article:{id}")).await {
        Ok(Some(entry)) => AppError::ChangedBy(format!(
            "{} changed this article at {} since you loaded it. Reload it to see their version.",
            entry.actor,
            crate::time::format(entry.at)
        )),
        _ => AppError::PreconditionFailed,
    }
}

fn no_article(id: &str) -> AppError {
    tracing::debug!(id, "unknown article");
    AppError::NotFound("There is no article with this id.".to_owned())
}
