//! `/v1/admin`: what a publisher's CMS and tools call with an API key. Articles (with entity
//! tags, so that two editors cannot overwrite each other unseen), the tier ladder, readers,
//! their subscriptions and sessions, and the audit log every write here lands in.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::LockedSection;
use paywall_protocol::admin::{
    Article, ArticlePage, AuditPage, Grant, NewReader, Reader, ReaderDetail, ReaderPage, SignedOut,
    Subscription, Tier, Tiers,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Admin;
use crate::error::{AppError, AppResult};
use crate::extract::{Json, Path, Query};
use crate::store::articles::{Precondition, Put, WriteError};
use crate::store::audit::Entry;
use crate::store::subscriptions::GrantError;
use crate::store::tiers::{FREE, LadderError, REGISTERED};
use crate::store::{articles, audit, readers, sessions, subscriptions, tiers};
use crate::time::now;
use crate::{import, sanitize};

/// The largest body the admin API reads: an article with its locked sections.
pub const MAX_ADMIN_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The most items one page holds, and how many when the request does not say.
const MAX_PAGE: u32 = 500;
const DEFAULT_PAGE: u32 = 50;

/// The longest title, of an article or a section, in characters.
const MAX_TITLE_CHARS: usize = 500;

/// The most locked sections an article may have.
const MAX_SECTIONS: usize = 200;

/// The admin routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles))
        .routes(routes!(get_article, put_article, delete_article))
        .routes(routes!(get_tiers, put_tiers))
        .routes(routes!(list_readers, create_reader))
        .routes(routes!(get_reader))
        .routes(routes!(grant_subscription))
        .routes(routes!(sign_reader_out))
        .routes(routes!(end_subscription))
        .routes(routes!(list_audit))
        .routes(routes!(get_stats))
}

/// The period of `GET /v1/admin/stats`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StatsQuery {
    /// Days of starts and ends, up to today (1 to 366; default 30).
    days: Option<u32>,
}

/// `GET /v1/admin/stats`: subscriptions by tier and state, monthly recurring revenue, starts
/// and ends per day, and the articles whose prompts sold subscriptions.
#[utoipa::path(get, path = "/admin/stats", tag = "admin", params(StatsQuery), security(("admin_key" = [])),
    responses((status = 200, description = "The numbers", body = paywall_protocol::admin::Stats)))]
