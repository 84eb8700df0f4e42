//! The server's one error type, and how each error becomes an `application/problem+json` response.
//!
//! Internal causes are logged here and never sent: a 500 says only that something went wrong.

use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::{DenialReason, PROBLEM_CONTENT_TYPE, Problem};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request body could not be read as the JSON the endpoint expects.
    #[error("invalid request body: {detail}")]
    InvalidBody {
        /// The status the rejection calls for (400, 413, 415 or 422).
        status: StatusCode,
        /// What was wrong with the body, for the client.
        detail: String,
    },
    /// The email and password do not belong to one reader.
    #[error("wrong email or password")]
    InvalidCredentials,
    /// The bearer token or refresh token is missing, malformed, forged, expired or revoked.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The reader is signed in but may not read this.
    #[error("access denied: {0:?}")]
    Forbidden(DenialReason),
    /// Nothing is at this path.
    #[error("not found: {0}")]
    NotFound(String),
    /// The path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Something else inside the server failed.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::InvalidBody {
            status: rejection.status(),
            detail: rejection.body_text(),
        }
    }
}

impl AppError {
    /// The problem body for this error: what the client is allowed to know.
    fn problem(&self) -> Problem {
        let (status, kind, title, detail, reason) = match self {
            AppError::InvalidBody { status, detail } => (
                *status,
                "about:blank",
                "Invalid request body",
                Some(detail.clone()),
                None,
            ),
            AppError::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                "urn:paywall:invalid-credentials",
                "Wrong email or password",
                Some("That email and password do not match an account.".to_owned()),
                None,
            ),
            AppError::InvalidToken(why) => (
                StatusCode::UNAUTHORIZED,
                "urn:paywall:invalid-token",
                "Not signed in",
                Some((*why).to_owned()),
                None,
            ),
            AppError::Forbidden(reason @ DenialReason::NoSubscription) => (
                StatusCode::FORBIDDEN,
                "urn:paywall:no-subscription",
                "No active subscription",
                Some(
                    "This account has no active subscription that includes this article."
                        .to_owned(),
                ),
                Some(*reason),
            ),
            AppError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "about:blank",
                "Not found",
                Some(what.clone()),
                None,
            ),
            AppError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "about:blank",
                "Method not allowed",
                None,
                None,
            ),
            AppError::Database(_) | AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "about:blank",
                "Something went wrong",
                Some("The server could not complete the request. Please try again.".to_owned()),
                None,
            ),
        };
        Problem {
            kind: kind.to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            reason,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        if problem.status >= 500 {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, "request refused");
        }
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).expect("a Problem always serializes");
        let mut response =
            (status, [(header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE)], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The result type of every handler.
pub type AppResult<T> = Result<T, AppError>;
