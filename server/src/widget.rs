//! The widget's files, as publishers' pages load them: the stable loader `/paywall.js` (the
//! one URL a publisher pastes, cached five minutes), which imports the wasm-bindgen glue and
//! the WebAssembly under names carrying their content's hash (`/paywall.<hash>.js`,
//! `/paywall_bg.<hash>.wasm`, cached for a year as immutable). A new build changes the names,
//! so a reader's browser never mixes an old loader with new WebAssembly, and within five
//! minutes of a deploy every page runs the new widget.
//!
//! They are public and carry no credentials, so any site may load them: a module script and
//! the `fetch` of the WebAssembly from a publisher's page are cross-origin requests in CORS
//! mode, which a browser refuses without `Access-Control-Allow-Origin` (the API keeps its own
//! list of publisher origins). `Cross-Origin-Resource-Policy: cross-origin` lets a page that
//! isolates itself (`Cross-Origin-Embedder-Policy: require-corp`) load them too, and
//! `Timing-Allow-Origin` lets the publisher's own performance monitoring see their timings.
//!
//! The files are built into the binary (see `build.rs`) unless the server is told to read
//! them from a directory (`PAYWALL_WIDGET_DIR`, for developing the widget) or was built
//! before the widget was.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::OnceLock;

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
    pub glue: Built,
    /// `www/pkg/paywall_bg.wasm`.
    pub wasm: Built,
}

/// A built file and the compressed copies `cargo xtask` made of it, if there.
pub struct Built {
    pub raw: &'static [u8],
    pub br: Option<&'static [u8]>,
    pub gzip: Option<&'static [u8]>,
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

/// Which sites may embed a resource loaded without CORS (Fetch's Cross-Origin-Resource-Policy).
const CROSS_ORIGIN_RESOURCE_POLICY: header::HeaderName =
    header::HeaderName::from_static("cross-origin-resource-policy");
/// Which sites may read a resource's detailed timings (Resource Timing).
const TIMING_ALLOW_ORIGIN: header::HeaderName = header::HeaderName::from_static("timing-allow-origin");

/// The widget's files under the paths they are served at.
#[derive(Clone)]
pub struct Widget {
    files: Vec<(String, Served)>,
}

impl Widget {
    /// The widget from the files built into the binary.
    /// Compressed once per process: servers started in one process share them.
    pub fn embedded() -> Option<Self> {
        static WIDGET: OnceLock<Option<Widget>> = OnceLock::new();
        WIDGET
            .get_or_init(|| {
                EMBEDDED.map(|files| {
                    Widget::new(files.loader, Encoded::built(&files.glue), Encoded::built(&files.wasm))
                        .expect("the built-in loader imports the glue and the WebAssembly from ./pkg/")
                })
            })
            .clone()
    }

    /// The widget from a directory laid out as `www/` is (`paywall.js`, `pkg/`).
    pub fn from_dir(dir: &Path) -> std::io::Result<Self> {
        let loader = std::fs::read(dir.join("paywall.js"))?;
        Widget::new(
            &loader,
            Encoded::read(&dir.join("pkg/paywall.js"))?,
            Encoded::read(&dir.join("pkg/paywall_bg.wasm"))?,
        )
    }

