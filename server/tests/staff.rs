//! The dashboard's people and the funnel's counters: staff sign in with one-time links into
//! sessions kept in a cookie; every admin operation needs a role, and a role below it changes
//! nothing; the widget's events are counted exactly, and nothing about who is kept.

mod common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use paywall_protocol::admin::StaffRole;
use paywall_server::random::NewToken;
use paywall_server::store::audit::{Actor, Entry};
use paywall_server::store::staff;
use serde_json::{Value, json};

/// Adds `email` to the staff with `role`, as `paywall-server staff add` does, and returns a
/// fresh one-time sign-in token for them.
async fn staff_link(server: &TestServer, email: &str, role: StaffRole) -> String {
    let actor = Actor::command_line();
    let audit = Entry { actor: &actor, action: "staff.add", target: email.into(), detail: String::new() };
    let member = match staff::add(&server.state.db, email, role, &audit).await.unwrap() {
        Some(member) => member,
        None => staff::by_email(&server.state.db, email).await.unwrap().unwrap(),
    };
    let token = NewToken::generate();
    staff::create_link(&server.state.db, member.id, &token.hash, paywall_server::time::now() + 600)
        .await
        .unwrap();
    token.token
}

/// Spends a sign-in token; the reply.
async fn spend(server: &TestServer, token: &str) -> Reply {
    server.post_json("/v1/admin/session", &json!({ "token": token }).to_string()).await
}

/// A signed-in staff member's cookie (`paywall_staff=…`).
async fn session(server: &TestServer, email: &str, role: StaffRole) -> String {
    let reply = spend(server, &staff_link(server, email, role).await).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let set = reply.header(header::SET_COOKIE).to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/v1/admin"),
        "{set}"
    );
    set.split(';').next().unwrap().to_owned()
}

/// A request as the dashboard makes it: the cookie and the dashboard's header.
async fn as_staff(
    server: &TestServer,
    method: Method,
    path: &str,
    cookie: &str,
    body: Option<Value>,
) -> Reply {
    let builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, cookie)
        .header("paywall-staff", "1");
    let request = match body {
        Some(body) => {
            builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string()))
        }
        None => builder.body(Body::empty()),
    };
    server.send(request.unwrap()).await
}

/// Sends `request` from 127.0.0.1 through the router in a task of its own (beside others,
/// which `TestServer::send` cannot); the answer's status.
fn spawn_send(app: axum::Router, mut request: Request<Body>) -> tokio::task::JoinHandle<StatusCode> {
    use tower::ServiceExt;
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))));
    tokio::spawn(async move { app.oneshot(request).await.unwrap().status() })
}

/// The least role each admin operation needs, as `METHOD /path` in the OpenAPI description.
/// `None`: no role (signing in). The test below fails on an operation missing here, so a new
/// route cannot be added without deciding who may use it.
fn least_role() -> BTreeMap<&'static str, Option<StaffRole>> {
    use StaffRole::{Editor, Owner, Viewer};
    let viewer = [
        "GET /admin/articles",
        "GET /admin/articles/{id}",
        "GET /admin/audit",
        "GET /admin/funnel",
        "GET /admin/gift-policy",
        "GET /admin/me",
        "GET /admin/meter",
        "GET /admin/offers",
        "GET /admin/offers/{id}",
        "GET /admin/readers",
        "GET /admin/readers/{id}",
        "GET /admin/staff",
        "GET /admin/stats",
        "GET /admin/tiers",
        "GET /admin/webhooks",
        "GET /admin/webhooks/{id}",
        "GET /admin/webhooks/{id}/deliveries",
        "DELETE /admin/session",
        "POST /admin/me/sign-out",
    ];
    let editor = [
        "PUT /admin/articles/{id}",
        "DELETE /admin/articles/{id}",
        "PUT /admin/gift-policy",
        "PUT /admin/meter",
        "POST /admin/offers",
        "PUT /admin/offers/{id}",
        "PUT /admin/tiers",
        "POST /admin/article-files",
    ];
    let owner = [
        "POST /admin/readers",
        "POST /admin/readers/{id}/subscriptions",
        "POST /admin/readers/import",
        "GET /admin/readers/export",
        "POST /admin/readers/{id}/sign-out",
        "POST /admin/subscriptions/{id}/end",
        "POST /admin/webhooks",
        "PUT /admin/webhooks/{id}",
        "DELETE /admin/webhooks/{id}",
        "POST /admin/webhooks/{id}/rotate-secret",
        "POST /admin/webhooks/{id}/deliveries/{delivery_id}/retry",
        "GET /admin/api-keys",
        "POST /admin/api-keys",
        "DELETE /admin/api-keys/{id}",
        "POST /admin/staff",
        "PUT /admin/staff/{id}",
        "DELETE /admin/staff/{id}",
        "POST /admin/staff/{id}/sign-out",
    ];
    let anyone = ["POST /admin/sign-in", "POST /admin/session"];
    let mut roles = BTreeMap::new();
    for (operations, role) in
        [(&viewer[..], Some(Viewer)), (&editor, Some(Editor)), (&owner, Some(Owner)), (&anyone, None)]
    {
        for operation in operations {
            assert!(roles.insert(*operation, role).is_none(), "{operation} is listed twice");
        }
    }
    roles
}

