//! `/v1/admin/sign-in`, `/v1/admin/session`, `/v1/admin/me` and `/v1/admin/staff`: the
//! dashboard's people. Staff sign in with a one-time link sent by email (or printed by
//! `paywall-server staff add`); the link's token becomes a session kept in an HTTP-only cookie.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use paywall_protocol::admin::{
    Me, NewStaff, SignedOut, StaffLinkToken, StaffList, StaffMember, StaffRoleChange, StaffSignIn,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::admin::{Admin, Owner, STAFF_COOKIE, STAFF_SESSION_SECONDS};
use crate::error::{AppError, AppResult};
use crate::http::client::Client;
use crate::http::extract::{Json, Path};
use crate::http::limits::EmailKey;
use crate::mail::{self, Mailer};
use crate::random::{self, NewToken};
use crate::state::AppState;
use crate::store::audit::{self, Actor, Entry};
use crate::store::staff::{self, StaffChange};
use crate::store::{Db, readers};
use crate::time::now;

/// How long a link asked for on the sign-in page works.
pub const SIGN_IN_LINK_SECONDS: i64 = 15 * 60;
/// How long an invitation's link (or the one `staff add` prints) works.
pub const INVITATION_SECONDS: i64 = 72 * 60 * 60;

/// The routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ask_for_link))
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(me))
        .routes(routes!(sign_out_everywhere))
        .routes(routes!(list, invite))
        .routes(routes!(change_role, remove))
        .routes(routes!(sign_member_out))
}

/// Stores a one-time sign-in link for `member` lasting `seconds`; returns its URL.
pub async fn new_link(db: &Db, public_url: &str, member: &StaffMember, seconds: i64) -> AppResult<String> {
    let token = NewToken::generate();
    staff::create_link(db, member.id, &token.hash, now() + seconds).await?;
    Ok(format!("{public_url}{}#token={}", mail::ADMIN_PATH, token.token))
}

/// `POST /v1/admin/sign-in`: emails a staff member a one-time sign-in link. The answer is the
/// same whether or not the address belongs to the staff.
#[utoipa::path(post, path = "/admin/sign-in", tag = "staff", request_body = StaffSignIn,
    responses(
        (status = 202, description = "If the address is a staff member's, a link is on its way"),
        (status = 422, description = "Not an email address", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many links asked for", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Email is not set up on this server", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn ask_for_link(
    State(state): State<AppState>,
    client: Client,
    Json(body): Json<StaffSignIn>,
) -> AppResult<StatusCode> {
    if matches!(*state.mailer, Mailer::Disabled) {
        return Err(AppError::Unavailable(
            "Email is not set up on this server: use `paywall-server staff add`.",
        ));
    }
    let email = readers::valid_email(&body.email).ok_or(AppError::InvalidEmail)?;
    let key = EmailKey::new(&email);
    state.limits.codes_per_client.check(&client).await?;
    state.limits.codes_per_client_and_email.check(&(client, key)).await?;
    state.limits.codes_per_email.check(&key).await?;
    if let Some(member) = staff::by_email(&state.db, &email).await? {
        let link = new_link(&state.db, &state.public_url, &member, SIGN_IN_LINK_SECONDS).await?;
        let message = mail::staff_sign_in(&state.config.publication, &email, &link, SIGN_IN_LINK_SECONDS);
        // Sent after the answer: how long the mail server takes, or that it failed, must not
        // tell an asker which addresses are on the staff.
        let (db, mailer) = (state.db.clone(), state.mailer.clone());
        tokio::spawn(async move {
            if let Err(error) = mailer.send(&db, message).await {
                tracing::warn!(%error, "a staff sign-in link could not be mailed");
            }
        });
    }
    Ok(StatusCode::ACCEPTED)
}

/// `POST /v1/admin/session`: spends a sign-in link's token and starts a dashboard session in
/// an HTTP-only cookie.
#[utoipa::path(post, path = "/admin/session", tag = "staff", request_body = StaffLinkToken,
    responses(
        (status = 200, description = "Signed in; the session is in the `paywall_staff` cookie", body = Me),
        (status = 401, description = "The link has expired or was used", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn sign_in(State(state): State<AppState>, Json(body): Json<StaffLinkToken>) -> AppResult<Response> {
    let cookie = NewToken::generate();
    let session = staff::sign_in_with_link(
        &state.db,
        &random::token_hash(body.token.trim()),
        &cookie.hash,
        STAFF_SESSION_SECONDS,
    )
    .await?
    .ok_or(AppError::LinkExpired)?;
    let actor = Actor { key_id: None, name: format!("staff:{}", session.member.email) };
    let target = format!("staff:{}", session.member.email);
    audit::insert(
        &state.db,
        &Entry { actor: &actor, action: "staff.sign_in", target, detail: String::new() },
    )
    .await?;
    let me = Me {
        name: format!("staff:{}", session.member.email),
        email: Some(session.member.email),
        role: session.member.role,
    };
    let set = session_cookie(&state, &cookie.token, STAFF_SESSION_SECONDS);
    Ok(([(header::SET_COOKIE, set), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(me))
        .into_response())
}

/// The `Set-Cookie` value for a session cookie lasting `seconds` (0: deleted). Only the admin
/// API sees it, no script can read it, and no other site's request carries it.
fn session_cookie(state: &AppState, token: &str, seconds: i64) -> HeaderValue {
    let secure = if state.public_url.starts_with("https://") { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{STAFF_COOKIE}={token}; Path=/v1/admin; Max-Age={seconds}; HttpOnly; SameSite=Strict{secure}"
    ))
    .expect("a token is URL-safe")
}

/// `DELETE /v1/admin/session`: signs this browser out.
#[utoipa::path(delete, path = "/admin/session", tag = "staff", security(("admin_key" = [])),
    responses((status = 204, description = "Signed out")))]
async fn sign_out(State(state): State<AppState>, admin: Admin) -> AppResult<Response> {
    if let Some(session) = &admin.session {
        staff::end_session(&state.db, session.session_id).await?;
        let entry = Entry {
            actor: &admin.actor,
            action: "staff.sign_out",
            target: format!("staff:{}", session.member.email),
            detail: "this browser".into(),
        };
        audit::insert(&state.db, &entry).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, session_cookie(&state, "", 0))]).into_response())
}

