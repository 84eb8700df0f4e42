//! The server's one error type, and how each error becomes an `application/problem+json` response.
//!
//! Internal causes are logged here and never sent: a 500 says only that something went wrong.

use std::path::PathBuf;

use axum::extract::rejection::{BytesRejection, FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::{PROBLEM_CONTENT_TYPE, Problem, Reason};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request's body or query string could not be read as what the endpoint expects.
    #[error("invalid request body: {detail}")]
    InvalidRequest {
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
    /// Typed sign-in digits were refused: wrong, expired, spent or out of tries.
    #[error("code refused: {0:?}")]
    CodeRefused(CodeRefused),
    /// An emailed link's token is unknown, expired or already spent.
    #[error("sign-in link expired")]
    LinkExpired,
    /// Changing the password needs the current password (or, with none, an emailed code),
    /// and the request did not give it.
    #[error("proof required (has a password: {has_password})")]
    ProofRequired {
        /// Whether the reader has a password (so the proof asked for is the password).
        has_password: bool,
    },
    /// The current password given to change it is wrong.
    #[error("wrong current password")]
    WrongPassword,
    /// The emailed code given to set a password was refused.
    #[error("proof code refused: {0:?}")]
    ProofCodeRefused(CodeRefused),
    /// A publisher token names an email that has an account here, without saying it verified it.
    #[error("account exists")]
    AccountExists,
    /// An identity provider's verified sign-in names an email that has an account here, and the
    /// provider does not say it verified the email.
    #[error("account exists (identity provider)")]
    ProviderAccountExists,
    /// An identity provider's sign-in names an email the provider did not verify, which nobody
    /// here has: no account is made from it.
    #[error("unverified email (identity provider)")]
    ProviderUnverified,
    /// A passkey's answer was refused: the passkey is unknown (removed), or the answer failed
    /// a check.
    #[error("passkey refused: {0}")]
    PasskeyRefused(&'static str),
    /// A page on a site passkeys are not for asked for a passkey ceremony.
    #[error("passkey asked for from another site: {0}")]
    PasskeyWrongSite(String),
    /// An identity provider's sign-in did not complete, or its answer failed a check.
    #[error("identity provider sign-in refused: {0}")]
    ProviderRefused(String),
    /// An identity provider could not be reached, or answered wrongly.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// The bearer token or refresh token is missing, malformed, forged, expired or revoked.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The reader is signed in but has no subscription that includes this.
    #[error("no subscription to {tier}")]
    NoSubscription {
        /// The tier the article needs.
        tier: String,
    },
    /// The reader subscribes, to a tier below the one the article needs.
    #[error("higher tier required: {tier}")]
    HigherTierRequired {
        /// The tier the article needs.
        tier: String,
    },
    /// The meter would open the article, but the reader's free articles are spent: the
    /// refusal the reader would have had without a meter, with their counts.
    #[error("free articles spent: {refused}")]
    MeterSpent {
        /// The refusal without the meter.
        refused: Box<AppError>,
        /// The reader's counts.
        meter: paywall_protocol::Meter,
    },
    /// A gift link that does not open the article (`gift_unavailable`), or one more than the
    /// subscriber may make (`gift_allowance_spent`).
    #[error("gift refused: {0:?}")]
    GiftRefused(Reason),
    /// The admin API key is missing, malformed, unknown, revoked or expired.
    #[error("invalid API key: {0}")]
    InvalidKey(&'static str),
    /// The resource changed since the version a write names: by whom, and when.
    #[error("changed since: {0}")]
    ChangedBy(String),
    /// Signed in, but this staff member's role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The resource is not in the state the request's `If-Match` / `If-None-Match` expects.
    #[error("precondition failed")]
    PreconditionFailed,
    /// The request conflicts with what is stored.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A conflict the client can act on: why, in words and as a reason.
    #[error("refused: {1:?}")]
    Refused(String, Reason),
    /// The payment provider could not do what was asked.
    #[error("payment provider")]
    Payment(#[from] ProviderError),
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
    /// Too much work is queued (password hashing); the client should come back shortly.
    #[error("overloaded, retry after {retry_after} s")]
    Overloaded {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The request (its body, or the work it asked for) took longer than the server allows.
    #[error("request timed out")]
    RequestTimeout,
    /// The database failed.
    #[error("the database failed")]
    Database(#[from] sqlx::Error),
    /// Something else inside the server failed: what it was doing, and why, if there is a cause.
    #[error("{context}")]
    Internal {
        /// What the server was doing.
        context: &'static str,
        /// What failed underneath.
        #[source]
        source: Option<BoxError>,
    },
}

/// Any error, as a cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl AppError {
    /// An internal failure while doing `context`, caused by `source`.
    pub fn internal(context: &'static str, source: impl Into<BoxError>) -> Self {
        AppError::Internal { context, source: Some(source.into()) }
    }

    /// An internal failure with no cause beneath it: something that should not happen.
    pub fn bug(context: &'static str) -> Self {
        AppError::Internal { context, source: None }
    }
}

/// An error and each of its causes, joined with ": ", for a log line. A cause whose words the
/// text already ends with (some errors repeat their source in their own message) is not said
/// twice.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(next) = cause {
        let words = next.to_string();
        if !text.ends_with(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        cause = next.source();
    }
    text
}

/// The wait a client is told after a storage failure that passes: a restarting database, a
/// full pool, a disk error.
const STORAGE_RETRY_AFTER_SECONDS: u64 = 2;

/// Whether a database error is the storage being unreachable or out of room for now, not a
/// fault in the request or the server: no connection came free in time, the connection broke
/// (a PostgreSQL restart), the disk failed or is full, the database is locked or busy. These
/// are answered 503 with `Retry-After`: the transaction was rolled back, so retrying is safe.
pub fn database_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => {
            let Some(code) = error.code() else { return false };
            match error.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
                // SQLite's primary result code is the low byte of its extended code: BUSY 5,
                // LOCKED 6, NOMEM 7, READONLY 8, IOERR 10, FULL 13, CANTOPEN 14, PROTOCOL 15.
                Some(_) => code
                    .parse::<i32>()
                    .is_ok_and(|code| matches!(code & 0xff, 5 | 6 | 7 | 8 | 10 | 13 | 14 | 15)),
                // PostgreSQL's SQLSTATE classes: 08 connection exception, 53 insufficient
                // resources (disk full, out of memory, too many connections), 57P01-03 the
                // server shutting down or starting, 40001/40P01 a transaction chosen to be
                // rolled back.
                None => {
                    code.starts_with("08")
                        || code.starts_with("53")
                        || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "40001" | "40P01")
                }
            }
        }
        _ => false,
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::InvalidRequest { status: rejection.status(), detail: rejection.body_text() }
    }
}

