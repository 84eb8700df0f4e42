//! The widget's and the dashboard's compressed copies: brotli at quality 11 and gzip at level
//! 9, made once after each build and written beside the files (`.br`, `.gz`), where the
//! server's build embeds the widget's and the server serves the dashboard's as they are.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::root;
use crate::run::Failed;

/// The files the server serves compressed (the loader is rewritten when the server starts,
/// which compresses it then).
const COMPRESSED: [&str; 2] = ["www/pkg/paywall.js", "www/pkg/paywall_bg.wasm"];

/// Writes `FILE.br` and `FILE.gz` beside each of the widget's built files.
pub fn widget() -> Result<(), Failed> {
    beside(&COMPRESSED)
}

/// Writes `FILE.br` and `FILE.gz` beside each of `files` (paths from the project's root).
pub fn beside(files: &[&str]) -> Result<(), Failed> {
    for file in files {
        let path = root().join(file);
        let bytes = std::fs::read(&path).map_err(|error| Failed(format!("reading {file}: {error}")))?;
        for (encoding, compressed) in [("br", brotli(&bytes)), ("gz", gzip(&bytes))] {
            let copy = format!("{}.{encoding}", path.display());
            std::fs::write(&copy, compressed).map_err(|error| Failed(format!("writing {copy}: {error}")))?;
        }
    }
    Ok(())
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail")
}

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).expect("writing to memory cannot fail");
    }
    out
}