/// `GET /v1/admin/me`: who is signed in, and what they may do.
#[utoipa::path(get, path = "/admin/me", tag = "staff", security(("admin_key" = [])),
    responses((status = 200, description = "Who is asking", body = Me)))]
async fn me(admin: Admin) -> Json<Me> {
    let email = admin.session.map(|session| session.member.email);
    Json(Me { name: admin.actor.name, email, role: admin.role })
}

/// `POST /v1/admin/me/sign-out`: ends every dashboard session of the staff member asking (an
/// API key has none: it ends nothing).
#[utoipa::path(post, path = "/admin/me/sign-out", tag = "staff", security(("admin_key" = [])),
    responses((status = 200, description = "Every session of theirs ended", body = SignedOut)))]
async fn sign_out_everywhere(State(state): State<AppState>, admin: Admin) -> AppResult<Response> {
    // An API key has no sessions (revoking it is what ends it).
    let Some(session) = &admin.session else {
        return Ok(Json(SignedOut { sessions_ended: 0 }).into_response());
    };
    let audit = Entry {
        actor: &admin.actor,
        action: "staff.sign_out",
        target: format!("staff:{}", session.member.email),
        detail: "every session".into(),
    };
    let ended = staff::end_sessions(&state.db, session.member.id, &audit).await?;
    let cleared = session_cookie(&state, "", 0);
    Ok(([(header::SET_COOKIE, cleared)], Json(SignedOut { sessions_ended: ended })).into_response())
}

/// `GET /v1/admin/staff`: everyone.
#[utoipa::path(get, path = "/admin/staff", tag = "staff", security(("admin_key" = [])),
    responses((status = 200, description = "The staff", body = StaffList)))]
async fn list(State(state): State<AppState>, _admin: Admin) -> AppResult<Json<StaffList>> {
    Ok(Json(StaffList { staff: staff::list(&state.db).await? }))
}

