//! `/v1/admin/webhooks`: the publisher's endpoints for outbound webhooks, their secrets, and
//! what was delivered to them.

use axum::extract::State;
use axum::http::StatusCode;
use paywall_protocol::admin::{
    WebhookDeliveries, WebhookDelivery, WebhookEndpoint, WebhookEndpointSettings, WebhookEndpoints,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::paging::{next_cursor, page_size};
use crate::auth::admin::{Admin, Owner};
use crate::error::{AppError, AppResult};
use crate::http::extract::{Json, Path, Query};
use crate::publishing::webhooks::{ROTATION_OVERLAP_SECONDS, check_url, new_secret};
use crate::state::AppState;
use crate::store::audit::Entry;
use crate::store::webhooks as store;

/// The webhook endpoint routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_endpoint, update, delete))
        .routes(routes!(rotate))
        .routes(routes!(deliveries))
        .routes(routes!(retry))
}

/// `GET /v1/admin/webhooks`: every endpoint (without secrets).
#[utoipa::path(get, path = "/admin/webhooks", tag = "admin", security(("admin_key" = [])),
    responses((status = 200, description = "Every endpoint, oldest first", body = WebhookEndpoints)))]
async fn list(State(state): State<AppState>, _admin: Admin) -> AppResult<Json<WebhookEndpoints>> {
    Ok(Json(WebhookEndpoints { endpoints: store::endpoints(&state.db).await? }))
}

/// `POST /v1/admin/webhooks`: adds an endpoint; the answer holds its signing secret, shown
/// this once.
#[utoipa::path(post, path = "/admin/webhooks", tag = "admin", request_body = WebhookEndpointSettings,
    security(("admin_key" = [])),
    responses(
        (status = 201, description = "The endpoint added, with its secret", body = WebhookEndpoint),
        (status = 422, description = "A URL that is not https (or http to loopback), or an unknown event type",
            body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Json(body): Json<WebhookEndpointSettings>,
) -> AppResult<(StatusCode, Json<WebhookEndpoint>)> {
    let settings = checked(body)?;
    let audit = Entry {
        actor: &admin.actor,
        action: "webhook.create",
        target: String::new(),
        detail: describe(&settings),
    };
    let endpoint = store::create_endpoint(&state.db, &settings, &new_secret(), &audit).await?;
    Ok((StatusCode::CREATED, Json(endpoint)))
}

/// `GET /v1/admin/webhooks/{id}`: one endpoint (without its secret).
#[utoipa::path(get, path = "/admin/webhooks/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id")), security(("admin_key" = [])),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpoint),
        (status = 404, description = "No such endpoint", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn get_endpoint(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
) -> AppResult<Json<WebhookEndpoint>> {
    store::endpoint_by_id(&state.db, id).await?.map(Json).ok_or_else(no_endpoint)
}

/// `PUT /v1/admin/webhooks/{id}`: replaces an endpoint's settings; its secret stays.
#[utoipa::path(put, path = "/admin/webhooks/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id")), request_body = WebhookEndpointSettings,
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "The endpoint as stored", body = WebhookEndpoint),
        (status = 404, description = "No such endpoint", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "A URL that is not https (or http to loopback), or an unknown event type",
            body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Path(id): Path<i64>,
    Json(body): Json<WebhookEndpointSettings>,
) -> AppResult<Json<WebhookEndpoint>> {
    let settings = checked(body)?;
    let audit = Entry {
        actor: &admin.actor,
        action: "webhook.update",
        target: format!("webhook:{id}"),
        detail: describe(&settings),
    };
    store::update_endpoint(&state.db, id, &settings, &audit).await?.map(Json).ok_or_else(no_endpoint)
}

/// `DELETE /v1/admin/webhooks/{id}`: removes an endpoint and its deliveries.
#[utoipa::path(delete, path = "/admin/webhooks/{id}", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id")), security(("admin_key" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such endpoint", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn delete(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let audit = Entry {
        actor: &admin.actor,
        action: "webhook.delete",
        target: format!("webhook:{id}"),
        detail: String::new(),
    };
    if store::delete_endpoint(&state.db, id, &audit).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_endpoint())
    }
}

