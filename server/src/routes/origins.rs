//! `/v1/origins/check`: whether pages of the asking origin may use the API from a browser.
//!
//! A browser refuses the widget every answer of an API that does not allow its page's origin,
//! and tells the page only that the request failed: the same as an outage. This one answer
//! is open to every site (see `cors` in the routes), so the widget can tell the two apart and
//! name the setting to change.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use paywall_protocol::OriginCheck;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::extract::Json;
use crate::state::AppState;

/// Where the check is under the API's address (`/v1`), as the API's own layers see paths.
pub const CHECK_UNDER_API: &str =
    paywall_protocol::paths::ORIGINS_CHECK.split_at(paywall_protocol::paths::API.len()).1;

/// The origin-check route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(check))
}

/// `GET /v1/origins/check`: the `Origin` header's origin, and whether the server allows it.
#[utoipa::path(get, path = "/origins/check", tag = "articles",
    params(("Origin" = Option<String>, Header, description = "The page's origin, as the browser sends it")),
    responses((status = 200, description = "Whether pages of this origin may use the API from a browser", body = OriginCheck)))]
async fn check(State(state): State<AppState>, headers: HeaderMap) -> Json<OriginCheck> {
    let origin = headers.get(header::ORIGIN).and_then(|origin| origin.to_str().ok()).map(str::to_owned);
    let allowed = origin.as_deref().is_none_or(|origin| state.allows_origin(origin));
    Json(OriginCheck { origin, allowed })
}
