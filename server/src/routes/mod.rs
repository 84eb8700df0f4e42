//! The HTTP surface: the `/v1` API, one module per resource, and the demo site's files.

pub(crate) mod admin;
mod articles;
mod checkout;
mod codes;
mod dashboard;
mod demo_checkout;
mod events;
mod gifts;
mod health;
mod offers;
mod openapi;
mod origins;
mod pages;
mod passkeys;
mod prompt;
mod providers;
mod readers;
mod sessions;
mod stripe_events;

pub use admin::MAX_ADMIN_BODY_BYTES;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use paywall_protocol::headers;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::http::admission::{self, Admission};
use crate::state::AppState;

/// The largest request body the API reads; every request it takes is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The whole application: API, static files, and the layers around them.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let (api, description) =
        utoipa_axum::router::OpenApiRouter::with_openapi(<openapi::ApiDoc as utoipa::OpenApi>::openapi())
            .merge(articles::router())
            .merge(prompt::router())
            .merge(origins::router())
            .merge(sessions::router())
            .merge(passkeys::router())
            .merge(providers::router())
            .merge(codes::router())
            .merge(readers::router())
            .merge(offers::router())
            .merge(gifts::router())
            .merge(events::router())
            .merge(checkout::router())
            .merge(stripe_events::router())
            .merge(admin::router())
            .split_for_parts();
    let description = openapi::document(description).to_json().expect("the description serializes");
    let api = api
        .route(
            "/openapi.json",
            axum::routing::get(move || async move {
                (
                    [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")],
                    description,
                )
            }),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(no_nul_in_address))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(&config.cors_origins));
    let files = ServeDir::new(config.site.join("www"))
        .not_found_service(axum::routing::any(not_found).with_state(()));
    let site = Router::new()
        .route_service("/", ServeFile::new(config.site.join("index.html")))
        .fallback_service(files)
        .layer(middleware::from_fn(with_etag));
    let widget = state.widget.as_ref().map(|widget| widget.router()).unwrap_or_default();
    Router::new()
        .nest("/v1", api)
        .merge(pages::router(config.demo.on))
        .merge(dashboard::router())
        .merge(demo_checkout::router())
        .merge(widget)
        .merge(site)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            Duration::from_secs(config.connections.request_timeout),
            time_limit,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        // Outermost, so a shed request costs next to nothing.
        .layer(middleware::from_fn_with_state(Admission::from_config(&config, body_limit), admission::admit))
        // Added after the layers: probes every few seconds stay out of the request log.
        .merge(health::router())
        .with_state(state)
}

/// A request's span in the log: its method and path, never its query, where a provider's
/// callback carries its code and `state` (and a careless client a token).
fn request_span(request: &Request) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}

/// The largest body a path takes: the admin API's (imports), Stripe's events, or the rest of
/// the API's. The admission layer reads no more than this before the route's own limit.
fn body_limit(path: &str) -> usize {
    if path.starts_with("/v1/admin/") {
        MAX_ADMIN_BODY_BYTES
    } else if path == stripe_events::PATH {
        stripe_events::MAX_WEBHOOK_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// An address whose path or query holds an encoded NUL (`%00`) is refused before any handler
/// sees it: no id, email or setting has one, and PostgreSQL's text cannot hold one.
async fn no_nul_in_address(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if uri.path().contains("%00") || uri.query().is_some_and(|query| query.contains("%00")) {
        return AppError::InvalidRequest {
            status: axum::http::StatusCode::BAD_REQUEST,
            detail: "The address may not contain the NUL character (%00).".into(),
        }
        .into_response();
    }
    next.run(request).await
}

/// Every request is answered within the configured time: a body that trickles in, or work
/// that does not finish, gets a 408 problem instead of holding the connection.
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::RequestTimeout.into_response(),
    }
}

/// The largest site file given an entity tag: pages, not media (the demo's are a few KB).
/// Larger files keep `Last-Modified` alone.
const MAX_TAGGED_BYTES: u64 = 256 * 1024;

/// Gives the site's pages a weak entity tag (a hash of their bytes) and answers 304 when the
/// browser already has that version. The widget's files carry their own.
async fn with_etag(mut request: Request, next: Next) -> Response {
    let conditions = (request.method() == Method::GET).then(|| request.headers().clone());
    // With an entity tag to compare, the date is not to be used (RFC 9110, 13.1.3): a file
    // deployed with an old modification time would otherwise be answered 304.
    if request.headers().contains_key(header::IF_NONE_MATCH) {
        request.headers_mut().remove(header::IF_MODIFIED_SINCE);
    }
    let response = next.run(request).await;
    let Some(conditions) = conditions else { return response };
    let small = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|length| length <= MAX_TAGGED_BYTES);
    if response.status() != StatusCode::OK || !small || response.headers().contains_key(header::ETAG) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::try_from(MAX_TAGGED_BYTES).unwrap_or(usize::MAX)).await
    else {
        return AppError::bug("a site file could not be read").into_response();
    };
    let etag = HeaderValue::from_str(&format!("W/\"{}\"", crate::widget::short_hash(&bytes)))
        .expect("hex is a valid header");
    if crate::widget::matches_etag(&conditions, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    parts.headers.insert(header::ETAG, etag);
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// CORS for the configured publisher origins only; with none configured, no cross-origin
/// access at all. Never a wildcard: responses depend on the reader's token. The one exception
/// is the origin check, which every site may read (it says only whether that site is allowed).
fn cors(configured: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = configured
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
        .allow_origin(AllowOrigin::predicate(move |origin, request| {
            allowed.contains(origin) || request.uri.path().ends_with(origins::CHECK_UNDER_API)
        }))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers(
            [header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH, header::IF_NONE_MATCH]
                .into_iter()
                .chain(headers::ALL.map(HeaderName::from_static))
                .collect::<Vec<_>>(),
        )
        .expose_headers([header::ETAG, HeaderName::from_static(headers::VISITOR)])
        .max_age(std::time::Duration::from_secs(600))
}

async fn not_found() -> AppError {
    AppError::NotFound("Nothing is at this address.".to_owned())
}

async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
