//! The admin API's keys, staff sessions, and the `Admin` extractor: a handler that takes one
//! runs only for a request that carries a live key or a staff session with the role it needs.

use std::marker::PhantomData;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use paywall_protocol::admin::StaffRole;

use crate::error::AppError;
use crate::random;
use crate::store::staff::StaffSession;
use crate::store::{self, Db, audit::Actor};

/// What every admin key starts with, so that a key pasted where it should not be (a commit, a
/// chat) is recognisable to people and to secret scanners.
pub const KEY_PREFIX: &str = "paywall_sk_";

/// How many characters of a key (after [`KEY_PREFIX`]) lists show to tell keys apart.
const SHOWN_CHARS: usize = 8;

/// A new key: the text shown once, and what the database keeps.
pub struct NewKey {
    /// `paywall_sk_` and 256 random bits (43 URL-safe characters).
    pub key: String,
    /// The key's first characters, for lists.
    pub prefix: String,
    /// SHA-256 of the key.
    pub hash: Vec<u8>,
}

impl NewKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let random::NewToken { token, .. } = random::NewToken::generate();
        let key = format!("{KEY_PREFIX}{token}");
        let prefix = key[..KEY_PREFIX.len() + SHOWN_CHARS].to_owned();
        let hash = random::token_hash(&key);
        NewKey { key, prefix, hash }
    }
}

/// The cookie a staff member's browser keeps their dashboard session in.
pub const STAFF_COOKIE: &str = "paywall_staff";

/// The header the dashboard sends with every request it makes with its cookie. A form on
/// another site cannot send it, and a script on another origin could only with a CORS
/// preflight that allows credentials, which this server never does: a request carrying the
/// cookie without it is refused, so another site cannot act in a staff member's name.
pub const STAFF_HEADER: &str = "paywall-staff";

/// How long a staff session lasts: a working day and a half, then sign in again.
pub const STAFF_SESSION_SECONDS: i64 = 36 * 60 * 60;

/// The least role a route needs: [`Viewer`], [`Editor`] or [`Owner`].
pub trait Needed: Send + Sync + 'static {
    /// The role.
    const ROLE: StaffRole;
}

/// Any member of the staff, or an API key: reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer;
/// Editors and owners: articles, tiers, offers, the meter, gift links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Editor;
/// Owners (and API keys): readers, webhooks, staff, API keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner;

impl Needed for Viewer {
    const ROLE: StaffRole = StaffRole::Viewer;
}
impl Needed for Editor {
    const ROLE: StaffRole = StaffRole::Editor;
}
impl Needed for Owner {
    const ROLE: StaffRole = StaffRole::Owner;
}

/// A request made with a live admin key or a staff member's live session, whose role is at
/// least `R`'s: a handler that takes `Admin<Editor>` never runs for a viewer. A key is an
/// owner: it is made by one, and machines have no one to ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admin<R: Needed = Viewer> {
    /// Who, as the audit log names them.
    pub actor: Actor,
    /// What they may do.
    pub role: StaffRole,
    /// The staff session, when it is a person signed in to the dashboard.
    pub session: Option<StaffSession>,
    needed: PhantomData<R>,
}

impl<S: Send + Sync, R: Needed> FromRequestParts<S> for Admin<R>
where
    Db: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let db = Db::from_ref(state);
        let admin = match parts.headers.get(AUTHORIZATION) {
            Some(header) => by_key(&db, header).await?,
            None => by_session(&db, &parts.headers).await?,
        };
        if admin.role < R::ROLE {
            return Err(AppError::Forbidden(format!(
                "Your role ({}) may not do this; it needs {}.",
                admin.role.as_str(),
                R::ROLE.as_str()
            )));
        }
        Ok(Admin { actor: admin.actor, role: admin.role, session: admin.session, needed: PhantomData })
    }
}

/// The owner an API key acts as.
async fn by_key(db: &Db, header: &HeaderValue) -> Result<Admin<Viewer>, AppError> {
    let key = header
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(AppError::InvalidKey("The admin API needs `Authorization: Bearer <API key>`."))?;
    // A reader's access token is never a key: it cannot have this prefix.
    if !key.starts_with(KEY_PREFIX) || key.len() != KEY_PREFIX.len() + 43 {
        return Err(AppError::InvalidKey("This is not an admin API key."));
    }
    let (id, name, prefix) = store::api_keys::live(db, &random::token_hash(key))
        .await?
        .ok_or(AppError::InvalidKey("This API key is unknown, revoked or expired."))?;
    let actor = Actor { key_id: Some(id), name: format!("key:{name} ({prefix}…)") };
    Ok(Admin { actor, role: StaffRole::Owner, session: None, needed: PhantomData })
}

/// The staff member whose session cookie this request carries, with the dashboard's header.
async fn by_session(db: &Db, headers: &HeaderMap) -> Result<Admin<Viewer>, AppError> {
    let token = staff_cookie(headers).ok_or(AppError::InvalidKey(
        "The admin API needs `Authorization: Bearer <API key>`, or a dashboard session.",
    ))?;
    if !headers.contains_key(STAFF_HEADER) {
        return Err(AppError::Forbidden(
            "The dashboard's requests carry its own header; this one did not.".into(),
        ));
    }
    let session = store::staff::session(db, &random::token_hash(token))
        .await?
        .ok_or(AppError::InvalidKey("This dashboard session has ended. Sign in again."))?;
    let actor = Actor { key_id: None, name: format!("staff:{}", session.member.email) };
    Ok(Admin { actor, role: session.member.role, session: Some(session), needed: PhantomData })
}

/// The staff session cookie's value, if the request carries exactly one. (Parsed here rather
/// than with a cookie crate: one name, and the value is URL-safe base64.) Two are refused: a
/// page on another port of the same host, or a sibling subdomain, can set a cookie of this name
/// with a longer path, which the browser would send first, signing the dashboard in as someone
/// else.
pub fn staff_cookie(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == STAFF_COOKIE)
        .map(|(_, value)| value.trim());
    let value = values.next().filter(|value| !value.is_empty())?;
    values.next().is_none().then_some(value)
}
