//! The demo site's files and cross-origin access.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;

#[tokio::test]
async fn the_demo_page_and_the_loader_are_served_without_locked_text() {
    let server = TestServer::start().await;
    let page = server.get("/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(page.text.contains(&format!(r#"data-paywall="{ARTICLE}""#)));
    assert!(page.text.contains("The story"));
    assert_no_locked_text(&page.text);

    let loader = server.get("/paywall.js", None).await;
    assert_eq!(loader.status, StatusCode::OK);
    assert!(loader.header(header::CONTENT_TYPE).contains("javascript"));
    assert_eq!(loader.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
}

async fn preflight(server: &TestServer, origin: &str) -> Reply {
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/v1/sessions")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .body(Body::empty())
        .unwrap();
    server.send(request).await
}

#[tokio::test]
async fn only_configured_origins_may_call_the_api_from_a_browser() {
    let server =
        TestServer::start_with(|config| config.cors_origins = vec!["https://news.example".into()]).await;
    let allowed = preflight(&server, "https://news.example").await;
    assert_eq!(allowed.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "https://news.example");
    assert!(allowed.header(header::ACCESS_CONTROL_ALLOW_HEADERS).contains("authorization"));
    // Every method the API has, PUT (the password) included.
    let methods = allowed.header(header::ACCESS_CONTROL_ALLOW_METHODS);
    for method in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(method), "{method} in {methods}");
    }

    let other = preflight(&server, "https://evil.example").await;
    assert_eq!(other.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "");

    let request = Request::get(format!("/v1/articles/{ARTICLE}"))
        .header(header::ORIGIN, "https://news.example")
        .body(Body::empty())
        .unwrap();
    let reply = server.send(request).await;
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "https://news.example");
}

#[tokio::test]
async fn with_no_origins_configured_no_cross_origin_access_is_granted() {
    let server = TestServer::start().await;
    let reply = preflight(&server, "https://news.example").await;
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "");
    assert_ne!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
}

#[tokio::test]
async fn any_site_may_load_the_widgets_files_but_only_configured_origins_may_call_the_api() {
    let server =
        TestServer::start_with(|config| config.cors_origins = vec!["https://news.example".into()]).await;
    let loader = server.get("/paywall.js", None).await;
    for path in std::iter::once("/paywall.js".to_owned()).chain(imported(&loader.text)) {
        // A module script and the WebAssembly's fetch are CORS requests from the page's origin,
        // whichever site that is; a revalidation (304) carries the same headers.
        for etag in [None, Some(loader.header(header::ETAG))] {
            let mut request = Request::get(&path).header(header::ORIGIN, "https://any-site.example");
            if let Some(etag) = etag.filter(|_| path == "/paywall.js") {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            let reply = server.send(request.body(Body::empty()).unwrap()).await;
            assert!(reply.status == StatusCode::OK || reply.status == StatusCode::NOT_MODIFIED, "{path}");
            assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*", "{path}");
            assert_eq!(
                reply.header(header::HeaderName::from_static("cross-origin-resource-policy")),
                "cross-origin",
                "{path}"
            );
            assert_eq!(reply.header(header::HeaderName::from_static("timing-allow-origin")), "*", "{path}");
            assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_CREDENTIALS), "", "{path}");
        }
    }
    // The API answers that site nothing it may read.
    let request = Request::get(format!("/v1/articles/{ARTICLE}"))
        .header(header::ORIGIN, "https://any-site.example")
        .body(Body::empty())
        .unwrap();
    let reply = server.send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "");
}