/// Every admin operation the server describes.
async fn admin_operations(server: &TestServer) -> Vec<String> {
    let description = server.get("/v1/openapi.json", None).await.json();
    let mut operations = Vec::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        let Some(path) = path.strip_prefix("/v1").filter(|path| path.starts_with("/admin/")) else {
            continue;
        };
        for method in item.as_object().unwrap().keys() {
            operations.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    operations
}

/// The operation as a request: its method, and its path with every `{parameter}` given.
fn address(operation: &str, id: &str) -> (Method, String) {
    let (method, path) = operation.split_once(' ').unwrap();
    let path = path.replace("{id}", id).replace("{delivery_id}", id);
    (method.parse().unwrap(), format!("/v1{path}"))
}

#[tokio::test]
async fn each_admin_operation_is_refused_to_the_roles_below_it_and_a_refusal_changes_nothing() {
    let server = TestServer::start().await;
    let roles = least_role();
    let operations = admin_operations(&server).await;
    let unlisted: Vec<&String> =
        operations.iter().filter(|operation| !roles.contains_key(operation.as_str())).collect();
    assert!(unlisted.is_empty(), "admin operations nobody decided the role of: {unlisted:?}");
    assert_eq!(operations.len(), roles.len(), "listed operations the server does not have");

    let people = [
        (StaffRole::Viewer, "viewer@news.example"),
        (StaffRole::Editor, "editor@news.example"),
        (StaffRole::Owner, "owner@news.example"),
    ];
    let mut sessions = Vec::new();
    for (role, email) in people {
        sessions.push((role, session(&server, email, role).await));
    }

    // Below the least role: 403, and not one row anywhere changed. The ids are those of the
    // demo's own rows where there are any, so an operation let through would find something.
    let before = server.snapshot().await;
    let mut refused = 0;
    for (operation, needed) in &roles {
        let Some(needed) = needed else { continue };
        for (role, cookie) in &sessions {
            if role >= needed {
                continue;
            }
            let (method, path) = address(operation, "1");
            let path = path.replace("/articles/1", &format!("/articles/{ARTICLE}"));
            let body = json!({ "title": "Changed", "tier": "premium", "sections": [], "email": "x@news.example",
                               "role": "owner", "name": "k", "anonymous": 1, "registered": 1, "period_days": 1,
                               "per_address": 1, "monthly_allowance": 1, "days": 1, "reach": 1, "tiers": [] });
            let reply = as_staff(&server, method, &path, cookie, Some(body)).await;
            let problem = reply.problem(StatusCode::FORBIDDEN);
            assert!(problem["detail"].as_str().unwrap().contains(role.as_str()), "{operation}: {problem}");
            refused += 1;
        }
    }
    assert_eq!(server.snapshot().await, before, "a refused operation changed the database");
    assert!(refused > 30, "only {refused} refusals tried");

    // At or above it: never refused for the role (the made-up ids and empty bodies are
    // answered 404 or 422). Signing out has a test of its own.
    for (operation, needed) in &roles {
        let Some(needed) = needed else { continue };
        if operation.contains("sign-out") && operation.contains("/me/")
            || *operation == "DELETE /admin/session"
        {
            continue;
        }
        for (role, cookie) in &sessions {
            if role < needed {
                continue;
            }
            let (method, path) = address(operation, "999999");
            let reply = as_staff(&server, method, &path, cookie, Some(json!({}))).await;
            assert!(
                ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&reply.status),
                "{operation} as {role:?}: {} {}",
                reply.status,
                reply.text
            );
        }
    }
}

