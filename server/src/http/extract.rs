//! The request extractors that read bodies and query strings: axum's, but every rejection (a
//! malformed, mistyped, oversized or undeclared body, a bad query string) becomes the same
//! problem+json as every other error.

use axum::extract::rejection::{JsonRejection, MissingJsonContentType};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header};

use crate::error::AppError;

/// `axum::Json`, with rejections as problems, and text with a NUL character (`\u0000`)
/// refused: PostgreSQL's text cannot hold one, and no field means it.
pub struct Json<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(request.headers()) {
            return Err(JsonRejection::from(MissingJsonContentType::default()).into());
        }
        let bytes = axum::body::Bytes::from_request(request, state).await?;
        if escapes_nul(&bytes) {
            return Err(AppError::InvalidInput("Text may not contain the NUL character (\\u0000).".into()));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Json(value))
    }
}

/// `application/json` or `application/*+json`, as `axum::Json` takes.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether JSON text has a `\u0000` escape (a raw NUL is no valid JSON anyway): one preceded
/// by an odd number of backslashes in all, so not an escaped backslash followed by `u0000`.
fn escapes_nul(json: &[u8]) -> bool {
    json.windows(6).enumerate().any(|(at, window)| {
        window == b"\\u0000" && json[..at].iter().rev().take_while(|byte| **byte == b'\\').count() % 2 == 0
    })
}

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// The raw body (`axum::body::Bytes`), with rejections (too large, unreadable) as problems.
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(RawBody(axum::body::Bytes::from_request(request, state).await?))
    }
}

/// `axum::extract::Path`, with rejections as problems (`/v1/admin/readers/abc`).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query`, with rejections as problems.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// `axum::Form`, with rejections as problems.
#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct Form<T>(pub T);

#[cfg(test)]
mod tests {
    use super::escapes_nul;

    #[test]
    fn a_nul_escape_is_found_and_an_escaped_backslash_is_not_one() {
        assert!(escapes_nul(br#"{"name":"a\u0000b"}"#));
        assert!(escapes_nul(br#"["\\\u0000"]"#));
        assert!(!escapes_nul(br#"{"name":"a\\u0000b"}"#));
        assert!(escapes_nul(br#"{"name":"a\u00001"}"#));
        assert!(!escapes_nul(br#"{"name":"\u0001"}"#));
    }
}
