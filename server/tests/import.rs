//! `paywall-server import`: the publisher's own articles from HTML or Markdown files.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use paywall_server::publishing::import::{ImportError, Overrides, parse};

const STORY: &str = "---
id: harbour-lights
title: \"Harbour lights, after dark\"
tier: subscriber
---
# Ignored when the front matter has a title

The free part: it stays on the publisher's page.

<!-- paywall -->

## What the pilots said

They kept the *lamps* lit until **four**.

## Numbers & ledgers

| year | ships |
|------|-------|
| 1911 | 42    |
";

/// Runs `paywall-server import` on `files` with the data in `data`; its exit and output.
fn import(data: &Path, args: &[&str]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_paywall-server"));
    command.env_clear().env("PAYWALL_DATA", data).env("RUST_LOG", "warn").arg("import").args(args);
    if let Some(url) = database_url_for(data) {
        command.env("DATABASE_URL", url);
    }
    let output = command.output().expect("the binary runs");
    let said =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), said)
}

#[tokio::test]
async fn an_imported_markdown_file_is_an_article_the_server_serves_and_importing_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("story.md");
    std::fs::write(&file, STORY).unwrap();
    let file_arg = file.to_str().unwrap();

    let (ok, said) = import(&data, &[file_arg]);
    assert!(ok, "{said}");
    assert!(said.contains("added article \"harbour-lights\""), "{said}");
    assert!(said.contains("2 locked sections"), "{said}");
    let (ok, said) = import(&data, &[file_arg]);
    assert!(ok && said.contains("unchanged"), "{said}");

    let server = TestServer::start_with(|config| config.data = data.clone()).await;
    let summary = server.get("/v1/articles/harbour-lights", None).await.json();
    assert_eq!(summary["title"], "Harbour lights, after dark");
    assert_eq!(summary["tier"], "subscriber");
    assert_eq!(
        summary["locked_section_titles"],
        serde_json::json!(["What the pilots said", "Numbers & ledgers"])
    );
    let stored =
        server.text("SELECT html FROM sections WHERE article_id = 'harbour-lights' AND position = 1").await;
    assert!(stored.unwrap().contains("<table>"), "tables survive");
    assert_eq!(
        server.count_where("sections", "html LIKE '%free part%'").await,
        0,
        "the free part is not stored"
    );

    // A changed file replaces the sections: one fewer, a new heading.
    let before = server.snapshot().await;
    std::fs::write(
        &file,
        STORY.replace("## Numbers & ledgers", "And a last paragraph for the first section."),
    )
    .unwrap();
    let (ok, said) = import(&data, &[file_arg]);
    assert!(ok && said.contains("replaced") && said.contains("1 locked sections"), "{said}");
    assert_ne!(server.snapshot().await, before);
    let summary = server.get("/v1/articles/harbour-lights", None).await.json();
    assert_eq!(summary["locked_section_titles"], serde_json::json!(["What the pilots said"]));
}