#[tokio::test]
async fn a_link_signs_in_once_and_the_session_needs_the_dashboards_header_and_ends() {
    let server = TestServer::start().await;
    let token = staff_link(&server, "editor@news.example", StaffRole::Editor).await;
    let first = spend(&server, &token).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json()["role"], "editor");
    spend(&server, &token).await.problem(StatusCode::UNAUTHORIZED);
    spend(&server, "made-up").await.problem(StatusCode::UNAUTHORIZED);
    let cookie = first.header(header::SET_COOKIE).split(';').next().unwrap().to_owned();

    // An expired link.
    let late = staff_link(&server, "editor@news.example", StaffRole::Editor).await;
    server.exec("UPDATE staff_links SET expires_at = 1").await;
    spend(&server, &late).await.problem(StatusCode::UNAUTHORIZED);

    // The cookie without the dashboard's header (as a form on another site, or a script there
    // that could not send the header without a preflight the server refuses, would send it) is
    // refused, and changes nothing.
    let before = server.snapshot().await;
    let forged = Request::put("/v1/admin/tiers")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({ "tiers": [{"name": "free", "label": "Free"}] }).to_string()))
        .unwrap();
    server.send(forged).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(server.snapshot().await, before);

    // Writes are recorded under the member's name.
    let me = as_staff(&server, Method::GET, "/v1/admin/me", &cookie, None).await.json();
    assert_eq!(me["email"], "editor@news.example");
    let policy = json!({ "anonymous": 3, "registered": 5, "period_days": 30, "per_address": 50 });
    let put = as_staff(&server, Method::PUT, "/v1/admin/meter", &cookie, Some(policy)).await;
    assert!(put.status.is_success(), "{}", put.text);
    let actor = server.text("SELECT actor FROM audit_log ORDER BY id DESC LIMIT 1").await.unwrap();
    assert_eq!(actor, "staff:editor@news.example");

    // Signing out everywhere ends this session and any other.
    let other = session(&server, "editor@news.example", StaffRole::Editor).await;
    let out = as_staff(&server, Method::POST, "/v1/admin/me/sign-out", &cookie, None).await;
    assert_eq!(out.json()["sessions_ended"], 2, "{}", out.text);
    for cookie in [&cookie, &other] {
        as_staff(&server, Method::GET, "/v1/admin/me", cookie, None).await.problem(StatusCode::UNAUTHORIZED);
    }
    // And a session lasts a day and a half at most.
    let fresh = session(&server, "editor@news.example", StaffRole::Editor).await;
    server.exec("UPDATE staff_sessions SET expires_at = 2").await;
    as_staff(&server, Method::GET, "/v1/admin/me", &fresh, None).await.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_sign_in_page_mails_a_link_to_staff_only_and_the_staff_keep_an_owner() {
    let server = TestServer::start().await;
    let owner = session(&server, "owner@news.example", StaffRole::Owner).await;
    let mut replies = Vec::new();
    for email in ["owner@news.example", "stranger@news.example"] {
        let reply = server.post_json("/v1/admin/sign-in", &json!({ "email": email }).to_string()).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
        replies.push(reply.text);
    }
    assert_eq!(replies[0], replies[1], "the answer tells staff from strangers");
    // The mail goes after the answer.
    for _ in 0..100 {
        if server.count_where("outbox", "recipient = 'owner@news.example'").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(server.count_where("outbox", "recipient = 'owner@news.example'").await, 1);
    assert_eq!(server.count_where("outbox", "recipient = 'stranger@news.example'").await, 0);
    let body = server.text("SELECT body FROM outbox WHERE recipient = 'owner@news.example'").await.unwrap();
    let token = body.split("#token=").nth(1).unwrap().split_whitespace().next().unwrap();
    assert_eq!(spend(&server, token).await.status, StatusCode::OK);

    // An invitation mails a link too; the invited sign in as what they were invited as.
    let invited = as_staff(
        &server,
        Method::POST,
        "/v1/admin/staff",
        &owner,
        Some(json!({ "email": "Viewer@News.example", "role": "viewer" })),
    )
    .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text);
    assert_eq!(invited.json()["email"], "viewer@news.example");
    let body = server.text("SELECT body FROM outbox WHERE recipient = 'viewer@news.example'").await.unwrap();
    let token = body.split("#token=").nth(1).unwrap().split_whitespace().next().unwrap();
    assert_eq!(spend(&server, token).await.json()["role"], "viewer");

    // The last owner can be neither demoted nor removed, by themselves or a key.
    let owner_id = staff::by_email(&server.state.db, "owner@news.example").await.unwrap().unwrap().id;
    let before = server.snapshot().await;
    let demote = json!({ "role": "editor" });
    let path = format!("/v1/admin/staff/{owner_id}");
    as_staff(&server, Method::PUT, &path, &owner, Some(demote.clone())).await.problem(StatusCode::CONFLICT);
    as_staff(&server, Method::DELETE, &path, &owner, None).await.problem(StatusCode::CONFLICT);
    assert_eq!(server.snapshot().await, before);
    let key = server.admin_key().await;
    // (A key's first use of the minute is noted on it.)
    assert_eq!(server.admin(Method::GET, "/v1/admin/me", &key, None).await.json()["role"], "owner");
    let before = server.snapshot().await;
    server.admin(Method::DELETE, &path, &key, None).await.problem(StatusCode::CONFLICT);
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn concurrent_event_reports_are_each_counted_exactly_once() {
    let server = TestServer::start().await;
    let reports = 60;
    let mut tasks = Vec::new();
    for i in 0..reports {
        let app = server.app.clone();
        let events =
            if i % 2 == 0 { json!(["prompt_shown"]) } else { json!(["prompt_shown", "sign_in_opened"]) };
        let body = json!({ "article_id": ARTICLE, "events": events }).to_string();
        let request = Request::post("/v1/events")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(body))
            .unwrap();
        tasks.push(spawn_send(app, request));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::NO_CONTENT);
    }
    let key = server.admin_key().await;
    let funnel = server.admin(Method::GET, "/v1/admin/funnel?days=1", &key, None).await.json();
    let article = &funnel["articles"][0];
    assert_eq!(article["article_id"], ARTICLE, "{funnel}");
    assert_eq!(article["prompt_shown"], reports);
    assert_eq!(article["sign_in_opened"], reports / 2);
}