#[tokio::test]
async fn any_site_may_ask_whether_it_is_allowed_and_is_told_the_truth() {
    let server =
        TestServer::start_with(|config| config.cors_origins = vec!["https://news.example/".into()]).await;
    let check = |origin: Option<&'static str>| {
        let server = &server;
        async move {
            let mut request = Request::get("/v1/origins/check");
            if let Some(origin) = origin {
                request = request.header(header::ORIGIN, origin);
            }
            let reply = server.send(request.body(Body::empty()).unwrap()).await;
            assert_eq!(reply.status, StatusCode::OK);
            (reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN).to_owned(), reply.json())
        }
    };
    // A site the server does not allow may read this one answer, and learns just that.
    let (cors, answer) = check(Some("https://elsewhere.example")).await;
    assert_eq!(cors, "https://elsewhere.example");
    assert_eq!(answer, serde_json::json!({"origin": "https://elsewhere.example", "allowed": false}));
    let (cors, answer) = check(Some("https://news.example")).await;
    assert_eq!(cors, "https://news.example");
    assert_eq!(answer, serde_json::json!({"origin": "https://news.example", "allowed": true}));
    let (_, answer) = check(None).await;
    assert_eq!(answer, serde_json::json!({"origin": null, "allowed": true}));
    // The exception is this answer only: the summary next to it stays closed to that site.
    let request = Request::get(format!("/v1/articles/{ARTICLE}"))
        .header(header::ORIGIN, "https://elsewhere.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.send(request).await.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "");
}

/// The paths of the hashed files the loader imports.
fn imported(loader: &str) -> Vec<String> {
    loader
        .split(['"', '\''])
        .filter(|part| part.starts_with("./paywall.") || part.starts_with("./paywall_bg."))
        .map(|part| part.trim_start_matches('.').to_owned())
        .collect()
}

#[tokio::test]
async fn the_loader_is_short_cached_and_imports_files_named_by_their_hash_cached_for_a_year() {
    if std::env::var("PAYWALL_REQUIRE_EMBEDDED_WIDGET").is_ok_and(|value| value == "1") {
        assert!(paywall_server::widget::Widget::embedded().is_some(), "the widget is built into the binary");
    }
    let server = TestServer::start().await;
    assert!(server.state.widget.is_some(), "the widget is built (cargo xtask size)");
    let loader = server.get("/paywall.js", None).await;
    assert_eq!(loader.header(header::CACHE_CONTROL), "public, max-age=300");
    assert!(!loader.text.contains("./pkg/"), "the loader imports nothing unhashed: {}", loader.text);
    let files = imported(&loader.text);
    assert_eq!(files.len(), 2, "the glue and the WebAssembly: {files:?}");
    for path in files {
        let file = server.get(&path, None).await;
        assert_eq!(file.status, StatusCode::OK, "{path}");
        assert_eq!(file.header(header::CACHE_CONTROL), "public, max-age=31536000, immutable");
        let expected_type = if path.ends_with(".wasm") { "application/wasm" } else { "text/javascript" };
        assert_eq!(file.header(header::CONTENT_TYPE), expected_type);
        // The name carries the hash of what is served under it.
        let request = Request::get(&path).body(Body::empty()).unwrap();
        let response = tower::ServiceExt::oneshot(server.app.clone(), request).await.unwrap();
        let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
        assert!(path.contains(&paywall_server::widget::short_hash(&bytes)), "{path}");
    }
}

