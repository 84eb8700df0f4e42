//! The widget's files, as publishers' pages load them: the stable loader `/paywall.js` (the
//! one URL a publisher pastes, cached five minutes), which imports the wasm-bindgen glue and
//! the WebAssembly under names carrying their content's hash (`/paywall.<hash>.js`,
//! `/paywall_bg.<hash>.wasm`, cached for a year as immutable). A new build changes the names,
//! so a reader's browser never mixes an old loader with new WebAssembly, and within five
//! minutes of a deploy every page runs the new widget.
//!
//! The files are built into the binary (see `build.rs`) unless the server is told to read
//! them from a directory (`PAYWALL_WIDGET_DIR`, for developing the widget) or was built
//! before the widget was.

use std::path::Path;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

/// The widget's three files, as built: the loader, the wasm-bindgen glue, the WebAssembly.
pub struct Files {
    /// `www/paywall.js`.
    pub loader: &'static [u8],
    /// `www/pkg/paywall.js`.
    pub glue: &'static [u8],
    /// `www/pkg/paywall_bg.wasm`.
    pub wasm: &'static [u8],
}

/// The files built into this binary, if the widget was built before it.
pub const EMBEDDED: Option<Files> = include!(concat!(env!("OUT_DIR"), "/embedded_widget.rs"));

/// Where the loader imports the glue and the WebAssembly from, as written in `www/paywall.js`.
const GLUE_IMPORT: &str = "./pkg/paywall.js";
const WASM_IMPORT: &str = "./pkg/paywall_bg.wasm";

/// How long browsers keep the loader: a deploy reaches every reader within this time.
const LOADER_CACHE: &str = "public, max-age=300";
/// Hashed files never change under their name.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One file as served: its bytes and the headers that go with them.
#[derive(Clone)]
struct Served {
    bytes: Bytes,
    content_type: &'static str,
    cache_control: &'static str,
    etag: HeaderValue,
}

/// The widget's files under the paths they are served at.
#[derive(Clone)]
pub struct Widget {
    files: Vec<(String, Served)>,
}

impl Widget {
    /// The widget from the files built into the binary.
    pub fn embedded() -> Option<Self> {
        EMBEDDED.map(|files| {
            Widget::new(files.loader, files.glue.to_vec(), files.wasm.to_vec())
                .expect("the built-in loader imports the glue and the WebAssembly from ./pkg/")
        })
    }

    /// The widget from a directory laid out as `www/` is (`paywall.js`, `pkg/`).
    pub fn from_dir(dir: &Path) -> std::io::Result<Self> {
        let read = |name: &str| std::fs::read(dir.join(name));
        Widget::new(&read("paywall.js")?, read("pkg/paywall.js")?, read("pkg/paywall_bg.wasm")?)
    }

    /// The files under their served paths; an error if the loader does not import the glue
    /// and the WebAssembly where they are renamed from (it would load files nobody serves).
    fn new(loader: &[u8], glue: Vec<u8>, wasm: Vec<u8>) -> std::io::Result<Self> {
        let glue_path = format!("/paywall.{}.js", short_hash(&glue));
        let wasm_path = format!("/paywall_bg.{}.wasm", short_hash(&wasm));
        let loader = String::from_utf8_lossy(loader);
        if let Some(missing) = [GLUE_IMPORT, WASM_IMPORT].into_iter().find(|import| !loader.contains(import))
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("paywall.js does not import {missing}"),
            ));
        }
        let loader = loader
            .replace(GLUE_IMPORT, &format!(".{glue_path}"))
            .replace(WASM_IMPORT, &format!(".{wasm_path}"));
        let served = |bytes: Vec<u8>, content_type, cache_control| Served {
            etag: HeaderValue::from_str(&format!("W/\"{}\"", short_hash(&bytes)))
                .expect("hex is a valid header"),
            bytes: bytes.into(),
            content_type,
            cache_control,
        };
        Ok(Widget {
            files: vec![
                ("/paywall.js".to_owned(), served(loader.into_bytes(), "text/javascript", LOADER_CACHE)),
                (glue_path, served(glue, "text/javascript", IMMUTABLE)),
                (wasm_path, served(wasm, "application/wasm", IMMUTABLE)),
            ],
        })
    }

    /// The paths the widget is served at: the loader first.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(path, _)| path.as_str())
    }

    /// The routes serving the files.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        self.files.iter().fold(Router::new(), |router, (path, file)| {
            let file = file.clone();
            router.route(path, get(move |headers: HeaderMap| async move { file.reply(&headers) }))
        })
    }
}

impl Served {
    /// The file, or 304 when the browser already has this version.
    fn reply(&self, request: &HeaderMap) -> Response {
        let headers = [
            (header::CACHE_CONTROL, HeaderValue::from_static(self.cache_control)),
            (header::ETAG, self.etag.clone()),
        ];
        if matches_etag(request, &self.etag) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        let content_type = [(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type))];
        (headers, content_type, self.bytes.clone()).into_response()
    }
}

/// Whether `If-None-Match` names this entity tag (compared weakly, as for GET).
pub fn matches_etag(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.as_bytes().strip_prefix(b"W/").unwrap_or(etag.as_bytes());
    request.get_all(header::IF_NONE_MATCH).iter().filter_map(|value| value.to_str().ok()).any(|value| {
        value
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.as_bytes().strip_prefix(b"W/").unwrap_or(tag.as_bytes()) == ours)
    })
}

/// The first 16 hex digits of the content's SHA-256: names a version of a file.
pub fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8].iter().map(|byte| format!("{byte:02x}")).collect()
}
