//! `/v1/admin/readers` and `/v1/admin/subscriptions`: readers, their subscriptions and sessions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use paywall_protocol::admin::{Grant, NewReader, Reader, ReaderDetail, ReaderPage, SignedOut, Subscription};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::paging::{next_cursor, page_size};
use crate::auth::admin::{Admin, Owner};
use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::store::audit::Entry;
use crate::store::subscriptions::GrantError;
use crate::store::{readers, sessions, subscriptions};
use crate::time::now;

/// The longest name of a reader, in characters.
const MAX_NAME_CHARS: usize = 500;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_readers, create_reader))
        .routes(routes!(get_reader))
        .routes(routes!(grant_subscription))
        .routes(routes!(sign_reader_out))
        .routes(routes!(end_subscription))
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
    admin: Admin<Owner>,
    Json(body): Json<NewReader>,
) -> AppResult<Response> {
    let email = readers::valid_email(&body.email).ok_or(AppError::InvalidEmail)?;
    let name = body.name.as_deref().map(str::trim).filter(|name| !name.is_empty());
    if name.is_some_and(|name| name.chars().count() > MAX_NAME_CHARS) {
        return Err(AppError::InvalidInput(format!("A name has at most {MAX_NAME_CHARS} characters.")));
    }
    let audit =
        Entry { actor: &admin.actor, action: "reader.create", target: String::new(), detail: email.clone() };
    let (reader, created) = readers::admin_create(&state.db, &email, name, &audit).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(reader)).into_response())
}

/// `GET /v1/admin/readers/{id}`: a reader, their subscriptions, their live sessions and their
/// gift links.
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
    let gifts = crate::store::gifts::of_reader(&state.db, id, now()).await?;
    Ok(Json(ReaderDetail { reader, subscriptions, sessions, gifts }))
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
    admin: Admin<Owner>,
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
    admin: Admin<Owner>,
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
    admin: Admin<Owner>,
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

fn no_reader() -> AppError {
    AppError::NotFound("There is no reader with this id.".to_owned())
}