/// The bytes of `path` as served for `accept_encoding`, with the response's encoding.
async fn encoded(server: &TestServer, path: &str, accept_encoding: &str) -> (Vec<u8>, String, String) {
    let request =
        Request::get(path).header(header::ACCEPT_ENCODING, accept_encoding).body(Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(server.app.clone(), request).await.unwrap();
    let header = |name| {
        response.headers().get(name).map(|value: &header::HeaderValue| value.to_str().unwrap().to_owned())
    };
    let encoding = header(header::CONTENT_ENCODING).unwrap_or_default();
    let vary = header(header::VARY).unwrap_or_default();
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
    (bytes.to_vec(), encoding, vary)
}

#[tokio::test]
async fn the_widget_is_served_compressed_once_with_brotli_11_or_gzip_9_as_the_browser_accepts() {
    use std::io::{Read, Write};
    let server = TestServer::start().await;
    let loader = server.get("/paywall.js", None).await;
    for path in std::iter::once("/paywall.js".to_owned()).chain(imported(&loader.text)) {
        let (raw, encoding, vary) = encoded(&server, &path, "identity").await;
        assert_eq!(encoding, "", "{path}");
        assert!(vary.to_ascii_lowercase().contains("accept-encoding"), "{path}: {vary}");

        // Brotli, as Chromium asks, at the best quality: what a build step gives, not the
        // faster level a server can afford per request.
        let (br, encoding, _) = encoded(&server, &path, "gzip, deflate, br, zstd").await;
        assert_eq!(encoding, "br", "{path}");
        let mut best = Vec::new();
        brotli::CompressorWriter::new(&mut best, 4096, 11, 22).write_all(&raw).unwrap();
        assert_eq!(br.len(), best.len(), "{path}: brotli at quality 11");
        let mut unpacked = Vec::new();
        brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut unpacked).unwrap();
        assert_eq!(unpacked, raw, "{path}");

        // Gzip for a browser that refuses brotli, or accepts only gzip.
        for accept in ["gzip", "br;q=0, gzip;q=0.5", "BR;Q=0, *"] {
            let (gzip, encoding, _) = encoded(&server, &path, accept).await;
            assert_eq!(encoding, "gzip", "{path}: {accept}");
            let mut unpacked = Vec::new();
            flate2::read::GzDecoder::new(&gzip[..]).read_to_end(&mut unpacked).unwrap();
            assert_eq!(unpacked, raw, "{path}: {accept}");
        }
        for accept in ["", "deflate", "gzip;q=0, br;q=0", "*;q=0"] {
            let (plain, encoding, _) = encoded(&server, &path, accept).await;
            assert_eq!((plain, encoding), (raw.clone(), String::new()), "{path}: {accept:?}");
        }
    }
}

#[tokio::test]
async fn static_files_carry_an_etag_and_a_browser_that_has_them_gets_304() {
    let server = TestServer::start().await;
    for path in ["/", "/subscribe.html", "/paywall.js"] {
        let first = server.get(path, None).await;
        let etag = first.header(header::ETAG).to_owned();
        assert!(etag.starts_with("W/\"") && etag.len() > 10, "{path}: {etag:?}");
        let again = Request::get(path).header(header::IF_NONE_MATCH, &etag).body(Body::empty()).unwrap();
        let again = server.send(again).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.text.is_empty());
        let stale =
            Request::get(path).header(header::IF_NONE_MATCH, "W/\"0000\"").body(Body::empty()).unwrap();
        assert_eq!(server.send(stale).await.status, StatusCode::OK, "{path}");
        // A file deployed with an old date is still sent when its tag differs: the tag wins.
        let dated = Request::get(path)
            .header(header::IF_NONE_MATCH, "W/\"0000\"")
            .header(header::IF_MODIFIED_SINCE, "Fri, 01 Jan 2100 00:00:00 GMT")
            .body(Body::empty())
            .unwrap();
        assert_eq!(server.send(dated).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn a_large_site_file_is_sent_whole_without_a_tag() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("www")).unwrap();
    std::fs::write(site.path().join("index.html"), "<p>A page.</p>").unwrap();
    let large = vec![b'x'; 3 * 1024 * 1024];
    std::fs::write(site.path().join("www/large.bin"), &large).unwrap();
    let server = TestServer::start_with(|config| config.site = site.path().to_owned()).await;
    let reply = server.get("/large.bin", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.text.len(), large.len());
    assert_eq!(reply.header(header::ETAG), "");
    assert!(!reply.header(header::LAST_MODIFIED).is_empty());
}