/// `POST /v1/admin/staff`: adds a member and emails them a sign-in link (owners only).
#[utoipa::path(post, path = "/admin/staff", tag = "staff", request_body = NewStaff, security(("admin_key" = [])),
    responses(
        (status = 201, description = "Added and invited", body = StaffMember),
        (status = 409, description = "Already on the staff", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn invite(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Json(body): Json<NewStaff>,
) -> AppResult<(StatusCode, Json<StaffMember>)> {
    let email = readers::valid_email(&body.email).ok_or(AppError::InvalidEmail)?;
    let audit = Entry {
        actor: &admin.actor,
        action: "staff.add",
        target: format!("staff:{email}"),
        detail: format!("role {}", body.role.as_str()),
    };
    let member = staff::add(&state.db, &email, body.role, &audit)
        .await?
        .ok_or_else(|| AppError::Conflict("This address is already on the staff.".into()))?;
    if !matches!(*state.mailer, Mailer::Disabled) {
        let link = new_link(&state.db, &state.public_url, &member, INVITATION_SECONDS).await?;
        let message = mail::staff_invitation(&state.config.publication, &email, &link, &admin.actor.name);
        state.mailer.send(&state.db, message).await?;
    }
    Ok((StatusCode::CREATED, Json(member)))
}

/// `PUT /v1/admin/staff/{id}`: gives a member another role (owners only; never the last owner's).
#[utoipa::path(put, path = "/admin/staff/{id}", tag = "staff", request_body = StaffRoleChange,
    params(("id" = i64, Path, description = "The member's id")), security(("admin_key" = [])),
    responses(
        (status = 204, description = "Changed"),
        (status = 404, description = "No such member", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "It would leave no owner", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn change_role(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Path(id): Path<i64>,
    Json(body): Json<StaffRoleChange>,
) -> AppResult<StatusCode> {
    let audit = Entry {
        actor: &admin.actor,
        action: "staff.role",
        target: target(&state, id).await?,
        detail: format!("role {}", body.role.as_str()),
    };
    done(staff::set_role(&state.db, id, body.role, &audit).await?)
}

/// `DELETE /v1/admin/staff/{id}`: removes a member and ends their sessions (owners only;
/// never the last owner).
#[utoipa::path(delete, path = "/admin/staff/{id}", tag = "staff",
    params(("id" = i64, Path, description = "The member's id")), security(("admin_key" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such member", body = paywall_protocol::Problem, content_type = "application/problem+json"),
        (status = 409, description = "It would leave no owner", body = paywall_protocol::Problem, content_type = "application/problem+json")))]
async fn remove(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let audit = Entry {
        actor: &admin.actor,
        action: "staff.remove",
        target: target(&state, id).await?,
        detail: String::new(),
    };
    done(staff::remove(&state.db, id, &audit).await?)
}

/// `POST /v1/admin/staff/{id}/sign-out`: ends every session of a member (owners only).
#[utoipa::path(post, path = "/admin/staff/{id}/sign-out", tag = "staff",
    params(("id" = i64, Path, description = "The member's id")), security(("admin_key" = [])),
    responses((status = 200, description = "Their sessions ended", body = SignedOut)))]
async fn sign_member_out(
    State(state): State<AppState>,
    admin: Admin<Owner>,
    Path(id): Path<i64>,
) -> AppResult<Json<SignedOut>> {
    let audit = Entry {
        actor: &admin.actor,
        action: "staff.sign_out",
        target: target(&state, id).await?,
        detail: "every session".into(),
    };
    Ok(Json(SignedOut { sessions_ended: staff::end_sessions(&state.db, id, &audit).await? }))
}

/// How the audit log names member `id` (by email, as it does everywhere): a 404 if nobody.
async fn target(state: &AppState, id: i64) -> AppResult<String> {
    let member = staff::by_id(&state.db, id).await?;
    member.map(|member| format!("staff:{}", member.email)).ok_or_else(|| AppError::NotFound(NOBODY.into()))
}

const NOBODY: &str = "Nobody on the staff has this id.";

fn done(change: StaffChange) -> AppResult<StatusCode> {
    match change {
        StaffChange::Done => Ok(StatusCode::NO_CONTENT),
        StaffChange::Unknown => Err(AppError::NotFound(NOBODY.into())),
        StaffChange::LastOwner => Err(AppError::Conflict("The staff must keep at least one owner.".into())),
    }
}
