//! The request extractors that read bodies and query strings: axum's, but every rejection (a
//! malformed, mistyped, oversized or undeclared body, a bad query string) becomes the same
//! problem+json as every other error.

use axum::extract::{FromRequest, FromRequestParts};

use crate::error::AppError;

/// `axum::Json`, with rejections as problems.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

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
