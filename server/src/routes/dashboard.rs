//! `/admin`: the publisher's dashboard, a WebAssembly app (the `admin` crate, built into
//! `www/admin/pkg`). Every page address under `/admin/` answers the same page, whose app then
//! draws the page the address names; its files (`boot.js`, `admin.css`, `pkg/…`) are served
//! as they are. The page has a strict content security policy of its own: scripts and styles
//! from this server only, nothing inline, no frames around it.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::AppError;
use crate::state::AppState;

/// The dashboard's policy: its own scripts (and WebAssembly), styles and API, nothing else.
/// One allowance: `style` attributes (`style-src-attr`), which plotters sets on the span it
/// measures the charts' label text with. An attribute cannot run script, and with `img-src`
/// limited to this server (and fonts to none) it cannot load anything from elsewhere either.
const POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                      style-src-attr 'unsafe-inline'; \
                      img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
                      frame-ancestors 'none'";

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(page))
        .route("/admin/{*path}", get(file_or_page))
}

/// A file of the app's (anything with an extension, or under `pkg/`), else the page.
async fn file_or_page(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().trim_start_matches("/admin/");
    // The page's own file is the page, with its headers.
    let is_file = path != "index.html"
        && (path.starts_with("pkg/") || path.rsplit('/').next().is_some_and(|name| name.contains('.')));
    if !is_file {
        return page(State(state)).await;
    }
    // The copies `cargo xtask` compressed beside the WebAssembly and its glue, where the
    // browser takes them: brotli at quality 11 is a fifth smaller than compressing per request.
    let files = ServeDir::new(state.config.site.join("www"))
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(axum::routing::any(missing).with_state(()));
    match files.oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

async fn missing() -> AppError {
    AppError::NotFound("The dashboard has no such file.".into())
}

/// The page every dashboard address answers.
async fn page(State(state): State<AppState>) -> Response {
    let file = state.config.site.join("www/admin/index.html");
    let Ok(html) = tokio::fs::read(&file).await else {
        return AppError::NotFound(
            "The dashboard is not built on this server (www/admin is missing).".into(),
        )
        .into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY)),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
        ],
        html,
    )
        .into_response()
}