#[tokio::test]
async fn a_widget_directory_given_for_development_is_served_instead_of_the_built_in_files() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("pkg")).unwrap();
    std::fs::write(
        dir.path().join("paywall.js"),
        "import init from \"./pkg/paywall.js\"; init(new URL(\"./pkg/paywall_bg.wasm\", import.meta.url));",
    )
    .unwrap();
    std::fs::write(dir.path().join("pkg/paywall.js"), "export default function init() {}").unwrap();
    std::fs::write(dir.path().join("pkg/paywall_bg.wasm"), b"\0asm development build").unwrap();
    // Compressed copies left from an earlier build are not served for this one.
    let mut stale = Vec::new();
    brotli::CompressorWriter::new(&mut stale, 4096, 11, 22).write_all(b"\0asm earlier build").unwrap();
    std::fs::write(dir.path().join("pkg/paywall_bg.wasm.br"), stale).unwrap();
    let mut stale = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    stale.write_all(b"\0asm earlier build").unwrap();
    std::fs::write(dir.path().join("pkg/paywall_bg.wasm.gz"), stale.finish().unwrap()).unwrap();
    let server = TestServer::start_with(|config| config.widget_dir = Some(dir.path().to_owned())).await;
    let loader = server.get("/paywall.js", None).await.text;
    let files = imported(&loader);
    assert_eq!(files.len(), 2, "{loader}");
    assert_eq!(server.get(&files[0], None).await.text, "export default function init() {}");
    assert_eq!(server.get(&files[1], None).await.text, "\0asm development build");
    let (br, encoding, _) = encoded(&server, &files[1], "br").await;
    let mut unpacked = Vec::new();
    brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut unpacked).unwrap();
    assert_eq!((encoding.as_str(), &unpacked[..]), ("br", &b"\0asm development build"[..]));
    let (gzip, encoding, _) = encoded(&server, &files[1], "gzip").await;
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&gzip[..]).read_to_end(&mut unpacked).unwrap();
    assert_eq!((encoding.as_str(), &unpacked[..]), ("gzip", &b"\0asm development build"[..]));

    // A directory without the widget stops the start with what was missing.
    let empty = tempfile::tempdir().unwrap();
    let mut config = demo_config(empty.path().join("data"));
    config.widget_dir = Some(empty.path().to_owned());
    let error = paywall_server::start(config).await.err().expect("refused").to_string();
    assert!(error.contains("reading the widget"), "{error}");
}

#[tokio::test]
async fn the_dashboard_is_one_page_under_a_strict_policy_and_its_webassembly_goes_compressed() {
    let server = TestServer::start().await;
    let moved = server.get("/admin", None).await;
    assert_eq!((moved.status, moved.header(header::LOCATION)), (StatusCode::PERMANENT_REDIRECT, "/admin/"));
    for path in
        ["/admin/", "/admin/readers/12", "/admin/articles/night-trains-second-act", "/admin/index.html"]
    {
        let page = server.get(path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.text.contains("<div id=\"app\">"), "{path}: {}", page.text);
        let policy = page.header(header::CONTENT_SECURITY_POLICY);
        for directive in [
            "default-src 'none'",
            "script-src 'self' 'wasm-unsafe-eval';",
            "style-src 'self';",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert_eq!(page.header(header::X_FRAME_OPTIONS), "DENY");
    }
    // The built files, as they are (no page in their place), the WebAssembly in its brotli copy.
    let request = Request::get("/admin/pkg/paywall_admin_bg.wasm")
        .header(header::ACCEPT_ENCODING, "br")
        .body(Body::empty())
        .unwrap();
    let wasm = server.send(request).await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(
        (wasm.header(header::CONTENT_TYPE), wasm.header(header::CONTENT_ENCODING)),
        ("application/wasm", "br")
    );
    let style = server.get("/admin/admin.css", None).await;
    assert_eq!((style.status, style.header(header::CONTENT_TYPE)), (StatusCode::OK, "text/css"));
    server.get("/admin/pkg/nothing.js", None).await.problem(StatusCode::NOT_FOUND);
    for outside in
        ["/admin/pkg/..%2f..%2fCargo.toml", "/admin/..%2fCargo.toml", "/admin/pkg/%2e%2e/%2e%2e/Cargo.toml"]
    {
        let reply = server.get(outside, None).await;
        assert!(
            !reply.text.contains("[workspace]"),
            "{outside} served a file outside the site: {}",
            reply.status
        );
    }
}
