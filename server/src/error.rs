//! The server's one error type, and how each error becomes an `application/problem+json` response.
//!
//! Internal causes are logged here and never sent: a 500 says only that something went wrong.

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::{PROBLEM_CONTENT_TYPE, Problem, Reason};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request body could not be read as what the endpoint expects.
    #[error("invalid request body: {detail}")]
    InvalidBody {
        /// The status the rejection calls for (400, 413, 415 or 422).
        status: StatusCode,
        /// What was wrong with the body, for the client.
        detail: String,
    },
    /// A field is well-formed JSON but not an acceptable value.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The email address cannot receive mail.
    #[error("invalid email")]
    InvalidEmail,
    /// The email and password do not belong to one reader.
    #[error("wrong email or password")]
    InvalidCredentials,
    /// A one-time code or link was refused: wrong, expired, spent or out of tries.
    #[error("code refused: {reason:?}")]
    CodeRefused {
        /// Which of the three it is.
        reason: Reason,
        /// What to tell the reader.
        detail: String,
        /// For a wrong code, the tries it has left.
        attempts_left: Option<u32>,
    },
    /// The bearer token or refresh token is missing, malformed, forged, expired or revoked.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The reader is signed in but has no subscription that includes this.
    #[error("no subscription")]
    NoSubscription,
    /// Too many requests of this kind from this address or for this email.
    #[error("rate limited for {retry_after} s")]
    RateLimited {
        /// Seconds until a request will be accepted again.
        retry_after: u64,
    },
    /// Nothing is at this path.
    #[error("not found: {0}")]
    NotFound(String),
    /// The path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The feature is not configured on this server.
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Something else inside the server failed.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::InvalidBody { status: rejection.status(), detail: rejection.body_text() }
    }
}

impl From<FormRejection> for AppError {
    fn from(rejection: FormRejection) -> Self {
        AppError::InvalidBody { status: rejection.status(), detail: rejection.body_text() }
    }
}

/// The parts of a problem body.
struct Parts {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: Option<String>,
    reason: Option<Reason>,
}

impl AppError {
    fn parts(&self) -> Parts {
        let parts = |status, kind, title, detail: Option<String>, reason| Parts {
            status,
            kind,
            title,
            detail,
            reason,
        };
        match self {
            AppError::InvalidBody { status, detail } => {
                parts(*status, "about:blank", "Invalid request body", Some(detail.clone()), None)
            }
            AppError::InvalidInput(detail) => parts(
                StatusCode::UNPROCESSABLE_ENTITY,
                "about:blank",
                "Invalid input",
                Some(detail.clone()),
                None,
            ),
            AppError::InvalidEmail => parts(
                StatusCode::UNPROCESSABLE_ENTITY,
                "urn:paywall:invalid-email",
                "Invalid email address",
                Some("Enter an email address like name@example.com.".to_owned()),
                Some(Reason::InvalidEmail),
            ),
            AppError::InvalidCredentials => parts(
                StatusCode::UNAUTHORIZED,
                "urn:paywall:invalid-credentials",
                "Wrong email or password",
                Some("That email and password do not match an account.".to_owned()),
                None,
            ),
            AppError::CodeRefused { reason, detail, .. } => parts(
                StatusCode::UNAUTHORIZED,
                "urn:paywall:code-refused",
                "Code not accepted",
                Some(detail.clone()),
                Some(*reason),
            ),
            AppError::InvalidToken(why) => parts(
                StatusCode::UNAUTHORIZED,
                "urn:paywall:invalid-token",
                "Not signed in",
                Some((*why).to_owned()),
                None,
            ),
            AppError::NoSubscription => parts(
                StatusCode::FORBIDDEN,
                "urn:paywall:no-subscription",
                "No active subscription",
                Some("This account has no active subscription that includes this article.".to_owned()),
                Some(Reason::NoSubscription),
            ),
            AppError::RateLimited { retry_after } => parts(
                StatusCode::TOO_MANY_REQUESTS,
                "urn:paywall:rate-limited",
                "Too many requests",
                Some(format!("Too many tries. Try again in {retry_after} seconds.")),
                Some(Reason::RateLimited),
            ),
            AppError::NotFound(what) => {
                parts(StatusCode::NOT_FOUND, "about:blank", "Not found", Some(what.clone()), None)
            }
            AppError::MethodNotAllowed => {
                parts(StatusCode::METHOD_NOT_ALLOWED, "about:blank", "Method not allowed", None, None)
            }
            AppError::Unavailable(what) => parts(
                StatusCode::SERVICE_UNAVAILABLE,
                "about:blank",
                "Not available",
                Some((*what).to_owned()),
                None,
            ),
            AppError::Database(_) | AppError::Internal(_) => parts(
                StatusCode::INTERNAL_SERVER_ERROR,
                "about:blank",
                "Something went wrong",
                Some("The server could not complete the request. Please try again.".to_owned()),
                None,
            ),
        }
    }

    /// The problem body: what the client is allowed to know.
    pub fn problem(&self) -> Problem {
        let Parts { status, kind, title, detail, reason } = self.parts();
        let retry_after = match self {
            AppError::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        };
        let attempts_left = match self {
            AppError::CodeRefused { attempts_left, .. } => *attempts_left,
            _ => None,
        };
        Problem {
            attempts_left,
            kind: kind.to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            reason,
            retry_after,
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
        let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).expect("a Problem always serializes");
        let mut response = (status, [(header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE)], body).into_response();
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = problem.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The result type of every handler.
pub type AppResult<T> = Result<T, AppError>;