async fn get_stats(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<StatsQuery>,
) -> AppResult<Json<paywall_protocol::admin::Stats>> {
    let days = query.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(AppError::InvalidInput("days must be from 1 to 366.".to_owned()));
    }
    Ok(Json(crate::store::stats::stats(&state.db, days).await?))
}

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
    admin: Admin,
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
    admin: Admin,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult<StatusCode> {
    let audit = Entry {
        actor: &admin.actor,
        action: "article.delete",
        target: format!("article:{id}"),
        detail: String::new(),
    };
    articles::delete(&state.db, &id, &precondition(&headers), &audit)
        .await
        .map_err(|error| write_error(error, &id))?;
    state.catalog.forget(&id);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/admin/tiers`: the ladder, lowest first.
#[utoipa::path(get, path = "/admin/tiers", tag = "admin", security(("admin_key" = [])),
    responses((status = 200, description = "The tier ladder", body = Tiers)))]
async fn get_tiers(State(state): State<AppState>, _admin: Admin) -> AppResult<Json<Tiers>> {
    Ok(Json(Tiers { tiers: tiers::ladder(&state.db).await? }))
}

/// `PUT /v1/admin/tiers`: a new ladder, lowest first, starting with `free` and `registered`.
/// A tier that articles or subscriptions name cannot be left out (409).
#[utoipa::path(put, path = "/admin/tiers", tag = "admin", request_body = Tiers, security(("admin_key" = [])),
    responses(
        (status = 200, description = "The ladder as stored", body = Tiers),
        (status = 409, description = "A tier left out is still in use", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Not a ladder", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn put_tiers(
    State(state): State<AppState>,
    admin: Admin,
    Json(body): Json<Tiers>,
) -> AppResult<Json<Tiers>> {
    check_ladder(&body.tiers)?;
    let names: Vec<&str> = body.tiers.iter().map(|tier| tier.name.as_str()).collect();
    let audit = Entry {
        actor: &admin.actor,
        action: "tiers.put",
        target: "tiers".to_owned(),
        detail: names.join(" < "),
    };
    match tiers::replace(&state.db, &body.tiers, &audit).await {
        Ok(_) => Ok(Json(Tiers { tiers: tiers::ladder(&state.db).await? })),
        Err(LadderError::InUse(names)) => Err(AppError::Conflict(format!(
            "These tiers are still named by articles or subscriptions: {}.",
            names.join(", ")
        ))),
        Err(LadderError::Database(error)) => Err(error.into()),
    }
}

/// Finding and paging through readers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReadersQuery {
    /// Only the reader with this email.
    email: Option<String>,
    /// The last id of the previous page.
    after: Option<i64>,
    /// How many (1 to 500; default 50).
    limit: Option<u32>,
}

/// `GET /v1/admin/readers`: a page of readers by id, or the one with `email`.
#[utoipa::path(get, path = "/admin/readers", tag = "admin", params(ReadersQuery), security(("admin_key" = [])),
    responses((status = 200, description = "A page of readers", body = ReaderPage)))]
async fn list_readers(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<ReadersQuery>,
) -> AppResult<Json<ReaderPage>> {
    let limit = page_size(query.limit)?;
    let email = query.email.as_deref().map(readers::normalize_email);
    let readers = readers::admin_page(&state.db, email.as_deref(), query.after, limit).await?;
    let next_after = next_cursor(&readers, limit, |reader| reader.id);
    Ok(Json(ReaderPage { readers, next_after }))
}

/// `POST /v1/admin/readers`: adds a reader (201), or answers the one the email has (200).
/// They sign in with an emailed code, as any reader does.
#[utoipa::path(post, path = "/admin/readers", tag = "admin", request_body = NewReader, security(("admin_key" = [])),
    responses(
        (status = 200, description = "The reader the email already had", body = Reader),
        (status = 201, description = "The reader added", body = Reader),
        (status = 422, description = "Not an email address", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn create_reader(
    State(state): State<AppState>,
    admin: Admin,
    Json(body): Json<NewReader>,
) -> AppResult<Response> {
    let email = readers::valid_email(&body.email).ok_or(AppError::InvalidEmail)?;
    let name = body.name.as_deref().map(str::trim).filter(|name| !name.is_empty());
    if name.is_some_and(|name| name.chars().count() > MAX_TITLE_CHARS) {
        return Err(AppError::InvalidInput(format!("A name has at most {MAX_TITLE_CHARS} characters.")));
    }
    let audit =
        Entry { actor: &admin.actor, action: "reader.create", target: String::new(), detail: email.clone() };
    let (reader, created) = readers::admin_create(&state.db, &email, name, &audit).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(reader)).into_response())
}

/// `GET /v1/admin/readers/{id}`: a reader, their subscriptions and their live sessions.
#[utoipa::path(get, path = "/admin/readers/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The reader's id")), security(("admin_key" = [])),
    responses(
        (status = 200, description = "The reader", body = ReaderDetail),
        (status = 404, description = "No such reader", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn get_reader(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> AppResult<Json<ReaderDetail>> {
    let reader = readers::admin_by_id(&state.db, id).await?.ok_or_else(no_reader)?;
    let subscriptions = subscriptions::of_reader(&state.db, id).await?;
    let sessions = sessions::live_of(&state.db, id).await?;
    Ok(Json(ReaderDetail { reader, subscriptions, sessions }))
}

/// `POST /v1/admin/readers/{id}/subscriptions`: gives the reader a complimentary subscription
/// to a tier for a number of days.
#[utoipa::path(post, path = "/admin/readers/{id}/subscriptions", tag = "admin",
    params(("id" = i64, Path, description = "The reader's id")), request_body = Grant,
    security(("admin_key" = [])),
    responses(
        (status = 201, description = "The subscription given", body = Subscription),
        (status = 404, description = "No such reader", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "Not a tier a subscription opens, or a period out of range",
            body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn grant_subscription(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
    Json(body): Json<Grant>,
) -> AppResult<(StatusCode, Json<Subscription>)> {
    if !(1..=3660).contains(&body.days) {
        return Err(AppError::InvalidInput("days must be from 1 to 3660.".to_owned()));
    }
    let until = now() + i64::from(body.days) * 24 * 60 * 60;
    let audit = Entry {
        actor: &admin.actor,
        action: "subscription.grant",
        target: String::new(),
        detail: format!("reader {id}, tier {}, {} days", body.tier, body.days),
    };
    match subscriptions::grant(&state.db, id, &body.tier, until, &audit).await {
        Ok(subscription) => Ok((StatusCode::CREATED, Json(subscription))),
        Err(GrantError::NoReader) => Err(no_reader()),
        Err(GrantError::UnknownTier(tier)) => Err(AppError::InvalidInput(format!(
            "{tier:?} is not a tier a subscription opens: see GET /v1/admin/tiers (not free or registered)."
        ))),
        Err(GrantError::Database(error)) => Err(error.into()),
    }
}

/// `POST /v1/admin/readers/{id}/sign-out`: ends every session of the reader, on every device.
#[utoipa::path(post, path = "/admin/readers/{id}/sign-out", tag = "admin",
    params(("id" = i64, Path, description = "The reader's id")), security(("admin_key" = [])),
    responses(
        (status = 200, description = "How many sessions ended", body = SignedOut),
        (status = 404, description = "No such reader", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn sign_reader_out(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> AppResult<Json<SignedOut>> {
    readers::admin_by_id(&state.db, id).await?.ok_or_else(no_reader)?;
    let audit = Entry {
        actor: &admin.actor,
        action: "reader.sign_out",
        target: format!("reader:{id}"),
        detail: String::new(),
    };
    let sessions_ended = sessions::revoke_all(&state.db, id, Some(&audit)).await?;
    Ok(Json(SignedOut { sessions_ended }))
}

/// `POST /v1/admin/subscriptions/{id}/end`: ends a subscription now; its tier closes at once.
#[utoipa::path(post, path = "/admin/subscriptions/{id}/end", tag = "admin",
    params(("id" = i64, Path, description = "The subscription's id")), security(("admin_key" = [])),
    responses(
        (status = 200, description = "The subscription, ended", body = Subscription),
        (status = 404, description = "No such subscription", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn end_subscription(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<i64>,
) -> AppResult<Json<Subscription>> {
    let audit = Entry {
        actor: &admin.actor,
        action: "subscription.end",
        target: format!("subscription:{id}"),
        detail: String::new(),
    };
    let ended = subscriptions::end(&state.db, id, &audit).await?;
    ended.map(Json).ok_or_else(|| AppError::NotFound("There is no subscription with this id.".to_owned()))
}

/// Paging back through the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// The last id of the previous page: older entries.
    before: Option<i64>,
    /// How many (1 to 500; default 50).
    limit: Option<u32>,
}

/// `GET /v1/admin/audit`: every admin write, newest first: who, what, when.
#[utoipa::path(get, path = "/admin/audit", tag = "admin", params(AuditQuery), security(("admin_key" = [])),
    responses((status = 200, description = "A page of the audit log", body = AuditPage)))]
async fn list_audit(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<AuditQuery>,
) -> AppResult<Json<AuditPage>> {
    let limit = page_size(query.limit)?;
    let entries = audit::page(&state.db, query.before, limit).await?;
    let next_before = next_cursor(&entries, limit, |entry| entry.id);
    Ok(Json(AuditPage { entries, next_before }))
}

pub(super) fn page_size(limit: Option<u32>) -> AppResult<u32> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(limit @ 1..=MAX_PAGE) => Ok(limit),
        Some(_) => Err(AppError::InvalidInput(format!("limit must be from 1 to {MAX_PAGE}."))),
    }
}

/// Where the next page starts: after the last item, when this page is full.
pub(super) fn next_cursor<T, C>(items: &[T], limit: u32, cursor: impl Fn(&T) -> C) -> Option<C> {
    if items.len() < limit as usize { None } else { items.last().map(cursor) }
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

/// A ladder that can be stored: `free` and `registered` first, then unique names of lower-case
/// letters, digits, `-` and `_`, each with a label.
fn check_ladder(tiers: &[Tier]) -> AppResult<()> {
    let invalid = |why: String| Err(AppError::InvalidInput(why));
    if tiers.len() < 2 || tiers[0].name != FREE || tiers[1].name != REGISTERED {
        return invalid(format!("The ladder starts with {FREE:?} and {REGISTERED:?}."));
    }
    if tiers.len() > 32 {
        return invalid("A ladder has at most 32 tiers.".to_owned());
    }
    for (n, tier) in tiers.iter().enumerate() {
        let valid_name = (1..=32).contains(&tier.name.len())
            && tier
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
        if !valid_name {
            return invalid(format!(
                "Tier {:?}: a name is 1 to 32 lower-case letters, digits, `-` or `_`.",
                tier.name
            ));
        }
        if tier.label.trim().is_empty() || tier.label.chars().count() > 64 {
            return invalid(format!("Tier {:?} needs a label of 1 to 64 characters.", tier.name));
        }
        if tiers[..n].iter().any(|earlier| earlier.name == tier.name) {
            return invalid(format!("Tier {:?} is named twice.", tier.name));
        }
    }
    Ok(())
}

fn no_article(id: &str) -> AppError {
    tracing::debug!(id, "unknown article");
    AppError::NotFound("There is no article with this id.".to_owned())
}

fn no_reader() -> AppError {
    AppError::NotFound("There is no reader with this id.".to_owned())
}