    /// The files under their served paths; an error if the loader does not import the glue
    /// and the WebAssembly where they are renamed from (it would load files nobody serves).
    fn new(loader: &[u8], glue: Encoded, wasm: Encoded) -> std::io::Result<Self> {
        let glue_path = format!("/paywall.{}.js", short_hash(&glue.identity));
        let wasm_path = format!("/paywall_bg.{}.wasm", short_hash(&wasm.identity));
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
        let served = |encoded: Encoded, content_type, cache_control| Served {
            etag: HeaderValue::from_str(&format!("W/\"{}\"", short_hash(&encoded.identity)))
                .expect("hex is a valid header"),
            encoded,
            content_type,
            cache_control,
        };
        Ok(Widget {
            files: vec![
                (
                    "/paywall.js".to_owned(),
                    served(Encoded::new(loader.into_bytes(), None, None), "text/javascript", LOADER_CACHE),
                ),
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

/// One file as served: its bytes in each encoding and the headers that go with them.
#[derive(Clone)]
struct Served {
    encoded: Encoded,
    content_type: &'static str,
    cache_control: &'static str,
    etag: HeaderValue,
}

/// A file's bytes as built and compressed: brotli at quality 11 and gzip at level 9, made once
/// (by `cargo xtask`, or when the server starts), never per request.
#[derive(Clone)]
struct Encoded {
    identity: Bytes,
    br: Bytes,
    gzip: Bytes,
}

impl Encoded {
    /// `raw` with the copies given, compressing it for those missing or not of `raw` (a copy
    /// left from an earlier build would otherwise be served, for a year, under this build's
    /// name): each copy given is unpacked and compared, a few milliseconds once.
    fn new(raw: Vec<u8>, br: Option<Vec<u8>>, gzip: Option<Vec<u8>>) -> Self {
        let unpacks_to_raw = |mut reader: Box<dyn Read + '_>| {
            let mut unpacked = Vec::with_capacity(raw.len());
            reader.read_to_end(&mut unpacked).is_ok() && unpacked == raw
        };
        let br = br.filter(|br| unpacks_to_raw(Box::new(brotli::Decompressor::new(&br[..], 4096))));
        let gzip = gzip.filter(|gzip| unpacks_to_raw(Box::new(flate2::read::GzDecoder::new(&gzip[..]))));
        Encoded {
            br: br.unwrap_or_else(|| compress_brotli(&raw)).into(),
            gzip: gzip.unwrap_or_else(|| compress_gzip(&raw)).into(),
            identity: raw.into(),
        }
    }

    fn built(file: &Built) -> Self {
        Encoded::new(file.raw.to_vec(), file.br.map(<[u8]>::to_vec), file.gzip.map(<[u8]>::to_vec))
    }

    /// The file at `path`, with its `.br` and `.gz` copies if there.
    fn read(path: &Path) -> std::io::Result<Self> {
        let copy = |encoding: &str| std::fs::read(format!("{}.{encoding}", path.display())).ok();
        Ok(Encoded::new(std::fs::read(path)?, copy("br"), copy("gz")))
    }

    /// The bytes in the smallest encoding this request accepts (brotli, then gzip, whatever
    /// weights it gives them: both are made already, so the smaller one costs nothing more),
    /// and that encoding's name.
    fn choose(&self, request: &HeaderMap) -> (&Bytes, Option<&'static str>) {
        if accepts(request, "br") {
            (&self.br, Some("br"))
        } else if accepts(request, "gzip") {
            (&self.gzip, Some("gzip"))
        } else {
            (&self.identity, None)
        }
    }
}

/// Whether `Accept-Encoding` accepts `coding` (`br` or `gzip`): named without `q=0`, or not
/// named and covered by `*` without `q=0`. Written here because tower-http keeps its parser
/// private.
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    let mut wildcard = false;
    for value in request.get_all(header::ACCEPT_ENCODING).iter().filter_map(|value| value.to_str().ok()) {
        for item in value.split(',') {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let wanted = !parts.any(|parameter| {
                let (name, value) = parameter.split_once('=').unwrap_or_default();
                name.trim().eq_ignore_ascii_case("q") && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
            });
            if name.eq_ignore_ascii_case(coding) || (coding == "gzip" && name.eq_ignore_ascii_case("x-gzip"))
            {
                return wanted;
            }
            wildcard |= name == "*" && wanted;
        }
    }
    wildcard
}

fn compress_brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).expect("writing to memory cannot fail");
    }
    out
}

fn compress_gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail")
}

impl Served {
    /// The file in the best encoding the browser accepts, or 304 when it already has this
    /// version. The response carries its encoding, so the compression layer leaves it alone.
    fn reply(&self, request: &HeaderMap) -> Response {
        let headers = [
            (header::CACHE_CONTROL, HeaderValue::from_static(self.cache_control)),
            (header::ETAG, self.etag.clone()),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
            (CROSS_ORIGIN_RESOURCE_POLICY, HeaderValue::from_static("cross-origin")),
            (TIMING_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        ];
        if matches_etag(request, &self.etag) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        let (bytes, encoding) = self.encoded.choose(request);
        let mut response =
            (headers, [(header::CONTENT_TYPE, self.content_type)], bytes.clone()).into_response();
        if let Some(encoding) = encoding {
            response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
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