#[tokio::test]
async fn bad_event_reports_are_refused_and_count_nothing() {
    let server = TestServer::start().await;
    let before = server.snapshot().await;
    let cases = [
        (
            json!({ "article_id": "no-such-article", "events": ["prompt_shown"] }).to_string(),
            StatusCode::NOT_FOUND,
        ),
        (json!({ "article_id": ARTICLE, "events": [] }).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({ "article_id": ARTICLE, "events": ["subscribed"] }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({ "article_id": ARTICLE, "events": vec!["prompt_shown"; 21] }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("{\"article_id\":".to_owned(), StatusCode::UNPROCESSABLE_ENTITY),
    ];
    for (body, status) in cases {
        server.post_json("/v1/events", &body).await.problem(status);
    }
    let from_elsewhere = Request::post("/v1/events")
        .header(header::ORIGIN, "https://elsewhere.example")
        .body(Body::from(json!({ "article_id": ARTICLE, "events": ["prompt_shown"] }).to_string()))
        .unwrap();
    server.send(from_elsewhere).await.problem(StatusCode::FORBIDDEN);
    assert_eq!(server.snapshot().await, before);
}

#[tokio::test]
async fn a_funnel_stores_counts_and_nothing_that_could_name_the_reader() {
    let server = TestServer::start().await;
    let reader = server.sign_in(READER, PASSWORD).await;
    let token = reader["access_token"].as_str().unwrap().to_owned();
    let before = server.snapshot().await;
    // Everything a request could tell about its reader, sent with the events.
    let visitor = "v1.visitor-id-of-this-browser";
    let agent = "Mozilla/5.0 (X11; Linux x86_64) UniqueAgent/123.456";
    let address = std::net::SocketAddr::from(([203, 0, 113, 77], 51234));
    for events in [json!(["prompt_shown"]), json!(["sign_in_opened"]), json!(["signed_in"])] {
        let mut request = Request::post("/v1/events")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("paywall-visitor", visitor)
            .header(header::USER_AGENT, agent)
            .header(header::REFERER, "https://news.example/articles/night-trains?reader=reader%40example.com")
            .header("x-forwarded-for", "198.51.100.23")
            .body(Body::from(json!({ "article_id": ARTICLE, "events": events }).to_string()))
            .unwrap();
        request.extensions_mut().insert(axum::extract::ConnectInfo(address));
        assert_eq!(server.send(request).await.status, StatusCode::NO_CONTENT);
    }
    let after = server.snapshot().await;
    // Only the counters changed (rate-limit buckets are not in the snapshot; nothing here counts
    // in them), and they hold a day, an article, a kind and a number.
    let changed: Vec<&str> = after.lines().filter(|line| !before.lines().any(|old| old == *line)).collect();
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert!(changed[0].starts_with("article_events(day,article_id,kind,count): "), "{}", changed[0]);
    for identifying in [
        READER,
        "reader%40example.com",
        visitor,
        "UniqueAgent",
        "203.0.113.77",
        "198.51.100.23",
        &token[..20],
    ] {
        assert_not_stored(&changed.join("\n"), identifying);
    }
}

#[tokio::test]
async fn one_client_reporting_too_often_is_held_back_and_nothing_refused_is_counted() {
    let server = TestServer::start().await;
    let body = json!({ "article_id": ARTICLE, "events": ["prompt_shown"] }).to_string();
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..150 {
        let reply = server.post_json("/v1/events", &body).await;
        match reply.status {
            StatusCode::NO_CONTENT => accepted += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            status => panic!("{status}: {}", reply.text),
        }
    }
    assert!(accepted >= 120 && refused > 0, "{accepted} accepted, {refused} refused");
    let counted = server.text("SELECT CAST(SUM(count) AS TEXT) FROM article_events").await.unwrap();
    assert_eq!(counted, accepted.to_string());
}

#[tokio::test]
async fn the_server_counts_what_it_sees_itself_a_free_article_once_and_a_checkout() {
    let server = TestServer::start().await;
    let key = server.admin_key().await;
    let policy = json!({ "anonymous": 3, "registered": 0, "period_days": 30, "per_address": 10 });
    assert!(server.admin(Method::PUT, "/v1/admin/meter", &key, Some(policy)).await.status.is_success());
    let read = |visitor: Option<String>| {
        let mut request = Request::get(format!("/v1/articles/{ARTICLE}/locked"))
            .header(header::USER_AGENT, "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0");
        if let Some(visitor) = visitor {
            request = request.header("paywall-visitor", visitor);
        }
        server.send(request.body(Body::empty()).unwrap())
    };
    let first = read(None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let visitor = first.header(header::HeaderName::from_static("paywall-visitor")).to_owned();
    // The same visitor again: the meter opens it without spending another free article.
    assert_eq!(read(Some(visitor)).await.status, StatusCode::OK);

    let checkout = json!({ "offer_id": 1, "return_to": format!("{}/", server.state.public_url),
                           "email": "buyer@news.example", "article_id": ARTICLE });
    let started = server.post_json("/v1/checkout", &checkout.to_string()).await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);

    let funnel = server.admin(Method::GET, "/v1/admin/funnel", &key, None).await.json();
    let article = &funnel["articles"][0];
    assert_eq!(
        (article["meter_spent"].as_i64(), article["checkout_started"].as_i64()),
        (Some(1), Some(1)),
        "{funnel}"
    );
}

#[tokio::test]
async fn signing_out_ends_this_browsers_session_and_a_newer_link_or_a_sign_out_everywhere_voids_older_links()
{
    let server = TestServer::start().await;
    let cookie = session(&server, "editor@news.example", StaffRole::Editor).await;
    let other = session(&server, "editor@news.example", StaffRole::Editor).await;
    let out = as_staff(&server, Method::DELETE, "/v1/admin/session", &cookie, None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.header(header::SET_COOKIE).contains("Max-Age=0"));
    as_staff(&server, Method::GET, "/v1/admin/me", &cookie, None).await.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(as_staff(&server, Method::GET, "/v1/admin/me", &other, None).await.status, StatusCode::OK);

    // A newer link voids the one before it.
    let older = staff_link(&server, "editor@news.example", StaffRole::Editor).await;
    let newer = staff_link(&server, "editor@news.example", StaffRole::Editor).await;
    spend(&server, &older).await.problem(StatusCode::UNAUTHORIZED);
    // Signed out everywhere (say, by an owner who fears the mailbox was read): the unused link
    // goes too.
    as_staff(&server, Method::POST, "/v1/admin/me/sign-out", &other, None).await;
    spend(&server, &newer).await.problem(StatusCode::UNAUTHORIZED);
    let signed = "action IN ('staff.sign_in', 'staff.sign_out') AND actor = 'staff:editor@news.example'";
    assert_eq!(
        server.count_where("audit_log", signed).await,
        4,
        "two sign-ins, one sign-out here, one everywhere"
    );
}

#[tokio::test]
async fn a_second_staff_cookie_planted_beside_the_first_is_refused() {
    let server = TestServer::start().await;
    let mine = session(&server, "owner@news.example", StaffRole::Owner).await;
    let theirs = session(&server, "viewer@news.example", StaffRole::Viewer).await;
    // Another port of the same host can set a cookie of the same name with a longer path,
    // which the browser sends first.
    let both = format!("{theirs}; {mine}");
    as_staff(&server, Method::GET, "/v1/admin/me", &both, None).await.problem(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_owners_api_keys_stop_working_when_they_stop_being_an_owner() {
    let server = TestServer::start().await;
    let first = session(&server, "first@news.example", StaffRole::Owner).await;
    let second = session(&server, "second@news.example", StaffRole::Owner).await;
    let made =
        as_staff(&server, Method::POST, "/v1/admin/api-keys", &second, Some(json!({ "name": "laptop" })))
            .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let key = made.json()["key"].as_str().unwrap().to_owned();
    assert_eq!(server.admin(Method::GET, "/v1/admin/tiers", &key, None).await.status, StatusCode::OK);

    let id = staff::by_email(&server.state.db, "second@news.example").await.unwrap().unwrap().id;
    let demoted = as_staff(
        &server,
        Method::PUT,
        &format!("/v1/admin/staff/{id}"),
        &first,
        Some(json!({ "role": "editor" })),
    )
    .await;
    assert_eq!(demoted.status, StatusCode::NO_CONTENT, "{}", demoted.text);
    server.admin(Method::GET, "/v1/admin/tiers", &key, None).await.problem(StatusCode::UNAUTHORIZED);
    // An editor now: may edit, may not make keys.
    as_staff(&server, Method::POST, "/v1/admin/api-keys", &second, Some(json!({ "name": "again" })))
        .await
        .problem(StatusCode::FORBIDDEN);
    let logged = server.text("SELECT target FROM audit_log WHERE action = 'staff.role'").await.unwrap();
    assert_eq!(logged, "staff:second@news.example");
}

#[tokio::test]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let server = TestServer::start().await;
    for round in 0..5 {
        let (a, b) = (format!("a{round}@news.example"), format!("b{round}@news.example"));
        let cookies =
            [session(&server, &a, StaffRole::Owner).await, session(&server, &b, StaffRole::Owner).await];
        // Only these two are owners in this round.
        server.exec(&format!("UPDATE staff SET role = 'viewer' WHERE email NOT IN ('{a}', '{b}')")).await;
        let id = |email: String| {
            let db = server.state.db.clone();
            async move { staff::by_email(&db, &email).await.unwrap().unwrap().id }
        };
        // Each demotes the other.
        let ids = [id(b.clone()).await, id(a.clone()).await];
        let mut tasks = Vec::new();
        for (cookie, id) in cookies.iter().zip(ids) {
            let app = server.app.clone();
            let request = Request::put(format!("/v1/admin/staff/{id}"))
                .header(header::COOKIE, cookie.as_str())
                .header("paywall-staff", "1")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({ "role": "viewer" }).to_string()))
                .unwrap();
            tasks.push(spawn_send(app, request));
        }
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        statuses.sort();
        // One wins; the other finds its asker no longer an owner (403), or, when both got past
        // that check together, finds itself about to remove the last owner (409).
        assert_eq!(statuses[0], StatusCode::NO_CONTENT, "round {round}: {statuses:?}");
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::CONFLICT].contains(&statuses[1]),
            "round {round}: {statuses:?}"
        );
        assert_eq!(server.count_where("staff", "role = 'owner'").await, 1, "round {round}");
    }
}