impl From<FormRejection> for AppError {
    fn from(rejection: FormRejection) -> Self {
        AppError::InvalidRequest { status: rejection.status(), detail: rejection.body_text() }
    }
}

impl From<BytesRejection> for AppError {
    fn from(rejection: BytesRejection) -> Self {
        AppError::InvalidRequest { status: rejection.status(), detail: rejection.body_text() }
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        AppError::InvalidRequest { status: rejection.status(), detail: rejection.body_text() }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::InvalidRequest { status: rejection.status(), detail: rejection.body_text() }
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
            AppError::MeterSpent { refused, meter } => Parts {
                detail: Some(if meter.registered_limit > 0 {
                    format!(
                        "You have read your {} free articles for now. Sign up for {} more, or subscribe.",
                        meter.limit, meter.registered_limit
                    )
                } else {
                    format!("You have read your {} free articles for now. Subscribe to read on.", meter.limit)
                }),
                ..refused.parts()
            },
            AppError::InvalidRequest { status, detail } => {
                parts(*status, "about:blank", "Invalid request", Some(detail.clone()), None)
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
            AppError::CodeRefused(refused) => {
                let (reason, detail) = code_refusal(*refused);
                parts(StatusCode::UNAUTHORIZED, "urn:paywall:code-refused", "Code not accepted", Some(detail), Some(reason))
            }
            AppError::LinkExpired => parts(
                StatusCode::UNAUTHORIZED,
                "urn:paywall:code-refused",
                "Code not accepted",
                Some("This sign-in link has expired or was already used. Ask for a new code.".to_owned()),
                Some(Reason::CodeExpired),
            ),
            AppError::ProofRequired { has_password } => parts(
                StatusCode::FORBIDDEN,
                "urn:paywall:proof-required",
                "Proof required",
                Some(if *has_password {
                    "Enter your current password to change it.".to_owned()
                } else {
                    "Ask for a code by email, then enter it with your new password.".to_owned()
                }),
                Some(Reason::ProofRequired),
            ),
            AppError::WrongPassword => parts(
                StatusCode::FORBIDDEN,
                "urn:paywall:wrong-password",
                "Wrong password",
                Some("That is not your current password.".to_owned()),
                Some(Reason::WrongPassword),
            ),
            AppError::ProofCodeRefused(refused) => {
                let (reason, detail) = code_refusal(*refused);
                parts(StatusCode::FORBIDDEN, "urn:paywall:code-refused", "Code not accepted", Some(detail), Some(reason))
            }
            AppError::ProviderAccountExists => parts(
                StatusCode::CONFLICT,
                "urn:paywall:unverified-email",
                "Account exists",
                Some(
                    "An account with this email already exists here, and the provider did not confirm the \
                     address. Sign in with an emailed code instead."
                        .to_owned(),
                ),
                Some(Reason::UnverifiedEmail),
            ),
            AppError::ProviderUnverified => parts(
                StatusCode::FORBIDDEN,
                "urn:paywall:unverified-email",
                "Email not verified",
                Some(
                    "The provider did not confirm your email address, so it cannot sign you in here. Sign in \
                     with an emailed code instead."
                        .to_owned(),
                ),
                Some(Reason::UnverifiedEmail),
            ),
            AppError::PasskeyRefused(why) => parts(
                StatusCode::UNAUTHORIZED,
                "urn:paywall:passkey-refused",
                "Passkey not accepted",
                Some((*why).to_owned()),
                Some(Reason::PasskeyRefused),
            ),
            AppError::PasskeyWrongSite(why) => parts(
                StatusCode::FORBIDDEN,
                "urn:paywall:passkey-wrong-site",
                "Passkeys are for another site",
                Some(why.clone()),
                Some(Reason::PasskeyWrongSite),
            ),
            AppError::ProviderRefused(why) => parts(
                StatusCode::UNAUTHORIZED,
                "urn:paywall:provider-refused",
                "Sign-in not completed",
                Some(why.clone()),
                Some(Reason::ProviderRefused),
            ),
            AppError::ProviderUnavailable(why) => parts(
                StatusCode::BAD_GATEWAY,
                "urn:paywall:provider-unavailable",
                "Identity provider unavailable",
                Some(why.clone()),
                Some(Reason::ProviderUnavailable),
            ),
            AppError::AccountExists => parts(
                StatusCode::CONFLICT,
                "urn:paywall:account-exists",
                "Account exists",
                Some(
                    "An account with this email already exists here. Sign in with an emailed code, or have the \
                     publisher's token say the email is verified."
                        .to_owned(),
                ),
                Some(Reason::AccountExists),
            ),
            AppError::InvalidToken(why) => parts(
                StatusCode::UNAUTHORIZED,
                "urn:paywall:invalid-token",
                "Not signed in",
                Some((*why).to_owned()),
                None,
            ),
            AppError::NoSubscription { tier } => parts(
                StatusCode::FORBIDDEN,
                "urn:paywall:no-subscription",
                "No active subscription",
                Some(format!("This article is for subscribers to the {tier} tier, and this account has no active subscription.")),
                Some(Reason::NoSubscription),
            ),
            AppError::HigherTierRequired { tier } => parts(
                StatusCode::FORBIDDEN,
                "urn:paywall:higher-tier-required",
                "Higher tier required",
                Some(format!("This article is for subscribers to the {tier} tier; this account's subscription does not include it.")),
                Some(Reason::HigherTierRequired),
            ),
            AppError::InvalidKey(why) => parts(
                StatusCode::UNAUTHORIZED,
                "urn:paywall:invalid-key",
                "Invalid API key",
                Some((*why).to_owned()),
                None,
            ),
            AppError::ChangedBy(why) => parts(
                StatusCode::PRECONDITION_FAILED,
                "urn:paywall:precondition-failed",
                "Changed since you read it",
                Some(why.clone()),
                None,
            ),
            AppError::Forbidden(why) => {
                parts(StatusCode::FORBIDDEN, "urn:paywall:forbidden", "Not allowed", Some(why.clone()), None)
            }
            AppError::PreconditionFailed => parts(
                StatusCode::PRECONDITION_FAILED,
                "urn:paywall:precondition-failed",
                "Changed since you read it",
                Some("It has changed since the version your If-Match names (or exists, for If-None-Match: *). GET it again, and send the new ETag.".to_owned()),
                None,
            ),
            AppError::Conflict(what) => {
                parts(StatusCode::CONFLICT, "about:blank", "Conflict", Some(what.clone()), None)
            }
            AppError::GiftRefused(Reason::GiftAllowanceSpent) => parts(
                StatusCode::TOO_MANY_REQUESTS,
                "urn:paywall:gift-allowance-spent",
                "No gift links left",
                Some("You have made as many gift links as a month allows. Try again in a few days.".to_owned()),
                Some(Reason::GiftAllowanceSpent),
            ),
            AppError::GiftRefused(reason) => parts(
                StatusCode::FORBIDDEN,
                "urn:paywall:gift-unavailable",
                "Gift link unavailable",
                Some(
                    "This gift link has expired, was withdrawn, has been opened in as many browsers as it may, \
                     or is for another article."
                        .to_owned(),
                ),
                Some(*reason),
            ),
            AppError::Refused(what, reason) => {
                parts(StatusCode::CONFLICT, "urn:paywall:refused", "Not possible", Some(what.clone()), Some(*reason))
            }
            AppError::Payment(_) => parts(
                StatusCode::BAD_GATEWAY,
                "urn:paywall:payment-provider",
                "Payment provider unavailable",
                Some("The payment provider could not be reached. Please try again in a moment.".to_owned()),
                None,
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
            AppError::Overloaded { .. } => parts(
                StatusCode::SERVICE_UNAVAILABLE,
                "urn:paywall:overloaded",
                "Busy",
                Some("The server is busy. Try again in a moment.".to_owned()),
                None,
            ),
            AppError::RequestTimeout => parts(
                StatusCode::REQUEST_TIMEOUT,
                "about:blank",
                "Request timeout",
                Some("The request took too long. Please try again.".to_owned()),
                None,
            ),
            AppError::Database(error) if database_unavailable(error) => parts(
                StatusCode::SERVICE_UNAVAILABLE,
                "urn:paywall:unavailable",
                "Unavailable",
                Some("The server cannot reach its storage at the moment. Nothing was changed. Try again in a moment.".to_owned()),
                None,
            ),
            AppError::Database(_) | AppError::Internal { .. } => parts(
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
        if let AppError::MeterSpent { refused, meter } = self {
            return Problem { meter: Some(meter.clone()), detail: self.parts().detail, ..refused.problem() };
        }
        let Parts { status, kind, title, detail, reason } = self.parts();
        let retry_after = match self {
            AppError::RateLimited { retry_after } | AppError::Overloaded { retry_after } => {
                Some(*retry_after)
            }
            AppError::Database(error) if database_unavailable(error) => Some(STORAGE_RETRY_AFTER_SECONDS),
            _ => None,
        };
        let attempts_left = match self {
            AppError::CodeRefused(CodeRefused::Wrong { attempts_left })
            | AppError::ProofCodeRefused(CodeRefused::Wrong { attempts_left }) => {
                u32::try_from(*attempts_left).ok()
            }
            _ => None,
        };
        let tier = match self {
            AppError::NoSubscription { tier } | AppError::HigherTierRequired { tier } => Some(tier.clone()),
            _ => None,
        };
        Problem {
            kind: kind.to_owned(),
            detail,
            reason,
            retry_after,
            attempts_left,
            tier,
            ..Problem::new(status.as_u16(), title)
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        if let AppError::Overloaded { .. } = self {
            // Shed on purpose: a line for each would itself load a server that is shedding.
            tracing::debug!(error = %self, "request shed");
        } else if problem.status >= 500 {
            tracing::error!(error = %with_causes(&self), "request failed");
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

/// The reason and the words for refused digits.
fn code_refusal(refused: CodeRefused) -> (Reason, String) {
    match refused {
        CodeRefused::Expired => {
            (Reason::CodeExpired, "This code has expired or was already used. Ask for a new one.".to_owned())
        }
        CodeRefused::Wrong { attempts_left } => (
            Reason::WrongCode,
            format!(
                "That code isn't right. {attempts_left} {} left.",
                if attempts_left == 1 { "try" } else { "tries" }
            ),
        ),
        CodeRefused::TooManyAttempts => {
            (Reason::TooManyAttempts, "Too many wrong tries for this code. Ask for a new one.".to_owned())
        }
    }
}

/// The result type of every handler.
pub type AppResult<T> = Result<T, AppError>;

/// Why the server could not start. `main` prints it with its causes; none of it is ever an
/// HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is unsafe or incomplete; the message says what to do.
    #[error("{0}")]
    Refused(String),
    /// A setting's value cannot be used.
    #[error("{setting} is not valid")]
    Invalid {
        /// The setting, as its environment variable.
        setting: &'static str,
        /// What is wrong with it.
        #[source]
        source: BoxError,
    },
    /// A file or directory could not be read, written or created.
    #[error("{action} {}", path.display())]
    File {
        /// What was being done to it.
        action: &'static str,
        /// Which file.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened, brought up to date, or prepared.
    #[error("preparing the database")]
    Database(#[from] sqlx::Error),
    /// A password could not be hashed (the demo's, or the decoy).
    #[error("hashing a password")]
    Hashing(#[source] argon2::password_hash::Error),
}

impl StartError {
    /// A setting whose value cannot be used, and why.
    pub fn invalid(setting: &'static str, source: impl Into<BoxError>) -> Self {
        StartError::Invalid { setting, source: source.into() }
    }

    /// A file that could not be read, written or created.
    pub fn file(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| StartError::File { action, path, source }
    }
}

/// Why typed digits were not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeRefused {
    /// No live code was sent to this email: none asked for, or expired, spent or voided.
    Expired,
    /// Not the code sent; this many tries are left.
    Wrong {
        /// Tries left before the email's codes stop taking digits.
        attempts_left: i64,
    },
    /// The email's live codes have had too many wrong tries.
    TooManyAttempts,
}

/// Why the provider could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// It could not be reached, or answered with a server error.
    #[error("the payment provider could not be reached: {0}")]
    Unreachable(String),
    /// It refused the request (a 4xx): what it said.
    #[error("the payment provider refused: {0}")]
    Refused(String),
    /// It has nothing by that id.
    #[error("the payment provider has no such object")]
    NotFound,
}
