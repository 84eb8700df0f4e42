//! The publisher's commands: `api-key create|list|revoke`, `readers import|export` and
//! `staff add|link|list`.

mod common;

use std::path::Path;
use std::process::Command;

use axum::http::{Method, StatusCode};
use common::*;

/// Runs `paywall-server ARGS` with the data in `data`: whether it succeeded, its standard
/// output and its standard error.
fn run(data: &Path, args: &[&str]) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_paywall-server"));
    command.env_clear().env("PAYWALL_DATA", data).env("RUST_LOG", "warn").args(args);
    if let Some(url) = database_url_for(data) {
        command.env("DATABASE_URL", url);
    }
    let output = command.output().expect("the binary runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

#[tokio::test]
async fn a_key_is_shown_once_opens_the_admin_api_until_revoked_and_lists_without_itself() {
    let server = TestServer::start().await;
    let data = server.state.config.data.clone();
    let (ok, key, said) = run(&data, &["api-key", "create", "--name", "newsroom cms"]);
    assert!(ok, "{said}");
    let key = key.trim();
    assert!(key.starts_with("paywall_sk_") && key.len() == "paywall_sk_".len() + 43, "{key}");
    assert!(said.contains("shown this once"), "{said}");

    let reply = server.get("/v1/admin/tiers", Some(key)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_not_stored(&server.snapshot().await, key);

    let (ok, list, said) = run(&data, &["api-key", "list"]);
    assert!(ok, "{said}");
    assert!(list.contains("newsroom cms") && list.contains(&key[..19]) && list.contains("live"), "{list}");
    assert!(!list.contains(key), "the list shows the whole key: {list}");

    let (ok, _, said) = run(&data, &["api-key", "revoke", "nobody"]);
    assert!(!ok && said.contains("no live key"), "{said}");
    let (ok, revoked, said) = run(&data, &["api-key", "revoke", &key[..19]]);
    assert!(ok && revoked.contains("revoked 1 key"), "{revoked}{said}");
    server.get("/v1/admin/tiers", Some(key)).await.problem(StatusCode::UNAUTHORIZED);
    let (_, list, _) = run(&data, &["api-key", "list"]);
    assert!(list.contains("revoked"), "{list}");
    let logged = "action IN ('api_key.create', 'api_key.revoke') AND actor = 'command line'";
    assert_eq!(server.count_where("audit_log", logged).await, 2);
}

#[tokio::test]
async fn staff_add_prints_a_link_that_signs_the_owner_in_once() {
    let server = TestServer::start().await;
    let data = server.state.config.data.clone();
    let (ok, link, said) = run(
        &data,
        &[
            "staff",
            "add",
            "Owner@News.example",
            "--role",
            "owner",
            "--public-url",
            "https://pay.news.example/",
        ],
    );
    assert!(ok, "{said}");
    let link = link.trim();
    assert!(link.starts_with("https://pay.news.example/admin/#token="), "{link}");
    assert!(said.contains("owner@news.example as owner"), "{said}");
    let token = link.split("#token=").nth(1).unwrap();
    assert_not_stored(&server.snapshot().await, token);

    let (ok, _, said) = run(&data, &["staff", "add", "owner@news.example", "--role", "viewer"]);
    assert!(!ok && said.contains("staff link"), "{said}");
    let (ok, _, said) = run(&data, &["staff", "add", "someone@news.example", "--role", "boss"]);
    assert!(!ok && said.contains("boss"), "{said}");
    let (ok, list, _) = run(&data, &["staff", "list"]);
    assert!(ok && list.trim() == "owner@news.example\towner", "{list}");

    let body = serde_json::json!({ "token": token }).to_string();
    let signed_in = server.post_json("/v1/admin/session", &body).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text);
    assert_eq!(signed_in.json()["role"], "owner");
    server.post_json("/v1/admin/session", &body).await.problem(StatusCode::UNAUTHORIZED);

    let (ok, again, said) = run(&data, &["staff", "link", "owner@news.example"]);
    assert!(ok && again.contains("#token=") && again.trim() != link, "{again}{said}");
    let (ok, _, said) = run(&data, &["staff", "link", "nobody@news.example"]);
    assert!(!ok && said.contains("not on the staff"), "{said}");
}

const MEMBERS: &str = "email,name,tier,status,current_period_end,customer_id
ada@example.com,Ada Quill,Premium,active,2031-01-31T00:00:00Z,cus_A1
bo@example.com,Bo,,,,
cy@example.com,\"=HYPERLINK(\"\"https://evil.example\"\")\",subscriber,past_due,2030-06-01,cus_C3
";

#[tokio::test]
async fn readers_move_in_from_a_csv_once_and_out_again_as_the_same_rows() {
    let server = TestServer::start().await;
    let data = server.state.config.data.clone();
    let file = server.dir.path().join("members.csv");
    std::fs::write(&file, MEMBERS).unwrap();
    let file = file.to_str().unwrap();

    let (ok, said, err) = run(&data, &["readers", "import", file]);
    assert!(ok, "{said}{err}");
    assert!(said.contains("3 readers added") && said.contains("2 subscriptions added"), "{said}");
    let (ok, said, err) = run(&data, &["readers", "import", file]);
    assert!(ok && said.contains("3 unchanged") && said.contains("0 readers added"), "{said}{err}");
    assert_eq!(server.count_where("audit_log", "action = 'readers.import'").await, 1);

    // Imported subscriptions open what their tier opens, once the reader signs in.
    let ada =
        server.text("SELECT CAST(id AS TEXT) FROM readers WHERE email = 'ada@example.com'").await.unwrap();
    let detail =
        server.count_where("subscriptions", &format!("reader_id = {ada} AND source = 'import'")).await;
    assert_eq!(detail, 1);

    let export = server.dir.path().join("out.csv");
    let (ok, _, err) = run(&data, &["readers", "export", "-o", export.to_str().unwrap()]);
    assert!(ok, "{err}");
    let exported = std::fs::read_to_string(&export).unwrap();
    assert!(exported.contains("\"'=HYPERLINK("), "a formula went out live: {exported}");
    assert!(!exported.contains("subscriber@example.com"), "demo readers are not exported: {exported}");
    let read = |text: &str| paywall_server::publishing::readers_csv::read(text.as_bytes()).unwrap();
    // The same rows, the tier under the ladder's name for it.
    assert_eq!(read(&exported), read(&MEMBERS.replace("Premium,", "premium,")));
    // Exported, then imported: nothing changes.
    let (ok, said, _) = run(&data, &["readers", "import", export.to_str().unwrap()]);
    assert!(ok && said.contains("3 unchanged"), "{said}");

    // A changed row updates the imported subscription in place.
    std::fs::write(file, MEMBERS.replace("Premium,active,2031", "Premium,canceled,2031")).unwrap();
    let (ok, said, _) = run(&data, &["readers", "import", file]);
    assert!(ok && said.contains("1 updated; 2 unchanged"), "{said}");
    assert_eq!(server.count_where("subscriptions", &format!("reader_id = {ada}")).await, 1);
}

#[tokio::test]
async fn a_csv_with_a_mistake_imports_nothing_and_names_the_line() {
    let server = TestServer::start().await;
    let data = server.state.config.data.clone();
    let before = server.snapshot().await;
    for (csv, expected) in [
        ("name,tier\nAda,premium\n", "line 1: there is no `email` column"),
        (
            "email,tier,current_period_end\na@example.com,premium,2031-01-01\nb@example.com,premium,next week\n",
            "line 3",
        ),
        (
            "email,tier,current_period_end\na@example.com,premium,2031-01-01\nb@example.com,gold,2031-01-01\n",
            "gold",
        ),
        ("email,tier,current_period_end\na@example.com,registered,2031-01-01\n", "registered"),
        ("email,name\na@example.com,A\nb@example.com,B,extra\n", "line 3"),
    ] {
        let file = server.dir.path().join("bad.csv");
        std::fs::write(&file, csv).unwrap();
        let (ok, said, err) = run(&data, &["readers", "import", file.to_str().unwrap()]);
        assert!(!ok, "{csv} was imported: {said}");
        assert!(err.contains(expected) && err.contains("nothing was imported"), "{csv}: {err}");
    }
    assert_eq!(server.snapshot().await, before);
    let (ok, _, err) = run(&data, &["readers", "import", "/nonexistent.csv"]);
    assert!(!ok && err.contains("/nonexistent.csv"), "{err}");
}

#[tokio::test]
async fn an_import_says_what_the_sanitiser_took_out_and_the_log_records_it() {
    let server = TestServer::start().await;
    let data = server.state.config.data.clone();
    let file = server.dir.path().join("hostile.html");
    std::fs::write(
        &file,
        "<h1>Hostile</h1><!-- paywall --><h2>Inside</h2><p onclick=\"x()\">Text</p><script>alert(1)</script>\
         <iframe src=\"https://evil.example\"></iframe>",
    )
    .unwrap();
    let (ok, said, err) = run(&data, &["import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(said.contains("removed as unsafe: <iframe> ×1, <script> ×1, onclick= ×1, src= ×1"), "{said}");
    let log = server.count_where("audit_log", "action = 'article.put' AND actor = 'command line'").await;
    assert_eq!(log, 1);
    let reply = server.send(request(Method::GET, "/v1/articles/hostile", None, None)).await;
    assert_eq!(reply.json()["locked_section_titles"], serde_json::json!(["Inside"]));
}
