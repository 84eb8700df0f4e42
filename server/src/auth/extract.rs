//! The `SignedIn` extractor: a handler that takes one runs only for a signed-in reader; and
//! `Bearer`, its first half, for the one handler that checks the session itself.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::access::AccessKeys;
use crate::error::AppError;
use crate::store::{self, Db};

/// A reader whose bearer token was checked in this request: signed by us, unexpired, and
/// for a session that has not been revoked. A missing, malformed, forged or expired token is
/// a 401, never an anonymous reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedIn {
    /// The reader's id.
    pub id: i64,
    /// The session the token belongs to.
    pub session_id: i64,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn
where
    Db: FromRef<S>,
    Arc<AccessKeys>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let signed_in = <SignedIn as OptionalFromRequestParts<S>>::from_request_parts(parts, state);
        signed_in.await?.ok_or(AppError::InvalidToken("Sign in to read this."))
    }
}

/// `Option<SignedIn>`: `None` when the request carries no `Authorization` header at all; a
/// header that is there but not a live reader's token is still a 401, never anonymous.
impl<S: Send + Sync> OptionalFromRequestParts<S> for SignedIn
where
    Db: FromRef<S>,
    Arc<AccessKeys>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let Some(bearer) = <Bearer as OptionalFromRequestParts<S>>::from_request_parts(parts, state).await?
        else {
            return Ok(None);
        };
        if !store::sessions::is_active(&Db::from_ref(state), bearer.session_id, bearer.reader_id).await? {
            return Err(SESSION_ENDED);
        }
        Ok(Some(SignedIn { id: bearer.reader_id, session_id: bearer.session_id }))
    }
}

/// The refusal of a token whose session was revoked or has expired.
pub const SESSION_ENDED: AppError = AppError::InvalidToken("This session has ended. Sign in again.");

/// An access token signed by us and unexpired, whose session is NOT yet checked: a handler
/// that takes one must check it (as [`crate::access::entitlement::decide`] does for
/// `Asker::Bearer`) before serving anything. Missing: `None`; malformed, forged or expired: a 401.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bearer {
    /// The reader the token names.
    pub reader_id: i64,
    /// The session it belongs to.
    pub session_id: i64,
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Bearer
where
    Arc<AccessKeys>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else { return Ok(None) };
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(AppError::InvalidToken("The Authorization header must be `Bearer <token>`."))?;
        let claims = Arc::<AccessKeys>::from_ref(state).verify(token)?;
        let reader_id: i64 =
            claims.sub.parse().map_err(|_| AppError::InvalidToken("The access token is not valid."))?;
        Ok(Some(Bearer { reader_id, session_id: claims.sid }))
    }
}
