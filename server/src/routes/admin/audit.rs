//! `/v1/admin/audit`: every admin write, newest first.

use axum::extract::State;
use paywall_protocol::admin::AuditPage;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::paging::{next_cursor, page_size};
use crate::auth::Admin;
use crate::error::AppResult;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use crate::store::audit;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
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