/// `POST /v1/admin/webhooks/{id}/rotate-secret`: a new signing secret, shown this once. For a
/// day deliveries carry signatures with both, so the receiver can switch without a gap.
#[utoipa::path(post, path = "/admin/webhooks/{id}/rotate-secret", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id")), security(("admin_key" = [])),
    responses(
        (status = 200, description = "The endpoint, with its new secret", body = WebhookEndpoint),
        (status = 404, description = "No such endpoint", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn rotate(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Path(id): Path<i64>,
) -> AppResult<Json<WebhookEndpoint>> {
    let audit = Entry {
        actor: &admin.actor,
        action: "webhook.rotate_secret",
        target: format!("webhook:{id}"),
        detail: "the old secret also signs for 24 hours".to_owned(),
    };
    let until = crate::time::now() + ROTATION_OVERLAP_SECONDS;
    store::rotate_secret(&state.db, id, &new_secret(), until, &audit).await?.map(Json).ok_or_else(no_endpoint)
}

/// Paging back through an endpoint's deliveries.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeliveriesQuery {
    /// The last id of the previous page: older deliveries.
    before: Option<i64>,
    /// How many (1 to 500; default 50).
    limit: Option<u32>,
}

/// `GET /v1/admin/webhooks/{id}/deliveries`: what was sent there, newest first: each event,
/// its body, how many tries, the last answer, what comes next.
#[utoipa::path(get, path = "/admin/webhooks/{id}/deliveries", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id"), DeliveriesQuery), security(("admin_key" = [])),
    responses(
        (status = 200, description = "A page of deliveries", body = WebhookDeliveries),
        (status = 404, description = "No such endpoint", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn deliveries(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<i64>,
    Query(query): Query<DeliveriesQuery>,
) -> AppResult<Json<WebhookDeliveries>> {
    let limit = page_size(query.limit)?;
    store::endpoint_by_id(&state.db, id).await?.ok_or_else(no_endpoint)?;
    let deliveries = store::deliveries(&state.db, id, query.before, limit).await?;
    let next_before = next_cursor(&deliveries, limit, |delivery| delivery.id);
    Ok(Json(WebhookDeliveries { deliveries, next_before }))
}

/// `POST /v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry`: sends a delivery again now
/// (one that failed, or one to send once more), with the same `webhook-id`.
#[utoipa::path(post, path = "/admin/webhooks/{id}/deliveries/{delivery_id}/retry", tag = "admin",
    params(("id" = i64, Path, description = "The endpoint's id"),
        ("delivery_id" = i64, Path, description = "The delivery's id")),
    security(("admin_key" = [])),
    responses(
        (status = 202, description = "Queued to be sent now", body = WebhookDelivery),
        (status = 404, description = "No such delivery to this endpoint", body = paywall_protocol::Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is paused", body = paywall_protocol::Problem,
            content_type = "application/problem+json")))]
async fn retry(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Path((id, delivery_id)): Path<(i64, i64)>,
) -> AppResult<(StatusCode, Json<WebhookDelivery>)> {
    let audit = Entry {
        actor: &admin.actor,
        action: "webhook.retry",
        target: format!("webhook:{id}"),
        detail: format!("delivery {delivery_id}"),
    };
    let endpoint = store::endpoint_by_id(&state.db, id).await?.ok_or_else(no_endpoint)?;
    if !endpoint.settings.active {
        return Err(AppError::Conflict(
            "This endpoint is paused: set it active again (PUT) and its deliveries go out.".to_owned(),
        ));
    }
    match store::retry(&state.db, id, delivery_id, crate::time::now(), &audit).await? {
        Some(delivery) => Ok((StatusCode::ACCEPTED, Json(delivery))),
        None => Err(AppError::NotFound("This endpoint has no delivery with this id.".to_owned())),
    }
}

/// The settings to store: a URL deliveries may go to, a description of at most 500
/// characters and no control characters (PostgreSQL's text holds no NUL).
fn checked(mut settings: WebhookEndpointSettings) -> AppResult<WebhookEndpointSettings> {
    settings.url = settings.url.trim().to_owned();
    settings.description = settings.description.trim().to_owned();
    check_url(&settings.url).map_err(|why| AppError::InvalidInput(why.to_owned()))?;
    if settings.description.chars().count() > 500 || settings.description.chars().any(char::is_control) {
        return Err(AppError::InvalidInput(
            "description has at most 500 characters, none of them control characters.".to_owned(),
        ));
    }
    Ok(settings)
}

fn describe(settings: &WebhookEndpointSettings) -> String {
    let events: Vec<&str> = settings.events.iter().map(|kind| kind.as_str()).collect();
    let events = if events.is_empty() { "every event".to_owned() } else { events.join(", ") };
    let paused = if settings.active { "" } else { ", paused" };
    // The origin only: a path or query may hold a token of the receiver's.
    let origin =
        reqwest::Url::parse(&settings.url).map(|url| url.origin().ascii_serialization()).unwrap_or_default();
    format!("{origin} ({events}{paused})")
}

fn no_endpoint() -> AppError {
    AppError::NotFound("There is no webhook endpoint with this id.".to_owned())
}
