//! What an orchestrator asks: is the process up (`/healthz`), and can it serve (`/readyz`:
//! the database answers and has every migration this build knows). Plain text, cheap, and
//! outside the request log.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;
use crate::store;

/// The health routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(alive)).route("/readyz", get(ready))
}

/// `GET /healthz`: the process answers.
async fn alive() -> Response {
    plain(StatusCode::OK, "ok\n")
}

/// `GET /readyz`: 200 when the database answers and is up to date (and, with PostgreSQL,
/// still knows this server's signing key as every server's), else 503.
async fn ready(State(state): State<AppState>) -> Response {
    if !store::is_ready(&state.db).await {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the database does not answer or is not up to date\n",
        );
    }
    if let Some(fingerprint) = &state.key_fingerprint
        && !store::server_keys::still_agrees(&state.db, fingerprint).await
    {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: another server replaced the signing key; restart this one with the new key\n",
        );
    }
    plain(StatusCode::OK, "ready\n")
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
