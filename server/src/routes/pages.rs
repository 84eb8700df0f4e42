//! The server's own HTML pages: the emailed link's confirmation page and, in demo mode, the
//! dev outbox. Both are plain HTML built with maud, which escapes every value by default (the
//! confirmation page runs one script, pinned by its hash).

use axum::Router;
use std::sync::LazyLock;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use base64::Engine;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use paywall_protocol::fragments;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::CODE_SECONDS;
use crate::error::{AppError, AppResult};
use crate::http::extract::Form;
use crate::mail::CONFIRM_PATH;
use crate::state::AppState;
use crate::store::outbox;

/// The page routes; `/dev/outbox` only in demo mode.
pub fn router(demo: bool) -> Router<AppState> {
    let router = Router::new().route(CONFIRM_PATH, get(confirm_page).post(confirm));
    if demo { router.route("/dev/outbox", get(dev_outbox)) } else { router }
}

/// The token an emailed link carries, as the confirmation form posts it.
#[derive(Deserialize)]
struct LinkToken {
    token: String,
}

/// Moves the token from the address's fragment (where the email put it, so it never reaches
/// a server or a log) into the form, and lets the reader confirm. Allowed by its hash in the
/// page's Content-Security-Policy; nothing else may run.
const CONFIRM_SCRIPT: &str = r#"const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (token) { document.getElementById("token").value = token; document.getElementById("confirm").disabled = false; }
else { document.getElementById("no-token").hidden = false; }"#;

/// `GET /sign-in/confirm#token=…`: asks the reader to confirm. A GET never spends the link (a
/// mail scanner that opens it signs nobody in), and never sees the token: it is in the fragment.
async fn confirm_page(State(state): State<AppState>) -> Response {
    let body = html! {
        h1 { "Sign in to " (state.config.publication) }
        p { "Sign in with the address this email was sent to, and go back to the article you were reading." }
        form method="post" action=(CONFIRM_PATH) {
            input type="hidden" name="token" id="token" value="";
            button type="submit" id="confirm" disabled { "Sign in and continue reading" }
        }
        p id="no-token" class="quiet" hidden {
            "This address is missing its sign-in token. Open the link from the email again, or type the \
             6-digit code from it on the article page."
        }
        noscript {
            p class="quiet" {
                "This page needs JavaScript to read the link. Or type the 6-digit code from the email on the article page."
            }
        }
        p class="quiet" { "If you did not ask to sign in, close this page; nothing changes." }
        script { (PreEscaped(CONFIRM_SCRIPT)) }
    };
    let mut response = page(StatusCode::OK, "Confirm sign-in", body);
    response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, confirm_policy(&state));
    response
}

/// `POST /sign-in/confirm`: the reader confirmed; back to the article with the link's token in
/// the fragment (which never reaches a server), where the widget spends it.
async fn confirm(State(state): State<AppState>, Form(link): Form<LinkToken>) -> AppResult<Response> {
    let Some(code) = state.codes.live_link(&state.db, &link.token).await? else {
        return Ok(expired_page(&state));
    };
    Ok(Redirect::to(&format!("{}{}{}", code.return_to, fragments::SIGN_IN_LINK, link.token)).into_response())
}

fn expired_page(state: &AppState) -> Response {
    let body = html! {
        h1 { "This link no longer works" }
        p {
            "Sign-in links work once, for " (CODE_SECONDS / 60) " minutes. Go back to the article on "
            (state.config.publication) " and ask for a new code."
        }
    };
    page(StatusCode::GONE, "Link expired", body)
}

/// `GET /dev/outbox`: the mail the demo would have sent, newest first.
async fn dev_outbox(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> AppResult<Response> {
    // Only for someone on this machine, and not through a proxy on it: the kept mail holds
    // every visitor's sign-in codes.
    let forwarded =
        ["x-forwarded-for", "forwarded", "x-real-ip"].iter().any(|name| headers.contains_key(*name));
    if !peer.ip().to_canonical().is_loopback() || forwarded {
        return Err(AppError::NotFound("Nothing is at this address.".to_owned()));
    }
    let kept = outbox::latest(&state.db, 20).await?;
    let body = html! {
        h1 { "Dev outbox" }
        p class="quiet" { "Demo mode with no SMTP server: sign-in emails are kept here instead of sent." }
        @if kept.is_empty() {
            p { "No mail yet. Ask for a sign-in code on the article page." }
        }
        @for email in &kept {
            article {
                h2 { (email.subject) }
                p class="quiet" { "To " (email.recipient) }
                pre { (email.body) }
                @if let Some(link) = email.body.lines().map(str::trim).find(|line| line.starts_with("http")) {
                    p { a href=(link) { "Open the sign-in link" } }
                }
            }
        }
    };
    Ok(page(StatusCode::OK, "Dev outbox", body))
}

/// The pages' own styles.
const STYLE: &str = "
body { max-width: 34rem; margin: 3rem auto; padding: 0 1.25rem; font: 17px/1.6 system-ui, sans-serif; color: #1f2328; }
button { padding: .7em 1.4em; border: 0; border-radius: 10px; background: #1d4ed8; color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
button:disabled { opacity: .6; cursor: default; }
button:focus-visible, a:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
pre { white-space: pre-wrap; background: #f6f7f9; padding: 1rem; border-radius: 8px; }
article { border-top: 1px solid #e5e7eb; margin-top: 1.5rem; }
.quiet { color: #4b5563; }
";

/// A complete page (every value in it escaped by the template) that runs no script but the
/// confirmation page's own, cannot be framed, and sends no referrer.
pub(super) fn page(status: StatusCode, title: &str, body: Markup) -> Response {
    let html = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    };
    let mut response = (status, html.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CONTENT_SECURITY_POLICY, content_security_policy());
    response
}

/// Nothing but the page's own styles; no forms, no framing.
fn content_security_policy() -> HeaderValue {
    HeaderValue::from_static(
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    )
}

/// The confirmation page's policy: its styles and its one script, pinned by its hash; its form
/// posts here, and the answer may redirect to a page a link may lead back to (browsers hold a
/// form's redirect to `form-action` too); no framing.
fn confirm_policy(state: &AppState) -> HeaderValue {
    static SCRIPT_HASH: LazyLock<String> = LazyLock::new(|| {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CONFIRM_SCRIPT.as_bytes()))
    });
    let targets: Vec<String> = state.return_origins();
    let policy = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; \
         form-action 'self' {targets}; base-uri 'none'; frame-ancestors 'none'",
        hash = *SCRIPT_HASH,
        targets = targets.join(" "),
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| {
        tracing::warn!("a configured origin cannot go in a header; the confirmation form posts here only");
        HeaderValue::from_str(&policy.replace(&targets.join(" "), ""))
            .expect("the policy without origins is valid")
    })
}
