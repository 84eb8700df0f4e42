//! The HTTP surface: the `/v1` API, one module per resource, and the demo site's files.

mod articles;
mod codes;
mod health;
mod pages;

pub use pages::CONFIRM_PATH;
mod readers;
mod sessions;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::error::AppError;

/// The largest request body the API reads; every request it takes is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The whole application: API, static files, and the layers around them.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let api = Router::new()
        .merge(articles::router())
        .merge(sessions::router())
        .merge(codes::router())
        .merge(readers::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(&config.cors_origins));
    let site = ServeDir::new(config.site.join("www"))
        .not_found_service(axum::routing::any(not_found).with_state(()));
    Router::new()
        .nest("/v1", api)
        .merge(pages::router(config.demo))
        .route_service("/", ServeFile::new(config.site.join("index.html")))
        .fallback_service(site)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(Duration::from_secs(config.request_timeout), time_limit))
        .layer(TraceLayer::new_for_http())
        // Added after the layers: probes every few seconds stay out of the request log.
        .merge(health::router())
        .with_state(state)
}

/// Every request is answered within the configured time: a body that trickles in, or work
/// that does not finish, gets a 408 problem instead of holding the connection.
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::RequestTimeout.into_response(),
    }
}

/// CORS for the configured publisher origins only; with none configured, no cross-origin
/// access at all. Never a wildcard: responses depend on the reader's token.
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .map(|origin| origin.trim())
        .filter(|origin| !origin.is_empty())
        .filter_map(|origin| match HeaderValue::from_str(origin.trim_end_matches('/')) {
            Ok(value) => Some(value),
            Err(_) => {
                tracing::warn!(origin, "ignoring a CORS origin that is not a valid header value");
                None
            }
        })
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600))
}

async fn not_found() -> AppError {
    AppError::NotFound("Nothing is at this address.".to_owned())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