#[tokio::test]
async fn a_file_that_cannot_be_imported_stores_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let good = dir.path().join("good.html");
    std::fs::write(&good, "<h1>Good</h1><p>Free.</p><!--members-only--><h2>Locked</h2><p>Text.</p>").unwrap();
    let bad = dir.path().join("bad.html");
    std::fs::write(&bad, "<h1>Bad</h1><p>There is no divider.</p><h2>Locked?</h2>").unwrap();
    let (ok, said) = import(&data, &[good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert!(!ok, "one file failed: {said}");
    assert!(said.contains("added article \"good\""), "Ghost's divider is read: {said}");
    assert!(said.contains("bad.html: not imported") && said.contains("<!-- paywall -->"), "{said}");
    let server = TestServer::start_with(|config| config.data = data.clone()).await;
    assert_eq!(server.count_where("articles", "id = 'bad'").await, 0);
    // --id with several files is refused before anything is read.
    let (ok, said) = import(&data, &["--id", "x", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert!(!ok && said.contains("--id"), "{said}");
}

#[test]
fn files_that_do_not_say_where_the_locked_part_starts_or_what_it_is_called_are_refused() {
    let parse_html = |html: &str| parse(Path::new("story.html"), html, &Overrides::default());
    assert_eq!(parse_html("<h1>T</h1><p>free</p>"), Err(ImportError::NoDivider));
    assert_eq!(
        parse_html("<h1>T</h1><!-- paywall --><p>orphan text</p><h2>A</h2>"),
        Err(ImportError::TextBeforeFirstHeading)
    );
    assert_eq!(parse_html("<h1>T</h1><!-- paywall --><h2> </h2><p>x</p>"), Err(ImportError::EmptyHeading(1)));
    assert_eq!(parse_html("<p>no title</p><!-- paywall --><h2>A</h2>"), Err(ImportError::NoTitle));
    let bad_id = Overrides { id: Some("../etc".into()), ..Overrides::default() };
    assert!(matches!(
        parse(Path::new("a.html"), "<h1>T</h1><!-- paywall --><h2>A</h2>", &bad_id),
        Err(ImportError::BadId(_))
    ));
    // An article with no locked section is accepted: nothing is locked.
    let open = parse_html("<h1>Open</h1><p>All free.</p><!-- paywall -->").unwrap();
    assert!(open.sections.is_empty());
    assert_eq!(open.tier, "premium");
}

#[test]
fn nothing_executable_survives_an_import_and_ordinary_article_markup_does() {
    let hostile = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
        "<a href=\"javascript:alert(3)\">a</a>",
        "<a href=\"data:text/html,<script>alert(4)</script>\">b</a>",
        "<svg><script>alert(5)</script><animate onbegin=alert(6)></svg>",
        "<math><mtext><script>alert(7)</script></mtext></math>",
        "<p style=\"background:url(javascript:alert(8))\">styled</p>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<form action=\"https://evil.example\"><input name=q></form>",
        "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
        "<base href=\"https://evil.example/\">",
        "<div><b><i>mismatched</b></i></div><object data=x></object><embed src=x>",
        "<details open ontoggle=alert(9)>d</details><body onload=alert(10)>",
    ]
    .concat();
    let ordinary = "<h3>Sub</h3><ul><li>one</li></ul><ol><li>two</li></ol><a href=\"https://news.example/a\">link</a>\
        <img src=\"https://news.example/p.jpg\" alt=\"photo\"><figure><figcaption>cap</figcaption></figure>\
        <blockquote>quote</blockquote><table><tr><td>cell</td></tr></table><pre><code>code</code></pre>";
    let html = format!("<h1>T</h1><!-- paywall --><h2>Hostile</h2>{hostile}<h2>Ordinary</h2>{ordinary}");
    let article = parse(Path::new("t.html"), &html, &Overrides::default()).unwrap();
    let cleaned = &article.sections[0].1;
    for forbidden in [
        "<script",
        "onerror",
        "onbegin",
        "ontoggle",
        "onload",
        "javascript:",
        "data:text",
        "style=",
        "<iframe",
        "<form",
        "<input",
        "<meta",
        "<base",
        "<object",
        "<embed",
        "<svg",
        "<math",
    ] {
        assert!(!cleaned.to_ascii_lowercase().contains(forbidden), "{forbidden} survived: {cleaned}");
    }
    let kept = &article.sections[1].1;
    for allowed in [
        "<h3>",
        "<ul>",
        "<ol>",
        "<li>",
        "href=\"https://news.example/a\"",
        "<img",
        "alt=\"photo\"",
        "<figure>",
        "<figcaption>",
        "<blockquote>",
        "<table>",
        "<td>",
        "<pre>",
        "<code>",
    ] {
        assert!(kept.contains(allowed), "{allowed} was removed: {kept}");
    }
}
