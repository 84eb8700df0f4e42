//! `/v1/admin/api-keys`: the keys machines use (owners only: a key acts as an owner).

use axum::extract::State;
use axum::http::StatusCode;
use paywall_protocol::admin::{ApiKey, ApiKeys, CreatedApiKey, NewApiKey};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::admin::{Admin, NewKey, Owner};
use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::store::api_keys::{self, KeyRow};
use crate::store::audit::Entry;
use crate::time::now;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(revoke))
}

fn listed(row: KeyRow) -> ApiKey {
    let KeyRow { id, name, prefix, created_at, expires_at, revoked_at, last_used_at } = row;
    ApiKey { id, name, prefix, created_at, expires_at, revoked_at, last_used_at }
}

/// `GET /v1/admin/api-keys`: every key, newest first (never the keys themselves).
#[utoipa::path(get, path = "/admin/api-keys", tag = "admin", security(("admin_key" = [])),
    responses((status = 200, description = "The keys", body = ApiKeys)))]
async fn list(State(state): State<AppState>, _admin: Admin<Owner>) -> AppResult<Json<ApiKeys>> {
    Ok(Json(ApiKeys { keys: api_keys::list(&state.db).await?.into_iter().map(listed).collect() }))
}

/// `POST /v1/admin/api-keys`: makes a key, shown in this answer only.
#[utoipa::path(post, path = "/admin/api-keys", tag = "admin", request_body = NewApiKey, security(("admin_key" = [])),
    responses((status = 201, description = "The key, shown this once", body = CreatedApiKey)))]
async fn create(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Json(body): Json<NewApiKey>,
) -> AppResult<(StatusCode, Json<CreatedApiKey>)> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::InvalidInput("name must have 1 to 100 characters.".into()));
    }
    if body.days.is_some_and(|days| !(1..=3650).contains(&days)) {
        return Err(AppError::InvalidInput("days must be from 1 to 3650.".into()));
    }
    let key = NewKey::generate();
    let expires_at = body.days.map(|days| now() + i64::from(days) * 24 * 60 * 60);
    let audit = Entry {
        actor: &admin.actor,
        action: "api_key.create",
        target: format!("api_key:{}", key.prefix),
        detail: name.to_owned(),
    };
    let id = api_keys::create(
        &state.db,
        name,
        &key.prefix,
        &key.hash,
        expires_at,
        admin.session.as_ref().map(|session| session.member.id),
        &audit,
    )
    .await?;
    let listed = ApiKey {
        id,
        name: name.to_owned(),
        prefix: key.prefix,
        created_at: now(),
        expires_at,
        revoked_at: None,
        last_used_at: None,
    };
    Ok((StatusCode::CREATED, Json(CreatedApiKey { key: key.key, listed })))
}

/// `DELETE /v1/admin/api-keys/{id}`: revokes a key at once.
#[utoipa::path(delete, path = "/admin/api-keys/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The key's id")), security(("admin_key" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No live key has this id", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn revoke(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let audit = Entry {
        actor: &admin.actor,
        action: "api_key.revoke",
        target: format!("api_key:{id}"),
        detail: String::new(),
    };
    match api_keys::revoke_by_id(&state.db, id, &audit).await? {
        0 => Err(AppError::NotFound("No live API key has this id.".into())),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}
