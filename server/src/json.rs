//! A JSON body extractor whose rejections are problem+json like every other error.

use axum::extract::FromRequest;

use crate::error::AppError;

/// `axum::Json`, but a malformed, mistyped, oversized or non-JSON body becomes an [`AppError`].
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}
